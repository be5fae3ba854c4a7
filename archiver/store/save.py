"""Saving parser items: rows keyed on the site's own ids, so saving the same item twice
updates one row; every article and comment points at the capture (WARC record) it was
read from. Nothing here parses HTML or touches the network.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable

import sqlite_utils

from archiver.archive.capture import Capture
from archiver.items import Article, Comment, FetchError, Item, PageDone, Quote, ReplyLink
from archiver.store.arrival import adopt_orphans, settle_quotes_naming, settle_thread
from archiver.store.completeness import SUSPECT_CAPTURE, disagreement, suspect_capture
from archiver.store.redactions import quote_fields, redactions
from archiver.store.rows import (
    REPLY_LINK_SQL,
    add_reply_link,
    article_id,
    author_id,
    capture_id,
    comment_id,
    comment_rows,
    find_quoted,
    one_value,
    row_dict,
    utc_now,
)


def save_capture(
    db: sqlite_utils.Database, capture: Capture, run_id: int | None = None, processed: bool = False
) -> int:
    """Record a response or revisit record; the same record twice is one row."""
    db.execute(
        """INSERT INTO captures (url, warc_filename, warc_offset, warc_record_id, status,
               fetched_at, content_type, payload_digest, refers_to, run_id, processed)
           VALUES (:url, :warc_filename, :warc_offset, :warc_record_id, :status,
               :fetched_at, :content_type, :payload_digest, :refers_to, :run_id, :processed)
           ON CONFLICT (warc_record_id) DO NOTHING""",
        {**capture.__dict__, "run_id": run_id, "processed": int(processed)},
    )
    return capture_id(db, capture.warc_record_id)  # type: ignore[return-value]


def save_article(db: sqlite_utils.Database, article: Article) -> str:
    """Upsert an article, keeping its old title and body when they change."""
    row = {
        "site": article.site,
        "site_article_id": article.site_article_id,
        "url": article.url,
        "canonical_url": article.canonical_url,
        "title": article.title,
        "author_id": author_id(db, article.site, redactions(db).name(article.site, article.author)),
        "published": article.published,
        "updated": article.updated,
        "body_html": article.body_html,
        "body_text": article.body_text,
        "tags": json.dumps(article.tags, ensure_ascii=False),
        "comment_count": article.comment_count,
        "link_url": article.link_url,
        "capture_id": capture_id(db, article.capture),
    }
    own_page = article.page <= 1 if article.own_page is None else article.own_page
    before = (
        None
        if article.stub or not own_page
        else row_dict(
            db,
            "SELECT id, title, body_text, body_html, capture_id FROM articles"
            " WHERE site = ? AND site_article_id = ?",
            (article.site, article.site_article_id),
        )
    )
    row["gone_at"] = None
    columns = ", ".join(row)
    # A stub (known only from a link) never overwrites what a real capture said; a
    # later comment page only updates the displayed count: the article's own page
    # stays the row's source (its URL and capture are what replay opens).
    if article.stub:
        updated: tuple[str, ...] = ()
    elif not own_page:
        updated = ("comment_count",)
    else:
        updated = tuple(name for name in row if name not in ("site", "site_article_id"))
    update = (
        "UPDATE SET " + ", ".join(f"{n} = excluded.{n}" for n in updated) if updated else "NOTHING"
    )
    db.execute(
        f"INSERT INTO articles ({columns}) VALUES ({', '.join(':' + n for n in row)}) "
        f"ON CONFLICT (site, site_article_id) DO {update}",
        row,
    )
    if before and (before["title"], before["body_text"], before["body_html"]) != (
        row["title"],
        row["body_text"],
        row["body_html"],
    ):
        db.execute(
            "INSERT INTO article_versions (article_id, title, body_text, body_html, capture_id,"
            " replaced_by_capture_id) VALUES (?, ?, ?, ?, ?, ?)",
            (
                before["id"],
                before["title"],
                before["body_text"],
                before["body_html"],
                before["capture_id"],
                row["capture_id"],
            ),
        )
    return _event(before, row, ("title", "body_text", "body_html"))


def save_comment(db: sqlite_utils.Database, comment: Comment) -> str:
    """Upsert one comment (see save_comments)."""
    return save_comments(db, [comment])[0]


_UPSERT_COMMENT = (
    "INSERT INTO comments (site, site_comment_id, article_id, author_id, parent_id,"
    " parent_site_comment_id, page, position, posted, body_text, body_html, score, deleted,"
    " moderation, capture_id, vanished_at, vanished_capture_id)"
    " VALUES (:site, :site_comment_id, :article_id,"
    " (SELECT id FROM authors WHERE site = :site AND name = :author),"
    " (SELECT id FROM comments WHERE site = :site AND site_comment_id = :parent_site_comment_id),"
    " :parent_site_comment_id, :page, :position, :posted, :body_text, :body_html, :score,"
    " :deleted, :moderation, :capture_id, NULL, NULL)"  # seen again: not vanished
    " ON CONFLICT (site, site_comment_id) DO UPDATE SET "
    + ", ".join(
        f"{name} = excluded.{name}"
        for name in (
            *("article_id", "author_id", "page"),
            *("position", "posted", "body_text", "body_html", "score", "deleted", "moderation"),
            *("capture_id", "vanished_at", "vanished_capture_id"),
        )
    )
    # A source that does not show the thread's nesting (a flat theme) keeps the parent
    # another source gave: parents do not change.
    + ", parent_id = COALESCE(excluded.parent_id, comments.parent_id)"
    + ", parent_site_comment_id ="
    " COALESCE(excluded.parent_site_comment_id, comments.parent_site_comment_id)"
)


def save_comments(db: sqlite_utils.Database, comments: list[Comment]) -> list[str]:
    """Upsert a page's comments in order, keeping the old text of edited ones; their events.

    A page's comments go in as one batch: authors and parents are looked up by SQL
    as each row goes in (a parent comes before its replies), and what the batch
    shares (article, capture, earlier pages' length) is read once.
    """
    conn = db.conn
    hidden = redactions(db)
    forgotten = {(c.site, c.site_comment_id) for c in comments if hidden.of(c.site, c.author)}
    comments = [hidden.comment(c) for c in comments] if hidden.names else comments
    before = _saved_comments(db, comments)
    conn.executemany(
        "INSERT INTO authors (site, name) VALUES (?, ?) ON CONFLICT DO NOTHING",
        sorted({(c.site, c.author) for c in comments if c.author}),
    )
    offsets: dict[tuple[str, str, int], tuple[int | None, int]] = {}
    captures: dict[str | None, int | None] = {}
    rows, events, changed, disagreements = [], [], [], []
    for comment in comments:
        where = (comment.site, comment.site_article_id, comment.page)
        if where not in offsets:
            offsets[where] = _page_offset(db, *where)
        if comment.capture not in captures:
            captures[comment.capture] = capture_id(db, comment.capture)
        article, offset = offsets[where]
        row = {
            "site": comment.site,
            "site_comment_id": comment.site_comment_id,
            "article_id": article,
            "author": comment.author or None,
            "parent_site_comment_id": comment.parent_site_comment_id,
            "page": comment.page,
            "position": offset + comment.index,
            "posted": comment.posted,
            "body_text": comment.body_text,
            "body_html": comment.body_html,
            "score": comment.score,
            "deleted": int(comment.deleted),
            "moderation": comment.moderation,
            "capture_id": captures[comment.capture],
        }
        key = (comment.site, comment.site_comment_id)
        old = before.get(key)
        if old and old["body_text"] and not comment.body_text and not comment.deleted:
            # Shown again collapsed (a stub, a one-line view): what was read stays.
            row.update(body_text=old["body_text"], body_html=old["body_html"])
            row["posted"] = row["posted"] or old["posted"]
        if old and (old["body_text"], old["body_html"]) != (row["body_text"], row["body_html"]):
            changed.append((key, old, row["capture_id"]))
        error = disagreement(db, comment, old)
        if error is not None:
            disagreements.append(error)
        events.append(_event(old, row, ("body_text", "body_html")))
        before[key] = row  # the same comment twice on a page: the second updates the first
        rows.append(row)
    conn.executemany(_UPSERT_COMMENT, rows)
    saved = _comment_ids(db, [(c.site, c.site_comment_id) for c in comments])
    conn.executemany(
        "INSERT INTO comment_versions (comment_id, body_text, body_html, capture_id,"
        " replaced_by_capture_id) VALUES (?, ?, ?, ?, ?)",
        [
            (saved[key][0], old["body_text"], old["body_html"], old["capture_id"], capture)
            for key, old, capture in changed
        ],
    )
    links = [(own, parent, "parent") for own, parent in saved.values() if parent is not None]
    conn.executemany(REPLY_LINK_SQL, links)
    adopt_orphans(db, {key: own for key, (own, _) in saved.items()})
    conn.executemany(
        "UPDATE comments SET redacted = 1 WHERE id = ?", [(saved[key][0],) for key in forgotten]
    )
    for error in disagreements:
        save_fetch_error(db, error)
    settle_quotes_naming(db, saved)
    for (_, _, page), (article, _) in offsets.items():
        if article is not None:
            settle_thread(db, article, page)
    return events


def _comment_ids(
    db: sqlite_utils.Database, keys: list[tuple[str, str]]
) -> dict[tuple[str, str], tuple[int, int | None]]:
    """Row id and parent row id of these (site, site comment id) comments."""
    rows = comment_rows(db, keys, "site_comment_id", "id, parent_id")
    return {(site, scid): (own, parent) for site, scid, own, parent in rows}


def _saved_comments(
    db: sqlite_utils.Database, comments: list[Comment]
) -> dict[tuple[str, str], dict]:
    """Rows already saved for these comments, by (site, site comment id)."""
    keys = [(c.site, c.site_comment_id) for c in comments]
    names = ("id", "body_text", "body_html", "capture_id", "posted", "parent_site_comment_id")
    rows = comment_rows(db, keys, "site_comment_id", ", ".join(names))
    return {(row[0], row[1]): dict(zip(names, row[2:], strict=True)) for row in rows}


def _page_offset(
    db: sqlite_utils.Database, site: str, site_article_id: str, page: int
) -> tuple[int | None, int]:
    """A comment page's article row, and how many comments its earlier pages hold."""
    article = article_id(db, site, site_article_id)
    earlier = one_value(
        db,
        "SELECT COALESCE(MAX(position), 0) FROM comments WHERE article_id = ? AND page < ?",
        (article, page),
    )
    return article, earlier or 0


def _event(before: dict | None, row: dict, fields: tuple[str, ...]) -> str:
    """'new', 'changed' or 'same': what saving did, for the crawl's counts."""
    if before is None:
        return "new"
    return "changed" if any(before[f] != row[f] for f in fields) else "same"


def save_quote(db: sqlite_utils.Database, quote: Quote) -> int | None:
    """Save a quote, resolving the quoted comment by id, else by author and text."""
    quoting = comment_id(db, quote.site, quote.site_comment_id)
    if quoting is None:
        return None
    quoted = None
    if quote.kind == "comment":
        quoted = comment_id(db, quote.site, quote.quoted_site_comment_id)
        if quoted is None and quote.quoted_site_comment_id is None:
            quoted = find_quoted(db, quoting, quote.quoted_author, quote.text)
    quoted_author = quote.quoted_author
    if quoted is not None and quoted_author is None:
        quoted_author = one_value(
            db,
            "SELECT a.name FROM comments c JOIN authors a ON a.id = c.author_id WHERE c.id = ?",
            (quoted,),
        )
    ends = (quoting, quoted)
    quoted_author, text = quote_fields(db, quote.site, ends, quoted_author, quote.text)
    db.execute(
        """INSERT INTO quotes (comment_id, ordinal, quoted_comment_id, quoted_author, text, kind,
               quoted_site_comment_id) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (comment_id, ordinal) DO UPDATE SET quoted_comment_id =
               excluded.quoted_comment_id, quoted_author = excluded.quoted_author,
               text = excluded.text, kind = excluded.kind,
               quoted_site_comment_id = excluded.quoted_site_comment_id""",
        (
            *(quoting, quote.ordinal, quoted, quoted_author, text, quote.kind),
            quote.quoted_site_comment_id,
        ),
    )
    if quoted is not None:
        add_reply_link(db, quoting, quoted, "quote")
    return quoted


def save_reply_link(db: sqlite_utils.Database, link: ReplyLink) -> None:
    source = comment_id(db, link.site, link.site_comment_id)
    target = comment_id(db, link.site, link.target_site_comment_id)
    if source is not None and target is not None:
        add_reply_link(db, source, target, link.kind)


def save_page_done(db: sqlite_utils.Database, done: PageDone) -> Counter[str]:
    """Save a response's items, then close it: its capture is processed; comments its pages
    lost have vanished. Returns what was saved (see save_items)."""
    saved = save_items(db, done.items)
    capture = capture_id(db, done.capture)
    db.execute("UPDATE captures SET processed = 1 WHERE id = ?", (capture,))
    fetched_at = one_value(db, "SELECT fetched_at FROM captures WHERE id = ?", (capture,))
    shown = {
        (a.site, a.site_article_id): a.comment_count for a in done.items if isinstance(a, Article)
    }
    for site, site_article_id, page, ids in done.seen:
        article = article_id(db, site, site_article_id)
        suspect = suspect_capture(db, article, page, len(ids), shown.get((site, site_article_id)))
        if suspect:  # a login wall, a CAPTCHA, a rate-limit page: nothing has vanished
            save_fetch_error(db, FetchError(done.url, SUSPECT_CAPTURE, suspect, done.capture))
            saved["errors"] += 1
            continue
        marks = ", ".join("?" for _ in ids)
        db.execute(
            "UPDATE comments SET deleted = 1, vanished_at = ?, vanished_capture_id = ?"
            " WHERE article_id = ? AND page = ? AND vanished_at IS NULL"
            f" AND site_comment_id NOT IN ({marks})",
            (fetched_at, capture, article, page, *ids),
        )
    return saved


def save_fetch_error(db: sqlite_utils.Database, error: FetchError) -> None:
    if error.error in ("http_404", "http_410"):  # an article taken down: kept, marked gone
        db.execute(
            "UPDATE articles SET gone_at = ? WHERE url = ? AND gone_at IS NULL",
            (utc_now(), error.url),
        )
    db.execute(
        "INSERT INTO fetch_errors (url, error, detail, at, capture_id, attempts)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (
            error.url,
            error.error,
            error.detail,
            utc_now(),
            capture_id(db, error.capture),
            error.attempts,
        ),
    )


