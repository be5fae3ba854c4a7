"""Finding a phpBB board's topics and their pages (see archiver.platforms.forum.spider)."""

from __future__ import annotations

from archiver.platforms.forum.spider import ForumPlatform
from archiver.platforms.phpbb.page import locate, parse_page, topic_id


class PhpbbPlatform(ForumPlatform):
    """`--url` a forum (`viewforum.php?f=ID`) or a topic (`viewtopic.php?t=ID`)."""

    parse_page = staticmethod(parse_page)
    locate = staticmethod(locate)
    thread_id = staticmethod(topic_id)
