"""Finding a XenForo forum's threads and their pages (see archiver.platforms.forum.spider)."""

from __future__ import annotations

from archiver.platforms.forum.spider import ForumPlatform
from archiver.platforms.xenforo.page import locate, parse_page, thread_id


class XenforoPlatform(ForumPlatform):
    """`--url` a forum (`/forums/slug.ID/`) or a thread (`/threads/slug.ID/`)."""

    parse_page = staticmethod(parse_page)
    locate = staticmethod(locate)
    thread_id = staticmethod(thread_id)
