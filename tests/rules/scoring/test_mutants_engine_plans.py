"""The engine's plans and memories (issue 16, issue #18: survivors in rules.scoring.engine's _Plan, _NodePlan,
_score_sum_plan and _Context). A scheme is planned on its first sheet and a line is remembered by the facts it reads
(rules/scoring/engine.py, module docstring; docs/benchmarks.md, "Scoring engine"): remembering must never change a
figure. So these tests score sequences of sheets on one scheme, facts that differ in the way the memories key them,
and check each sheet against a fresh scheme or hand-computed values.

Every scheme is built in the test that scores it (a scheme scored elsewhere may answer from memory). The inline
scheme is a fixture written for these tests (FORMAT.md §2–§4); its clauses are worded as the seed documents word
such rules.
"""
from __future__ import annotations

import tomllib
from decimal import Decimal

import pytest

from rules.scoring import FactsError, score, score_cohort, sheet_to_dict
from rules.scoring.engine import _MEMO_FIRST_LOOK
from rules.scoring.loader import build_scheme

D = Decimal

TOML = """[scheme]
id = "plans-test"
title = "计划与记忆测试"
bureau = "测试局"
document_number = "测〔2024〕9号"
effective_date = 2024-01-01
source = "test fixture"
max_total = 33

[[cycles]]
id = "annual"
label = "年度"

[result]
pass_mark = 10
clause = "10分以上合格"

[facts.x]
meaning = "推荐人数"
kind = "count"
example = 3
[facts.bases]
meaning = "基地数"
kind = "count"
example = 3
[facts.n]
meaning = "投诉次数"
kind = "count"
example = 5
[facts.hours]
meaning = "培训学时"
kind = "number"
min = 0
max = 5
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
max = 10
clause = "推荐（10分）"

[[categories.items]]
id = "referred"
title = "推荐人数"
max = 10
clause = "每推荐1人得1分，最高10分"
method = "per_unit"
fact = "x"
points_per_unit = 1

[[categories]]
id = "ranked"
title = "基地"
max = 10
clause = "基地（10分）"

[[categories.items]]
id = "share"
title = "推荐占比"
max = 5
clause = "每推荐1人得1分，最高5分"
method = "per_unit"
fact = "x"
points_per_unit = 1

[[categories.items]]
id = "bases"
title = "基地排名"
max = 5
clause = "基地数最多的得5分，每降低一个名次减1分"
method = "rank"
fact = "bases"
top = 5
step = 1

[[categories]]
id = "extras"
title = "加分"
max = 0
clause = "加分项（不计入类别分值）"

[[categories.items]]
id = "referred_bonus"
title = "加分：推荐"
kind = "bonus"
cap = 3
clause = "每推荐1人加0.1分，最多加3分"
method = "per_unit"
fact = "x"
points_per_unit = 0.1

[[categories]]
id = "conduct"
title = "投诉"
max = 3
clause = "投诉（3分）"

[[categories.items]]
id = "complaints"
title = "投诉次数"
max = 3
clause = "投诉超过5次的得1分；不超过5次的得1分；少于5次的得1分"
method = "checklist"
entries = [
  { label = "超过5次", points = 1, when = { fact = "n", more_than = 5 } },
  { label = "不超过5次", points = 1, when = { fact = "n", at_most = 5 } },
  { label = "少于5次", points = 1, when = { fact = "n", less_than = 5 } },
]

[[categories]]
id = "training"
title = "培训"
max = 10
clause = "培训（10分）"

[[categories.items]]
id = "hours"
title = "培训学时"
max = 5
clause = "每1学时得1分"
method = "per_unit"
fact = "hours"
points_per_unit = 1

[[categories.items]]
id = "placement"
title = "就业率"
max = 5
clause = "就业率达到50%的得5分"
method = "tiers"
fact = "placement_rate"
tiers = [{ min = 50, points = 5 }]
"""


def plans_scheme():
    return build_scheme(tomllib.loads(TOML, parse_float=Decimal), file="plans-test.toml")


def facts(**over):
    out = {"x": 20, "bases": 1, "n": 5, "hours": D("2"), "applicants": 10, "placed": 6}
    out.update(over)
    return out


def line_dict(sheet, path):
    (line,) = [line for line in sheet_to_dict(sheet)["items"] if line["path"] == path]
    return line


