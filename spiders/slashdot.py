"""Slashdot (slashdot.org): story pages with every comment they carry, 2007 to today."""

from archiver.platforms.slashdot import SlashdotPlatform, parse_page


class SlashdotSpider(SlashdotPlatform):
    name = "slashdot"


__all__ = ["SlashdotSpider", "parse_page"]
