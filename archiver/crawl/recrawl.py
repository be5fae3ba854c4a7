"""Incremental crawling: fetch only what is new or due, conditionally.

RecrawlSpiderMiddleware adds the due thread pages of earlier runs to the start
requests and drops links that are not due; a listing's next page is followed
only while listings still show articles never seen. RecrawlDownloaderMiddleware
makes requests conditional (If-None-Match / If-Modified-Since) and tells the
WARC capture which earlier record a revisit would refer to.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response

from archiver.archive.names import warc_date
from archiver.contract import Link, Meta
from archiver.crawl.resources import ArchiveResources
from archiver.items import Article, Comment, PageDone
from archiver.store import frontier


class RecrawlSpiderMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.db = ArchiveResources.of(crawler).db
        self.recheck = crawler.settings.getbool("RECRAWL_RECHECK")
        self.started = warc_date(datetime.now(UTC))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RecrawlSpiderMiddleware:
        return cls(crawler)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for request in start:
            yield request
        spider = self.crawler.spider
        now = datetime.now(UTC)
        for url in frontier.due_urls(self.db, spider.name, now, self.recheck):
            self.crawler.stats.inc_value("archiver/recrawl/due")
            yield spider.request(url, Link.DUE)

    def process_spider_output(
        self, response: Response, result: Iterable[Any], spider: Spider | None = None
    ) -> Iterator[Any]:
        page = _PageOutputs(self)
        for output in result:
            yield from page.take(output)
        yield from page.rest()

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any], spider: Spider | None = None
    ) -> AsyncIterator[Any]:
        page = _PageOutputs(self)
        async for output in result:
            for kept in page.take(output):
                yield kept
        for kept in page.rest():
            yield kept

    def wanted(self, request: Request, row: dict | None) -> bool:
        """Whether a thread page is due (or rechecked); listings always are."""
        link = request.meta.get(Meta.LINK)
        if self.recheck or link == Link.LISTING or frontier.is_due(row, datetime.now(UTC)):
            return True
        self.crawler.stats.inc_value("archiver/recrawl/not_due")
        return False


class _PageOutputs:
    """One page's outputs, let through as they come (a sitemap's 50,000 links are never
    held at once), but for its listing links and items: a listing's next page is followed
    only while the page showed articles new to the archive, or is a thread page (whose
    "next" link is its next comment page), which is known once the page is read whole."""

    def __init__(self, middleware: RecrawlSpiderMiddleware) -> None:
        self.middleware = middleware
        self.held: list[Any] = []
        self.listing_has_news: bool | None = None

    def take(self, output: Any) -> Iterator[Any]:  # noqa: ANN401 - whatever a callback yields
        if not isinstance(output, Request) or output.meta.get(Meta.LINK) == Link.LISTING:
            self.held.append(output)
            return
        row = frontier.get(self.middleware.db, output.url)
        if output.meta.get(Meta.LINK) == Link.ARTICLE:
            # New to the archive: never fetched, or first seen by this very run (found by
            # a sitemap, say, and fetched before this listing was read).
            new = row is None or row["last_fetched"] is None
            new = new or row["first_seen"] >= self.middleware.started
            self.listing_has_news = bool(self.listing_has_news) or new
        if self.middleware.wanted(output, row):
            yield output

    def rest(self) -> Iterator[Any]:
        """The listing links worth following, then the page's items."""
        thread_page = any(
            isinstance(item, Article | Comment)
            for output in self.held
            if isinstance(output, PageDone)
            for item in output.items
        )
        stats = self.middleware.crawler.stats
        for output in self.held:
            if not isinstance(output, Request):
                continue
            if self.listing_has_news is False and not thread_page:
                stats.inc_value("archiver/recrawl/listing_walk_stopped")
            elif self.middleware.wanted(output, None):
                yield output
        yield from (output for output in self.held if not isinstance(output, Request))


class RecrawlDownloaderMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.db = ArchiveResources.of(crawler).db

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RecrawlDownloaderMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        # robots.txt must never come back as an empty 304: Scrapy would read "allow all".
        if request.meta.get("dont_obey_robotstxt") or request.meta.get(Meta.EARLIER_CAPTURE):
            return
        row = frontier.get(self.db, request.url)
        earlier = frontier.earlier_capture(row)
        if earlier is None or row is None:
            return
        request.meta[Meta.EARLIER_CAPTURE] = earlier
        request.meta["handle_httpstatus_list"] = [
            *request.meta.get("handle_httpstatus_list", []),
            304,
        ]
        if row["etag"]:
            request.headers.setdefault("If-None-Match", row["etag"])
        if row["last_modified"]:
            request.headers.setdefault("If-Modified-Since", row["last_modified"])
