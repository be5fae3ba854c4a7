"""XenForo forums (any host): `archiver crawl xenforo --url https://forum.example/threads/x.1/`."""

from archiver.platforms.xenforo import XenforoPlatform, parse_page


class XenforoSpider(XenforoPlatform):
    name = "xenforo"


__all__ = ["XenforoSpider", "parse_page"]
