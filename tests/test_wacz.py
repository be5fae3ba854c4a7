"""`archiver export wacz`: a WACZ that `wacz validate` accepts, articles as its pages."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import zipfile

from wacz.validate import Validation

from tests.test_crawl_e2e import archiver, rows


def test_demo_archive_exports_a_valid_wacz(tmp_path):
    archive = tmp_path / "archive"
    archiver("demo", "--archive", str(archive))
    output = tmp_path / "demo.wacz"
    out = archiver("export", "wacz", "--archive", str(archive), "--output", str(output)).stdout
    db = archive / "archive.db"
    articles = rows(
        db,
        """SELECT cap.url, cap.fetched_at, a.title FROM articles a
        JOIN captures cap ON cap.id = a.capture_id ORDER BY a.published, a.id""",
    )
    assert f"{len(articles)} article pages" in out

    # py-wacz's validator, every check (the frictionless one reads `profile`)
    checks = Validation(str(output))
    checks.detect_version()
    checks.detect_hash_type()
    assert checks.check_required_contents() == 0  # its one check that answers 0 for good
    for check in (
        checks.check_file_paths,
        checks.check_compression,
        checks.check_indexes,
        checks.check_file_hashes,
        checks.check_data_package_hash_and_sig,
        checks.frictionless_validate,
    ):
        assert check(), check.__name__

    with zipfile.ZipFile(output) as wacz:
        names = set(wacz.namelist())
        header, *pages = [json.loads(line) for line in wacz.read("pages/pages.jsonl").splitlines()]
        index = gzip.decompress(wacz.read("indexes/index.cdx.gz")).decode()
        package = json.loads(wacz.read("datapackage.json"))
    warcs = sorted(path.name for path in (archive / "warc").glob("*.warc.gz"))
    assert {f"archive/{name}" for name in warcs} <= names
    assert header["format"] == "json-pages-1.0"
    assert [(p["url"], p["ts"], p["title"]) for p in pages] == articles
    # every entry point is in the WACZ's own index, so ReplayWeb.page can open it
    for page in pages:
        assert f'"url": "{page["url"]}"' in index
    assert "pages/pages.jsonl" in {resource["path"] for resource in package["resources"]}
    # the one profile ReplayWeb.page and frictionless both read (tests/test_replayweb.py)
    assert package["profile"] == "data-package" and package["wacz_version"] == "1.2.0"
    # ReplayWeb.page's search reads each page's text: the article's, then its comments'
    comments = rows(
        db,
        """SELECT au.name, c.body_text, cap.url FROM comments c
        JOIN articles a ON a.id = c.article_id JOIN captures cap ON cap.id = a.capture_id
        JOIN authors au ON au.id = c.author_id""",
    )
    texts = {page["url"]: page["text"] for page in pages}
    assert comments and all(f"{name}: {text}" in texts[url] for name, text, url in comments)


def test_export_without_warc_files_is_a_clear_error(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "archiver.cli",
            "export",
            "wacz",
            "--archive",
            str(tmp_path),
            "--output",
            str(tmp_path / "x.wacz"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "no closed WARC files" in result.stderr


def test_pages_of_a_forgotten_commenter_stay_out_unless_asked(tmp_path):
    """After `archiver forget`, the WACZ holds no record of a page that showed the
    person's comments (the archive's WARC files still do); --include-redacted keeps them."""
    archive = tmp_path / "archive"
    archiver("demo", "--archive", str(archive))
    db = archive / "archive.db"
    ((name, shown),) = rows(
        db,
        """SELECT au.name, COUNT(DISTINCT c.capture_id) FROM comments c
        JOIN authors au ON au.id = c.author_id GROUP BY au.name ORDER BY 2 DESC LIMIT 1""",
    )
    hidden = {u for (u,) in rows(db, f"""SELECT DISTINCT cap.url FROM comments c
        JOIN captures cap ON cap.id = c.capture_id JOIN authors au ON au.id = c.author_id
        WHERE au.name = '{name}'""")}  # fmt: skip
    assert len(hidden) == shown >= 2
    assert hidden & {u for (u,) in rows(db, "SELECT url FROM articles")}  # an article page
    archiver("forget", "--author", name, "--archive", str(archive))
    for include, expected in (([], set()), (["--include-redacted"], hidden)):
        output = tmp_path / f"demo{len(include)}.wacz"
        archiver("export", "wacz", "--archive", str(archive), "--output", str(output), *include)
        with zipfile.ZipFile(output) as wacz:
            index = gzip.decompress(wacz.read("indexes/index.cdx.gz")).decode()
            pages = [json.loads(line) for line in wacz.read("pages/pages.jsonl").splitlines()]
            warcs = [n for n in wacz.namelist() if n.startswith("archive/")]
            body = b"".join(wacz.read(n) for n in warcs)
        indexed = {u for u in hidden if f'"url": "{u}"' in index}
        assert indexed == expected
        articles = {u for (u,) in rows(db, "SELECT url FROM articles")}
        assert ({p["url"] for p in pages[1:]} & hidden) == expected & articles
        assert body  # the rest of the archive is there
    assert all(path.stat().st_size for path in (archive / "warc").glob("*.warc.gz"))
