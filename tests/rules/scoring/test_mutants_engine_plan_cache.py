"""score() takes and refuses facts as FORMAT.md §2 and §7 say, shows every number exactly, and keeps nothing of a
scheme that is no longer used (issue #18: survivors of the mutation run in rules.scoring.engine's `_v`,
`_Plan.validate` and `_plan_for`).

Issue 16 gave score() a plan per scheme (rules/scoring/engine.py, module docstring): a fast check of the plain facts
before validate_facts, texts of figures remembered by value, and the plan itself "kept while its scheme lives". None
of that may change what a caller sees: a fact the fast check does not settle is decided by validate_facts, with the
participant named (FORMAT.md §7); a number is a step's exact string whatever Decimal it was given as (FORMAT.md §2:
`Decimal`, `int` or numeric string); and a scheme dropped by the portal (a file reloaded) is freed with its plan.

The scheme is built in each test (a plan lives as long as its scheme), from the fixture below, written for these
tests (FORMAT.md §2–§4); its clauses are in the style of the seed documents.
"""
from __future__ import annotations

import gc
import tomllib
import weakref
from collections import OrderedDict
from decimal import Decimal

import pytest

from rules.scoring import FactsError, score, sheet_to_dict
from rules.scoring.loader import build_scheme

D = Decimal

TOML = """
[scheme]
id = "plan-cache-test"
title = "计划测试"
bureau = "测试局"
document_number = "测〔2024〕11号"
effective_date = 2024-01-01
source = "test fixture"
max_total = 35

[[cycles]]
id = "annual"
label = "年度"

[result]
pass_mark = 15
clause = "15分以上合格"

[facts.amount]
meaning = "服务金额"
kind = "number"
unit = "万元"
example = 2.5
[facts.staff]
meaning = "在岗人员数"
kind = "count"
unit = "人"
example = 3

[derived.per_head]
meaning = "人均服务金额"
unit = "万元"
op = "ratio"
args = ["amount", "staff"]

[[categories]]
id = "work"
title = "工作"
max = 35
clause = "工作（35分）"

[[categories.items]]
id = "amount"
title = "服务金额"
max = 20
clause = "每服务1万元得1分"
method = "per_unit"
fact = "amount"
points_per_unit = 1

[[categories.items]]
id = "per_head"
title = "人均服务金额"
max = 10
clause = "人均每服务1万元得2分"
method = "per_unit"
fact = "per_head"
points_per_unit = 2

[[categories.items]]
id = "scale"
title = "服务规模"
max = 5
clause = "服务金额达到5万元的得5分"
method = "tiers"
fact = "amount"
tiers = [{ min = 5, points = 5 }]
"""


def plan_scheme():
    return build_scheme(tomllib.loads(TOML, parse_float=Decimal), file="plan-cache-test.toml")


class SubDecimal(Decimal):
    """A Decimal of a subclass, as a caller's own number type may be: still a Decimal (FORMAT.md §2)."""


def scale_line(sheet):
    data = {item["path"]: item for item in sheet_to_dict(sheet)["items"]}["work/scale"]
    return data["steps"], data["inputs"], data["explanation"]


# a number is shown exactly, whatever Decimal it is given as (FORMAT.md §2; engine `_v`: "Decimals as exact
# strings") -------------------------------------------------------------------------------------------------------

BAND = {"min": "5", "max": None, "min_inclusive": True, "max_inclusive": False}


