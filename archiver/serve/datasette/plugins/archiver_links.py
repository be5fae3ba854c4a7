"""Datasette plugin shipped with `archiver serve`: replay links, thread links, quotes.

Every value it puts in a page is escaped: comment text, author names and quoted
text are archived from other people's sites and are shown as text, never as HTML.
"""

from __future__ import annotations

import json
import re
from typing import Any

from datasette import hookimpl
from markupsafe import Markup, escape

#: "<14-digit timestamp>/<http(s) URL>", as the views and canned queries build it.
REPLAY_PATH = re.compile(r"^\d{14}/https?://\S+$")


@hookimpl
def render_cell(
    row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any
) -> Markup | None:
    """Turn the archive's link columns into links; leave every other cell to Datasette."""
    if column == "replay" or column.endswith("_replay"):
        return _replay_link(value, datasette)
    if column == "thread" and isinstance(value, int):
        return _thread_link(row, value, table, database, datasette)
    if column == "quoted":
        return _quotes(value)
    if column == "comment_text":
        # Full text, not cut at truncate_cells_html: a thread is read whole.
        return Markup('<div class="comment-text">{}</div>').format(value or "")
    return None


def _replay_link(value: Any, datasette: Any) -> Markup | None:
    base = (datasette.plugin_config("archiver") or {}).get("replay_base")
    if not base or not isinstance(value, str) or not REPLAY_PATH.match(value):
        return None
    return Markup('<a class="replay-link" href="{}">replay</a>').format(
        base.rstrip("/") + "/" + value
    )


def _thread_link(
    row: Any, article: int, table: str | None, database: str, datasette: Any
) -> Markup:
    keys = row.keys()
    comment = row["id"] if table == "comment_list" else None
    if "comment_id" in keys:
        comment = row["comment_id"]
    anchor = f"#comment-{comment}" if comment is not None else ""
    url = f"{datasette.urls.database(database)}/thread?article={article}{anchor}"
    return Markup('<a class="thread-link" href="{}">thread</a>').format(url)


def _quotes(value: Any) -> Markup:
    try:
        quotes = json.loads(value or "[]")
    except (TypeError, ValueError):
        return Markup("{}").format(value)
    return Markup("").join(_quote(quote) for quote in quotes)


def _quote(quote: dict) -> Markup:
    who = quote.get("author") or ("the article" if quote.get("kind") == "article" else "")
    if quote.get("comment") is not None:
        who = Markup('<a class="quoted-link" href="#comment-{}">{}</a>').format(
            quote["comment"], who or "a comment"
        )
    return Markup('<blockquote class="quote"><cite>{}</cite> {}</blockquote>').format(
        who, escape(quote.get("text") or "")
    )
