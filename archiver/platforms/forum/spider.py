"""The spider base of forum engines: a thread's other pages; a forum listing's threads.

An engine declares two pure functions of a page: `locate(url)`, what a URL names
(`("thread", id, at)`, or a listing's `(kind, id, at)`, `at` 0 on the first page), and
`thread_id(doc, url)`, the thread an HTML page shows (None on a listing). A thread page then
follows its links to the same thread's other pages; a listing follows its links to
threads (their first pages) and to its own later pages. Any other link (a "similar
threads" box, "view next topic", a post permalink, another forum) is not followed.
Guests' session ids are dropped from every link, so each page has one URL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import ClassVar

from scrapy.http import HtmlResponse, Request, Response, TextResponse

from archiver.contract import Link
from archiver.crawl.spider import NewsSpider
from archiver.extract.html import Doc
from archiver.extract.urls import absolute
from archiver.platforms.forum.thread import without_session

Located = tuple[str, str, int]  # (kind, id, at): "thread" or a listing kind, its id, its offset


class ForumPlatform(NewsSpider):
    # No default forum: `archiver crawl xenforo --url https://forum.example/forums/news.5/`.
    default_urls: ClassVar[list[str]] = []
    locate: ClassVar[Callable[[str], Located | None]]
    thread_id: ClassVar[Callable[[Doc, str], str | None]]

    def thread_of(self, response: TextResponse) -> str | None:
        """The thread a page shows; None on a listing, or on what is no HTML page."""
        if not isinstance(response, HtmlResponse):
            return None
        return type(self).thread_id(Doc(response.selector.root), response.url)

    def follow(self, response: Response) -> Iterator[Request]:
        if not isinstance(response, TextResponse):
            return
        thread = self.thread_of(response)
        here = type(self).locate(without_session(response.url))
        seen = {here}
        for href in response.xpath("//a/@href").getall():
            url = absolute(response.url, href)
            found = type(self).locate(without_session(url)) if url else None
            if found is None or found in seen:
                continue
            seen.add(found)
            link = _kind_of(found, thread, here)
            if link is not None:
                request = self.web_request(without_session(url), link)  # type: ignore[arg-type]
                if request is not None:
                    yield request


def _kind_of(found: Located, thread: str | None, here: Located | None) -> Link | None:
    """How a located link is followed from this page, or None: not at all."""
    kind, key, at = found
    if thread is not None:  # a thread page: the same thread's other pages
        return Link.COMMENTS if kind == "thread" and key == thread else None
    if kind == "thread":  # a listing: its threads, from their first page
        return Link.ARTICLE if at == 0 else None
    if here is not None and (kind, key) == here[:2] and at > here[2]:
        return Link.LISTING
    return None
