"""WordPress's REST API as a post's second source of comments.

A real post page (blisterreview.com: 22 comments, 10 replies, three levels) with every
comment id hidden, as themes that print none do: its markup yields no comment, so the
spider asks the API, which answers with the same thread in the shape of a real API
answer (msdos.club's, the corpus's), split over two pages (`X-WP-TotalPages`). The
thread comes out whole with its parents, and reparse rebuilds the same rows.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

from archiver.extract.responses import build_response
from archiver.items import Comment, FetchError
from archiver.platforms.wordpress import parse_page
from archiver.platforms.wordpress.rest import comments_url
from tests.mockserver import MockServer, Route
from tests.test_crawl_e2e import LOOPBACK, archiver, rows, snapshot
from tests.test_sites import save_page

CASE = Path(__file__).parent / "sites" / "wordpress" / "blisterreview_outline"
JSON = "application/json; charset=UTF-8"
# What a theme that shows no comment ids leaves of the core walker's: no id attributes,
# no permalinks to them, no reply links naming them.
_IDS = re.compile(rb'\s(?:id|data-commentid|data-belowelement)="(?:li-|div-)?comment-?\d*"')
_PERMALINKS = re.compile(rb"#comment-\d+|replytocom=\d+")


def _hidden_ids(body: bytes) -> bytes:
    return _PERMALINKS.sub(b"#comments", _IDS.sub(b"", body))


def _served(body: bytes, origin: str, local: str) -> bytes:
    return body.replace(origin.encode(), local.encode())


def _api_pages(expected: list[dict], post_url: str, template: dict) -> list[list[dict]]:
    """The golden thread as the API lists it (oldest first), in two pages."""
    entries = []
    for item in (i for i in expected if i["type"] == "Comment"):
        entry = copy.deepcopy(template)
        entry.update(
            id=int(item["site_comment_id"]),
            post=int(item["site_article_id"]),
            parent=int(item["parent_site_comment_id"] or 0),
            author_name=item["author"],
            date_gmt=item["posted"].removesuffix("Z"),
            content={"rendered": item["body_html"]},
            link=f"{post_url}#comment-{item['site_comment_id']}",
        )
        entries.append(entry)
    entries.sort(key=lambda e: (e["date_gmt"], e["id"]))
    return [entries[:12], entries[12:]]


def test_a_theme_hiding_its_comment_ids_is_read_through_the_api(corpus, tmp_path):
    meta = json.loads((CASE / "meta.json").read_text())
    expected = json.loads((CASE / "expected.json").read_text())
    page = _hidden_ids((corpus / meta["corpus"]).read_bytes())
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(meta["url"]))
    html = [("Content-Type", "text/html; charset=UTF-8")]
    assert not [
        i for i in parse_page(build_response(meta["url"], page, html)) if isinstance(i, Comment)
    ]

    server = MockServer({})
    post_url = server.url + urlsplit(meta["url"]).path
    template = json.loads((corpus / "wp-rest/msdos.club_wp-v2-comments_post730.json").read_text())[
        0
    ]
    pages = _api_pages(expected, post_url, template)
    post_id = expected[0]["site_article_id"]
    server.routes[urlsplit(post_url).path] = Route(_served(page, origin, server.url))
    for number, entries in enumerate(pages, start=1):
        url = comments_url(server.url + "/wp-json/", post_id, number)
        server.routes[url.removeprefix(server.url)] = Route(
            json.dumps(entries).encode(), content_type=JSON, headers=[("X-WP-TotalPages", "2")]
        )
    archive = tmp_path / "archive"
    with server:
        archiver("crawl", "wordpress", "--url", post_url, "--archive", str(archive), *LOOPBACK)
    db = archive / "archive.db"

    got = rows(
        db,
        """SELECT c.site_comment_id, c.parent_site_comment_id, p.site_comment_id, au.name,
        c.posted FROM comments c LEFT JOIN comments p ON p.id = c.parent_id
        LEFT JOIN authors au ON au.id = c.author_id""",
    )
    want = [
        (c["site_comment_id"], c["parent_site_comment_id"], c["parent_site_comment_id"],
         c["author"], c["posted"])
        for c in expected if c["type"] == "Comment"
    ]  # fmt: skip
    assert sorted(got) == sorted(want) and len(got) == 22
    assert len([w for w in want if w[1]]) == 10
    articles = rows(db, "SELECT site_article_id, url, comment_count FROM articles")
    assert articles == [(post_id, post_url, 22)]  # the post page stays the article's source
    assert rows(db, "SELECT error, url FROM fetch_errors") == []

    before = snapshot(db)
    archiver("reparse", "--archive", str(archive), "--no-progress")
    assert snapshot(db) == before


def test_an_api_answering_no_list_is_a_recorded_error():
    """A login wall or an HTML error page where the comments should be: a parse_error
    row naming the URL, never a crash and never comments made up."""
    url = comments_url("https://blog.test/wp-json/", "7")
    for body in (b"<html><body>Please log in</body></html>", b'{"code": "rest_forbidden"}'):
        items = list(parse_page(build_response(url, body, [("Content-Type", JSON)])))
        assert [type(i) for i in items] == [FetchError]
        assert items[0].error == "parse_error" and "no list of comments" in items[0].detail


def test_the_api_and_the_page_agree_or_say_so(corpus, tmp_path):
    """The real page and its thread through the API, saved one after the other: the
    same ids and parents give no row; a parent the API tells otherwise is one
    `sources_disagree` row; a source that shows no nesting keeps the parents known."""
    from archiver.store.schema import open_db

    meta = json.loads((CASE / "meta.json").read_text())
    expected = json.loads((CASE / "expected.json").read_text())
    body = (corpus / meta["corpus"]).read_bytes()
    db = open_db(tmp_path / "archive.db")
    html = [("Content-Type", "text/html; charset=UTF-8")]
    api_url = comments_url("https://blisterreview.com/wp-json/", expected[0]["site_article_id"])
    real_api = corpus / "wp-rest/msdos.club_wp-v2-comments_post730.json"
    template = json.loads(real_api.read_text())[0]
    entries = [e for page in _api_pages(expected, meta["url"], template) for e in page]

    def save(url: str, payload: bytes, headers: list, number: int) -> None:
        save_page(db, parse_page, url, payload, headers, meta["fetched_at"], number)

    def disagreements() -> list:
        return db.execute("SELECT url, detail FROM fetch_errors"
                          " WHERE error = 'sources_disagree'").fetchall()  # fmt: skip

    save(meta["url"], body, html, 1)
    save(api_url, json.dumps(entries).encode(), [("Content-Type", JSON)], 2)
    assert disagreements() == []
    child = next(e for e in entries if e["parent"])
    other = next(e for e in entries if e["id"] not in (child["id"], child["parent"]))
    changed = [dict(e, parent=other["id"]) if e is child else e for e in entries]
    save(api_url, json.dumps(changed).encode(), [("Content-Type", JSON)], 3)
    ((url, detail),) = disagreements()
    assert url == api_url and f"comment {child['id']}: parent {other['id']} here" in detail
    flat = [dict(e, parent=0) for e in entries]  # a source that shows no nesting
    save(api_url, json.dumps(flat).encode(), [("Content-Type", JSON)], 4)
    parents = db.execute("SELECT COUNT(*) FROM comments WHERE parent_site_comment_id IS NOT NULL")
    assert parents.fetchone()[0] == 10
