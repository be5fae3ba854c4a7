"""SPIP sites (a CMS common in French media): the article parser (page.py), the spider base."""

from archiver.platforms.spip.page import parse_page
from archiver.platforms.spip.spider import SpipPlatform

__all__ = ["SpipPlatform", "parse_page"]
