"""A refused fact value says what is wrong as data (rules/scoring/facts.py, FactValueError and FactsError), for the
portal to word in the reader's language; the English sentence stays for the command line.

Each problem of FACT_PROBLEMS is raised here by a value that has it, with its figures as text and, for a list fact,
the place of the entry at fault.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from rules.scoring import FACT_PROBLEMS, FactsError, FactValueError, validate_facts
from rules.scoring.facts import check_fact_value
from rules.scoring.model import FactSpec, Scheme


def _spec(kind: str, **kwargs) -> FactSpec:
    return FactSpec(key="x", meaning="测试", kind=kind, unit="", example=None, **kwargs)


JUDGED = _spec("judgement_list", min=Decimal("0.01"), max=Decimal("5"))
CASES = [
    (_spec("bool"), "是", "not_bool", None, {"value": "是"}),
    (_spec("choice", choices=("reached", "below_90")), "below", "not_choice", None, {"value": "below"}),
    (_spec("number"), "abc", "not_number", None, {"value": "abc"}),
    (_spec("count"), Decimal("2.5"), "not_whole", None, {"value": "2.5"}),
    (_spec("count"), -1, "negative", None, {"value": "−1"}),
    (_spec("percent"), Decimal("-3"), "below_min", None, {"value": "−3", "min": "0"}),
    (_spec("count", max=Decimal(10)), 11, "above_max", None, {"value": "11", "max": "10"}),
    (_spec("count_list"), "1,2", "not_list", None, {}),
    (_spec("count_list"), [1, "2.5"], "not_whole", 2, {"value": "2.5"}),
    (JUDGED, [{"value": "0.5", "reason": "a"}, "0.5 b"], "judgement_shape", 2, {}),
    (JUDGED, [{"value": "0.5", "reason": "a", "by": "x"}], "judgement_fields", 1, {"fields": "by"}),
    (JUDGED, [{"reason": "a"}], "judgement_no_value", 1, {}),
    (JUDGED, [{"value": "0.5", "reason": " "}], "judgement_no_reason", 1, {}),
    (JUDGED, [{"value": "0.5", "reason": "a"}, {"value": "6", "reason": "b"}], "above_max", 2,
     {"value": "6", "max": "5"}),
    (JUDGED, [{"value": "半", "reason": "a"}], "not_number", 1, {"value": "半"}),
]


@pytest.mark.parametrize("spec, value, code, entry, params", CASES, ids=[c[2] for c in CASES])
def test_a_refused_value_names_its_problem_entry_and_figures(spec, value, code, entry, params):
    with pytest.raises(FactValueError) as refused:
        check_fact_value(spec, value)
    assert (refused.value.code, refused.value.entry, refused.value.params) == (code, entry, params)
    assert code in FACT_PROBLEMS
    # both kinds the checks raised before, so a caller catching either still catches it; English for the CLI
    assert isinstance(refused.value, ValueError) and isinstance(refused.value, TypeError)
    assert str(refused.value)[:1].isascii() and str(refused.value)[:1] != ""


def _scheme(**facts: FactSpec) -> Scheme:
    from dataclasses import replace

    from rules.schemes import load_scheme

    return replace(load_scheme("jindong-2021"), facts=facts, derived={})


def test_validate_facts_carries_the_problem_of_the_fact_it_names():
    scheme = _scheme(sampled=_spec("count", max=Decimal(10)), stable=_spec("count", not_above="arrived"),
                     arrived=_spec("count"))
    with pytest.raises(FactsError) as refused:
        validate_facts(scheme, {"sampled": 11})
    assert (refused.value.key, refused.value.code, refused.value.params) == (
        "sampled", "above_max", {"value": "11", "max": "10"})
    with pytest.raises(FactsError) as refused:
        validate_facts(scheme, {"stable": 5, "arrived": 3})
    assert (refused.value.key, refused.value.code, refused.value.params) == (
        "stable", "exceeds_other", {"value": "5", "other": "arrived", "other_value": "3"})
    for facts, code in (({"nothing": 1}, "unknown_fact"), ([], "not_a_dict")):
        with pytest.raises(FactsError) as refused:
            validate_facts(scheme, facts)
        assert refused.value.code == code
    assert str(refused.value).startswith("fact '*': facts must be a dict")  # the English sentence unchanged


def test_every_problem_is_raised_by_some_value():
    raised = {code for _spec_, _value, code, _entry, _params in CASES} | {"exceeds_other", "unknown_fact",
                                                                          "not_a_dict", "derived_fact"}
    assert raised == set(FACT_PROBLEMS)
