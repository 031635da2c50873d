"""The sheet's totals in words, and the lines a scheme remembers (issue #18: survivors in rules.scoring.engine's
`_exact`, `_known_line` and `_learn_line`).

The engine rounds once, on the total (rules/scoring/engine.py, module docstring; DOMAIN.md §6.1), so the total's
explanation shows the figures before that rounding: `_exact` writes a figure exact at 2 decimals with 2 decimals and
any other with its own decimals (up to 4), so the rounding is visible. And a line is remembered by the facts it reads
(engine docstring; docs/benchmarks.md, "Scoring engine"): a remembered line must be what a fresh scoring gives, in
its points, explanation, inputs, missing facts and steps, and what the sheet derives on the way (FORMAT.md §2
"Derived facts") must be the same for the lines after it.

Every scheme is built in the test that scores it (a scheme scored elsewhere may answer from memory), and the totals'
tests start with the engine's table of their texts empty (the engine keeps the text of every figure for the
process, and starts a full table again empty: an empty table is one it can always have), so that the texts are
worked out for these figures here and not taken from an earlier sheet.
The inline scheme is a fixture written for these tests (FORMAT.md §2–§4); its clauses are in the style of the seed
documents.
"""
from __future__ import annotations

import tomllib
from decimal import Decimal

import pytest

from rules.scoring import engine, score, sheet_to_dict
from rules.scoring.loader import build_scheme

D = Decimal

TOML = """[scheme]
id = "sums-test"
title = "合计测试"
bureau = "测试局"
document_number = "测〔2024〕11号"
effective_date = 2024-01-01
source = "test fixture"
max_total = 1010

[[cycles]]
id = "annual"
label = "年度"

[result]
pass_mark = 600
clause = "600分以上合格"

[facts.x]
meaning = "推荐人数"
kind = "count"
example = 3
[facts.b]
meaning = "回访人次"
kind = "count"
example = 3
[facts.p]
meaning = "逾期天数"
kind = "count"
example = 3
[facts.hours]
meaning = "培训学时"
kind = "number"
min = 0
example = 1.5
[facts.applicants]
meaning = "求职登记人数"
kind = "count"
example = 10
[facts.placed]
meaning = "成功就业人数"
kind = "count"
not_above = "applicants"
example = 5

[derived.placement_rate]
meaning = "就业率"
op = "percent"
args = ["placed", "applicants"]

[[categories]]
id = "work"
title = "推荐"
max = 1000
clause = "推荐（1000分）"

[[categories.items]]
id = "referred"
title = "推荐人数"
max = 1000
clause = "每推荐1人得1分，最高1000分"
method = "per_unit"
fact = "x"
points_per_unit = 1

[[categories.items]]
id = "visits"
title = "回访"
kind = "bonus"
uncapped = true
clause = "每回访1人次加0.001分"
method = "per_unit"
fact = "b"
points_per_unit = 0.001

[[categories.items]]
id = "late"
title = "逾期"
kind = "penalty"
clause = "每逾期1天扣0.01分"
method = "per_unit"
fact = "p"
points_per_unit = 0.01

[[categories]]
id = "training"
title = "培训"
max = 10
clause = "培训（10分）"

[[categories.items]]
id = "placement"
title = "就业率"
max = 5
clause = "就业率达到50%的得5分"
method = "tiers"
fact = "placement_rate"
tiers = [{ min = 50, points = 5 }]

[[categories.items]]
id = "hours"
title = "培训学时"
max = 5
clause = "就业率达到50%的，每1学时得1分"
requires = { fact = "placement_rate", at_least = 50 }
method = "per_unit"
fact = "hours"
points_per_unit = 1
cap = 5

[[categories]]
id = "ranked"
title = "排名"
max = 0
clause = "排名加分"

[[categories.items]]
id = "rate_rank"
title = "就业率排名"
kind = "bonus"
max = 3
clause = "就业率最高的加3分，每降低一个名次减1分"
method = "rank"
fact = "placement_rate"
top = 3
step = 1
"""


def sums_scheme():
    return build_scheme(tomllib.loads(TOML, parse_float=Decimal), file="sums-test.toml")


def facts(**over):
    out = {"x": 977, "b": 7919, "p": 4210, "hours": D("2"), "applicants": 8, "placed": 6}
    out.update(over)
    return {k: v for k, v in out.items() if v is not None}


# the total in words: figures before the final rounding (engine docstring; DOMAIN.md §6.1, §6.2) -------------------

TOTALS = [
    # x, b (× 0.001 bonus), p (× 0.01 penalty): regular = x + 5 + 2, the total's explanation, the rounded total
    (977, 7919, 4210, "regular 984.00 (of 1,010.00) + bonus 7.919 − penalties 42.10 = 949.819 → 949.82", "949.82"),
    (613, 4093, 1870, "regular 620.00 (of 1,010.00) + bonus 4.093 − penalties 18.70 = 605.393 → 605.39", "605.39"),
    (733, 6217, 3090, "regular 740.00 (of 1,010.00) + bonus 6.217 − penalties 30.90 = 715.317 → 715.32", "715.32"),
    (811, 5000, 2713, "regular 818.00 (of 1,010.00) + bonus 5.00 − penalties 27.13 = 795.87", "795.87"),
]


