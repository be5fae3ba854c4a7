"""An unlucky operator's archive: empty or garbage WARC folders, interrupted rebuilds, locks.

Each test reproduces a fault found by probing (issue "Nothing lost, nothing let in"):
the archive's database is never replaced by an emptier one built from nothing, and a
user mistake is one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from archiver.offline import reparse as reparse_module
from tests.faultserver import FaultServer, Step
from tests.test_crawl_e2e import rows
from tests.test_faults import ROBOTS
from tests.test_hostile import crawl, run_cli, wp_post

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

