"""Cycles: a contract's assessment cycles, each cycle's sheet and frozen approvals, and the lock an
approval puts on the cycle's data. Low, so that every domain may ask whether its data is locked."""
