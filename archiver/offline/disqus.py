"""Import a Disqus XML export (Admin > Export) into the archive's tables.

The export is `<disqus>`: categories, then every `<thread dsq:id>` (`link`, `title`,
`createdAt`, `author`), then every `<post dsq:id>` flat, each naming its
`<thread dsq:id>` and, for a reply, its `<parent dsq:id>`. How it maps:
- a thread joins the archived article whose URL (or canonical URL) is its link
  (`page_key`, `www.` or not); a thread with posts and no such article gets an article
  of its own (site: the link's host, id: the link's page key), so threads of one link
  (an article exported twice) share it; threads without posts add nothing;
- a post is a Comment of that article, id `disqus-ID` (beside the site's own comment
  ids), parent `disqus-PARENT`; its comments sit on the page after the article's own
  comment pages, in export order, so importing again updates the same rows;
- deleted and spam posts are kept, flagged: `deleted`, and `moderation` "spam" or
  "deleted".
The file is read as a stream (`iterparse`, each post dropped once saved): memory holds
the threads' links, never the posts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import sqlite_utils
from lxml import etree

from archiver.extract.dates import iso_or_none
from archiver.extract.sanitize import sanitize_html
from archiver.extract.structured import site_of
from archiver.extract.text import clean_text, html_to_text
from archiver.extract.urls import display_url, page_key
from archiver.items import Article, Comment, Item
from archiver.store.rows import article_id, one_value
from archiver.store.save import save_items

NS = "{http://disqus.com}"
DSQ_ID = "{http://disqus.com/disqus-internals}id"
ID_PREFIX = "disqus-"
BATCH = 500  # posts saved per transaction


@dataclass
class DisqusReport:
    threads: int = 0
    posts: int = 0
    replies: int = 0  # posts with a parent
    deleted: int = 0
    spam: int = 0
    matched: int = 0  # threads with posts joined to an archived article
    created: int = 0  # articles made for threads with posts and no article
    orphans: list[str] = field(default_factory=list)  # posts naming a thread not in the file


@dataclass
class _Target:
    """An article the export's comments go to: its keys, the page they sit on, how many."""

    site: str
    site_article_id: str
    archived: bool  # there before the import (a crawled article), or made by it
    page: int = 0  # 0 until its first post: then the page after its own comment pages
    posts: int = 0


@dataclass
class _Thread:
    link: str
    title: str | None
    author: str | None
    created: str | None
    target: _Target | None = None  # once its first post came


def import_disqus(
    path: Path | str | IO[bytes], db: sqlite_utils.Database, capture: str | None = None
) -> DisqusReport:
    """Read a Disqus export into `db` (shaped by `ensure_db_shape`); report what it held.

    `capture`: the WARC record holding the export (`archiver import` archives it as a
    resource record), which its rows then point at and `reparse` reads it from."""
    report = DisqusReport()
    known = _archived(db)
    threads: dict[str, _Thread] = {}
    batch: list[Item] = []
    for element in _top_level(path):
        if element.tag == NS + "thread":
            threads[element.get(DSQ_ID)] = _thread(element)
            report.threads += 1
        elif element.tag == NS + "post":
            for item in _post(element, threads, known, db, report):
                item.capture = capture
                batch.append(item)
            if len(batch) >= BATCH:
                _save(db, batch)
        element.clear()
    _save(db, batch)
    return report


def is_disqus_export(head: bytes) -> bool:
    """Whether a file's first bytes are a Disqus export's root."""
    return b"<disqus" in head[:4096] and b"http://disqus.com" in head[:4096]


def _top_level(path: Path | str | IO[bytes]) -> Iterator[etree._Element]:
    """The export's threads and posts, one at a time; each is dropped from the tree once read
    (the caller clears it), so the tree never grows."""
    tags = (NS + "thread", NS + "post")
    source = path if hasattr(path, "read") else str(path)
    for _, element in etree.iterparse(source, tag=tags, resolve_entities=False):
        parent = element.getparent()
        if parent is None or parent.tag != NS + "disqus":
            continue  # a post's `<thread dsq:id/>` reference, read with its post
        yield element
        while element.getprevious() is not None:
            del parent[0]


