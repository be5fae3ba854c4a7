"""Finding an SMF forum's topics and their pages (see archiver.platforms.forum.spider)."""

from __future__ import annotations

from scrapy.http import HtmlResponse, TextResponse

from archiver.extract.html import Doc
from archiver.platforms.forum.spider import ForumPlatform
from archiver.platforms.smf.page import locate, parse_page, topic_id


def thread_of(response: TextResponse) -> str | None:
    """The topic a page shows; None on a board's topic list."""
    if not isinstance(response, HtmlResponse):
        return None
    return topic_id(Doc(response.selector.root), response.url)


class SmfPlatform(ForumPlatform):
    """`--url` a board (`index.php/board,ID.0.html`) or a topic (`index.php/topic,ID.0.html`)."""

    parse_page = staticmethod(parse_page)
    locate = staticmethod(locate)
    thread_of = staticmethod(thread_of)
