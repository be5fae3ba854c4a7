"""A capture's items: the one pure function from a response (or a WARC record) to what is saved.

`extract` runs a site parser safely and `page_done` wraps what it read for the
store; `read_page` does both, the same live (in the crawl process or its worker)
and offline. `capture_items` is what a crawl records for any capture: parsed
items for a 200, the same failure rows the crawl's errback writes for a cut-short
or 4xx/5xx body, nothing for a redirect.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator

from scrapy.http import Response, TextResponse

from archiver.archive.capture import Capture, recorded_failure
from archiver.contract import Meta
from archiver.extract.responses import (
    DECODE_ERRORS,
    BodyTooLarge,
    build_response,
    decode_body,
    release_parse_tree,
)
from archiver.extract.sanitize import sanitize_html
from archiver.extract.urls import wayback_capture
from archiver.items import Article, Comment, FetchError, Item, PageDone, Quote, ReplyLink
from archiver.settings import DOWNLOAD_MAXSIZE

PageParser = Callable[[TextResponse], Iterable[Item]]


def extract(parse_page: PageParser, response: Response) -> Iterator[Item]:
    """Run a site parser on a response; a crash becomes a FetchError, never an exception."""
    capture = response.meta.get(Meta.CAPTURE)
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


def read_alone(read: Callable[[], Iterable[Item]], url: str, what: str) -> list[Item]:
    """The items one part of a page (a comment) yields; a part that cannot be read is a
    `parse_error` row naming it, and costs only itself, not the page."""
    try:
        return list(read())
    except Exception as error:  # noqa: BLE001 - hostile markup must not cost the other parts
        return [FetchError(url, "parse_error", f"{what}: {type(error).__name__}: {error}")]


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
    # An article page showing no comment at all lists none: the store judges whether its
    # stored comments vanished or the page is a block page.
    pages: dict[tuple[str, str, int], list[str]] = {
        (i.site, i.site_article_id, i.page): []
        for i in items
        if isinstance(i, Article) and not i.stub
    }
    for item in items:
        if isinstance(item, Comment) and (item.site, item.site_article_id) in articles:
            pages.setdefault((item.site, item.site_article_id, item.page), []).append(
                item.site_comment_id
            )
    seen = [(site, article, page, ids) for (site, article, page), ids in pages.items()]
    return PageDone(response.url, fingerprint, seen, response.meta.get(Meta.CAPTURE), items)


def read_page(parse_page: PageParser, response: Response) -> PageDone:
    """A response's items as the store saves them."""
    return page_done(response, list(extract(parse_page, response)))


def capture_items(capture: Capture, payload: bytes, parse_page: PageParser) -> list[Item]:
    """What the crawl recorded for this capture, from the record alone."""
    if capture.refers_to:
        return [PageDone(capture.url, capture=capture.warc_record_id)]
    failure = recorded_failure(capture, len(payload))
    if failure is not None:  # the errback marks the archived response dealt with, as here
        return [failure, PageDone(capture.url, capture=capture.warc_record_id)]
    if capture.status != 200:
        return []
    try:
        response = response_of(capture, payload)
    except BodyTooLarge as error:  # refused by the crawl with the same row
        failure = FetchError(capture.url, "too_large", str(error), capture.warc_record_id)
        return [failure, PageDone(capture.url, capture=capture.warc_record_id)]
    except DECODE_ERRORS as error:
        failure = FetchError(capture.url, "decode_error", str(error), capture.warc_record_id)
        return [PageDone(capture.url, capture=capture.warc_record_id, items=[failure])]
    done = read_page(parse_page, response)
    release_parse_tree(response)
    return [done]


def response_of(capture: Capture, payload: bytes) -> Response:
    """The 200 response as the crawl's parser saw it: Content-Encoding undone, under the
    crawl's cap (BodyTooLarge past it). A Wayback Machine capture
    (`web.archive.org/web/<ts>/<original>`) is the page at `<original>` as it was at `<ts>`."""
    encoding = next((v for k, v in capture.headers if k.lower() == "content-encoding"), None)
    body = decode_body(payload, encoding, capture.max_size or DOWNLOAD_MAXSIZE)
    url, captured = wayback_capture(capture.url)
    stamps = (captured or capture.fetched_at, capture.warc_record_id)
    return build_response(url, body, capture.headers, 200, *stamps)
