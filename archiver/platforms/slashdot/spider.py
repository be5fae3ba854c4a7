"""Slashdot's front page, story pages, and the pages holding the comments a story page lacks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from scrapy.http import Request, Response, TextResponse

from archiver.contract import Link
from archiver.crawl.spider import NewsSpider
from archiver.platforms.slashdot.page import further_comment_pages, parse_page


class SlashdotPlatform(NewsSpider):
    default_urls: ClassVar[list[str]] = ["https://slashdot.org/"]
    # The story title links, on the front page as on a story page (where it is the page itself).
    article_links = (
        "article[data-fhtype='story'] .story span[id^='title-'] a::attr(href),"
        " div.article div.title h3 a::attr(href)"
    )
    parse_page = staticmethod(parse_page)

    def follow(self, response: Response) -> Iterator[Request]:
        """The base spider's links, then the pages holding comments this one lacks."""
        yield from super().follow(response)
        if isinstance(response, TextResponse):
            urls = further_comment_pages(response)
            yield from filter(None, (self.web_request(url, Link.COMMENTS) for url in urls))
