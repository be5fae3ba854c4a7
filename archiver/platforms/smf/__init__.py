"""Simple Machines forums (SMF 2): the topic page parser (page.py), the spider base."""

from archiver.platforms.smf.page import parse_page
from archiver.platforms.smf.spider import SmfPlatform

__all__ = ["SmfPlatform", "parse_page"]
