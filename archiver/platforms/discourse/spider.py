"""Discourse forums' JSON API: a category's topics, a topic, the batches of its other posts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from scrapy.http import Request, Response, TextResponse

from archiver.contract import Link
from archiver.crawl.spider import NewsSpider
from archiver.extract.dates import parse_iso, within
from archiver.platforms.discourse.page import batch_urls, parse_page, read_json, topic_json_url


class DiscoursePlatform(NewsSpider):
    # No default forum: `archiver crawl discourse --url https://forum.example/c/news/5`.
    default_urls: ClassVar[list[str]] = []

    parse_page = staticmethod(parse_page)

    async def start(self) -> Any:  # noqa: ANN401 - Scrapy's async-generator protocol
        for url in self.start_urls:
            yield self.request(topic_json_url(url), Link.START)

    def follow(self, response: Response) -> Iterator[Request]:
        """A topic's missing posts in batches; a category's topics and its next page."""
        data = read_json(response) if isinstance(response, TextResponse) else {}
        if "post_stream" in data and "stream" in data["post_stream"]:
            for url in batch_urls(response.url, data):
                yield self.request(url, Link.COMMENTS)  # built from the topic's own URL
        else:
            yield from self._from_listing(response, data.get("topic_list") or {})

    def _from_listing(self, response: Response, listing: dict[str, Any]) -> Iterator[Request]:
        """Topics created since `--since`; the next page while it still has recent activity."""
        topics = listing.get("topics") or []
        for topic in topics:
            if topic.get("id") is not None and within(
                parse_iso(topic.get("created_at")), self.since
            ):
                yield self.request(response.urljoin(f"/t/{topic['id']}.json"), Link.ARTICLE)
        bumped = [parse_iso(t.get("bumped_at") or t.get("created_at")) for t in topics]
        more = listing.get("more_topics_url")
        if isinstance(more, str) and any(within(b, self.since) for b in bumped):
            request = self.web_request(topic_json_url(response.urljoin(more)), Link.LISTING)
            if request is not None:
                yield request
