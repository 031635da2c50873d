"""The text tables and the JSON of rules.scoring.render, pinned on a tiny inline scheme (FORMAT.md §3–4) whose titles
are narrower than the column headers: the heading names the participant, an unscored leaf shows "—" while a category
shows its provisional subtotal, a bonus shows its "+", a cohort row says who is unranked, unnamed or incomplete.
Issue #18: the survivors of the mutation run in rules.scoring.render (and one in rules.scoring.jindong).
"""
from __future__ import annotations

import tomllib
from decimal import Decimal

import pytest

from rules.schemes import load_scheme
from rules.scoring import render_cohort, render_sheet, score, score_cohort, sheet_to_dict
from rules.scoring.jindong import excellent_station, qualification_cancelled, reapplication_allowed_from
from rules.scoring.loader import build_scheme

TOML = """
[scheme]
id = "render-test"
title = "渲染测试"
bureau = "测试局"
document_number = "测〔2024〕2号"
effective_date = 2024-01-01
source = "test fixture"
max_total = 10

[[cycles]]
id = "annual"
label = "年度"

[result]
pass_mark = 6
pass_inclusive = true
clause = "6分（含）以上为合格"
bonus_cap = 2

[facts.a]
meaning = "甲数"
kind = "count"
example = 5
[facts.b]
meaning = "乙数"
kind = "count"
example = 5
[facts.plus]
meaning = "加分数"
kind = "count"
example = 0
[facts.minus]
meaning = "减分数"
kind = "count"
example = 0

[[categories]]
id = "k"
title = "甲"
max = 10
clause = "甲（10分）"

[[categories.items]]
id = "a"
title = "乙"
max = 5
clause = "每件得1分"
method = "per_unit"
fact = "a"
points_per_unit = 1

[[categories.items]]
id = "b"
title = "丙"
max = 5
clause = "每件得1分"
method = "per_unit"
fact = "b"
points_per_unit = 1

[[categories.items]]
id = "plus"
title = "加"
kind = "bonus"
cap = 2
clause = "每件加1分"
method = "per_unit"
fact = "plus"
points_per_unit = 1

[[categories.items]]
id = "minus"
title = "减"
kind = "penalty"
clause = "每件扣1分"
method = "per_unit"
fact = "minus"
points_per_unit = 1
"""

HEADING = "render-test (测〔2024〕2号, effective 2024-01-01)"


@pytest.fixture(scope="module")
def scheme():
    return build_scheme(tomllib.loads(TOML, parse_float=Decimal), file="render-test.toml")


def test_the_sheet_heading_names_the_scheme_version_and_the_participant(scheme):
    """render_sheet docstring: the table of one participant's sheet; score(..., participant=...) names whose it is,
    after " — " on the first line; a sheet scored for nobody in particular has the scheme version alone."""
    facts = {"a": 3, "b": 5, "plus": 1, "minus": 1}
    assert render_sheet(score(scheme, facts, participant="甲站")).splitlines()[0] == f"{HEADING} — 甲站"
    assert render_sheet(score(scheme, facts)).splitlines()[0] == HEADING


def test_the_sheet_table_columns_are_at_least_as_wide_as_their_headers_and_a_bonus_shows_its_plus(scheme):
    """render_sheet: one row per line under the headers item / max / points / how, each column padded to its widest
    cell or header (titles of width 2–4 leave the "item" header decide); numbers.fmt_pts: "signed=True shows + for
    gains", which a bonus line uses (FORMAT.md §3: bonus leaves are added after the regular total), while a penalty
    line's points are negative; a bonus or penalty leaf without a max says its kind in the max column."""
    text = render_sheet(score(scheme, {"a": 3, "b": 5, "plus": 1, "minus": 1}, participant="甲站"))
    assert text == "\n".join([
        f"{HEADING} — 甲站",
        "item  max      points  how",
        "-" * 46,
        "甲    10.00    8.00    Σ 3.00 + 5.00 = 8.00 of 10.00 (bonus/penalty lines below count separately)",
        "  乙  5.00     3.00    a 3 × 1 = 3.00",
        "  丙  5.00     5.00    b 5 × 1 = 5.00",
        "  加  bonus    +1.00   plus 1 × 1 = 1.00 → bonus +1.00",
        "  减  penalty  −1.00   minus 1 × 1 = 1.00 → penalty −1.00",
        "-" * 46,
        "total: 8.00  (regular 8.00 (of 10.00) + bonus 1.00 − penalties 1.00 = 8.00)",
        "result: 8.00 ≥ 6.00: passed (6分（含）以上为合格)",
    ])


