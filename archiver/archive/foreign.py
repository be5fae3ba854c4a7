"""Other tools' WARC, ARC and WACZ files made files of this archive.

wget, wpull/grab-site, Heritrix, browsertrix-crawler, Archive-It, Common Crawl and the
Wayback Machine write WARC files; older crawls ARC files; ReplayWeb.page and
browsertrix WACZ files (a zip holding WARC files). A copy keeps each WARC record's
bytes as written (its gzip member as it is, an uncompressed record gzipped alone), so
its digests still hold; an ARC file's records (pre-WARC) are written again as WARC
records by warcio: the one change an import makes. Each copy starts with a warcinfo
naming the file it came from and the spider that reads its pages (`isPartOf`: a
spider's name, or DETECT: told page by page). Copies are named by the date of their
first record, so `reparse` reads them in time order among the crawl's own files, and
by the digest of their source, so importing a file twice is noticed.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

from archiver.archive.names import DETECT, IMPORTED_FIELD, SPIDER_FIELD, WARC_SUFFIX, file_stamp
from archiver.archive.reader import Damage, complete_records

#: what an import takes, by name
SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz", ".wacz")
_CHUNK = 1 << 20


@dataclass
class Copied:
    """One source file (or WACZ member) and what became of it."""

    source: str
    path: Path | None = None  # the copy in the archive; None when nothing could be read
    records: int = 0
    known: bool = False  # imported before: the copy was already there
    converted: bool = False  # ARC records written again as WARC
    damage: list[Damage] = field(default_factory=list)


def sources(paths: list[Path]) -> Iterator[Path]:
    """The archive files named or found in folders (recursively), in name order."""
    for path in paths:
        if path.is_dir():
            found = (p for p in path.rglob("*") if p.is_file() and _importable(p.name))
            yield from sorted(found)
        else:
            yield path


def _importable(name: str) -> bool:
    return name.lower().endswith(SUFFIXES)


@contextmanager
def warc_members(path: Path) -> Iterator[list[tuple[str, Path]]]:
    """A file's WARC or ARC files as (name, path): itself, or a WACZ's `archive/` members
    unpacked (streamed) to a temporary folder for the time of the block."""
    if not path.name.lower().endswith(".wacz"):
        yield [(path.name, path)]
        return
    with (
        tempfile.TemporaryDirectory(prefix="archiver-wacz-") as folder,
        zipfile.ZipFile(path) as wacz,
    ):
        members = []
        for info in wacz.infolist():
            if info.filename.startswith("archive/") and _importable(info.filename):
                target = Path(folder) / Path(info.filename).name
                with wacz.open(info) as member, target.open("wb") as out:
                    shutil.copyfileobj(member, out, _CHUNK)
                members.append((f"{path.name}/{info.filename}", target))
        yield members


def copy_into(source: Path, name: str, warc_dir: Path, spider: str, prefix: str) -> Copied:
    """Copy one WARC or ARC file's records into a new file of `warc_dir`."""
    result = Copied(name)
    digest = _digest(source)
    first = _first_date(source)
    final = _named(warc_dir, prefix, first or datetime.now(UTC), "import", digest)
    if final.exists():
        result.path, result.known = final, True
        return result
    partial = warc_dir / f".{final.name}.import"  # matches no *.warc.gz glob while written
    with partial.open("wb") as out:
        writer = _started(out, final, spider, name, digest)
        if _is_arc(source):
            result.converted = True
            result.records = _convert_arc(source, writer, result)
        else:
            result.records = _copy_records(source, out, result)
    if result.records == 0:
        partial.unlink()
        return result
    partial.replace(final)
    result.path = final
    return result


def link_into(source: Path, name: str, warc_dir: Path, prefix: str) -> Copied:
    """A gzipped WARC file joined as it is, where it is (`import --in-place`): a symbolic
    link in `warc_dir`, read page by page (the reader's DETECT for a linked file). Only a
    file that reads to its end is linked; the archive then depends on it staying there."""
    result = Copied(name)
    if not source.name.lower().endswith(".warc.gz") or _is_arc(source):
        result.damage.append(Damage(name, 0, 0, "only .warc.gz files can be linked in place"))
        return result
    result.records = sum(1 for _ in complete_records(source, result.damage, kinds=None))
    if result.damage or not result.records:
        return result
    moment = _first_date(source) or datetime.now(UTC)
    final = _named(warc_dir, prefix, moment, "inplace", _digest(source))
    if final.exists():
        result.path, result.known = final, True
        return result
    final.symlink_to(source.resolve())
    result.path = final
    return result


