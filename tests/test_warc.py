"""The WARC writer: fixed ids and dates, rotation, and real crawls round-tripping byte-exactly."""

from __future__ import annotations

import gzip
import random
import subprocess
import sys
from datetime import UTC, datetime
from itertools import count
from pathlib import Path

import brotli
from warcio.archiveiterator import ArchiveIterator

from archiver.archive.writer import Exchange, WarcFileWriter
from tests.mockserver import MockServer, Route
from tests.test_crawl_e2e import LOOPBACK, ROBOTS, archiver

FIXED = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)


def fixed_writer(directory: Path, max_size: int = 10**9) -> WarcFileWriter:
    ids = count(1)
    return WarcFileWriter(
        directory,
        prefix="test",
        max_size=max_size,
        info={"isPartOf": "next_ink"},
        clock=lambda: FIXED,
        make_id=lambda: f"<urn:uuid:00000000-0000-0000-0000-{next(ids):012d}>",
    )


def exchange(body: bytes = b"<html>hi</html>") -> Exchange:
    return Exchange(
        url="http://example.test/a?b=1&c=2",
        method="GET",
        request_headers=[("User-Agent", "ua"), ("Accept-Encoding", "gzip, br")],
        request_body=b"",
        status=200,
        response_headers=[
            ("Content-Type", "text/html"),
            ("Set-Cookie", "a=1"),
            ("Set-Cookie", "b=2"),
            ("Transfer-Encoding", "chunked"),
        ],
        body=body,
        ip_address="127.0.0.1",
        date=FIXED,
    )


def records(path: Path) -> list:
    with path.open("rb") as stream:
        return [
            (
                r.rec_headers,
                r.http_headers,
                r.content_stream().read() if r.rec_type != "response" else r.raw_stream.read(),
            )
            for r in ArchiveIterator(stream)
        ]


def test_exchange_records_with_fixed_ids_and_dates(tmp_path):
    writer = fixed_writer(tmp_path)
    location = writer.write_exchange(exchange())
    assert writer.current_path.name.endswith(".warc.gz.open")
    writer.close()
    (path,) = tmp_path.glob("*.warc.gz")
    assert path.name.startswith("test-20260102030405678-00000-")
    assert location.filename == path.name
    info, response, request = records(path)

    assert info[0].get_header("WARC-Type") == "warcinfo"
    assert b"isPartOf: next_ink\r\n" in info[2] and b"software: news-archiver/" in info[2]

    rh, http, payload = response
    assert rh.protocol == "WARC/1.1"
    assert rh.get_header("WARC-Record-ID") == location.record_id
    assert rh.get_header("WARC-Date") == "2026-01-02T03:04:05.678901Z"
    assert rh.get_header("WARC-IP-Address") == "127.0.0.1"
    assert rh.get_header("WARC-Payload-Digest").startswith("sha1:")
    assert rh.get_header("WARC-Block-Digest").startswith("sha1:")
    assert http.statusline == "200 OK"
    assert http.get_header("Transfer-Encoding") is None  # the body we hold is not chunked
    assert [v for k, v in http.headers if k == "Set-Cookie"] == ["a=1", "b=2"]
    assert payload == b"<html>hi</html>"

    qh, request_http, _ = request
    assert qh.get_header("WARC-Concurrent-To") == location.record_id
    assert qh.get_header("WARC-Date") == rh.get_header("WARC-Date")
    assert qh.get_header("WARC-Target-URI") == rh.get_header("WARC-Target-URI")
    assert request_http.protocol == "GET" and request_http.statusline == "/a?b=1&c=2 HTTP/1.1"
    assert request_http.get_header("Host") == "example.test"


def test_same_inputs_give_the_same_bytes(tmp_path):
    outputs = []
    for name in ("one", "two"):
        writer = fixed_writer(tmp_path / name)
        writer.write_exchange(exchange())
        writer.close()
        outputs.append(next((tmp_path / name).glob("*.warc.gz")).read_bytes())
    assert outputs[0] == outputs[1]


def test_rotation_at_max_size(tmp_path):
    writer = WarcFileWriter(tmp_path, prefix="rot", max_size=2000)
    for _ in range(5):
        writer.write_exchange(exchange(random.Random(1).randbytes(3000)))  # incompressible
    writer.close()
    files = sorted(tmp_path.glob("*.warc.gz"))
    assert len(files) == 5
    assert [f.name.split("-")[2] for f in files] == ["00000", "00001", "00002", "00003", "00004"]
    assert not list(tmp_path.glob("*.open"))
    for path in files:  # each file starts with its own warcinfo
        assert records(path)[0][0].get_header("WARC-Type") == "warcinfo"


def test_unsafe_prefix_is_refused(tmp_path):
    for prefix in ("../evil", "a/b", "", ".hidden"):
        try:
            WarcFileWriter(tmp_path, prefix=prefix)
        except ValueError:
            continue
        raise AssertionError(f"prefix {prefix!r} accepted")


