"""An unlucky operator's archive: empty or garbage WARC folders, interrupted rebuilds, locks.

Each test reproduces a fault found by probing (issue "Nothing lost, nothing let in"):
the archive's database is never replaced by an emptier one built from nothing, and a
user mistake is one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from archiver.offline import reparse as reparse_module
from tests.faultserver import FaultServer, Step
from tests.test_crawl_e2e import LOOPBACK, archiver, rows
from tests.test_faults import ROBOTS
from tests.test_hostile import crawl, run_cli, wp_post
from tests.test_wordpress import serve

COMMENTS = "SELECT count(*) FROM comments"


def wp_site() -> dict[str, list[Step]]:
    home = "".join(
        f'<article id="post-{n}"><h2 class="entry-title"><a href="/2024/01/post-{n}/">x</a></h2>'
        "</article>"
        for n in (1, 2)
    )
    return {
        "/robots.txt": [ROBOTS],
        "/": [Step.ok(f'<html><body class="home">{home}</body></html>'.encode())],
        "/2024/01/post-1/": [Step.ok(wp_post(1, 2))],
        "/2024/01/post-2/": [Step.ok(wp_post(2, 3))],
    }


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> Path:
    """An archive of a two-post WordPress site with 5 comments."""
    archive = tmp_path_factory.mktemp("operator") / "archive"
    with FaultServer(wp_site()) as server:
        result = crawl("wordpress", server.url + "/", archive)
    assert result.returncode == 0, result.stderr[-2000:]
    assert rows(archive / "archive.db", COMMENTS) == [(5,)]
    return archive


@pytest.fixture
def archive(crawled, tmp_path) -> Path:
    copy = tmp_path / "archive"
    shutil.copytree(crawled, copy)
    return copy


def test_reparse_without_warc_files_keeps_the_database(archive):
    shutil.rmtree(archive / "warc")
    (archive / "warc").mkdir()
    refused = run_cli("reparse", "--archive", str(archive), "--no-progress")
    assert refused.returncode == 1
    assert "no WARC record" in refused.stderr and "--force" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert rows(archive / "archive.db", COMMENTS) == [(5,)]
    forced = run_cli("reparse", "--archive", str(archive), "--no-progress", "--force")
    assert forced.returncode == 0, forced.stderr[-2000:]
    assert rows(archive / "archive.db", COMMENTS) == [(0,)]


def test_a_rebuild_that_fails_at_the_swap_leaves_the_old_database(archive, monkeypatch):
    def cut(*args: object) -> None:
        raise OSError("power cut")

    monkeypatch.setattr(reparse_module.os, "replace", cut)
    with pytest.raises(OSError, match="power cut"):
        reparse_module.reparse(archive, progress=False)
    assert rows(archive / "archive.db", COMMENTS) == [(5,)]


def test_reparse_of_a_locked_archive_is_one_line(archive):
    from archiver.archive.lock import lock_archive

    lock_archive(archive)  # held by this test process until it ends
    refused = run_cli("reparse", "--archive", str(archive), "--no-progress")
    assert refused.returncode == 1
    assert "in use" in refused.stderr and "Traceback" not in refused.stderr


def warc_of(archive: Path) -> Path:
    (path,) = sorted((archive / "warc").glob("*.warc.gz"))
    return path


def test_a_cut_short_warc_file_keeps_its_complete_records_and_says_so(archive):
    """A file cut mid-record (a copy that stopped, a full disk): the records before the cut
    are rebuilt, the cut is reported, the database is not a silent subset."""
    whole = rows(archive / "archive.db", "SELECT count(*) FROM captures")[0][0]
    path = warc_of(archive)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    result = run_cli("reparse", "--archive", str(archive), "--no-progress")
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"{path.name}: read to record" in result.stderr, result.stderr
    assert "not read: the rest" in result.stderr
    stored = rows(archive / "archive.db", "SELECT count(*) FROM captures")[0][0]
    assert 0 < stored < whole


def test_one_garbage_warc_file_costs_only_itself(archive):
    (archive / "warc" / "zz-garbage.warc.gz").write_bytes(b"\x1f\x8b\x08\x00not a WARC at all" * 50)
    (archive / "warc" / "aa-empty.warc.gz").write_bytes(b"")
    result = run_cli("reparse", "--archive", str(archive), "--no-progress")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "zz-garbage.warc.gz" in result.stderr and "Traceback" not in result.stderr
    assert rows(archive / "archive.db", COMMENTS) == [(5,)]


def test_ingest_takes_real_whole_files_only_and_reports_the_rest(archive, tmp_path):
    worker = tmp_path / "worker"
    (worker / "warc").mkdir(parents=True)
    good = warc_of(archive)
    elsewhere = tmp_path / "elsewhere.warc.gz"
    shutil.copyfile(good, elsewhere)
    (worker / "warc" / "w-linked.warc.gz").symlink_to(elsewhere)
    (worker / "warc" / "w-garbage.warc.gz").write_bytes(b"garbage" * 100)
    cut = worker / "warc" / "w-cut.warc.gz"
    cut.write_bytes(good.read_bytes()[:-500])
    shutil.copyfile(good, worker / "warc" / good.name.replace(".warc.gz", "-copy.warc.gz"))
    merged = tmp_path / "merged"
    result = run_cli("ingest", "--archive", str(merged), "--from", str(worker))
    assert result.returncode == 0, result.stderr[-2000:]
    taken = sorted(p.name for p in (merged / "warc").iterdir())
    assert taken == [good.name.replace(".warc.gz", "-copy.warc.gz")]
    assert not any(p.is_symlink() for p in (merged / "warc").iterdir())
    for name in ("w-linked.warc.gz", "w-garbage.warc.gz", "w-cut.warc.gz"):
        assert f"refused {name}" in result.stdout, result.stdout
    assert rows(merged / "archive.db", COMMENTS) == [(5,)]


DISK_FULL_SCRIPT = """
set -u
archive=$1; shift
mkdir -p "$archive"
mount -t tmpfs -o size=1m tmpfs "$archive" || exit 90
"$@" > "$archive.first.out" 2> "$archive.first.err"; echo $? > "$archive.first.rc"
mount -o remount,size=256m "$archive" || exit 91
"$@" > "$archive.again.out" 2> "$archive.again.err"; echo $? > "$archive.again.rc"
cp -a "$archive" "$archive.kept"
"""


def test_a_full_disk_stops_the_crawl_and_the_next_run_catches_up(tmp_path):
    """The archive on a 1 MB file system: the crawl stops at once, non-zero; once there is
    room, the next run repairs and processes what reached the WARC, then fetches the rest."""
    server, site = serve({"posts": 30, "threads": 7})
    archive = tmp_path / "archive"
    command = [sys.executable, "-m", "archiver.cli", "crawl", "wordpress"]
    command += ["--url", server.url + "/", "--archive", str(archive), *LOOPBACK]
    # A mount namespace of its own (as an unprivileged user too): the tiny file system
    # exists for this test only, and goes with it.
    with server:
        done = subprocess.run(
            ["unshare", "-rm", "sh", "-c", DISK_FULL_SCRIPT, "sh", str(archive), *command],
            capture_output=True,
            text=True,
            timeout=600,
        )
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    first = {name: Path(f"{archive}.first.{name}").read_text() for name in ("rc", "out", "err")}
    again = {name: Path(f"{archive}.again.{name}").read_text() for name in ("rc", "out", "err")}
    assert first["rc"].strip() != "0", first["out"]
    assert "No space left on device" in first["err"] or "disk is full" in first["err"]
    assert "the crawl stopped" in first["err"] and "Traceback" not in first["err"]
    assert again["rc"].strip() == "0", again["err"][-2000:]
    assert "resumed an interrupted crawl" in again["err"]
    kept = Path(f"{archive}.kept")
    db = kept / "archive.db"
    every = sum(len(post.comments) for post in site.posts)
    assert rows(db, "SELECT count(*) FROM articles") == [(len(site.posts),)]
    assert rows(db, COMMENTS) == [(every,)]
    verified = archiver("verify", "--archive", str(kept))
    assert "OK" in verified.stdout


def test_repair_cuts_a_gzip_member_missing_its_trailer(archive):
    """A kill between a record's data and its gzip trailer: `gzip -t` must pass after repair."""
    from archiver.archive.reader import read_records
    from archiver.archive.repair import repair_open_files

    path = warc_of(archive)
    whole = len(list(read_records(path, kinds=None, payloads=False)))
    left_open = path.with_name(path.name + ".open")
    left_open.write_bytes(path.read_bytes()[:-8])  # the last member's CRC and size
    path.unlink()
    repaired, dropped = repair_open_files(archive / "warc")
    assert repaired == [path.name] and dropped > 8
    assert subprocess.run(["gzip", "-t", str(path)]).returncode == 0
    assert len(list(read_records(path, kinds=None, payloads=False))) == whole - 1


