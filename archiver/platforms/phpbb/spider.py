"""Finding a phpBB board's topics and their pages (see archiver.platforms.forum.spider)."""

from __future__ import annotations

from scrapy.http import HtmlResponse, TextResponse

from archiver.extract.html import Doc
from archiver.platforms.forum.spider import ForumPlatform
from archiver.platforms.phpbb.page import locate, parse_page, topic_id


def thread_of(response: TextResponse) -> str | None:
    """The topic a page shows; None on a forum listing (`viewforum.php`)."""
    if not isinstance(response, HtmlResponse):
        return None
    found = locate(response.url)
    if found is not None and found[0] == "forum":
        return None
    return topic_id(Doc(response.selector.root), response.url)


class PhpbbPlatform(ForumPlatform):
    """`--url` a forum (`viewforum.php?f=ID`) or a topic (`viewtopic.php?t=ID`)."""

    parse_page = staticmethod(parse_page)
    locate = staticmethod(locate)
    thread_of = staticmethod(thread_of)
