"""Pick up after a killed crawl: repair WARC files, redo what the database missed.

A SIGKILL can leave a `.open` WARC file whose last record is cut short, WARC
records whose captures never reached the database, and captures whose items
were not all saved. When the next crawl opens, this repairs the file (dropping
the partial record), processes those records as `reparse` would, and puts the
links they lead to back in the frontier, so nothing is lost or saved twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import sqlite_utils

from archiver.archive.names import file_stamp, stamp_of, warc_date
from archiver.archive.reader import Damage, complete_records, record_at, warc_files
from archiver.archive.repair import repair_open_files
from archiver.offline.reparse import process_record

if TYPE_CHECKING:  # a spider is passed in: offline tools need none of the crawl
    from archiver.crawl.spider import NewsSpider


@dataclass
class ResumeReport:
    repaired: list[str] = field(default_factory=list)
    dropped_bytes: int = 0
    records: int = 0  # records redone
    runs: int = 0  # interrupted runs closed
    damaged: list[Damage] = field(default_factory=list)  # closed files read only up to a fault


def resume(db: sqlite_utils.Database, archive: Path, spider: NewsSpider) -> ResumeReport:
    """Bring the database level with the WARC files before a new crawl starts."""
    report = ResumeReport()
    report.repaired, report.dropped_bytes = repair_open_files(archive / "warc")
    unfinished = db.execute(
        "SELECT id, started FROM crawl_runs WHERE finished IS NULL ORDER BY id"
    ).fetchall()
    if unfinished:
        since = _stamp(unfinished[0][1])
        for path in warc_files(archive):
            stamp = stamp_of(path.name)
            if stamp and stamp >= since:
                report.records += _redo_missing(db, path, spider, report.damaged)
        db.execute(
            "UPDATE crawl_runs SET finished = ?, finish_reason = 'interrupted'"
            " WHERE finished IS NULL",
            (warc_date(datetime.now(UTC)),),
        )
        report.runs = len(unfinished)
    report.records += _redo_unprocessed(db, archive, spider)
    db.conn.commit()
    return report


def _redo_missing(
    db: sqlite_utils.Database, path: Path, spider: NewsSpider, damaged: list[Damage]
) -> int:
    done = 0
    for found in complete_records(path, damaged):
        known = "SELECT 1 FROM captures WHERE warc_record_id = ?"
        if db.execute(known, (found.record_id,)).fetchone():
            continue
        process_record(db, found, spider)
        done += 1
    return done


def _redo_unprocessed(db: sqlite_utils.Database, archive: Path, spider: NewsSpider) -> int:
    rows = db.execute(
        "SELECT warc_filename, warc_offset FROM captures WHERE processed = 0 ORDER BY id"
    ).fetchall()
    for filename, offset in rows:
        process_record(db, record_at(archive / "warc" / filename, offset), spider)
    return len(rows)


def _stamp(iso: str) -> str:
    """An ISO time as the stamp WARC file names start with."""
    return file_stamp(datetime.fromisoformat(iso.replace("Z", "+00:00")))