def archive_as_resource(source: Path, name: str, warc_dir: Path, prefix: str) -> Copied:
    """A file that holds no WARC record (a comment platform's export) archived whole as
    one `resource` record, so the database can be rebuilt from the WARC files alone."""
    result = Copied(name)
    digest = _digest(source)
    moment = datetime.fromtimestamp(source.stat().st_mtime, UTC)
    final = _named(warc_dir, prefix, moment, "import", digest)
    if final.exists():
        result.path, result.known = final, True
        return result
    partial = warc_dir / f".{final.name}.import"
    with partial.open("wb") as out, source.open("rb") as content:
        writer = _started(out, final, DETECT, name, digest)
        uri = f"file:///{quote(name)}"
        record = writer.create_warc_record(
            uri, "resource", payload=content, warc_content_type="application/xml"
        )
        writer.write_record(record)
    partial.replace(final)
    result.path, result.records = final, 1
    return result


def _named(warc_dir: Path, prefix: str, moment: datetime, kind: str, digest: str) -> Path:
    """A copy's name: by the date of its first record (reparse reads in name order) and
    the digest of its source (a file imported twice is noticed)."""
    return warc_dir / f"{prefix}-{file_stamp(moment)}-00000-{kind}-{digest[:16]}{WARC_SUFFIX}"


def _started(out: BinaryIO, final: Path, spider: str, source: str, digest: str) -> WARCWriter:
    """A copy's writer, its warcinfo written: the spider, and the file it came from."""
    writer = WARCWriter(out, gzip=True, warc_version="WARC/1.1")
    info = {SPIDER_FIELD: spider, IMPORTED_FIELD: source, "importedSha1": digest}
    info["software"] = "news-archiver import"
    writer.write_record(writer.create_warcinfo_record(final.name, info))
    return writer


def _copy_records(source: Path, out: BinaryIO, result: Copied) -> int:
    """Every complete record's bytes: its gzip member, or the record gzipped alone."""
    count = 0
    with source.open("rb") as stream:
        for found in complete_records(source, result.damage, kinds=None, payloads=False):
            if found.length <= 0:  # warcio lost its place in the file
                problem = f"record {found.record_id} has no length warcio can read"
                result.damage.append(Damage(source.name, count, found.offset, problem))
                break
            copy_span(stream, found.offset, found.length, out)
            count += 1
    return count


def copy_span(stream: BinaryIO, offset: int, length: int, out: BinaryIO) -> None:
    """A record's bytes, streamed: its gzip member as it is, else gzipped alone."""
    stream.seek(offset)
    head = stream.read(2)
    stream.seek(offset)
    target = (
        out if head == b"\x1f\x8b" else gzip.GzipFile(filename="", fileobj=out, mode="wb", mtime=0)
    )
    left = length
    while left > 0:
        chunk = stream.read(min(left, _CHUNK))
        if not chunk:
            break
        target.write(chunk)
        left -= len(chunk)
    if target is not out:
        target.close()  # the member's trailer; `out` stays open


def _convert_arc(source: Path, writer: WARCWriter, result: Copied) -> int:
    count = 0
    try:
        with source.open("rb") as stream:
            for record in ArchiveIterator(stream, arc2warc=True):
                if record.rec_type in ("response", "resource", "revisit", "request"):
                    writer.write_record(record)
                    count += 1
    except Exception as error:  # noqa: BLE001 - whatever the bytes are, the file stops here
        problem = f"{type(error).__name__}: {error}"[:200]
        result.damage.append(Damage(source.name, count, 0, problem))
    return count


def _is_arc(path: Path) -> bool:
    with path.open("rb") as stream:
        head = stream.read(9)
        if head[:2] == b"\x1f\x8b":
            stream.seek(0)
            with gzip.GzipFile(fileobj=stream) as inflated:
                head = inflated.read(9)
        return head.startswith(b"filedesc:")


def _first_date(path: Path) -> datetime | None:
    """When the file's first record was made (its WARC-Date, or an ARC record's date)."""
    try:
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream, arc2warc=True):
                date = record.rec_headers.get_header("WARC-Date")
                if date:
                    return datetime.fromisoformat(date.replace("Z", "+00:00"))
    except Exception:  # noqa: BLE001 - an unreadable file is dated by the import
        return None
    return None


def _digest(path: Path) -> str:
    sha1 = hashlib.sha1()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            sha1.update(chunk)
    return sha1.hexdigest()
