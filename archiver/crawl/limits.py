"""Scrapy downloader middleware: a size cap that keeps what came, and no partial page parsed.

Scrapy's own DOWNLOAD_MAXSIZE drops an oversized response whole, so nothing of it
could be archived. Here the cap is enforced as bytes arrive: the download stops
just past DOWNLOAD_MAXSIZE and what came is delivered, flagged, so the WARC
capture middleware (just outside this one) keeps it with `WARC-Truncated: length`.
A body the server cut short (fewer bytes than Content-Length, with
DOWNLOAD_FAIL_ON_DATALOSS off) is kept with `WARC-Truncated: disconnect` and
retried; a gzip or deflate body that does not decode to its end is kept as
received. None of them ever reaches a parser: the request fails with
`IncompleteResponse`, which the spider's errback records in `fetch_errors`.
"""

from __future__ import annotations

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import StopDownload
from scrapy.http import Request, Response

from archiver.archive.capture import truncation_detail
from archiver.crawl.retry import backoff_delay, pause
from archiver.extract.responses import DECODE_ERRORS, BodyTooLarge, decode_body

TRUNCATED_LENGTH = "length"
TRUNCATED_DISCONNECT = "disconnect"
_CAP = "archiver_maxsize"
_RECEIVED = "archiver_bytes_received"


class IncompleteResponse(Exception):
    """A response that must not be parsed: `kind` is its fetch_errors kind."""

    def __init__(self, response: Response, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.response = response
        self.kind = kind


def truncation(response: Response) -> str | None:
    """The WARC-Truncated reason for a response Scrapy delivered incomplete, if any."""
    if "download_stopped" in response.flags:
        return TRUNCATED_LENGTH
    if "dataloss" in response.flags:
        return TRUNCATED_DISCONNECT
    return None


class ResponseLimitsMiddleware:
    def __init__(self, crawler: Crawler, maxsize: int) -> None:
        self.crawler = crawler
        self.maxsize = maxsize

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ResponseLimitsMiddleware:
        middleware = cls(crawler, crawler.settings.getint("DOWNLOAD_MAXSIZE"))
        crawler.signals.connect(middleware.bytes_received, signal=signals.bytes_received)
        return middleware

    def process_request(self, request: Request) -> None:
        # Scrapy's transport cap would drop the body: switch it off, count bytes ourselves.
        request.meta.setdefault(_CAP, request.meta.get("download_maxsize", self.maxsize))
        request.meta["download_maxsize"] = 0
        request.meta[_RECEIVED] = 0

    def bytes_received(self, data: bytes, request: Request) -> None:
        """Stop a download once it passes the cap; Scrapy then delivers what came."""
        cap = request.meta.get(_CAP)
        received = request.meta.get(_RECEIVED, 0) + len(data)
        request.meta[_RECEIVED] = received
        if cap and received > cap:
            raise StopDownload(fail=False)

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if _CAP in request.meta:
            # HttpCompressionMiddleware caps decompressed bodies by the same meta key.
            request.meta["download_maxsize"] = request.meta[_CAP]
        reason = truncation(response)
        if reason is None:
            check_decodes(response, request.meta.get(_CAP) or 0)
            return response
        self.crawler.stats.inc_value(f"archiver/truncated/{reason}")
        if reason == TRUNCATED_DISCONNECT:
            retry = get_retry_request(request, spider=self.crawler.spider, reason="dataloss")
            if retry is not None:
                await pause(backoff_delay(self.crawler.settings, retry.meta["retry_times"]))
                return retry
        detail = truncation_detail(reason, len(response.body))
        raise IncompleteResponse(response, "truncated", detail)


def check_decodes(response: Response, max_size: int) -> None:
    """Raise IncompleteResponse when a 2xx gzip/deflate body is corrupt or cut short.

    Scrapy's gunzip returns whatever decoded before an error, which would let a
    partial page pass as complete. Decoding stops at `max_size` bytes of output:
    past that HttpCompressionMiddleware refuses the body anyway (a `too_large` row).
    """
    codings = b",".join(response.headers.getlist("Content-Encoding")).decode("latin-1")
    coding = codings.strip().lower()
    if not 200 <= response.status < 300 or not response.body:
        return
    if coding not in ("gzip", "x-gzip", "deflate"):
        return  # identity, br, or layered codings: left to HttpCompressionMiddleware
    try:
        decode_body(response.body, coding, max_size)
    except BodyTooLarge:
        return
    except DECODE_ERRORS as error:
        raise IncompleteResponse(response, "decode_error", f"{coding}: {error}") from error
