"""Discourse forums (any host): `archiver crawl discourse --url https://forum.example/c/news/5`."""

from archiver.platforms.discourse import DiscoursePlatform, parse_page


class DiscourseSpider(DiscoursePlatform):
    name = "discourse"


__all__ = ["DiscourseSpider", "parse_page"]
