"""The wordpress spider: end-to-end crawls of a local WordPress-shaped site, and
cross-checks of its parser against what the real pages say in other ways.

The golden files (tests/sites/wordpress/) pin the whole output of each real page;
the checks here use independent evidence on the same pages: the comment elements
counted by a plain regex, the `depth-N` classes the core walker prints, Epoch's
`child-of-ID` classes, the count the page displays, and the dates.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from urllib.parse import unquote

import pytest
from parsel import Selector
from scrapy.http import HtmlResponse

from archiver.extract.responses import build_response
from archiver.items import Article, Comment, Quote
from archiver.platforms.wordpress import parse_page
from tests.mockserver import MockServer
from tests.test_crawl_e2e import LOOPBACK, archiver, rows, snapshot
from tests.wpsite import WpSite, build_wpsite

CASES = Path(__file__).parent / "sites" / "wordpress"
# Comments each real page holds, counted by hand from the page, and the count it displays:
# the first pages, checked in detail here. Every WordPress golden is checked against its
# own count (tests/test_sites.py), for authors and dates (test_wordpress_slots.py) and for
# parents (test_wordpress_threads.py).
HOLDS = {
    "antary_wireshark": (2, 2),
    "firefox_nightly_issue_85": (2, 2),
    "hacks_mozilla_fetch": (2, 2),
    "internet_law_pseudonymen": (35, 35),
    "it_learner_autotuning": (2, None),  # Thrive Comments writes its count with script
    "lemire_json": (5, 5),
    "moritz_meyer_vreni": (36, 36),
    "netzpolitik_abmahnungen": (74, 91),  # the count includes comments not on the page
    "scilogs_gendersprache": (54, 54),
    "wptavern_epoch": (13, 13),
    "zdnet_facebook": (2, 2),
}
REAL = sorted(HOLDS)


# --- end-to-end ---------------------------------------------------------------


def serve(site_args: dict) -> tuple[MockServer, WpSite]:
    server = MockServer({})
    site = build_wpsite(base=server.url, **site_args)
    server.routes.update(site.routes)
    return server, site


def crawl(url: str, tmp_path: Path) -> Path:
    archive = tmp_path / "archive"
    archiver("crawl", "wordpress", "--url", url, "--archive", str(archive), *LOOPBACK)
    return archive


@pytest.mark.parametrize(
    "site_args",
    [{}, {"newest_first": True, "rest_api": True, "sitemap": False}],
    ids=["oldest-first", "newest-first+rest"],
)
def test_crawl_whole_site(site_args, tmp_path):
    server, site = serve(site_args)
    with server:
        archive = crawl(server.url + "/", tmp_path)
    db = archive / "archive.db"

    # A missing post index is a fetch error (as reparse records its capture); nothing else is.
    missing = [] if site_args.get("sitemap", True) else ["/wp-sitemap.xml", "/sitemap_index.xml"]
    if not site_args.get("rest_api") and site_args.get("sitemap", True) is False:
        missing.append("/wp-json/wp/v2/posts")
    errors = rows(db, "SELECT error, url FROM fetch_errors")
    assert sorted(errors) == sorted(("http_404", server.url + path) for path in missing)
    assert sorted(rows(db, "SELECT site_article_id FROM articles")) == sorted(
        (str(p.id),) for p in site.posts
    )
    got = rows(
        db,
        """SELECT c.site_comment_id, a.site_article_id, p.site_comment_id, au.name, c.posted,
        c.page FROM comments c JOIN articles a ON a.id = c.article_id
        LEFT JOIN comments p ON p.id = c.parent_id JOIN authors au ON au.id = c.author_id""",
    )
    want = [
        (
            str(c.id),
            str(c.post_id),
            str(c.parent) if c.parent else None,
            c.author,
            c.posted.strftime("%Y-%m-%dT%H:%M:%SZ"),
            c.page,
        )
        for c in site.comments
    ]
    assert sorted(got) == sorted(want)
    assert max(c.depth for c in site.comments) == 5

    quotes = rows(
        db,
        """SELECT c.site_comment_id, qc.site_comment_id, q.kind FROM quotes q
        JOIN comments c ON c.id = q.comment_id
        LEFT JOIN comments qc ON qc.id = q.quoted_comment_id""",
    )
    assert sorted(quotes) == sorted(
        (str(c.id), str(c.quotes), "comment") for c in site.comments if c.quotes
    )

    fetched = Counter(unquote(path) for path in server.requests)
    for post in site.posts:
        for path in [post.path, *site.comment_page_paths(post)]:
            assert fetched[unquote(path)] == 1, path
    assert not [p for p in fetched if "replytocom" in p]
    assert not [p for p in fetched if p.endswith("/feed/") and p != "/feed/"]  # comment feeds
    assert not [p for p in fetched if "users" in p]  # the users sitemap
    shown = site.pages_per_post if site.newest_first else 1
    assert not [p for p in fetched if f"/comment-page-{shown}/" in p]  # the post page again
    assert fetched["/wp-sitemap.xml"] == 1 and fetched["/feed/"] == 1
    # a first crawl walks every listing page, even when the sitemap found their posts first
    listings = [path for path in site.routes if path.startswith("/page/")]
    assert listings and all(fetched[path] == 1 for path in listings)
    # the REST API is asked only when no sitemap answers
    rest = [p for p in fetched if p.startswith("/wp-json/wp/v2/posts?")]
    assert bool(rest) == (not site_args.get("sitemap", True))

    before = snapshot(db)
    archiver("reparse", "--archive", str(archive), "--no-progress")
    assert snapshot(db) == before


def test_crawl_one_post_url(tmp_path):
    """A --url naming a post archives that post with all its comment pages, and nothing else."""
    server, site = serve({"posts": 3})
    post = site.posts[1]
    with server:
        archive = crawl(server.url + post.path, tmp_path)
    db = archive / "archive.db"
    assert rows(db, "SELECT site_article_id FROM articles") == [(str(post.id),)]
    assert sorted(rows(db, "SELECT site_comment_id FROM comments")) == sorted(
        (str(c.id),) for c in post.comments
    )
    pages = [p for p in server.requests if p != "/robots.txt"]
    assert sorted(pages) == sorted([post.path, *site.comment_page_paths(post)])


def test_since_skips_old_posts(tmp_path):
    server, site = serve({"posts": 4})
    newest = max(site.posts, key=lambda p: p.published)
    with server:
        archive = tmp_path / "archive"
        since = newest.published.date().isoformat()
        archiver("crawl", "wordpress", "--url", server.url + "/", "--archive", str(archive),
                 "--since", since, *LOOPBACK)  # fmt: skip
    db = archive / "archive.db"
    assert rows(db, "SELECT site_article_id FROM articles") == [(str(newest.id),)]
    older = [p for p in site.posts if p is not newest]
    # the sitemap's lastmod dates already rule the older posts out
    assert not [p for p in older if p.path in server.requests]


# --- the real pages -----------------------------------------------------------


def load(case: str, corpus: Path) -> tuple[Selector, list]:
    meta = json.loads((CASES / case / "meta.json").read_text())
    body = (corpus / meta["corpus"]).read_bytes()
    response = build_response(
        meta["url"], body, meta["headers"].items(), fetched_at=meta["fetched_at"]
    )
    return Selector(text=body.decode("utf-8")), list(parse_page(response))


@pytest.fixture(params=REAL)
def real(request, corpus):
    return (request.param, *load(request.param, corpus))


def comments(items: list) -> list[Comment]:
    return [item for item in items if isinstance(item, Comment)]


def test_every_comment_found_once(real):
    case, page, items = real
    found = [c.site_comment_id for c in comments(items)]
    assert len(found) == len(set(found))
    holds, displayed = HOLDS[case]
    assert len(found) == holds
    article = next(i for i in items if isinstance(i, Article))
    assert article.comment_count == displayed
    # Independent count: ids of comment elements, by regex, less the sidebar's.
    ids = set(re.findall(r'id="(?:li-|div-)?comment-(\d+)"', page.get()))
    sidebar = set(
        re.findall(
            r'id="li-comment-(\d+)"', "".join(page.css("article.miniature").xpath("..").getall())
        )
    )
    assert set(found) == ids - sidebar


def test_parents_match_depth_classes(real):
    """The core walker's `depth-N` (Epoch's `level-N`) says how deep each comment sits."""
    case, page, items = real
    by_id = {c.site_comment_id: c for c in comments(items)}
    for comment in by_id.values():
        own = comment.site_comment_id
        node = page.xpath(f'//*[@id="comment-{own}" or @id="li-comment-{own}"]')[0]
        depth = node.xpath("@class").re_first(r"\bdepth-(\d+)")
        level = node.xpath("../@class").re_first(r"\blevel-(\d+)")
        if depth is None and level is None:
            assert comment.parent_site_comment_id is None  # flat old themes
            continue
        expected = int(depth) if depth else int(level) + 1
        chain, parent = 1, comment.parent_site_comment_id
        while parent:
            chain, parent = chain + 1, by_id[parent].parent_site_comment_id
        assert chain == expected, comment.site_comment_id


def test_epoch_parents_match_child_of_classes(corpus):
    page, items = load("wptavern_epoch", corpus)
    for comment in comments(items):
        wrapper = page.css(f"div#comment-{comment.site_comment_id}").xpath("../@class")
        assert wrapper.re_first(r"child-of-(\d+)") == comment.parent_site_comment_id


def test_every_comment_has_author_date_and_text(real):
    case, page, items = real
    for comment in comments(items):
        assert comment.author and comment.body_text, comment.site_comment_id
        assert comment.posted and comment.posted.endswith("Z"), comment.site_comment_id
        assert "Reply" not in comment.body_text[-8:] and "Antworten" not in comment.body_text[-12:]


def test_quotes_are_attributed(corpus):
    """ "[Name]" signatures name a commenter; a comment whose body is a blockquote quotes no one."""
    _, items = load("scilogs_gendersprache", corpus)
    named = {
        (q.site_comment_id, q.quoted_author)
        for q in items
        if isinstance(q, Quote) and q.quoted_author
    }
    assert named == {
        ("2779", "Martin Holzherr"),  # "@ Kommentatorenfreund ‘Martin Holzherr’ :" before it
        ("2780", "Dietmar Hilsebein"),
        ("2790", "Martin Holzherr"),
        ("2800", "Jocelyne Lopez"),
        ("2809", "Ingo Herzke"),
        ("2810", "Ingo Herzke"),
    }
    _, hacks = load("hacks_mozilla_fetch", corpus)
    assert not [q for q in hacks if isinstance(q, Quote)]


def followed(response) -> list[tuple[str, str]]:
    """The (url, link kind) of every request the spider makes from a response."""
    from scrapy.utils.test import get_crawler

    from spiders.wordpress import WordpressSpider

    spider = WordpressSpider.from_crawler(get_crawler(WordpressSpider), url="http://wp.test/")
    return [(r.url, r.meta["link"]) for r in spider.follow(response)]


def test_index_pages_give_their_links_without_the_request_that_asked(corpus):
    """A sitemap, feed or REST page read back from the archive (no request meta, as a
    resumed crawl or reparse reads it) yields the posts the live crawl followed."""
    site = build_wpsite(posts=4, rest_api=True, base="http://wp.test")
    posts = sorted(f"http://wp.test{p.path}" for p in site.posts)
    for path, expected in [
        ("/wp-sitemap.xml", [("http://wp.test/wp-sitemap-posts-post-1.xml", "listing")]),
        ("/wp-sitemap-posts-post-1.xml", [(url, "article") for url in posts]),
    ]:
        route = site.routes[path]
        headers = [("Content-Type", route.content_type)]
        response = build_response(f"http://wp.test{path}", route.body, headers)
        assert sorted(followed(response)) == expected, path
    rest_path = next(p for p in site.routes if p.startswith("/wp-json/"))
    route = site.routes[rest_path]
    headers = [("Content-Type", route.content_type), ("X-WP-TotalPages", "2")]
    response = build_response(f"http://wp.test{rest_path}", route.body, headers)
    found = followed(response)
    assert sorted(u for u, kind in found if kind == "article") == posts
    assert [u for u, kind in found if kind == "listing"] == [
        f"http://wp.test{rest_path.replace('&page=1&', '&page=2&')}"
    ]
    # a real REST answer (msdos.club), pretty-printed as its source saved it
    body = (corpus / "wp-rest/msdos.club_wp-v2-posts_embed_page1.json").read_bytes()
    url = "https://msdos.club/wp-json/wp/v2/posts?_embed&page=1"
    response = build_response(url, body, [("Content-Type", "application/json; charset=UTF-8")])
    links = [u for u, kind in followed(response) if kind == "article"]
    assert len(links) == len(json.loads(body)) == 6
    feed = site.routes["/feed/"]
    response = build_response(
        "http://wp.test/feed/", feed.body, [("Content-Type", feed.content_type)]
    )
    assert {u for u, _ in followed(response)} <= set(posts) and followed(response)


def test_a_start_page_read_back_discovers_the_post_indexes():
    """The home page rebuilt from its record (no request meta) still leads to the sitemap."""
    site = build_wpsite(posts=4, base="http://wp.test")
    home = site.routes["/"]
    response = build_response("http://wp.test/", home.body, [("Content-Type", "text/html")])
    assert ("http://wp.test/wp-sitemap.xml", "listing") in followed(response)


def test_a_thread_short_of_its_shown_count_is_recorded(tmp_path):
    """A comment page that cannot be fetched leaves the thread short of the count its page
    shows: a thread_incomplete row says so, the status shows it, a rebuild keeps it."""
    server, site = serve({"posts": 2})
    post = site.posts[0]
    lost = site.comment_page_paths(post)[0]
    del server.routes[lost]
    with server:
        archive = crawl(server.url + post.path, tmp_path)
    db = archive / "archive.db"
    stored = rows(db, "SELECT COUNT(*) FROM comments")[0][0]
    assert 0 < stored < len(post.comments)
    short = [(server.url + post.path, f"shown {len(post.comments)}, found {stored}")]
    query = "SELECT url, detail FROM fetch_errors WHERE error = 'thread_incomplete'"
    assert rows(db, query) == short
    assert "short threads: 1" in archiver("status", "--archive", str(archive)).stdout
    archiver("reparse", "--archive", str(archive))
    assert rows(db, query) == short


def test_a_listing_of_one_post_is_no_post_page():
    """The last listing page may show a single post: it is still a listing (found by the
    race experiment: /page/14/ of a 40-post site was read as its one post's page)."""
    site = build_wpsite(posts=4, base="http://site.test")  # 3 posts a listing: /page/2/ has one
    body = site.routes["/page/2/"].body
    assert body.count(b'id="post-') == 1
    response = HtmlResponse("http://site.test/page/2/", body=body, encoding="utf-8")
    assert list(parse_page(response)) == []


@pytest.mark.parametrize(
    ("heading", "count"),
    [
        ("51 Kommentare", 51),
        ("2 thoughts on “Title”", 2),
        ("One thought on “Title”", 1),
        ("Ein Gedanke zu „Title“", 1),
        ("3 réflexions sur « Title »", 3),
        ("Un commentaire", 1),  # lapresse.ca
        ("2 Comentários", 2),  # comoeducarseusfilhos.com.br
        ("12 comentarios en «Title»", 12),
        ("Una respuesta a «Title»", 1),
        ("2 pensieri su “Title”", 2),
        ("Commenti (4)", 4),
        ("5 reacties op “Title”", 5),
        ("7 komentarzy", 7),
        ("3 комментария к записи «Title»", 3),
        ("Leave a comment", None),
        ("Hinterlasse einen Kommentar", None),
        ("Laisser un commentaire", None),
        ("Comments are closed.", None),
    ],
)
def test_the_count_a_thread_heading_shows(heading, count):
    """The count themes print over a thread, in WordPress's translations; the comment
    form's heading ("Leave a comment", "Einen Kommentar abschicken") is no count."""
    page = f"""<html><body class="single postid-7"><article id="post-7"></article>
    <div id="comments"><h2 class="comments-title">{heading}</h2></div>
    <div id="respond" class="comment-respond"><h3 id="reply-title" class="comment-reply-title">
    Einen Kommentar abschicken</h3></div></body></html>"""
    response = HtmlResponse("https://blog.test/p/", body=page.encode(), encoding="utf-8")
    articles = [i for i in parse_page(response) if isinstance(i, Article)]
    assert articles[0].comment_count == count
