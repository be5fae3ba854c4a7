"""Slashdot: the real 2013 story page checked against counts read independently of the parser."""

from __future__ import annotations

import re

import pytest
from lxml import html as lxml_html

from archiver.extract.page import extract
from archiver.extract.responses import build_response
from archiver.items import Comment, Quote
from spiders.slashdot import d2_comments, parse_page
from tests.mockserver import MockServer, Route
from tests.test_crawl_e2e import LOOPBACK, ROBOTS, archiver, rows, snapshot

STORY_FILE = "slashdot/slashdot_article_2013-12-31_1437227.html"
STORY_PATH = "/story/13/12/31/1437227/how-machine-learning-can-transform-online-dating"
STORY_URL = "http://slashdot.org" + STORY_PATH


@pytest.fixture(scope="module")
def page(corpus) -> bytes:
    return (corpus / STORY_FILE).read_bytes()


@pytest.fixture(scope="module")
def items(page) -> list:
    response = build_response(
        STORY_URL, page, [("Content-Type", "text/html")], fetched_at="2014-01-01T12:00:00Z"
    )
    return list(extract(parse_page, response))


def comments_of(items: list) -> list[Comment]:
    return [i for i in items if isinstance(i, Comment)]


def test_every_comment_of_the_page_is_archived(page, items):
    """As many comments as D2.comments entries, as li#tree_ elements, as the page's total."""
    text = page.decode()
    d2_entries = re.findall(r"(\d+): \{ uid:", text[text.index("D2.comments(") :].split(");")[0])
    tree_items = re.findall(r'<li id="tree_(\d+)"', text)
    total = int(re.search(r'totalcommentcnt">(\d+)<', text).group(1))
    ids = [c.site_comment_id for c in comments_of(items)]
    assert len(ids) == len(set(ids)) == len(d2_entries) == len(tree_items) == total == 86
    assert set(ids) == set(d2_entries) == set(tree_items)


def test_parents_match_the_html_nesting(page, items):
    """The tree from D2 `pid` is the tree the nested ul#commtree_N lists draw."""
    tree = lxml_html.fromstring(page)
    nested = {}
    for li in tree.xpath("//li[starts-with(@id, 'tree_')]"):
        outer = li.xpath("ancestor::ul[starts-with(@id, 'commtree_')][1]/@id")
        nested[li.get("id")[5:]] = outer[0][9:] if outer else None
    comments = comments_of(items)
    assert {c.site_comment_id: c.parent_site_comment_id for c in comments} == nested
    known = {c.site_comment_id for c in comments}
    assert all(c.parent_site_comment_id in known for c in comments if c.parent_site_comment_id)
    assert sum(c.parent_site_comment_id is None for c in comments) == 27  # D2.root_comments


def test_hidden_comments_keep_score_and_place(page, items):
    hidden = set(re.findall(r'<li id="tree_(\d+)" class="comment hidden"', page.decode()))
    comments = {c.site_comment_id: c for c in comments_of(items)}
    assert len(hidden) == 30
    assert {cid for cid, c in comments.items() if not c.body_text} == hidden
    assert all(comments[cid].score is not None for cid in hidden)


def test_scores_match_the_displayed_ones(page, items):
    shown = dict(re.findall(r'comment_score_(\d+)".*?Score:</span>(-?\d+)<', page.decode()))
    comments = {c.site_comment_id: c for c in comments_of(items)}
    assert len(shown) == 56  # full and oneline comments show a score; hidden ones don't
    assert {cid: str(comments[cid].score) for cid in shown} == shown


def test_dates_are_us_eastern(items):
    first = next(c for c in comments_of(items) if c.site_comment_id == "45828601")
    assert first.posted == "2013-12-31T14:50:00Z"  # "@09:50AM" EST
    assert sum(c.posted is not None for c in comments_of(items)) == 7  # only full comments


def test_quotes_are_div_quote(page, items):
    quotes = [i for i in items if isinstance(i, Quote)]
    assert len(quotes) == page.count(b'<div class="quote">') == 8
    assert [q.kind for q in quotes].count("article") == 2


def test_d2_comments_reads_js_literals():
    script = 'D2.comments({ 7: { uid: 1, pid: 0, subject: "a: \\"b\\", c: [ ]", kids: [ 8 ] } });'
    assert d2_comments(script) == {
        "7": {"uid": 1, "pid": 0, "subject": 'a: "b", c: [ ]', "kids": [8]}
    }


def test_crawl_from_a_listing(page, tmp_path):
    """The front page links the story; the crawl archives it with every comment."""
    story = re.search(rb'<article id="firehose-54845787".*?</article>', page, re.DOTALL).group(0)
    listing = (
        b"<html><body>"
        + story.replace(b"//slashdot.org" + STORY_PATH.encode(), STORY_PATH.encode())
        + b"</body></html>"
    )
    routes = {
        "/robots.txt": ROBOTS,
        "/": Route(listing),
        STORY_PATH: Route(page, encoding="gzip"),
    }
    archive = tmp_path / "archive"
    with MockServer(routes) as server:
        archiver(
            "crawl", "slashdot", "--url", server.url + "/", "--archive", str(archive), *LOOPBACK
        )
        assert STORY_PATH in server.requests
    db = archive / "archive.db"
    assert rows(db, "SELECT site_article_id, title, comment_count FROM articles") == [
        ("4615283", "How Machine Learning Can Transform Online Dating", 86)
    ]
    assert rows(db, "SELECT COUNT(*), COUNT(parent_id), SUM(body_text = '') FROM comments") == [
        (86, 86 - 27, 30)
    ]
    assert rows(db, "SELECT COUNT(*) FROM quotes") == [(8,)]
    # the store resolves the unattributed quotes by their text: 45828653 quotes its parent
    assert rows(
        db,
        "SELECT qc.site_comment_id FROM quotes q JOIN comments c ON c.id = q.comment_id"
        " JOIN comments qc ON qc.id = q.quoted_comment_id WHERE c.site_comment_id = '45828653'",
    ) == [("45828601",)]
    before = snapshot(db)
    archiver("reparse", "--archive", str(archive), "--no-progress")
    assert snapshot(db) == before
