"""Any WordPress site, from its root URL (or one post's URL): posts and all their comment pages.

Markup this parser reads (each seen in the real pages of the shared corpus):
- core comment walker: `li#comment-ID > article#div-comment-ID` (HTML5) or
  `> div#div-comment-ID` (old markup, body loose in `div.comment-body`), replies
  nested in `ol/ul.children`; themes with `li#li-comment-ID > article#comment-ID`;
  old themes with a bare `li#comment-ID` signed by `<cite>Comment by X — date</cite>`;
  the Epoch plugin's nested `div#comment-ID[data-comment-id]`.
- a comment id may be repeated on an inner element (Epoch's "Report" span): the
  outermost element carrying it is the comment, and nesting gives the parent.
- "recent comments" widgets reuse the same markup for other posts' comments: a
  comment whose permalink points at another page is not this post's.
- `time[datetime]` is often absent, date-only or a literal "comment_date"; then the
  visible date is read in the page's language and its country's time zone.
- the post page shows comment page 1 (oldest first) or the last one (newest
  first); its own number is read from the comment navigation.

The post's id (`body.postid-ID`, shortlink `?p=ID`, the comment form's
`comment_post_ID`) keys the article, so every comment page maps to one article.
Sites are keyed on their blog root (`lemire.me/blog`): comment ids are per blog.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

from lxml.html import HtmlElement
from parsel import Selector
from scrapy.http import HtmlResponse, Request, Response, TextResponse
from scrapy.utils.sitemap import Sitemap
from twisted.python.failure import Failure

from archiver.items import Article, Comment, FetchError, Item
from archiver.parsing import (
    capture_time,
    clean_text,
    html_to_text,
    normalize_for_match,
    parse_iso,
    parse_site_date,
    to_utc_iso,
    within,
)
from archiver.quoting import take_quotes
from archiver.spider import NewsSpider

COMMENT_ID = re.compile(r"^(?:li-|div-)?comment-(\d+)$")
COMMENT_PAGE = re.compile(r"/comment-page-(\d+)/?$")
POST_ID_CLASS = re.compile(r"\bpostid-(\d+)\b")
REST_POST = re.compile(r"/wp/v2/posts/(\d+)")
COUNT = re.compile(
    r"(\d+)\s+(?:comments?|kommentare?|antworten|ergänzungen|thoughts?|responses?|replies"
    r"|commentaires?|réactions?)|(?:comments|kommentare)\s*\((\d+)\)",
    re.IGNORECASE,
)
DATE_TEXT = re.compile(
    r"(?:\d{1,2}\.\s?(?:\d{1,2}\.?|[^\W\d_]{3,}\.?)\s?,?\s?\d{2,4}"
    r"|[A-Z][a-z]+\.? \d{1,2}(?:st|nd|rd|th)?,? \d{4}|\d{4}-\d{2}-\d{2})"
    r"(?:\s*(?:um|at|à|@|,|-|–)?\s*\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?)?",
    re.IGNORECASE,
)
SIGNED_BY = re.compile(r"^(?:comment by|kommentar von|posted by)\s+(.+?)\s+[—–-]", re.IGNORECASE)

AUTHOR = (
    ".comment-author .fn",
    ".fn",
    ".epoch-author-link",
    ".comment-author strong",
    ".comment-author b",
    "li.comment-author",
)
BODY = (
    ".comment-content",
    ".comment-text",
    ".comment_text",
    ".epoch-comment-content",
    ".entry-content",
    ".comment-body",
)
# Parts of a comment that are not what the commenter wrote.
CHROME = (
    ".comment-author, .comment-meta, .commentmetadata, .comment-metadata, .reply, .comment-util,"
    " .comment-reply-link, .comment-edit-link, .pmcc-comments-report-link, .avatar, .says,"
    " .epoch-comment-meta, .epoch-comment-actions, script"
)
ARTICLE_BODY = (
    ".entry-content",
    ".post-content",
    ".storycontent",
    "[itemprop=articleBody]",
    "#articleContent",
    ".entry",
)
# Around a post's text in a theme that does not wrap it: not part of it.
POST_CHROME = "header, footer, h1, .entry-meta, #comments, .comments, script, style, form"
# Where a comment's date is printed, in the order themes put it.
DATE_PLACES = (
    ".comment-metadata, .commentmetadata, .comment-meta, .comment-time, .comment-date, .date,"
    " .epoch-comment-meta, .comment-author, cite"
)
# Countries' time zones for the visible dates of pages in these languages.
ZONES = {
    "de": "Europe/Berlin",
    "de-at": "Europe/Vienna",
    "de-ch": "Europe/Zurich",
    "fr": "Europe/Paris",
    "fr-be": "Europe/Brussels",
    "fr-ch": "Europe/Zurich",
    "nl": "Europe/Amsterdam",
    "it": "Europe/Rome",
    "es": "Europe/Madrid",
    "en-gb": "Europe/London",
}
TLD_LANGUAGES = {"de": "de", "at": "de-at", "ch": "de-ch", "fr": "fr", "nl": "nl", "it": "it"}


@dataclass(frozen=True)
class _Thread:
    site: str
    post_id: str
    page: int
    article_text: str
    zone: str
    languages: tuple[str, ...]
    now: datetime
    authors: frozenset[str]  # the page's commenters, whom quotes may name


def parse_page(response: TextResponse) -> Iterator[Item]:
    """A post page (or one of its comment pages) yields the article, then its comments."""
    if not isinstance(response, HtmlResponse):
        return
    post_id = post_id_of(response)
    if post_id is None:
        return  # a listing page: the spider follows its links
    site = site_of(response)
    page = comment_page_number(response)
    article = _article(response, site, post_id)
    # A further comment page repeats the post; its capture is the post page's.
    article.stub = COMMENT_PAGE.search(urlsplit(response.url).path) is not None
    yield article
    post_path = _post_path(response.url)
    comments = [
        (_own_part(node), _comment_id(node), parent)
        for node, parent in _comment_nodes(response)
        if not _elsewhere(node, post_path)
    ]
    language = _language(response)
    names = [_author(own) for own, _, _ in comments]  # once: the author selectors are costly
    thread = _Thread(
        site=site,
        post_id=post_id,
        page=page,
        article_text=normalize_for_match(article.body_text or ""),
        zone=_zone(language),
        languages=tuple(dict.fromkeys((language.split("-")[0], "en"))),
        now=capture_time(response),
        authors=frozenset(filter(None, names)),
    )
    for index, (own, comment_id, parent) in enumerate(comments, start=1):
        yield from _comment(own, comment_id, parent, names[index - 1], thread, index)


def post_id_of(response: TextResponse) -> str | None:
    """The WordPress post id of a single post's page; None on a listing page."""
    found = POST_ID_CLASS.search(response.css("body::attr(class)").get() or "")
    if found:
        return found.group(1)
    shortlink = response.css('link[rel="shortlink"]::attr(href)').get() or ""
    from_shortlink = parse_qs(urlsplit(shortlink).query).get("p", [None])[0]
    rest = REST_POST.search(
        response.css('link[rel="alternate"][type="application/json"]::attr(href)').get() or ""
    )
    return (
        from_shortlink
        or (rest.group(1) if rest else None)
        or response.css('input[name="comment_post_ID"]::attr(value)').get()
        or response.css("a.comment-reply-link::attr(data-postid)").get()
    )


