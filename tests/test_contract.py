"""Every request.meta key that crosses components is declared in archiver.contract."""

from __future__ import annotations

import ast
from pathlib import Path

from archiver.contract import Meta

ROOT = Path(__file__).parent.parent
# Scrapy's own keys, read or set by our components (documented in Scrapy's Request.meta).
SCRAPY_KEYS = {
    "redirect_urls",
    "retry_times",
    "download_maxsize",
    "handle_httpstatus_list",
    "dont_obey_robotstxt",
}


def meta_literals(path: Path) -> list[tuple[int, str]]:
    """String literals used as keys of a `.meta` mapping: subscripts and get/pop/setdefault."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        key = None
        if isinstance(node, ast.Subscript) and _is_meta(node.value):
            key = node.slice
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("get", "pop", "setdefault")
            and _is_meta(node.func.value)
            and node.args
        ):
            key = node.args[0]
        elif isinstance(node, ast.Call) and any(k.arg == "meta" for k in node.keywords):
            value = next(k.value for k in node.keywords if k.arg == "meta")
            if isinstance(value, ast.Dict):
                found += [(node.lineno, k.value) for k in value.keys if isinstance(k, ast.Constant)]
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            found.append((node.lineno, key.value))
    return found


def _is_meta(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "meta"


def test_meta_keys_are_declared_once():
    sources = sorted([*ROOT.glob("archiver/**/*.py"), *ROOT.glob("spiders/*.py")])
    assert len(sources) > 40
    undeclared = [
        f"{path.relative_to(ROOT)}:{line}: {key!r}"
        for path in sources
        for line, key in meta_literals(path)
        if key not in SCRAPY_KEYS
    ]
    # Private keys of one component are named constants there (e.g. limits' _CAP), not literals.
    assert undeclared == [], "use archiver.contract.Meta for keys that cross components"


def test_the_scan_sees_literal_keys(tmp_path):
    """The check above can fail: a literal key, read or written, is found."""
    source = tmp_path / "x.py"
    source.write_text(
        "r.meta['link']\nr.meta.get('wordpress')\nRequest(u, meta={'page': 1})\n"
        "r.meta.get(Meta.LINK)\n"
    )
    assert [key for _, key in meta_literals(source)] == ["link", "wordpress", "page"]
    assert {m.value for m in Meta} >= {"link", "capture", "fetched_at"}