def _text(element: etree._Element, path: str) -> str | None:
    """The text at "a/b" in the export's namespace."""
    return clean_text(element.findtext("/".join(NS + step for step in path.split("/"))))


def _thread(element: etree._Element) -> _Thread:
    return _Thread(
        link=_text(element, "link") or "",
        title=_text(element, "title"),
        author=_text(element, "author/name"),
        created=iso_or_none(_text(element, "createdAt")),
    )


def _post(
    element: etree._Element,
    threads: dict[str, _Thread],
    known: dict[str, _Target],
    db: sqlite_utils.Database,
    report: DisqusReport,
) -> list[Item]:
    """A post as a Comment, after its thread's article if this import makes it."""
    post_id = element.get(DSQ_ID)
    reference = element.find(NS + "thread")
    thread = threads.get(reference.get(DSQ_ID) if reference is not None else "")
    if thread is None:
        report.orphans.append(post_id)
        return []
    items: list[Item] = []
    if thread.target is None:
        items += _join(thread, known, db, report)
    target = thread.target
    parent = element.find(NS + "parent")
    deleted = _text(element, "isDeleted") == "true"
    spam = _text(element, "isSpam") == "true"
    message = element.findtext(NS + "message") or ""
    target.posts += 1  # type: ignore[union-attr]
    report.posts += 1
    report.replies += parent is not None
    report.deleted += deleted
    report.spam += spam
    items.append(
        Comment(
            site=target.site,  # type: ignore[union-attr]
            site_comment_id=ID_PREFIX + post_id,
            site_article_id=target.site_article_id,  # type: ignore[union-attr]
            author=_text(element, "author/name") or _text(element, "author/username"),
            posted=iso_or_none(_text(element, "createdAt")),
            body_html=sanitize_html(message) or "",
            body_text=html_to_text(message) if message.strip() else "",
            parent_site_comment_id=ID_PREFIX + parent.get(DSQ_ID) if parent is not None else None,
            page=target.page,  # type: ignore[union-attr]
            index=target.posts,  # type: ignore[union-attr]
            deleted=deleted,
            moderation="spam" if spam else "deleted" if deleted else None,
        )
    )
    return items


def _join(
    thread: _Thread, known: dict[str, _Target], db: sqlite_utils.Database, report: DisqusReport
) -> list[Item]:
    """The thread's article, found by its link or made of it (the Article item, then)."""
    key = page_key(thread.link, merge_www=True)
    target = known.get(key)
    made: list[Item] = []
    if target is None:
        target = known[key] = _Target(site_of(thread.link), page_key(thread.link), False)
        made.append(
            Article(
                site=target.site,
                site_article_id=target.site_article_id,
                url=display_url(thread.link),
                title=thread.title,
                author=thread.author,
                published=thread.created,
            )
        )
        report.created += 1
    elif target.archived:
        report.matched += 1
    if not target.page:
        target.page = 1 + _own_pages(db, target.site, target.site_article_id)
    thread.target = target
    return made


def _own_pages(db: sqlite_utils.Database, site: str, site_article_id: str) -> int:
    """How many comment pages the article has of its own (not imported from Disqus)."""
    article = article_id(db, site, site_article_id)
    if article is None:
        return 0
    return (
        one_value(
            db,
            "SELECT COALESCE(MAX(page), 0) FROM comments WHERE article_id = ?"
            " AND site_comment_id NOT LIKE ?",
            (article, ID_PREFIX + "%"),
        )
        or 0
    )


def _archived(db: sqlite_utils.Database) -> dict[str, _Target]:
    """Each archived article by the page keys of its URL and canonical URL."""
    keys: dict[str, _Target] = {}
    for site, site_article_id, url, canonical in db.execute(
        "SELECT site, site_article_id, url, canonical_url FROM articles"
    ).fetchall():
        target = _Target(site, site_article_id, True)
        for found in filter(None, (canonical, url)):
            keys.setdefault(page_key(found, merge_www=True), target)
    return keys


def _save(db: sqlite_utils.Database, batch: list[Item]) -> None:
    with db.conn:
        save_items(db, batch)
    batch.clear()