def site_of(response: TextResponse) -> str:
    """The blog's root without scheme or "www." ("lemire.me/blog"): comment ids are per blog."""
    api = response.css('link[rel="https://api.w.org/"]::attr(href)').get()
    root = urlsplit(urljoin(response.url, api.split("wp-json")[0]) if api else response.url)
    path = root.path.rstrip("/") if api else ""
    return (root.hostname or "").removeprefix("www.") + path


def comment_page_number(response: TextResponse) -> int:
    """Which comment page this is; a post page without one in its URL may show the last."""
    found = COMMENT_PAGE.search(urlsplit(response.url).path)
    if found:
        return int(found.group(1))
    cpage = parse_qs(urlsplit(response.url).query).get("cpage")
    if cpage and cpage[0].isdigit():
        return int(cpage[0])
    current = response.xpath(
        "//*[contains(@class, 'current')][../a[contains(@href, 'comment-page-')]]/text()"
    ).re_first(r"\d+")
    if current:
        return int(current)
    older = _comment_link_number(response, ".nav-previous a, a.prev")
    newer = _comment_link_number(response, ".nav-next a, a.next")
    return older + 1 if older else newer - 1 if newer else 1


def _comment_link_number(response: TextResponse, selector: str) -> int | None:
    for href in response.css(selector).xpath("@href").getall():
        found = COMMENT_PAGE.search(urlsplit(href).path)
        if found:
            return int(found.group(1))
    return None


