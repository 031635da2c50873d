"""Compliance: stored violations, alerts in the portal and by mail, the deadline sweep."""
