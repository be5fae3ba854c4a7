"""Run one spider in this process and summarize what it archived."""

from __future__ import annotations

import ipaddress
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from archiver.archive.lock import lock_archive
from archiver.crawl.pipeline import LINKS_SKIPPED
from archiver.crawl.resources import STORAGE_FAILED
from archiver.registry import load_spider
from archiver.settings import project_settings
from archiver.store.rows import counts_for_files
from archiver.store.schema import open_db

logger = logging.getLogger(__name__)


@dataclass
class CrawlReport:
    spider: str
    pages: int = 0
    revisits: int = 0
    articles: int = 0
    comments: int = 0
    quotes: int = 0
    errors: int = 0
    threads_incomplete: int = 0
    links_skipped: int = 0
    warc_bytes: int = 0
    warc_files: list[str] = field(default_factory=list)
    seconds: float = 0.0
    finish_reason: str = ""
    storage_error: str | None = None  # why the archive could not be written, if it could not

    @classmethod
    def from_stats(
        cls, spider: str, stats: dict[str, Any], seconds: float, db_path: Path
    ) -> CrawlReport:
        """Counts of distinct rows this crawl's WARC files produced, and its stats."""
        files = stats.get("archiver/warc/files", [])
        counts = {"articles": 0, "comments": 0, "quotes": 0}
        if db_path.exists():
            archive = open_db(db_path)
            counts = counts_for_files(archive, files)
            archive.close()
        return cls(
            spider=spider,
            pages=stats.get("downloader/response_count", 0),
            revisits=stats.get("archiver/warc/revisits", 0),
            **counts,
            errors=stats.get("archiver/store/errors", 0),
            threads_incomplete=stats.get("archiver/store/threads_incomplete", 0),
            links_skipped=stats.get(LINKS_SKIPPED, 0),
            warc_bytes=stats.get("archiver/warc/bytes_written", 0),
            warc_files=files,
            seconds=seconds,
            finish_reason=str(stats.get("finish_reason", "")),
            storage_error=stats.get(STORAGE_FAILED),
        )

    def render(self) -> str:
        return "\n".join(
            [
                f"Crawl of {self.spider} {'stopped' if self.storage_error else 'finished'}"
                f" ({self.finish_reason}) in {self.seconds:.1f} s",
                f"  pages     {self.pages} ({self.revisits} unchanged, archived as revisits)",
                f"  articles  {self.articles}",
                f"  comments  {self.comments}",
                f"  quotes    {self.quotes}",
                f"  errors    {self.errors}",
                f"  short     {self.threads_incomplete} thread(s) with fewer comments than shown"
                " (fetch_errors: thread_incomplete)",
                f"  links     {self.links_skipped} skipped: not a web page"
                " (javascript:, mailto:, tel:...)",
                f"  WARC      {self.warc_bytes:,} bytes in {len(self.warc_files)} file(s)",
            ]
        )


class RedisUnavailable(RuntimeError):
    """The Redis a shared crawl needs does not answer."""


def reach_redis(settings: Settings) -> None:
    """Check the shared crawl's Redis answers before the crawl starts, not at its first request."""
    import redis  # only when a shared crawl asks for it
    from scrapy_redis import connection

    try:
        connection.get_redis_from_settings(settings).ping()
    except redis.RedisError as error:
        url = settings.get("REDIS_URL")
        raise RedisUnavailable(f"cannot reach Redis at {url}: {error}") from error


def _loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def run_crawl(
    spider: str,
    urls: list[str],
    overrides: dict[str, object] | None = None,
    since: str | None = None,
) -> CrawlReport:
    """Crawl with `spider` from `urls` (or its default start pages); block until done."""
    spider_cls = load_spider(spider)
    settings = project_settings(overrides)
    if not settings.get("ARCHIVER_CONTACT") and not all(
        map(_loopback, urls or spider_cls.default_urls)
    ):
        logger.warning(
            "no contact given: the sites you crawl cannot reach you. Pass --contact URL (or"
            " mailto:you@example.org), or set ARCHIVER_CONTACT: it goes in the User-Agent."
        )
    lock_archive(Path(settings.get("ARCHIVE_DIR")))  # refuse at once, before Scrapy starts
    if settings.get("REDIS_URL"):
        reach_redis(settings)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(spider_cls)
    kwargs: dict[str, object] = {"since": since}
    if urls:
        kwargs["url"] = urls
    started = time.monotonic()
    failures = []
    process.crawl(crawler, **kwargs).addErrback(failures.append)
    process.start()
    if failures:  # the crawl could not run at all (bad settings, locked archive...)
        failures[0].raiseException()
    db_path = Path(settings.get("ARCHIVE_DIR")) / "archive.db"
    seconds = time.monotonic() - started
    return CrawlReport.from_stats(spider, crawler.stats.get_stats(), seconds, db_path)