_SAVERS: dict[type, Callable[[sqlite_utils.Database, Item], object]] = {
    Article: save_article,
    Quote: save_quote,
    ReplyLink: save_reply_link,
    FetchError: save_fetch_error,
}
_COUNTED = {Article: "articles", Comment: "comments", Quote: "quotes", FetchError: "errors"}


def save_items(db: sqlite_utils.Database, items: list[Item]) -> Counter[str]:
    """Save parser items: articles first, then all comments at once, then what refers to them.

    Returns how many of each were saved and how many were new ("comments",
    "new_comments"...), for the crawl's stats. The rows join the caller's transaction
    (one is opened if none is), so they reach the search index when it commits.
    """
    if not db.conn.in_transaction:  # else sqlite-utils commits each statement it opens one for
        db.conn.execute("BEGIN")
    saved: Counter[str] = Counter()
    comments = [item for item in items if isinstance(item, Comment)]
    articles = [item for item in items if isinstance(item, Article)]
    events = [save_article(db, item) for item in articles] + save_comments(db, comments)
    rest = [item for item in items if not isinstance(item, Article | Comment)]
    events += [_SAVERS[type(item)](db, item) for item in rest]
    for item, event in zip([*articles, *comments, *rest], events, strict=True):
        name = _COUNTED.get(type(item))
        if name:
            saved[name] += 1
            if event == "new":
                saved["new_" + name] += 1
    return saved


def save_item(db: sqlite_utils.Database, item: Item) -> Counter[str]:
    """Save any parser item, a PageDone with its items included; the caller owns the
    transaction."""
    return save_page_done(db, item) if isinstance(item, PageDone) else save_items(db, [item])
