"""Platform spiders (WordPress, ...) on the shared thread engine: a site on one is a few lines."""
