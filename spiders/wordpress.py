"""Any WordPress site, from its root URL (or one post's URL): posts and all their comment pages."""

from archiver.platforms.wordpress import WordpressPlatform, parse_page


class WordpressSpider(WordpressPlatform):
    name = "wordpress"


__all__ = ["WordpressSpider", "parse_page"]
