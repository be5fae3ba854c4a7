"""Finding a SPIP site's articles: the links its templates mark as articles."""

from __future__ import annotations

from archiver.crawl.spider import NewsSpider
from archiver.platforms.spip.page import parse_page


class SpipPlatform(NewsSpider):
    """Articles linked from the start pages (SPIP's `rel="bookmark"` and article titles)."""

    parse_page = staticmethod(parse_page)
    article_links = "a[rel~='bookmark']::attr(href), [class*='article-titre-'] a::attr(href)"
    next_listing = "a.lien_pagination[rel='next']::attr(href), .pagination a.suivant::attr(href)"
