"""Which spider reads a page found in another tool's archive: told by the page itself.

A page imported from a wget, Heritrix or Wayback WARC comes with no spider. Hosts
whose platform is known come first, then what a platform prints on every page of
any site (WordPress's REST API link and generator, SPIP's generator, Discourse's and
Lemmy's JSON, Hacker News's markup, the forum engines'); any other HTML page is read
by the generic `article` spider (JSON-LD / microdata comments). What is no HTML or
JSON page is read by none.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from scrapy.http import Response, TextResponse

from archiver.extract.urls import original_url

#: hosts whose platform is known whatever their pages show
HOSTS = {
    "news.ycombinator.com": "hackernews",
    "slashdot.org": "slashdot",
    "next.ink": "next_ink",
    "netzpolitik.org": "netzpolitik",
    "regards.fr": "regards",
    "lobste.rs": "lobsters",
    "reddit.com": "reddit",
}

_HEAD = 65536  # what a platform prints in a page's head comes early
_WORDPRESS = re.compile(
    rb'rel=["\']https://api\.w\.org/["\']|<meta[^>]+content=["\']WordPress|/wp-content/'
    rb"|/wp-includes/",
    re.IGNORECASE,
)
_SPIP = re.compile(rb'<meta[^>]+name=["\']generator["\'][^>]+content=["\']SPIP', re.IGNORECASE)
_HACKERNEWS = re.compile(rb'class="(?:comhead|subtext|hnuser|titleline)"|news\.ycombinator\.com')
_DISCOURSE = re.compile(rb'"post_stream"\s*:|"topic_list"\s*:')
_XENFORO = re.compile(rb'<html[^>]+id="XF"|data-xf-init=')
_SMF = re.compile(rb"var smf_|Powered by SMF", re.IGNORECASE)
_PHPBB = re.compile(rb"/viewtopic\.php|/viewforum\.php")


def platform_of(response: Response) -> str | None:
    """The spider that reads this page, or None when none does."""
    host = (urlsplit(original_url(response.url)).hostname or "").removeprefix("www.")
    for known, spider in HOSTS.items():
        if host == known or host.endswith("." + known):
            return spider
    if not isinstance(response, TextResponse):
        return None
    head = response.body[:_HEAD]
    content_type = response.headers.get("Content-Type", b"").lower()
    if b"json" in content_type:
        if b"/wp-json/" in response.url.encode() or b"rest_route=" in response.url.encode():
            return "wordpress"
        if re.search(r"/api/(?:v3|alpha)/(?:post|comment)", urlsplit(response.url).path):
            return "lemmy"
        return "discourse" if _DISCOURSE.search(head) else None
    sniffed = head.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html"))
    if b"html" not in content_type and not (not content_type and sniffed):
        return None  # a feed, a sitemap, an image, a script...
    if _WORDPRESS.search(head) or _WORDPRESS.search(response.body[-_HEAD:]):
        return "wordpress"
    if _SPIP.search(head):
        return "regards"
    if _HACKERNEWS.search(head):
        return "hackernews"
    return _forum(response) or "article"


def _forum(response: TextResponse) -> str | None:
    """The forum engines, by their own markup (XenForo, SMF) or their scripts' names (phpBB)."""
    if _XENFORO.search(response.body[:_HEAD]):
        return "xenforo"
    if _SMF.search(response.body):
        return "smf"
    if _PHPBB.search(urlsplit(original_url(response.url)).path.encode()):
        return "phpbb"
    return None
