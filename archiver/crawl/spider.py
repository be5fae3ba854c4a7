"""The base spider: listing pages -> articles -> comment pages.

A site spider declares CSS selectors for the links to follow and a pure
`parse_page(response)` that yields items. Everything else (start URLs from
`--url`, off-site filtering, `--since`, errors as `FetchError` items, handing
pages to the extraction process) lives here, so a site file stays small.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Request, Response, TextResponse
from scrapy.utils.request import request_from_dict
from twisted.python.failure import Failure

from archiver.archive.capture import Capture, recorded_failure
from archiver.contract import Link, Meta
from archiver.crawl.extraction import ExtractionProcess, SentLink
from archiver.crawl.failures import attempts, classify
from archiver.extract.dates import parse_iso, within
from archiver.extract.page import page_done, read_page
from archiver.extract.responses import release_parse_tree
from archiver.extract.urls import absolute, is_web_url
from archiver.items import Article, FetchError, Item, PageDone

#: what a plain link's request may carry besides its link kind (`NewsSpider.plain_link`)
_PLAIN_META = frozenset({Meta.LINK, "depth"})
_PLAIN_HEADERS = frozenset({b"Referer"})


class StartUrlError(ValueError):
    """A start URL that is no web page (file:, ftp:, no scheme...)."""


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
    #: hosts besides the start URLs' that hold the site's pages (a comment host, a mirror)
    extra_domains: ClassVar[tuple[str, ...]] = ()

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
        for start in self.start_urls:
            if not is_web_url(start):  # file:// would archive local files
                raise StartUrlError(f"start URL {start!r}: only http or https URLs can be crawled")
        # Off-site requests are dropped by Scrapy's OffsiteMiddleware: any host a
        # start URL names is on-site, so mirrors and local servers just work.
        hosts = {urlsplit(u).hostname or "" for u in self.start_urls}
        self.allowed_domains = sorted(hosts | set(self.extra_domains))
        self._extraction: ExtractionProcess | bool | None = None  # looked up at the first page
        self.links_skipped = 0  # by `link`, for the page being read
        self.since = datetime.fromisoformat(since) if since else None
        if self.since and self.since.tzinfo is None:
            self.since = self.since.astimezone()

    @staticmethod
    def parse_page(response: TextResponse) -> Iterable[Item]:
        raise NotImplementedError

    async def start(self) -> Any:  # noqa: ANN401 - Scrapy's async-generator protocol
        # Start pages are always fetched (conditionally): they are how new articles appear.
        for url in self.start_urls:
            yield self.request(url, Link.START)

    def is_start(self, response: Response) -> bool:
        """A start page, however it is read: live, or rebuilt from its WARC record."""
        return response.meta.get(Meta.LINK) == Link.START or response.url in self.start_urls

    def request(self, url: str, link: Link) -> Request:
        """A request to parse; `link` says how it was found: start, article, listing, comments."""
        return Request(url, callback=self.parse, errback=self.on_error, meta={Meta.LINK: link})

    def plain_link(self, request: Request) -> Link | None:
        """How `request` was found, when `request(url, link)` makes it again from these
        alone: such a request travels from the extraction worker, and waits in the frontier,
        as its URL and link kind only. (The depth Scrapy counts and the Referer it adds on
        the way out are not the page's: they may be there.)"""
        link = request.meta.get(Meta.LINK)
        plain = (
            link not in (None, Link.START)  # start pages are few, and never rows before
            and not request.dont_filter
            and request.method == "GET"
            and not request.body
            and not request.priority
            and not request.cb_kwargs
            and not request.flags
            and request.callback == self.parse
            and request.errback == self.on_error
            and _PLAIN_META.issuperset(request.meta)
            and _PLAIN_HEADERS.issuperset(request.headers)
        )
        return Link(link) if plain else None

    def link(self, response: Response, href: str | None, link: Link) -> Request | None:
        """A request for a link read from a page; None for one that is no web page
        (javascript:, mailto:, tel:, data:...), counted in `links_skipped`."""
        url = absolute(response.url, href)
        return self.web_request(url, link) if url is not None else self.skip_link()

    def web_request(self, url: str, link: Link) -> Request | None:
        """A request for `url` (its fragment dropped) if it is an http(s) URL, else None
        (counted): a page may link anything, and one bad link must not cost it."""
        if not is_web_url(url):
            return self.skip_link()
        return self.request(url.split("#", 1)[0], link)

    def skip_link(self) -> None:
        self.links_skipped += 1

    async def parse(self, response: Response) -> AsyncIterator[Item | Request]:
        """Yield requests for the pages it links to, then one PageDone holding the page's items."""
        if response.meta.get(Meta.REVISIT):  # unchanged since the capture the revisit points at
            yield PageDone(response.url, capture=response.meta.get(Meta.CAPTURE))
            return
        done, links = await self.read(response)
        too_old = any(
            isinstance(item, Article) and not item.stub and not within(item.published, self.since)
            for item in done.items
        )
        if too_old:
            done = page_done(response, [i for i in done.items if isinstance(i, FetchError)])
        else:
            for request in links:
                yield request
        yield done

    async def read(self, response: Response) -> tuple[PageDone, Iterable[Request]]:
        """The page's items and links: read by the extraction process if any, else here.

        A worker's links become requests one at a time, as the crawl takes them: a
        sitemap of 50,000 posts is 50,000 (URL, link kind) pairs here, never 50,000
        requests at once."""
        if self._extraction is None:
            extensions = self.crawler.extensions.middlewares
            found = (e for e in extensions if isinstance(e, ExtractionProcess))
            self._extraction = next(found, False)
        if self._extraction and isinstance(response, TextResponse):
            read = await self._extraction.read(response)
            if read is not None:
                done, links = read
                return done, (self.request_of(link) for link in links)
        return self.read_here(response)

    def request_of(self, link: SentLink) -> Request:
        """The request a worker sent: a (URL, link kind) pair, or a whole `Request.to_dict`."""
        if isinstance(link, dict):
            return request_from_dict(link, spider=self)
        url, kind = link
        return self.request(url, Link(kind))

    def read_here(self, response: Response) -> tuple[PageDone, list[Request]]:
        """The page's items and links, read in this process (the extraction worker's too)."""
        done = read_page(type(self).parse_page, response)
        links, skipped, error = self.links_of(response)
        done.links_skipped = skipped
        if error is not None:
            done.items.append(error)
        release_parse_tree(response)
        return done, links

    def links_of(self, response: Response) -> tuple[list[Request], int, FetchError | None]:
        """The requests `follow` makes of a page, the links it skipped, and what stopped it.

        A link `follow` cannot make a request of costs the links after it, never
        the page: what came before is kept, and the error is a `parse_error` row.
        """
        self.links_skipped = 0
        links: list[Request] = []
        error = None
        try:
            for request in self.follow(response):
                links.append(request)
        except Exception as failure:  # noqa: BLE001 - a spider bug must not cost the page
            detail = f"following links: {type(failure).__name__}: {failure}"
            error = FetchError(response.url, "parse_error", detail, response.meta.get(Meta.CAPTURE))
        return links, self.links_skipped, error

    def follow(self, response: Response) -> Iterator[Request]:
        if not isinstance(response, TextResponse) or self._listing_too_old(response):
            return
        links = (
            (self.article_links, Link.ARTICLE),
            (self.next_listing, Link.LISTING),
            (self.comment_pages, Link.COMMENTS),
        )
        for selector, link in links:
            if selector:
                hrefs = response.css(selector).getall()
                yield from filter(None, (self.link(response, href, link) for href in hrefs))

    def _listing_too_old(self, response: TextResponse) -> bool:
        """A listing page whose every entry predates `--since` ends the walk back."""
        if self.since is None or not self.listing_dates:
            return False
        dates = [parse_iso(d) for d in response.css(self.listing_dates).getall()]
        return bool(dates) and not any(within(d, self.since) for d in dates)

    def on_error(self, failure: Failure) -> Iterator[FetchError]:
        """Every failed request ends as one FetchError row; the crawl goes on."""
        request = failure.request
        failed = classify(failure, self.crawler.settings)
        if failed is None:
            # A deliberate skip (robots.txt, a filter), not a failure.
            self.crawler.stats.inc_value("archiver/skipped")
            return
        # Only an archived response names a capture: a retried request's meta keeps
        # the capture of an earlier attempt, which a timeout must not point at.
        archived: Capture | None = request.meta.get(Meta.ARCHIVED) if failed.from_response else None
        capture = archived.warc_record_id if archived else None
        response = getattr(failure.value, "response", None)
        received = len(response.body) if response is not None else 0
        # A cut-short or 4xx/5xx capture: the row reparse writes for it, from the capture.
        error = recorded_failure(archived, received) if archived else None
        if error is None or error.error != failed.kind:
            error = FetchError(failed.url, failed.kind, failed.detail, capture)
        error.attempts = attempts(request)
        self.logger.warning("%s: %s", error.url, error.detail)
        yield error
        if capture is not None:  # the archived response is dealt with: mark its capture done
            yield PageDone(failed.url, capture=capture)
