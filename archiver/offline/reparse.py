"""Rebuild the database from the WARC files alone, offline.

Each WARC file's warcinfo names the spider that wrote it (`isPartOf`); every
response record is turned back into a Scrapy response and handed to that
spider's parser, the same code the live crawl ran. Crawl state that no WARC
holds (recrawl schedule, run history, network errors) is carried over.
"""

from __future__ import annotations

import io
import os
import sqlite3
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from contextlib import closing
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import sqlite_utils
from scrapy.settings.default_settings import RETRY_HTTP_CODES

from archiver.archive.capture import Capture, capture_of
from archiver.archive.lock import lock_archive
from archiver.archive.names import DETECT
from archiver.archive.reader import Damage, Record, complete_records, warc_files
from archiver.extract.page import capture_items, response_of
from archiver.extract.responses import DECODE_ERRORS, release_parse_tree
from archiver.extract.urls import wayback_capture
from archiver.extract.workers import forked_pool
from archiver.items import FetchError, Item, PageDone
from archiver.offline.disqus import import_disqus, is_disqus_export
from archiver.platforms.detect import platform_of
from archiver.registry import load_spider, spider_names
from archiver.store import frontier
from archiver.store.completeness import check_threads
from archiver.store.redactions import apply_redactions
from archiver.store.save import save_capture, save_item
from archiver.store.schema import ensure_db_shape, open_db
from archiver.terminal import progress_bar, show_counts

if TYPE_CHECKING:  # a spider is passed in: offline tools need none of the crawl
    from archiver.crawl.spider import NewsSpider

COMMIT_EVERY = 2000
#: tables of crawl state, copied as they are from the old database
CARRIED_OVER = ("fetch_state", "crawl_runs")


@dataclass
class ReparseReport:
    files: int = 0
    records: int = 0
    items: int = 0
    skipped_open_files: int = 0
    threads_incomplete: int = 0  # threads stored short of the count their page shows
    damaged: list[Damage] = field(default_factory=list)  # files read only up to a fault


def process_record(
    db: sqlite_utils.Database,
    found: Record,
    spider: NewsSpider | None = None,
    run_id: int | None = None,
    retried: dict[str, FetchError] | None = None,
    items: list[Item] | None = None,
) -> int:
    """Save a record's capture and what its spider makes of it; return the items saved.

    With a `spider` instance (resuming a crawl) the links the page leads to join
    the frontier too, as they would have live. With `retried`, a failure the
    crawl would retry is held there until the file shows whether a later
    attempt at the URL got through, as the live crawl only records a failure
    that outlived its retries. `items` are the record's items when a worker
    process already read them (see record_items).
    """
    capture = capture_of(found)
    captured = wayback_capture(capture.url)[1]
    if captured:  # a Wayback Machine capture: the page as it was then, not when fetched
        capture = replace(capture, fetched_at=captured)
    save_capture(db, capture, run_id, processed=not capture.parsed_by_spider)
    if capture.url.endswith("/robots.txt") or found.spider is None:
        return 0
    if found.spider == DETECT and capture.status == 200 and is_disqus_export(found.payload):
        imported = import_disqus(io.BytesIO(found.payload), db, capture.warc_record_id)
        db.execute(
            "UPDATE captures SET processed = 1 WHERE warc_record_id = ?", (capture.warc_record_id,)
        )
        return imported.posts
    if items is None:
        items = record_items(found.spider, capture, found.payload)
    if spider is not None and capture.status == 200 and not capture.refers_to:
        _follow(db, spider, capture, found.payload)
    if retried is not None and items:
        earlier = retried.pop(capture.url, None)
        if isinstance(items[0], FetchError) and _would_retry(items[0]):
            items[0].attempts = earlier.attempts + 1 if earlier else 1
            retried[capture.url] = items[0]
            items = items[1:]
    for item in items:
        save_item(db, item)
    return sum(len(item.items) if isinstance(item, PageDone) else 1 for item in items)


def record_items(spider: str, capture: Capture, payload: bytes) -> list[Item]:
    """What the crawl recorded for this capture by the spider named: workers can run it.

    An imported file names no spider (DETECT): each of its pages is read by the one
    it shows (`platform_of`); what no spider reads is only its capture."""
    if spider == DETECT or spider not in _spiders():  # another tool's isPartOf, say
        found = _detected(capture, payload)
        if found is None:
            return [PageDone(capture.url, capture=capture.warc_record_id)]
        spider = found
    return capture_items(capture, payload, load_spider(spider).parse_page)


@lru_cache(maxsize=1)
def _spiders() -> frozenset[str]:
    return frozenset(spider_names())


def _detected(capture: Capture, payload: bytes) -> str | None:
    if capture.status != 200 or capture.refers_to:
        return None
    try:
        response = response_of(capture, payload)
    except DECODE_ERRORS:
        return None
    found = platform_of(response)
    release_parse_tree(response)
    return found


def _follow(
    db: sqlite_utils.Database, spider: NewsSpider, capture: Capture, payload: bytes
) -> None:
    """The links of a page a crawl fetched but never finished, back in the frontier."""
    try:
        response = response_of(capture, payload)
    except DECODE_ERRORS:
        return  # recorded as a decode_error or too_large by capture_items
    now = datetime.now(UTC)
    links, _, error = spider.links_of(response)
    for request in links:
        frontier.discover(db, request.url, spider.name, now)
    if error is not None:
        save_item(db, error)
    release_parse_tree(response)


def _would_retry(error: FetchError) -> bool:
    if error.error == "truncated":
        return True
    kind, _, code = error.error.partition("_")
    return kind == "http" and code.isdigit() and int(code) in RETRY_HTTP_CODES


