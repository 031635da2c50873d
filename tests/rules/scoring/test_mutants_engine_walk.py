"""A leaf's line as the engine writes it, and a sheet's lines as the engine gives them (issue #18: survivors of the
mutation run in rules.scoring.engine's `_score_leaf_text` and `_walk`).

FORMAT.md §3: a regular leaf is clamped to [0, max]; a penalty's magnitude is capped by its max and shown negative;
`requires` that cannot be checked leaves the line unscored. §2: a fact not given is reported missing, never taken
as zero. §4 `rank`: scored alone, a rank leaf needs the cohort. Issue #12 (engine docstring): every line explains
its arithmetic as data, `steps`. And a remembered line "is given again as a new Line with new lists and dicts"
(rules/scoring/engine.py, module docstring): what one sheet's caller does with its lines never shows on another.

Every scheme is built in the test that scores it (a scheme scored elsewhere may answer from memory: a line is
remembered by the facts it reads). The inline scheme is a fixture written for these tests (FORMAT.md §1–§4); its
clauses are worded as the seed documents word such rules.
"""
from __future__ import annotations

import tomllib
from decimal import Decimal

from rules.scoring import score
from rules.scoring.loader import build_scheme

D = Decimal

TOML = """[scheme]
id = "walk-test"
title = "逐项评分测试"
bureau = "测试局"
document_number = "测〔2024〕11号"
effective_date = 2024-01-01
source = "test fixture"
max_total = 30

[[cycles]]
id = "annual"
label = "年度"

[result]
pass_mark = 10
clause = "10分以上合格"

[facts.balance]
meaning = "服务结余（可为负数）"
kind = "number"
unit = "万元"
example = 2
[facts.staff]
meaning = "在岗人员数"
kind = "count"
unit = "人"
example = 1
[facts.open]
meaning = "按时开放"
kind = "bool"
example = true
[facts.credit]
meaning = "信用等级"
kind = "choice"
choices = ["A", "B", "C"]
example = "A"
[facts.late]
meaning = "迟报次数"
kind = "count"
unit = "次"
example = 0
[facts.complaints]
meaning = "有效投诉次数"
kind = "count"
unit = "次"
example = 0
[facts.faults]
meaning = "违规次数"
kind = "count"
unit = "次"
example = 0

[[categories]]
id = "work"
title = "工作"
max = 30
clause = "工作（30分）"

[[categories.items]]
id = "balance"
title = "服务结余"
max = 5
clause = "每结余1万元得1分"
method = "per_unit"
fact = "balance"
points_per_unit = 1

[[categories.items]]
id = "staffed"
title = "有人在岗的服务结余"
max = 5
clause = "有人员在岗的，每结余1万元得1分"
requires = { fact = "staff", at_least = 1 }
method = "per_unit"
fact = "balance"
points_per_unit = 1

[[categories.items]]
id = "open_credit"
title = "开放与信用"
max = 5
clause = "按时开放的得2分；信用等级A的得3分"
method = "checklist"
entries = [{ label = "按时开放", points = 2, when = { fact = "open", is = true } },
           { label = "信用A", points = 3, when = { fact = "credit", is = "A" } }]

[[categories.items]]
id = "late"
title = "按时报送"
max = 5
clause = "每迟报1次扣1分"
method = "deductions"
floor = 6
deductions = [{ label = "迟报", fact = "late", each = 1 }]

[[categories.items]]
id = "complaints"
title = "投诉名次"
max = 10
clause = "有效投诉最少的得10分，每降低一个名次减2分"
method = "rank"
fact = "complaints"
order = "asc"
top = 10
step = 2

[[categories.items]]
id = "faults"
title = "违规扣分"
kind = "penalty"
max = 3
clause = "每违规1次扣1分，最多扣3分"
method = "deductions"
deductions = [{ label = "违规", fact = "faults", each = 1 }]
"""


def walk_scheme():
    return build_scheme(tomllib.loads(TOML, parse_float=Decimal), file="walk-test.toml")


def facts(**over):
    out = {"balance": D("2"), "staff": 1, "open": True, "credit": "A", "late": 0, "complaints": 0, "faults": 0}
    out.update(over)
    return {k: v for k, v in out.items() if v is not None}


# a line not scored: every missing fact named (FORMAT.md §2, §3 `requires`) ----------------------------------------


def test_a_line_whose_requirement_cannot_be_checked_names_every_missing_fact_in_words():
    """FORMAT.md §2 and §3 `requires`: without the count its requirement reads (staff) and the figure it counts
    (balance), the line is not scored and names both, in order, in its explanation and as data."""
    line = score(walk_scheme(), facts(staff=None, balance=None)).line("work/staffed")
    assert (line.points, line.inputs, line.missing) == (0, {}, ["balance", "staff"])
    assert line.explanation == "not scored: missing fact(s) balance, staff"
    assert line.steps == [{"step": "missing", "facts": ["balance", "staff"]}]


def test_a_checklist_without_its_facts_names_each_one_in_words():
    """FORMAT.md §2: a checklist whose entries read two facts, neither given, is not scored and names both."""
    line = score(walk_scheme(), facts(open=None, credit=None)).line("work/open_credit")
    assert (line.points, line.inputs, line.missing) == (0, {}, ["credit", "open"])
    assert line.explanation == "not scored: missing fact(s) credit, open"
    assert line.steps == [{"step": "missing", "facts": ["credit", "open"]}]


