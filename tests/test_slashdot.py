"""Slashdot: real story pages of 2007-2025 checked against counts read independently of the parser.

The 2013 page is checked in detail below; every golden case (tests/sites/slashdot)
is checked against the comment count its meta.json says was counted by hand, the
classic (2007) pages' stubs and parent links against the raw markup, and each real
page minified against itself.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import html as lxml_html

from archiver.extract.page import extract
from archiver.extract.responses import build_response
from archiver.items import Article, Comment, FetchError, Quote
from archiver.platforms.slashdot import page as slashdot
from archiver.platforms.slashdot.data import comment_data, more_comments
from archiver.platforms.slashdot.dates import site_date
from archiver.platforms.slashdot.page import further_comment_pages, parse_page
from spiders.slashdot import SlashdotSpider
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
    assert comment_data(script) == {
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


# ---- every era: the golden cases against their hand counts --------------------------------

GOLDENS = sorted(
    p
    for p in (Path(__file__).parent / "sites" / "slashdot").iterdir()
    if (p / "meta.json").is_file()
)
CLASSIC_GPL3 = "slashdot/slashdot_story_2007-07-06_gpl3_classic.html"
CLASSIC_KDE4 = "slashdot/slashdot_story_2007-12-02_kde4_classic.html"
REAL_PAGES = [
    STORY_FILE,
    CLASSIC_GPL3,
    CLASSIC_KDE4,
    "slashdot/slashdot_story_2008-09-21_mandriva_d2.html",
    "slashdot/slashdot_story_2024-01-12_linux-cpp.html",
    "slashdot/slashdot_story_2025-12-19_stanford-cs.html",
]


def golden_response(case: Path, corpus: Path):
    meta = json.loads((case / "meta.json").read_text())
    body = (corpus / meta["corpus"]) if "corpus" in meta else (case / meta["body"])
    return meta, build_response(
        meta["url"], body.read_bytes(), meta["headers"].items(), fetched_at=meta["fetched_at"]
    )


def raw_comment_ids(page: str) -> set[str]:
    """Comment ids as the raw page spells them: li#tree_N, classic stub links, data-blob keys."""
    ids = set(re.findall(r'id="tree_(\d+)"', page))
    ids |= set(re.findall(r'pid=\d+#(\d+)"', page))
    return ids | set(re.findall(r"(\d+): \{ uid:", page))


@pytest.mark.parametrize("case", GOLDENS, ids=lambda p: p.name)
def test_golden_finds_the_counted_comments(case, corpus):
    """As many Comment items as counted by hand; any rest is behind links the spider follows."""
    meta, response = golden_response(case, corpus)
    counted = meta["counted"]
    assert counted["method"]
    assert len(raw_comment_ids(response.text)) == counted["comments"]  # the count is not stale
    ids = [i.site_comment_id for i in extract(parse_page, response) if isinstance(i, Comment)]
    assert len(ids) == len(set(ids)) == counted["comments"]
    if counted.get("shown") == counted["comments"] and not more_comments(response.text):
        assert further_comment_pages(response) == []
        return
    # The page holds only part of the thread: the meta says where the rest is.
    rest = counted["rest"]
    further = further_comment_pages(response)
    assert len(further) == rest["links"]
    if not further:
        assert rest["notes"], "a thread only partly archived must say why"
    followed = [r for r in SlashdotSpider(url=meta["url"]).follow(response)]
    comment_requests = [r.url for r in followed if r.meta["link"] == "comments"]
    assert comment_requests == further


def test_further_pages_are_the_beneath_threshold_links(corpus):
    """Classic: a request per "N replies beneath your current threshold" link, pid=0 too."""
    response = build_response(
        "http://linux.slashdot.org/linux/07/07/06/1333257.shtml",
        (corpus / CLASSIC_GPL3).read_bytes(),
        [("Content-Type", "text/html; charset=iso-8859-1")],
        fetched_at="2007-09-01T12:00:00Z",
    )
    links = re.findall(r'<b><a href="([^"]+)">\d+ repl(?:y|ies)</a> beneath', response.text)
    expected = [response.urljoin(h.replace("&amp;", "&")) for h in links]
    assert further_comment_pages(response) == list(dict.fromkeys(expected))
    assert any(u.endswith("&pid=0") for u in expected)


