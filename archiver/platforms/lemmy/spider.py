"""Lemmy's API (and PieFed's): a community's posts → a post → every page of its comments."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar
from urllib.parse import urlencode, urlsplit

from scrapy.http import Request, Response, TextResponse

from archiver.contract import Link
from archiver.crawl.spider import NewsSpider
from archiver.extract.dates import iso_or_none, within
from archiver.extract.jsonapi import as_dict, as_list, number, read_json, text
from archiver.platforms.lemmy.page import api_call, looping, on_host, page_number, parse_page, query

#: comments per list page (Lemmy's maximum)
LIMIT = 50


class LemmyPlatform(NewsSpider):
    # No default instance: `archiver crawl lemmy --url https://lemmy.example/post/123` (a post)
    # or `--url https://lemmy.example/c/technology` (a community's newest posts).
    default_urls: ClassVar[list[str]] = []
    #: where the instance answers its API; PieFed: `-s LEMMY_API=/api/alpha`
    api_root: ClassVar[str] = "/api/v3"

    parse_page = staticmethod(parse_page)

    async def start(self) -> Any:  # noqa: ANN401 - Scrapy's async-generator protocol
        root = self.settings.get("LEMMY_API") or self.api_root
        for url in self.start_urls:
            yield self.request(api_url(url, root), Link.START)

    def follow(self, response: Response) -> Iterator[Request]:
        """A post's first comment page; a comment page's next; a post listing's posts."""
        call = api_call(response.url)
        data = as_dict(read_json(response)) if isinstance(response, TextResponse) else {}
        if call is None or not data:
            return
        api, what = call
        if what == "post" and (
            post_id := number(as_dict(as_dict(data.get("post_view")).get("post")).get("id"))
        ):
            yield self.request(comments_url(response.url, api, str(post_id), "1"), Link.COMMENTS)
        elif what == "comment/list":
            yield from self._next_comments(response.url, api, data)
        elif what == "post/list":
            yield from self._from_listing(response.url, api, data)

    def _next_comments(self, url: str, api: str, data: dict[str, Any]) -> Iterator[Request]:
        """The page `next_page` names, else (Lemmy before cursors) the next number while
        pages come full; never a cursor naming the page itself (recorded by the parser)."""
        post_id = query(url, "post_id")
        comments = as_list(data.get("comments"))
        cursor = data.get("next_page")
        if not post_id or not comments or looping(url, cursor):
            return
        if isinstance(cursor, str | int) and str(cursor).strip():
            yield self.request(comments_url(url, api, post_id, str(cursor).strip()), Link.COMMENTS)
        elif "next_page" not in data and len(comments) >= int(query(url, "limit") or LIMIT):
            yield self.request(
                comments_url(url, api, post_id, str(page_number(url) + 1)), Link.COMMENTS
            )

    def _from_listing(self, url: str, api: str, data: dict[str, Any]) -> Iterator[Request]:
        """The posts published since `--since`, and the next page while any was."""
        posts = [as_dict(as_dict(v).get("post")) for v in as_list(data.get("posts"))]
        recent = [p for p in posts if within(iso_or_none(text(p.get("published"))), self.since)]
        for post in recent:
            if number(post.get("id")) is not None:
                yield self.request(on_host(url, f"{api}/post?id={post['id']}"), Link.ARTICLE)
        cursor = text(data.get("next_page"))
        if recent and cursor and not looping(url, cursor):
            name = query(url, "community_name") or ""
            yield self.request(listing_url(url, api, name, cursor), Link.LISTING)


def comments_url(url: str, api: str, post_id: str, page: str) -> str:
    """A page of a post's comments, oldest first (pages stay put as new ones arrive)."""
    paging = {"page": page} if page.isdigit() else {"page_cursor": page}
    params = {"post_id": post_id, "sort": "Old", "type_": "All", "limit": LIMIT, **paging}
    return on_host(url, f"{api}/comment/list") + "?" + urlencode(params)


def listing_url(url: str, api: str, community: str, page: str = "1") -> str:
    paging = {"page": page} if page.isdigit() else {"page_cursor": page}
    params = {"community_name": community, "sort": "New", "type_": "All", **paging}
    return on_host(url, f"{api}/post/list") + "?" + urlencode(params)


def api_url(url: str, api: str) -> str:
    """A post (`/post/ID`) or community (`/c/NAME`) page as its API call; an API URL as is."""
    if api_call(url):
        return url
    path = urlsplit(url).path
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 2 and parts[0] == "post" and parts[1].isdigit():
        return on_host(url, f"{api}/post?id={parts[1]}")
    if len(parts) >= 2 and parts[0] == "c":
        return listing_url(url, api, parts[1])
    return url
