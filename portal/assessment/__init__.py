"""Assessment: the score sheet of a contract cycle, computed from submissions, violations and findings."""
