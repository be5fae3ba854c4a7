"""Running site parsers on responses, in the crawl process or in a worker beside it.

`extract` runs a parser safely and `page_done` wraps what it read for the store;
`read_page` does both, the same live (in the crawl process or its worker) and in
`reparse`. Parsing a page is most of a crawl's CPU time and needs nothing but the
response, so the `ExtractionProcess` extension hands it, with following the
page's links, to one worker process while Scrapy goes on fetching, archiving and
saving. One worker keeps pages in the order they arrived, which saving needs (a
comment page's positions follow the earlier pages').
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response, TextResponse

from archiver.archive.lock import release_inherited_locks
from archiver.extract.responses import build_response
from archiver.extract.sanitize import sanitize_html
from archiver.items import Article, Comment, FetchError, Item, PageDone, Quote, ReplyLink

logger = logging.getLogger(__name__)

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


def read_page(parse_page: PageParser, response: Response) -> PageDone:
    """A response's items as the store saves them."""
    return page_done(response, list(extract(parse_page, response)))


def forked_pool(workers: int, *initargs: Any) -> ProcessPoolExecutor:
    """Worker processes forked now, sharing this process's imports (they start in ms) and
    nothing opened later, such as a database connection. Each worker first lets go of
    the archive lock it inherited; with `initargs`, it then calls _worker_setup(*initargs)."""
    pool = ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_worker_start,
        initargs=initargs,
    )
    pool.submit(int).result()  # forks every worker
    return pool


class ExtractionProcess:
    """An extension (setting EXTRACTION_PROCESS) whose worker process reads pages for the spider.

    The worker is forked when the crawler is set up, with a copy of the spider
    and before the database is opened (it holds no connection); it reads a page's
    items and the links the spider follows from it, as the spider would here. A
    worker that dies, or a page it cannot take, leaves the reading to the spider.
    """

    def __init__(self, spider: Spider) -> None:
        self.pool: ProcessPoolExecutor | None = forked_pool(1, os.getpid(), spider)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractionProcess:
        if not crawler.settings.getbool("EXTRACTION_PROCESS"):
            raise NotConfigured("EXTRACTION_PROCESS is off")
        extension = cls(crawler.spider)
        crawler.signals.connect(extension.close, signal=signals.spider_closed)
        return extension

    async def read(self, response: Response) -> tuple[PageDone, list[dict]] | None:
        """The page's items and its links (Request.to_dict), read by the worker; None when
        it could not be (read it here then)."""
        if self.pool is None:
            return None
        headers = [
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, values in response.headers.items()
            for value in values
        ]
        job = (response.url, response.body, headers, response.status, response.meta)
        try:
            return await asyncio.wrap_future(self.pool.submit(_read, *job))
        except BrokenProcessPool:
            logger.error("the extraction process died: pages are read in the crawl process now")
            self.pool = None
        except Exception:  # e.g. meta that cannot be pickled: read this page here
            logger.exception("the extraction process could not read %s", response.url)
        return None

    def close(self, spider: Spider | None = None) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
            self.pool = None


_spider: Any = None  # in the worker: its copy of the crawl's spider


def _worker_start(*initargs: Any) -> None:
    # A forked worker shares the crawl's lock (flock is per open file): one that outlives a
    # killed crawl by the second it takes to notice would refuse the crawl that resumes it.
    release_inherited_locks()
    if initargs:
        _worker_setup(*initargs)


def _worker_setup(parent: int, spider: Spider) -> None:
    """Ctrl-C is the crawl's to handle; a worker whose crawl was killed exits."""
    global _spider  # noqa: PLW0603 - the worker's one spider, set once when it starts
    _spider = spider
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()


def _read(
    url: str, body: bytes, headers: list[tuple[str, str]], status: int, meta: dict
) -> tuple[PageDone, list[dict]]:
    """In the worker: what the spider reads of a page, and the requests for its links."""
    stamps = (meta.get("fetched_at"), meta.get("capture"))
    response = build_response(url, body, headers, status, *stamps, meta=meta)
    done, links = _spider.read_here(response)
    return done, [request.to_dict(spider=_spider) for request in links]


def _exit_with(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)
