"""Slashdot (D2 "classic" discussion pages): a story with all its comments.

Site quirks this parser works around:
- Three kinds of `li.comment[id^=tree_]`: "full" (subject, author, date, body),
  "oneline" (no date, body cut short, ending in `span.substr`) and "hidden"
  (below the reader's threshold: an empty shell). Every one of them, hidden ones
  included, has an entry in the inline `D2.comments({...})` script, a JavaScript
  object literal (unquoted keys): its `pid` (0 for a top-level comment) gives the
  tree, `points` the score, `uid` the author's user id.
- A hidden comment shows no author; its `uid` is matched with the name shown on
  another comment by the same user (user 666 is the Anonymous Coward).
- Dates read "on Tuesday December 31, 2013 @09:50AM", US Eastern time.
- Quotes are `div.quote` without attribution; the moderation label after the
  score ("Score:5, Insightful") is kept as the comment's moderation note.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from parsel import Selector, SelectorList
from scrapy.http import TextResponse

from archiver.crawl.spider import NewsSpider
from archiver.extract.dates import capture_time, parse_site_date
from archiver.extract.text import clean_text, html_to_text, normalize_for_match
from archiver.items import Article, Comment, Item, Quote

SITE = "slashdot"
TIMEZONE = "America/New_York"
_D2_COMMENTS = re.compile(r"D2\.comments\((\{.*?\})\);", re.DOTALL)
_DISCUSSION_ID = re.compile(r"D2\.discussion_id\((\d+)\)")
# A JS string literal, or a bare object key to be quoted for JSON.
_JS_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|([A-Za-z_$][\w$]*|\d+)(?=\s*:)')
_POSTED = re.compile(r"\bon\s+(\w+day\s+\w+\s+\d{1,2},\s+\d{4}\s+@\d{1,2}:\d{2}\s*[AP]M)")
_MODERATION = re.compile(r"Score:\s*-?\d+\s*,\s*([^)]+)\)")


@dataclass(frozen=True)
class _Thread:
    article_id: str
    story_text: str  # the story's text, normalized, to tell its quotes from a comment's
    tree: dict[str, dict[str, Any]]  # D2.comments by comment id
    names: dict[str, str]  # author name by user id
    now: datetime


def parse_page(response: TextResponse) -> Iterator[Item]:
    """A story page yields its story, then every comment of the thread with its quotes."""
    story = response.css("article[data-fhtype='story']")
    discussion = _DISCUSSION_ID.search(response.text)
    if not story or not discussion:
        return  # a listing page: the spider follows its links
    article = _story(response, story[0], discussion.group(1))
    yield article
    nodes = response.css("li.comment[id^='tree_']")
    tree = d2_comments(response.text)
    thread = _Thread(
        article_id=article.site_article_id,
        story_text=normalize_for_match(article.body_text or ""),
        tree=tree,
        names=_names_by_uid(nodes, tree),
        now=capture_time(response),
    )
    for index, node in enumerate(nodes, start=1):
        yield from _comment(node, index, thread)


def d2_comments(page_text: str) -> dict[str, dict[str, Any]]:
    """The `D2.comments({...})` data by comment id: uid, pid, points, kids, subject."""
    found = _D2_COMMENTS.search(page_text)
    if not found:
        return {}
    as_json = _JS_TOKEN.sub(lambda m: f'"{m.group(1)}"' if m.group(1) else m.group(0), found[1])
    return {str(cid): data for cid, data in json.loads(as_json.replace("\\'", "'")).items()}


def _story(response: TextResponse, story: Selector, discussion_id: str) -> Article:
    body = story.css("div.body div.p")
    title = story.css("h2.story span[id^='title-'] a")
    count = response.css("span.totalcommentcnt::text").get()
    return Article(
        site=SITE,
        site_article_id=discussion_id,
        url=response.url,
        canonical_url=response.css('link[rel="canonical"]::attr(href)').get(),
        title=clean_text(title.xpath("string()").get()),
        author=clean_text(story.css("header div.details > a").xpath("string()").get()),
        published=_date(response, story.css("header time::attr(datetime)").get()),
        body_html=body.get(),
        body_text=html_to_text(body[0]) if body else None,
        tags=story.css("header span.topic img::attr(alt)").getall(),
        comment_count=int(count) if count and count.strip().isdigit() else None,
    )


def _comment(node: Selector, index: int, thread: _Thread) -> Iterator[Item]:
    """One comment (full, oneline or hidden) and the quotes in its body."""
    cid = node.attrib["id"].removeprefix("tree_")
    data = thread.tree.get(cid, {})
    body = node.css(f"#comment_body_{cid}")
    quotes = [html_to_text(q) for q in body.css("div.quote")]
    score_label = node.css(f"#comment_score_{cid}").xpath("string()").get() or ""
    moderation = _MODERATION.search(score_label)
    details = node.css(f"#comment_otherdetails_{cid}").xpath("string()").get()
    parent = str(data.get("pid") or "")
    yield Comment(
        site=SITE,
        site_comment_id=cid,
        site_article_id=thread.article_id,
        author=_author(node, cid) or thread.names.get(str(data.get("uid"))),
        posted=_posted(details, thread.now),
        body_html=body.get() or "",
        body_text=_text_without_quotes(body),
        parent_site_comment_id=parent if parent and parent != "0" else None,
        index=index,
        score=data.get("points"),
        moderation=moderation.group(1).strip() if moderation else None,
    )
    for ordinal, text in enumerate(filter(None, quotes), start=1):
        of_story = bool(thread.story_text) and normalize_for_match(text) in thread.story_text
        yield Quote(SITE, cid, text, "article" if of_story else "comment", ordinal=ordinal)


def _author(node: Selector, cid: str) -> str | None:
    """The name after "by": a user link, or plain text for the Anonymous Coward."""
    by = node.css(f"#comment_top_{cid} span.by")
    if not by:
        return None
    linked = by.xpath("./a[1]").xpath("string()").get()
    return clean_text(linked or "".join(by.xpath("./text()").getall()))


def _names_by_uid(nodes: SelectorList, tree: dict[str, dict[str, Any]]) -> dict[str, str]:
    """User id -> name, from the comments that show their author."""
    names: dict[str, str] = {}
    for node in nodes:
        cid = node.attrib["id"].removeprefix("tree_")
        name = _author(node, cid)
        uid = tree.get(cid, {}).get("uid")
        if name and uid is not None:
            names.setdefault(str(uid), name)
    return names


def _posted(details: str | None, now: datetime) -> str | None:
    found = _POSTED.search(details or "")
    return parse_site_date(found.group(1), now=now, tz=TIMEZONE) if found else None


def _text_without_quotes(body: SelectorList) -> str:
    if not body:
        return ""
    kept = body.xpath("node()[not(self::div[contains(@class, 'quote')])]").getall()
    return html_to_text("".join(kept))


def _date(response: TextResponse, value: str | None) -> str | None:
    return parse_site_date(value, now=capture_time(response), tz=TIMEZONE)


class SlashdotSpider(NewsSpider):
    name = "slashdot"
    default_urls = ["https://slashdot.org/"]
    # The story title links, on the front page as on a story page (where it is the page itself).
    article_links = "article[data-fhtype='story'] h2.story span[id^='title-'] a::attr(href)"
    parse_page = staticmethod(parse_page)
