"""The fetch stage: Scrapy components (base spider, capture, limits, retry, recrawl, pipeline)."""
