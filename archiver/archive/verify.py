"""Check an archive: the WARC files read to the end with their digests right, and the
database points only at records that are there.

The WARC files are the source of truth and the database is rebuilt from them, so
a problem in either must be found before it is relied on: `archiver verify`
exits non-zero with this report when anything is off.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from archiver.archive.names import OPEN_SUFFIX
from archiver.archive.reader import CAPTURE_RECORDS, Damage, complete_records, warc_files


@dataclass
class VerifyReport:
    files: int = 0
    records: int = 0
    captures: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def render(self) -> str:
        summary = (
            f"{self.files} WARC files, {self.records} records, {self.captures} captures checked"
        )
        if self.ok:
            return f"OK: {summary}."
        lines = [f"FAILED: {len(self.problems)} problem(s) in {summary}:"]
        return "\n".join(lines + [f"  - {problem}" for problem in self.problems])


def verify_archive(archive: Path) -> VerifyReport:
    """Check ARCHIVE/warc/*.warc.gz and ARCHIVE/archive.db against each other."""
    report = VerifyReport()
    warc_dir = archive / "warc"
    if not warc_dir.is_dir():
        report.problems.append(f"no WARC folder at {warc_dir}")
        return report
    for leftover in sorted(warc_dir.glob("*" + OPEN_SUFFIX)):
        report.problems.append(f"{leftover.name}: unfinished .open file left behind")
    records: dict[str, dict[int, str]] = {}
    responses: set[str] = set()
    for path in warc_files(archive):
        report.files += 1
        records[path.name] = check_warc_file(path, report, responses)
    database = archive / "archive.db"
    if database.is_file():
        check_database(database, records, responses, report)
    else:
        report.problems.append(f"no database at {database}")
    return report


def check_warc_file(path: Path, report: VerifyReport, responses: set[str]) -> dict[int, str]:
    """Read every record to its end, verifying digests as `warcio check` does; offset -> id.

    The ids of its response and revisit records join `responses`.
    """
    found: dict[int, str] = {}
    damage: list[Damage] = []
    for record in complete_records(path, damage, kinds=None, check_digests=True, payloads=False):
        found[record.offset] = record.record_id
        report.records += 1
        if record.record.rec_type in CAPTURE_RECORDS:
            responses.add(record.record_id)
    report.problems += [fault.render() for fault in damage]
    return found


def check_database(
    db_path: Path, records: dict[str, dict[int, str]], responses: set[str], report: VerifyReport
) -> None:
    """Every capture names a record that is where it says; every row names a capture; every
    response the WARC files hold has its captures row (none was archived and lost)."""
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
        captures = conn.execute(
            "SELECT id, warc_filename, warc_offset, warc_record_id FROM captures"
        ).fetchall()
        for capture_id, filename, offset, record_id in captures:
            report.captures += 1
            problem = _capture_problem(records, filename, offset, record_id)
            if problem:
                report.problems.append(f"capture {capture_id} ({record_id}): {problem}")
        for table in ("articles", "comments"):
            orphans = conn.execute(
                f"SELECT COUNT(*), MIN(t.id) FROM {table} t LEFT JOIN captures c"
                " ON c.id = t.capture_id WHERE c.id IS NULL"
            ).fetchone()
            if orphans[0]:
                report.problems.append(
                    f"{orphans[0]} {table} point at no capture (first: id {orphans[1]})"
                )
    missing = sorted(responses - {record_id for *_, record_id in captures})
    if missing:
        report.problems.append(
            f"{len(missing)} WARC responses have no captures row (first: {missing[0]});"
            " the next crawl resumes them, or run `archiver reparse`"
        )


def _capture_problem(
    records: dict[str, dict[int, str]], filename: str, offset: int, record_id: str
) -> str | None:
    in_file = records.get(filename)
    if in_file is None:
        return f"WARC file {filename} is missing"
    found = in_file.get(offset)
    if found is None:
        return f"no record at offset {offset} of {filename}"
    if found != record_id:
        return f"the record at offset {offset} of {filename} is {found}"
    return None
