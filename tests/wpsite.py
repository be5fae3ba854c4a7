"""A local WordPress-shaped site for end-to-end crawls (and, bigger, for benchmarks).

`build_wpsite(posts, threads, per_page)` returns the routes of a `MockServer` and
what a crawl of it must archive. The markup is WordPress core's: home page and
`/page/N/` listings, `/wp-sitemap.xml` (an index of posts and users sitemaps),
`/feed/`, optionally an open `/wp-json/wp/v2/posts`, posts with non-ASCII slugs,
comment threads nested to depth 5 in `ol.children`, several comment pages per post
(`…/comment-page-N/`, oldest or newest first), comments quoting earlier ones
("X said:"), `?replytocom=` reply links, comment permalinks, a post comment feed
and a "recent comments" widget that shows other posts' comments.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from urllib.parse import quote, urlencode

from tests.mockserver import Route

MAX_DEPTH = 5
POSTS_PER_LISTING = 3
SLUG_WORDS = ["été", "über", "straße", "naïve", "smörgåsbord", "café", "jalapeño", "façade"]
NAMES = ["Zoë", "Jürgen", "Amélie", "Bob", "Chidi", "Dana", "Émile", "Fatma"]
START = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


@dataclass
class WpComment:
    id: int
    post_id: int
    parent: int | None
    depth: int
    author: str
    posted: datetime
    text: str
    quotes: int | None = None  # the earlier comment this one quotes ("X said:")
    page: int = 1


@dataclass
class WpPost:
    id: int
    slug: str
    published: datetime
    threads: list[list[WpComment]] = field(default_factory=list)  # top-level comment + replies

    @property
    def path(self) -> str:
        """The path as the server sees it: UTF-8, percent-encoded."""
        return f"/{self.published:%Y/%m}/{quote(self.slug)}/"

    @property
    def comments(self) -> list[WpComment]:
        return [c for thread in self.threads for c in thread]


@dataclass
class WpSite:
    posts: list[WpPost]
    routes: dict[str, Route]
    pages_per_post: int
    newest_first: bool

    @property
    def comments(self) -> list[WpComment]:
        return [c for post in self.posts for c in post.comments]

    def comment_page_paths(self, post: WpPost) -> list[str]:
        """The comment pages of a post other than the one its own URL shows."""
        shown = self.pages_per_post if self.newest_first else 1
        return [
            f"{post.path}comment-page-{n}/" for n in range(1, self.pages_per_post + 1) if n != shown
        ]


def build_wpsite(
    posts: int = 5,
    threads: int = 7,
    per_page: int = 3,
    newest_first: bool = False,
    rest_api: bool = False,
    sitemap: bool = True,
    base: str = "",
    seed: int = 1,
    quotes_across_pages: bool = False,
) -> WpSite:
    """A site of `posts` posts, each with `threads` top-level threads, `per_page` per page.

    `base` is the server's URL, for the absolute URLs of sitemaps, the feed and the API.
    `quotes_across_pages`: a comment may quote any earlier comment of its post, on an
    earlier comment page too (else only one shown before it on its own page).
    """
    rng = random.Random(seed)
    made = [_post(i, rng, threads, per_page, quotes_across_pages) for i in range(posts)]
    site = WpSite(made, {}, max(1, -(-threads // per_page)), newest_first)
    site.routes = _routes(site, per_page, rest_api, base)
    if not sitemap:
        for path in [p for p in site.routes if "sitemap" in p]:
            del site.routes[path]
    return site


def _post(
    index: int, rng: random.Random, threads: int, per_page: int, across_pages: bool = False
) -> WpPost:
    post_id = 100 + index * 7
    slug = f"{SLUG_WORDS[index % len(SLUG_WORDS)]}-{index}"
    post = WpPost(post_id, slug, START + timedelta(days=index))
    next_id = post_id * 1000
    for number in range(threads):
        page = number // per_page + 1
        thread: list[WpComment] = []
        for _ in range(rng.randint(1, 8)):
            candidates = [c for c in thread if c.depth < MAX_DEPTH]
            parent = thread and candidates and rng.choice(candidates[-3:] + [None])
            next_id += rng.randint(1, 3)
            depth = parent.depth + 1 if parent else 1
            # A quote names a comment shown before it on its page (an earlier thread, or an
            # ancestor): the store resolves a quote among the comments saved before it.
            shown = [c for c in post.comments if across_pages or c.page == page]
            earlier = shown + _ancestors(parent, thread)
            comment = WpComment(
                next_id,
                post_id,
                parent.id if parent else None,
                depth,
                rng.choice(NAMES),
                post.published + timedelta(minutes=17 * (len(post.comments) + len(thread) + 1)),
                f"Comment {next_id} says {rng.choice(SLUG_WORDS)} number {rng.randint(1, 99)}.",
                rng.choice(earlier).id if earlier and rng.random() < 0.25 else None,
                page,
            )
            thread.append(comment)
        # In page order, a reply follows its parent's other replies: sort depth-first.
        post.threads.append(_depth_first(thread))
    return post


def _ancestors(parent: WpComment | None, thread: list[WpComment]) -> list[WpComment]:
    by_id = {c.id: c for c in thread}
    chain = []
    while parent:
        chain.append(parent)
        parent = by_id.get(parent.parent)  # type: ignore[arg-type]
    return chain


def _depth_first(thread: list[WpComment]) -> list[WpComment]:
    ordered: list[WpComment] = []

    def visit(parent: int | None) -> None:
        for comment in thread:
            if comment.parent == parent:
                ordered.append(comment)
                visit(comment.id)

    visit(None)
    return ordered


def _routes(site: WpSite, per_page: int, rest_api: bool, base: str) -> dict[str, Route]:
    routes = {
        "/robots.txt": Route(b"User-agent: *\nDisallow: /wp-admin/\n", content_type="text/plain")
    }
    newest = sorted(site.posts, key=lambda p: p.published, reverse=True)
    listings = [newest[i : i + POSTS_PER_LISTING] for i in range(0, len(newest), POSTS_PER_LISTING)]
    for number, listing in enumerate(listings, start=1):
        path = "/" if number == 1 else f"/page/{number}/"
        more = number < len(listings)
        routes[path] = Route(_listing(listing, number, more).encode())
    xml = "application/xml"
    routes["/wp-sitemap.xml"] = Route(_sitemap_index(base), content_type=xml)
    routes["/wp-sitemap-posts-post-1.xml"] = Route(_urlset(site.posts, base), content_type=xml)
    routes["/wp-sitemap-users-1.xml"] = Route(_urlset([], base), content_type=xml)
    feed = _feed(newest[:POSTS_PER_LISTING], base)
    routes["/feed/"] = Route(feed, content_type="application/rss+xml")
    if rest_api:
        query = urlencode({"per_page": 100, "page": 1, "_fields": "id,link"})
        body = [{"id": p.id, "link": f"{base}{p.path}"} for p in newest]
        routes[f"/wp-json/wp/v2/posts?{query}"] = Route(
            json.dumps(body).encode(),
            content_type="application/json",
            headers=[("X-WP-TotalPages", "1")],
        )
    for post in site.posts:
        others = [p for p in site.posts if p is not post]
        for page in range(1, site.pages_per_post + 1):
            shown = site.pages_per_post if site.newest_first else 1
            path = post.path if page == shown else f"{post.path}comment-page-{page}/"
            html = _post_page(site, post, page, per_page, others)
            routes[path] = Route(html.encode(), encoding="gzip" if page % 2 else None)
    return routes


def _head(title: str, extra: str = "") -> str:
    return f"""<!DOCTYPE html><html lang="en-US"><head><meta charset="UTF-8">