def _article(response: TextResponse, site: str, post_id: str) -> Article:
    places = (f"#post-{post_id}", "article.post", "div.post")
    scope = next((found[0] for place in places if (found := response.css(place))), response)
    ld = _json_ld(response)
    body = (
        _outside_comments(scope, ARTICLE_BODY)
        or _outside_comments(response, ARTICLE_BODY)
        or _bare_body(scope)
    )
    return Article(
        site=site,
        site_article_id=post_id,
        url=response.url,
        canonical_url=response.css('link[rel="canonical"]::attr(href)').get(),
        title=_first_text(scope, ("h1.entry-title", "h1.post-title"))
        or (_first_text(scope, ("h1",)) if scope is not response else None)
        or _meta(response, "og:title")
        or _first_text(scope, (".entry-title",))
        or clean_text(ld.get("headline"))
        or _first_text(scope, ("a[rel~=bookmark]::attr(title)", "h1"))
        or clean_text(response.css("title::text").get()),
        author=_ld_name(ld.get("author"))
        or clean_text(response.css('meta[name="author"]::attr(content)').get())
        or _first_text(scope, (".author .fn", ".author.vcard", "a[rel=author]")),
        published=_iso(_meta(response, "article:published_time"))
        or _iso(ld.get("datePublished"))
        or _iso(scope.css("time.entry-date::attr(datetime), time.published::attr(datetime)").get()),
        updated=_iso(_meta(response, "article:modified_time")) or _iso(ld.get("dateModified")),
        body_html=body.get() if body else None,
        body_text=html_to_text(body) if body else None,
        tags=list(
            dict.fromkeys(
                response.css('meta[property="article:tag"]::attr(content)').getall()
                or [t.strip() for t in scope.css("a[rel~=tag]::text").getall() if t.strip()]
            )
        ),
        comment_count=_displayed_count(response),
    )


def _json_ld(response: TextResponse) -> dict[str, Any]:
    """The page's JSON-LD Article (NewsArticle, BlogPosting...), flattened out of @graph."""
    for script in response.css('script[type="application/ld+json"]::text').getall():
        try:
            data = json.loads(script)
        except ValueError:
            continue
        nodes = data.get("@graph", [data]) if isinstance(data, dict) else data
        for node in nodes if isinstance(nodes, list) else []:
            kind = node.get("@type") if isinstance(node, dict) else None
            if isinstance(kind, str) and kind.endswith(("Article", "BlogPosting", "Posting")):
                return node
    return {}


def _ld_name(author: Any) -> str | None:  # noqa: ANN401 - JSON-LD: a name, an object or a list
    if isinstance(author, list):
        author = author[0] if author else None
    if isinstance(author, dict):
        author = author.get("name")
    return clean_text(author) if isinstance(author, str) else None


