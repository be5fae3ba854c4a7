"""phpBB 2 and 3 boards (any host): `archiver crawl phpbb --url https://board.example/viewforum.php?f=2`."""

from archiver.platforms.phpbb import PhpbbPlatform, parse_page


class PhpbbSpider(PhpbbPlatform):
    name = "phpbb"


__all__ = ["PhpbbSpider", "parse_page"]
