"""Lobsters: listings (front page, /newest, /page/N, or their .json) → story pages → their JSON."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar
from urllib.parse import urlsplit, urlunsplit

from scrapy.http import Request, Response, TextResponse

from archiver.contract import Link
from archiver.crawl.spider import NewsSpider
from archiver.extract.dates import iso_or_none, within
from archiver.extract.jsonapi import as_dict, read_json, text
from archiver.platforms.lobsters.page import is_json, parse_page, story_id


class LobstersPlatform(NewsSpider):
    # Any mirror or a local server instead: `archiver crawl lobsters --url http://127.0.0.1:8000/`.
    default_urls: ClassVar[list[str]] = ["https://lobste.rs/"]
    # The comment count's link on a listing leads to the story page, whatever the story links.
    article_links = "li.story[data-shortid] span.comments_label a::attr(href)"
    next_listing = "div.morelink a::attr(href)"

    parse_page = staticmethod(parse_page)

    def follow(self, response: Response) -> Iterator[Request]:
        """A story page's JSON; a listing's stories (and an HTML listing's next page)."""
        short_id = story_id(response.url)
        if short_id and not is_json(response):
            # Archived after the page, so its rows (the comments source) are saved last.
            yield self.request(_on(response.url, f"/s/{short_id}.json"), Link.COMMENTS)
        elif is_json(response) and isinstance(response, TextResponse):
            yield from self._from_json_listing(response)
        elif not short_id:
            yield from super().follow(response)

    def _from_json_listing(self, response: TextResponse) -> Iterator[Request]:
        data = read_json(response)
        for story in data if isinstance(data, list) else []:
            story = as_dict(story)
            found = story_id(text(story.get("comments_url")) or "") or text(story.get("short_id"))
            if found and within(iso_or_none(text(story.get("created_at"))), self.since):
                path = urlsplit(text(story.get("comments_url")) or f"/s/{found}").path
                yield self.request(_on(response.url, path), Link.ARTICLE)


def _on(url: str, path: str) -> str:
    """`path` on the host `url` came from: a mirror's links stay on the mirror."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))
