"""The post a WordPress page shows: its id, blog, comment page number, article and count.

The post's id (`body.postid-ID`, shortlink `?p=ID`, the comment form's
`comment_post_ID`) keys the article, so every comment page maps to one article.
Sites are keyed on their blog root (`lemire.me/blog`): comment ids are per blog.
The post page shows comment page 1 (oldest first) or the last one (newest first);
its own number is read from the comment navigation.
"""

from __future__ import annotations

import copy
import json
import re
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

from lxml import etree
from lxml.html import HtmlElement
from scrapy.http import TextResponse

from archiver.extract.dates import iso_or_none
from archiver.extract.html import STRING, TEXTS, Doc, classes, css, first, markup, remove
from archiver.extract.text import clean_text, html_to_text
from archiver.extract.urls import original_url, page_key
from archiver.items import Article

COMMENT_PAGE = re.compile(r"/comment-page-(\d+)/?$")


POST_ID_CLASS = re.compile(r"\bpostid-(\d+)\b")


REST_POST = re.compile(r"/wp/v2/posts/(\d+)")


POST_ELEMENT = re.compile(r"^post-(\d+)$")


# What themes call comments in their count, in the languages of WordPress's translations
# ("51 Kommentare", "2 thoughts on “…”", "3 réflexions sur « … »", "Commenti (4)").
_COMMENT_WORDS = (
    r"comments?|kommentare?|antwort(?:en)?|ergänzung(?:en)?|gedanken?|thoughts?|responses?"
    r"|repl(?:y|ies)|commentaires?|réactions?|réflexions?|réponses?|comentarios?|comentários?"
    r"|respuestas?|respostas?|pensamientos?|pensamentos?|reaç(?:ão|ões)|comment[io]|rispost[ae]"
    r"|pensier[io]|reacties?|gedachten?|komentarz[ey]?|komentarzy|odpowiedzi|myśli|komentář[eů]?"
    r"|kommentarer|yorum|коммент\w*|ответ\w*|отзыв\w*"
)
# "One thought on …", "Ein Gedanke zu …", "Un commentaire": a heading that starts so (not
# "Leave a comment", "Hinterlasse einen Kommentar", "Laisser un commentaire")
_ONE = r"one|un|une|ein|eine|einen|uno|una|um|uma|een|jeden|jedna|один|одна"
COUNT = re.compile(
    rf"(?<!\w)(?:(\d+)\s+(?:{_COMMENT_WORDS})\b|(?:{_COMMENT_WORDS})\s*\((\d+)\)"
    rf"|^({_ONE})\s+(?:{_COMMENT_WORDS})\b)",
    re.IGNORECASE,
)


ARTICLE_BODY = (
    ".entry-content",
    ".post-content",
    ".storycontent",
    "[itemprop=articleBody]",
    "#articleContent",
    ".entry",
)


ENTRY_DATE = "time.entry-date::attr(datetime), time.published::attr(datetime)"


# Around a post's text in a theme that does not wrap it: not part of it.
POST_CHROME = "header, footer, h1, .entry-meta, #comments, .comments, script, style, form"


TLD_LANGUAGES = {"de": "de", "at": "de-at", "ch": "de-ch", "fr": "fr", "nl": "nl", "it": "it"}


_IN_COMMENTS = etree.XPath(
    "ancestor::*[@id='comments' or starts-with(@id, 'comment-') or starts-with(@id, 'li-comment-')]"
)


# The element named `current` beside links to comment pages, found from those links:
# testing every element's class first cost ~0.5 ms a page.
_CURRENT_PAGE = etree.XPath(
    "//a[contains(@href, 'comment-page-')]/../*[contains(@class, 'current')]/text()",
    smart_strings=False,
)


# Where themes show the comment navigation: as parsel's translation of `.nav-previous a,
# a.prev` (`.nav-next a, a.next`), but testing class attributes rather than every
# element's, which halves the cost of these page-wide queries.
_HAS_CLASS = "contains(concat(' ', normalize-space(.), ' '), ' {} ')"


_OLDER, _NEWER = (
    etree.XPath(
        f"//@class[{_HAS_CLASS.format(f'nav-{way}')}]/../descendant::a"
        f" | //a/@class[{_HAS_CLASS.format(link)}]/.."
    )
    for way, link in (("previous", "prev"), ("next", "next"))
)


_DIGITS = re.compile(r"\d+")


