"""Cross-checks of the hackernews parser against what the pages say in other ways.

The golden files pin the whole output; these tests check it against independent
evidence on the same pages: the comments counted in each golden's meta.json, the
spacer widths and ages read from the raw bytes with regular expressions, the
`parent` links and `[–]` descendant counts HN prints beside each comment, and
the same pages minified or rewritten as a Wayback Machine capture.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urljoin

import pytest
from parsel import Selector
from scrapy.http import Request

from archiver.extract.responses import build_response
from archiver.items import Article, Comment
from archiver.registry import load_spider
from spiders.hackernews import HackernewsSpider, parse_page

CASES = Path(__file__).parent / "sites" / "hackernews"
ALL = sorted(p.name for p in CASES.iterdir() if (p / "meta.json").is_file())
REAL = [case for case in ALL if "corpus" in json.loads((CASES / case / "meta.json").read_text())]
WAYBACK = "https://web.archive.org/web/20190101000000/"


def meta_of(case: str) -> dict:
    return json.loads((CASES / case / "meta.json").read_text())


def page_bytes(case: str, corpus: Path | None) -> bytes:
    meta = meta_of(case)
    if "corpus" in meta:
        return (corpus / meta["corpus"]).read_bytes()
    return (CASES / case / meta["body"]).read_bytes()


def parse(case: str, body: bytes, url: str | None = None) -> list:
    meta = meta_of(case)
    response = build_response(
        url or meta["url"], body, meta["headers"].items(), fetched_at=meta["fetched_at"]
    )
    return list(parse_page(response))


def comments(items: list) -> list[Comment]:
    return [item for item in items if isinstance(item, Comment)]


def story_of(items: list) -> Article | None:
    return next((item for item in items if isinstance(item, Article)), None)


def utc(moment: str) -> datetime:
    assert moment.endswith("Z"), moment
    return datetime.fromisoformat(moment)


@pytest.fixture(params=REAL)
def real(request, corpus):
    """(case, the page as a parsel Selector, the parser's items) for each real page."""
    body = page_bytes(request.param, corpus)
    return request.param, Selector(text=body.decode("utf-8")), parse(request.param, body)


@pytest.fixture(params=ALL)
def case_items(request):
    """(case, its meta, the parser's items) for every golden, hand-written ones included."""
    corpus = request.getfixturevalue("corpus") if "corpus" in meta_of(request.param) else None
    return (
        request.param,
        meta_of(request.param),
        parse(request.param, page_bytes(request.param, corpus)),
    )


def test_every_golden_finds_the_comments_counted_by_hand(case_items):
    case, meta, items = case_items
    counted = meta["counted"]
    assert counted["method"]
    found = comments(items)
    assert len(found) == counted["comments"], counted.get("notes")
    expected = json.loads((CASES / case / "expected.json").read_text())
    assert sum(item["type"] == "Comment" for item in expected) == counted["comments"]
    ids = [c.site_comment_id for c in found]
    assert len(set(ids)) == len(ids) and all(i.isdigit() for i in ids)
    story = story_of(items)
    if counted["shown"] is not None:  # the story line's own count
        assert story is not None and story.comment_count == counted["shown"]


def test_every_comment_has_its_author_date_and_text(case_items):
    case, meta, items = case_items
    for comment in comments(items):
        assert comment.posted, comment.site_comment_id
        assert comment.body_text.strip(), comment.site_comment_id
        # Only a deleted comment loses its author (the hand-written [deleted] one).
        assert comment.author or comment.moderation == "deleted", comment.site_comment_id
        assert comment.parent_site_comment_id != comment.site_comment_id


def spacer_rows(body: bytes) -> list[tuple[str | None, int, bytes]]:
    """(comment id or None, depth, row bytes) for each comment row, read with regexes only.

    Every era draws a comment row as a spacer image (40 px a level) followed by the
    vote arrow `id=up_ID` (absent for a deleted comment) and the `class=comment` body.
    """
    spacers = list(re.finditer(rb"<img[^>]*s\.gif[^>]*>", body))
    rows = []
    for spacer, following in zip(spacers, [*spacers[1:], None], strict=True):
        chunk = body[spacer.end() : following.start() if following else len(body)]
        if not re.search(rb"""class=["']?comment["' >]""", chunk):
            continue
        width = re.search(rb"""width=["']?(\d+)""", spacer[0])
        arrow = re.search(rb"""id=["']?up_(\d+)""", chunk)
        rows.append((arrow[1].decode() if arrow else None, int(width[1]) // 40, chunk))
    return rows


def test_parents_agree_with_the_spacer_widths_in_the_raw_page(real, corpus):
    case, page, items = real
    story = story_of(items)
    rows = spacer_rows(page_bytes(case, corpus))
    assert rows
    parsed = {c.site_comment_id: c.parent_site_comment_id for c in comments(items)}
    # A permalink page's own comment (its fatitem, drawn without a spacer) is the root.
    root = comments(items)[0].site_comment_id if story is not None and story.stub else None
    stack: list[str | None] = []
    checked = 0
    for comment_id, depth, _ in rows:
        del stack[depth:]
        stack.extend([None] * (depth - len(stack)))
        expected = stack[depth - 1] if depth else root
        stack.append(comment_id)
        if comment_id is None:
            continue
        if expected is not None or depth == 0:
            assert parsed[comment_id] == expected, comment_id
            checked += 1
    assert checked >= len(parsed) - 3  # only rows under an unseen parent are left out


AGO = re.compile(rb"(\d+)\s+(minute|hour|day)s?\s+ago")


def test_dates_agree_with_the_page(real, corpus):
    """span.age[title] dates come after what they answer; printed ages count back from the capture.

    Before 2022 a page only says "3 hours ago": the capture time minus that, to the
    unit, so replies may tie with (or, as printed, precede) their parents.
    """
    case, page, items = real
    by_id = {c.site_comment_id: c for c in comments(items)}
    if page.css("span.age[title]"):
        story = story_of(items)
        for comment in by_id.values():
            posted = utc(comment.posted)
            if story.published:
                assert posted > utc(story.published)
            if comment.parent_site_comment_id in by_id:
                assert posted > utc(by_id[comment.parent_site_comment_id].posted)
        return
    fetched = utc(meta_of(case)["fetched_at"])
    checked = 0
    for comment_id, _, chunk in spacer_rows(page_bytes(case, corpus)):
        age = AGO.search(chunk)
        if comment_id and age:
            delta = timedelta(**{age[2].decode() + "s": int(age[1])})
            assert utc(by_id[comment_id].posted) == fetched - delta, comment_id
            checked += 1
    assert checked >= len(by_id) - 1


def test_new_accounts_keep_their_green_names(real, corpus):
    case, page, items = real
    # A new account's name is a <font color=#3c963c> inside its user link, in comment headers.
    names = page.xpath(
        "//span[contains(@class, 'comhead')]//a[contains(@href, 'user?id=')]"
        "/font[translate(@color, 'C', 'c') = '#3c963c']/text()"
    ).getall()
    assert set(names) <= {c.author for c in comments(items)}


def test_parents_agree_with_parent_links(real):
    case, page, items = real
    parsed = {c.site_comment_id: c.parent_site_comment_id for c in comments(items)}
    story = story_of(items)
    for row in page.css("tr.athing.comtr"):
        href = row.xpath(".//span[@class='navs']/a[text()='parent']/@href").get()
        if href:
            target = href.rsplit("#", 1)[-1]
            assert parsed[row.attrib["id"]] == (None if target == story.site_article_id else target)


def test_descendant_counts_agree_with_the_tree(real):
    """HN's collapse toggle `[–]` (2016+) carries n = the comment and all its descendants."""
    case, page, items = real
    toggles = page.xpath("//tr[contains(@class, 'athing')][.//a[contains(@class, 'togg')][@n]]")
    # Toggles came with the tr.athing.comtr rows (2016); older pages have neither.
    assert bool(toggles) == bool(page.css("tr.athing.comtr"))
    parents = {c.site_comment_id: c.parent_site_comment_id for c in comments(items)}
    subtree = Counter()
    for comment_id in parents:
        node: str | None = comment_id
        while node is not None and node in parents:
            subtree[node] += 1
            node = parents[node]
    for row in toggles:
        n = row.xpath(".//a[contains(@class, 'togg')]/@n").get()
        assert subtree[row.attrib["id"]] == int(n), row.attrib["id"]


def thread(items: list) -> list[tuple]:
    """What a reader sees of a thread, whitespace aside (minifying joins words at tags)."""
    return [
        (
            c.site_comment_id,
            c.site_article_id,
            c.parent_site_comment_id,
            c.author,
            c.posted,
            "".join(c.body_text.split()),
        )
        for c in comments(items)
    ]


@pytest.mark.parametrize("case", REAL)
def test_a_minified_page_gives_the_same_thread(case, corpus):
    body = page_bytes(case, corpus)
    minified = re.sub(rb">\s+<", b"><", body)
    assert minified != body
    assert thread(parse(case, minified)) == thread(parse(case, body))


LINK = re.compile(rb"""(\s(?:href|src)=)(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""", re.IGNORECASE)


def as_wayback_capture(body: bytes, url: str) -> bytes:
    """Every href and src made absolute against the page's URL and prefixed with a Wayback
    Machine capture's address, quoted or not, as the Wayback Machine rewrites them."""

    def prefix(link: re.Match) -> bytes:
        value = next(group for group in link.groups()[1:] if group is not None)
        target = urljoin(url, value.decode("latin-1")).encode("latin-1")
        return link[1] + b'"' + WAYBACK.encode() + target + b'"'

    return LINK.sub(prefix, body)


@pytest.mark.parametrize("case", REAL)
def test_a_wayback_capture_gives_the_same_thread(case, corpus):
    body = page_bytes(case, corpus)
    captured = as_wayback_capture(body, meta_of(case)["url"])
    assert captured.count(WAYBACK.encode()) > 20
    original = parse(case, body)
    archived = parse(case, captured, url=WAYBACK + meta_of(case)["url"])
    assert thread(archived) == thread(original)
    story, archived_story = story_of(original), story_of(archived)
    if story is not None:  # the story's own links read through the capture too
        assert (archived_story.site_article_id, archived_story.link_url) == (
            story.site_article_id,
            story.link_url,
        )


def test_no_attribute_is_indexed_when_it_is_missing(real, corpus):
    """Every attribute the parser reads, stripped from the whole page: no exception."""
    case, page, items = real
    stripped = re.sub(
        rb"""\s(?:href|id|class|title|indent|width|n)=(?:"[^"]*"|'[^']*'|[^\s>]+)""",
        b"",
        page_bytes(case, corpus),
    )
    assert all(isinstance(item, Article | Comment) for item in parse(case, stripped))


def test_page_without_parent_links_leaves_the_unknown_parent_empty():
    """A continuation page opening on a reply: without a `parent` link it cannot be known."""
    body = page_bytes("edge_cases_p2", None).replace(
        b' | <a href="#40000150" class="clicky" aria-hidden="true">parent</a>', b""
    )
    first = comments(parse("edge_cases_p2", body))[0]
    assert (first.site_comment_id, first.parent_site_comment_id) == ("40000201", None)


def test_a_continuation_page_names_its_story_when_a_link_does(corpus):
    """An `x?fnid=` page whose vote links go back to item?id=STORY belongs to that story."""
    body = page_bytes("more_fnid_2013_last", corpus)
    named = body.replace(b"whence=%2f%78%3f%66%6e%69%64", b"whence=item%3fid%3d3412900%26x")
    found = comments(parse("more_fnid_2013_last", named))
    assert {c.site_article_id for c in found} == {"3412900"}
    assert {c.page for c in found} == {2}  # a later page, its number unknown


def test_a_listing_of_comments_is_not_read_as_one_thread(corpus):
    """newcomments and threads?id= pages: every comment names its own story ("on: ...")."""
    body = page_bytes("comment_permalink_48351450", corpus)
    without_head = re.sub(rb'<table class="fatitem".*?</table>', b"", body, flags=re.DOTALL)
    listing = without_head.replace(
        b'<span class="onstory"></span>',
        b'<span class="onstory"> |  on: <a href="item?id=48350598">Chuwi Minibook X</a></span>',
    )
    assert listing.count(b" on: <a") > 60
    assert parse("comment_permalink_48351450", listing) == []
    # One "on:" link heads a page of its own even without a fatitem (older permalinks).
    one = without_head.replace(
        b'<span class="onstory"></span>',
        b'<span class="onstory"> |  on: <a href="item?id=48350598">Chuwi Minibook X</a></span>',
        1,
    )
    items = parse("comment_permalink_48351450", one)
    assert story_of(items).stub and story_of(items).site_article_id == "48350598"
    assert len(comments(items)) == 69


def follows(case: str, corpus: Path) -> list[tuple[str, str]]:
    meta = meta_of(case)
    response = build_response(meta["url"], page_bytes(case, corpus), meta["headers"].items())
    response.request = Request(meta["url"])
    spider = HackernewsSpider(url=meta["url"])
    return [(r.url, r.meta["link"]) for r in spider.follow(response)]


def test_more_links_of_every_era_are_followed_as_comment_pages(corpus):
    assert follows("more_fnid_2013_second", corpus) == [
        ("https://news.ycombinator.com/x?fnid=ym6dUtJLfm", "comments")
    ]
    assert follows("more_fnid_2013_last", corpus) == []
    # The login link is an x?fnid= link too, but not a "More".
    assert [link for link in follows("item_3083797_2011", corpus) if link[1] != "article"] == []


def test_spider_name_is_its_file_name():
    spider = load_spider("hackernews")
    assert spider.__name__ == "HackernewsSpider"
    assert Path(sys.modules[spider.__module__].__file__).stem == spider.name
    assert spider.parse_page is parse_page
