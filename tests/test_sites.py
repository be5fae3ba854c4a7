"""Golden cases: each tests/sites/<spider>/<case>/ holds a page and its reviewed output.

meta.json names the page: "corpus" (a path in the shared corpus, read in place) or
"body" (a file in the case folder, for pages we rebuilt or wrote for an edge case),
plus url, status, headers and the frozen capture time.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archiver.archive.capture import Capture
from archiver.extract.page import PageParser, capture_items, extract
from archiver.extract.responses import build_response
from archiver.items import item_to_dict
from archiver.registry import load_spider
from archiver.store.save import save_capture, save_item

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
    return parse_case(case, body)


def parse_case(case: Path, body: bytes, url: str | None = None) -> list[dict]:
    """The items the case's spider reads from `body` served as the case's page (its URL,
    or `url`, its headers and capture time): the page as saved, or transformed by a test."""
    meta = json.loads((case / "meta.json").read_text())
    response = build_response(
        url or meta["url"],
        body,
        headers=meta.get("headers", {"Content-Type": "text/html; charset=utf-8"}).items(),
        status=meta.get("status", 200),
        fetched_at=meta["fetched_at"],
        capture="<urn:uuid:golden>",
    )
    spider = load_spider(case.parent.name)
    return [item_to_dict(item) for item in extract(spider.parse_page, response)]


def save_page(
    db: object,
    parse_page: PageParser,
    url: str,
    body: bytes,
    headers: list[tuple[str, str]],
    fetched_at: str,
    number: int,
    filename: str = "x.warc.gz",
) -> None:
    """A page saved through the store as reparse saves a record: its capture row (record
    `number`), then the items its parser reads."""
    capture = Capture(
        url, 200, filename, 1000 * number, f"<urn:uuid:{number:08d}-0000-0000-0000-000000000000>",
        fetched_at, dict(headers).get("Content-Type"), None, headers=tuple(headers),
    )  # fmt: skip
    save_capture(db, capture)
    for item in capture_items(capture, body, parse_page):
        save_item(db, item)


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


COUNTED = [c for c in CASES if "counted" in json.loads((c / "meta.json").read_text())]


@pytest.mark.parametrize("case", COUNTED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_golden_holds_the_comments_counted_on_the_page(case):
    """Each golden holds as many comments as were counted in the raw page without the parser
    (pingbacks and trackbacks are comments too: WordPress lists and counts them)."""
    counted = json.loads((case / "meta.json").read_text())["counted"]
    assert counted["method"], "say how the page was counted"
    expected = json.loads((case / "expected.json").read_text())
    found = sum(item["type"] == "Comment" for item in expected)
    on_page = (counted["comments"] or 0) + (counted.get("pingbacks") or 0)
    if counted.get("unread"):  # a known gap, said in the golden: the parser reads none of them
        assert found == 0 and on_page > 0, counted["unread"]
        return
    assert found == on_page, counted.get("notes")


def test_counted_cases_cover_every_platform_golden():
    platforms = {"wordpress", "hackernews", "slashdot", "regards"}
    uncounted = [c.name for c in CASES if c.parent.name in platforms and c not in COUNTED]
    assert [n for n in uncounted if n != "edge_cases" and not n.startswith("edge_")] == []
