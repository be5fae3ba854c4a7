"""The benchmark's site: tests/wpsite.py's WordPress markup at news-site size, on disk.

`tests/wpsite.py` builds the threads (nested replies, quotes, several comment pages
per post); this module dresses each HTML page in the boilerplate a real WordPress
theme sends (inline block-library CSS, emoji and analytics scripts, JSON-LD, a
menu, sidebar widgets, a footer, a long post body), so pages weigh ~100 KB as on
real news sites, and writes the site as files for a static server. Asset and menu
URLs point at other hosts, so wget and the archiver fetch the same pages.
"""

from __future__ import annotations

import gzip
import random
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from tests.wpsite import WpSite, build_wpsite

CDN = "https://cdn.example.net"
WORDS = (
    "the archive server reader comment thread update policy browser kernel release "
    "network privacy security patch vendor open source community license developer "
    "performance benchmark memory storage cloud encryption protocol standard version"
).split()


@dataclass(frozen=True)
class SiteSize:
    """How big a generated site is: posts, top-level threads per post, threads per page."""

    posts: int
    threads: int = 13  # ~4.5 comments per thread: ~60 comments per post
    per_page: int = 7  # two comment pages per post, ~30 comments each

    def describe(self) -> str:
        return f"{self.posts} posts × {self.threads} threads ({self.per_page} per page)"


SIZES = {
    "tiny": SiteSize(posts=4),
    "default": SiteSize(posts=200),
    "10x": SiteSize(posts=2000),
}


def build_site(size: SiteSize, base: str) -> WpSite:
    """The site's threads and routes; `base` is the URL it is served at (sitemaps, feed)."""
    return build_wpsite(posts=size.posts, threads=size.threads, per_page=size.per_page, base=base)


def write_site(site: WpSite, root: Path, seed: int = 1) -> int:
    """Write every route under `root` (plus a .gz twin of each HTML page); return bytes."""
    rng = random.Random(seed)
    style, script = _style(rng), _script(rng)
    recent = [p.path for p in sorted(site.posts, key=lambda p: p.published, reverse=True)[:10]]
    total = 0
    for path, route in site.routes.items():
        body = route.body
        if route.content_type.startswith("text/html"):
            body = dress(body.decode(), rng, style, script, recent).encode()
        target = root / unquote(path).lstrip("/")
        if path.endswith("/"):
            target = target / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        if route.content_type.startswith("text/html"):
            # nginx's gzip_static sends this to clients that accept gzip, as real sites do
            target.with_name(target.name + ".gz").write_bytes(gzip.compress(body, 6, mtime=0))
        total += len(body)
    return total


def dress(html: str, rng: random.Random, style: str, script: str, recent: list[str]) -> str:
    """A page of the generator with a real theme's head, menu, post body, sidebar, footer."""
    head = (
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<link rel="stylesheet" href="{CDN}/wp-includes/css/dist/block-library/style.min.css">\n'
        f'<script src="{CDN}/wp-includes/js/jquery/jquery.min.js"></script>\n'
        f'<style id="wp-block-library-inline-css">{style}</style>\n{script}\n'
    )
    html = html.replace("</head>", head + "</head>", 1)
    body_start = html.index(">", html.index("<body")) + 1
    html = html[:body_start] + _header(rng) + html[body_start:]
    html = html.replace(
        '<div class="entry-content">', '<div class="entry-content">' + _paragraphs(rng, 12), 1
    )
    return html.replace("</body>", _sidebar(rng, recent) + _footer(rng) + "</body>", 1)


def _words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(count))


def _paragraphs(rng: random.Random, count: int) -> str:
    return "".join(
        f'<p>{_words(rng, 90).capitalize()}. <a href="{CDN}/ref/{rng.randint(1, 9999)}">'
        f"{_words(rng, 3)}</a> {_words(rng, 40)}.</p>\n"
        for _ in range(count)
    )


def _style(rng: random.Random) -> str:
    """Inline CSS of the size block themes print in every page's head (~40 KB)."""
    rules = []
    for number in range(420):
        name = f"wp-block-{rng.choice(WORDS)}-{number}"
        rules.append(
            f".{name}{{margin:0 0 {rng.randint(0, 40)}px;padding:{rng.randint(0, 20)}px;"
            f"color:#{rng.randrange(0x1000000):06x};font-size:var(--wp--preset--font-size--"
            f"{rng.choice(['small', 'medium', 'large'])})}}"
        )
    return "\n".join(rules)


def _script(rng: random.Random) -> str:
    """The emoji loader, settings JSON and an analytics snippet a theme prints (~8 KB)."""
    settings = ",".join(f'"{rng.choice(WORDS)}_{n}":"{_words(rng, 4)}"' for n in range(120))
    return (
        f'<script id="wp-emoji-settings">window._wpemojiSettings={{"baseUrl":"{CDN}/emoji/",'
        f"{settings}}};</script>\n"
        "<script>(function(w,d){var s=d.createElement('script');s.async=1;"
        f"s.src='{CDN}/analytics.js';d.head.appendChild(s);}})(window,document);</script>"
    )


def _header(rng: random.Random) -> str:
    items = "".join(
        f'<li class="menu-item menu-item-{n}"><a href="{CDN}/category/{rng.choice(WORDS)}-{n}/">'
        f"{_words(rng, 2).title()}</a></li>"
        for n in range(40)
    )
    return (
        '<header id="masthead" class="site-header"><div class="site-branding">'
        '<p class="site-title"><a href="/" rel="home">Local WP</a></p></div>'
        f'<nav id="site-navigation" class="main-navigation"><ul class="menu">{items}</ul></nav>'
        "</header>\n"
    )


def _sidebar(rng: random.Random, recent: list[str]) -> str:
    posts = "".join(f'<li><a href="{path}">{_words(rng, 6)}</a></li>' for path in recent)
    tags = " ".join(
        f'<a href="{CDN}/tag/{w}/" class="tag-cloud-link" style="font-size:{rng.randint(8, 22)}pt">'
        f"{w}</a>"
        for w in WORDS
    )
    text = _paragraphs(rng, 3)
    return (
        '<aside id="secondary" class="widget-area">'
        f'<section class="widget widget_recent_entries"><ul>{posts}</ul></section>'
        f'<section class="widget widget_tag_cloud"><div class="tagcloud">{tags}</div></section>'
        f'<section class="widget widget_text"><div class="textwidget">{text}</div></section>'
        "</aside>\n"
    )


def _footer(rng: random.Random) -> str:
    links = "".join(f'<a href="{CDN}/legal/{n}/">{_words(rng, 2)}</a> ' for n in range(30))
    return (
        f'<footer id="colophon" class="site-footer"><div class="site-info">{links}</div></footer>'
    )
