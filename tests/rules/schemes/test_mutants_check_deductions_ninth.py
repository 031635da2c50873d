"""The scheme checker on a `deductions` item (issue #18: the survivors of rules.schemes.check _Checker.m_deductions).

- FORMAT.md §4, method table: `deductions` takes `start` (= max), `floor` (0) and `deductions = [entry…]`, and scores
  "start − Σ entries, never below floor (扣完为止)": a start above the leaf's max, or a floor above the start (or above
  the max when no start is written), is ``exceeds_max``; a start equal to the max is the default written out.
- FORMAT.md §4, "Deduction entries (each has a `label`)": `{ label, fact, each }` (per occurrence, a numeric fact),
  `{ label, fact, target, each, per = 1 }` plus `whole_units = true` (a shortfall; `target` a number or a numeric
  fact, the fact numeric or a `count_list`), `{ label, fact, judged = true }` (a `judgement_list` fact) and
  `{ label, when, points }`. Each kind takes only its own keys.
- FORMAT.md, R3: a `kind = "penalty"` leaf with `method = "deductions"` has magnitude Σ entries, "no `start`/`floor`
  allowed".

Each bad file is an edit of the checker's example (checker/example-2024.toml): its 推荐就业 item (max 5) is a shortfall
`{ fact = "referrals", target = 2000, each = 0.01 }`, its 月度报告 item (max 2) a per-occurrence entry on
`late_reports`. A problem is asserted whole: key, path (an entry named by its index, a key inside it by name), line
(``# <-``) and parameters, and nothing else is said.
"""
from __future__ import annotations

import pytest

from tests.rules.schemes.test_mutants_check_levels import EXAMPLE, MARK, _replace, _said

REFERRALS = "categories[work].items[referrals]"
REPORTS = "categories[work].items[reports]"
SHORT = 'deductions = [{ label = "推荐不足2000人", fact = "referrals", target = 2000, each = 0.01 }]'
LATE = 'deductions = [{ label = "迟报", fact = "late_reports", each = 0.1 }]'
WORK = '[[categories]]\nid = "work"'
# a judgement_list fact (FORMAT.md §2: a list of {value, reason}, a range on the fact) for the judged entries
FAULTS = """[facts.faults]
meaning = "考核发现问题（评审扣分） / faults found, judged"
kind = "judgement_list"
min = 0
max = 1
unit = "分"
example = [{ value = 0.5, reason = "台账不全" }]

"""
WITH_FAULTS = _replace(EXAMPLE, WORK, FAULTS + WORK)
# a penalty leaf in the work category (it does not count towards the category's max)
FINES_HEAD = '[[categories.items]]\nid = "fines"\ntitle = "违规扣分"\nkind = "penalty"\nclause = "迟报的，每次扣0.1分"\n'
FINES = FINES_HEAD + 'method = "deductions"\n' + LATE + "\n"


def _referrals(new: str) -> list[tuple]:
    """What the checker says of the example with the 推荐就业 item's deductions line replaced by `new`."""
    return _said(_replace(EXAMPLE, SHORT, new))


def _reports(*entries: str, text: str = EXAMPLE) -> list[tuple]:
    """The 月度报告 item's deductions replaced by these entries (one line, marked)."""
    return _said(_replace(text, LATE, "deductions = [" + ", ".join("{ " + e + " }" for e in entries) + "]" + MARK))


def test_the_example_s_deductions_items_are_accepted():
    assert _said(EXAMPLE) == []
    assert _said(WITH_FAULTS) == []


# -- start and floor ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lines", [
    "start = 5",  # the default (= max) written out: a key the method takes, and not above the max
    "start = 3\nfloor = 3",  # a floor at the start: nothing can be taken off, but nothing is wrong
    "floor = 5",  # no start: the floor may reach the max
])
def test_a_start_and_a_floor_within_the_max_are_accepted(lines):
    assert _referrals(lines + "\n" + SHORT) == []