# ---- the classic (2007) markup ------------------------------------------------------------


@pytest.fixture(scope="module", params=[CLASSIC_GPL3, CLASSIC_KDE4], ids=["gpl3", "kde4"])
def classic(request, corpus):
    page = (corpus / request.param).read_bytes()
    response = build_response(
        "http://linux.slashdot.org/x",
        page,
        [("Content-Type", "text/html")],
        fetched_at="2009-01-01",
    )
    return page.decode("iso-8859-1"), list(extract(parse_page, response))


def test_classic_stubs_give_parent_author_score_and_date(classic):
    """Each one-line link "Re:x</a> by NAME (Score:N) Friday July 06, @08:58AM" is a comment."""
    page, items = classic
    stubs = re.findall(
        r'pid=(\d+)#(\d+)">[^<]*</a> by (.+?) \(Score:(-?\d+)\) (\w+ \w+ \d+, @[^<]+)<', page
    )
    assert len(stubs) > 100
    comments = {c.site_comment_id: c for c in comments_of(items)}
    for parent, cid, author, score, when in stubs:
        comment = comments[cid]
        assert comment.parent_site_comment_id == (None if parent == "0" else parent)
        assert (comment.author, comment.score, comment.body_text) == (author, int(score), "")
        assert comment.posted == site_date(when, date(2007, 7, 1))


def test_classic_full_comments_follow_their_parent_link(classic):
    """A full comment's "[ Parent ]" link names its parent, even where the page flattens stubs."""
    page, items = classic
    comments = {c.site_comment_id: c for c in comments_of(items)}
    tree = lxml_html.fromstring(page)
    full = tree.xpath("//li[starts-with(@id, 'tree_')]")
    assert len(full) == len(set(re.findall(r'id="comment_body_(\d+)"', page)))
    for li in full:
        cid = li.get("id")[5:]
        link = li.xpath(f".//div[@id='comment_{cid}']//a[normalize-space()='Parent']/@href")
        expected = re.search(r"cid=(\d+)", link[0]).group(1) if link else None
        if expected is None:  # no link: a top-level comment, or the enclosing list's
            outer = li.xpath("ancestor::ul[starts-with(@id, 'commtree_')][1]/@id")
            expected = outer[0][9:] if outer else None
        assert comments[cid].parent_site_comment_id == expected
        assert comments[cid].posted and comments[cid].author
        assert "(" not in comments[cid].author  # "name (uid)" loses its uid
    assert sum(c.posted is None for c in comments.values()) == 0


def test_classic_story(classic):
    page, items = classic
    story = items[0]
    assert isinstance(story, Article) and not story.stub
    assert story.site_article_id == re.search(r'name="sid" value="(\d+)"', page).group(1)
    assert story.author == "Zonk" and story.title and story.body_text
    posted = re.search(r"Posted by.*?\bon ([^<]+)</b>", page, re.S).group(1)  # year or not
    assert story.published == site_date(posted, date(2007, 7, 1))
    assert story.published.startswith("2007-")
    assert story.comment_count == int(re.search(r"<b>(\d+)</b> comments", page).group(1))


def test_yearless_dates_take_the_year_of_their_weekday():
    """2007-08 comments print no year: the weekday picks it, next to the story's year."""
    assert site_date("on Friday July 06, @08:55AM", date(2007, 7, 6)) == "2007-07-06T12:55:00Z"
    # a reply in January to a December story: Monday January 07 is in 2008
    assert site_date("Monday January 07, @10:00AM", date(2007, 12, 2)) == "2008-01-07T15:00:00Z"
    assert (
        site_date("on Sunday September 21, @07:31AM", date(2008, 9, 21)) == "2008-09-21T11:31:00Z"
    )
    # classic story byline, and the D2 format with its year
    assert site_date("on Fri Jul 06, 2007 08:52 AM", date(2000, 1, 1)) == "2007-07-06T12:52:00Z"
    assert site_date("on Friday January 12, 2024 @11:51AM", date(2000, 1, 1)) == (
        "2024-01-12T16:51:00Z"
    )
    assert site_date("", date(2007, 1, 1)) is None
    assert site_date("on Someday Smarch 40, @99:99PM", date(2007, 1, 1)) is None


