"""The crawl's extraction worker: pages read in a process beside Scrapy's.

Parsing a page is most of a crawl's CPU time and needs nothing but the response
(`extract.page.read_page`), so the `ExtractionProcess` extension hands it, with
following the page's links, to one worker process while Scrapy goes on fetching,
archiving and saving. One worker keeps pages in the order they arrived, which saving needs (a
comment page's positions follow the earlier pages').
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response, TextResponse

from archiver.contract import Meta
from archiver.extract.responses import build_response
from archiver.extract.workers import forked_pool
from archiver.items import Item, PageDone

logger = logging.getLogger(__name__)

PageParser = Callable[[TextResponse], Iterable[Item]]
#: a link as the worker sends it: (URL, link kind), or a whole `Request.to_dict`
SentLink = tuple[str, str] | dict


class ExtractionProcess:
    """An extension (setting EXTRACTION_PROCESS) whose worker process reads pages for the spider.

    The worker is forked when the crawler is set up, with a copy of the spider
    and before the database is opened (it holds no connection); it reads a page's
    items and the links the spider follows from it, as the spider would here. A
    worker that dies, or a page it cannot take, leaves the reading to the spider.
    """

    def __init__(self, spider: Spider) -> None:
        self.pool: ProcessPoolExecutor | None = forked_pool(1, _worker_setup, os.getpid(), spider)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractionProcess:
        if not crawler.settings.getbool("EXTRACTION_PROCESS"):
            raise NotConfigured("EXTRACTION_PROCESS is off")
        extension = cls(crawler.spider)
        crawler.signals.connect(extension.close, signal=signals.spider_closed)
        return extension

    async def read(self, response: Response) -> tuple[PageDone, list[SentLink]] | None:
        """The page's items and its links (as `_sent` sends them), read by the worker; None
        when it could not be (read it here then)."""
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
    stamps = (meta.get(Meta.FETCHED_AT), meta.get(Meta.CAPTURE))
    response = build_response(url, body, headers, status, *stamps, meta=meta)
    done, links = _spider.read_here(response)
    return done, [_sent(request) for request in links]


def _sent(request: Request) -> SentLink:
    """A link as it goes to the crawl: its URL and link kind when they make it again, else
    all of it (a sitemap's 50,000 posts are then 50,000 pairs, not 50,000 dicts)."""
    link = _spider.plain_link(request)
    return (request.url, link.value) if link is not None else request.to_dict(spider=_spider)


def _exit_with(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)