<title>{escape(title)} – Local WP</title>
<link rel="https://api.w.org/" href="/wp-json/">
<link rel="alternate" type="application/rss+xml" title="Local WP Feed" href="/feed/">
{extra}</head>"""


def _listing(posts: list[WpPost], number: int, more: bool) -> str:
    entries = "".join(
        f"""<article id="post-{p.id}" class="post-{p.id} post type-post">
<h2 class="entry-title"><a href="{p.path}" rel="bookmark">{escape(_unquoted(p))}</a></h2>
<time class="entry-date published" datetime="{p.published.isoformat()}">{p.published:%B %d}</time>
</article>"""
        for p in posts
    )
    nav = f'<a class="next page-numbers" href="/page/{number + 1}/">Older posts</a>' if more else ""
    return f"""{_head("Local WP")}<body class="home blog">{entries}
<nav class="navigation pagination"><div class="nav-links">{nav}</div></nav></body></html>"""


def _unquoted(post: WpPost) -> str:
    return f"/{post.published:%Y/%m}/{post.slug}/"


def _sitemap_index(base: str) -> bytes:
    maps = "".join(
        f"<sitemap><loc>{base}/{name}</loc></sitemap>"
        for name in ("wp-sitemap-posts-post-1.xml", "wp-sitemap-users-1.xml")
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{maps}</sitemapindex>'
    ).encode()


def _urlset(posts: list[WpPost], base: str) -> bytes:
    urls = "".join(
        f"<url><loc>{base}{p.path}</loc><lastmod>{p.published.isoformat()}</lastmod></url>"
        for p in posts
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    ).encode()


def _feed(posts: list[WpPost], base: str) -> bytes:
    items = "".join(
        f"<item><title>{p.slug}</title><link>{base}{p.path}</link>"
        f"<pubDate>{format_datetime(p.published)}</pubDate>"
        f"<comments>{base}{p.path}#comments</comments>"
        f"<wfw:commentRss>{base}{p.path}feed/</wfw:commentRss></item>"
        for p in posts
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:wfw="http://wellformedweb.org/CommentAPI/">'
        f"<channel><title>Local WP</title>{items}</channel></rss>"
    ).encode()


def _post_page(site: WpSite, post: WpPost, page: int, per_page: int, others: list[WpPost]) -> str:
    threads = post.threads[(page - 1) * per_page : page * per_page]
    by_id = {c.id: c for c in post.comments}
    items = "".join(_thread(site, post, thread, by_id) for thread in threads)
    head = _head(
        post.slug,
        f'<link rel="shortlink" href="/?p={post.id}">'
        f'<link rel="alternate" type="application/rss+xml" href="{post.path}feed/">'
        f'<meta property="article:published_time" content="{post.published.isoformat()}">',
    )
    return f"""{head}<body class="post-template-default single single-post postid-{post.id}">
