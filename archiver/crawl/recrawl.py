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
        outputs = list(result)
        # A "next" link of a thread page is its next comment page.
        thread_page = any(
            isinstance(item, Article | Comment)
            for output in outputs
            if isinstance(output, PageDone)
            for item in output.items
        )
        listing_has_news = None
        for output in outputs:
            if not isinstance(output, Request):
                yield output
                continue
            link = output.meta.get(Meta.LINK)
            row = frontier.get(self.db, output.url)
            # New to the archive: never fetched, or first seen by this very run (found by
            # a sitemap, say, and fetched before this listing was read).
            new = row is None or row["last_fetched"] is None or row["first_seen"] >= self.started
            if link == Link.ARTICLE:
                listing_has_news = bool(listing_has_news) or new
            if link == Link.LISTING and listing_has_news is False and not thread_page:
                self.crawler.stats.inc_value("archiver/recrawl/listing_walk_stopped")
                continue
            due = frontier.is_due(row, datetime.now(UTC))
            if not self.recheck and link != Link.LISTING and not due:
                self.crawler.stats.inc_value("archiver/recrawl/not_due")
                continue
            yield output

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any], spider: Spider | None = None
    ) -> AsyncIterator[Any]:
        outputs = [output async for output in result]
        for output in self.process_spider_output(response, outputs):
            yield output


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
