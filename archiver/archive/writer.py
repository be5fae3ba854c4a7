"""Write HTTP exchanges to rotating, per-record-gzipped WARC/1.1 files.

Files are named as `archive.names` says, written as `….open` and renamed when
closed. Each record is flushed as soon as it is written, so a crash loses at most
the record being written. Record ids and
dates can be injected, so tests can compare bytes.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import socket
import uuid
import zlib
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archiver import __version__
from archiver.archive.names import OPEN_SUFFIX, check_safe_name, warc_date, warc_file_name

# Scrapy hands us the body already de-chunked: claiming chunked over it would lie.
_DROPPED_RESPONSE_HEADERS = {"transfer-encoding"}


@dataclass
class Exchange:
    """One HTTP request and the response to it, as they went over the wire."""

    url: str
    method: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    status: int
    response_headers: list[tuple[str, str]]
    body: bytes
    protocol: str = "HTTP/1.1"
    reason: str | None = None
    ip_address: str | None = None
    date: datetime = field(default_factory=lambda: datetime.now(UTC))
    #: why the body is incomplete, as WARC-Truncated says it: "length", "disconnect"
    truncated: str | None = None


@dataclass(frozen=True)
class Location:
    """Where a response (or revisit) record landed: what a `captures` row points at."""

    filename: str
    offset: int
    record_id: str
    date: str
    payload_digest: str | None
    refers_to: str | None = None  # set for a revisit record
    truncated: str | None = None  # its WARC-Truncated reason: never a revisit's original
    headers: tuple[tuple[str, str], ...] = ()  # the HTTP headers as archived in the record


@dataclass(frozen=True)
class EarlierCapture:
    """The last capture of a URL that holds its payload, which a revisit refers to."""

    record_id: str
    uri: str
    date: str
    payload_digest: str | None
    #: its HTTP response headers: a 304 freshens them (RFC 9111, 4.3.4) for the revisit
    headers: tuple[tuple[str, str], ...] = ()


SERVER_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
IDENTICAL_PAYLOAD = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"


def payload_digest(body: bytes) -> str:
    """The WARC-Payload-Digest warcio writes for these bytes."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode()


def new_record_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


