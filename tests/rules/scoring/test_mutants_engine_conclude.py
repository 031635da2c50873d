"""A sheet's conclusion as a reader sees it (issue #18: survivors of the mutation run in rules.scoring.engine
``_conclude``): the total and its explanation (bonus cap, floor, rounding), pass/fail and the result text, and the
payment and subsidy steps. Every word of an explanation is read by someone, so the texts are asserted whole.

The engine remembers a sheet's conclusion per scheme: every scheme here is built in the test that scores it. The
inline scheme is a fixture written for these tests (rules/schemes/FORMAT.md §1, [result], [grades], [payment],
[subsidy]).
"""
from __future__ import annotations

import tomllib
from decimal import Decimal

import pytest

from rules.scoring import score
from rules.scoring.loader import build_scheme

D = Decimal

HEAD = """
[scheme]
id = "conclude-mutants"
title = "结论测试"
bureau = "测试局"
document_number = "测〔2024〕9号"
effective_date = 2024-01-01
source = "test fixture"
max_total = 20

[[cycles]]
id = "annual"
label = "年度"

[result]
pass_mark = 12
clause = "12分以上合格"
bonus_cap = 4
total_floor = 1

[[vetoes]]
id = "leak"
label = "泄露数据"
effect = "fail"
when = { fact = "leak", is = true }
clause = "泄露数据的，考核不合格"

[[vetoes]]
id = "late"
label = "迟报过多"
effect = "fail"
when = { fact = "late_reports", more_than = 3 }
clause = "迟报超过3次的，考核不合格"

[facts.work]
meaning = "工作评分"
kind = "judgement"
min = 0
max = 20
example = { value = 15, reason = "好" }
[facts.extra]
meaning = "加分"
kind = "judgement"
min = 0
max = 6
example = { value = 1, reason = "创新" }
[facts.fine]
meaning = "扣分"
kind = "judgement"
min = 0
max = 30
example = { value = 1, reason = "迟报" }
[facts.leak]
meaning = "数据泄露"
kind = "bool"
example = false
[facts.late_reports]
meaning = "迟报次数"
kind = "count"
example = 0
[facts.placed]
meaning = "安置人数"
kind = "count"
example = 10

[[categories]]
id = "main"
title = "工作"
max = 20
clause = "工作（20分）"
"""

WORK = """
[[categories.items]]
id = "work"
title = "工作评分"
max = 20
clause = "按工作情况评分，最高20分"
method = "judgement"
fact = "work"
"""

# the same 20 points, half of them by rank in the cohort (FORMAT.md §4, method rank)
WORK_AND_RANK = """
[[categories.items]]
id = "work"
title = "工作评分"
max = 10
clause = "按工作情况评分，最高10分"
method = "judgement"
fact = "work"

[[categories.items]]
id = "placed"
title = "安置排名"
max = 10
clause = "按安置人数排名，第1名10分，每低1名减1分"
method = "rank"
fact = "placed"
top = 10
step = 1
"""

REST = """
[[categories.items]]
id = "extra"
title = "加分"
kind = "bonus"
max = 6
clause = "创新加分，最高6分"
method = "judgement"
fact = "extra"

[[categories.items]]
id = "fine"
title = "扣分"
kind = "penalty"
clause = "违规扣分"
method = "judgement"
fact = "fine"

[grades]
clause = "15分以上为优秀，12分以上为合格，12分以下为不合格"
bands = [
  { min = 15, grade = "A", label = "优秀" },
  { min = 12, max = 15, grade = "B", label = "合格" },
  { max = 12, grade = "C", label = "不合格" },
]

[payment]
advance_share = 0.4
clause = "预付40%，余款按等次拨付"
[[payment.stages]]
id = "final"
label = "余款60%"
share = 0.6
[[payment.bands]]
grade = "A"
ratio = 1
label = "优秀：100%"
[[payment.bands]]
grade = "B"
ratio = 0.8
label = "合格：80%"
[[payment.bands]]
grade = "C"
ratio = 0.5
label = "不合格：50%"

[subsidy]
clause = "合格的补贴1000元"
[[subsidy.bands]]
min = 12
amount = 1000
label = "12分以上：1000元"
"""


def build(*, rank: bool = False):
    """A fresh scheme (its own remembered conclusions): bonus_cap 4, total_floor 1, pass mark 12 inclusive."""
    text = HEAD + (WORK_AND_RANK if rank else WORK) + REST
    if rank:  # the judged part is worth 10 there
        text = text.replace("max = 20\nexample = { value = 15", "max = 10\nexample = { value = 5", 1)
    return build_scheme(tomllib.loads(text, parse_float=Decimal), file="conclude-mutants.toml")