<article id="post-{post.id}" class="post-{post.id} post">
<h1 class="entry-title">{escape(post.slug)}</h1>
<div class="entry-content"><p>Post {post.id} is about {escape(post.slug)}.</p></div></article>
<div id="comments" class="comments-area">
<h2 class="comments-title">{len(post.comments)} comments</h2>
<ol class="comment-list">{items}</ol>{_comment_nav(site, post, page)}</div>
{_widget(others)}</body></html>"""


def _thread(site: WpSite, post: WpPost, thread: list[WpComment], by_id: dict) -> str:
    """A thread as the core walker nests it: each reply inside its parent's `ol.children`."""

    def render(comment: WpComment) -> str:
        children = "".join(render(c) for c in thread if c.parent == comment.id)
        nested = f'<ol class="children">{children}</ol>' if children else ""
        return f"""<li id="comment-{comment.id}" class="comment depth-{comment.depth}">
<article id="div-comment-{comment.id}" class="comment-body"><footer class="comment-meta">
<div class="comment-author vcard"><b class="fn">{escape(comment.author)}</b>
<span class="says">says:</span></div>
<div class="comment-metadata"><a href="{_permalink(site, post, comment)}">
<time datetime="{comment.posted.isoformat()}">{comment.posted:%B %d, %Y at %H:%M}</time></a></div>
</footer><div class="comment-content">{_quote(comment, by_id)}<p>{escape(comment.text)}</p></div>
<div class="reply"><a rel="nofollow" class="comment-reply-link"
 href="{post.path}?replytocom={comment.id}#respond" data-commentid="{comment.id}"
 data-postid="{post.id}">Reply</a></div></article>{nested}</li>"""

    return "".join(render(c) for c in thread if c.parent is None)


def _quote(comment: WpComment, by_id: dict) -> str:
    if comment.quotes is None:
        return ""
    quoted = by_id[comment.quotes]
    return (
        f"<p>{escape(quoted.author)} said:</p><blockquote><p>{escape(quoted.text)}</p></blockquote>"
    )


def _permalink(site: WpSite, post: WpPost, comment: WpComment) -> str:
    """WordPress names the comment page in a permalink even when the post's URL shows it."""
    return f"{post.path}comment-page-{comment.page}/#comment-{comment.id}"


def _comment_nav(site: WpSite, post: WpPost, page: int) -> str:
    if site.pages_per_post == 1:
        return ""
    shown = site.pages_per_post if site.newest_first else 1

    def href(number: int) -> str:
        return post.path if number == shown else f"{post.path}comment-page-{number}/#comments"

    older = (
        f'<div class="nav-previous"><a href="{href(page - 1)}">Older comments</a></div>'
        if page > 1
        else ""
    )
    newer = (
        f'<div class="nav-next"><a href="{href(page + 1)}">Newer comments</a></div>'
        if page < site.pages_per_post
        else ""
    )
    links = f'<div class="nav-links">{older}{newer}</div>'
    return f'<nav class="navigation comment-navigation">{links}</nav>'


def _widget(others: list[WpPost]) -> str:
    """A "recent comments" widget in the comment markup, showing other posts' comments."""
    recent = [c for p in others[:2] for c in p.comments[:1]]
    entries = "".join(
        f"""<li id="li-comment-{c.id}"><article id="comment-{c.id}" class="comment miniature">
<span class="comment-author">{escape(c.author)}</span>
<a href="{_post_of(others, c).path}#comment-{c.id}">on another post</a>
<div class="comment-text"><p>{escape(c.text[:20])}…</p></div></article></li>"""
        for c in recent
    )
    return f'<aside class="widget"><ol class="commentlist">{entries}</ol></aside>'


def _post_of(posts: list[WpPost], comment: WpComment) -> WpPost:
    return next(p for p in posts if p.id == comment.post_id)