@pytest.fixture
def fresh_texts():
    """The engine's remembered texts of exact figures, emptied (as when the table is full): worked out anew here."""
    engine._EXACT_TEXT.clear()


@pytest.mark.usefixtures("fresh_texts")
@pytest.mark.parametrize("x, b, p, text, total", TOTALS)
def test_the_total_is_explained_with_the_figures_before_its_rounding(x, b, p, text, total):
    """Engine docstring: rounding half up to 2 decimals happens once, on the total (DOMAIN.md §6.1). The total's
    explanation writes a bonus or penalty exact at 2 decimals with 2 decimals (42.10, 5.00) and one with more as it
    is (7.919), the unrounded total likewise, then → the rounded total; scored twice, and on a fresh scheme, alike."""
    scheme = sums_scheme()
    for sheet in (score(scheme, facts(x=x, b=b, p=p)), score(scheme, facts(x=x, b=b, p=p)),
                  score(sums_scheme(), facts(x=x, b=b, p=p))):
        assert sheet.total_explanation == text
        assert sheet.total == D(total)
        assert sheet.total_exact == x + 7 + D(b) / 1000 - D(p) / 100


@pytest.mark.usefixtures("fresh_texts")
def test_the_total_steps_carry_the_unrounded_figures():
    """Issue #12 (explanations as data) and DOMAIN.md §6.1: the total's steps give regular, bonus, penalty and the
    unrounded total exactly, then the rounded total."""
    sheet = score(sums_scheme(), facts(x=977, b=7919, p=4210))
    assert sheet.total_steps == [
        {"step": "regular", "points": "984", "max": "1010"},
        {"step": "bonus_total", "raw": "7.919", "points": "7.919", "cap": None},
        {"step": "penalty_total", "points": "42.1"},
        {"step": "total", "points": "949.819"},
        {"step": "rounded", "points": "949.82"}]


# a requirement met, the method's fact missing (FORMAT.md §3 `requires`; engine docstring: missing, never zero) ------

HOURS_MISSING = {"path": "training/hours", "points": "0", "explanation": "not scored: missing fact(s) hours",
                 "inputs": {}, "missing": ["hours"], "steps": [{"step": "missing", "facts": ["hours"]}]}


def hours_line(sheet):
    (line,) = [line for line in sheet_to_dict(sheet)["items"] if line["path"] == "training/hours"]
    return {k: line[k] for k in HOURS_MISSING}


def test_a_line_missing_its_fact_shows_no_inputs_though_its_requirement_was_read():
    """FORMAT.md §3: a leaf whose `requires` holds is scored by its method; the method's fact not given, the line is
    "not scored: missing fact(s) …" and shows no inputs (the requirement's placement_rate, derived from placed and
    applicants, was read but nothing was scored) — on its first sheet, remembered, and after a sheet that had the
    fact, on one scheme as on a fresh one."""
    scheme = sums_scheme()
    first = score(scheme, facts(hours=None))
    assert hours_line(first) == HOURS_MISSING
    assert first.missing_facts == ["hours"] and first.complete is False
    assert hours_line(score(scheme, facts(hours=None))) == HOURS_MISSING
    scored = score(scheme, facts(hours=D("3")))
    assert hours_line(scored) == {
        "path": "training/hours", "points": "3", "explanation": "hours 3 × 1 = 3.00",
        "inputs": {"placement_rate": "75.00", "hours": "3"}, "missing": [],
        "steps": [{"step": "count", "fact": "hours", "value": "3"},
                  {"step": "times", "units": "3", "each": "1", "points": "3"}]}
    for applicants, placed in ((8, 6), (9, 7), (9, 7)):
        sheet = score(scheme, facts(hours=None, applicants=applicants, placed=placed))
        assert hours_line(sheet) == HOURS_MISSING
        assert sheet_to_dict(sheet) == sheet_to_dict(score(sums_scheme(), facts(hours=None, applicants=applicants,
                                                                                  placed=placed)))


# a derived value made by a remembered line serves the lines after it (FORMAT.md §2 "Derived facts") --------------


def test_a_value_derived_by_an_earlier_line_is_the_one_a_later_rank_line_reads():
    """FORMAT.md §2: a derived fact (placement_rate = placed ÷ applicants × 100) is derived once per sheet and read by
    every line that names it; FORMAT.md §4 `rank`: scored alone, a rank leaf needs the cohort and shows the value
    it ranks on — 75 here, derived by the placement line before it, on every sheet of the scheme."""
    scheme = sums_scheme()
    for applicants, placed, rate in ((8, 6, "75"), (8, 6, "75"), (16, 2, "12.5"), (8, 6, "75")):
        sheet = score(scheme, facts(applicants=applicants, placed=placed))
        line = sheet.line("ranked/rate_rank")
        assert (line.needs_cohort, line.points, line.inputs) == (True, 0, {"placement_rate": D(rate)})
        assert line.explanation == ("rank-based: points depend on the other participants; "
                                    "score the cohort (score_cohort)")
        assert sheet.derivations == {"placement_rate": f"placement_rate = {placed} ÷ {applicants} × 100 = {rate}"}
        assert sheet_to_dict(sheet) == sheet_to_dict(score(sums_scheme(), facts(applicants=applicants,
                                                                                  placed=placed)))
