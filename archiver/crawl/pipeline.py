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
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from archiver.archive.capture import Capture
from archiver.archive.lock import lock_archive
from archiver.archive.names import warc_date
from archiver.crawl.capture import capture_written
from archiver.items import Item, PageDone
from archiver.store import frontier
from archiver.store.save import save_capture, save_item
from archiver.store.schema import open_db


def archive_db(crawler: Crawler) -> sqlite_utils.Database:
    """The crawl's one connection to ARCHIVE_DIR/archive.db, shared by its components."""
    db = getattr(crawler, "_archive_db", None)
    if db is None:
        archive = Path(crawler.settings.get("ARCHIVE_DIR"))
        archive.mkdir(parents=True, exist_ok=True)
        lock_archive(archive)
        db = open_db(archive / "archive.db")
        crawler._archive_db = db  # type: ignore[attr-defined]
    return db


def recrawl_policy(crawler: Crawler) -> frontier.Policy:
    settings = crawler.settings
    return frontier.Policy.from_text(
        settings.get("RECRAWL_BACKOFF"), settings.get("RECRAWL_STOP_AFTER")
    )


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.db = archive_db(crawler)
        self.policy = recrawl_policy(crawler)
        self.run_id: int | None = None
        self.commit_seconds = crawler.settings.getfloat("STORE_COMMIT_SECONDS")
        self.committed = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        if not crawler.settings.get("ARCHIVE_DIR"):
            raise NotConfigured("ARCHIVE_DIR is not set")
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.save_capture, signal=capture_written)
        crawler.signals.connect(pipeline.discover, signal=signals.request_scheduled)
        crawler.signals.connect(pipeline.close, signal=signals.spider_closed)
        return pipeline

    def open_spider(self, spider: Spider | None = None) -> None:
        from archiver.offline.resume import resume  # resume reparses records: import late, no cycle

        spider = spider or self.crawler.spider
        report = resume(self.db, Path(self.crawler.settings.get("ARCHIVE_DIR")), spider)
        if report.records:
            spider.logger.info("resumed an interrupted crawl: %s", report)
        self.run_id = (
            self.db["crawl_runs"].insert({"spider": spider.name, "started": _now()}).last_pk
        )
        self.db.conn.commit()

    def save_capture(self, capture: Capture) -> None:
        save_capture(self.db, capture, self.run_id, processed=not capture.parsed_by_spider)
        frontier.record_fetch(self.db, capture, self.crawler.spider.name, self.policy)

    def discover(self, request: Request, spider: Spider | None = None) -> None:
        """Every scheduled request joins the frontier, so a kill cannot lose it."""
        if request.meta.get("link") != "start":
            frontier.discover(self.db, request.url, self.crawler.spider.name, datetime.now(UTC))

    def process_item(self, item: Item, spider: Spider | None = None) -> Item:
        saved = save_item(self.db, item)
        for name, count in saved.items():
            self.crawler.stats.inc_value(f"archiver/store/{name}", count)
        if isinstance(item, PageDone):
            if item.fingerprint:
                fetched = datetime.now(UTC)
                frontier.record_content(self.db, item.url, item.fingerprint, self.policy, fetched)
            if time.monotonic() - self.committed >= self.commit_seconds:
                self.db.conn.commit()
                self.committed = time.monotonic()
        return item

    def close(self, spider: Spider, reason: str = "") -> None:
        stats = self.crawler.stats
        self.db["crawl_runs"].update(
            self.run_id,
            {
                "finished": _now(),
                "finish_reason": reason,
                "pages": stats.get_value("downloader/response_count", 0),
                "revisits": stats.get_value("archiver/warc/revisits", 0),
                "new_articles": stats.get_value("archiver/store/new_articles", 0),
                "new_comments": stats.get_value("archiver/store/new_comments", 0),
                "errors": stats.get_value("archiver/store/errors", 0),
                "warc_bytes": stats.get_value("archiver/warc/bytes_written", 0),
            },
        )
        self.db.conn.commit()
        self.db.close()


def _now() -> str:
    """The format of WARC dates: crawl state compares them as strings."""
    return warc_date(datetime.now(UTC))