def facts(work="10", extra="0", fine="0", *, leak=False, late=0, **more):
    """The facts of one sheet; a judgement given as None is left out (not known yet)."""
    judged = {"work": (work, "评定"), "extra": (extra, "创新"), "fine": (fine, "违规")}
    out = {k: {"value": v, "reason": why} for k, (v, why) in judged.items() if v is not None}
    out.update(leak=leak, late_reports=late, **more)
    return out


def band_open():
    return {"min": None, "max": None, "min_inclusive": True, "max_inclusive": False}


# -- the bonus cap (FORMAT.md §1 [result]: "bonus_cap: cap on the sum of all bonus items") -------------------------


@pytest.mark.parametrize("extra, shown, steps", [
    ("3", "+ bonus 3.00", {"step": "bonus_total", "raw": "3", "points": "3", "cap": None}),
    ("4", "+ bonus 4.00", {"step": "bonus_total", "raw": "4", "points": "4", "cap": None}),
    ("5", "+ bonus 5.00 capped at 4.00", {"step": "bonus_total", "raw": "5", "points": "4", "cap": "4"}),
])
def test_a_bonus_is_capped_only_above_the_cap_and_the_cap_is_shown_only_then(extra, shown, steps):
    """FORMAT.md [result] bonus_cap = 4: a bonus of 4 is exactly the cap and is not "capped"; 5 is capped at 4.
    The bonus step names the cap only when the cap changed the bonus."""
    sheet = score(build(), facts(work="10", extra=extra))
    bonus = min(D(extra), D(4))
    assert sheet.bonus_total == bonus
    assert sheet.total == 10 + bonus
    assert sheet.total_explanation == f"regular 10.00 (of 20.00) {shown} − penalties 0.00 = {10 + bonus:.2f}"
    assert sheet.total_steps == [{"step": "regular", "points": "10", "max": "20"}, steps,
                                 {"step": "penalty_total", "points": "0"}, {"step": "total", "points": str(10 + bonus)}]


# -- the floor (FORMAT.md §1 [result]: "total_floor: the total is never below this"; DOMAIN.md §6.2) -------------


def test_a_total_exactly_at_the_floor_is_not_raised_and_says_nothing_of_the_floor():
    """total_floor = 1: 3 − 2 = 1 is the floor itself, not below it: no "never below", no floor step."""
    sheet = score(build(), facts(work="3", fine="2"))
    assert sheet.total == D(1) and sheet.total_exact == D(1)
    assert sheet.total_explanation == "regular 3.00 (of 20.00) + bonus 0.00 − penalties 2.00 = 1.00"
    assert sheet.total_steps == [{"step": "regular", "points": "3", "max": "20"},
                                 {"step": "bonus_total", "raw": "0", "points": "0", "cap": None},
                                 {"step": "penalty_total", "points": "2"}, {"step": "total", "points": "1"}]


def test_a_total_below_the_floor_is_raised_to_it_and_the_whole_sum_is_still_shown():
    """total_floor = 1: 3 − 5 = −2 is shown, then raised to 1 (DOMAIN.md §6.2, "never below")."""
    sheet = score(build(), facts(work="3", fine="5"))
    assert sheet.total == D(1) and sheet.total_exact == D(1)
    assert sheet.total_explanation == ("regular 3.00 (of 20.00) + bonus 0.00 − penalties 5.00 = −2.00, "
                                       "never below 1.00 (DOMAIN.md §6.2)")
    assert sheet.total_steps[-2:] == [{"step": "total", "points": "-2"},
                                      {"step": "floor", "floor": "1", "points": "1"}]


# -- rounding (DOMAIN.md §6.1: only the total is rounded, half up, 2 decimals) ------------------------------------


def test_a_rounded_total_shows_the_exact_sum_and_where_it_rounds_to():
    """13.125 + 4 = 17.125 → 17.13 (half up); the explanation shows both."""
    sheet = score(build(), facts(work="13.125", extra="4"))
    assert sheet.total == D("17.13") and sheet.total_exact == D("17.125")
    assert sheet.total_explanation == "regular 13.13 (of 20.00) + bonus 4.00 − penalties 0.00 = 17.125 → 17.13"
    assert sheet.total_steps[-2:] == [{"step": "total", "points": "17.125"}, {"step": "rounded", "points": "17.13"}]


# -- an incomplete sheet says what it lacks (FORMAT.md §4: a rank leaf scored alone needs the cohort) -------------


