"""The base spider: listing pages -> articles -> comment pages.

A site spider declares CSS selectors for the links to follow and a pure
`parse_page(response)` that yields items. Everything else (start URLs from
`--url`, off-site filtering, `--since`, errors as `FetchError` items, stamping
items with their capture) lives here, so a site file stays small.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from archiver.items import Article, FetchError, Item
from archiver.parsing import parse_iso, within

PageParser = Callable[[TextResponse], Iterable[Item]]


def extract(parse_page: PageParser, response: Response) -> Iterator[Item]:
    """Run a site parser on a response; a crash becomes a FetchError, never an exception."""
    capture = response.meta.get("capture")
    if not isinstance(response, TextResponse):
        return
    try:
        items = list(parse_page(response))
    except Exception as error:  # noqa: BLE001 - any parser bug must not stop the crawl
        items = [FetchError(response.url, "parse_error", f"{type(error).__name__}: {error}")]
    for item in items:
        item.capture = capture
        yield item


class NewsSpider(scrapy.Spider):
    """Shared crawl behaviour; subclasses set the selectors and `parse_page`."""

    #: where a plain `archiver crawl SPIDER` starts
    default_urls: ClassVar[list[str]] = []
    #: links from a listing page to articles
    article_links: ClassVar[str | None] = None
    #: link from a listing page to the next listing page
    next_listing: ClassVar[str | None] = None
    #: links from an article page to its further comment pages
    comment_pages: ClassVar[str | None] = None
    #: publication dates on a listing page, so `--since` can stop paging back
    listing_dates: ClassVar[str | None] = None

    def __init__(
        self,
        url: str | list[str] | None = None,
        since: str | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        urls = url.split(",") if isinstance(url, str) else (url or self.default_urls)
        self.start_urls = [u.strip() for u in urls if u.strip()]
        # Off-site requests are dropped by Scrapy's OffsiteMiddleware: any host a
        # start URL names is on-site, so mirrors and local servers just work.
        self.allowed_domains = sorted({urlsplit(u).hostname or "" for u in self.start_urls})
        self.since = datetime.fromisoformat(since) if since else None
        if self.since and self.since.tzinfo is None:
            self.since = self.since.astimezone()

    @staticmethod
    def parse_page(response: TextResponse) -> Iterable[Item]:
        raise NotImplementedError

    async def start(self) -> Any:  # noqa: ANN401 - Scrapy's async-generator protocol
        for url in self.start_urls:
            yield Request(url, callback=self.parse, errback=self.on_error)

    def parse(self, response: Response) -> Iterator[Item | Request]:
        """Yield the page's items, then the requests for the pages it links to."""
        old = False
        for item in extract(type(self).parse_page, response):
            if (
                isinstance(item, Article)
                and not item.stub
                and not within(item.published, self.since)
            ):
                old = True
            if not old:
                yield item
        if not old:
            yield from self.follow(response)

    def follow(self, response: Response) -> Iterator[Request]:
        if not isinstance(response, TextResponse) or self._listing_too_old(response):
            return
        for selector in (self.article_links, self.next_listing, self.comment_pages):
            if selector:
                for href in response.css(selector).getall():
                    yield response.follow(href, callback=self.parse, errback=self.on_error)

    def _listing_too_old(self, response: TextResponse) -> bool:
        """A listing page whose every entry predates `--since` ends the walk back."""
        if self.since is None or not self.listing_dates:
            return False
        dates = [parse_iso(d) for d in response.css(self.listing_dates).getall()]
        return bool(dates) and not any(within(d, self.since) for d in dates)

    def on_error(self, failure: Failure) -> Iterator[FetchError]:
        """Every failed request ends as one FetchError row; the crawl goes on."""
        request = failure.request
        if failure.check(IgnoreRequest) and not isinstance(failure.value, HttpError):
            # A deliberate skip (robots.txt, a filter), not a failure.
            self.crawler.stats.inc_value("archiver/skipped")
            return
        response = getattr(failure.value, "response", None)
        if response is not None:
            error = f"http_{response.status}"
            detail = f"HTTP {response.status} for {request.url}"
            capture = response.meta.get("capture")
        else:
            error = type(failure.value).__name__
            detail = str(failure.value) or error
            capture = None
        self.logger.warning("%s: %s", request.url, detail)
        yield FetchError(request.url, error, detail, capture)
