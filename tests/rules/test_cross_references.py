"""The rulesets, the schemes and the reporting calendars name each other: every name must resolve."""
from __future__ import annotations

import pytest

from rules.compliance import list_rules
from rules.reporting import calendar_scheme_ids
from rules.schemes import load_scheme, scheme_ids

RULES = [r for r in list_rules() if r.schemes]


def test_every_scheme_has_a_calendar_and_every_calendar_a_scheme():
    assert calendar_scheme_ids() == scheme_ids()


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_a_rule_feeds_facts_and_items_its_schemes_have(rule):
    for scheme_id in rule.schemes:
        scheme = load_scheme(scheme_id)
        if rule.scheme_fact:
            assert rule.scheme_fact in scheme.facts or rule.scheme_fact in scheme.derived, (
                f"{rule.id}: {scheme_id} has no fact {rule.scheme_fact!r}")
        if rule.scheme_item:
            head, _, rest = rule.scheme_item.partition("/")
            if head == "vetoes":
                assert rest in {v.id for v in scheme.vetoes}, f"{rule.id}: {scheme_id} has no veto {rest!r}"
            elif head == "payment":  # seed 002: the <50 band carries the rectification rule
                assert rest == "rectification" and scheme.payment is not None
                assert any(b.rectify_within_months for b in scheme.payment.bands), f"{rule.id}: {scheme_id}"
            elif head == "extra":
                assert rest in scheme.extra, f"{rule.id}: {scheme_id} has no extra {rest!r}"
            else:
                scheme.node(rule.scheme_item)  # KeyError names the missing path