@pytest.mark.parametrize("lines, said", [
    ('start = "5"' + MARK, ("wrong_type", f"{REFERRALS}.start", {"key": "start", "expected": "number"})),
    ("start = 6" + MARK, ("exceeds_max", f"{REFERRALS}.start", {"key": "start", "value": "6", "max": "5"})),
    # a floor above the written start (3), though below the max (5): measured against the start
    ("start = 3\nfloor = 4" + MARK, ("exceeds_max", f"{REFERRALS}.floor", {"key": "floor", "value": "4", "max": "3"})),
    # no start: the floor is measured against the max
    ("floor = 6" + MARK, ("exceeds_max", f"{REFERRALS}.floor", {"key": "floor", "value": "6", "max": "5"})),
])
def test_a_bad_start_or_floor_is_said_at_its_key(lines, said):
    key, path, params = said
    assert _referrals(lines + "\n" + SHORT) == [(key, path, "marked", params)]


INNOVATION = '[[categories.items]]\nid = "innovation"'


def test_the_example_with_a_penalty_deductions_leaf_is_accepted():
    assert _said(_replace(EXAMPLE, INNOVATION, FINES + "\n" + INNOVATION)) == []


@pytest.mark.parametrize("key", ["start", "floor"])
def test_a_penalty_leaf_may_not_have_a_start_or_a_floor(key):
    # R3: a penalty's magnitude is Σ entries; its start/floor is a key it does not take, said with what it takes
    leaf = FINES_HEAD + 'method = "deductions"\n' + f"{key} = 0" + MARK + "\n" + LATE + "\n"
    text = _replace(EXAMPLE, INNOVATION, leaf + "\n" + INNOVATION)
    assert _said(text) == [("unknown_key", f"categories[work].items[fines].{key}", "marked",
                            {"key": key, "allowed": ["deductions"]})]


# -- the deductions array -------------------------------------------------------------------------------------------

def test_deductions_that_are_not_an_array_are_a_wrong_type_at_the_key():
    # `array`: the wrong type is said at the key, and only it (it was also said as an empty list)
    assert _said(_replace(EXAMPLE, LATE, "deductions = 5" + MARK)) == [
        ("wrong_type", f"{REPORTS}.deductions", "marked", {"key": "deductions", "expected": "array"})]


def test_an_entry_that_is_not_a_table_is_said_and_the_next_entry_is_still_checked():
    text = _replace(EXAMPLE, LATE, 'deductions = [5, { label = "迟报", fact = "nope", each = 0.1 }]' + MARK)
    assert _said(text) == [
        ("wrong_type", f"{REPORTS}.deductions[0]", "marked", {"key": "0", "expected": "table"}),
        ("unknown_fact", f"{REPORTS}.deductions[1].fact", "marked", {"fact": "nope"})]


# -- the entries, kind by kind --------------------------------------------------------------------------------------

E = f"{REPORTS}.deductions[0]"
NUMERIC = ["count", "number", "percent"]


@pytest.mark.parametrize("entry", [
    'label = "事故", when = { fact = "incidents", at_least = 1 }, points = 1',
    'label = "不足", fact = "referrals", target = 2000, each = 0.01, per = 10, whole_units = true',
    'label = "不足", fact = "referrals", target = "referrals", each = 0.01, per = 1, whole_units = false',
    'label = "问题", fact = "faults", judged = true',
])
def test_good_entries_of_each_kind_are_accepted(entry):
    # `per` and `whole_units` are keys of a shortfall entry: not unknown keys
    assert _reports(entry, text=WITH_FAULTS) == []


