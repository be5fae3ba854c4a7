"""Rebuild the database from the WARC files alone, offline.

Each WARC file's warcinfo names the spider that wrote it (`isPartOf`); every
response record is turned back into a Scrapy response and handed to that
spider's parser, the same code the live crawl ran.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import brotli
from tqdm import tqdm
from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord

from archiver import db as store
from archiver.capture import Capture
from archiver.items import FetchError
from archiver.registry import load_spider
from archiver.responses import build_response, decode_body
from archiver.spider import PageParser, extract
from archiver.warc import OPEN_SUFFIX

COMMIT_EVERY = 2000


@dataclass
class ReparseReport:
    files: int = 0
    records: int = 0
    items: int = 0
    skipped_open_files: int = 0


def warc_files(archive: Path) -> list[Path]:
    """Closed WARC files in name order, which is write order (names start with a timestamp)."""
    return sorted((archive / "warc").glob("*.warc.gz"))


def reparse(archive: Path, progress: bool = True) -> ReparseReport:
    """Rebuild ARCHIVE/archive.db from ARCHIVE/warc/*.warc.gz; replaces the old database."""
    target = archive / "archive.db"
    building = archive / "archive.db.reparse"
    for stale in _db_files(building):
        stale.unlink(missing_ok=True)
    db = store.open_db(building)
    report = ReparseReport(skipped_open_files=len(list((archive / "warc").glob("*" + OPEN_SUFFIX))))
    files = warc_files(archive)
    total = sum(path.stat().st_size for path in files)
    with tqdm(total=total, unit="B", unit_scale=True, disable=not progress, desc="reparse") as bar:
        for path in files:
            report.files += 1
            for done, count in _reparse_file(db, path):
                report.records += 1
                report.items += count
                bar.update(done)
                if report.records % COMMIT_EVERY == 0:
                    db.conn.commit()
    db.conn.commit()
    db.close()
    for old in _db_files(target):
        old.unlink(missing_ok=True)
    os.replace(building, target)
    return report


def _reparse_file(db: store.sqlite_utils.Database, path: Path) -> Iterator[tuple[int, int]]:
    """Save each response record of one file; yield (bytes advanced, items saved)."""
    parse_page = None
    last = 0
    with path.open("rb") as stream:
        records = ArchiveIterator(stream)
        for record in records:
            if record.rec_type == "warcinfo":
                parse_page = load_spider(_warcinfo(record)["isPartOf"]).parse_page
            elif record.rec_type == "response":
                payload = record.raw_stream.read()  # before get_record_offset(), which consumes it
                offset = records.get_record_offset()
                saved = _reparse_record(db, path.name, offset, record, payload, parse_page)
                yield offset - last, saved
                last = offset
    yield path.stat().st_size - last, 0


def _reparse_record(
    db: store.sqlite_utils.Database,
    filename: str,
    offset: int,
    record: ArcWarcRecord,
    payload: bytes,
    parse_page: PageParser | None,
) -> int:
    headers = record.rec_headers
    http = record.http_headers
    status = int(http.get_statuscode())
    capture = Capture(
        url=headers.get_header("WARC-Target-URI"),
        status=status,
        warc_filename=filename,
        warc_offset=offset,
        warc_record_id=headers.get_header("WARC-Record-ID"),
        fetched_at=headers.get_header("WARC-Date"),
        content_type=http.get_header("Content-Type"),
        payload_digest=headers.get_header("WARC-Payload-Digest"),
    )
    store.save_capture(db, capture)
    if capture.url.endswith("/robots.txt") or parse_page is None:
        return 0
    if status >= 400:
        # The live crawl's errback records the same error for the same capture.
        items = [
            FetchError(
                capture.url,
                f"http_{status}",
                f"HTTP {status} for {capture.url}",
                capture.warc_record_id,
            )
        ]
    elif status == 200:
        try:
            body = decode_body(payload, http.get_header("Content-Encoding"))
        except (OSError, ValueError, zlib.error, brotli.error) as error:
            items = [FetchError(capture.url, "decode_error", str(error), capture.warc_record_id)]
        else:
            response = build_response(
                capture.url, body, http.headers, status, capture.fetched_at, capture.warc_record_id
            )
            items = list(extract(parse_page, response))
    else:
        return 0
    for item in items:
        store.save_item(db, item)
    return len(items)


def _warcinfo(record: ArcWarcRecord) -> dict[str, str]:
    fields = {}
    for line in record.content_stream().read().decode("utf-8").splitlines():
        name, _, value = line.partition(":")
        fields[name.strip()] = value.strip()
    return fields


def _db_files(path: Path) -> list[Path]:
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
