"""Forum engines end to end: a listing, a real thread page and its second page, bad pages.

Each forum is served on 127.0.0.1 from the shared corpus's real pages: page 1 as saved
(its links moved to the local server, a link to page 2 added where the page has none),
page 2 the same page with every post id shifted, so it holds other posts. Beside them,
thread links that answer an empty page, a 429 and a board's HTML error page: each is
a `fetch_errors` row and the rest of the forum still comes out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from archiver.platforms.forum.thread import page_number, without_session
from tests.mockserver import MockServer, Route
from tests.test_crawl_e2e import LOOPBACK, ROBOTS, archiver, rows, snapshot

FAST_RETRY = ["-s", "RETRY_TIMES=1", "-s", "RETRY_BACKOFF_BASE=0.1"]
ERROR_PAGE = b"""<!DOCTYPE html><html><head><title>Error</title></head><body>
<div class="blockMessage">You do not have permission to view this page or perform this
action.</div></body></html>"""
SHIFT = 1_000_000  # page 2's post ids: page 1's plus this


@dataclass
class Forum:
    spider: str
    start: str  # the listing's path
    routes: dict[str, Route]
    errors: list[tuple[str, str]]  # (path, kind) expected in fetch_errors
    posts: list[str]  # page 1's post ids, in order; the first is the article


def shifted(body: bytes, ids: list[str]) -> bytes:
    """The page with each post id replaced by id + SHIFT: page 2 holds other posts."""
    for post_id in ids:
        body = re.sub(
            rb"(?<!\d)%s(?!\d)" % post_id.encode(), str(int(post_id) + SHIFT).encode(), body
        )
    return body


def bad_routes(paths: list[str]) -> tuple[dict[str, Route], list[tuple[str, str]]]:
    empty, limited, error = paths
    routes = {
        empty: Route(b""),
        limited: Route(b"slow down", 429, "text/plain"),
        error: Route(ERROR_PAGE),
    }
    return routes, [(empty, "parse_error"), (limited, "http_429"), (error, "parse_error")]


def listing(links: list[str], css: str) -> bytes:
    items = "".join(f'<div class="{css}"><a class="{css}" href="{h}">t</a></div>' for h in links)
    return f"<!DOCTYPE html><html><body>{items}</body></html>".encode()


def xenforo(corpus: Path) -> Forum:
    body = (corpus / "xenforo" / "katzen-forum.net_threads_230143.html").read_bytes()
    thread = "/threads/jede-nacht-verliert-pepe-soviel-dreck-aus-dem-fell.230143/"
    ids = re.findall(r'data-content="post-(\d+)"', body.decode())
    nav = f'<a class="pageNav-jump pageNav-jump--next" href="{thread}page-2">Weiter</a>'
    page1 = body.replace(b'<div class="block-outer"></div>', nav.encode(), 1)
    bad = ["/threads/empty.1/", "/threads/busy.2/", "/threads/private.3/"]
    routes, errors = bad_routes(bad)
    routes |= {
        "/forums/freigaenger.15/": Route(
            listing([thread, *bad, "/forums/freigaenger.15/page-2"], "structItem-title")
        ),
        "/forums/freigaenger.15/page-2": Route(listing([], "structItem-title")),
        thread: Route(page1),
        thread + "page-2": Route(shifted(body, ids)),
    }
    return Forum("xenforo", "/forums/freigaenger.15/", routes, errors, ids)


def phpbb(corpus: Path) -> Forum:
    body = (corpus / "phpbb" / "raspberrypi.org_phpBB3_viewtopic_t28017.html").read_bytes()
    ids = re.findall(r'<div id="p(\d+)"', body.decode())
    nav = b'5 posts <a href="./viewtopic.php?f=35&amp;t=28017&amp;start=5">2</a>'
    page1 = body.replace(b"5 posts", nav, 1)
    # phpBB 2 in ISO-8859-1: its <meta> names the charset, the header does not
    old = (corpus / "phpbb" / "forumer.com_phpBB2_viewtopic_t805.html").read_bytes()
    old = old.replace(b"Best of luck", "Bon voyage, café crème! Best of luck".encode("latin-1"))
    bad = ["/phpBB3/viewtopic.php?t=1", "/phpBB3/viewtopic.php?t=2", "/phpBB3/viewtopic.php?t=3"]
    routes, errors = bad_routes(bad)
    topics = [
        "viewtopic.php?f=35&t=28017",
        "viewtopic.php?t=805",
        *(b.rsplit("/", 1)[1] for b in bad),
    ]
    routes |= {
        "/phpBB3/viewforum.php?f=35": Route(listing(topics, "topictitle")),
        "/phpBB3/viewtopic.php?f=35&t=28017": Route(page1),
        "/phpBB3/viewtopic.php?f=35&t=28017&start=5": Route(shifted(page1, ids)),
        "/phpBB3/viewtopic.php?t=805": Route(old, content_type="text/html"),
    }
    return Forum("phpbb", "/phpBB3/viewforum.php?f=35", routes, errors, ids)


def smf(corpus: Path, base: str) -> Forum:
    body = (corpus / "smf" / "forums.contribs.org_topic_38573.html").read_bytes()
    page1 = body.replace(b"http://forums.contribs.org", base.encode())
    ids = re.findall(r'<div class="inner" id="msg_(\d+)"', body.decode())
    page2 = shifted(page1, ids).replace(b"topic,38573.0.html", b"topic,38573.15.html")
    bad = [f"/index.php/topic,{n}.0.html" for n in (1, 2, 3)]
    routes, errors = bad_routes(bad)
    thread = "/index.php/topic,38573.0.html"
    routes |= {
        "/index.php/board,2.0.html": Route(listing([thread, *bad], "subject")),
        thread: Route(page1),
        "/index.php/topic,38573.15.html": Route(page2),
    }
    return Forum("smf", "/index.php/board,2.0.html", routes, errors, ids)


@pytest.mark.parametrize("engine", ["xenforo", "phpbb", "smf"])
def test_crawl_listing_threads_pages_and_bad_pages(engine, corpus, tmp_path):
    archive = tmp_path / "archive"
    with MockServer({"/robots.txt": ROBOTS}) as server:
        forum = smf(corpus, server.url) if engine == "smf" else globals()[engine](corpus)
        server.routes.update(forum.routes)
        archiver(
            "crawl", forum.spider, "--url", server.url + forum.start,
            "--archive", str(archive), *LOOPBACK, *FAST_RETRY,
        )  # fmt: skip
        db = archive / "archive.db"
        requested = set(server.requests)
    assert set(forum.routes) - {"/robots.txt"} <= requested  # every thread and page reached
    errors = rows(db, "SELECT url, error FROM fetch_errors ORDER BY url")
    assert errors == sorted((server.url + path, kind) for path, kind in forum.errors)
    # page 1: the first post is the article, the rest comments; page 2: every post a comment
    page1, page2 = forum.posts[1:], [str(int(i) + SHIFT) for i in forum.posts]
    ordered = rows(
        db,
        "SELECT c.site_comment_id, c.page FROM comments c JOIN articles a ON a.id = c.article_id"
        f" WHERE a.site_article_id = '{THREADS[engine]}' ORDER BY c.position",
    )
    assert ordered == [(i, 1) for i in page1] + [(i, 2) for i in page2]
    # every quote of page 2 is linked to a post of page 2, as page 1's to page 1's
    linked = rows(
        db,
        "SELECT COUNT(*), COUNT(q.quoted_comment_id), SUM(qc.page = c.page) FROM quotes q"
        " JOIN comments c ON c.id = q.comment_id"
        " LEFT JOIN comments qc ON qc.id = q.quoted_comment_id",
    )
    assert linked == [(2 * QUOTES[engine], 2 * QUOTES[engine], 2 * QUOTES[engine])]
    before = snapshot(db)
    archiver("reparse", "--archive", str(archive), "--no-progress")
    assert snapshot(db) == before


THREADS = {"xenforo": "230143", "phpbb": "28017", "smf": "38573"}
QUOTES = {"xenforo": 2, "phpbb": 3, "smf": 13}


def test_old_board_decodes_by_its_meta_charset(corpus, tmp_path):
    """phpBB 2's ISO-8859-1 page, served without a charset, reads as its <meta> says."""
    forum = phpbb(corpus)
    archive = tmp_path / "archive"
    with MockServer({"/robots.txt": ROBOTS, **forum.routes}) as server:
        url = server.url + "/phpBB3/viewtopic.php?t=805"
        archiver("crawl", "phpbb", "--url", url, "--archive", str(archive), *LOOPBACK)
    found = rows(
        archive / "archive.db", "SELECT body_text FROM comments WHERE site_comment_id = '4514'"
    )
    assert found[0][0].startswith("Bon voyage, café crème! Best of luck")


