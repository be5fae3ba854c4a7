"""`archiver serve`: the real Datasette server, looked at in headless Chromium."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote
from urllib.request import urlopen

from tests.browser import archiver_server, chromium_page, free_port, screenshot
from tests.mockserver import MockServer, Route
from tests.test_crawl_e2e import LOOPBACK, ROBOTS, archiver, rows

REPLAY_BASE = "http://127.0.0.1:9/archive/"  # links are checked, not followed

# Reads one rendered thread: what a person sees of each comment, in page order.
READ_THREAD = """() => Array.from(document.querySelectorAll('li.comment')).map(li => ({
    id: li.id,
    depth: Number(li.dataset.depth),
    left: li.getBoundingClientRect().left,
    author: li.querySelector('.comment-author').textContent,
    text: li.querySelector('.comment-text').textContent,
    quotes: Array.from(li.querySelectorAll('a.quoted-link')).map(a => a.getAttribute('href')),
    replay: li.querySelector('a.replay-link').href,
}))"""


@contextmanager
def datasette(archive: Path) -> Iterator[str]:
    """`archiver serve` on a free port; yields the URL of the `archive` database."""
    port = free_port()
    args = ["serve", "--archive", str(archive), "--port", str(port), "--replay-url", REPLAY_BASE]
    with archiver_server(args, f"http://127.0.0.1:{port}/-/versions.json"):
        yield f"http://127.0.0.1:{port}/archive"


def get_json(url: str) -> object:
    with urlopen(url, timeout=30) as response:
        return json.load(response)


def replay_url(fetched_at: str, url: str) -> str:
    return f"{REPLAY_BASE}{re.sub(r'[^0-9]', '', fetched_at)[:14]}/{url}"


def expected_thread(db: Path, article: int) -> list[dict]:
    """The thread as the database holds it, depth computed here from parent links."""
    comments = rows(
        db,
        f"""SELECT c.id, c.parent_id, au.name, c.body_text, cap.fetched_at, cap.url
        FROM comments c LEFT JOIN authors au ON au.id = c.author_id
        JOIN captures cap ON cap.id = c.capture_id
        WHERE c.article_id = {article} ORDER BY c.position""",
    )
    quoted = rows(
        db,
        f"""SELECT q.comment_id, q.quoted_comment_id FROM quotes q JOIN comments c
        ON c.id = q.comment_id WHERE c.article_id = {article}
        AND q.quoted_comment_id IS NOT NULL ORDER BY q.comment_id, q.ordinal""",
    )
    depth: dict[int, int] = {}
    thread = []
    for cid, parent, author, text, fetched_at, url in comments:
        depth[cid] = depth[parent] + 1 if parent in depth else 0
        thread.append(
            {
                "id": f"comment-{cid}",
                "depth": depth[cid],
                "author": author or "(no name)",  # a moderated comment has no author
                "text": text,
                "quotes": [f"#comment-{target}" for source, target in quoted if source == cid],
                "replay": replay_url(fetched_at, url),
            }
        )
    return thread


def read_thread(page) -> list[dict]:
    return page.evaluate(READ_THREAD)


def test_thread_view_shows_a_demo_thread_in_order(demo_archive):
    db = demo_archive / "archive.db"
    [(article, title)] = rows(
        db,
        """SELECT a.id, a.title FROM articles a JOIN comments c ON c.article_id = a.id
        GROUP BY a.id ORDER BY COUNT(*) DESC, a.id LIMIT 1""",
    )
    expected = expected_thread(db, article)
    with datasette(demo_archive) as base, chromium_page() as page:
        page.goto(f"{base}/thread?article={article}")
        assert page.locator("h2.thread-article").text_content() == title
        seen = read_thread(page)
        shot = screenshot(page, "serve-thread-demo", full_page=True)
        assert [{k: c[k] for k in expected[0]} for c in seen] == expected
        assert any(c["quotes"] for c in seen)
        # the longest thread spans two comment pages: each comment links to its own page
        assert len({c["replay"] for c in seen}) == 2
        # a person follows a quote to the quoted comment
        first_quote = next(c["quotes"][0] for c in seen if c["quotes"])
        page.locator(f'a.quoted-link[href="{first_quote}"]').first.click()
        assert page.url.endswith(first_quote)
        assert page.locator(f"li{first_quote}").is_visible()
        assert page.dialogs == []
    assert shot.exists()


def test_thread_view_indents_a_real_hackernews_thread(corpus, tmp_path):
    """A crawl of a real HN story page shows as a thread nested as on the site."""
    story_page = (corpus / "hackernews" / "easyhn_item_48350598.html").read_bytes()
    routes = {"/robots.txt": ROBOTS, "/item?id=48350598": Route(story_page, encoding="gzip")}
    archive = tmp_path / "archive"
    with MockServer(routes) as server:
        story = server.url + "/item?id=48350598"
        archiver("crawl", "hackernews", "--url", story, "--archive", str(archive), *LOOPBACK)
    db = archive / "archive.db"
    [(article,)] = rows(db, "SELECT article_id FROM comments GROUP BY article_id")
    expected = expected_thread(db, article)
    assert len(expected) == story_page.count(b'<tr class="athing comtr"')
    assert max(c["depth"] for c in expected) >= 3
    with datasette(archive) as base, chromium_page() as page:
        page.goto(f"{base}/thread?article={article}")
        seen = read_thread(page)
        screenshot(page, "serve-thread-hackernews")
    assert [{k: c[k] for k in expected[0]} for c in seen] == expected
    # indented by depth: each level sits further right than the one above it
    left = {c["depth"]: c["left"] for c in seen}
    assert all(left[d] < left[d + 1] for d in range(max(left)))


def test_lists_facets_search_and_canned_queries(demo_archive):
    db = demo_archive / "archive.db"
    with datasette(demo_archive) as base:
        articles = get_json(f"{base}/article_list.json?_shape=objects")
        facets = articles["facet_results"]
        searched = get_json(f"{base}/comment_list.json?_search=sceptique&_shape=array")
        quoting = get_json(f"{base}/who_quotes_whom.json?_shape=array")
        author = rows(db, "SELECT name FROM authors ORDER BY name LIMIT 1")[0][0]
        by_author = get_json(f"{base}/author_comments.json?_shape=array&author={quote(author)}")
        discussed = get_json(f"{base}/most_discussed.json?_shape=array")
        with chromium_page() as page:
            page.goto(f"{base}/article_list")
            assert page.locator("h1").first.text_content().strip() == "Articles (view)"
            assert page.locator(".facet-info").count() == 3
            screenshot(page, "serve-article-list", full_page=True)
    assert set(facets) == {"site", "author", "month"}
    months = rows(db, "SELECT substr(published, 1, 7), COUNT(*) FROM articles GROUP BY 1")
    assert {(r["value"], r["count"]) for r in facets["month"]["results"]} == set(months)
    # default sort: newest article first
    newest = rows(db, "SELECT title FROM articles ORDER BY published DESC LIMIT 1")[0][0]
    assert articles["rows"][0]["title"] == newest
    texts = rows(db, "SELECT id, body_text FROM comments")
    assert sorted(c["id"] for c in searched) == sorted(
        cid for cid, text in texts if re.search(r"\bsceptique\b", text, re.I)
    )
    assert searched
    pairs = rows(
        db,
        """SELECT au.name, q.quoted_author FROM quotes q JOIN comments c ON c.id = q.comment_id
        JOIN authors au ON au.id = c.author_id
        WHERE q.kind = 'comment' AND q.quoted_author IS NOT NULL""",
    )
    assert Counter({(r["author"], r["quoted_author"]): r["quotes"] for r in quoting}) == Counter(
        pairs
    )
    own = rows(
        db,
        f"""SELECT c.id FROM comments c JOIN authors au ON au.id = c.author_id
        WHERE au.name = '{author}'""",
    )
    assert sorted(r["comment_id"] for r in by_author) == sorted(cid for (cid,) in own)
    counts = rows(db, "SELECT article_id, COUNT(*) FROM comments GROUP BY 1 ORDER BY 2 DESC")
    assert discussed[0]["comments"] == counts[0][1]
    assert len(discussed) == len(rows(db, "SELECT id FROM articles"))


NEXT_INK_HOSTILE = """<!DOCTYPE html><html lang="fr-FR"><head><meta charset="UTF-8">
<title>Article piégé - Next</title>
<meta property="og:title" content="&lt;img src=x onerror=alert(5)&gt; Article piégé">
<meta property="article:published_time" content="2024-03-06T06:42:00+01:00">
</head><body><main>
<article data-post-id="4242" class="post-4242 post type-post">
<h1 class="article-title">&lt;img src=x onerror=alert(5)&gt; Article piégé</h1>
<div class="article-author"><a href="/author/x/" rel="author">Rédaction</a></div>
<div class="article-date"><time datetime="2024-03-06T06:42:00+01:00">6 mars 2024</time></div>
<div class="article-contenu"><p>Un article ordinaire.</p></div>
</article>
<section id="comments" class="comments">
<h2 class="comments-title">Commentaires (<span class="comments-count">2</span>)</h2>
<div class="comments-list">
<div class="comment" id="comment-1" data-comment-id="1" data-comment-date="2024-03-06 08:00:00">
 <div class="comment-header">
  <div class="next-status-name-user">&lt;script&gt;alert(1)&lt;/script&gt;</div>
  <a class="comment-number" href="#comment-1">#1</a></div>
 <div class="comment-content">
