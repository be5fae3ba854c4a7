"""Reddit's JSON: subreddit listings → threads (`/comments/ID/.json`) → `/api/morechildren`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar
from urllib.parse import urlencode, urlsplit, urlunsplit

from scrapy.http import Request, Response, TextResponse

from archiver.contract import Link
from archiver.crawl.spider import NewsSpider
from archiver.extract.dates import within
from archiver.extract.jsonapi import as_dict, as_list, epoch_iso, read_json, text
from archiver.platforms.reddit.page import (
    MORECHILDREN,
    bare_id,
    children,
    is_morechildren,
    link_of,
    parse_page,
    thread_ids,
    walk,
)

#: ids one morechildren request may ask for (Reddit's own limit)
BATCH = 100


class RedditPlatform(NewsSpider):
    # No default: `archiver crawl reddit --url https://www.reddit.com/r/Python/` (or a thread,
    # or a mirror's); any URL is read as its JSON.
    default_urls: ClassVar[list[str]] = []

    parse_page = staticmethod(parse_page)

    async def start(self) -> Any:  # noqa: ANN401 - Scrapy's async-generator protocol
        for url in self.start_urls:
            yield self.request(json_url(url), Link.START)

    def follow(self, response: Response) -> Iterator[Request]:
        """A thread's (or an expansion's) `more` stubs; a listing's threads and next page."""
        data = read_json(response) if isinstance(response, TextResponse) else None
        if is_morechildren(response.url):
            things = as_list(as_dict(as_dict(as_dict(data).get("json")).get("data")).get("things"))
            link_id = link_of(response.url) or ""
            yield from self._expand(
                response.url, link_id, [t for t in things if isinstance(t, dict)]
            )
        elif isinstance(data, list) and len(data) == 2:
            link_id = thread_ids(response.url)[0] or ""
            yield from self._expand(response.url, link_id, list(walk(children(data[1]))))
        elif isinstance(data, dict):
            yield from self._from_listing(response.url, data)

    def _expand(self, url: str, link_id: str, things: list[dict[str, Any]]) -> Iterator[Request]:
        """Morechildren requests for the stubs' ids, sorted so a recrawl asks the same URLs;
        a "continue this thread" stub (no ids) is fetched as its parent's permalink JSON."""
        ids: set[str] = set()
        for stub in (as_dict(t.get("data")) for t in things if t.get("kind") == "more"):
            found = [i for i in as_list(stub.get("children")) if isinstance(i, str) and i.strip()]
            parent = bare_id(stub.get("parent_id"))
            if found:
                ids.update(found)
            elif parent and link_id:
                yield self.request(_on(url, f"/comments/{link_id}/_/{parent}/.json"), Link.COMMENTS)
        ordered = sorted(ids)
        for start in range(0, len(ordered), BATCH):
            query = {
                "api_type": "json",
                "link_id": f"t3_{link_id}",
                "children": ",".join(ordered[start : start + BATCH]),
            }
            yield self.request(
                _on(url, MORECHILDREN) + "?" + urlencode(query, safe=","), Link.COMMENTS
            )

    def _from_listing(self, url: str, listing: dict[str, Any]) -> Iterator[Request]:
        """A subreddit's posts created since `--since`, and its next page while any is."""
        posts = [as_dict(t.get("data")) for t in children(listing) if t.get("kind") == "t3"]
        recent = [p for p in posts if within(epoch_iso(p.get("created_utc")), self.since)]
        for post in recent:
            permalink = text(post.get("permalink"))
            if permalink:
                yield self.request(json_url(_on(url, urlsplit(permalink).path)), Link.ARTICLE)
        after = text(as_dict(listing.get("data")).get("after"))
        if after and recent:
            parts = urlsplit(url)
            yield self.request(
                urlunsplit(parts._replace(query=urlencode({"after": after}))), Link.LISTING
            )


def json_url(url: str) -> str:
    """A thread or subreddit URL as its JSON: the same path ending in `.json`."""
    parts = urlsplit(url)
    if parts.path.endswith(".json") or is_morechildren(url):
        return url
    path = parts.path.rstrip("/") + "/.json" if parts.path.strip("/") else "/.json"
    return urlunsplit(parts._replace(path=path))


def _on(url: str, path: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))
