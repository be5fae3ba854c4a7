"""What a crawl holds open for all its components: the archive's lock, its database, its run.

A Scrapy extension, built before the engine's middlewares and pipeline (which find
it with `ArchiveResources.of`) and after the extraction worker forks, so that
worker holds no database connection. Opening a run first brings the database level
with the WARC files a killed crawl left (`archiver.offline.resume`): the store only
saves, it never parses.
"""

from __future__ import annotations

import logging
import sqlite3
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector
from scrapy.utils.defer import deferred_from_coro

from archiver.archive.lock import ArchiveUnwritable, lock_archive
from archiver.archive.names import warc_date
from archiver.crawl.spider import NewsSpider
from archiver.offline.resume import resume
from archiver.store.completeness import check_threads
from archiver.store.schema import open_db

#: what writing to an archive that cannot take it raises (a full disk, a read-only folder)
STORAGE_ERRORS = (OSError, sqlite3.OperationalError)
#: the finish reason of a crawl stopped by one, and its stats key (the error's text)
STORAGE_FAILED = "storage_failed"

logger = logging.getLogger(__name__)


class ArchiveResources:
    """The archive directory's lock, its one database connection and this crawl's run row."""

    def __init__(self, archive: Path, crawler: Crawler) -> None:
        try:
            archive.mkdir(parents=True, exist_ok=True)
            lock_archive(archive)
            self.db: sqlite_utils.Database = open_db(archive / "archive.db")
        except STORAGE_ERRORS as error:
            raise ArchiveUnwritable(f"cannot write to the archive {archive}: {error}") from error
        self.archive = archive
        self.crawler = crawler
        self.run_id: int | None = None
        self.storage_error: Exception | None = None
        #: whether the scheduler writes each request's fetch_state row as it queues it
        #: (crawl.scheduler.FrontierScheduler); else the store pipeline does
        self.scheduler_keeps_frontier = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveResources:
        if not crawler.settings.get("ARCHIVE_DIR"):
            raise NotConfigured("ARCHIVE_DIR is not set")
        return cls(Path(crawler.settings.get("ARCHIVE_DIR")), crawler)

    def storage_failed(self, error: Exception) -> None:
        """The archive cannot be written (a full disk, a read-only folder): stop at once.

        Going on would fetch pages that are then neither archived nor saved. The run
        stays unfinished, so the next crawl resumes it as after a kill: it repairs the
        WARC file, processes the records that reached it and fetches the rest.
        """
        if self.storage_error is not None:
            return
        self.storage_error = error
        self.crawler.stats.set_value(STORAGE_FAILED, str(error))
        logger.error("cannot write to the archive (%s): the crawl stops", error)
        deferred_from_coro(self.crawler.engine.close_spider_async(reason=STORAGE_FAILED))

    @staticmethod
    def of(crawler: Crawler) -> ArchiveResources:
        """The crawl's resources, for a component that needs the database."""
        for extension in crawler.extensions.middlewares:
            if isinstance(extension, ArchiveResources):
                return extension
        raise NotConfigured(
            "archiver.crawl.resources.ArchiveResources is not in EXTENSIONS (or ARCHIVE_DIR unset)"
        )

    def open_run(self, spider: NewsSpider) -> int | None:
        """Resume what a killed crawl left, then record this run (None: the disk refused)."""
        try:
            return self._open_run(spider)
        except STORAGE_ERRORS as error:
            self.storage_failed(error)
            return None

    def _open_run(self, spider: NewsSpider) -> int:
        report = resume(self.db, self.archive, spider)
        if report.records:  # the last crawl did not end cleanly: worth a line on the terminal
            spider.logger.warning(
                "resumed an interrupted crawl: %d record(s) redone, %d WARC file(s) repaired",
                report.records,
                len(report.repaired),
            )
        for damage in report.damaged:
            spider.logger.error("damaged WARC file %s", damage.render())
        site = self.crawler.settings.get("ARCHIVER_SITE") or None
        run = self.db["crawl_runs"].insert(
            {"spider": spider.name, "config_site": site, "started": now()}
        )
        self.run_id = run.last_pk
        self.db.conn.commit()
        return self.run_id

    def close_run(self, reason: str, stats: StatsCollector) -> None:
        """Check the threads saved, record how the run ended, let go of the database."""
        if self.storage_error is not None:  # left unfinished: the next crawl resumes it
            with suppress(*STORAGE_ERRORS):
                self.db.conn.rollback()
            with suppress(*STORAGE_ERRORS):
                self.db.close()
            return
        stats.set_value("archiver/store/threads_incomplete", check_threads(self.db))
        self.db["crawl_runs"].update(
            self.run_id,
            {
                "finished": now(),
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


def now() -> str:
    """The format of WARC dates: crawl state compares them as strings."""
    return warc_date(datetime.now(UTC))
