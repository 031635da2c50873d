"""Activities: the station staff list, monthly attendance, events held, and their evidence files."""
