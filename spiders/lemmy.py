"""Lemmy or PieFed instances: `archiver crawl lemmy --url https://lemmy.example/post/123`
(PieFed: `-s LEMMY_API=/api/alpha`)."""

from archiver.platforms.lemmy import LemmyPlatform, parse_page


class LemmySpider(LemmyPlatform):
    name = "lemmy"


__all__ = ["LemmySpider", "parse_page"]