def _meta(response: TextResponse, prop: str) -> str | None:
    return clean_text(response.css(f'meta[property="{prop}"]::attr(content)').get())


def _iso(value: str | None) -> str | None:
    """An ISO date or datetime from metadata; anything else (a theme's placeholder) is None."""
    try:
        return parse_iso(value)
    except ValueError:
        return None


def _outside_comments(scope: Selector | TextResponse, classes: tuple[str, ...]) -> Selector | None:
    """The first element of these classes that is not part of a comment."""
    for name in classes:
        for node in scope.css(name):
            if node.root.tag not in ("li", "blockquote", "article") and not node.xpath(
                "ancestor::*[@id='comments' or starts-with(@id, 'comment-')"
                " or starts-with(@id, 'li-comment-')]"
            ):
                return node
    return None


def _bare_body(scope: Selector | TextResponse) -> Selector | None:
    """A theme that puts the post's paragraphs straight in its container: all but the chrome."""
    if not isinstance(scope, Selector) or scope.root.tag not in ("article", "div"):
        return None
    tree = copy.deepcopy(scope.root)
    for part in Selector(root=tree).css(POST_CHROME):
        if part.root.getparent() is not None:
            part.root.getparent().remove(part.root)
    return Selector(root=tree)


def _displayed_count(response: TextResponse) -> int | None:
    """The comment count the page shows ("91 Ergänzungen", "There are 13 comments")."""
    epoch = response.css("#epoch-count::text").get()
    if epoch and epoch.strip().isdigit():
        return int(epoch)
    places = ".comments-title, [class*='comments__headline'], h2, h3, h4, a[href$='#comments']"
    for heading in response.css(places):
        found = COUNT.search(" ".join(heading.xpath("string()").get().split()))
        if found:
            return int(found.group(1) or found.group(2))
    return None


def _comment_nodes(response: TextResponse) -> list[tuple[Selector, str | None]]:
    """Each comment's outermost element in page order, with its parent's comment id."""
    containers: dict[HtmlElement, str] = {}
    seen: set[str] = set()
    for node in response.xpath(
        "//*[starts-with(@id, 'comment-') or starts-with(@id, 'li-comment-')"
        " or starts-with(@id, 'div-comment-')]"
    ):
        found = COMMENT_ID.match(node.attrib["id"])
        if found and found.group(1) not in seen:
            seen.add(found.group(1))
            containers[node.root] = found.group(1)
    nodes = []
    for element in containers:
        parent = next((containers[a] for a in element.iterancestors() if a in containers), None)
        nodes.append((Selector(root=element), parent))
    return nodes


def _comment_id(node: Selector) -> str:
    return COMMENT_ID.match(node.attrib["id"]).group(1)  # type: ignore[union-attr]


def _own_part(node: Selector) -> Selector:
    """The comment without the replies nested in it."""
    tree = copy.deepcopy(node.root)
    own = _comment_id(node)
    for inner in tree.xpath(".//*[@id]"):
        found = COMMENT_ID.match(inner.get("id"))
        if found and found.group(1) != own and inner.getparent() is not None:
            inner.getparent().remove(inner)
    return Selector(root=tree)


def _elsewhere(node: Selector, post_path: str) -> bool:
    """A widget's comment on another post: its permalink leads elsewhere."""
    own = _comment_id(node)
    links = [h for h in node.css("a::attr(href)").getall() if h.endswith(f"#comment-{own}")]
    return bool(links) and all(
        _post_path(urljoin(f"http://x{post_path}", h)) != post_path for h in links
    )


def _post_path(url: str) -> str:
    """A post's path without its comment page, so all its pages compare equal."""
    return COMMENT_PAGE.sub("/", urlsplit(url).path).rstrip("/") + "/"