@pytest.mark.parametrize("given, step, explanation", [
    ("2.5", {"step": "no_tier", "fact": "amount", "value": "2.5", "points": "0"}, "amount 2.5 is in no tier → 0.00"),
    ("2.50", {"step": "no_tier", "fact": "amount", "value": "2.5", "points": "0"}, "amount 2.5 is in no tier → 0.00"),
    ("10", {"step": "tier", "fact": "amount", "value": "10", "band": BAND, "label": "", "points": "5"},
     "amount 10 is in ≥ 5 → 5.00"),
    ("12.0", {"step": "tier", "fact": "amount", "value": "12", "band": BAND, "label": "", "points": "5"},
     "amount 12 is in ≥ 5 → 5.00"),
])
def test_a_number_given_as_a_decimal_subclass_is_shown_as_the_same_decimal(given, step, explanation):
    """服务金额达到5万元的得5分: the tier step shows the amount as a plain exact string ("2.5", "10", never "2",
    "1E+1" or "None"), the inputs as given, and a sheet scored from a Decimal subclass is the sheet of the same
    Decimal."""
    scheme = plan_scheme()
    sheet = score(scheme, {"amount": SubDecimal(given)})
    assert scale_line(sheet) == ([step], {"amount": given}, explanation)
    assert sheet_to_dict(sheet) == sheet_to_dict(score(plan_scheme(), {"amount": D(given)}))


# facts: any dict is taken, anything else refused naming the participant (FORMAT.md §7, facts.validate_facts) ---------

def test_facts_given_in_a_dict_subclass_score_as_the_same_facts_in_a_dict():
    """FORMAT.md §2: the portal supplies a dict {key: value}; an OrderedDict is a dict."""
    scheme = plan_scheme()
    given = OrderedDict([("staff", 2), ("amount", D("7.5"))])
    sheet = score(scheme, given, participant="站点A")
    assert (sheet.participant, sheet.total, sheet.complete) == ("站点A", D("20.00"), True)
    assert sheet.line("work/per_head").explanation == "per_head 3.75 × 2 = 7.50"
    assert sheet_to_dict(sheet) == sheet_to_dict(score(plan_scheme(), dict(given), participant="站点A"))


@pytest.mark.parametrize("facts, kind", [([("amount", D("1"))], "list"), (None, "NoneType"), ("amount=1", "str")])
def test_facts_that_are_not_a_dict_are_refused_naming_the_participant(facts, kind):
    """FORMAT.md §7: FactsError(key=…); in a cohort also whose facts they are (validate_facts: key '*')."""
    with pytest.raises(FactsError) as caught:
        score(plan_scheme(), facts, participant="站点A")
    assert (caught.value.key, caught.value.participant) == ("*", "站点A")
    assert str(caught.value) == f"participant '站点A': fact '*': facts must be a dict of key → value, got {kind}"


@pytest.mark.parametrize("facts, key, problem", [
    ({"visits": 3}, "visits", "unknown fact for scheme plan-cache-test"),
    ({"visits": 3, "amount": D("1")}, "visits", "unknown fact for scheme plan-cache-test"),
    ({"amount": D("1"), "visits": 3}, "visits", "unknown fact for scheme plan-cache-test"),
    ({"per_head": D("2")}, "per_head", "is computed by the scheme (a derived fact); do not supply it"),
])
def test_score_refuses_a_fact_the_scheme_does_not_declare_naming_the_participant(facts, key, problem):
    """FORMAT.md §2: unknown keys are rejected; derived keys are "not supplied by the portal"."""
    with pytest.raises(FactsError) as caught:
        score(plan_scheme(), facts, participant="站点B")
    assert (caught.value.key, caught.value.participant, caught.value.problem) == (key, "站点B", problem)
    assert str(caught.value) == f"participant '站点B': fact {key!r}: {problem}"


# a scheme no longer used is freed, and what score() worked out for it with it (engine `_plan_for`: "kept while the
# scheme lives") ------------------------------------------------------------------------------------------------------

def _score_and_drop() -> list[weakref.ref]:
    scheme = plan_scheme()
    for amount in ("1", "2.5", "1"):
        sheet = score(scheme, {"amount": D(amount), "staff": 2})
        assert sheet.line("work/amount").points == D(amount)
    del sheet
    return [weakref.ref(scheme), weakref.ref(scheme.categories[0]), weakref.ref(scheme.categories[0].children[1])]


def test_a_scheme_dropped_after_scoring_is_freed_with_its_items():
    """A portal that reloads a scheme file must not keep every version it scored with: once neither the scheme nor
    a sheet of it is held, the scheme, its categories and its items are freed."""
    refs = _score_and_drop()
    gc.collect()
    assert [ref() for ref in refs] == [None, None, None]
