"""news-archiver: tech-news articles and their comment threads, as WARC and SQLite."""

__version__ = "0.1.0"