def find_post_id(doc: Doc) -> str | None:
    """The post's id, ranked: what WordPress prints for a single post first, then what a
    theme or a stripped copy (no head, a look-alike CMS) still shows; None on a listing."""
    found = POST_ID_CLASS.search(doc.attr("body", "class") or "")
    if found:
        return found.group(1)
    shortlink = doc.attr("link", "href", rel="shortlink") or ""
    from_shortlink = parse_qs(urlsplit(shortlink).query).get("p", [None])[0]
    rest = REST_POST.search(
        doc.attr("link", "href", rel="alternate", type="application/json") or ""
    )
    return (
        from_shortlink
        or (rest.group(1) if rest else None)
        or doc.attr("input", "value", name="comment_post_ID")
        or first("a.comment-reply-link::attr(data-postid)", doc.root)
        or _only_post_element(doc)
        or _post_path_key(doc)
    )


def _only_post_element(doc: Doc) -> str | None:
    """The number of the page's one `#post-N` element: a listing shows several, or one
    (its last page, a category of one post) under a body class that says it is a listing."""
    if _LISTING_BODY & set((doc.attr("body", "class") or "").split()):
        return None
    numbers = {found.group(1) for value, _ in doc.with_ids if (found := POST_ELEMENT.match(value))}
    return numbers.pop() if len(numbers) == 1 else None


#: body classes WordPress prints on listings (body_class(): home, blog, archive, paged...)
_LISTING_BODY = frozenset({"home", "blog", "archive", "paged", "search", "category", "tag"})


def _post_path_key(doc: Doc) -> str | None:
    """Last resort, for a page that says it is one article: its canonical path as its key."""
    url = doc.attr("link", "href", rel="canonical") or _meta(doc, "og:url")
    single = _meta(doc, "og:type") == "article" or bool(doc.ids.get("respond"))
    path = urlsplit(url).path.strip("/") if url else ""
    return f"path:{path}" if single and path else None


def blog_root(response: TextResponse) -> str:
    """The blog's root without scheme or "www." ("lemire.me/blog"): comment ids are per blog."""
    return site_key(Doc(response.selector.root), response.url)


def site_key(doc: Doc, url: str) -> str:
    api = doc.attr("link", "href", rel="https://api.w.org/")
    url = original_url(url)  # a Wayback capture's site is the archived blog's
    found = urlsplit(urljoin(url, original_url(api.split("wp-json")[0])) if api else url)
    path = found.path.rstrip("/") if api else ""
    return (found.hostname or "").removeprefix("www.") + path


def url_comment_page(url: str) -> int | None:
    """The comment page a URL names: `…/comment-page-N/`, or `?p=ID&cpage=N` on a site with
    plain permalinks; None for a post's own URL."""
    parts = urlsplit(url)
    found = COMMENT_PAGE.search(parts.path)
    if found:
        return int(found.group(1))
    cpage = parse_qs(parts.query).get("cpage")
    return int(cpage[0]) if cpage and cpage[0].isdigit() else None


def page_number(doc: Doc, url: str) -> int:
    named = url_comment_page(url)
    if named is not None:
        return named
    current = next(filter(None, map(_DIGITS.search, _CURRENT_PAGE(doc.root))), None)
    if current:
        return int(current.group(0))
    older = _comment_link_number(doc, _OLDER)
    if older:
        return older + 1
    newer = _comment_link_number(doc, _NEWER)  # looked for only without an older page
    return newer - 1 if newer else 1


def _comment_link_number(doc: Doc, links: etree.XPath) -> int | None:
    for link in links(doc.root):
        href = link.get("href")
        found = COMMENT_PAGE.search(urlsplit(href).path) if href is not None else None
        if found:
            return int(found.group(1))
    return None


def read_article(doc: Doc, url: str, site: str, post_id: str) -> Article:
    root = doc.root
    scope = next(iter(doc.ids.get(f"post-{post_id}", [])), None)
    for place in ("article.post", "div.post"):
        scope = first(place, root) if scope is None else scope
    node = root if scope is None else scope
    ld = _json_ld(doc)
    body = _outside_comments(node, ARTICLE_BODY)
    if body is None:
        body = _outside_comments(root, ARTICLE_BODY)
    if body is None:
        body = _bare_body(scope)
    return Article(
        site=site,
        site_article_id=post_id,
        url=url,
        canonical_url=doc.attr("link", "href", rel="canonical"),
        title=_first_text(node, ("h1.entry-title", "h1.post-title"))
        or (_first_text(node, ("h1",)) if scope is not None else None)
        or _meta(doc, "og:title")
        or _first_text(node, (".entry-title",))
        or clean_text(ld.get("headline"))
        or _first_text(node, ("a[rel~=bookmark]", "a[rel~=bookmark]::attr(title)", "h1"))
        or clean_text(next(iter(doc.texts("title")), None)),
        author=_ld_name(ld.get("author"))
        or clean_text(doc.attr("meta", "content", name="author"))
        or _first_text(node, (".author .fn", ".author.vcard", "a[rel=author]")),
        published=iso_or_none(_meta(doc, "article:published_time"))
        or iso_or_none(ld.get("datePublished"))
        or iso_or_none(first(ENTRY_DATE, node)),
        updated=iso_or_none(_meta(doc, "article:modified_time"))
        or iso_or_none(ld.get("dateModified")),
        body_html=markup(body) if body is not None else None,
        body_text=html_to_text(body) if body is not None else None,
        tags=list(
            dict.fromkeys(
                doc.attrs("meta", "content", property="article:tag")
                or [t.strip() for t in css("a[rel~=tag]::text")(node) if t.strip()]
            )
        ),
        comment_count=displayed_count(doc),
    )


