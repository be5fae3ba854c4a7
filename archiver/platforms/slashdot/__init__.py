"""Slashdot (Slash and its D2 comment system) story pages of every era since 2007."""

from archiver.platforms.slashdot.page import parse_page
from archiver.platforms.slashdot.spider import SlashdotPlatform

__all__ = ["SlashdotPlatform", "parse_page"]
