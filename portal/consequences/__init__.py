"""Consequences of an assessment: rectification notices, termination, the ranked table with grades."""