def _comment(
    own: Selector,
    comment_id: str,
    parent: str | None,
    author: str | None,
    thread: _Thread,
    index: int,
) -> Iterator[Item]:
    body = _body(own, comment_id)
    tree = copy.deepcopy(body.root)
    quotes = list(take_quotes(tree, thread.article_text, thread.site, thread.authors))
    moderation = clean_text(own.css(".comment-awaiting-moderation").xpath("string()").get())
    yield Comment(
        site=thread.site,
        site_comment_id=comment_id,
        site_article_id=thread.post_id,
        author=author,
        posted=_posted(own, thread),
        body_html=body.get(),
        body_text=html_to_text(Selector(root=tree)),
        parent_site_comment_id=parent,
        page=thread.page,
        index=index,
        moderation=moderation,
    )
    for ordinal, quote in enumerate(quotes, start=1):
        quote.site_comment_id = comment_id
        quote.ordinal = ordinal
        yield quote


def _body(own: Selector, comment_id: str) -> Selector:
    """What the commenter wrote, without the theme's author line, dates and buttons."""
    found = next((hit[0] for s in BODY if (hit := own.css(s))), None)
    tree = copy.deepcopy((found or own).root)
    chrome = Selector(root=tree).css(CHROME)
    if found is None:  # an old theme: the body is loose, signed in the paragraph of its permalink
        chrome += Selector(root=tree).xpath(f".//p[.//a[contains(@href, '#comment-{comment_id}')]]")
    for part in chrome:
        if part.root.getparent() is not None:
            part.root.getparent().remove(part.root)
    return Selector(root=tree)


def _author(own: Selector) -> str | None:
    for selector in AUTHOR:
        name = clean_text(own.css(selector).xpath("string()").get())
        if name:
            return name
    epoch = clean_text(" ".join(own.css(".epoch-comment-author").xpath("./text()").getall()))
    if epoch:
        return epoch.strip("· ")
    signed = SIGNED_BY.match(clean_text(own.css("cite").xpath("string()").get()) or "")
    return signed.group(1) if signed else None


def _posted(own: Selector, thread: _Thread) -> str | None:
    """`time[datetime]` when it holds a time of day, else the date the page prints."""
    for value in own.css("time::attr(datetime)").getall():
        if re.search(r"\d{2}:\d{2}", value):
            moment = _iso_in(value, thread.zone)
            if moment:
                return moment
    for place in own.css(DATE_PLACES):
        found = DATE_TEXT.search(" ".join(place.xpath("string()").get().split()))
        if found:
            return parse_site_date(
                _date_words(found.group(0)),
                now=thread.now,
                tz=thread.zone,
                languages=thread.languages,
            )
    return None


def _iso_in(value: str, zone: str) -> str | None:
    try:
        return parse_iso(value, zone)
    except ValueError:
        return None


def _date_words(text: str) -> str:
    """ "17.07, 2011 @ 13:04" and "March 11th, 2015 at 02:57" as dateparser reads them."""
    text = re.sub(r"(\d{1,2}\.\d{1,2}),\s*(\d{4})", r"\1.\2", text)
    text = re.sub(r"(\d)(?:st|nd|rd|th)\b", r"\1", text)
    return re.sub(r"\s+(?:um|at|à|@|-|–)\s+", " ", text)


def _feed_date(item: Selector) -> str | None:
    """An RSS item's pubDate (RFC 822) or an Atom entry's published date, in UTC ISO."""
    rss = item.xpath("pubDate/text()").get()
    if rss:
        try:
            return to_utc_iso(parsedate_to_datetime(rss))
        except (TypeError, ValueError):
            return None
    return _iso(item.xpath("published/text()").get())


def _language(response: TextResponse) -> str:
    """The page's language ("de-de"): html@lang, og:locale, else the country's domain."""
    lang = response.css("html::attr(lang)").get() or _meta(response, "og:locale") or ""
    if lang:
        return lang.replace("_", "-").lower()
    tld = (urlsplit(response.url).hostname or "").rsplit(".", 1)[-1]
    return TLD_LANGUAGES.get(tld, "en")


