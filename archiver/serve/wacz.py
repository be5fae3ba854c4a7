"""`archiver export wacz`: one WACZ file (py-wacz) of the WARC files, articles as entry points.

ReplayWeb.page opens a WACZ and lists pages/pages.jsonl as the pages to start
from: here, every archived article page, with its title and capture time, and as its
`text` the article's text and its comments (author and text), which ReplayWeb.page's
search reads: a commenter's name or words find the thread. The package says it is a
WACZ 1.2.0, which py-wacz does not write, so its datapackage.json is rewritten with the
digest that vouches for it. Its profile stays `data-package`: ReplayWeb.page 2.5 opens
only that, `wacz-package` or none, and refuses `wacz` ("Unknown package profile");
tests/test_replayweb.py opens every export in it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from wacz.main import main as wacz_main

from archiver.archive.foreign import copy_span
from archiver.archive.reader import Record, read_records

PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "Archived articles"}

ARTICLE_PAGES_SQL = """
SELECT cap.warc_record_id, cap.url, cap.fetched_at, a.title, a.id, a.body_text
FROM articles a JOIN captures cap ON cap.id = a.capture_id
ORDER BY a.published, a.id
"""


@dataclass
class WaczReport:
    output: Path
    warc_files: int
    pages: int
    size: int

    def render(self) -> str:
        return (
            f"Wrote {self.output}: {self.warc_files} WARC file(s), "
            f"{self.pages} article pages, {self.size:,} bytes."
        )


_COMMENTS_SQL = """
SELECT au.name, c.body_text FROM comments c LEFT JOIN authors au ON au.id = c.author_id
WHERE c.article_id = ? ORDER BY c.position, c.id
"""


def article_pages(db_path: Path) -> Iterator[dict]:
    """One pages.jsonl entry per article capture: id, url, ts (ISO 8601), title and text
    (the article's, then each comment's as "author: text"), article by article."""
    with closing(sqlite3.connect(db_path)) as conn:
        for record_id, url, fetched_at, title, article, body in conn.execute(ARTICLE_PAGES_SQL):
            comments = conn.execute(_COMMENTS_SQL, (article,)).fetchall()
            text = "\n\n".join(
                [body or "", *(f"{name or ''}: {words or ''}" for name, words in comments)]
            )
            yield {
                "id": record_id.removeprefix("<").removeprefix("urn:uuid:").rstrip(">"),
                "url": url,
                "ts": fetched_at,
                "title": title or url,
                "text": text.strip(),
            }


def export_wacz(archive: Path, output: Path, include_redacted: bool = False) -> WaczReport:
    """Package ARCHIVE/warc/*.warc.gz and the article pages into `output`. The records of
    pages that showed a forgotten commenter's comments are left out (the archive's own
    WARC files keep them) unless `include_redacted`."""
    files = sorted((archive / "warc").glob("*.warc.gz"))
    if not files:
        raise FileNotFoundError(f"no closed WARC files in {archive / 'warc'}")
    hidden = set() if include_redacted else _redacted_urls(archive / "archive.db")
    pages = 0
    with tempfile.TemporaryDirectory(prefix="news-archiver-wacz-") as folder:
        warcs = [str(_without(path, hidden, Path(folder))) for path in files]
        pages_file = Path(folder) / "pages.jsonl"
        with pages_file.open("w", encoding="utf-8") as out:
            out.write(json.dumps(PAGES_HEADER) + "\n")
            for entry in article_pages(archive / "archive.db"):
                if entry["url"] not in hidden:
                    out.write(json.dumps(entry, ensure_ascii=False) + "\n")
                    pages += 1
        # --copy-pages: our pages file goes in as written, not re-derived from the WARCs.
        status = wacz_main(
            [
                "create",
                "--output",
                str(output),
                "--pages",
                str(pages_file),
                "--copy-pages",
                "--title",
                "news-archiver export",
                *warcs,
            ]
        )
    if status:
        raise RuntimeError(f"wacz create failed with status {status}")
    _declare_wacz_1_2(output)
    return WaczReport(output, len(files), pages, output.stat().st_size)


_REDACTED_URLS = """
SELECT DISTINCT cap.url FROM comments c JOIN captures cap ON cap.id = c.capture_id
WHERE c.redacted = 1
"""


def _redacted_urls(db_path: Path) -> set[str]:
    with closing(sqlite3.connect(db_path)) as conn:
        try:
            return {url for (url,) in conn.execute(_REDACTED_URLS)}
        except sqlite3.OperationalError:  # a database from before redactions
            return set()


def _without(path: Path, urls: set[str], folder: Path) -> Path:
    """`path`, or a copy of it in `folder` without the records (requests, responses,
    revisits) of these URLs, each other record's bytes kept as they are."""
    if not urls:
        return path

    def kept(found: Record) -> bool:
        return found.record.rec_headers.get_header("WARC-Target-URI") not in urls

    if all(kept(found) for found in read_records(path, kinds=None, payloads=False)):
        return path
    copy = folder / path.name
    with path.open("rb") as source, copy.open("wb") as out:
        for found in read_records(path, kinds=None, payloads=False):
            if kept(found):
                copy_span(source, found.offset, found.length, out)
    return copy


def _declare_wacz_1_2(output: Path) -> None:
    """datapackage.json with `profile: "data-package"` and `wacz_version: "1.2.0"`, and the
    datapackage-digest.json that vouches for it; every other member copied as it is."""
    rewritten = output.with_name(output.name + ".part")
    with zipfile.ZipFile(output) as source, zipfile.ZipFile(rewritten, "w") as target:
        package = json.loads(source.read("datapackage.json"))
        package.update(profile="data-package", wacz_version="1.2.0")
        package_bytes = json.dumps(package, indent=2).encode()
        digest = json.loads(source.read("datapackage-digest.json"))
        digest["hash"] = "sha256:" + hashlib.sha256(package_bytes).hexdigest()
        for info in source.infolist():
            if info.filename == "datapackage.json":
                target.writestr(info, package_bytes)
            elif info.filename == "datapackage-digest.json":
                target.writestr(info, json.dumps(digest, indent=2).encode())
            else:
                with source.open(info) as member, target.open(info, "w") as copy:
                    shutil.copyfileobj(member, copy, 1 << 20)
    rewritten.replace(output)