class WarcFileWriter:
    """Appends exchanges to the current WARC file, rotating at `max_size` bytes."""

    def __init__(
        self,
        directory: Path,
        prefix: str = "news-archiver",
        max_size: int = 1_000_000_000,
        info: dict[str, str] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        make_id: Callable[[], str] = new_record_id,
        gzip_level: int = 6,
    ) -> None:
        self.directory = Path(directory)
        self.gzip_level = gzip_level
        self.prefix = check_safe_name(prefix, "WARC prefix")
        self.host = check_safe_name(socket.gethostname().split(".")[0] or "localhost", "host")
        self.max_size = max_size
        self.info = info or {}
        self.clock = clock
        self.make_id = make_id
        self.serial = 0
        self.bytes_written = 0
        self.closed_files: list[str] = []
        self._file: BinaryIO | None = None
        self._path: Path | None = None
        self._writer: WARCWriter | None = None
        self.failed: OSError | None = None  # the write error that abandoned the open file

    @property
    def current_path(self) -> Path | None:
        return self._path

    def write_exchange(self, exchange: Exchange, earlier: EarlierCapture | None = None) -> Location:
        """Write a request/response pair; return where the response record is.

        Given the URL's earlier capture, a 304 or a 200 with the same payload is
        written as a `revisit` record pointing at it, headers only. A write that
        fails (a full disk) abandons the file as a kill would: it stays `.open` for
        the next run's repair, and every later write raises the same error.
        """
        if self.failed is not None:
            raise self.failed
        try:
            return self._write_exchange(exchange, earlier)
        except OSError as error:
            self._abandon(error)
            raise

    def _write_exchange(self, exchange: Exchange, earlier: EarlierCapture | None) -> Location:
        writer = self._ensure_open()
        date = warc_date(exchange.date)
        profile = _revisit_profile(exchange, earlier)
        if profile and earlier:
            response = self._revisit_record(writer, exchange, date, profile, earlier)
        else:
            response = self._response_record(writer, exchange, date)
        request = self._request_record(writer, exchange, date, response)
        offset = self._write(response)
        self._write(request)
        headers = response.rec_headers
        location = Location(
            filename=self._final_name(),
            offset=offset,
            record_id=headers.get_header("WARC-Record-ID"),
            date=date,
            payload_digest=headers.get_header("WARC-Payload-Digest"),
            refers_to=headers.get_header("WARC-Refers-To"),
            truncated=headers.get_header("WARC-Truncated"),
            headers=tuple(response.http_headers.headers),
        )
        if self._file is not None and self._file.tell() >= self.max_size:
            self.close()
        return location

    def close(self) -> None:
        """Flush, sync and rename the current `.open` file to its final name."""
        if self._file is None or self._path is None:
            return
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
        except OSError as error:
            self._abandon(error)
            raise
        final = self._path.with_name(self._final_name())
        os.replace(self._path, final)
        self.closed_files.append(final.name)
        self._file = self._path = self._writer = None

    def _abandon(self, error: OSError) -> None:
        """Let go of a file that cannot be written: it keeps its `.open` name."""
        self.failed = error
        if self._file is not None:
            with suppress(OSError):
                self._file.close()
        self._file = self._writer = None

    def _final_name(self) -> str:
        assert self._path is not None
        return self._path.name.removesuffix(OPEN_SUFFIX)

    def _ensure_open(self) -> WARCWriter:
        if self._writer is not None:
            return self._writer
        self.directory.mkdir(parents=True, exist_ok=True)
        name = warc_file_name(self.prefix, self.clock(), self.serial, self.host)
        self.serial += 1
        self._path = self.directory / (name + OPEN_SUFFIX)
        # "x": never append to or clobber a file another run left behind.
        self._file = open(self._path, "xb")  # noqa: SIM115 - closed in close()
        self._writer = _LeveledWARCWriter(self._file, self.gzip_level)
        self._write(self._warcinfo_record(name))
        return self._writer

    def _write(self, record: object) -> int:
        assert self._file is not None and self._writer is not None
        offset = self._file.tell()
        self._writer.write_record(record)
        self._file.flush()
        self.bytes_written += self._file.tell() - offset
        return offset

    def _warcinfo_record(self, filename: str) -> object:
        info = {
            "software": f"news-archiver/{__version__} (warcio, Scrapy)",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "hostname": socket.gethostname(),
            **self.info,
        }
        assert self._writer is not None
        headers = {
            "WARC-Record-ID": self.make_id(),
            "WARC-Date": warc_date(self.clock()),
            "WARC-Filename": filename,
        }
        payload = "".join(f"{k}: {v}\r\n" for k, v in info.items() if v).encode()
        return self._writer.create_warc_record(
            "",
            "warcinfo",
            payload=io.BytesIO(payload),
            length=len(payload),
            warc_content_type="application/warc-fields",
            warc_headers_dict=headers,
        )

    def _response_record(self, writer: WARCWriter, exchange: Exchange, date: str) -> object:
        http_headers = self._http_headers(exchange)
        warc_headers = {"WARC-Record-ID": self.make_id(), "WARC-Date": date}
        if exchange.ip_address:
            warc_headers["WARC-IP-Address"] = exchange.ip_address
        if exchange.truncated:
            warc_headers["WARC-Truncated"] = exchange.truncated
        return writer.create_warc_record(
            exchange.url,
            "response",
            payload=io.BytesIO(exchange.body),
            length=len(exchange.body),
            http_headers=http_headers,
            warc_headers_dict=warc_headers,
        )

    @staticmethod
    def _http_headers(exchange: Exchange) -> StatusAndHeaders:
        reason = exchange.reason or _reason(exchange.status)
        headers = [
            (k, v)
            for k, v in exchange.response_headers
            if k.lower() not in _DROPPED_RESPONSE_HEADERS
        ]
        return StatusAndHeaders(
            f"{exchange.status} {reason}".strip(), headers, protocol=exchange.protocol
        )

    def _revisit_record(
        self,
        writer: WARCWriter,
        exchange: Exchange,
        date: str,
        profile: str,
        earlier: EarlierCapture,
    ) -> object:
        warc_headers = {
            "WARC-Record-ID": self.make_id(),
            "WARC-Date": date,
            "WARC-Profile": profile,
            "WARC-Refers-To": earlier.record_id,
            "WARC-Refers-To-Target-URI": earlier.uri,
            "WARC-Refers-To-Date": earlier.date,
        }
        if exchange.ip_address:
            warc_headers["WARC-IP-Address"] = exchange.ip_address
        if profile == IDENTICAL_PAYLOAD and earlier.payload_digest:
            warc_headers["WARC-Payload-Digest"] = earlier.payload_digest
        http_headers = self._http_headers(exchange)
        if profile == SERVER_NOT_MODIFIED and earlier.headers:
            # The 304 confirms the stored 200, with these headers updated: recording that
            # response (not a bare 304) is what lets pywb and wabac.js replay the page.
            http_headers = StatusAndHeaders(
                "200 OK", freshened(earlier.headers, exchange.response_headers), exchange.protocol
            )
        return writer.create_warc_record(
            exchange.url, "revisit", http_headers=http_headers, warc_headers_dict=warc_headers
        )

    def _request_record(
        self, writer: WARCWriter, exchange: Exchange, date: str, response: object
    ) -> object:
        http_headers = StatusAndHeaders(
            f"{exchange.method} {_request_target(exchange.url)} {exchange.protocol}",
            list(_with_host(exchange.url, exchange.request_headers)),
            is_http_request=True,
        )
        warc_headers = {
            "WARC-Record-ID": self.make_id(),
            "WARC-Date": date,
            "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID"),
        }
        return writer.create_warc_record(
            exchange.url,
            "request",
            payload=io.BytesIO(exchange.request_body),
            length=len(exchange.request_body),
            http_headers=http_headers,
            warc_headers_dict=warc_headers,
        )


