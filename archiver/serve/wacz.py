"""`archiver export wacz`: one WACZ file (py-wacz) of the WARC files, articles as entry points.

ReplayWeb.page opens a WACZ and lists pages/pages.jsonl as the pages to start
from: here, every archived article page, with its title and capture time.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from wacz.main import main as wacz_main

PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "Archived articles"}

ARTICLE_PAGES_SQL = """
SELECT cap.warc_record_id, cap.url, cap.fetched_at, a.title
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


def article_pages(db_path: Path) -> list[dict]:
    """One pages.jsonl entry per article capture: id, url, ts (ISO 8601) and title."""
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute(ARTICLE_PAGES_SQL).fetchall()
    return [
        {
            "id": record_id.removeprefix("<").removeprefix("urn:uuid:").rstrip(">"),
            "url": url,
            "ts": fetched_at,
            "title": title or url,
        }
        for record_id, url, fetched_at, title in rows
    ]


def export_wacz(archive: Path, output: Path) -> WaczReport:
    """Package ARCHIVE/warc/*.warc.gz and the article pages into `output`."""
    warcs = sorted(str(path) for path in (archive / "warc").glob("*.warc.gz"))
    if not warcs:
        raise FileNotFoundError(f"no closed WARC files in {archive / 'warc'}")
    pages = article_pages(archive / "archive.db")
    with tempfile.TemporaryDirectory(prefix="news-archiver-wacz-") as folder:
        pages_file = Path(folder) / "pages.jsonl"
        lines = [json.dumps(entry, ensure_ascii=False) for entry in [PAGES_HEADER, *pages]]
        pages_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
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
    return WaczReport(output, len(warcs), len(pages), output.stat().st_size)