URL_WITH_ESCAPES = "https://blog.example/2024/01/caf%C3%A9-%25-$HOME/?q=a%20b"


def cron_command(line: str) -> list[str]:
    """What cron hands the shell (crontab(5): an unescaped % ends the command), as argv."""
    command = line.split(" ", 5)[5]
    ends = [i for i, char in enumerate(command) if char == "%" and command[i - 1 : i] != "\\"]
    command = command[: ends[0]] if ends else command
    return shlex.split(command.replace("\\%", "%").rsplit(" >> ", 1)[0])


def systemd_command(service: str) -> list[str]:
    """ExecStart as systemd reads it (systemd.unit(5) specifiers, systemd.service(5) $)."""
    line = next(li for li in service.splitlines() if li.startswith("ExecStart="))
    value = line.removeprefix("ExecStart=")
    assert re.search(r"(?<!%)%(?!%)", value.replace("%%", "")) is None, value
    assert re.search(r"\$(?!\$)", value.replace("$$", "")) is None, value
    return shlex.split(value.replace("%%", "%").replace("$$", "$"))


def test_a_scheduled_url_reaches_the_crawl_as_given(tmp_path):
    from archiver.ops.schedule import crawl_command, cron_line, systemd_units

    archive = tmp_path / "arch%ive"
    expected = crawl_command("wordpress", archive, [URL_WITH_ESCAPES])
    assert cron_command(cron_line("wordpress", "6h", archive, [URL_WITH_ESCAPES])) == expected
    service = systemd_units("wordpress", "6h", archive, [URL_WITH_ESCAPES])
    assert systemd_command(service["news-archiver-wordpress.service"]) == expected


