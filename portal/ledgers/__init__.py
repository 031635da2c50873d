"""Ledgers (台账): Excel/CSV templates, reading and row-by-row validation."""
