"""`python -m bench.floor URLS`: Scrapy fetching the crawl's pages and doing nothing else.

The benchmark's floor for a Scrapy crawl: the same URLs the archiver crawl
fetched, with the same concurrency and request headers, but no WARC, no
parsing, no database. What `archiver crawl` takes beyond this is the archiver's
own work; what this takes beyond wget is Scrapy's.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response

from archiver.settings import DEFAULT_REQUEST_HEADERS, TWISTED_REACTOR, USER_AGENT


class FloorSpider(scrapy.Spider):
    name = "floor"

    def __init__(self, urls: list[str]) -> None:
        super().__init__()
        self.urls = urls

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.urls:
            yield scrapy.Request(url, callback=self.parse, dont_filter=True)

    def parse(self, response: Response) -> None:
        return None


def main(argv: list[str]) -> int:
    urls = Path(argv[0]).read_text().split()
    settings = {
        "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "ROBOTSTXT_OBEY": False,  # the URL list holds robots.txt already
        "COOKIES_ENABLED": False,
        "DEFAULT_REQUEST_HEADERS": DEFAULT_REQUEST_HEADERS,
        "USER_AGENT": USER_AGENT,
        "TWISTED_REACTOR": TWISTED_REACTOR,
        "LOG_LEVEL": "WARNING",
    }
    process = CrawlerProcess(settings)
    process.crawl(FloorSpider, urls=urls)
    process.start()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
