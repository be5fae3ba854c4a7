"""Build Scrapy responses from stored bytes (WARC records, golden fixtures).

The same parser code then runs on a live response and on one rebuilt offline.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterable, Iterator

import brotli
from scrapy.http import Headers, Request, Response
from scrapy.responsetypes import responsetypes

from archiver.contract import Meta

# Headers that describe the bytes on the wire, not the decoded body we hand parsers.
_WIRE_HEADERS = {b"content-encoding", b"transfer-encoding", b"content-length"}


def build_response(
    url: str,
    body: bytes,
    headers: Iterable[tuple[str, str]] = (),
    status: int = 200,
    fetched_at: str | None = None,
    capture: str | None = None,
    meta: dict | None = None,
) -> Response:
    """A decoded response as a spider callback would see it, with capture metadata
    (and the request's `meta`, for a live response read in another process)."""
    scrapy_headers = Headers()
    for name, value in headers:
        if name.lower().encode() not in _WIRE_HEADERS:
            scrapy_headers.appendlist(name, value)
    cls = responsetypes.from_args(headers=scrapy_headers, url=url, body=body)
    stamps = {Meta.FETCHED_AT: fetched_at, Meta.CAPTURE: capture}
    request = Request(url, meta={**(meta or {}), **stamps})
    return cls(url=url, status=status, headers=scrapy_headers, body=body, request=request)


#: what undoing a Content-Encoding raises for a body that is cut short or corrupt
DECODE_ERRORS = (OSError, EOFError, ValueError, zlib.error, brotli.error)
_CHUNK = 1 << 20


class BodyTooLarge(ValueError):
    """A body that decodes to more than the cap: a `too_large` row, live and offline alike."""

    def __init__(self, max_size: int) -> None:
        super().__init__(too_large_detail(max_size))


def too_large_detail(max_size: int) -> str:
    return f"the body decodes to more than DOWNLOAD_MAXSIZE ({max_size} bytes)"


def decode_body(body: bytes, content_encoding: str | None, max_size: int = 0) -> bytes:
    """Undo Content-Encoding (gzip, deflate, br) as Scrapy's HttpCompressionMiddleware does.

    Strictly (a body cut short or corrupt raises one of DECODE_ERRORS) and in bounded
    memory: past `max_size` bytes of output (0: no cap) it stops with BodyTooLarge,
    so a gzip bomb costs no more offline than live.
    """
    for coding in reversed([c.strip().lower() for c in (content_encoding or "").split(",")]):
        if coding in ("gzip", "x-gzip"):
            body = _gunzip(body, max_size)
        elif coding == "deflate":
            body = _inflate(body, max_size)
        elif coding == "br":
            body = _unbrotli(body, max_size)
        elif coding not in ("", "identity"):
            raise ValueError(f"unsupported Content-Encoding: {coding}")
    return body


def _gunzip(body: bytes, max_size: int) -> bytes:
    """Every gzip member of `body` (EOFError if the last is cut short)."""
    with gzip.GzipFile(fileobj=io.BytesIO(body)) as stream:
        return _capped(iter(lambda: stream.read1(_CHUNK), b""), max_size)


def _inflate(body: bytes, max_size: int) -> bytes:
    """zlib-wrapped deflate as the RFC says, or raw deflate as some servers send it."""
    wrapped = len(body) >= 2 and body[0] & 0x0F == 8 and (body[0] << 8 | body[1]) % 31 == 0
    decoder = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)

    def chunks() -> Iterator[bytes]:
        data = body
        while not decoder.eof:
            chunk = decoder.decompress(data, _CHUNK)
            data = decoder.unconsumed_tail
            if not chunk and not data:
                raise zlib.error("compressed body ends before its end-of-stream marker")
            yield chunk

    return _capped(chunks(), max_size)


def _unbrotli(body: bytes, max_size: int) -> bytes:
    decoder = brotli.Decompressor()

    def chunks() -> Iterator[bytes]:
        chunk = decoder.process(body, output_buffer_limit=_CHUNK)
        while chunk:
            yield chunk
            chunk = decoder.process(b"", output_buffer_limit=_CHUNK)
        if not decoder.is_finished():
            raise brotli.error("compressed body ends before its end")

    return _capped(chunks(), max_size)


def _capped(chunks: Iterable[bytes], max_size: int) -> bytes:
    out = io.BytesIO()
    for chunk in chunks:
        out.write(chunk)
        if max_size and out.tell() > max_size:
            raise BodyTooLarge(max_size)
    return out.getvalue()


def release_parse_tree(response: Response) -> None:
    """Drop a parsed response's cached selector once its callback is done with it.

    The response and its selector refer to each other, a cycle that only Python's
    rare full collections free: a fast crawl kept hundreds of parsed pages (~1 MB
    of lxml tree each) alive that way. Broken here, each goes as soon as it is done.
    """
    if getattr(response, "_cached_selector", None) is not None:
        response._cached_selector = None  # type: ignore[attr-defined]
