"""The store stage: the SQLite schema, saving items, the crawl frontier and run reports."""
