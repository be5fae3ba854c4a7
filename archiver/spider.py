"""The base spider: listing pages -> articles -> comment pages.

A site spider declares CSS selectors for the links to follow and a pure
`parse_page(response)` that yields items. Everything else (start URLs from
`--url`, off-site filtering, `--since`, errors as `FetchError` items, stamping
items with their capture) lives here, so a site file stays small.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Request, Response, TextResponse
from twisted.python.failure import Failure

from archiver.failures import attempts, classify
from archiver.items import (
    Article,
    Comment,
    FetchError,
    Item,
    PageDone,
    Quote,
    ReplyLink,
)
from archiver.parsing import parse_iso, within
from archiver.responses import release_parse_tree
from archiver.sanitize import sanitize_html

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
    # An article read again from a later comment page says so, so the store keeps
    # its own page's URL and capture (what replay and WACZ entry points open).
    pages = {(i.site, i.site_article_id): i.page for i in items if isinstance(i, Comment)}
    for item in items:
        item.capture = capture
        if isinstance(item, Article) and item.page == 1:
            item.page = pages.get((item.site, item.site_article_id), 1)
        if isinstance(item, Article | Comment):
            # Page HTML is hostile: only an allow-listed rendering is ever stored for display.
            item.body_html = sanitize_html(item.body_html)
        yield item


def page_done(response: Response, items: list[Item]) -> PageDone:
    """A response's items, with what the store needs to close it (see PageDone)."""
    # A shallow dict per item: the same JSON as item_to_dict, without asdict's deep copies.
    content = [
        {"type": type(i).__name__, **vars(i)}
        for i in items
        if isinstance(i, Article | Comment | Quote | ReplyLink)
    ]
    for entry in content:
        entry.pop("capture")
    fingerprint = None
    if content:
        encoded = json.dumps(content, sort_keys=True, ensure_ascii=False).encode()
        fingerprint = hashlib.sha1(encoded).hexdigest()
    articles = {(i.site, i.site_article_id) for i in items if isinstance(i, Article) and not i.stub}
    pages: dict[tuple[str, str, int], list[str]] = {}
    for item in items:
        if isinstance(item, Comment) and (item.site, item.site_article_id) in articles:
            pages.setdefault((item.site, item.site_article_id, item.page), []).append(
                item.site_comment_id
            )
    seen = [(site, article, page, ids) for (site, article, page), ids in pages.items()]
    return PageDone(response.url, fingerprint, seen, response.meta.get("capture"), items)


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
        # Start pages are always fetched (conditionally): they are how new articles appear.
        for url in self.start_urls:
            yield self.request(url, "start")

    def request(self, url: str, link: str) -> Request:
        """A request to parse; `link` says how it was found: start, article, listing, comments."""
        return Request(url, callback=self.parse, errback=self.on_error, meta={"link": link})

    def parse(self, response: Response) -> Iterator[Item | Request]:
        """Yield requests for the pages it links to, then one PageDone holding the page's items."""
        if response.meta.get("revisit"):  # unchanged since the capture the revisit points at
            yield PageDone(response.url, capture=response.meta.get("capture"))
            return
        items = list(extract(type(self).parse_page, response))
        too_old = any(
            isinstance(item, Article) and not item.stub and not within(item.published, self.since)
            for item in items
        )
        if too_old:
            items = [item for item in items if isinstance(item, FetchError)]
        else:
            yield from self.follow(response)
        release_parse_tree(response)
        yield page_done(response, items)

    def follow(self, response: Response) -> Iterator[Request]:
        if not isinstance(response, TextResponse) or self._listing_too_old(response):
            return
        links = (
            (self.article_links, "article"),
            (self.next_listing, "listing"),
            (self.comment_pages, "comments"),
        )
        for selector, link in links:
            if selector:
                for href in response.css(selector).getall():
                    yield self.request(response.urljoin(href), link)

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
        capture = request.meta.get("capture") if failed.from_response else None
        self.logger.warning("%s: %s", failed.url, failed.detail)
        yield FetchError(failed.url, failed.kind, failed.detail, capture, attempts(request))
        if capture is not None:  # the archived response is dealt with: mark its capture done
            yield PageDone(failed.url, capture=capture)
