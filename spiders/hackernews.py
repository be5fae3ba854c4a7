"""Hacker News (news.ycombinator.com): stories and their comment threads, 2007 to today."""

from archiver.platforms.hackernews import HackernewsPlatform, parse_page


class HackernewsSpider(HackernewsPlatform):
    name = "hackernews"


__all__ = ["HackernewsSpider", "parse_page"]
