"""A judged deduction that finds nothing to deduct (无扣分): seed 002 考评办法 入户走访 and seed 003's
per-target deductions are the assessor's call, and a flawless operator loses nothing on them."""
from __future__ import annotations

from decimal import Decimal

import pytest

from rules.schemes import load_scheme
from rules.scoring import FactsError, Judgement, score, validate_facts

SCHEME = "pingxiang-2024-lot1"
FACT = "village_visit_deductions"


def _line(sheet, fact):
    return next(line for line in sheet.lines if line.path.endswith("/village_visits"))


@pytest.mark.parametrize("value", [[], [{"value": 0}], [{"value": "0", "reason": ""}], [{"value": "0.00"}]])
def test_no_deduction_is_accepted_without_a_reason(value):
    assert validate_facts(load_scheme(SCHEME), {FACT: value}) == {FACT: ()}


def test_no_deduction_keeps_the_line_at_its_maximum():
    scheme = load_scheme(SCHEME)
    line = _line(score(scheme, {FACT: [{"value": 0}]}), FACT)
    assert not line.missing and line.points == line.max


def test_a_missing_judgement_is_still_missing_not_zero():
    line = _line(score(load_scheme(SCHEME), {}), FACT)
    assert FACT in line.missing


def test_a_real_deduction_still_needs_its_minimum_and_a_reason():
    scheme = load_scheme(SCHEME)
    with pytest.raises(FactsError, match="below the allowed minimum 0.01"):
        validate_facts(scheme, {FACT: [{"value": "0.005", "reason": "x"}]})
    with pytest.raises(FactsError, match="below the allowed minimum"):
        validate_facts(scheme, {FACT: [{"value": "-1", "reason": "x"}]})
    with pytest.raises(FactsError, match="reason"):
        validate_facts(scheme, {FACT: [{"value": "1"}]})
    assert validate_facts(scheme, {FACT: [{"value": "0"}, {"value": "1", "reason": "3月未达标"}]}) == {
        FACT: (Judgement(Decimal(1), "3月未达标"),)}


def test_every_judged_deduction_of_xingan_accepts_no_deduction():
    scheme = load_scheme("xingan")
    lists = [key for key, spec in scheme.facts.items() if spec.kind == "judgement_list"]
    assert len(lists) >= 10
    assert validate_facts(scheme, {key: [{"value": 0}] for key in lists}) == {key: () for key in lists}
