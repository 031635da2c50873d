"""Publication of results (公示): public pages, open data, objections."""
