"""The one WARC reader: records of a file in order, with where each starts and ends.

Reparse, resume, repair, verify, ingest and the benchmark all read through it, so
they agree on offsets, on which spider wrote a record (its file's warcinfo
`isPartOf`) and on what a cut-short record looks like.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord

from archiver.archive.names import (
    DETECT,
    IMPORTED_FIELD,
    MAXSIZE_FIELD,
    SPIDER_FIELD,
    WARC_SUFFIX,
)

#: the records a page was captured in (other tools also write pages as resource records)
CAPTURE_RECORDS = ("response", "revisit", "resource")
_CHUNK = 1 << 20


@dataclass
class Record:
    """One WARC record read to its end."""

    filename: str
    offset: int
    length: int  # bytes of the file it takes, gzip member and all
    record: ArcWarcRecord
    payload: bytes  # its block less the HTTP headers; empty unless asked for
    spider: str | None  # the spider its file's warcinfo names
    max_size: int = 0  # the crawl's DOWNLOAD_MAXSIZE, as its file's warcinfo says (0: unsaid)
    missing: int = 0  # how far short of its Content-Length it fell (cut by a crash)
    digests_ok: bool | None = None  # with check_digests: whether its digests match

    @property
    def record_id(self) -> str:
        return self.record.rec_headers.get_header("WARC-Record-ID")


def warc_files(archive: Path) -> list[Path]:
    """Closed WARC files in name order, which is write order (names start with a timestamp)."""
    return sorted((archive / "warc").glob("*" + WARC_SUFFIX))


def read_records(
    path: Path,
    start: int = 0,
    kinds: tuple[str, ...] | None = CAPTURE_RECORDS,
    check_digests: bool = False,
    payloads: bool = True,
) -> Iterator[Record]:
    """The records of one WARC file (from byte `start`) of these kinds (None: all).

    Without `payloads` a record's block is read in chunks and dropped, so memory
    stays flat whatever the record's size. Errors of a broken file propagate.
    """
    linked = path.is_symlink()
    with path.open("rb") as stream:
        info = _warcinfo_at_start(stream) if start else {}
        stream.seek(start)
        records = ArchiveIterator(stream, check_digests=check_digests)
        for record in records:
            if record.rec_type == "warcinfo" and IMPORTED_FIELD not in info:
                info = warcinfo_fields(record)  # an imported file's own warcinfos are data
            wanted = kinds is None or record.rec_type in kinds
            payload = b""
            if wanted and payloads:
                payload = record.raw_stream.read()
            while record.raw_stream.read(_CHUNK):
                pass  # to its end: get_record_offset() and the digests need it read
            if not wanted:
                continue
            checked = record.digest_checker.passed if check_digests else None
            yield Record(
                filename=path.name,
                offset=records.get_record_offset(),
                length=records.get_record_length(),
                record=record,
                payload=payload,
                # a file linked in as it is (import --in-place) names no spider of ours
                spider=DETECT if linked else info.get(SPIDER_FIELD),
                max_size=int(cap) if (cap := info.get(MAXSIZE_FIELD, "")).isdigit() else 0,
                missing=_bytes_missing(record),
                digests_ok=checked,
            )


def record_at(path: Path, offset: int) -> Record:
    """The response or revisit record that starts at `offset` of the file."""
    found = next(read_records(path, offset), None)
    if found is None or found.offset != offset:
        raise LookupError(f"no response record at {path.name}:{offset}")
    return found


@dataclass
class Damage:
    """Where a WARC file stops reading: the complete records before it are good."""

    filename: str
    records: int  # complete records read before the damage
    offset: int  # where the damage starts: the file is good up to here
    problem: str

    def render(self) -> str:
        return (
            f"{self.filename}: read to record {self.records} (byte {self.offset}), then"
            f" {self.problem}; not read: the rest of the file"
        )


def complete_records(
    path: Path,
    damage: list[Damage],
    kinds: tuple[str, ...] | None = CAPTURE_RECORDS,
    check_digests: bool = False,
    payloads: bool = True,
) -> Iterator[Record]:
    """The records of a file up to the first that does not read completely (cut short,
    a bad digest, bytes that are no WARC); what stopped the reading joins `damage`.

    Every record is checked, not only those of `kinds`: a file cut in its last
    request record is damaged too. With `check_digests` (verify, repair, ingest)
    each gzip member is also inflated to its trailer, which warcio never reads.
    """
    count, end = 0, 0
    try:
        for found in read_records(path, kinds=None, check_digests=check_digests, payloads=payloads):
            problem = _fault(found) or (_member_fault(path, found) if check_digests else None)
            if problem:
                damage.append(Damage(path.name, count, end, problem))
                return
            count, end = count + 1, found.offset + found.length
            if kinds is None or found.record.rec_type in kinds:
                yield found
    except Exception as error:  # noqa: BLE001 - whatever the bytes are, the file stops here
        problem = f"{type(error).__name__}: {error}"
        damage.append(Damage(path.name, count, end, problem[:200]))
        return
    if end < path.stat().st_size and not _only_line_ends(path, end):
        # warcio stops quietly at a member cut in its header
        problem = f"{path.stat().st_size - end} bytes after it are no whole record"
        damage.append(Damage(path.name, count, end, problem))


def _only_line_ends(path: Path, end: int) -> bool:
    """An uncompressed WARC file's last record is followed by its two CRLFs."""
    with path.open("rb") as stream:
        stream.seek(end)
        rest = stream.read(8)
    return len(rest) <= 4 and not rest.strip(b"\r\n")


def _member_fault(path: Path, found: Record) -> str | None:
    """What is wrong with the gzip member a record takes, if the file is gzipped."""
    with path.open("rb") as stream:
        stream.seek(found.offset)
        member = stream.read(found.length)
    if member[:2] != b"\x1f\x8b":
        return None  # an uncompressed WARC file
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        while member and not decoder.eof:
            decoder.decompress(member, _CHUNK)
            member = decoder.unconsumed_tail
    except zlib.error as error:
        return f"record {found.record_id}'s gzip member is corrupt: {error}"
    if not decoder.eof or decoder.unused_data:
        return f"record {found.record_id}'s gzip member does not end as gzip requires"
    return None


def _fault(found: Record) -> str | None:
    """What is wrong with a record that read to its end, if anything."""
    if found.record.format != "warc":
        return f"bytes that are no WARC record (they read as {found.record.format})"
    if found.missing:
        return f"record {found.record_id} is {found.missing} bytes short of its length"
    if found.digests_ok is False:
        problems = "; ".join(str(p) for p in found.record.digest_checker.problems)
        return f"record {found.record_id} does not match its digest ({problems})"
    return None


def _warcinfo_at_start(stream: object) -> dict[str, str]:
    """The fields of a file's first record, its warcinfo."""
    first = next(iter(ArchiveIterator(stream)), None)
    if first is not None and first.rec_type == "warcinfo":
        return warcinfo_fields(first)
    return {}


def warcinfo_fields(record: ArcWarcRecord) -> dict[str, str]:
    fields = {}
    for line in record.content_stream().read().decode("utf-8").splitlines():
        name, _, value = line.partition(":")
        fields[name.strip()] = value.strip()
    return fields


def _bytes_missing(record: ArcWarcRecord) -> int:
    """After reading a record to its end: how far short of its Content-Length it fell.

    warcio stops quietly at the end of the data, so a record cut by a crash reads
    as complete (and its digests are never compared): what is left of the length
    limit is the only sign.
    """
    return getattr(record.raw_stream, "limit", 0) or 0
