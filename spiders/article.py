"""Any article URL: the generic fallback when a site has no spider of its own.

The body comes from trafilatura with comments excluded, so a comment section or
a footer does not leak into the article text; metadata comes
first from the page's structured data (JSON-LD, microdata, OpenGraph, `<meta>`),
then from trafilatura. Comments are read only where the page declares them as
schema.org `Comment` data: a generic page's comment markup cannot be guessed.

- `site` is the article's host ("www." dropped), taken from its canonical URL so a
  mirror archives under the real site; `site_article_id` is the canonical URL.
- trafilatura's date search is capped at the capture day, so a reparse years
  later reads the same date. A date without an offset is read as UTC.
- The spider follows no links: it archives exactly the start URLs.
"""

from __future__ import annotations

from collections.abc import Iterator
from html import escape
from typing import TYPE_CHECKING

from lxml import html as lxml_html
from scrapy.http import TextResponse

from archiver.crawl.spider import NewsSpider
from archiver.extract.dates import capture_time, iso_or_none
from archiver.extract.structured import ArticleMeta, article_metadata, schema_comments, site_of
from archiver.extract.text import html_to_text
from archiver.items import Article, Comment, Item

if TYPE_CHECKING:
    from trafilatura.settings import Document


def parse_page(response: TextResponse) -> Iterator[Item]:
    """The page's article (when trafilatura finds one) and its schema.org comments."""
    document = _extract(response)
    if document is None or document.body is None:
        return
    meta = article_metadata(response.selector, response.url)
    article = _article(response, meta, document)
    yield article
    # Relative comment ids resolve against the article's own URL, not the tracking-laden one.
    comments = schema_comments(response.selector, article.canonical_url or response.url)
    for index, comment in enumerate(comments, start=1):
        yield Comment(
            site=article.site,
            site_comment_id=comment.site_comment_id,
            site_article_id=article.site_article_id,
            author=comment.author,
            posted=comment.posted,
            body_html="".join(
                f"<p>{escape(p, quote=False)}</p>" for p in comment.text.split("\n") if p
            ),
            body_text=comment.text,
            parent_site_comment_id=comment.parent_site_comment_id,
            index=index,
            score=comment.score,
        )


def _extract(response: TextResponse) -> Document | None:
    """trafilatura's reading of the page, deterministic for a given capture."""
    import trafilatura  # here, not at the top: every crawl and reparse loads every spider

    captured = capture_time(response).date().isoformat()
    return trafilatura.bare_extraction(
        response.text,
        url=response.url,
        # Balanced mode, comments excluded: precision mode drops Phoronix's lead
        # paragraph and gives the same text as this on the six other pages tested.
        include_comments=False,
        include_tables=True,
        include_links=True,
        include_formatting=True,
        with_metadata=True,
        deduplicate=False,
        date_extraction_params={"max_date": captured, "original_date": True},
    )


def _article(response: TextResponse, meta: ArticleMeta, document: Document) -> Article:
    body_html = _body_html(document)
    canonical = meta.canonical_url or document.url
    return Article(
        site=site_of(canonical or response.url),
        site_article_id=canonical or response.url,
        url=response.url,
        canonical_url=canonical,
        title=meta.title or document.title,
        author=meta.author or document.author,
        published=meta.published or iso_or_none(document.date),
        updated=meta.updated,
        body_html=body_html,
        body_text=html_to_text(body_html),
        tags=meta.tags or _split(document.tags),
        comment_count=meta.comment_count,
    )


def _body_html(document: Document) -> str:
    """trafilatura's body as HTML (<p>, <h2>, <ul>…), without its <html><body> wrapper."""
    from trafilatura.htmlprocessing import convert_to_html

    tree = convert_to_html(document.body)
    body = tree.find("body") if tree.tag == "html" else tree
    inner = [lxml_html.tostring(child, encoding="unicode") for child in body]
    return ((body.text or "") + "".join(inner)).strip()


def _split(value: str | list[str] | None) -> list[str]:
    values = value if isinstance(value, list) else (value or "").split(",")
    return [v.strip() for v in values if v.strip()]


class ArticleSpider(NewsSpider):
    name = "article"
    # No listing to start from: `archiver crawl article --url URL` names the pages.
    default_urls: list[str] = []
    parse_page = staticmethod(parse_page)
