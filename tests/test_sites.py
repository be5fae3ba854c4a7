"""Golden cases: each tests/sites/<spider>/<case>/ holds a page and its reviewed output.

meta.json names the page: "corpus" (a path in the shared corpus, read in place) or
"body" (a file in the case folder, for pages we rebuilt or wrote for an edge case),
plus url, status, headers and the frozen capture time.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archiver.extract.page import extract
from archiver.extract.responses import build_response
from archiver.items import item_to_dict
from archiver.registry import load_spider

SITES = Path(__file__).parent / "sites"
CASES = sorted(p for p in SITES.glob("*/*") if (p / "meta.json").is_file())


def run_case(case: Path, corpus: Path | None) -> list[dict]:
    meta = json.loads((case / "meta.json").read_text())
    if "corpus" in meta:
        if corpus is None:
            raise LookupError("corpus needed")
        body = (corpus / meta["corpus"]).read_bytes()
    else:
        body = (case / meta["body"]).read_bytes()
    response = build_response(
        meta["url"],
        body,
        headers=meta.get("headers", {"Content-Type": "text/html; charset=utf-8"}).items(),
        status=meta.get("status", 200),
        fetched_at=meta["fetched_at"],
        capture="<urn:uuid:golden>",
    )
    spider = load_spider(case.parent.name)
    return [item_to_dict(item) for item in extract(spider.parse_page, response)]


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_golden(case, request, update_golden):
    meta = json.loads((case / "meta.json").read_text())
    corpus = request.getfixturevalue("corpus") if "corpus" in meta else None
    got = run_case(case, corpus)
    expected_path = case / "expected.json"
    if update_golden:
        expected_path.write_text(json.dumps(got, indent=1, ensure_ascii=False) + "\n")
    expected = json.loads(expected_path.read_text())
    assert got == expected
