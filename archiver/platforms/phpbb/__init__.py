"""phpBB forums (2 and 3): the topic page parser (page.py), the spider base."""

from archiver.platforms.phpbb.page import parse_page
from archiver.platforms.phpbb.spider import PhpbbPlatform

__all__ = ["PhpbbPlatform", "parse_page"]
