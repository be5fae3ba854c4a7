"""Lobsters (lobste.rs or a mirror): `archiver crawl lobsters [--url https://lobste.rs/newest]`."""

from archiver.platforms.lobsters import LobstersPlatform, parse_page


class LobstersSpider(LobstersPlatform):
    name = "lobsters"


__all__ = ["LobstersSpider", "parse_page"]