PAGE = "<html><body><p>é café ’</p>" + "x" * 5000 + "</body></html>"
BODY = PAGE.encode()
ROUTES = {
    "/robots.txt": ROBOTS,
    "/gz?x=1&y=2": Route(BODY, encoding="gzip"),
    "/br": Route(BODY, encoding="br"),
    "/chunked": Route(BODY, chunked=True),
    "/moved": Route(b"", 301, headers=[("Location", "/target")]),
    "/target": Route(BODY),
    "/missing": Route(b"nope", 404, "text/plain"),
}


def crawl_routes(routes: dict[str, Route], archive: Path) -> tuple[Path, str]:
    with MockServer(routes) as server:
        args = [a for path in routes if path != "/robots.txt" for a in ("--url", server.url + path)]
        archiver("crawl", "next_ink", *args, "--archive", str(archive), *LOOPBACK)
    (path,) = (archive / "warc").glob("*.warc.gz")
    return path, server.url


def test_crawl_round_trips_byte_exactly(tmp_path):
    """gzip, br, chunked, redirected and 404 responses are archived as received."""
    path, base = crawl_routes(ROUTES, tmp_path / "archive")
    responses = {}
    requests = {}
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream):
            uri = (record.rec_headers.get_header("WARC-Target-URI") or "").removeprefix(base)
            if record.rec_type == "response":
                responses[uri] = (record.http_headers, record.raw_stream.read())
            elif record.rec_type == "request":
                requests[uri] = record.http_headers

    assert set(responses) == set(ROUTES)
    assert responses["/gz?x=1&y=2"][1] == gzip.compress(BODY, mtime=0)
    assert responses["/gz?x=1&y=2"][0].get_header("Content-Encoding") == "gzip"
    assert responses["/br"][1] == brotli.compress(BODY)
    assert responses["/chunked"][1] == BODY
    assert responses["/chunked"][0].get_header("Transfer-Encoding") is None
    assert responses["/moved"][0].statusline == "301 Moved Permanently"
    assert responses["/moved"][0].get_header("Location") == "/target"
    assert responses["/target"][1] == BODY
    assert responses["/missing"][0].statusline == "404 Not Found"
    assert responses["/missing"][1] == b"nope"
    assert requests["/gz?x=1&y=2"].statusline == "/gz?x=1&y=2 HTTP/1.1"
    assert requests["/br"].get_header("User-Agent").startswith("news-archiver/")
    # We do not ask for br: warcio (hence pywb) cannot decode it with today's brotli.
    assert requests["/br"].get_header("Accept-Encoding") == "gzip, deflate"


def test_crawl_output_passes_warcio_check_and_cdxj_indexer(tmp_path):
    # warcio check decodes payloads and crashes on br with brotli >= 1.1 (warcio issue #73),
    # so the br route is left out here; its bytes are checked above.
    routes = {path: route for path, route in ROUTES.items() if route.encoding != "br"}
    path, _ = crawl_routes(routes, tmp_path / "archive")
    check = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", "-v", str(path)],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count("digest pass") == 1 + 2 * len(routes)  # warcinfo + pairs
    assert "fail" not in check.stdout

    index = subprocess.run(
        [sys.executable, "-m", "cdxj_indexer.main", str(path)], capture_output=True, text=True
    )
    assert index.returncode == 0, index.stderr
    indexed = [line for line in index.stdout.splitlines() if line.strip()]
    assert len(indexed) == len(routes)  # one line per response record


def test_repair_cuts_a_partial_last_record_and_closes_the_file(tmp_path):
    from archiver.archive.repair import repair_open_files

    writer = fixed_writer(tmp_path)
    ends = []
    for n in range(3):
        writer.write_exchange(exchange(random.Random(n).randbytes(4000)))
        ends.append(writer._file.tell())
    writer._file.flush()
    path = writer.current_path
    # a kill in the middle of the third pair's response record
    with path.open("r+b") as handle:
        handle.truncate(ends[1] + 1500)
    writer._file = None  # the process is gone: nobody closes it
    repaired, dropped = repair_open_files(tmp_path)
    (closed,) = tmp_path.glob("*.warc.gz")
    assert repaired == [closed.name] and dropped == 1500
    assert closed.stat().st_size == ends[1]
    assert not list(tmp_path.glob("*.open"))
    kinds = [headers.get_header("WARC-Type") for headers, _, _ in records(closed)]
    assert kinds == ["warcinfo", "response", "request", "response", "request"]
    check = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", str(closed)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_the_gzip_level_is_the_writers_and_the_records_stay_the_same(tmp_path):
    """Each record one gzip member at WARC_GZIP_LEVEL: faster levels, the same records."""
    page = b"".join(
        b"<p>comment %d: the same words again and again</p>" % (n % 97) for n in range(4000)
    )
    written = {}
    for level in (1, 9):
        writer = fixed_writer(tmp_path / str(level))
        writer.gzip_level = level
        writer.write_exchange(exchange(page))
        writer.close()
        (path,) = (tmp_path / str(level)).glob("*.warc.gz")
        assert subprocess.run(["gzip", "-t", str(path)]).returncode == 0
        written[level] = (path.stat().st_size, records(path))
    assert written[1][1] == written[9][1]
    assert written[1][0] > written[9][0]
