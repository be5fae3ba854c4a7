"""What WARC files and their dates are called: written by the writer, read back by resume.

A file is `{prefix}-{UTC stamp}-{serial:05d}-{host}_{pid}.warc.gz`, `.open` while it
is written; the stamp (17 digits, to the millisecond) sorts names in write order.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime

#: warcinfo fields a crawl writes and offline tools read back: the spider that wrote
#: the file, and the DOWNLOAD_MAXSIZE its bodies were capped at (decoded, too)
SPIDER_FIELD = "isPartOf"
#: the warcinfo field of an imported file (archive.foreign): the file it was copied from
IMPORTED_FIELD = "importedFrom"
#: `isPartOf` of an imported file whose pages are each read by the spider they show; the
#: spider of a file linked into the archive as it is (`import --in-place`), which has none
DETECT = "*"
MAXSIZE_FIELD = "download-maxsize"
OPEN_SUFFIX = ".open"
WARC_SUFFIX = ".warc.gz"
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_STAMP = re.compile(r"-(\d{17})-\d{5}-[^/]+\.warc\.gz$")  # the host may hold "-"


def warc_date(moment: datetime) -> str:
    """WARC/1.1 date with microseconds, always UTC (crawl state compares them as strings)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def file_stamp(moment: datetime) -> str:
    """The 17-digit UTC time (to the millisecond) that WARC file names start with."""
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S%f")[:17]


def warc_file_name(prefix: str, moment: datetime, serial: int, host: str) -> str:
    """A closed file's name; host and pid keep workers on any machines from picking one name."""
    return f"{prefix}-{file_stamp(moment)}-{serial:05d}-{host}_{os.getpid()}{WARC_SUFFIX}"


def stamp_of(name: str) -> str | None:
    """The stamp a file name carries, None for a file this tool did not name."""
    found = _STAMP.search(name)
    return found.group(1) if found else None


def check_safe_name(value: str, what: str) -> str:
    """Names that go into file names must be plain: no separators, no dot-dot tricks."""
    if not _SAFE_NAME.match(value) or ".." in value:
        raise ValueError(f"unsafe {what} for a file name: {value!r}")
    return value
