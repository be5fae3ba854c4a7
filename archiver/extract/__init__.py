"""The extract stage: pure functions of a response (text, dates, structure, quotes, threads)."""
