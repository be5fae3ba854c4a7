"""The one WARC reader: records of a file in order, with where each starts and ends.

Reparse, resume, repair, verify, ingest and the benchmark all read through it, so
they agree on offsets, on which spider wrote a record (its file's warcinfo
`isPartOf`) and on what a cut-short record looks like.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord

from archiver.archive.names import MAXSIZE_FIELD, SPIDER_FIELD, WARC_SUFFIX

#: the records a page was captured in
CAPTURE_RECORDS = ("response", "revisit")
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
    with path.open("rb") as stream:
        info = _warcinfo_at_start(stream) if start else {}
        stream.seek(start)
        records = ArchiveIterator(stream, check_digests=check_digests)
        for record in records:
            if record.rec_type == "warcinfo":
                info = warcinfo_fields(record)
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
                spider=info.get(SPIDER_FIELD),
                max_size=int(info.get(MAXSIZE_FIELD, "").strip() or 0),
                missing=_bytes_missing(record),
                digests_ok=checked,
            )


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
