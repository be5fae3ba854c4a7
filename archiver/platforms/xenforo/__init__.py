"""XenForo forums: the thread page parser (page.py), the spider base."""

from archiver.platforms.xenforo.page import parse_page
from archiver.platforms.xenforo.spider import XenforoPlatform

__all__ = ["XenforoPlatform", "parse_page"]