@pytest.mark.parametrize("entry, said", [
    # every entry has a label, and it is text
    ('fact = "late_reports", each = 0.1', ("missing_key", E, {"key": "label"})),
    ('label = 5, fact = "late_reports", each = 0.1', ("wrong_type", f"{E}.label", {"key": "label",
                                                                                    "expected": "string"})),
    # { label, fact, each }: only those keys; a numeric fact; each a number ≥ 0
    ('label = "迟报", fact = "late_reports", each = 0.1, per = 1',
     ("unknown_key", f"{E}.per", {"key": "per", "allowed": ["each", "fact", "label"]})),
    ('label = "迟报", fact = "has_plan", each = 0.1',
     ("fact_kind_mismatch", f"{E}.fact", {"fact": "has_plan", "kind": "bool", "needed": NUMERIC})),
    # { label, when, points }: only those keys
    ('label = "事故", when = { fact = "incidents", at_least = 1 }, points = 1, each = 1',
     ("unknown_key", f"{E}.each", {"key": "each", "allowed": ["label", "points", "when"]})),
    # { label, fact, judged = true }: only those keys; a judgement_list fact
    ('label = "问题", fact = "faults", judged = true, each = 1',
     ("unknown_key", f"{E}.each", {"key": "each", "allowed": ["fact", "judged", "label"]})),
    ('label = "问题", judged = true', ("missing_key", f"{E}.fact", {"key": "fact", "expected": "fact"})),
    ('label = "问题", fact = "nope", judged = true', ("unknown_fact", f"{E}.fact", {"fact": "nope"})),
    ('label = "问题", fact = "innovation", judged = true',
     ("fact_kind_mismatch", f"{E}.fact", {"fact": "innovation", "kind": "judgement", "needed": ["judgement_list"]})),
    # { label, fact, target, each, per, whole_units }: only those keys
    ('label = "不足", fact = "referrals", target = 2000, each = 0.01, note = "x"',
     ("unknown_key", f"{E}.note", {"key": "note", "allowed": ["each", "fact", "label", "per", "target",
                                                              "whole_units"]})),
    # the target: a numeric fact, or a number ≥ 0
    ('label = "不足", fact = "referrals", target = "has_plan", each = 0.01',
     ("fact_kind_mismatch", f"{E}.target", {"fact": "has_plan", "kind": "bool", "needed": NUMERIC})),
    ('label = "不足", fact = "referrals", target = "nope", each = 0.01', ("unknown_fact", f"{E}.target",
                                                                          {"fact": "nope"})),
    ('label = "不足", fact = "referrals", target = -5, each = 0.01',
     ("negative", f"{E}.target", {"key": "target", "value": "−5"})),
    # the fact: numeric or a count_list
    ('label = "不足", fact = "has_plan", target = 2000, each = 0.01',
     ("fact_kind_mismatch", f"{E}.fact", {"fact": "has_plan", "kind": "bool", "needed": NUMERIC + ["count_list"]})),
    ('label = "不足", fact = "nope", target = 2000, each = 0.01', ("unknown_fact", f"{E}.fact", {"fact": "nope"})),
    # each: a number ≥ 0
    ('label = "不足", fact = "referrals", target = 2000, each = -1',
     ("negative", f"{E}.each", {"key": "each", "value": "−1"})),
    # per: optional, but when written a number above 0 (a shortfall is divided by it)
    ('label = "不足", fact = "referrals", target = 2000, each = 0.01, per = 0',
     ("not_positive", f"{E}.per", {"key": "per", "value": "0"})),
    ('label = "不足", fact = "referrals", target = 2000, each = 0.01, per = -2',
     ("not_positive", f"{E}.per", {"key": "per", "value": "−2"})),
    ('label = "不足", fact = "referrals", target = 2000, each = 0.01, per = "10"',
     ("wrong_type", f"{E}.per", {"key": "per", "expected": "number"})),
    # whole_units: a boolean
    ('label = "不足", fact = "referrals", target = 2000, each = 0.01, whole_units = 1',
     ("wrong_type", f"{E}.whole_units", {"key": "whole_units", "expected": "bool"})),
])
def test_a_bad_entry_is_said_once_at_its_place_with_all_its_words(entry, said):
    key, path, params = said
    assert _reports(entry, text=WITH_FAULTS) == [(key, path, "marked", params)]
