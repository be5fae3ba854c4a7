"""Threads out of other tools' archives: `archiver import PATH…`.

Researchers already hold web archives (wget, grab-site, Heritrix, browsertrix,
Archive-It, Common Crawl, pages saved from the Wayback Machine). Their WARC, ARC and
WACZ files join the archive (archiver.archive.foreign copies them into ARCHIVE/warc/),
then every page record is read as `reparse` reads the crawl's own: by `--spider`, else
by the platform the page shows (archiver.platforms.detect), a Wayback capture as the
page it captured. A Disqus XML export is archived whole as a resource record and read
from there. Rows point at the copies' records. A file that cannot be read, or that
breaks off, is reported with what was kept of it; it never stops the import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from archiver.archive.foreign import (
    Copied,
    archive_as_resource,
    copy_into,
    link_into,
    sources,
    warc_members,
)
from archiver.archive.lock import lock_archive
from archiver.archive.names import DETECT
from archiver.archive.reader import complete_records
from archiver.items import FetchError
from archiver.offline.disqus import is_disqus_export
from archiver.offline.reparse import process_record
from archiver.settings import WARC_PREFIX
from archiver.store.completeness import check_threads
from archiver.store.rows import capture_id
from archiver.store.save import save_item
from archiver.store.schema import open_db
from archiver.terminal import progress_bar, show_counts


@dataclass
class ImportReport:
    copied: list[Copied] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (file, why)
    records: int = 0  # page records new to the database
    records_known: int = 0
    items: int = 0
    threads_incomplete: int = 0

    def render(self) -> str:
        files = [c for c in self.copied if c.path is not None]
        lines = [
            f"Imported {len(files)} file(s) ({sum(c.known for c in files)} imported before): "
            f"{self.records} new page records ({self.records_known} already known), "
            f"{self.items} items; {self.threads_incomplete} thread(s) short of their count."
        ]
        for copied in self.copied:
            if copied.known:
                lines += [f"  {copied.source}: imported before, as {copied.path.name}"]  # type: ignore[union-attr]
                continue
            how = " (ARC records written as WARC)" if copied.converted else ""
            lines += [f"  {copied.source}: {copied.records} records{how}"]
            lines += [f"    damaged: {damage.render()}" for damage in copied.damage]
        lines += [f"  refused {name}: {why}" for name, why in self.refused]
        return "\n".join(lines)


def import_archives(
    target: Path,
    paths: list[Path],
    spider: str | None = None,
    progress: bool = False,
    in_place: bool = False,
) -> ImportReport:
    """Bring other tools' archive files into `target` and read their pages; with
    `progress`, a bar on the terminal over the files' bytes; `in_place`: .warc.gz files
    are linked where they are, not copied (their pages are then told by what they show)."""
    lock_archive(target)
    warc_dir = target / "warc"
    warc_dir.mkdir(parents=True, exist_ok=True)
    report = ImportReport()
    db = open_db(target / "archive.db")
    inputs = _inputs(paths)
    bar = progress_bar("import", sum(p.stat().st_size for p in inputs), enabled=progress)
    try:
        for path in inputs:
            bar.update(path.stat().st_size)
            show_counts(bar, report.records, report.items)
            if path.suffix.lower() == ".xml":
                _import_export(db, path, warc_dir, report)
                continue
            if in_place:
                _take(db, link_into(path, path.name, warc_dir, WARC_PREFIX), report)
                continue
            try:
                with warc_members(path) as members:
                    for name, member in members:
                        copied = copy_into(member, name, warc_dir, spider or DETECT, WARC_PREFIX)
                        _take(db, copied, report)
            except (OSError, ValueError) as error:  # unreadable, not a zip, a folder's loop
                report.refused.append((str(path), f"{type(error).__name__}: {error}"))
        report.threads_incomplete = check_threads(db)
        db.conn.commit()
    finally:
        bar.close()
        db.close()
    return report


def _inputs(paths: list[Path]) -> list[Path]:
    """The archive files named or in folders, and the Disqus exports among their XML files."""
    found = list(sources(paths))  # a file named is taken whatever its name
    for folder in (path for path in paths if path.is_dir()):
        found += [p for p in sorted(folder.rglob("*.xml")) if _head_is_export(p)]
    return found


def _head_is_export(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return is_disqus_export(handle.read(4096))
    except OSError:
        return False


def _import_export(
    db: sqlite_utils.Database, path: Path, warc_dir: Path, report: ImportReport
) -> None:
    """A Disqus export: archived whole as a resource record, then read from it."""
    if not _head_is_export(path):
        report.refused.append((path.name, "no WARC, ARC, WACZ file nor Disqus export"))
        return
    _take(db, archive_as_resource(path, path.name, warc_dir, WARC_PREFIX), report)


def _take(db: sqlite_utils.Database, copied: Copied, report: ImportReport) -> None:
    """A file copied or linked in: its records read, or why nothing could be."""
    report.copied.append(copied)
    if copied.path is not None:
        _read_copy(db, copied.path, report)
    elif copied.damage:
        report.refused.append((copied.source, copied.damage[0].render()))
    else:
        report.refused.append((copied.source, "holds no WARC or ARC record"))


def _read_copy(db: sqlite_utils.Database, path: Path, report: ImportReport) -> None:
    """Read the copy's records the database lacks, as reparse does; one transaction."""
    retried: dict[str, FetchError] = {}
    for found in complete_records(path, []):
        if capture_id(db, found.record_id) is not None:
            report.records_known += 1
            continue
        report.records += 1
        try:
            report.items += process_record(db, found, retried=retried)
        except (ValueError, LookupError, TypeError) as error:  # a header no tool should write
            report.refused.append(
                (f"{path.name}@{found.offset}", f"{type(error).__name__}: {error}")
            )
    for error in retried.values():  # failures that outlived their retries
        save_item(db, error)
    db.conn.commit()