def test_page_numbers_and_session_ids():
    assert page_number(None, []) == 1
    assert page_number(15, [0]) == 2
    assert page_number(30, [0, 15, 45]) == 3
    assert page_number(0, [15, 30]) == 1
    assert (
        without_session("http://f.example/index.php?PHPSESSID=ab12&action=profile;u=3")
        == "http://f.example/index.php?action=profile;u=3"
    )
    assert (
        without_session("http://f.example/viewtopic.php?f=3&t=9&sid=c5238&start=15")
        == "http://f.example/viewtopic.php?f=3&t=9&start=15"
    )
    assert without_session("http://f.example/topic,1.0.html?PHPSESSID=x") == (
        "http://f.example/topic,1.0.html"
    )


PHPBB31 = b"""<html lang="en-gb"><body>
<h2 class="topic-title"><a href="./viewtopic.php?t=7">T</a></h2>
<div id="p1" class="post"><div class="postbody"><p class="author"><span>by <strong>
<a class="username" href="./memberlist.php?mode=viewprofile&amp;u=2">ann</a></strong> &raquo;
</span><time datetime="2019-01-01T12:00:00+00:00">Tue Jan 01, 2019 12:00 pm</time></p>
<div class="content">Hello there, board.</div></div></div>
<div id="p2" class="post"><div class="postbody"><p class="author">by <strong>
<a class="username" href="#">bob</a></strong> &raquo; <time datetime="2019-01-02T12:00:00+00:00">x
</time></p><div class="content"><blockquote cite="./viewtopic.php?p=1#p1"><div><cite>
<a href="./memberlist.php?mode=viewprofile&amp;u=2">ann</a> wrote: <a href="./viewtopic.php?p=1#p1"
data-post-id="1">^</a><span>Tue Jan 01, 2019 12:00 pm</span></cite>Hello there</div></blockquote>
Hi ann.</div></div></div>
<div id="p3" class="post"><div class="postbody"><p class="author">by <strong>
<a class="username" href="#">cy</a></strong> &raquo; <time datetime="2019-01-03T12:00:00+00:00">x
</time></p><div class="content"><blockquote cite="./viewtopic.php?p=99#p99"><div><cite>
<a href="./memberlist.php?mode=viewprofile&amp;u=4">dee</a> wrote:</cite>older words</div>
</blockquote>And mine.</div></div></div></body></html>"""

