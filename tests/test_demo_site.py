"""The offline demo site: same bytes each build, every page reachable, counts that hold."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from parsel import Selector

from archiver.ops.demo_site import DemoSite, build_demo_site

# The links a crawl follows: listing -> article, listing -> listing, comments -> comments.
FOLLOWED = "a.block-article-link::attr(href), a.next::attr(href), a.comments-next::attr(href)"


@pytest.fixture
def site(tmp_path) -> DemoSite:
    return build_demo_site(tmp_path / "site")


def written(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def pages(root: Path) -> dict[str, Selector]:
    """Each HTML page by the URL path it is served at."""
    return {
        "/" + path.removesuffix("index.html"): Selector(text=body.decode("utf-8"))
        for path, body in sorted(written(root).items())
        if path.endswith(".html")
    }


def test_two_builds_are_byte_identical(tmp_path):
    build_demo_site(tmp_path / "a")
    build_demo_site(tmp_path / "b")
    build_demo_site(tmp_path / "c", seed=8)
    assert written(tmp_path / "a") == written(tmp_path / "b")
    assert written(tmp_path / "a") != written(tmp_path / "c")


def test_every_followed_link_resolves_and_reaches_every_page(site):
    served = pages(site.root)
    seen, todo = {"/"}, ["/"]
    while todo:
        for href in served[todo.pop()].css(FOLLOWED).getall():
            assert href.startswith("/") and href.endswith("/"), href  # host-relative
            assert (site.root / href.lstrip("/") / "index.html").is_file(), href
            if href not in seen:
                seen.add(href)
                todo.append(href)
    assert seen == set(served)
    assert "Disallow: /connexion/" in (site.root / "robots.txt").read_text()


def test_counts_match_what_the_pages_hold(site):
    served = pages(site.root).values()
    comments = [c for s in served for c in s.css("div.comment[data-comment-id]")]
    posts = {s.css("article::attr(data-post-id)").get() for s in served} - {None}
    found = DemoSite(
        root=site.root,
        articles=len(posts),
        comments=len(comments),
        quotes=sum(len(c.css("div.comment-content blockquote")) for c in comments),
        reply_markers=sum(c.css(".comment-content").get().count("(reply:") for c in comments),
        pages=len(served),
    )
    assert found == site
    assert len({c.attrib["data-comment-id"] for c in comments}) == site.comments


def test_comment_counts_agree_with_the_threads(site):
    served = pages(site.root)
    per_post = Counter()
    for page in served.values():
        post = page.css("article::attr(data-post-id)").get()
        per_post[post] += len(page.css("div.comments-list > div.comment")) if post else 0
    listed = {
        entry.attrib["data-post-id"]: int(entry.css(".block-article-comments::text").get())
        for page in served.values()
        for entry in page.css("div.block-article")
    }
    shown = {p.css("article::attr(data-post-id)").get(): p for p in served.values()}
    assert listed == {post: per_post[post] for post in listed}
    assert all(int(shown[p].css(".comments-count::text").get()) == n for p, n in listed.items())
    assert max(listed.values()) > 20  # one thread runs onto a second comment page


def test_every_quote_convention_appears(site):
    served = pages(site.root)
    html = "".join(s.get() for s in served.values())
    said = "//p[re:test(., 'a dit ?:$')]/following-sibling::*[1][self::blockquote]"
    assert any(s.xpath(said) for s in served.values())
    assert "<blockquote><p>(quote:" in html and ":::1)<br>" in html
    assert '<a href="https://www.example.org/' in html
    assert "<p>(reply:" in html
    moderated = [s.css("div.comment-moderated") for s in served.values()]
    assert sum(map(len, moderated)) == 1
    assert all(not m.css(".next-status-name-user") for group in moderated for m in group)
    article_quotes = [
        quote
        for page in served.values()
        for quote in page.css("div.comment-content > blockquote > p::text").getall()
        if quote in " ".join(page.css("div.article-contenu p::text").getall())
    ]
    assert article_quotes
    authors = {a for s in served.values() for a in s.css(".next-status-name-user::text").getall()}
    assert any(not a.isascii() for a in authors)
    assert any("/comments-2/" in path for path in served)
