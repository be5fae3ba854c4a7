"""Reddit (or a mirror): `archiver crawl reddit --url https://www.reddit.com/r/Python/`."""

from archiver.platforms.reddit import RedditPlatform, parse_page


class RedditSpider(RedditPlatform):
    name = "reddit"


__all__ = ["RedditSpider", "parse_page"]