<p>Voir <a href="javascript:alert(2)">ce lien</a> <img src="x" onerror="alert(3)">
<script>alert(4)</script><b onmouseover="alert(6)">en gras</b></p>
 </div>
</div>
<div class="comment" id="comment-2" data-comment-id="2" data-comment-date="2024-03-06 09:00:00">
 <div class="comment-header"><div class="next-status-name-user">fofo</div>
  <a class="comment-number" href="#comment-2">#2</a></div>
 <div class="comment-content">
<p>&lt;script&gt;alert(1)&lt;/script&gt; a dit :</p>
<blockquote>Voir ce lien</blockquote>
<p>Rien de méchant ici. Essayez &lt;img src=x onerror=alert(8)&gt; chez vous.</p>
 </div>
</div>
</div></section></main></body></html>"""


# True when some script element of the page carries archived code.
NO_ARCHIVED_SCRIPT = "Array.from(document.scripts).some(s => s.textContent.includes('alert('))"


def test_hostile_content_is_shown_as_text_never_run(tmp_path):
    path = "/4242/article-piege/"
    routes = {"/robots.txt": ROBOTS, path: Route(NEXT_INK_HOSTILE.encode())}
    archive = tmp_path / "archive"
    with MockServer(routes) as server:
        archiver(
            "crawl", "next_ink", "--url", server.url + path, "--archive", str(archive), *LOOPBACK
        )
    db = archive / "archive.db"
    assert rows(db, "SELECT name FROM authors WHERE name LIKE '<script>%'") == [
        ("<script>alert(1)</script>",)
    ]
    [(article,)] = rows(db, "SELECT id FROM articles")
    author, title = "<script>alert(1)</script>", "<img src=x onerror=alert(5)> Article piégé"
    pages = {  # page: (path, hostile text it must show as text)
        "thread": (f"thread?article={article}", "<img src=x onerror=alert(8)>"),
        "comment-list": ("comment_list", author),
        "comments-table": ("comments", author),
        "articles-table": ("articles", title),
        "article-list": ("article_list", title),
        "who-quotes-whom": ("who_quotes_whom", author),
    }
    with datasette(archive) as base, chromium_page() as page:
        for name, (target, text) in pages.items():
            page.goto(f"{base}/{target}")
            page.mouse.move(400, 400)
            assert not page.evaluate(NO_ARCHIVED_SCRIPT), name
            assert page.locator('a[href^="javascript:"]').count() == 0
            assert page.locator("[onerror], [onmouseover]").count() == 0
            shown = page.locator("body").inner_text()
            assert text in shown, name
            if name == "thread":
                screenshot(page, "serve-hostile-thread", full_page=True)
        assert page.dialogs == []
