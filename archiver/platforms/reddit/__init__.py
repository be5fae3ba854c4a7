"""Reddit through its JSON API (and new-Reddit pages): the parser (page.py), the spider base."""

from archiver.platforms.reddit.page import parse_page
from archiver.platforms.reddit.spider import RedditPlatform

__all__ = ["RedditPlatform", "parse_page"]