# a rank leaf scored alone (FORMAT.md §4 `rank`) --------------------------------------------------------------------


def test_a_rank_line_scored_alone_says_as_data_that_it_needs_the_cohort():
    """FORMAT.md §4 `rank`: scored alone (`score()`), a rank leaf is reported as needing the cohort; its one step
    says so and names the fact it ranks on."""
    sheet = score(walk_scheme(), facts(complaints=3))
    line = sheet.line("work/complaints")
    assert (line.points, line.needs_cohort, line.inputs) == (0, True, {"complaints": 3})
    assert line.explanation == "rank-based: points depend on the other participants; score the cohort (score_cohort)"
    assert line.steps == [{"step": "needs_cohort", "fact": "complaints"}]
    assert not sheet.complete


# a regular leaf clamped to [0, max] (FORMAT.md §3 kind) ------------------------------------------------------------


def test_a_regular_item_above_its_maximum_is_capped_and_its_steps_say_so():
    """FORMAT.md §3: a regular leaf is clamped to [0, max] — a deduction item whose floor (6) was set above its max
    (5) scores 5, and the cap is its last step."""
    line = score(walk_scheme(), facts()).line("work/late")
    assert line.points == 5
    assert line.explanation == ("start 5.00; 迟报: 0 × 1 = −0.00; 5.00 − 0.00 = 5.00, floored at 6.00 (扣完为止); "
                                "capped at the item's 5.00")
    assert line.steps[-3:] == [{"step": "subtract", "start": "5", "taken": "0", "points": "5"},
                               {"step": "floor", "floor": "6", "points": "6"},
                               {"step": "cap", "cap": "5", "points": "5"}]


def test_a_regular_item_never_scores_below_zero_and_its_steps_say_so():
    """FORMAT.md §3: a regular leaf is clamped to [0, max] — a negative balance (a `number` fact has no lower bound
    unless given one, §2) counted at 1 point per unit gives −2, which the item scores as 0."""
    sheet = score(walk_scheme(), facts(balance=D("-2"), staff=0))
    line = sheet.line("work/balance")
    assert line.points == 0
    assert line.explanation == "balance −2 × 1 = −2.00; not below 0.00"
    assert line.steps == [{"step": "count", "fact": "balance", "value": "-2"},
                          {"step": "times", "units": "-2", "each": "1", "points": "-2"},
                          {"step": "floor", "floor": "0", "points": "0"}]
    assert sheet.line("work").points == 10  # 0 + 0 (staff 0) + 5 + 5, the rank line unscored


# a penalty's magnitude capped by its max (FORMAT.md §3 kind, §6 R3) ----------------------------------------------


def test_a_penalty_at_its_maximum_is_not_capped():
    """FORMAT.md §3 / §6 R3: a penalty's magnitude is Σ entries, capped by its max — 3 faults × 1 = 3, exactly the
    max, is deducted whole and says no cap."""
    line = score(walk_scheme(), facts(faults=3)).line("work/faults")
    assert line.points == -3
    assert line.explanation == "违规: 3 × 1 = −3.00; total 3.00 → penalty −3.00"
    assert line.steps == [{"step": "deduct_each", "label": "违规", "fact": "faults", "count": "3", "each": "1",
                           "points": "3"},
                          {"step": "subtotal", "points": "3"},
                          {"step": "penalty", "points": "-3"}]


def test_a_penalty_above_its_maximum_is_capped_and_its_steps_say_so():
    """FORMAT.md §3 / §6 R3: 5 faults × 1 = 5, above the penalty's max 3: at most 3 is deducted, and the cap is a
    step before the penalty."""
    line = score(walk_scheme(), facts(faults=5)).line("work/faults")
    assert line.points == -3
    assert line.explanation == "违规: 5 × 1 = −5.00; total 5.00; at most 3.00 → penalty −3.00"
    assert line.steps[-3:] == [{"step": "subtotal", "points": "5"},
                               {"step": "cap", "cap": "3", "points": "3"},
                               {"step": "penalty", "points": "-3"}]


# each sheet its own lines (engine docstring: "a new Line with new lists and dicts") -------------------------------


def test_what_a_caller_does_to_one_sheets_category_line_never_shows_on_the_next_sheet():
    """rules/scoring/engine.py: a remembered line is given again as a new Line with new lists and dicts — so a
    caller adding to one sheet's category line (its inputs, missing facts or steps) changes no other sheet, though
    the next sheet of the same facts is given from memory."""
    scheme = walk_scheme()
    first = score(scheme, facts()).line("work")
    expected = (dict(first.inputs), list(first.missing), list(first.steps), first.explanation)
    assert expected == ({}, [], [{"step": "sum", "parts": ["2", "2", "5", "5", "0"], "points": "14", "max": "30"},
                                 {"step": "extras_apart"}, {"step": "provisional"}],
                        "Σ 2.00 + 2.00 + 5.00 + 5.00 + 0.00 = 14.00 of 30.00 (bonus/penalty lines below count "
                        "separately) — provisional: some lines are not scored yet")
    first.inputs["note"] = "checked"
    first.missing.append("note")
    first.steps.append({"step": "note"})
    for _ in range(2):
        again = score(scheme, facts()).line("work")
        assert (again.inputs, again.missing, again.steps, again.explanation) == expected