# derived facts (FORMAT.md §2 "Derived facts": division by zero gives 0 and says so) -----------------------------


def test_a_percentage_over_zero_is_taken_as_zero_and_the_derivation_says_so():
    """FORMAT.md §2: `percent` = a ÷ b × 100; "Division by zero gives 0 and says so"."""
    sheet = score(plans_scheme(), facts(applicants=0, placed=0))
    assert sheet.derivations == {
        "placement_rate": "placement_rate = 0 ÷ 0 × 100 = 0 (division by zero: taken as 0)"}
    line = sheet.line("training/placement")
    assert (line.points, line.explanation) == (0, "placement_rate 0 is in no tier → 0.00")
    assert score(plans_scheme(), facts(applicants=8, placed=6)).derivations == {
        "placement_rate": "placement_rate = 6 ÷ 8 × 100 = 75"}


# conditions (FORMAT.md §2 "Conditions": more_than >, at_most <=, less_than <) ------------------------------------

CHECKS = {
    4: ("✗ 超过5次 (n > 5 fails (is 4)) +0.00; ✓ 不超过5次 +1.00; ✓ 少于5次 +1.00 = 2.00", [False, True, True]),
    5: ("✗ 超过5次 (n > 5 fails (is 5)) +0.00; ✓ 不超过5次 +1.00; ✗ 少于5次 (n < 5 fails (is 5)) +0.00 = 1.00",
        [False, True, False]),
    6: ("✓ 超过5次 +1.00; ✗ 不超过5次 (n ≤ 5 fails (is 6)) +0.00; ✗ 少于5次 (n < 5 fails (is 6)) +0.00 = 1.00",
        [True, False, False]),
}


@pytest.mark.parametrize("n", sorted(CHECKS))
def test_more_than_at_most_and_less_than_hold_exactly_as_written_at_the_limit(n):
    """FORMAT.md §2 Conditions: `more_than` is >, `at_most` is <=, `less_than` is < — 超过5次 excludes 5, 不超过5次
    includes it, 少于5次 excludes it; one sheet per count on a fresh scheme, then the three on one scheme."""
    text, oks = CHECKS[n]
    line = score(plans_scheme(), facts(n=n)).line("conduct/complaints")
    assert line.explanation == text
    assert [s["ok"] for s in line.steps if s["step"] == "check"] == oks
    assert line.points == sum(oks)
    scheme = plans_scheme()
    for other in (6, 5, 4):
        assert score(scheme, facts(n=other)).line("conduct/complaints").explanation == CHECKS[other][0]


def test_a_failed_condition_names_the_test_and_the_value_as_data():
    """Issue #12 (explanations as data): a failed checklist condition is given with its test and the value found."""
    line = score(plans_scheme(), facts(n=6)).line("conduct/complaints")
    assert line.steps[1:3] == [
        {"step": "check", "label": "不超过5次", "ok": False, "points": "0",
         "failed": {"fact": "n", "tests": [["at_most", "5"]], "value": "6"}},
        {"step": "check", "label": "少于5次", "ok": False, "points": "0",
         "failed": {"fact": "n", "tests": [["less_than", "5"]], "value": "6"}}]


# not_above (FORMAT.md §6) ------------------------------------------------------------------------------------------


def test_a_fact_above_the_fact_it_may_not_exceed_is_refused_however_plain_the_values():
    """FORMAT.md §6: `not_above`: when both are supplied, the value may not exceed the other; FactsError otherwise —
    for plain ints as for text, on a scheme that has already scored a sheet."""
    scheme = plans_scheme()
    assert score(scheme, facts(applicants=6, placed=6)).derivations["placement_rate"] == (
        "placement_rate = 6 ÷ 6 × 100 = 100")
    for placed in (7, "7"):
        with pytest.raises(FactsError) as caught:
            score(scheme, facts(applicants=6, placed=placed), participant="站点B")
        assert (caught.value.key, caught.value.participant) == ("placed", "站点B")
        assert str(caught.value) == "participant '站点B': fact 'placed': 7 cannot exceed applicants (6)"


# a line remembered by the facts it reads (engine docstring: 1.5 and 1.50 are different inputs) --------------------


