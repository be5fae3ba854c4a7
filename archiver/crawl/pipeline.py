"""Scrapy item pipeline: save captures, crawl state and parsed items to the archive database.

A response's items arrive as one `PageDone`, after the frontier rows of the links
it led to; a transaction ends after a PageDone, at most every STORE_COMMIT_SECONDS
(full-text indexing and the commit itself cost several times less per page than
with a commit per page). A kill thus loses at most that last stretch of responses,
whose captures are then missing from the database or unprocessed: `archiver.offline.resume`
redoes those from the WARC files when the next crawl opens.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler

from archiver.archive.capture import Capture
from archiver.contract import Link, Meta
from archiver.crawl.capture import capture_written
from archiver.crawl.resources import STORAGE_ERRORS, ArchiveResources
from archiver.items import Item, PageDone
from archiver.store import frontier
from archiver.store.save import save_capture, save_item


def recrawl_policy(crawler: Crawler) -> frontier.Policy:
    settings = crawler.settings
    return frontier.Policy.from_text(
        settings.get("RECRAWL_BACKOFF"), settings.get("RECRAWL_STOP_AFTER")
    )


#: links no request was made for (javascript:, mailto:, tel:...), in the crawl report
LINKS_SKIPPED = "archiver/links/skipped"


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.resources = ArchiveResources.of(crawler)
        self.db = self.resources.db
        self.policy = recrawl_policy(crawler)
        self.run_id: int | None = None
        self.commit_seconds = crawler.settings.getfloat("STORE_COMMIT_SECONDS")
        self.committed = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.save_capture, signal=capture_written)
        crawler.signals.connect(pipeline.discover, signal=signals.request_scheduled)
        crawler.signals.connect(pipeline.close, signal=signals.spider_closed)
        return pipeline

    def open_spider(self, spider: Spider | None = None) -> None:
        self.run_id = self.resources.open_run(spider or self.crawler.spider)

    def save_capture(self, capture: Capture) -> None:
        self.write(self._save_capture, capture)

    def _save_capture(self, capture: Capture) -> None:
        save_capture(self.db, capture, self.run_id, processed=not capture.parsed_by_spider)
        frontier.record_fetch(self.db, capture, self.crawler.spider.name, self.policy)

    def discover(self, request: Request, spider: Spider | None = None) -> None:
        """Every scheduled request joins the frontier, so a kill cannot lose it (unless the
        scheduler itself writes the rows, as the frontier's does)."""
        if (
            not self.resources.scheduler_keeps_frontier
            and request.meta.get(Meta.LINK) != Link.START
        ):
            now = datetime.now(UTC)
            self.write(frontier.discover, self.db, request.url, self.crawler.spider.name, now)

    def process_item(self, item: Item, spider: Spider | None = None) -> Item:
        self.write(self._save, item)
        return item

    def write(self, save: Callable[..., object], *args: object) -> None:
        """A database write; one the disk refuses stops the crawl (see storage_failed),
        and once it has, nothing more is written: the next run resumes this one."""
        if self.resources.storage_error is not None:
            return
        try:
            save(*args)
        except STORAGE_ERRORS as error:
            self.resources.storage_failed(error)

    def _save(self, item: Item) -> None:
        saved = save_item(self.db, item)
        for name, count in saved.items():
            self.crawler.stats.inc_value(f"archiver/store/{name}", count)
        if isinstance(item, PageDone):
            if item.links_skipped:
                self.crawler.stats.inc_value(LINKS_SKIPPED, item.links_skipped)
            if item.fingerprint:
                fetched = datetime.now(UTC)
                frontier.record_content(self.db, item.url, item.fingerprint, self.policy, fetched)
            if time.monotonic() - self.committed >= self.commit_seconds:
                self.db.conn.commit()
                self.committed = time.monotonic()

    def close(self, spider: Spider, reason: str = "") -> None:
        self.resources.close_run(reason, self.crawler.stats)
