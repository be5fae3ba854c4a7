"""robots.txt's `Crawl-delay`, obeyed: the least delay between two requests to its host.

Scrapy reads robots.txt (RobotsTxtMiddleware, Protego) for what is allowed, not for
how often: a site asking for 3 s between requests got one a second. This
downloader middleware, just after Scrapy's, takes each host's delay from its parsed
robots.txt and keeps the host's download slot at least that slow, whatever
DOWNLOAD_DELAY or AutoThrottle say (AutoThrottle lowers a slot's delay after each
fast response: the floor is put back right after it, and before each request), and
without the random ±50 % that could go below it.
"""

from __future__ import annotations

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.robotstxt import RobotParser
from scrapy.utils.httpobj import urlparse_cached


class CrawlDelayMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.agent = crawler.settings.get("ROBOTSTXT_USER_AGENT") or crawler.settings.get(
            "USER_AGENT"
        )
        self.delays: dict[str, float] = {}  # netloc -> seconds

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlDelayMiddleware:
        middleware = cls(crawler)
        crawler.signals.connect(middleware.robots_parsed, signal=signals.robots_parsed)
        # After AutoThrottle's own handler (extensions connect before middlewares).
        crawler.signals.connect(middleware.keep_floor, signal=signals.response_downloaded)
        return middleware

    def robots_parsed(self, robotparser: RobotParser, request: Request) -> None:
        delay = robotparser.crawl_delay(self.agent)
        if delay:
            self.delays[urlparse_cached(request).netloc] = delay
            self.crawler.stats.max_value("archiver/robots/crawl_delay", delay)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        self.keep_floor(request=request)

    def keep_floor(self, request: Request, **_: object) -> None:
        """The host's slot at least as slow as its Crawl-delay, with no random jitter."""
        delay = self.delays.get(urlparse_cached(request).netloc)
        if not delay:
            return
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        # Read when the slot is made (`jitter` since Scrapy 2.19, `randomize_delay` before).
        fixed = {"delay": delay, "jitter": 0, "randomize_delay": False}
        downloader.per_slot_settings.setdefault(key, {}).update(fixed)
        slot = downloader.slots.get(key)
        if slot is None:
            return
        slot.delay = max(slot.delay, delay)  # AutoThrottle lowers it after a fast response
        if hasattr(slot, "jitter"):
            slot.jitter = 0
        else:
            slot.randomize_delay = False
