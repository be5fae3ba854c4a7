"""Finding a WordPress site's posts: sitemaps, REST API, feed, home pagination, comment pages.

What a fetched page is (a sitemap, a feed, a REST answer, an HTML page) is read from
the response itself, never from the request that asked for it: a page read again
offline, or by a crawl that resumes, yields the same links.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

from parsel import Selector
from scrapy.http import Request, Response, TextResponse
from scrapy.utils.sitemap import Sitemap
from twisted.python.failure import Failure

from archiver.contract import Link, Meta
from archiver.crawl.spider import NewsSpider
from archiver.extract.dates import iso_or_none, to_utc_iso, within
from archiver.extract.html import Doc
from archiver.extract.urls import absolute
from archiver.items import FetchError
from archiver.platforms.wordpress.comments import COMMENT_ID
from archiver.platforms.wordpress.page import parse_page
from archiver.platforms.wordpress.post import (
    displayed_count,
    find_post_id,
    page_number,
    post_path,
    url_comment_page,
)
from archiver.platforms.wordpress.rest import comments_url, is_rest_comments, next_page_url

REST_POSTS = re.compile(r"/wp-json/wp/v2/posts/?$|[?&]rest_route=/wp/v2/posts")
_XML_ROOT = re.compile(rb"<(?:[\w-]+:)?(urlset|sitemapindex|rss|feed|RDF)\b")
# Post indexes answered by a status that means "not here": try the next one.
_MISSING = (401, 403, 404, 410)


def page_kind(response: TextResponse) -> str:
    """What a response is to this spider: "sitemap", "feed", "rest" (posts), "comments-api",
    "html" or "other"."""
    content_type = response.headers.get("Content-Type", b"").lower()
    if b"json" in content_type:
        if is_rest_comments(response.url):
            return "comments-api"
        return "rest" if REST_POSTS.search(urlsplit(response.url).path) else "other"
    if b"html" in content_type:
        return "html"
    root = _XML_ROOT.search(response.body[:4096])
    if root is None:
        return "html" if b"xml" not in content_type else "other"
    return "sitemap" if root.group(1) in (b"urlset", b"sitemapindex") else "feed"


class WordpressPlatform(NewsSpider):
    """Posts from sitemaps, the REST API, the feed and home pagination; then their comment pages."""

    parse_page = staticmethod(parse_page)
    article_links = ".entry-title a::attr(href), a[rel~='bookmark']::attr(href)"
    next_listing = "a.next.page-numbers::attr(href), .nav-previous a::attr(href)"
    listing_dates = "[id^='post-'] time.entry-date::attr(datetime)"

    def follow(self, response: Response) -> Iterator[Request]:
        if isinstance(response, TextResponse):
            yield from (r for r in self._links(response) if r is not None)

    def _links(self, response: TextResponse) -> Iterator[Request | None]:
        kind = page_kind(response)
        if kind == "sitemap":
            yield from self._from_sitemap(response)
        elif kind == "feed":
            yield from self._from_feed(response)
        elif kind == "rest":
            yield from self._from_rest(response)
        elif kind == "comments-api":
            later = next_page_url(response)
            yield self._request(response, later, **{Meta.LINK: Link.COMMENTS}) if later else None
        elif kind != "html":
            return
        elif (post := find_post_id(doc := Doc(response.selector.root))) is not None:
            yield from self._comment_pages(response, doc)
            yield from self._comments_from_api(response, doc, post)
        elif not self._listing_too_old(response):
            yield from self._from_listing(response)

    def _request(
        self, response: Response, url: str, index: bool = False, **meta: Any
    ) -> Request | None:
        """A request for a page worth fetching: never a reply form or a comment feed.

        `index`: a sitemap, feed or REST page (a listing of posts), not a post.
        """
        url = response.urljoin(url).split("#")[0]
        query = parse_qs(urlsplit(url).query)
        path = urlsplit(url).path
        if "replytocom" in query or (not index and re.search(r"/feed/?$", path)):
            self.crawler.stats.inc_value("archiver/wordpress/not_followed")
            return None
        link = Link.LISTING if index else Link.COMMENTS if url_comment_page(url) else None
        request = self.web_request(url, link or meta.pop(Meta.LINK, Link.ARTICLE))
        if request is not None:
            request.meta.update(meta)
        return request

    def _comment_pages(self, response: TextResponse, doc: Doc) -> Iterator[Request | None]:
        """The post's other comment pages, from its comment navigation; never permalinks."""
        own = page_number(doc, response.url)
        post = post_path(response.url)
        # Only links naming a comment page, not permalinks: joining a page's hundreds of
        # other links cost ~20 ms a page.
        links = ", ".join(
            f"a[href*='{name}']:not([href*='#comment-'])::attr(href)"
            for name in ("comment-page-", "cpage=")
        )
        for href in response.css(links).getall():
            url = absolute(response.url, href)
            number = url_comment_page(url) if url else None
            if (
                number is not None
                and number != own
                and post_path(url) == post
                and not urlsplit(url).fragment.startswith("comment-")
            ):
                yield self._request(response, url)

    def _comments_from_api(
        self, response: TextResponse, doc: Doc, post: str
    ) -> Iterator[Request | None]:
        """The post's comments through the REST API, when its page shows a count its
        markup does not hold: no comment id at all (a theme that hides them), or fewer
        ids than the count on an unpaginated thread. Asked once, from the post's own URL."""
        api = doc.attr("link", "href", rel="https://api.w.org/")
        shown = displayed_count(doc)
        if not api or not shown or url_comment_page(response.url) is not None:
            return
        ids = {found.group(1) for value, _ in doc.with_ids if (found := COMMENT_ID.match(value))}
        paginated = bool(response.css("a[href*='comment-page-'], a[href*='cpage=']"))
        if not ids or (not paginated and len(ids) < shown):
            self.crawler.stats.inc_value("archiver/wordpress/comments_from_api")
            url = comments_url(response.urljoin(api), post)
            yield self._request(response, url, **{Meta.LINK: Link.COMMENTS})

    def _from_listing(self, response: TextResponse) -> Iterator[Request | None]:
        entries = response.css("article[id^='post-'], div[id^='post-']")
        for entry in entries:
            published = iso_or_none(entry.css(self.listing_dates.split("] ", 1)[1]).get())
            link = entry.css(self.article_links).get()
            if link and within(published, self.since):
                yield self._request(response, link)
        if not entries:
            for href in response.css(self.article_links).getall():
                yield self._request(response, href)
        for href in response.css(self.next_listing).getall():
            yield self._request(response, href, **{Meta.LINK: Link.LISTING})
        if self.is_start(response):
            yield from self._discover(response)

    def _discover(self, response: TextResponse) -> Iterator[Request | None]:
        """From the site's home page: the feed, and the first post index that answers.

        Core's `wp-sitemap.xml`, else Yoast's `sitemap_index.xml`, else the REST API;
        one that is missing is recorded as a fetch error (as `reparse` would record
        its capture) and the next is tried.
        """
        api = response.css('link[rel="https://api.w.org/"]::attr(href)').get()
        root = response.urljoin(api.split("wp-json")[0] if api else "/")
        indexes = [urljoin(root, "wp-sitemap.xml"), urljoin(root, "sitemap_index.xml")]
        if api:
            indexes.append(self._rest_url(urljoin(response.urljoin(api), "wp/v2/posts"), 1))
        yield self._index_request(response, indexes)
        feed = response.css('link[rel="alternate"][type="application/rss+xml"]::attr(href)').get()
        if feed:
            yield self._request(response, feed, index=True)

    def _index_request(self, response: Response, indexes: list[str]) -> Request | None:
        if not indexes:
            return None
        fallbacks = {Meta.INDEX_FALLBACKS: indexes[1:]}
        request = self._request(response, indexes[0], index=True, **fallbacks)
        if request is not None:
            request.errback = self._on_index_error
        return request

    def _rest_url(self, endpoint: str, page: int) -> str:
        query = {"per_page": 100, "page": page, "_fields": "id,link"}
        if self.since:
            query["after"] = self.since.isoformat()
        return f"{endpoint}?{urlencode(query)}"

    def _from_rest(self, response: TextResponse) -> Iterator[Request | None]:
        try:
            posts = json.loads(response.text)
        except ValueError:
            return
        for post in posts if isinstance(posts, list) else []:
            if isinstance(post, dict) and isinstance(post.get("link"), str):
                yield self._request(response, post["link"])
        page = parse_qs(urlsplit(response.url).query).get("page", ["1"])[0]
        total = response.headers.get("X-WP-TotalPages", b"1") or b"1"
        if page.isdigit() and total.isdigit() and int(page) < int(total):
            endpoint = response.url.split("?", 1)[0]
            yield self._request(response, self._rest_url(endpoint, int(page) + 1), index=True)

    def _from_sitemap(self, response: TextResponse) -> Iterator[Request | None]:
        """Post URLs of a sitemap (core `wp-sitemap.xml` or Yoast's `sitemap_index.xml`)."""
        try:
            sitemap = Sitemap(response.body)
        except (ValueError, TypeError, AttributeError):
            return
        for entry in sitemap:
            loc = entry.get("loc", "")
            if sitemap.type == "sitemapindex":
                # Posts only: users, taxonomies and pages hold no comment threads worth a walk.
                if re.search(r"posts-post-|/post-sitemap", loc):
                    yield self._request(response, loc, index=True)
            elif within(iso_or_none(entry.get("lastmod")), self.since):
                yield self._request(response, loc)

    def _from_feed(self, response: TextResponse) -> Iterator[Request | None]:
        """Post links of an RSS or Atom feed, skipping those published before `--since`."""
        feed = Selector(text=response.text, type="xml")
        feed.remove_namespaces()
        for item in feed.xpath("//item | //entry"):
            link = item.xpath("link/text() | link[not(@rel) or @rel='alternate']/@href").get()
            if link and link.strip() and within(_feed_date(item), self.since):
                yield self._request(response, link.strip())

    def _on_index_error(self, failure: Failure) -> Iterator[FetchError | Request]:
        """A post index that is missing or closed: record it, then try the next one."""
        yield from self.on_error(failure)
        response = getattr(failure.value, "response", None)
        if response is not None and response.status in _MISSING:
            fallbacks = failure.request.meta.get(Meta.INDEX_FALLBACKS, [])
            request = self._index_request(response, fallbacks)
            if request is not None:
                yield request


def _feed_date(item: Selector) -> str | None:
    """An RSS item's pubDate (RFC 822) or an Atom entry's published date, in UTC ISO."""
    rss = item.xpath("pubDate/text()").get()
    if rss:
        try:
            return to_utc_iso(parsedate_to_datetime(rss))
        except (TypeError, ValueError):
            return None
    return iso_or_none(item.xpath("published/text()").get())
