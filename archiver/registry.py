"""Find spiders by name, the way `scrapy crawl` does."""

from __future__ import annotations

from functools import cache

from scrapy.spiderloader import SpiderLoader

from archiver.crawl.spider import NewsSpider
from archiver.settings import project_settings


@cache  # reparse asks once per WARC record: building settings and the loader cost ~7 ms
def _loader() -> SpiderLoader:
    return SpiderLoader.from_settings(project_settings())


def load_spider(name: str) -> type[NewsSpider]:
    """The spider class called `name`; KeyError lists the known ones."""
    return _loader().load(name)


def spider_names() -> list[str]:
    return sorted(_loader().list())
