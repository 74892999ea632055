"""Reading and checking uploads (no database) and importing them (importer)."""
