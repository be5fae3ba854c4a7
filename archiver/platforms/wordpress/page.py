"""A WordPress page (a post, or one of its comment pages): its article, then its comments.

"Recent comments" widgets reuse the comment markup for other posts' comments: a
comment whose permalink leads to another post is not this post's. The post is read
in post.py, each comment in comments.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from scrapy.http import HtmlResponse, TextResponse

from archiver.extract.dates import capture_time
from archiver.extract.html import Doc
from archiver.extract.page import read_alone
from archiver.extract.text import normalize_for_match
from archiver.extract.threads import Own, own_parts
from archiver.extract.urls import absolute
from archiver.items import Item
from archiver.platforms.wordpress.comments import THREAD, Thread, author_of, comment_items, zone_of
from archiver.platforms.wordpress.post import (
    find_post_id,
    language_of,
    page_number,
    post_path,
    read_article,
    site_key,
    url_comment_page,
)
from archiver.platforms.wordpress.rest import is_rest_comments, parse_rest_comments


def parse_page(response: TextResponse) -> Iterator[Item]:
    """A post page (or one of its comment pages) yields the article, then its comments;
    an API page of a post's comments yields those (see rest.py)."""
    if is_rest_comments(response.url):
        yield from parse_rest_comments(response)
        return
    if not isinstance(response, HtmlResponse):
        return
    doc = Doc(response.selector.root)
    post_id = find_post_id(doc)
    if post_id is None:
        return  # a listing page: the spider follows its links
    site = site_key(doc, response.url)
    page = page_number(doc, response.url)
    article = read_article(doc, response.url, site, post_id)
    # A further comment page repeats the post; its capture is the post page's.
    article.stub = url_comment_page(response.url) is not None
    article.own_page = not article.stub
    yield article
    this_post = post_path(response.url), response.url
    joined: dict[str, bool] = {}
    comments = [own for own in own_parts(doc, THREAD) if not _elsewhere(own, this_post, joined)]
    language = language_of(doc, response.url)
    names = [author_of(own) for own in comments]  # once: every comment's quotes may name them
    thread = Thread(
        site=site,
        post_id=post_id,
        page=page,
        article_text=normalize_for_match(article.body_text or ""),
        zone=zone_of(language),
        languages=tuple(dict.fromkeys((language.split("-")[0], "en"))),
        now=capture_time(response),
        authors=frozenset(filter(None, names)),
    )
    for index, (own, name) in enumerate(zip(comments, names, strict=True), start=1):
        read = partial(comment_items, own, name, thread, index)
        yield from read_alone(read, response.url, f"comment {own.comment_id}")


def _elsewhere(own: Own, this_post: tuple[str, str], joined: dict[str, bool]) -> bool:
    """A widget's comment on another post: its permalink leads elsewhere."""
    return bool(own.links) and all(_leads_elsewhere(h, this_post, joined) for h in own.links)


def _leads_elsewhere(href: str, this_post: tuple[str, str], joined: dict[str, bool]) -> bool:
    """`this_post`: the page's post path and its URL, which relative links are joined to."""
    # The joined path does not depend on the fragment: the comments' permalinks share one join.
    before = href.split("#", 1)[0]
    if before not in joined:
        path, url = this_post
        target = absolute(url, before or url)
        joined[before] = target is not None and post_path(target) != path
    return joined[before]
