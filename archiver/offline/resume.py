"""Pick up after a killed crawl: repair WARC files, redo what the database missed.

A SIGKILL can leave a `.open` WARC file whose last record is cut short, WARC
records whose captures never reached the database, and captures whose items
were not all saved. When the next crawl opens, this repairs the file (dropping
the partial record), processes those records as `reparse` would, and puts the
links they lead to back in the frontier, so nothing is lost or saved twice.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils
from warcio.archiveiterator import ArchiveIterator

from archiver.archive.writer import OPEN_SUFFIX, bytes_missing, file_stamp, warc_date
from archiver.crawl.spider import NewsSpider
from archiver.offline.reparse import Record, iter_records, process_record, warc_files

_STAMP = re.compile(r"-(\d{17})-\d{5}-[^/]+\.warc\.gz$")  # the host may hold "-"


@dataclass
class ResumeReport:
    repaired: list[str] = field(default_factory=list)
    dropped_bytes: int = 0
    records: int = 0  # records redone
    runs: int = 0  # interrupted runs closed


def repair_open_files(warc_dir: Path) -> tuple[list[str], int]:
    """Cut each `.open` file after its last complete record, close it; give names, bytes cut."""
    repaired, dropped = [], 0
    for path in sorted(warc_dir.glob("*" + OPEN_SUFFIX)):
        end = complete_length(path)
        dropped += path.stat().st_size - end
        final = path.with_name(path.name.removesuffix(OPEN_SUFFIX))
        if end == 0:
            path.unlink()
            continue
        with path.open("r+b") as handle:
            handle.truncate(end)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(path, final)
        repaired.append(final.name)
    return repaired, dropped


def complete_length(path: Path) -> int:
    """Bytes of `path` up to the end of its last record that reads completely."""
    end = 0
    with path.open("rb") as stream:
        records = ArchiveIterator(stream, check_digests=True)
        try:
            for record in records:
                record.raw_stream.read()
                if bytes_missing(record) or record.digest_checker.passed is False:
                    break
                end = records.get_record_offset() + records.get_record_length()
        except Exception:  # noqa: BLE001 - any decoding error marks the cut-off point
            pass
    return end


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
            match = _STAMP.search(path.name)
            if match and match.group(1) >= since:
                report.records += _redo_missing(db, path, spider)
        db.execute(
            "UPDATE crawl_runs SET finished = ?, finish_reason = 'interrupted'"
            " WHERE finished IS NULL",
            (warc_date(datetime.now(UTC)),),
        )
        report.runs = len(unfinished)
    report.records += _redo_unprocessed(db, archive, spider)
    db.conn.commit()
    return report


def _redo_missing(db: sqlite_utils.Database, path: Path, spider: NewsSpider) -> int:
    done = 0
    for found in iter_records(path):
        record_id = found.record.rec_headers.get_header("WARC-Record-ID")
        if db.execute("SELECT 1 FROM captures WHERE warc_record_id = ?", (record_id,)).fetchone():
            continue
        process_record(db, found, spider)
        done += 1
    return done


def _redo_unprocessed(db: sqlite_utils.Database, archive: Path, spider: NewsSpider) -> int:
    rows = db.execute(
        "SELECT warc_filename, warc_offset FROM captures WHERE processed = 0 ORDER BY id"
    ).fetchall()
    for filename, offset in rows:
        process_record(db, _record_at(archive / "warc" / filename, offset), spider)
    return len(rows)


def _record_at(path: Path, offset: int) -> Record:
    found = next(iter_records(path, offset), None)
    if found is None or found.offset != offset:
        raise LookupError(f"no response record at {path.name}:{offset}")
    return found


def _stamp(iso: str) -> str:
    """An ISO time as the stamp WARC file names start with."""
    return file_stamp(datetime.fromisoformat(iso.replace("Z", "+00:00")))
