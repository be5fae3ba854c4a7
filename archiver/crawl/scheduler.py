"""The SCHEDULER setting: Scrapy's own, or with a Redis URL the shared one of crawl.distributed.

A module of its own so that a crawl on one machine never imports redis and
scrapy-redis (a quarter of a second at every start).
"""

from __future__ import annotations

from scrapy.core.scheduler import BaseScheduler
from scrapy.core.scheduler import Scheduler as LocalScheduler
from scrapy.crawler import Crawler
from scrapy.utils.misc import build_from_crawler


class Scheduler(BaseScheduler):
    """The shared Redis scheduler with a Redis URL, else Scrapy's own."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BaseScheduler:  # type: ignore[override]
        if crawler.settings.get("REDIS_URL"):
            from archiver.crawl.distributed import RedisScheduler  # redis only when asked for

            return RedisScheduler.from_crawler(crawler)
        return build_from_crawler(LocalScheduler, crawler)
