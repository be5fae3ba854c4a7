"""Exports for research, on real threads saved as a crawl saves them: every comment once,
every parent and quoted comment resolvable, the graph's edges between exported nodes,
and pseudonyms that leave no commenter's name behind."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from xml.etree import ElementTree

import pytest

from archiver.registry import load_spider
from archiver.serve.export import COMMENT_FIELDS, Pseudonyms, export_threads
from archiver.store.schema import open_db
from tests.test_sites import save_page

SITES = Path(__file__).parent / "sites"
# A flat French thread quoting by "X a dit :", and a nested German one.
CASES = ("next_ink/seed_cybersecurite_sante", "netzpolitik/abmahnungen")


@pytest.fixture
def archive_db(corpus, tmp_path):
    """The two real pages saved through the store, each from its own capture."""
    db = open_db(tmp_path / "archive.db")
    for number, name in enumerate(CASES):
        case = SITES / name
        meta = json.loads((case / "meta.json").read_text())
        body = (corpus / meta["corpus"] if "corpus" in meta else case / meta["body"]).read_bytes()
        parse = load_spider(name.split("/")[0]).parse_page
        headers = list(meta["headers"].items())
        save_page(db, parse, meta["url"], body, headers, meta["fetched_at"], number,
                  f"crawl-{number}.warc.gz")  # fmt: skip
    db.conn.commit()
    return db


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_every_comment_once_with_its_parents_quotes_and_record(archive_db, tmp_path):
    out = tmp_path / "threads.jsonl"
    written = export_threads(archive_db, out, "jsonl")
    rows = _jsonl(out)
    stored = archive_db.execute("SELECT COUNT(*) FROM comments").fetchone()[0]
    assert written == len(rows) == stored == 14 + 74
    keys = [(r["site"], r["comment_id"]) for r in rows]
    assert len(set(keys)) == len(keys)
    ids = {r["comment_id"] for r in rows}
    assert all(r["parent_id"] in ids for r in rows if r["parent_id"])
    assert sum(1 for r in rows if r["parent_id"]) == 38  # netzpolitik's replies
    assert all(q in ids for r in rows for q in r["quoted_comment_ids"])
    linked = archive_db.execute("SELECT COUNT(*) FROM quotes WHERE quoted_comment_id IS NOT NULL")
    assert sum(len(r["quoted_comment_ids"]) for r in rows) == linked.fetchone()[0] == 7
    for row in rows:
        assert row["depth"] == (0 if row["parent_id"] is None else row["depth"])
        parent = next((p for p in rows if p["comment_id"] == row["parent_id"]), None)
        assert parent is None or row["depth"] == parent["depth"] + 1
        assert row["warc_filename"].startswith("crawl-") and row["warc_record_id"]
    threads = {}
    for row in rows:  # thread order: each thread's rows together, positions rising
        threads.setdefault(row["article_url"], []).append(row["position"])
    assert all(positions == sorted(positions) for positions in threads.values())
    assert list(rows[0]) == list(COMMENT_FIELDS)


def test_csv_and_graph_hold_the_same_thread(archive_db, tmp_path):
    export_threads(archive_db, tmp_path / "t.jsonl", "jsonl")
    rows = _jsonl(tmp_path / "t.jsonl")
    export_threads(archive_db, tmp_path / "t.csv", "csv")
    with (tmp_path / "t.csv").open(newline="") as handle:
        table = list(csv.DictReader(handle))
    assert [r["comment_id"] for r in table] == [r["comment_id"] for r in rows]
    assert [json.loads(r["quoted_comment_ids"]) for r in table] == [
        r["quoted_comment_ids"] for r in rows
    ]
    export_threads(archive_db, tmp_path / "t.graphml", "graphml")
    graph = ElementTree.parse(tmp_path / "t.graphml").getroot()
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    nodes = {n.get("id") for n in graph.iterfind(".//g:node", ns)}
    edges = list(graph.iterfind(".//g:edge", ns))
    assert len(nodes) == len(rows)
    assert all(e.get("source") in nodes and e.get("target") in nodes for e in edges)
    kinds = {e.find("g:data", ns).text for e in edges}
    assert {"parent", "quote"} <= kinds
    export_threads(archive_db, tmp_path / "e.csv", "edges")
    with (tmp_path / "e.csv").open(newline="") as handle:
        assert len(list(csv.DictReader(handle))) == len(edges)


def test_filters_by_site_and_date(archive_db, tmp_path):
    export_threads(archive_db, tmp_path / "a.jsonl", "jsonl", site="netzpolitik.org")
    rows = _jsonl(tmp_path / "a.jsonl")
    assert len(rows) == 74 and {r["site"] for r in rows} == {"netzpolitik.org"}
    since = sorted(r["posted"] for r in rows)[40]
    export_threads(archive_db, tmp_path / "b.jsonl", "jsonl", since=since)
    assert all(r["posted"] >= since for r in _jsonl(tmp_path / "b.jsonl"))
    export_threads(archive_db, tmp_path / "c.jsonl", "jsonl", articles=True)
    articles = _jsonl(tmp_path / "c.jsonl")
    assert sorted(a["comments_stored"] for a in articles) == [14, 74]


def test_pseudonyms_leave_no_name_and_stay_stable(archive_db, tmp_path):
    names = {n for (n,) in archive_db.execute("SELECT name FROM authors WHERE name != ''")}
    assert len(names) > 30
    first, again, other = (tmp_path / f"{n}.jsonl" for n in ("first", "again", "other"))
    export_threads(archive_db, first, "jsonl", pseudonyms=Pseudonyms(b"k1"))
    export_threads(archive_db, again, "jsonl", pseudonyms=Pseudonyms(b"k1"))
    export_threads(archive_db, other, "jsonl", pseudonyms=Pseudonyms(b"k2"))
    text = first.read_text()
    assert not [n for n in names if len(n) > 3 and json.dumps(n)[1:-1] in text]
    assert first.read_text() == again.read_text()
    rows, others = _jsonl(first), _jsonl(other)
    assert [r["author"] for r in rows] != [r["author"] for r in others]
    # the same person keeps one pseudonym: as author and as the quoted author
    by_id = {r["comment_id"]: r for r in rows}
    linked = [
        (r["quoted_authors"], by_id[q]["author"])
        for r in rows
        for q in r["quoted_comment_ids"]
        if r["quoted_authors"]
    ]
    assert linked and any(author in quoted for quoted, author in linked)


def test_parquet_holds_the_same_rows_with_their_types(archive_db, tmp_path, monkeypatch):
    """Parquet, in row groups small enough that the threads span several: the same rows
    as JSON lines, with integers, booleans and lists of strings as such."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    import archiver.serve.export as export

    monkeypatch.setattr(export, "PARQUET_BATCH", 25)
    export_threads(archive_db, tmp_path / "t.jsonl", "jsonl")
    written = export_threads(archive_db, tmp_path / "t.parquet", "parquet")
    table = pq.read_table(tmp_path / "t.parquet")
    assert written == table.num_rows == 88
    assert pq.ParquetFile(tmp_path / "t.parquet").num_row_groups == 4
    assert table.to_pylist() == _jsonl(tmp_path / "t.jsonl")
    assert table.schema.field("position").type == pa.int64()
    assert table.schema.field("deleted").type == pa.bool_()
    assert table.schema.field("quoted_comment_ids").type == pa.list_(pa.string())
    export_threads(archive_db, tmp_path / "a.parquet", "parquet", articles=True)
    assert pq.read_table(tmp_path / "a.parquet").column("comments_stored").to_pylist() == [14, 74]
