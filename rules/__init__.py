"""Law-as-code: scheme definitions, the scoring engine and the compliance rulesets.

Nothing in this package may import from ``portal``, Flask or the database layer
(``tests/rules/test_purity.py`` proves it).
"""
