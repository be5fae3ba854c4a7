"""Finding an SMF forum's topics and their pages (see archiver.platforms.forum.spider)."""

from __future__ import annotations

from archiver.platforms.forum.spider import ForumPlatform
from archiver.platforms.smf.page import locate, parse_page, topic_id


class SmfPlatform(ForumPlatform):
    """`--url` a board (`index.php/board,ID.0.html`) or a topic (`index.php/topic,ID.0.html`)."""

    parse_page = staticmethod(parse_page)
    locate = staticmethod(locate)
    thread_id = staticmethod(topic_id)
