"""Close what a killed writer left open: cut a `.open` WARC file after its last whole record."""

from __future__ import annotations

import os
from pathlib import Path

from archiver.archive.names import OPEN_SUFFIX
from archiver.archive.reader import Damage, complete_records


def repair_open_files(warc_dir: Path) -> tuple[list[str], int]:
    """Cut each `.open` file after its last complete record, close it; give names, bytes cut."""
    repaired, dropped = [], 0
    for path in sorted(warc_dir.glob("*" + OPEN_SUFFIX)):
        end = complete_length(path)
        dropped += path.stat().st_size - end
        final = path.with_name(path.name.removesuffix(OPEN_SUFFIX))
        if end == 0:
            path.unlink()
            continue
        with path.open("r+b") as handle:
            handle.truncate(end)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(path, final)
        repaired.append(final.name)
    return repaired, dropped


def complete_length(path: Path) -> int:
    """Bytes of `path` up to the end of its last record that reads completely."""
    damage: list[Damage] = []
    end = 0
    for found in complete_records(path, damage, kinds=None, check_digests=True, payloads=False):
        end = found.offset + found.length
    return damage[0].offset if damage else end