# Headers a 304 may carry that describe the stored response, not the 304 itself.
_NOT_FRESHENED = {"content-length", "content-encoding", "content-type", "transfer-encoding"}


def freshened(
    stored: tuple[tuple[str, str], ...], not_modified: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    """The stored response's headers, replaced by those the 304 sends again."""
    updates = [(k, v) for k, v in not_modified if k.lower() not in _NOT_FRESHENED]
    replaced = {k.lower() for k, _ in updates}
    return [(k, v) for k, v in stored if k.lower() not in replaced] + updates


class _LeveledWARCWriter(WARCWriter):
    """warcio's writer, each record one gzip member at `level` (warcio hard-codes 9, which
    compressed at ~39 MB/s here against ~49 at 6 and ~184 at 1)."""

    def __init__(self, out: BinaryIO, level: int) -> None:
        super().__init__(out, gzip=False, warc_version="WARC/1.1")
        self.level = level

    def write_record(self, record: object, params: object = None) -> None:
        self._write_warc_record(_GzipMember(self.out, self.level), record)


class _GzipMember:
    """A file-like that gzips what is written to it as one member, ended by `flush`."""

    def __init__(self, out: BinaryIO, level: int) -> None:
        self.out = out
        self.compressor = zlib.compressobj(level, zlib.DEFLATED, 16 + zlib.MAX_WBITS)

    def write(self, data: bytes) -> None:
        self.out.write(self.compressor.compress(data))

    def flush(self) -> None:
        self.out.write(self.compressor.flush())
        self.out.flush()


def _revisit_profile(exchange: Exchange, earlier: EarlierCapture | None) -> str | None:
    if earlier is None or exchange.truncated:  # a partial body is kept whole, never deduplicated
        return None
    if exchange.status == 304:
        return SERVER_NOT_MODIFIED
    if exchange.status == 200 and payload_digest(exchange.body) == earlier.payload_digest:
        return IDENTICAL_PAYLOAD
    return None


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _request_target(url: str) -> str:
    """Path and query as they appear on the request line."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _with_host(url: str, headers: Iterable[tuple[str, str]]) -> Iterable[tuple[str, str]]:
    headers = list(headers)
    if not any(k.lower() == "host" for k, _ in headers):
        yield "Host", urlsplit(url).netloc
    yield from headers
