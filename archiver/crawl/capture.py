"""Scrapy downloader middleware: archive every HTTP exchange to WARC.

It sits outside HttpCompressionMiddleware and the redirect, retry and robots
middlewares, so it sees each response as received (content-encoding intact,
redirects and error pages included) and writes it before anything decodes it.
It tells the store about each record through the `capture_written` signal and
stamps the request meta with the record id and date, which parsers and the
store read as `capture` and `fetched_at`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Request, Response

from archiver.archive.writer import Exchange, Location, WarcFileWriter
from archiver.crawl.limits import truncation

#: sent with `capture=Capture(...)` after each response record is written
capture_written = object()


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


class WarcCaptureMiddleware:
    def __init__(self, crawler: Crawler, writer: WarcFileWriter) -> None:
        self.crawler = crawler
        self.writer = writer

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureMiddleware:
        settings = crawler.settings
        info = {
            "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            "http-header-user-agent": settings.get("USER_AGENT"),
            "operator": settings.get("WARC_OPERATOR"),
            "isPartOf": crawler.spidercls.name,
        }
        writer = WarcFileWriter(
            Path(settings.get("ARCHIVE_DIR")) / "warc",
            prefix=settings.get("WARC_PREFIX"),
            max_size=settings.getint("WARC_MAX_SIZE"),
            info=info,
        )
        middleware = cls(crawler, writer)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        earlier = request.meta.get("earlier_capture")
        location = self.writer.write_exchange(exchange_of(request, response), earlier)
        request.meta["capture"] = location.record_id
        request.meta["fetched_at"] = location.date
        request.meta["revisit"] = location.refers_to is not None
        stats = self.crawler.stats
        stats.inc_value("archiver/warc/records_written", 2)
        stats.set_value("archiver/warc/bytes_written", self.writer.bytes_written)
        if location.refers_to:
            stats.inc_value("archiver/warc/revisits")

        capture = Capture.at(location, response.url, response.status)
        self.crawler.signals.send_catch_log(capture_written, capture=capture)
        return response

    def spider_closed(self, spider: Spider) -> None:
        self.writer.close()
        self.crawler.stats.set_value("archiver/warc/files", self.writer.closed_files)


def exchange_of(request: Request, response: Response) -> Exchange:
    """The exchange as Scrapy saw it, headers repeated as received."""
    return Exchange(
        url=response.url,
        method=request.method,
        request_headers=_header_pairs(request.headers),
        request_body=request.body or b"",
        status=response.status,
        response_headers=_header_pairs(response.headers),
        body=response.body,
        protocol=response.protocol or "HTTP/1.1",
        ip_address=str(response.ip_address) if response.ip_address else None,
        truncated=truncation(response),
    )


def _header_pairs(headers: Any) -> list[tuple[str, str]]:  # noqa: ANN401 - scrapy Headers
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in headers.items()
        for value in values
    ]