def test_an_unscored_leaf_shows_a_dash_and_its_category_the_provisional_subtotal(scheme):
    """engine.Line: a line missing a fact is not complete (points 0 while missing); render_sheet shows "—" for such a
    leaf, not a misleading 0.00, but a category (method "sum", engine._score_sum) still shows the sum of what could
    be scored, marked provisional in its explanation."""
    rows = render_sheet(score(scheme, {"a": 3, "plus": 0, "minus": 0})).splitlines()
    assert rows[3] == ("甲    10.00    3.00    Σ 3.00 + 0.00 = 3.00 of 10.00 (bonus/penalty lines below count "
                       "separately) — provisional: some lines are not scored yet")
    assert rows[4] == "  乙  5.00     3.00    a 3 × 1 = 3.00"
    assert rows[5] == "  丙  5.00     —       not scored: missing fact(s) b"
    assert rows[6] == "  加  bonus    0.00    plus 0 × 1 = 0.00 → bonus 0.00"


def test_the_missing_facts_are_listed_after_the_result_separated_by_commas(scheme):
    """render_sheet docstring: after the totals, the result; an incomplete sheet also lists every missing fact."""
    lines = render_sheet(score(scheme, {"plus": 0, "minus": 0})).splitlines()
    assert lines[-2:] == ["result: incomplete: missing fact(s) a, b", "missing facts: a, b"]


def test_the_cohort_table_marks_the_unranked_the_unnamed_the_incomplete_and_the_ungraded(scheme):
    """CohortResult.ranking: "unranked, i.e. incomplete, last"; render_cohort shows "—" for no rank and no grade
    (this scheme has no [grades]), "incomplete" for a sheet not yet passed or failed, and a blank cell for a
    participant whose name is empty."""
    result = score_cohort(scheme, {
        "甲": {"a": 3, "b": 5, "plus": 0, "minus": 0},
        "乙": {"a": 3, "plus": 1, "minus": 0},
        "": {"a": 1, "b": 1, "plus": 0, "minus": 0},
    })
    assert render_cohort(result) == "\n".join([
        HEADING,
        "rank  participant  total  result      grade",
        "1     甲           8.00   passed      —    ",
        "2                  2.00   failed      —    ",
        "—     乙           4.00   incomplete  —    ",
    ])


def test_the_sheet_dict_carries_the_subsidy_amount():
    """金东人社〔2021〕14号 第十二条（二）: 评估分数80分以上（含）90分以下的，给予6万元补贴; sheet_to_dict keeps the
    amount as a string (its docstring: Decimals as strings, so nothing is lost in transit)."""
    scheme = load_scheme("jindong-2021")
    sheet = score(scheme, {key: spec.example for key, spec in scheme.facts.items()})
    assert Decimal(80) <= sheet.total < Decimal(90)
    data = sheet_to_dict(sheet)
    assert data["subsidy"] == "60000"
    assert data["subsidy_explanation"] == sheet.subsidy_explanation != ""


@pytest.mark.parametrize("check, message", [
    (lambda s: excellent_station(s, []), "scheme qianxi-2022 has no [extra.excellent_station] min_years"),
    (lambda s: qualification_cancelled(s, []),
     "scheme qianxi-2022 has no [extra.qualification] consecutive_failing_years"),
    (lambda s: reapplication_allowed_from(s, None), "scheme qianxi-2022 has no [extra.qualification] ban_years"),
])
def test_the_jindong_helpers_name_the_missing_extra_parameter(check, message):
    """rules/schemes/FORMAT.md, 'Extra parameters': the 金东 helpers read their thresholds from the scheme's
    [extra.*] tables; a scheme without them is refused with the scheme, table and key named."""
    with pytest.raises(ValueError) as caught:
        check(load_scheme("qianxi-2022"))
    assert str(caught.value) == message
