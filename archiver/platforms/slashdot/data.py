"""The thread data a Slashdot page carries in a script: every comment it knows, hidden ones
included (`D2.comments({...})` since 2010, `comments = {...}` in 2008), read as the
JavaScript object literal it is: unquoted keys, `undefined` values, either quote."""

from __future__ import annotations

import json
import re
from typing import Any

# The thread's data: `D2.comments({...});` (2010s) or `comments = {...};` (2008).
_DATA_BLOB = re.compile(r"(?:\bD2\.comments\(|(?<![\w.$])comments\s*=\s*)(\{.*?\})\s*\)?\s*;", re.S)
_DISCUSSION_ID = (
    re.compile(r"\bD2\.discussion_id\((\d+)\)"),
    re.compile(r"(?<![\w.$])discussion_id\s*=\s*(\d+)\s*;"),
    re.compile(r"comments\.pl\?sid=(\d+)"),
)
_MORE_COMMENTS = re.compile(r"more_comments_num(?:\(|\s*=\s*)(\d+)")
# A JS string literal ("..." or '...'), an object key, or a bare word (undefined, true...).
_JS_TOKEN = re.compile(
    r""""(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|(?P<key>[A-Za-z_$][\w$]*|\d+)(?=\s*:)|[A-Za-z_$][\w$]*"""
)
_JS_WORDS = {"undefined": "null", "null": "null", "true": "true", "false": "false"}


def discussion_id(page_text: str) -> str | None:
    """The discussion id (the `sid` of comments.pl), the id comments are filed under."""
    for pattern in _DISCUSSION_ID:
        found = pattern.search(page_text)
        if found:
            return found.group(1)
    return None


def comment_data(page_text: str) -> dict[str, dict[str, Any]]:
    """The data blob by comment id (uid, pid, points, kids, subject); {} if absent or unreadable."""
    found = _DATA_BLOB.search(page_text)
    if not found:
        return {}
    try:
        data = json.loads(_JS_TOKEN.sub(_js_token_as_json, found.group(1)), strict=False)
    except ValueError:
        return {}  # the markup is the fallback
    if not isinstance(data, dict):
        return {}
    return {str(cid): entry for cid, entry in data.items() if isinstance(entry, dict)}


def _js_token_as_json(token: re.Match[str]) -> str:
    text = token.group(0)
    if token["key"]:
        return f'"{text}"'
    if text[0] == "'":
        inner = text[1:-1].replace("\\'", "'").replace('"', '\\"')
        return f'"{inner}"'
    if text[0] == '"':
        return text.replace("\\'", "'")
    return _JS_WORDS.get(text, f'"{text}"')


def more_comments(page_text: str) -> int:
    """How many comments a D2 page says it lacks (fetched by AJAX): 0 if it does not say."""
    found = _MORE_COMMENTS.search(page_text)
    return int(found.group(1)) if found else 0