def test_a_crawl_whose_redis_is_down_is_one_line(tmp_path):
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    result = run_cli(
        "crawl",
        "next_ink",
        "--url",
        "http://127.0.0.1:9/",
        "--archive",
        str(tmp_path / "a"),
        "--redis",
        f"redis://127.0.0.1:{port}/0",
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: cannot reach Redis at redis://127.0.0.1:{port}/0: Error 111 connecting to"
        f" 127.0.0.1:{port}. Connection refused."
    ]


READ_ONLY_SCRIPT = """
set -u
archive=$1
cli="$2 -m archiver.cli"
mkdir -p "$archive"
mount -t tmpfs -o size=64m tmpfs "$archive" || exit 90
$cli crawl next_ink --url "$URL" --archive "$archive" > /dev/null 2>&1 || exit 91
mount -o remount,ro "$archive" || exit 92
$cli crawl next_ink --url "$URL" --archive "$archive" 2> "$archive.crawl.err"
echo $? > "$archive.crawl.rc"
$cli reparse --archive "$archive" 2> "$archive.reparse.err"
echo $? > "$archive.reparse.rc"
"""


def test_a_read_only_archive_is_one_line(tmp_path):
    plans = {"/robots.txt": [ROBOTS], "/": [Step.ok(b"<html><body>nothing</body></html>")]}
    archive = tmp_path / "archive"
    with FaultServer(plans) as server:
        done = subprocess.run(
            ["unshare", "-rm", "sh", "-c", READ_ONLY_SCRIPT, "sh", str(archive), sys.executable],
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "URL": server.url + "/"},
        )
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    for command in ("crawl", "reparse"):
        code = Path(f"{archive}.{command}.rc").read_text().strip()
        err = Path(f"{archive}.{command}.err").read_text()
        assert code == "1", (command, err[-2000:])
        assert err.strip().splitlines()[-1].startswith("Error: cannot write to the archive"), err
        assert "Traceback" not in err, (command, err[-2000:])