class Readers:
    """Worker processes that read records (record_items) ahead of the saving, in order.

    Parsing is most of a reparse and needs nothing but the record; saving stays in
    this process, one writer, in WARC order. Workers are forked before any
    database is opened, and at most a few records per worker wait in flight, so
    memory stays flat whatever the archive's size.
    """

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self.pool = forked_pool(jobs) if jobs > 1 else None

    def read(self, records: Iterable[Record]) -> Iterator[tuple[Record, list[Item] | None]]:
        """Each record with its items (None: read them in this process)."""
        if self.pool is None:
            yield from ((found, None) for found in records)
            return
        window: deque[tuple[Record, Future[list[Item]] | None]] = deque()
        for found in records:
            job = None
            if found.spider is not None:
                job = self.pool.submit(record_items, found.spider, capture_of(found), found.payload)
            window.append((found, job))
            if len(window) > 4 * self.jobs:
                yield _done(window.popleft())
        while window:
            yield _done(window.popleft())

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


def _done(entry: tuple[Record, Future[list[Item]] | None]) -> tuple[Record, list[Item] | None]:
    found, job = entry
    return found, job.result() if job is not None else None


class ReparseRefused(Exception):
    """A rebuild from nothing would replace a database that holds captures."""


def reparse(
    archive: Path, progress: bool = True, jobs: int = 1, force: bool = False
) -> ReparseReport:
    """Rebuild ARCHIVE/archive.db from ARCHIVE/warc/*.warc.gz; replaces the old database.

    `jobs` > 1 parses in that many worker processes beside this one, which saves.
    The new database is built beside the old one and swapped in only once whole;
    a rebuild that read no WARC record never replaces a database holding captures
    (ReparseRefused) unless `force`.
    """
    lock_archive(archive)
    readers = Readers(jobs)
    try:
        return _reparse(archive, progress, readers, force)
    finally:
        readers.close()


def _captures_in(database: Path) -> int:
    """How many captures a database holds; 0 if there is none (or none readable)."""
    if not database.exists():
        return 0
    try:
        with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as conn:
            return conn.execute("SELECT count(*) FROM captures").fetchone()[0]
    except sqlite3.Error:
        return 0


def _reparse(archive: Path, progress: bool, readers: Readers, force: bool) -> ReparseReport:
    target = archive / "archive.db"
    building = archive / "archive.db.reparse"
    for stale in _db_files(building):
        stale.unlink(missing_ok=True)
    db = open_db(building, fts=False)  # indexed for search once, at the end
    if target.exists():  # the people forgotten stay forgotten: honoured as rows go in
        _copy_redactions(db, target)
    report = ReparseReport(skipped_open_files=len(list((archive / "warc").glob("*.open"))))
    files = warc_files(archive)
    total = sum(path.stat().st_size for path in files)
    with progress_bar("reparse", total, enabled=progress) as bar:
        for path in files:
            report.files += 1
            done = 0
            retried: dict[str, FetchError] = {}  # one file is one run: retries stay inside it
            for found, items in readers.read(complete_records(path, report.damaged)):
                report.records += 1
                report.items += process_record(db, found, retried=retried, items=items)
                show_counts(bar, report.records, report.items)
                bar.update(found.offset - done)
                done = found.offset
                if report.records % COMMIT_EVERY == 0:
                    db.conn.commit()
            for error in retried.values():  # failures that outlived their retries
                save_item(db, error)
            bar.update(path.stat().st_size - done)
    held = 0 if report.records or force else _captures_in(target)
    if held:
        db.close()
        for partial in _db_files(building):
            partial.unlink(missing_ok=True)
        raise ReparseRefused(
            f"no WARC record could be read in {archive / 'warc'}: {target} ({held} captures)"
            " is kept; reparse --force replaces it with an empty database"
        )
    if target.exists():
        _carry_over(db, target)
    apply_redactions(db)
    report.threads_incomplete = check_threads(db)
    ensure_db_shape(db)
    db.conn.commit()
    db.close()
    _swap_in(building, target)
    return report


def _swap_in(built: Path, target: Path) -> None:
    """Replace `target` with `built` in one rename: at any moment one of them is whole.

    The old database's write-ahead log is folded into it first, so its `-wal` and
    `-shm` can go before the rename (a stale log must never meet the new file).
    """
    if target.exists():
        try:
            with closing(sqlite3.connect(target)) as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error:
            pass  # unreadable: what reparse is for; its log goes with it
    for sidecar in _db_files(target)[1:]:
        sidecar.unlink(missing_ok=True)
    os.replace(built, target)


def _carry_over(db: sqlite_utils.Database, old: Path) -> None:
    """Copy crawl state and record-less network errors from the database being replaced."""
    open_db(old).close()  # same shape as the new one, whatever version wrote it
    db.execute("ATTACH DATABASE ? AS old", (str(old),))
    for table in CARRIED_OVER:
        columns = ", ".join(db[table].columns_dict)
        db.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM old.{table}")
    db.execute(
        "INSERT INTO fetch_errors (url, error, detail, at, attempts)"
        " SELECT url, error, detail, at, attempts FROM old.fetch_errors WHERE capture_id IS NULL"
    )
    db.conn.commit()
    db.execute("DETACH DATABASE old")


def _copy_redactions(db: sqlite_utils.Database, old: Path) -> None:
    with closing(sqlite3.connect(old)) as source:
        try:
            rows = source.execute("SELECT site, author, at FROM redactions").fetchall()
        except sqlite3.Error:  # a database from before redactions, or unreadable
            return
    db.conn.executemany(
        "INSERT INTO redactions (site, author, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", rows
    )


def _db_files(path: Path) -> list[Path]:
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
