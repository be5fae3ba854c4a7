"""next.ink (successor of Next INpact), WordPress-based since November 2023.

Site quirks this parser works around:
- Threads are flat: replies are marked by quoting ("Patatt a dit :" before a
  blockquote) or, in comments migrated from the old site, by raw markers left
  as text: `(quote:2090441:pseudo)` inside the blockquote, whose id may carry
  extra fields (`(quote:2090441:::1)`), and `(reply:2162324:Trit’)`.
- Commenters also quote the article itself, in a blockquote or inline “…”.
- Comment dates are Paris local time without an offset ("2022-08-29 07:12:03").
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

from lxml import html as lxml_html
from parsel import Selector
from scrapy.http import TextResponse

from archiver.crawl.spider import NewsSpider
from archiver.extract.dates import parse_iso
from archiver.extract.quoting import take_quotes
from archiver.extract.text import clean_text, html_to_text, normalize_for_match
from archiver.items import Article, Comment, Item, Quote, ReplyLink

SITE = "next_ink"
TIMEZONE = "Europe/Paris"
REPLY_MARKER = re.compile(r"\(reply:(\d+)(?::[^)]*)?\)\s*")
INLINE_QUOTE = re.compile(r"“([^”]{12,})”")
COMMENT_PAGE = re.compile(r"/comments-(\d+)/?$")


def parse_page(response: TextResponse) -> Iterator[Item]:
    """An article page yields its article, then its comments with their quotes."""
    node = response.css("article[data-post-id]")
    if not node:
        return
    article = _article(response, node[0])
    yield article
    article_text = normalize_for_match(article.body_text or "")
    page = _comment_page(response.url)
    comments = response.css("div.comments-list > div[data-comment-id]")
    authors = frozenset(filter(None, map(_author, comments)))  # whom a quote's header may name
    for index, comment in enumerate(comments, start=1):
        yield from _comment(comment, article.site_article_id, article_text, page, index, authors)


def _article(response: TextResponse, node: Selector) -> Article:
    body = node.css("div.article-contenu")
    count = response.css("span.comments-count::text").get()
    return Article(
        site=SITE,
        site_article_id=node.attrib["data-post-id"],
        url=response.url,
        canonical_url=response.css('link[rel="canonical"]::attr(href)').get(),
        title=clean_text(
            response.css('meta[property="og:title"]::attr(content)').get()
            or node.css("h1.article-title").xpath("string()").get()
        ),
        author=clean_text(node.css('.article-author a[rel="author"]').xpath("string()").get()),
        published=parse_iso(
            response.css('meta[property="article:published_time"]::attr(content)').get()
        ),
        updated=parse_iso(
            response.css('meta[property="article:modified_time"]::attr(content)').get()
        ),
        body_html=body.get(),
        body_text=html_to_text(body[0]) if body else None,
        tags=response.css('meta[property="article:tag"]::attr(content)').getall(),
        comment_count=int(count) if count and count.strip().isdigit() else None,
    )


def _author(node: Selector) -> str | None:
    return clean_text(node.css(".next-status-name-user").xpath("string()").get())


def _comment(
    node: Selector,
    article_id: str,
    article_text: str,
    page: int,
    index: int,
    authors: frozenset[str],
) -> Iterator[Item]:
    comment_id = node.attrib.get("data-comment-id", "")
    content = node.css("div.comment-content")
    tree = copy.deepcopy(content[0].root) if content else lxml_html.fromstring("<div></div>")
    quotes = list(take_quotes(tree, article_text, SITE, authors))
    text = html_to_text(Selector(root=tree))
    replies = [m.group(1) for m in REPLY_MARKER.finditer(text)]
    classes = node.attrib.get("class", "").split()
    moderated = "comment-moderated" in classes
    yield Comment(
        site=SITE,
        site_comment_id=comment_id,
        site_article_id=article_id,
        author=_author(node),
        posted=parse_iso(node.attrib.get("data-comment-date"), TIMEZONE),
        body_html=content.get() or "",
        body_text=REPLY_MARKER.sub("", text).strip(),
        parent_site_comment_id=replies[0] if replies else None,
        page=page,
        index=index,
        deleted=moderated,
        moderation=node.attrib.get("data-moderation-reason", "moderated") if moderated else None,
    )
    inline = _inline_article_quotes(text, article_text) if article_text else []
    for ordinal, quote in enumerate(quotes + inline, start=1):
        quote.site_comment_id = comment_id
        quote.ordinal = ordinal
        yield quote
    for target in dict.fromkeys(replies):
        yield ReplyLink(SITE, comment_id, target)


def _inline_article_quotes(text: str, article_text: str) -> list[Quote]:
    return [
        Quote(SITE, "", match.group(1).strip(), "article")
        for match in INLINE_QUOTE.finditer(text)
        if normalize_for_match(match.group(1)) in article_text
    ]


def _comment_page(url: str) -> int:
    match = COMMENT_PAGE.search(urlsplit(url).path)
    if match:
        return int(match.group(1))
    return int(parse_qs(urlsplit(url).query).get("cpage", ["1"])[0])


class NextInkSpider(NewsSpider):
    name = "next_ink"
    default_urls = ["https://next.ink/"]
    article_links = "div.block-article a.block-article-link::attr(href)"
    next_listing = "nav.pagination a.next::attr(href)"
    comment_pages = "nav.comments-pagination a.comments-next::attr(href)"
    listing_dates = "div.block-article time::attr(datetime)"
    parse_page = staticmethod(parse_page)
