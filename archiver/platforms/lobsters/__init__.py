"""Lobsters through its story pages and their JSON: the parser (page.py), the spider base."""

from archiver.platforms.lobsters.page import parse_page
from archiver.platforms.lobsters.spider import LobstersPlatform

__all__ = ["LobstersPlatform", "parse_page"]
