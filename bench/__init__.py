"""The benchmark of issue 6: news-archiver against `wget --mirror --warc-file` (see run.py)."""
