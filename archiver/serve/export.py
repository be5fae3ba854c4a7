"""Threads out of the archive for research: one row per comment (or article), and the
reply/quote graph, in formats analysis tools read.

Rows stream from SQLite in thread order (never the whole table in memory); each
carries the WARC record it was read from, so a finding can be checked against the
page as served. `pseudonymize` replaces every commenter's name (author, quoted
authors, and names left in the text by quote headers such as "X a dit :") with a
keyed hash (HMAC-SHA256): stable within and across exports made with one key, so
threads stay analysable, and unlinkable to the person without it.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape, quoteattr

import sqlite_utils

COMMENT_FIELDS = (
    "site", "article_url", "article_title", "comment_id", "parent_id", "depth", "position",
    "author", "posted", "text", "quoted_comment_ids", "quoted_authors", "deleted",
    "warc_filename", "warc_offset", "warc_record_id",
)  # fmt: skip
ARTICLE_FIELDS = (
    "site", "article_id", "article_url", "article_title", "author", "published",
    "comments_shown", "comments_stored", "warc_filename", "warc_offset", "warc_record_id",
)  # fmt: skip
FORMATS = ("jsonl", "csv", "parquet", "edges", "graphml")
#: rows a Parquet row group holds: memory stays flat whatever the export's size
PARQUET_BATCH = 10_000

# Depth from the thread's roots; a comment whose parent is known only by id (not
# archived) and its replies have no depth.
_COMMENTS = """
WITH RECURSIVE depth(id, depth) AS (
    SELECT id, 0 FROM comments WHERE parent_id IS NULL AND parent_site_comment_id IS NULL
    UNION ALL SELECT c.id, d.depth + 1 FROM comments c JOIN depth d ON c.parent_id = d.id
)
SELECT c.site, a.url, a.title, c.site_comment_id, c.parent_site_comment_id, d.depth,
    c.position, au.name, c.posted, c.body_text,
    (SELECT json_group_array(qc.site_comment_id) FROM quotes q
        JOIN comments qc ON qc.id = q.quoted_comment_id WHERE q.comment_id = c.id),
    (SELECT json_group_array(q.quoted_author) FROM quotes q
        WHERE q.comment_id = c.id AND q.quoted_author IS NOT NULL),
    c.deleted, cap.warc_filename, cap.warc_offset, cap.warc_record_id, a.id
FROM comments c JOIN articles a ON a.id = c.article_id
LEFT JOIN depth d ON d.id = c.id
LEFT JOIN authors au ON au.id = c.author_id
LEFT JOIN captures cap ON cap.id = c.capture_id
WHERE (:site IS NULL OR a.site = :site OR c.site = :site)
  AND (:since IS NULL OR c.posted >= :since)
ORDER BY a.id, c.position, c.id
"""

_ARTICLES = """
SELECT a.site, a.site_article_id, a.url, a.title, au.name, a.published, a.comment_count,
    (SELECT COUNT(*) FROM comments c WHERE c.article_id = a.id),
    cap.warc_filename, cap.warc_offset, cap.warc_record_id
FROM articles a LEFT JOIN authors au ON au.id = a.author_id
LEFT JOIN captures cap ON cap.id = a.capture_id
WHERE (:site IS NULL OR a.site = :site) AND (:since IS NULL OR a.published >= :since)
ORDER BY a.id
"""

# Both ends pass the filters the comment rows pass: no edge leads out of the export.
_EDGES = """
SELECT s.site, s.site_comment_id, t.site_comment_id, r.kind FROM reply_links r
JOIN comments s ON s.id = r.comment_id JOIN comments t ON t.id = r.target_comment_id
JOIN articles a ON a.id = s.article_id JOIN articles ta ON ta.id = t.article_id
WHERE (:site IS NULL OR a.site = :site OR s.site = :site)
  AND (:site IS NULL OR ta.site = :site OR t.site = :site)
  AND (:since IS NULL OR (s.posted >= :since AND t.posted >= :since))
