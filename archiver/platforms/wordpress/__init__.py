"""WordPress: the page parser (page.py) and the spider base that finds posts (spider.py).

A WordPress site needs no code: `archiver crawl wordpress --url ROOT`. A site with its
own theme is a small spider file subclassing `WordpressPlatform` (see spiders/).
"""

from archiver.platforms.wordpress.page import parse_page
from archiver.platforms.wordpress.spider import WordpressPlatform

__all__ = ["WordpressPlatform", "parse_page"]
