"""`python -m bench.parse_floor WARC…`: what any rebuild of the database must do, and no more.

The floor for `archiver reparse`: read every HTML response record of the crawl's WARC
files, undo its Content-Encoding and build its lxml tree; nothing is parsed for
comments, nothing is saved. What reparse takes beyond this is the parsers' and the
store's own work (issue 16's target: at most 4× this).
"""

from __future__ import annotations

import sys
from pathlib import Path

from lxml import html

from archiver.archive.reader import read_records
from archiver.extract.responses import decode_body
from archiver.settings import DOWNLOAD_MAXSIZE


def main(argv: list[str]) -> int:
    pages = 0
    for path in map(Path, argv):
        for found in read_records(path, kinds=("response",)):
            headers = found.record.http_headers
            if "html" not in (headers.get_header("Content-Type") or ""):
                continue
            body = decode_body(
                found.payload, headers.get_header("Content-Encoding"), DOWNLOAD_MAXSIZE
            )
            html.document_fromstring(body)
            pages += 1
    print(f"{pages} HTML pages read and parsed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
