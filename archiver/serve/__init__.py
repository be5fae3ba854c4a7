"""Showing an archive: Datasette over the database, pywb replay, WACZ export."""
