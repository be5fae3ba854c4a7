"""Keys that cross components, declared once: what a request carries and how a page was found.

Scrapy passes our facts about a request in `request.meta`; these are its keys, and
who writes and reads them. Offline (reparse, a resumed crawl) a response is rebuilt
from its WARC record alone, so only what the record holds comes back: a spider's
`follow` and `parse_page` may rely on CAPTURE and FETCHED_AT, never on the rest
(what a page is must be read from the page: see `NewsSpider.is_start`).
"""

from __future__ import annotations

from enum import StrEnum


class Meta(StrEnum):
    """Our `request.meta` keys."""

    #: How the page was found (a `Link`): written by `NewsSpider.request`, read by the
    #: recrawl middleware, the distributed scheduler and the pipeline. Not archived.
    LINK = "link"
    #: The WARC-Record-ID of the response: capture middleware → parsers' items, PageDone.
    CAPTURE = "capture"
    #: The capture's WARC-Date: capture middleware → relative dates ("3 hours ago").
    FETCHED_AT = "fetched_at"
    #: The capture is a revisit record (unchanged page): capture middleware → spider.
    REVISIT = "revisit"
    #: The `Capture` written for the response: capture middleware → the spider's errback,
    #: which records a cut-short or 4xx/5xx body as reparse would. Live only.
    ARCHIVED = "archived"
    #: The capture a conditional request revalidates: recrawl middleware → capture
    #: middleware (a 304 becomes a revisit of it). Live only.
    EARLIER_CAPTURE = "earlier_capture"
    #: Post indexes to try if this one is missing: WordPress discovery → its errback. Live only.
    INDEX_FALLBACKS = "index_fallbacks"


#: Keys rebuilt from a WARC record (`archiver.extract.responses.build_response`).
ARCHIVED_KEYS = frozenset({Meta.CAPTURE, Meta.FETCHED_AT})


class Link(StrEnum):
    """How a request's page was found: what the recrawl policy and the scheduler decide on."""

    START = "start"  # a start URL: always fetched (conditionally), how new articles appear
    ARTICLE = "article"  # an article's page, from a listing, sitemap or feed
    LISTING = "listing"  # a listing, sitemap, feed or API page of articles
    COMMENTS = "comments"  # a further page of an article's comments
    DUE = "due"  # a known thread page whose next poll is due (recrawl)


#: Pages that hold a thread: skipped by the scheduler when already seen and not due.
THREAD_LINKS = frozenset({Link.ARTICLE, Link.COMMENTS, Link.DUE})