# ---- the same real page transformed ---------------------------------------------------------


def thread_of(items: list) -> list[tuple]:
    """The comments as the minified test compares them: the text without its spaces, since
    removing whitespace between inline tags rightly joins words ("engineer. <i>:-)</i>")."""
    return [
        (
            *(c.site_comment_id, c.parent_site_comment_id, c.author, c.posted, c.score),
            (c.moderation, "".join(c.body_text.split())),
        )
        for c in comments_of(items)
    ]


@pytest.mark.parametrize("name", REAL_PAGES, ids=lambda n: n.split("_", 2)[-1][:18])
def test_minified_page_gives_the_same_thread(name, corpus):
    """Whitespace between tags removed: the same comments, parents, authors, dates, scores."""
    page = (corpus / name).read_bytes()
    minified = re.sub(rb">\s+<", b"><", page)
    assert len(minified) < len(page)

    def read(body: bytes) -> list:
        response = build_response(
            "https://slashdot.org/story/x", body, [("Content-Type", "text/html")], fetched_at="2026"
        )
        return list(extract(parse_page, response))

    original = read(page)
    assert len(comments_of(original)) > 20
    assert thread_of(read(minified)) == thread_of(original)


def test_a_comment_page_without_the_story_gives_a_stub_and_page_two(corpus):
    """A comments.pl view (the real classic page, its div.article cut out): same comments, filed
    under the discussion id as a later page, so they never count as the story page's own."""
    page = (corpus / CLASSIC_GPL3).read_bytes()
    cut = re.sub(
        rb'<div class="article" id="art1">.*?</div>\s*<div id="tagbox',
        b'<div id="tagbox',
        page,
        flags=re.S,
    )
    assert b'class="article"' not in cut
    url = "http://linux.slashdot.org/comments.pl?sid=246319&threshold=-1&pid=0"
    items = list(extract(parse_page, build_response(url, cut, [], fetched_at="2007-09-01")))
    story = items[0]
    assert isinstance(story, Article) and story.stub and story.site_article_id == "246319"
    assert story.title == "Microsoft States GPL3 Doesn't Apply to Them"
    comments = comments_of(items)
    assert len(comments) == 427 and {c.page for c in comments} == {2}


# ---- ranked fallbacks and failures ----------------------------------------------------------


def test_unreadable_data_falls_back_to_the_markup(page):
    """A D2.comments blob that is not a JS literal: the markup still gives all 86 and their tree."""
    broken = page.replace(b"D2.comments({", b"D2.comments({ ]]", 1)
    assert comment_data(broken.decode()) == {}
    response = build_response(STORY_URL, broken, [("Content-Type", "text/html")], fetched_at="2014")
    fallback = comments_of(list(extract(parse_page, response)))
    assert len(fallback) == 86
    full = comments_of(
        list(extract(parse_page, build_response(STORY_URL, page, [], fetched_at="2014")))
    )
    parents = {c.site_comment_id: c.parent_site_comment_id for c in full}
    assert {c.site_comment_id: c.parent_site_comment_id for c in fallback} == parents
    shown = {c.site_comment_id: c.score for c in full if c.body_text}  # hidden ones show no score
    assert {c.site_comment_id: c.score for c in fallback if c.body_text} == shown


def test_comments_that_raise_still_yield_the_story(page, monkeypatch):
    def broken(response):
        raise RuntimeError("markup changed")

    monkeypatch.setattr(slashdot, "_entries", broken)
    items = list(extract(parse_page, build_response(STORY_URL, page, [], fetched_at="2014")))
    assert [type(i) for i in items] == [Article, FetchError]
    assert items[1].error == "parse_error" and "markup changed" in items[1].detail


def test_pages_without_a_story_or_thread_yield_nothing():
    for body in (b"<html><body><p>front page</p></body></html>", b"", b"<ul id='commentlisting'>"):
        assert list(extract(parse_page, build_response("https://slashdot.org/", body, []))) == []


