"""SMF forums (any host): `archiver crawl smf --url https://forum.example/index.php/board,2.0.html`."""

from archiver.platforms.smf import SmfPlatform, parse_page


class SmfSpider(SmfPlatform):
    name = "smf"


__all__ = ["SmfSpider", "parse_page"]