def _zone(language: str) -> str:
    """The time zone of dates printed without one: the language's country, else UTC."""
    return ZONES.get(language) or ZONES.get(language.split("-")[0]) or "UTC"


def _first_text(scope: Selector | TextResponse, selectors: tuple[str, ...]) -> str | None:
    for selector in selectors:
        found = scope.css(selector)
        value = found.get() if "::attr" in selector else found.xpath("string()").get()
        if clean_text(value):
            return clean_text(value)
    return None


class WordpressSpider(NewsSpider):
    """Posts from sitemaps, the REST API, the feed and home pagination; then their comment pages."""

    name = "wordpress"
    parse_page = staticmethod(parse_page)
    article_links = ".entry-title a::attr(href), a[rel~='bookmark']::attr(href)"
    next_listing = "a.next.page-numbers::attr(href), .nav-previous a::attr(href)"
    listing_dates = "[id^='post-'] time.entry-date::attr(datetime)"

    def follow(self, response: Response) -> Iterator[Request]:
        if isinstance(response, TextResponse):
            yield from (r for r in self._links(response) if r is not None)

    def _links(self, response: TextResponse) -> Iterator[Request | None]:
        kind = response.meta.get("wordpress")
        if kind == "sitemap":
            yield from self._from_sitemap(response)
        elif kind == "feed":
            yield from self._from_feed(response)
        elif kind == "rest":
            yield from self._from_rest(response)
        elif post_id_of(response) is not None:
            yield from self._comment_pages(response)
        elif not self._listing_too_old(response):
            yield from self._from_listing(response)

    def _request(
        self, response: Response, url: str, kind: str | None = None, **meta: Any
    ) -> Request | None:
        """A request for a page worth fetching: never a reply form or a comment feed.

        `kind` is what the page is to this spider (sitemap, feed, rest; None for HTML).
        """
        url = response.urljoin(url).split("#")[0]
        query = parse_qs(urlsplit(url).query)
        if "replytocom" in query or (kind != "feed" and re.search(r"/feed/?$", urlsplit(url).path)):
            self.crawler.stats.inc_value("archiver/wordpress/not_followed")
            return None
        link = (
            "listing" if kind else "comments" if COMMENT_PAGE.search(urlsplit(url).path) else None
        )
        request = self.request(url, link or meta.pop("link", "article"))
        request.meta.update(wordpress=kind, **meta)
        return request

    def _comment_pages(self, response: TextResponse) -> Iterator[Request | None]:
        """The post's other comment pages, from its comment navigation; never permalinks."""
        own = comment_page_number(response)
        post = _post_path(response.url)
        # Only links naming a comment page, not permalinks: joining a page's hundreds of
        # other links cost ~20 ms a page.
        links = "a[href*='comment-page-']:not([href*='#comment-'])::attr(href)"
        for href in response.css(links).getall():
            url = response.urljoin(href)
            found = COMMENT_PAGE.search(urlsplit(url).path)
            if (
                found
                and int(found.group(1)) != own
                and _post_path(url) == post
                and not urlsplit(url).fragment.startswith("comment-")
            ):
                yield self._request(response, url)

    def _from_listing(self, response: TextResponse) -> Iterator[Request | None]:
        entries = response.css("article[id^='post-'], div[id^='post-']")
        for entry in entries:
            published = _iso(entry.css(self.listing_dates.split("] ", 1)[1]).get())
            link = entry.css(self.article_links).get()
            if link and within(published, self.since):
                yield self._request(response, link)
        if not entries:
            for href in response.css(self.article_links).getall():
                yield self._request(response, href)
        for href in response.css(self.next_listing).getall():
            yield self._request(response, href, link="listing")
        if response.meta.get("link") == "start":
            yield from self._discover(response)

    def _discover(self, response: TextResponse) -> Iterator[Request | None]:
        """From the site's home page: the feed, and the first post index that answers.

        Core's `wp-sitemap.xml`, else Yoast's `sitemap_index.xml`, else the REST API;
        one that is missing is recorded as a fetch error (as `reparse` would record
        its capture) and the next is tried.
        """
        api = response.css('link[rel="https://api.w.org/"]::attr(href)').get()
        root = response.urljoin(api.split("wp-json")[0] if api else "/")
        indexes: list[tuple[str, str, dict[str, Any]]] = [
            (urljoin(root, "wp-sitemap.xml"), "sitemap", {}),
            (urljoin(root, "sitemap_index.xml"), "sitemap", {}),
        ]
        if api:
            endpoint = urljoin(response.urljoin(api), "wp/v2/posts")
            indexes.append((self._rest_url(endpoint, 1), "rest", {"endpoint": endpoint, "page": 1}))
        yield self._index_request(response, indexes)
        feed = response.css('link[rel="alternate"][type="application/rss+xml"]::attr(href)').get()
        if feed:
            yield self._request(response, feed, "feed")

    def _index_request(
        self, response: Response, indexes: list[tuple[str, str, dict[str, Any]]]
    ) -> Request | None:
        if not indexes:
            return None
        (url, kind, meta), rest = indexes[0], indexes[1:]
        request = self._request(response, url, kind, **meta, fallbacks=rest)
        if request is not None:
            request.errback = self._on_index_error
        return request

    def _rest_url(self, endpoint: str, page: int) -> str:
        query = {"per_page": 100, "page": page, "_fields": "id,link"}
        if self.since:
            query["after"] = self.since.isoformat()
        return f"{endpoint}?{urlencode(query)}"

    def _from_rest(self, response: TextResponse) -> Iterator[Request | None]:
        try:
            posts = json.loads(response.text)
        except ValueError:
            return
        for post in posts if isinstance(posts, list) else []:
            if isinstance(post, dict) and post.get("link"):
                yield self._request(response, post["link"])
        page, endpoint = response.meta["page"], response.meta["endpoint"]
        if page < int(response.headers.get("X-WP-TotalPages", b"1") or 1):
            url = self._rest_url(endpoint, page + 1)
            yield self._request(response, url, "rest", endpoint=endpoint, page=page + 1)

    def _from_sitemap(self, response: TextResponse) -> Iterator[Request | None]:
        """Post URLs of a sitemap (core `wp-sitemap.xml` or Yoast's `sitemap_index.xml`)."""
        try:
            sitemap = Sitemap(response.body)
        except (ValueError, TypeError, AttributeError):
            return
        for entry in sitemap:
            loc = entry.get("loc", "")
            if sitemap.type == "sitemapindex":
                # Posts only: users, taxonomies and pages hold no comment threads worth a walk.
                if re.search(r"posts-post-|/post-sitemap", loc):
                    yield self._request(response, loc, "sitemap")
            elif within(_iso(entry.get("lastmod")), self.since):
                yield self._request(response, loc)

    def _from_feed(self, response: TextResponse) -> Iterator[Request | None]:
        """Post links of an RSS or Atom feed, skipping those published before `--since`."""
        feed = Selector(text=response.text, type="xml")
        feed.remove_namespaces()
        for item in feed.xpath("//item | //entry"):
            link = item.xpath("link/text() | link[not(@rel) or @rel='alternate']/@href").get()
            if link and link.strip() and within(_feed_date(item), self.since):
                yield self._request(response, link.strip())

    def _on_index_error(self, failure: Failure) -> Iterator[FetchError | Request]:
        """A post index that is missing or closed: record it, then try the next one."""
        yield from self.on_error(failure)
        response = getattr(failure.value, "response", None)
        if response is not None and response.status in (401, 403, 404, 410):
            request = self._index_request(response, failure.request.meta.get("fallbacks", []))
            if request is not None:
                yield request