def _json_ld(doc: Doc) -> dict[str, Any]:
    """The page's JSON-LD Article (NewsArticle, BlogPosting...), flattened out of @graph."""
    for script in doc.texts("script", type="application/ld+json"):
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


def _meta(doc: Doc, prop: str) -> str | None:
    return clean_text(doc.attr("meta", "content", property=prop))


def _outside_comments(node: HtmlElement, classes: tuple[str, ...]) -> HtmlElement | None:
    """The first element of these classes that is not part of a comment."""
    for name in classes:
        for found in css(name)(node):
            if found.tag not in ("li", "blockquote", "article") and not _IN_COMMENTS(found):
                return found
    return None


def _bare_body(scope: HtmlElement | None) -> HtmlElement | None:
    """A theme that puts the post's paragraphs straight in its container: all but the chrome."""
    if scope is None or scope.tag not in ("article", "div"):
        return None
    tree = copy.deepcopy(scope)
    remove(css(POST_CHROME)(tree))
    return tree


# Where themes show the comment count: `.comments-title, [class*='comments__headline'],
# h2, h3, h4, a[href$='#comments']`, found in page order by plain substring tests that
# are cheaper than CSS's (less than half the cost), then narrowed by `_count_place`.
_COUNT_PLACES = etree.XPath(
    "//@class[contains(., 'comments')]/.. | //h2 | //h3 | //h4"
    " | //a/@href[contains(., '#comments')]/.."
)


# The comment form's heading ("Leave a comment", "Einen Kommentar abschicken") counts nothing.
_IN_FORM = etree.XPath(
    "ancestor-or-self::*[@id='respond' or contains(@class, 'comment-respond')"
    " or contains(@class, 'reply-title')]"
)


def _count_place(element: HtmlElement) -> bool:
    if _IN_FORM(element):
        return False
    if element.tag in ("h2", "h3", "h4"):
        return True
    if element.tag == "a" and (element.get("href") or "").endswith("#comments"):
        return True
    return "comments-title" in classes(element) or "comments__headline" in (
        element.get("class") or ""
    )


def displayed_count(doc: Doc) -> int | None:
    """The comment count the page shows ("91 Ergänzungen", "There are 13 comments")."""
    epoch = next((t for e in doc.ids.get("epoch-count", []) for t in TEXTS(e)), None)
    if epoch and epoch.strip().isdigit():
        return int(epoch)
    for heading in filter(_count_place, _COUNT_PLACES(doc.root)):
        found = COUNT.search(" ".join(STRING(heading).split()))
        if found:
            return int(found.group(1) or found.group(2) or 1)
    return None


@lru_cache(maxsize=4096)  # a page's comments and the pages of a post link to a few URLs
def post_path(url: str) -> str:
    """A post's path without its comment page, as its identity (`extract.urls.page_key`), so
    all its pages' links compare equal however they are spelled or archived. With plain
    permalinks (`/?p=ID`) every post shares the path: its id in the query names it."""
    key = urlsplit(page_key(url))
    path = COMMENT_PAGE.sub("/", key.path.rstrip("/") + "/").rstrip("/") + "/"
    query = parse_qs(key.query)
    plain = next((f"?{name}={query[name][0]}" for name in PLAIN_POST_QUERY if name in query), "")
    return path + plain


#: the query naming a post, page or attachment on a site with plain permalinks
PLAIN_POST_QUERY = ("p", "page_id", "attachment_id")


def language_of(doc: Doc, url: str) -> str:
    """The page's language ("de-de"): html@lang, og:locale, else the country's domain."""
    lang = doc.attr("html", "lang") or _meta(doc, "og:locale") or ""
    if lang:
        return lang.replace("_", "-").lower()
    tld = (urlsplit(url).hostname or "").rsplit(".", 1)[-1]
    return TLD_LANGUAGES.get(tld, "en")


def _first_text(node: HtmlElement, selectors: tuple[str, ...]) -> str | None:
    for selector in selectors:
        found = css(selector)(node)
        value = (found[0] if "::attr" in selector else STRING(found[0])) if found else None
        if clean_text(value):
            return clean_text(value)
    return None
