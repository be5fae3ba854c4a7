"""Scrapy downloader middleware: archive every HTTP exchange to WARC.

It sits outside HttpCompressionMiddleware and the redirect, retry and robots
middlewares, so it sees each response as received (content-encoding intact,
redirects and error pages included) and writes it before anything decodes it.
It tells the store about each record through the `capture_written` signal and
stamps the request meta with the record id and date, which parsers and the
store read as `capture` and `fetched_at`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

from archiver.archive.capture import Capture
from archiver.archive.names import MAXSIZE_FIELD, SPIDER_FIELD
from archiver.archive.writer import Exchange, WarcFileWriter
from archiver.contract import Meta
from archiver.crawl.limits import truncation
from archiver.crawl.resources import ArchiveResources

#: sent with `capture=Capture(...)` after each response record is written
capture_written = object()


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
            SPIDER_FIELD: crawler.spidercls.name,
            MAXSIZE_FIELD: str(settings.getint("DOWNLOAD_MAXSIZE")),
        }
        writer = WarcFileWriter(
            Path(settings.get("ARCHIVE_DIR")) / "warc",
            prefix=settings.get("WARC_PREFIX"),
            max_size=settings.getint("WARC_MAX_SIZE"),
            info=info,
            gzip_level=settings.getint("WARC_GZIP_LEVEL"),
        )
        middleware = cls(crawler, writer)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        earlier = request.meta.get(Meta.EARLIER_CAPTURE)
        try:
            location = self.writer.write_exchange(exchange_of(request, response), earlier)
        except OSError as error:  # a full disk: not archived, so not to be parsed
            ArchiveResources.of(self.crawler).storage_failed(error)
            raise IgnoreRequest(f"not archived: {error}") from error
        capture = Capture.at(location, response.url, response.status)
        request.meta[Meta.ARCHIVED] = capture
        request.meta[Meta.CAPTURE] = location.record_id
        request.meta[Meta.FETCHED_AT] = location.date
        request.meta[Meta.REVISIT] = location.refers_to is not None
        stats = self.crawler.stats
        stats.inc_value("archiver/warc/records_written", 2)
        stats.set_value("archiver/warc/bytes_written", self.writer.bytes_written)
        if location.refers_to:
            stats.inc_value("archiver/warc/revisits")

        self.crawler.signals.send_catch_log(capture_written, capture=capture)
        return response

    def spider_closed(self, spider: Spider) -> None:
        try:
            self.writer.close()
        except OSError as error:
            ArchiveResources.of(self.crawler).storage_failed(error)
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
