"""Compliance: running the rules on a contract's data (facts from portal/facts, rules/compliance's
evaluate(), violations kept by portal/violations), after every submission and in the sweep, with the
reminders three days before each deadline."""
