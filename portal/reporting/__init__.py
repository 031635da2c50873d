"""Reporting: the calendar of obligations, versioned submissions and their review."""