ORDER BY s.id, r.kind, t.id
"""


@dataclass(frozen=True)
class Pseudonyms:
    """Names to keyed hashes: `HMAC-SHA256(key, site NUL name)`, 16 hex digits."""

    key: bytes

    def name(self, site: str, name: str | None) -> str | None:
        if not name:
            return name
        digest = hmac.new(self.key, f"{site}\0{name}".encode(), hashlib.sha256).hexdigest()
        return f"person-{digest[:16]}"

    def text(self, site: str, text: str | None, names: set[str]) -> str | None:
        """`text` with every one of `names` (the thread's people) replaced, longest first."""
        if not text or not names:
            return text
        pattern = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        return re.sub(
            rf"(?<!\w)(?:{pattern})(?!\w)", lambda m: self.name(site, m.group(0)) or "", text
        )


def comment_rows(
    db: sqlite_utils.Database,
    site: str | None = None,
    since: str | None = None,
    pseudonyms: Pseudonyms | None = None,
) -> Iterator[dict[str, Any]]:
    """One dict per comment (COMMENT_FIELDS), thread by thread, in thread order."""
    cursor = db.conn.execute(_COMMENTS, {"site": site, "since": since})
    thread: list[tuple] = []
    for row in cursor:
        if thread and row[-1] != thread[0][-1]:
            yield from _thread_rows(thread, pseudonyms)
            thread = []
        thread.append(row)
    yield from _thread_rows(thread, pseudonyms)


def _thread_rows(thread: list[tuple], pseudonyms: Pseudonyms | None) -> Iterator[dict[str, Any]]:
    rows = [dict(zip(COMMENT_FIELDS, row[:-1], strict=True)) for row in thread]
    for row in rows:
        row["quoted_comment_ids"] = json.loads(row["quoted_comment_ids"] or "[]")
        row["quoted_authors"] = json.loads(row["quoted_authors"] or "[]")
        row["deleted"] = bool(row["deleted"])
    if pseudonyms is not None:
        names = {r["author"] for r in rows if r["author"]}
        names |= {n for r in rows for n in r["quoted_authors"]}
        for row in rows:
            site = row["site"]
            row["author"] = pseudonyms.name(site, row["author"])
            row["quoted_authors"] = [pseudonyms.name(site, n) for n in row["quoted_authors"]]
            row["text"] = pseudonyms.text(site, row["text"], names)
    yield from rows


def article_rows(
    db: sqlite_utils.Database,
    site: str | None = None,
    since: str | None = None,
    pseudonyms: Pseudonyms | None = None,
) -> Iterator[dict[str, Any]]:
    """One dict per article (ARTICLE_FIELDS)."""
    for row in db.conn.execute(_ARTICLES, {"site": site, "since": since}):
        found = dict(zip(ARTICLE_FIELDS, row, strict=True))
        if pseudonyms is not None:
            found["author"] = pseudonyms.name(found["site"], found["author"])
        yield found


def edge_rows(
    db: sqlite_utils.Database, site: str | None = None, since: str | None = None
) -> Iterator[dict[str, str]]:
    """The reply/quote graph: (site, source comment, target comment, kind)."""
    for site_, source, target, kind in db.conn.execute(_EDGES, {"site": site, "since": since}):
        yield {"site": site_, "source": source, "target": target, "kind": kind}


def export_threads(
    db: sqlite_utils.Database,
    output: Path,
    fmt: str,
    *,
    articles: bool = False,
    site: str | None = None,
    since: str | None = None,
    pseudonyms: Pseudonyms | None = None,
) -> int:
    """Write the export to `output`; return the rows (or edges) written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")
    if fmt == "parquet":
        fields, rows = (
            (ARTICLE_FIELDS, article_rows(db, site, since, pseudonyms))
            if articles
            else (COMMENT_FIELDS, comment_rows(db, site, since, pseudonyms))
        )
        return _write_parquet(output, fields, rows)
    with output.open("w", encoding="utf-8", newline="") as out:
        if fmt == "edges":
            return _write_csv(out, ("site", "source", "target", "kind"), edge_rows(db, site, since))
        if fmt == "graphml":
            return _write_graphml(out, comment_rows(db, site, since, pseudonyms), db, site, since)
        fields, rows = (
            (ARTICLE_FIELDS, article_rows(db, site, since, pseudonyms))
            if articles
            else (COMMENT_FIELDS, comment_rows(db, site, since, pseudonyms))
        )
        if fmt == "jsonl":
            count = 0
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
                count += 1
            return count
        return _write_csv(out, fields, rows)


# Parquet column types: what is not listed is a string.
_PARQUET_INTS = {"depth", "position", "warc_offset", "comments_shown", "comments_stored"}
_PARQUET_LISTS = {"quoted_comment_ids", "quoted_authors"}


def _write_parquet(output: Path, fields: tuple[str, ...], rows: Iterator[dict[str, Any]]) -> int:
    """Rows as Parquet with proper types (integers, booleans, lists of strings), written
    in row groups of PARQUET_BATCH. pyarrow is the `parquet` extra."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as error:
        raise ValueError("Parquet needs pyarrow: pip install 'news-archiver[parquet]'") from error

    def kind(name: str) -> Any:  # noqa: ANN401 - a pyarrow type
        if name in _PARQUET_INTS:
            return pa.int64()
        if name == "deleted":
            return pa.bool_()
        return pa.list_(pa.string()) if name in _PARQUET_LISTS else pa.string()

    schema = pa.schema([(name, kind(name)) for name in fields])
    count = 0
    with pq.ParquetWriter(str(output), schema) as writer:
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= PARQUET_BATCH:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                count, batch = count + len(batch), []
        if batch or count == 0:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            count += len(batch)
    return count


def _write_csv(out: IO[str], fields: tuple[str, ...], rows: Iterator[dict[str, Any]]) -> int:
    writer = csv.DictWriter(out, fieldnames=fields)
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow({k: json.dumps(v) if isinstance(v, list) else v for k, v in row.items()})
        count += 1
    return count


_NODE_KEYS = ("site", "author", "posted", "article_url", "depth")


def _write_graphml(
    out: IO[str],
    rows: Iterator[dict[str, Any]],
    db: sqlite_utils.Database,
    site: str | None,
    since: str | None,
) -> int:
    """Comments as nodes (site, author, posted, article, depth), replies and quotes as
    directed edges (kind): what Gephi, networkx and igraph read."""
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write('<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n')
    for key in _NODE_KEYS:
        kind = "int" if key == "depth" else "string"
        out.write(f'<key id="{key}" for="node" attr.name="{key}" attr.type="{kind}"/>\n')
    out.write('<key id="kind" for="edge" attr.name="kind" attr.type="string"/>\n')
    out.write('<graph id="threads" edgedefault="directed">\n')
    nodes = 0
    for row in rows:
        node = quoteattr(f"{row['site']}/{row['comment_id']}")
        data = "".join(
            f'<data key="{key}">{escape(str(row[key]))}</data>'
            for key in _NODE_KEYS
            if row[key] is not None
        )
        out.write(f"<node id={node}>{data}</node>\n")
        nodes += 1
    for edge in edge_rows(db, site, since):
        source = quoteattr(f"{edge['site']}/{edge['source']}")
        target = quoteattr(f"{edge['site']}/{edge['target']}")
        kind = escape(edge["kind"])
        out.write(f'<edge source={source} target={target}><data key="kind">{kind}</data></edge>\n')
    out.write("</graph>\n</graphml>\n")
    return nodes
