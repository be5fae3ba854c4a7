"""The CLI as a user runs it: the offline demo, reparse, and the docs that describe them."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from archiver.cli import cli
from archiver.ops.demo_site import build_demo_site
from archiver.registry import load_spider, spider_names
from tests.test_crawl_e2e import LOOPBACK, archiver, rows, snapshot

ROOT = Path(__file__).resolve().parent.parent


def test_demo_archives_the_whole_demo_site(tmp_path):
    site = build_demo_site(tmp_path / "expected-site")
    archive = tmp_path / "archive"
    out = archiver("demo", "--archive", str(archive)).stdout
    db = archive / "archive.db"
    assert f"articles  {site.articles}\n" in out
    assert f"comments  {site.comments}\n" in out
    assert f"quotes    {site.quotes}\n" in out
    assert f"archiver serve --archive {archive}" in out
    assert rows(db, "SELECT COUNT(*) FROM articles") == [(site.articles,)]
    assert rows(db, "SELECT COUNT(*) FROM comments") == [(site.comments,)]
    assert rows(db, "SELECT COUNT(*) FROM quotes") == [(site.quotes,)]
    assert rows(db, "SELECT COUNT(*) FROM reply_links WHERE kind = 'reply'") == [
        (site.reply_markers,)
    ]
    assert rows(db, "SELECT COUNT(*) FROM comments WHERE deleted = 1") == [(1,)]
    # comment pages: positions run on from page 1 to page 2
    assert rows(
        db,
        """SELECT COUNT(*) FROM comments a JOIN comments b
        ON a.article_id = b.article_id AND a.id != b.id AND a.position = b.position""",
    ) == [(0,)]
    before = snapshot(db)
    archiver("reparse", "--archive", str(archive), "--no-progress")
    assert snapshot(db) == before


def test_unknown_spider_is_a_clear_usage_error():
    result = CliRunner().invoke(cli, ["crawl", "no_such_site"])
    assert result.exit_code == 2
    assert "no_such_site" in result.output


def test_bad_setting_override_is_refused():
    result = CliRunner().invoke(cli, ["crawl", "next_ink", "-s", "NO_EQUALS_SIGN"])
    assert result.exit_code == 2
    assert "NAME=VALUE" in result.output


def test_every_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    for name in cli.commands:
        assert re.search(rf"archiver {name}\b", readme), f"`archiver {name}` not in README"


def test_spider_names_are_mechanical():
    """File name == spider.name == fixture folder; class name is PascalCase name + Spider."""
    files = sorted(p.stem for p in (ROOT / "spiders").glob("*.py") if p.stem != "__init__")
    assert spider_names() == files
    for name in files:
        spider = load_spider(name)
        assert spider.__module__ == f"spiders.{name}"
        assert spider.__name__ == "".join(part.title() for part in name.split("_")) + "Spider"
        cases = [p for p in (ROOT / "tests" / "sites" / name).glob("*/meta.json")]
        assert cases, f"spider {name} has no golden case"


def test_since_and_max_pages_limit_a_crawl(tmp_path):
    from archiver.ops.demo import serve_directory

    site = build_demo_site(tmp_path / "site")
    with serve_directory(site.root) as url:
        since = tmp_path / "since"
        archiver(
            "crawl",
            "next_ink",
            "--url",
            url,
            "--archive",
            str(since),
            "--since",
            "2024-03-05T12:00:00+00:00",
            *LOOPBACK,
        )
        limited = tmp_path / "limited"
        out = archiver(
            "crawl",
            "next_ink",
            "--url",
            url,
            "--archive",
            str(limited),
            "--max-pages",
            "3",
            *LOOPBACK,
        ).stdout
    published = rows(since / "archive.db", "SELECT published FROM articles ORDER BY published")
    assert published == [
        ("2024-03-05T18:59:00Z",),
        ("2024-03-06T00:41:00Z",),
        ("2024-03-06T05:42:00Z",),
        ("2024-03-06T23:43:00Z",),
        ("2024-03-07T06:42:00Z",),
    ]
    assert rows(since / "archive.db", "SELECT COUNT(*) FROM comments WHERE article_id IS NULL") == [
        (0,)
    ]
    assert "finished (closespider_pagecount)" in out
    # 3 pages, plus robots.txt and the requests already in flight (2 per domain) when it stops
    assert rows(limited / "archive.db", "SELECT COUNT(*) FROM captures")[0][0] <= 3 + 1 + 2
