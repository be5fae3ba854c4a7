"""Merge the archives of several workers into one: `archiver ingest --from DIR ...`.

Each worker of a distributed crawl writes its own WARC files and database. The
WARC files are the source of truth, so merging is reparsing: each worker's
closed WARC files are brought into TARGET/warc/ (hard-linked when on the same
file system, else copied; names never collide, they hold host and pid), then
their records are processed as `archiver reparse` does, in file-name (write)
order, so every row points at a record in a file of the target archive. A
record whose WARC-Record-ID the target already holds is skipped: ingesting the
same worker twice adds nothing. A worker killed mid-crawl can leave a `.open`
file: it is repaired first, as the worker itself would on its next start. Only
real files that read to their end join; a symbolic link, a garbage or cut-short
file is refused and listed in the report.
"""

from __future__ import annotations

import filecmp
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils
from tqdm import tqdm

from archiver.archive.lock import lock_archive
from archiver.archive.reader import Damage, complete_records, warc_files
from archiver.archive.repair import repair_open_files
from archiver.items import FetchError
from archiver.offline.reparse import process_record
from archiver.store.rows import capture_id
from archiver.store.save import save_item
from archiver.store.schema import open_db
from archiver.terminal import progress_bar, show_counts


@dataclass
class IngestReport:
    files_added: int = 0
    files_known: int = 0
    records: int = 0  # records new to the target database
    records_known: int = 0
    items: int = 0
    errors_carried: int = 0  # network errors no WARC record holds, from the workers' databases
    repaired: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (file, why): not brought in

    def render(self) -> str:
        lines = [
            f"Ingested {self.files_added} new WARC files ({self.files_known} already there): "
            f"{self.records} new responses ({self.records_known} already known), "
            f"{self.items} items, {self.errors_carried} network errors.",
        ]
        if self.repaired:
            lines.append(f"Repaired unfinished files: {', '.join(self.repaired)}")
        lines += [f"  refused {name}: {why}" for name, why in self.refused]
        return "\n".join(lines)


def ingest(target: Path, sources: list[Path], progress: bool = False) -> IngestReport:
    """Bring each source archive's WARC files into `target` and its database; with
    `progress`, a bar on the terminal while their records are read."""
    lock_archive(target)
    (target / "warc").mkdir(parents=True, exist_ok=True)
    report = IngestReport()
    files: set[Path] = set()
    for source in sources:
        if source.resolve() == target.resolve():
            raise ValueError(f"cannot ingest {source} into itself")
        lock_archive(source)  # refused while its worker still runs
        report.repaired += repair_open_files(source / "warc")[0]
        for path in warc_files(source):
            why = _unfit(path)
            if why:
                report.refused.append((path.name, why))
            else:
                files.add(_bring_in(path, target / "warc", report))
    db = open_db(target / "archive.db")
    total = sum(path.stat().st_size for path in files)
    try:
        with progress_bar("ingest", total, enabled=progress) as bar:
            for path in sorted(files):  # name order is write order, as `reparse` reads them
                _process_file(db, path, report, bar)
        for source in sources:
            report.errors_carried += _carry_errors(db, source / "archive.db")
    finally:
        db.close()
    return report


def _unfit(path: Path) -> str | None:
    """Why a worker's file may not join the archive: only real files that read to their end."""
    if path.is_symlink():
        return "a symbolic link (only real files are brought in)"
    if not path.is_file():
        return "not a regular file"
    damage: list[Damage] = []
    records = complete_records(path, damage, kinds=None, check_digests=True, payloads=False)
    if sum(1 for _ in records) == 0 and not damage:
        return "holds no WARC record"
    return damage[0].render() if damage else None


def _bring_in(path: Path, warc_dir: Path, report: IngestReport) -> Path:
    """The file's twin in `warc_dir`, linked or copied there unless already present."""
    destination = warc_dir / path.name
    if destination.exists():
        if not filecmp.cmp(path, destination, shallow=False):
            raise ValueError(f"{destination} exists with other content than {path}")
        report.files_known += 1
        return destination
    partial = warc_dir / f".{path.name}.ingest"  # matches no *.warc.gz glob while written
    partial.unlink(missing_ok=True)
    try:
        os.link(path, partial)
    except OSError:  # another file system: copy
        shutil.copyfile(path, partial)
        with partial.open("rb+") as handle:
            os.fsync(handle.fileno())
    os.replace(partial, destination)
    report.files_added += 1
    return destination


def _process_file(db: sqlite_utils.Database, path: Path, report: IngestReport, bar: tqdm) -> None:
    """Reparse the file's records the database lacks; one transaction per file."""
    retried: dict[str, FetchError] = {}  # one file is one run: retries stay inside it
    done = 0
    for found in complete_records(path, []):  # checked whole before it was brought in
        bar.update(found.offset - done)
        done = found.offset
        if capture_id(db, found.record_id) is not None:
            report.records_known += 1
            continue
        report.records += 1
        report.items += process_record(db, found, retried=retried)
        show_counts(bar, report.records, report.items)
    bar.update(path.stat().st_size - done)
    for error in retried.values():  # failures that outlived their retries
        save_item(db, error)
    db.conn.commit()


def _carry_errors(db: sqlite_utils.Database, source_db: Path) -> int:
    """Copy the worker's record-less errors (timeouts, refused...) that are not there yet."""
    if not source_db.exists():
        return 0
    open_db(source_db).close()  # same shape as the target, whatever version wrote it
    db.execute("ATTACH DATABASE ? AS worker", (str(source_db),))
    try:
        cursor = db.execute(
            "INSERT INTO fetch_errors (url, error, detail, at, attempts)"
            " SELECT w.url, w.error, w.detail, w.at, w.attempts FROM worker.fetch_errors w"
            " WHERE w.capture_id IS NULL AND NOT EXISTS (SELECT 1 FROM main.fetch_errors e"
            " WHERE e.capture_id IS NULL AND e.url = w.url AND e.error = w.error"
            " AND e.at IS w.at)"
        )
        db.conn.commit()
        return cursor.rowcount
    finally:
        db.execute("DETACH DATABASE worker")