PHPBB2_QUOTE = b"""<html><body><table class="forumline"><tr><td class="row1"><span class="name">
<a name="11"></a><b>ann</b></span></td><td class="row1"><table><tr><td>
<a href="viewtopic.php?p=11#11"></a><span class="postdetails">Posted: Mon Jun 07, 2010 12:42 pm
</span></td></tr><tr><td>
<span class="postbody">First words</span></td></tr></table></td></tr>
<tr><td class="row2"><span class="name"><a name="12"></a><b>bob</b></span></td><td class="row2">
<table><tr><td><a href="viewtopic.php?p=12#12"></a><span class="postdetails">Posted: Tue Jun 08,
2010 1:00 am</span></td></tr><tr><td><span class="postbody"><table width="90%"><tr><td>
<span class="genmed"><b>ann wrote:</b></span></td></tr><tr><td class="quote">First words</td></tr>
</table>Agreed.</span></td></tr></table></td></tr></table>
<a href="posting.php?mode=reply&amp;t=9">reply</a></body></html>"""


def test_phpbb_quotes_name_their_post_or_are_found_by_their_words():
    from archiver.extract.page import extract
    from archiver.extract.responses import build_response
    from archiver.items import Comment, Quote
    from spiders.phpbb import parse_page

    def read(url: str, body: bytes) -> list:
        response = build_response(
            url, body, [("Content-Type", "text/html")], fetched_at="2020-01-01T00:00:00Z"
        )
        return list(extract(parse_page, response))

    items = read("https://b.example/viewtopic.php?t=7", PHPBB31)
    quotes = [(q.site_comment_id, q.kind, q.quoted_site_comment_id, q.quoted_author, q.text)
              for q in items if isinstance(q, Quote)]  # fmt: skip
    assert quotes == [
        ("2", "article", None, "ann", "Hello there"),  # post 1 is the topic's body
        ("3", "comment", "99", "dee", "older words"),  # on an earlier page: kept as an id
    ]
    old = read("https://b.example/viewtopic.php?t=9", PHPBB2_QUOTE)
    comments = [c for c in old if isinstance(c, Comment)]
    assert [(c.site_comment_id, c.author, c.posted, c.body_text) for c in comments] == [
        ("12", "bob", "2010-06-08T01:00:00Z", "Agreed.")
    ]
    assert [(q.kind, q.quoted_author, q.text) for q in old if isinstance(q, Quote)] == [
        ("article", "ann", "First words")
    ]
