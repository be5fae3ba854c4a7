"""Hacker News listings, stories and every further page of their threads."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from scrapy.http import Request, Response, TextResponse

from archiver.contract import Link
from archiver.crawl.spider import NewsSpider
from archiver.platforms.hackernews.page import is_thread_page, parse_page

# The "More" link of a listing or a thread: a.morelink since 2014, `x?fnid=` before.
_MORE = (
    "//a[contains(@class, 'morelink')"
    " or (contains(@href, 'fnid=') and normalize-space() = 'More')]/@href"
)


class HackernewsPlatform(NewsSpider):
    default_urls: ClassVar[list[str]] = ["https://news.ycombinator.com/news"]
    # The comments link of each story (also "discuss"): in span.subline since 2022, bare
    # in td.subtext before; the age link sits inside span.age.
    article_links = (
        "span.subline > a[href*='item?id=']::attr(href),"
        " td.subtext > a[href*='item?id=']::attr(href)"
    )
    parse_page = staticmethod(parse_page)

    def follow(self, response: Response) -> Iterator[Request]:
        """The base links, and "More": a thread's next comment page, or a listing's next page."""
        yield from super().follow(response)
        if not isinstance(response, TextResponse) or self._listing_too_old(response):
            return
        link = Link.COMMENTS if is_thread_page(response) else Link.LISTING
        hrefs = response.xpath(_MORE).getall()
        yield from filter(None, (self.link(response, href, link) for href in hrefs))
