"""Lemmy (and PieFed) through their JSON API: the parser (page.py), the spider base."""

from archiver.platforms.lemmy.page import parse_page
from archiver.platforms.lemmy.spider import LemmyPlatform

__all__ = ["LemmyPlatform", "parse_page"]
