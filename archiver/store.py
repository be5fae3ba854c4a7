"""Scrapy item pipeline: save captures and parsed items to the archive database.

Writes are batched: one transaction per STORE_BATCH_SIZE items, committed at
close too. A kill loses at most one uncommitted batch, which `archiver reparse`
rebuilds from the WARC records that were already flushed.
"""

from __future__ import annotations

from pathlib import Path

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from archiver import db as store
from archiver.capture import Capture, capture_written
from archiver.items import Article, Comment, FetchError, Item, Quote

_COUNTED = {Article: "articles", Comment: "comments", Quote: "quotes", FetchError: "errors"}


class StorePipeline:
    def __init__(self, crawler: Crawler, path: Path, batch_size: int) -> None:
        self.crawler = crawler
        self.db = store.open_db(path)
        self.batch_size = batch_size
        self.pending = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        settings = crawler.settings
        archive = Path(settings.get("ARCHIVE_DIR"))
        archive.mkdir(parents=True, exist_ok=True)
        pipeline = cls(crawler, archive / "archive.db", settings.getint("STORE_BATCH_SIZE"))
        crawler.signals.connect(pipeline.save_capture, signal=capture_written)
        crawler.signals.connect(pipeline.close, signal=signals.spider_closed)
        return pipeline

    def save_capture(self, capture: Capture) -> None:
        store.save_capture(self.db, capture)
        self._written()

    def process_item(self, item: Item, spider: Spider | None = None) -> Item:
        store.save_item(self.db, item)
        name = _COUNTED.get(type(item))
        if name:
            self.crawler.stats.inc_value(f"archiver/store/{name}")
        self._written()
        return item

    def _written(self) -> None:
        self.pending += 1
        if self.pending >= self.batch_size:
            self.db.conn.commit()
            self.pending = 0

    def close(self, spider: Spider) -> None:
        self.db.conn.commit()
        self.db.close()