@pytest.mark.parametrize("rank, given, text, missing, needs_cohort", [
    (False, dict(extra=None, fine=None), "incomplete: missing fact(s) extra, fine", ["extra", "fine"], False),
    (False, dict(fine=None), "incomplete: missing fact(s) fine", ["fine"], False),
    (True, dict(placed=7), "incomplete: rank-based items need the cohort", [], True),
    (True, dict(placed=7, extra=None, fine=None),
     "incomplete: missing fact(s) extra, fine; rank-based items need the cohort", ["extra", "fine"], True),
])
def test_an_incomplete_sheet_names_the_missing_facts_and_the_cohort_it_needs(rank, given, text, missing,
                                                                             needs_cohort):
    """An incomplete sheet has no result: its text lists the missing facts (comma-separated), and, when a rank
    leaf is scored alone, says the rank-based items need the cohort (after "; " if facts are missing too)."""
    sheet = score(build(rank=rank), facts(work="8", **given))
    assert sheet.complete is False and sheet.passed is None
    assert sheet.missing_facts == missing
    assert sheet.result_explanation == text
    assert sheet.result_steps == [{"step": "incomplete", "facts": missing, "needs_cohort": needs_cohort}]
    assert sheet.payment_steps == [{"step": "incomplete_no_payment"}]
    assert sheet.subsidy_steps == [{"step": "incomplete_no_subsidy"}]


# -- vetoes (一票否决) ---------------------------------------------------------------------------------------------


def test_a_sheet_failed_by_vetoes_names_each_veto_and_is_paid_nothing():
    """Every veto that holds is named in the result, joined by "; "; a vetoed sheet is paid nothing, and its
    payment step says so (FORMAT.md "A vetoed sheet is paid nothing, as always")."""
    sheet = score(build(), facts(work="16", leak=True, late=5))
    assert sheet.passed is False
    assert sheet.result_explanation == ("failed by veto: 泄露数据: leak is yes (leak = yes) → fail; "
                                        "迟报过多: late_reports > 3 (late_reports = 5) → fail")
    assert [step["label"] for step in sheet.result_steps] == ["泄露数据", "迟报过多"]
    assert sheet.payment_ratio == 0
    assert sheet.payment_steps == [{"step": "payment_band", "total": "16", "band": band_open(), "label": "优秀：100%",
                                    "value": "100", "consequence": "", "vetoed": True, "grade": "A"}]
    assert sheet.subsidy_steps == [{"step": "not_passed_no_subsidy"}]


def test_one_veto_alone_is_named_alone():
    sheet = score(build(), facts(work="16", leak=True))
    assert sheet.result_explanation == "failed by veto: 泄露数据: leak is yes (leak = yes) → fail"


# -- pass/fail, payment by grade and subsidy (FORMAT.md §1 [subsidy] requires_pass; "Payment by grade") -----------


@pytest.mark.parametrize("work, grade, label, value", [("16", "A", "优秀：100%", "100"), ("12", "B", "合格：80%", "80"),
                                                       ("11.5", "C", "不合格：50%", "50")])
def test_the_payment_step_is_the_band_of_the_sheets_grade(work, grade, label, value):
    """Payment bands by grade: the payment step is the band of the grade the total falls in, with the grade."""
    sheet = score(build(), facts(work=work))
    assert sheet.grade == grade
    assert sheet.payment_steps == [{"step": "payment_band", "total": work, "band": band_open(), "label": label,
                                    "value": value, "consequence": "", "vetoed": False, "grade": grade}]


def test_a_failed_sheet_gets_no_subsidy_and_its_step_says_why():
    """[subsidy] requires_pass defaults to true: 11.50 is not ≥ 12, nothing is due, and the step says "not passed"
    rather than looking for a band."""
    sheet = score(build(), facts(work="11.5"))
    assert sheet.passed is False
    assert sheet.result_explanation == "11.50 is not ≥ 12.00: failed (12分以上合格)"
    assert sheet.subsidy == 0 and sheet.subsidy_explanation == "not passed: no subsidy is due"
    assert sheet.subsidy_steps == [{"step": "not_passed_no_subsidy"}]


def test_a_passed_sheet_gets_the_subsidy_of_its_band():
    sheet = score(build(), facts(work="12"))
    assert sheet.passed is True
    assert sheet.result_explanation == "12.00 ≥ 12.00: passed (12分以上合格)"
    assert sheet.subsidy_steps == [{"step": "subsidy_band", "total": "12",
                                    "band": {"min": "12", "max": None, "min_inclusive": True, "max_inclusive": False},
                                    "label": "12分以上：1000元", "value": "1000", "consequence": "", "vetoed": False}]