_js_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\\"), max_size=20
)


@given(
    st.dictionaries(
        st.integers(1, 10**9),
        st.fixed_dictionaries(
            {"uid": st.one_of(st.none(), st.integers(0, 10**7)), "pid": st.integers(0, 10**9)},
            optional={"subject": _js_text, "kids": st.lists(st.integers(1, 10**9), max_size=3)},
        ),
        max_size=6,
    ),
    st.sampled_from(['"', "'"]),
)
def test_data_blob_reads_js_literals(data, quote):
    """Unquoted keys, `undefined`, either quote: the blob reads back as the data it encodes."""

    def js(value) -> str:
        if value is None:
            return "undefined"
        if isinstance(value, str):
            escaped = value.replace(quote, "\\" + quote)
            return quote + escaped + quote
        if isinstance(value, list):
            return "[ " + ", ".join(js(v) for v in value) + " ]"
        if isinstance(value, dict):
            return "{ " + ", ".join(f"{k}: {js(v)}" for k, v in value.items()) + " }"
        return str(value)

    for prefix, suffix in (("D2.comments(", ");"), ("comments = ", ";")):
        expected = {str(k): v for k, v in data.items()} if data else {}
        assert comment_data(f"x = 1;\n{prefix}{js(data)}{suffix}\nmore = 2;") == expected


# A comments.pl page in the classic markup (hand-written: no real one was found), holding
# 19766709, a top-level comment below the threshold that a full comment of the real page
# answers.
BENEATH_PAGE = b"""<html><body><div class="commentBox">
<a href="/article.pl?sid=07/07/06/1333257">Microsoft States GPL3 Doesn't Apply to Them</a>
| <b>509</b> comments | <a href="/search.pl?op=comments&amp;sid=246319">Search</a></div>
<ul id="commentlisting"><li id="tree_19766709" class="comment">
<div id="comment_19766709"><div id="comment_top_19766709" class="commentTop">
<div class="title"><h4><a name="19766709">Trolling</a>
<span id="comment_score_19766709" class="score"> (Score:0, Flamebait)</span></h4></div>
<div class="details">by <a href="//slashdot.org/~someone">someone (42)</a>
<span class="otherdetails" id="comment_otherdetails_19766709">on Friday July 06, @08:51AM
(<a href="/comments.pl?sid=246319&amp;cid=19766709">#19766709</a>)</span></div></div>
<div class="commentBody"><div id="comment_body_19766709">First!</div></div></div></li></ul>
</body></html>"""


def test_crawl_follows_the_classic_pages_beneath_the_threshold(corpus, tmp_path):
    """The crawl fetches every beneath-threshold page; their comments join the story's, and a
    comment page never overwrites the story read from the story's own page."""
    page = (corpus / CLASSIC_GPL3).read_bytes().replace(b"//linux.slashdot.org/", b"/")
    story_path = "/linux/07/07/06/1333257.shtml"
    beneath = sorted(
        {h.replace(b"&amp;", b"&").decode() for h in re.findall(rb'<b><a href="([^"]+)">', page)}
    )
    assert len(beneath) == 51
    top = next(p for p in beneath if p.endswith("&pid=0"))
    routes = {
        "/robots.txt": ROBOTS,
        story_path: Route(page, content_type="text/html; charset=iso-8859-1"),
        top: Route(BENEATH_PAGE),
    }
    archive = tmp_path / "archive"
    with MockServer(routes) as server:
        archiver(
            "crawl", "slashdot", "--url", server.url + story_path, "--archive", str(archive),
            *LOOPBACK,
        )  # fmt: skip
        assert set(beneath) <= set(server.requests)
    db = archive / "archive.db"
    assert rows(
        db, "SELECT site_article_id, title, url, length(body_text) > 500 FROM articles"
    ) == [("246319", "Microsoft States GPL3 Doesn't Apply to Them", server.url + story_path, 1)]
    assert rows(db, "SELECT COUNT(*) FROM comments") == [(428,)]
    assert rows(db, "SELECT page, body_text FROM comments WHERE site_comment_id = '19766709'") == [
        (2, "First!")
    ]
