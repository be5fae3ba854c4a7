"""The SCHEDULER setting: the frontier's, or with a Redis URL the shared one of crawl.distributed.

On one machine the scheduler is Scrapy's own, holding at most FRONTIER_MEMORY_REQUESTS
requests in memory: a request `NewsSpider.request` rebuilds from its URL and link kind
waits beyond that in its `fetch_state` row (`archiver.store.frontier`), and comes back
when memory runs empty, the last to wait first (Scrapy's memory queue is LIFO too:
a thread's pages are fetched before the next thread's). The same rows tell a run
which URLs it has queued, in place of Scrapy's in-memory set of fingerprints, so a
site whose sitemaps list a million posts costs a million rows, not a million requests.

A module of its own so that a crawl on one machine never imports redis and
scrapy-redis (a quarter of a second at every start).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from scrapy import Request
from scrapy.core.scheduler import BaseScheduler
from scrapy.core.scheduler import Scheduler as LocalScheduler
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import build_from_crawler

from archiver.contract import Link, Meta
from archiver.crawl.resources import STORAGE_ERRORS, ArchiveResources
from archiver.crawl.spider import NewsSpider
from archiver.store import frontier

#: requests sent to wait in fetch_state, and the most the memory queue held at once
WAITING = "archiver/frontier/waiting"
MEMORY_MAX = "archiver/frontier/memory_max"
#: Discovery before depth: a listing (a sitemap, a feed, a listing page) stays in memory
#: and is fetched before the thread pages there, else the queue's last-in-first-out order
#: buries it under the posts of the sitemaps read before it, and a crawl stopped early
#: (or a memory queue topped up from a long sitemap) knows only part of the site.
LISTING_PRIORITY = 1


class Scheduler(BaseScheduler):
    """The shared Redis scheduler with a Redis URL, else the frontier's."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BaseScheduler:  # type: ignore[override]
        if crawler.settings.get("REDIS_URL"):
            from archiver.crawl.distributed import RedisScheduler  # redis only when asked for

            return RedisScheduler.from_crawler(crawler)
        try:
            resources = ArchiveResources.of(crawler)
        except NotConfigured:  # no archive database: Scrapy's own, all in memory
            return build_from_crawler(LocalScheduler, crawler)
        scheduler = build_from_crawler(FrontierScheduler, crawler)
        scheduler.use(resources, crawler.settings.getint("FRONTIER_MEMORY_REQUESTS"))
        return scheduler


class FrontierScheduler(LocalScheduler):
    """Scrapy's scheduler with its memory bounded: the rest of the queue waits in fetch_state."""

    def use(self, resources: ArchiveResources, bound: int) -> None:
        self.resources, self.bound = resources, bound
        self.run = time.time_ns()  # marks the rows this run queued
        self.waiting = 0
        self.places = 0  # the last waiting place given
        resources.scheduler_keeps_frontier = True

    def enqueue_request(self, request: Request) -> bool:
        """Queue a request once per run (its fetch_state row says whether this run has):
        in memory while there is room or when it cannot be made again from its row,
        else waiting in that row. A request that may repeat (a retry) is Scrapy's to queue."""
        if request.dont_filter or self.resources.storage_error is not None:
            return super().enqueue_request(request)
        spider = self.spider
        link = spider.plain_link(request) if isinstance(spider, NewsSpider) else None
        # a listing never waits: listings are few, and each is how many more are found
        waits = link not in (None, Link.LISTING) and len(self.mqs) >= self.bound
        place = self.places + 1 if waits else None
        try:
            queued = frontier.enqueue(
                self.resources.db,
                request.url,
                spider.name,
                link,
                self.run,
                place,
                datetime.now(UTC),
            )
        except STORAGE_ERRORS as error:
            self.resources.storage_failed(error)
            return super().enqueue_request(request)
        if not queued:
            self.df.log(request, spider)
            return False
        if waits:
            self.places, self.waiting = place, self.waiting + 1
            self.stats.inc_value(WAITING)
        else:
            self.hold(request)
            self.stats.inc_value("scheduler/enqueued/memory")
        self.stats.inc_value("scheduler/enqueued")
        return True

    def hold(self, request: Request) -> None:
        """Into the memory queue; a listing goes before thread pages (`LISTING_PRIORITY`)."""
        if request.meta.get(Meta.LINK) == Link.LISTING and not request.priority:
            request.priority = LISTING_PRIORITY
        self._mqpush(request)
        self.stats.max_value(MEMORY_MAX, len(self.mqs))

    def next_request(self) -> Request | None:
        if not self.mqs and self.waiting:
            self.refill()
        return super().next_request()

    def refill(self) -> None:
        """Memory ran empty: take back the requests that began waiting last."""
        try:
            rows = frontier.take_waiting(self.resources.db, self.run, self.bound)
        except STORAGE_ERRORS as error:
            self.resources.storage_failed(error)
            rows = []
        self.waiting = self.waiting - len(rows) if rows else 0  # none left, or none readable
        for url, link in reversed(rows):  # the last to wait is popped first
            self.hold(self.spider.request(url, Link(link)))

    def __len__(self) -> int:
        return super().__len__() + self.waiting
