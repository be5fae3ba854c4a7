"""A capture: one response or revisit record, as the `captures` table and crawl state see it.

Built from where the writer put a record (live) or from the record read back
(reparse, resume, ingest): the same fields either way.
"""

from __future__ import annotations

from dataclasses import dataclass

from warcio.statusandheaders import StatusAndHeaders

from archiver.archive.reader import Record
from archiver.archive.writer import SERVER_NOT_MODIFIED, Location
from archiver.items import FetchError


@dataclass(frozen=True)
class Capture:
    """A response (or revisit) record: what a `captures` row holds."""

    url: str
    status: int
    warc_filename: str
    warc_offset: int
    warc_record_id: str
    fetched_at: str
    content_type: str | None
    payload_digest: str | None
    refers_to: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    truncated: str | None = None
    headers: tuple[tuple[str, str], ...] = ()  # the HTTP response headers, as archived
    max_size: int = 0  # the cap on its decoded body, from its file's warcinfo (0: unsaid)

    @property
    def parsed_by_spider(self) -> bool:
        """Whether a crawl hands this capture to its spider, which ends it with a PageDone."""
        if self.url.endswith("/robots.txt"):
            return False
        return self.status == 200 or self.refers_to is not None

    @classmethod
    def at(cls, location: Location, url: str, status: int) -> Capture:
        """The capture at `location`; its HTTP headers as the record holds them."""
        headers = location.headers

        def header(name: str) -> str | None:
            return next((v for k, v in headers if k.lower() == name.lower()), None)

        return cls(
            url=url,
            status=status,
            warc_filename=location.filename,
            warc_offset=location.offset,
            warc_record_id=location.record_id,
            fetched_at=location.date,
            content_type=header("Content-Type"),
            payload_digest=location.payload_digest,
            refers_to=location.refers_to,
            etag=header("ETag"),
            last_modified=header("Last-Modified"),
            truncated=location.truncated,
            headers=tuple(headers),
        )


def capture_of(found: Record) -> Capture:
    """The capture a response, revisit or resource record holds.

    Other tools' records are read as they wrote them: wget's `<>` around the target
    URI, a resource record (no HTTP exchange) as a 200 of its WARC Content-Type.
    """
    headers = found.record.rec_headers
    http = found.record.http_headers
    url = (headers.get_header("WARC-Target-URI") or "").strip().strip("<>")
    if http is None:  # a resource record
        kind = headers.get_header("Content-Type")
        http = StatusAndHeaders("200 OK", [("Content-Type", kind)] if kind else [])
    return Capture(
        url=url,
        # a server-not-modified revisit holds the freshened 200; the exchange was a 304
        status=304 if headers.get_header("WARC-Profile") == SERVER_NOT_MODIFIED else _status(http),
        warc_filename=found.filename,
        warc_offset=found.offset,
        warc_record_id=headers.get_header("WARC-Record-ID"),
        fetched_at=headers.get_header("WARC-Date"),
        content_type=http.get_header("Content-Type"),
        payload_digest=headers.get_header("WARC-Payload-Digest"),
        refers_to=headers.get_header("WARC-Refers-To"),
        etag=http.get_header("ETag"),
        last_modified=http.get_header("Last-Modified"),
        truncated=headers.get_header("WARC-Truncated"),
        headers=tuple(http.headers),
        max_size=found.max_size,
    )


def _status(http: StatusAndHeaders) -> int:
    """The HTTP status; 0 for a status line no server writes (kept, never parsed)."""
    code = (http.get_statuscode() or "").strip()
    return int(code) if code.isdigit() else 0


def truncation_detail(reason: str, received: int) -> str:
    """The fetch_errors detail of a truncated body, the same live and in `reparse`."""
    return f"WARC-Truncated: {reason} after {received} bytes"


def recorded_failure(capture: Capture, received: int) -> FetchError | None:
    """The row a crawl writes for an archived response it does not parse: cut short, or 4xx/5xx.

    The live errback and reparse both take it from here, so their rows agree.
    """
    if capture.truncated:
        detail = truncation_detail(capture.truncated, received)
        return FetchError(capture.url, "truncated", detail, capture.warc_record_id)
    if capture.status >= 400:
        detail = f"HTTP {capture.status} for {capture.url}"
        return FetchError(capture.url, f"http_{capture.status}", detail, capture.warc_record_id)
    return None
