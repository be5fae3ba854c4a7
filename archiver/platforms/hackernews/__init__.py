"""Hacker News markup of every era (news.ycombinator.com, its Wayback captures, its clones):
the page parser (page.py, text.py) and the spider base (spider.py)."""

from archiver.platforms.hackernews.page import parse_page
from archiver.platforms.hackernews.spider import HackernewsPlatform

__all__ = ["HackernewsPlatform", "parse_page"]
