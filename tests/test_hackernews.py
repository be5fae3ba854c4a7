"""Cross-checks of the hackernews parser against what the pages say in other ways.

The golden files pin the whole output; these tests check it against independent
evidence on the same pages: the number of comment rows, the `parent` links and
`[–]` descendant counts HN prints beside each comment, and the dates.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from parsel import Selector

from archiver.extract.responses import build_response
from archiver.items import Article, Comment
from archiver.registry import load_spider
from spiders.hackernews import parse_page

CASES = Path(__file__).parent / "sites" / "hackernews"
REAL = ["item_36817231_2023", "item_48350598_2026", "comment_permalink_48351450"]


def page_bytes(case: str, corpus: Path | None) -> bytes:
    meta = json.loads((CASES / case / "meta.json").read_text())
    if "corpus" in meta:
        return (corpus / meta["corpus"]).read_bytes()
    return (CASES / case / meta["body"]).read_bytes()


def parse(case: str, body: bytes) -> list:
    meta = json.loads((CASES / case / "meta.json").read_text())
    response = build_response(
        meta["url"], body, meta["headers"].items(), fetched_at=meta["fetched_at"]
    )
    return list(parse_page(response))


@pytest.fixture(params=REAL)
def real(request, corpus):
    """(case, the page as a parsel Selector, the parser's items) for each real page."""
    body = page_bytes(request.param, corpus)
    return request.param, Selector(text=body.decode("utf-8")), parse(request.param, body)


def comments(items: list) -> list[Comment]:
    return [item for item in items if isinstance(item, Comment)]


def utc(moment: str) -> datetime:
    assert moment.endswith("Z"), moment
    return datetime.fromisoformat(moment)


def test_one_comment_per_row(real):
    case, page, items = real
    rows = page.css("tr.athing.comtr")
    # A permalink page shows its comment in the fatitem, as a plain tr.athing.
    fatitem_comment = page.css("table.fatitem tr.athing:not(.comtr) div.comment")
    assert len(comments(items)) == len(rows) + len(fatitem_comment)
    ids = [c.site_comment_id for c in comments(items)]
    assert len(set(ids)) == len(ids)


def test_comment_count_matches_the_story_line(real):
    case, page, items = real
    story = next(item for item in items if isinstance(item, Article))
    # A permalink page does not show its story's comment count.
    assert story.comment_count == (None if story.stub else len(comments(items)))


def test_parents_agree_with_parent_links(real):
    case, page, items = real
    depths = [int(d) for d in page.css("tr.athing.comtr td.ind::attr(indent)").getall()]
    # Depth never jumps by more than one, so the indents alone decide every parent.
    assert depths[0] == 0
    assert all(b <= a + 1 for a, b in zip(depths, depths[1:], strict=False))
    parsed = {c.site_comment_id: c.parent_site_comment_id for c in comments(items)}
    checked = 0
    for row in page.css("tr.athing.comtr"):
        href = row.xpath(".//span[@class='navs']/a[text()='parent']/@href").get()
        if href:
            assert parsed[row.attrib["id"]] == href.rsplit("#", 1)[-1]
            checked += 1
    assert checked > 0


def test_descendant_counts_agree_with_the_tree(real):
    """HN's collapse toggle `[–]` carries n = the comment and all its descendants."""
    case, page, items = real
    parents = {c.site_comment_id: c.parent_site_comment_id for c in comments(items)}
    subtree = Counter()
    for comment_id in parents:
        node: str | None = comment_id
        while node is not None:
            subtree[node] += 1
            node = parents[node]
    for toggle in page.css("tr.athing.comtr a.togg"):
        assert subtree[toggle.attrib["id"]] == int(toggle.attrib["n"]), toggle.attrib["id"]


def test_comments_come_after_what_they_answer(real):
    case, page, items = real
    story = next(item for item in items if isinstance(item, Article))
    by_id = {c.site_comment_id: c for c in comments(items)}
    for comment in by_id.values():
        posted = utc(comment.posted)
        if story.published:
            assert posted > utc(story.published)
        if comment.parent_site_comment_id:
            assert posted > utc(by_id[comment.parent_site_comment_id].posted)


def test_page_without_parent_links_leaves_the_unknown_parent_empty():
    """A continuation page opening on a reply: without a `parent` link it cannot be known."""
    body = page_bytes("edge_cases_p2", None).replace(
        b' | <a href="#40000150" class="clicky" aria-hidden="true">parent</a>', b""
    )
    first = comments(parse("edge_cases_p2", body))[0]
    assert (first.site_comment_id, first.parent_site_comment_id) == ("40000201", None)


def test_spider_name_is_its_file_name():
    spider = load_spider("hackernews")
    assert spider.__name__ == "HackernewsSpider"
    assert Path(sys.modules[spider.__module__].__file__).stem == spider.name
    assert spider.parse_page is parse_page
