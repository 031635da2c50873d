"""Violations: what the compliance rules found on a contract, stored once each with its rule, clause,
evidence and penalty; the operator acknowledges, the reviewer proposes a waiver, the approver confirms it."""
