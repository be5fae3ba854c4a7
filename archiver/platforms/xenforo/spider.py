"""Finding a XenForo forum's threads and their pages (see archiver.platforms.forum.spider)."""

from __future__ import annotations

from scrapy.http import HtmlResponse, TextResponse

from archiver.extract.html import Doc
from archiver.platforms.forum.spider import ForumPlatform
from archiver.platforms.xenforo.page import locate, parse_page, thread_id


def thread_of(response: TextResponse) -> str | None:
    if not isinstance(response, HtmlResponse):
        return None
    return thread_id(Doc(response.selector.root), response.url)


class XenforoPlatform(ForumPlatform):
    """`--url` a forum (`/forums/slug.ID/`) or a thread (`/threads/slug.ID/`)."""

    parse_page = staticmethod(parse_page)
    locate = staticmethod(locate)
    thread_of = staticmethod(thread_of)