def test_a_number_written_with_more_decimals_is_shown_as_given_after_an_equal_one():
    """FORMAT.md §2: a number is kept exactly as given; sheet_to_dict writes Decimals as strings "so nothing is lost
    in transit" — 1.50 hours after 1.5 hours on the same scheme reads 1.50, as on a fresh scheme."""
    scheme = plans_scheme()
    first = score(scheme, facts(hours=D("1.5")))
    second = score(scheme, facts(hours=D("1.50")))
    assert line_dict(first, "training/hours")["inputs"] == {"hours": "1.5"}
    line = line_dict(second, "training/hours")
    assert (line["inputs"], line["points"], line["explanation"]) == ({"hours": "1.50"}, "1.50", "hours 1.5 × 1 = 1.50")
    assert sheet_to_dict(second) == sheet_to_dict(score(plans_scheme(), facts(hours=D("1.50"))))
    assert sheet_to_dict(score(scheme, facts(hours=D("1.5")))) == sheet_to_dict(first)


# rank-based lines depend on the cohort (FORMAT.md §4 rank; DOMAIN.md §6.4) -------------------------------------------


def test_a_rank_based_line_is_never_given_again_from_another_sheet_or_cohort():
    """FORMAT.md §4 `rank`: cohort only — scored alone the line needs the cohort; in a cohort its points follow the
    participant's place among the others (top 5, 1 less per place), whatever sheets the scheme scored before."""
    scheme = plans_scheme()
    alone = score(scheme, facts(bases=3)).line("ranked/bases")
    assert (alone.needs_cohort, alone.points) == (True, 0)
    second = score_cohort(scheme, {"a": facts(bases=3), "b": facts(bases=5)}).sheets["a"].line("ranked/bases")
    assert (second.needs_cohort, second.points) == (False, 4)
    assert second.explanation == "bases 3 ranks 2 of 2 eligible: 5.00 − (2 − 1) × 1 = 4.00"
    first = score_cohort(scheme, {"a": facts(bases=3), "c": facts(bases=1)}).sheets["a"].line("ranked/bases")
    assert (first.needs_cohort, first.points) == (False, 5)
    again = score(scheme, facts(bases=3)).line("ranked/bases")
    assert (again.needs_cohort, again.points, again.explanation) == (True, 0, alone.explanation)


# sums scored afresh (engine docstring: "a leaf whose lines do not repeat stops being remembered") ------------------


def test_sums_of_lines_that_never_repeat_are_what_a_fresh_scheme_gives():
    """FORMAT.md §3: a category is the sum of its regular items, at most its max; bonuses count apart; a line that
    needs the cohort leaves it provisional. After more sheets whose lines never repeat than the engine keeps
    trying to remember (_MEMO_FIRST_LOOK), every sum is scored afresh — to the same lines a fresh scheme gives."""
    scheme = plans_scheme()
    for x in range(_MEMO_FIRST_LOOK + 2):
        score(scheme, facts(x=x))
    for x in (20, 7, 0):
        sheet = score(scheme, facts(x=x))
        assert sheet_to_dict(sheet) == sheet_to_dict(score(plans_scheme(), facts(x=x))), x
    sheet = score(scheme, facts(x=20))
    work, ranked, extras = sheet.line("work"), sheet.line("ranked"), sheet.line("extras")
    assert (work.points, work.explanation) == (10, "Σ 10.00 = 10.00 of 10.00")  # at its max: not "capped"
    assert work.steps == [{"step": "sum", "parts": ["10"], "points": "10", "max": "10"}]
    assert (ranked.points, ranked.needs_cohort, ranked.complete) == (5, True, False)
    assert ranked.explanation == "Σ 5.00 + 0.00 = 5.00 of 10.00 — provisional: some lines are not scored yet"
    assert ranked.steps == [{"step": "sum", "parts": ["5", "0"], "points": "5", "max": "10"}, {"step": "provisional"}]
    assert line_dict(sheet, "ranked")["needs_cohort"] is True
    assert extras.explanation == "Σ no regular lines = 0.00 (bonus/penalty lines below count separately)"
    assert extras.points == 0 and extras.points.__class__ is Decimal  # Decimal arithmetic only (DOMAIN.md §6.1)
    assert extras.steps == [{"step": "sum", "parts": [], "points": "0", "max": "0"}, {"step": "extras_apart"}]
    assert (sheet.regular_total, sheet.bonus_total, sheet.total) == (D("23"), D("2"), D("25.00"))
