"""The archive stage: WARC files written, read, repaired and verified; the archive lock."""
