"""Build Scrapy responses from stored bytes (WARC records, golden fixtures).

The same parser code then runs on a live response and on one rebuilt offline.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterable

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


def decode_body(body: bytes, content_encoding: str | None) -> bytes:
    """Undo Content-Encoding (gzip, deflate, br) as Scrapy's HttpCompressionMiddleware does."""
    for coding in reversed([c.strip().lower() for c in (content_encoding or "").split(",")]):
        if coding in ("gzip", "x-gzip"):
            body = gzip.decompress(body)
        elif coding == "deflate":
            try:
                body = zlib.decompress(body)
            except zlib.error:  # raw deflate without the zlib header, as some servers send
                body = zlib.decompress(body, -zlib.MAX_WBITS)
        elif coding == "br":
            body = brotli.decompress(body)
        elif coding not in ("", "identity"):
            raise ValueError(f"unsupported Content-Encoding: {coding}")
    return body


def release_parse_tree(response: Response) -> None:
    """Drop a parsed response's cached selector once its callback is done with it.

    The response and its selector refer to each other, a cycle that only Python's
    rare full collections free: a fast crawl kept hundreds of parsed pages (~1 MB
    of lxml tree each) alive that way. Broken here, each goes as soon as it is done.
    """
    if getattr(response, "_cached_selector", None) is not None:
        response._cached_selector = None  # type: ignore[attr-defined]
