"""The scheme's data (rules.scoring.model): conditions as the explanations word them (FORMAT.md §2, Conditions),
and the errors that name the file, the path and the participant. Issue #18: the survivors of the mutation
sample in rules.scoring.model.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from rules.scoring import FactsError, SchemeError
from rules.scoring.loader import build_scheme
from rules.scoring.model import Condition


@pytest.mark.parametrize("condition, words", [
    (Condition("has_plan", is_=True, has_is=True), "has_plan is yes"),
    (Condition("has_plan", is_=False, has_is=True), "has_plan is no"),
    (Condition("ledger", is_="built", has_is=True), "ledger is 'built'"),
    (Condition("credit_grade", in_=("C", "D")), "credit_grade in C, D"),
    (Condition("satisfaction_pct", less_than=Decimal(50)), "satisfaction_pct < 50"),
    (Condition("headcount", at_least=Decimal(50), at_most=Decimal("99.5")), "headcount ≥ 50 and headcount ≤ 99.5"),
])
def test_a_condition_is_worded_as_the_scheme_states_it(condition, words):
    """FORMAT.md §2 Conditions: is (yes/no for a bool, the value for a choice), in, ≥, >, ≤, <; all must hold."""
    assert condition.describe() == words


def test_a_facts_error_names_the_participant_only_when_there_is_one():
    """FORMAT.md §7: FactsError(key=…) naming the fact; in a cohort also the participant."""
    assert str(FactsError("workers", "cannot be negative, got -1")) == "fact 'workers': cannot be negative, got -1"
    assert str(FactsError("workers", "x", "站点A")) == "participant '站点A': fact 'workers': x"


def test_a_scheme_error_keeps_the_file_the_path_and_the_problem():
    """rules/schemes/FORMAT.md: a scheme file is validated on load; the error names the file, the path, the problem."""
    with pytest.raises(SchemeError) as caught:
        build_scheme({"scheme": {}}, file="broken.toml")
    err = caught.value
    assert err.file == "broken.toml" and err.path and err.problem
    assert str(err) == f"broken.toml: {err.path}: {err.problem}"
