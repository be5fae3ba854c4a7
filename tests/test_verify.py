"""`archiver verify`: a sound archive passes; each kind of damage is named and fails the command."""

from __future__ import annotations

import io
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from warcio.warcwriter import WARCWriter

from archiver.archive.capture import Capture
from archiver.archive.verify import verify_archive
from archiver.archive.writer import Exchange, WarcFileWriter
from archiver.items import Article
from archiver.store.save import save_article, save_capture
from archiver.store.schema import open_db

MOMENT = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def exchange(path: str, body: bytes) -> Exchange:
    return Exchange(
        url=f"http://127.0.0.1/{path}",
        method="GET",
        request_headers=[("Accept", "text/html")],
        request_body=b"",
        status=200,
        response_headers=[("Content-Type", "text/html")],
        body=body,
        date=MOMENT,
    )


@pytest.fixture
def archive(tmp_path) -> Path:
    """Two pages written to one WARC file, their captures and an article in the database."""
    folder = tmp_path / "archive"
    writer = WarcFileWriter(folder / "warc", clock=lambda: MOMENT)
    locations = [writer.write_exchange(exchange(p, b"<p>%d</p>" % n)) for n, p in enumerate("ab")]
    writer.close()
    db = open_db(folder / "archive.db")
    for location, path in zip(locations, "ab", strict=True):
        save_capture(db, Capture.at(location, f"http://127.0.0.1/{path}", 200))
    save_article(db, Article("s", "1", "http://127.0.0.1/a", capture=locations[0].record_id))
    db.conn.commit()
    db.close()
    return folder


NO_CAPTURE = (
    "{} WARC responses have no captures row (first: {});"
    " the next crawl resumes them, or run `archiver reparse`"
)


def record_of(archive: Path, capture: int) -> str:
    with sqlite3.connect(archive / "archive.db") as conn:
        query = "SELECT warc_record_id FROM captures WHERE id = ?"
        return conn.execute(query, (capture,)).fetchone()[0]


def warc_file(archive: Path) -> Path:
    (path,) = (archive / "warc").glob("*.warc.gz")
    return path


def execute(archive: Path, sql: str) -> None:
    with sqlite3.connect(archive / "archive.db") as conn:
        conn.execute(sql)


def test_a_sound_archive_passes(archive):
    report = verify_archive(archive)
    assert report.problems == []
    assert (report.files, report.records, report.captures) == (1, 5, 2)
    assert report.render() == "OK: 1 WARC files, 5 records, 2 captures checked."


def test_a_left_over_open_file_fails(archive):
    (archive / "warc" / "x.warc.gz.open").write_bytes(b"")
    assert verify_archive(archive).problems == ["x.warc.gz.open: unfinished .open file left behind"]


def test_a_file_cut_short_fails(archive):
    path = warc_file(archive)
    path.write_bytes(path.read_bytes()[:-40])
    (problem,) = verify_archive(archive).problems
    assert problem.startswith(f"{path.name}: read to record 4 (byte ")
    assert "bytes short of its length; not read: the rest of the file" in problem


def test_a_file_with_garbage_fails(archive):
    path = warc_file(archive)
    path.write_bytes(path.read_bytes() + b"not a WARC record")
    (problem,) = verify_archive(archive).problems
    assert problem.startswith(f"{path.name}: read to record 5 (byte ")


def test_a_file_cut_in_a_members_header_fails(archive):
    """Cut a few bytes into the next gzip member: warcio reads to there without a word."""
    path = warc_file(archive)
    path.write_bytes(path.read_bytes() + b"\x1f\x8b\x08\x00\x00")
    (problem,) = verify_archive(archive).problems
    assert problem.startswith(f"{path.name}: read to record 5 (byte ")
    assert "then 5 bytes after it are no whole record" in problem


def test_a_wrong_digest_fails(archive):
    path = archive / "warc" / "bad.warc.gz"
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        record = writer.create_warc_record(
            "http://127.0.0.1/c",
            "resource",
            payload=io.BytesIO(b"payload"),
            length=7,
            warc_content_type="text/plain",
            warc_headers_dict={
                "WARC-Record-ID": "<urn:uuid:bad>",
                "WARC-Block-Digest": "sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            },
        )
        writer.write_record(record)
    (problem,) = verify_archive(archive).problems
    assert problem.startswith("bad.warc.gz: read to record 0 (byte 0), then record <urn:uuid:bad>")
    assert "digest" in problem


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ("warc_offset = warc_offset + 1", "no record at offset"),
        ("warc_record_id = '<urn:uuid:other>'", "the record at offset"),
        ("warc_filename = 'gone.warc.gz'", "WARC file gone.warc.gz is missing"),
    ],
)
def test_a_capture_that_points_nowhere_fails(archive, change, problem):
    record = record_of(archive, 2)
    execute(archive, f"UPDATE captures SET {change} WHERE id = 2")
    found, *rest = verify_archive(archive).problems
    assert found.startswith("capture 2 (") and problem in found
    if "record_id" in change:  # the record it should name now has no captures row
        assert rest == [NO_CAPTURE.format(1, record)]


def test_an_article_without_a_capture_fails(archive):
    execute(archive, "UPDATE articles SET capture_id = NULL")
    assert verify_archive(archive).problems == ["1 articles point at no capture (first: id 1)"]


def test_the_command_exits_non_zero_with_the_report(archive):
    def run() -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "archiver.cli", "verify", "--archive", str(archive)]
        return subprocess.run(command, capture_output=True, text=True, timeout=120)

    assert run().returncode == 0
    record = record_of(archive, 1)
    execute(archive, "DELETE FROM captures WHERE id = 1")
    failed = run()
    assert failed.returncode == 1
    assert failed.stdout.splitlines() == [
        "FAILED: 2 problem(s) in 1 WARC files, 5 records, 1 captures checked:",
        "  - 1 articles point at no capture (first: id 1)",
        "  - " + NO_CAPTURE.format(1, record),
    ]


def test_a_response_archived_without_its_captures_row_fails(archive):
    """A full disk lost the row of a response that reached the WARC: verify must say so."""
    record = record_of(archive, 2)
    execute(archive, "DELETE FROM captures WHERE id = 2")
    assert verify_archive(archive).problems == [NO_CAPTURE.format(1, record)]
