"""Discourse forums through their JSON API: the topic parser (page.py), the spider base."""

from archiver.platforms.discourse.page import parse_page
from archiver.platforms.discourse.spider import DiscoursePlatform

__all__ = ["DiscoursePlatform", "parse_page"]
