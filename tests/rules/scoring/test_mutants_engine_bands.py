"""Which band a total falls in, and what the sheet says of it (issue #18: survivors of the mutation run in
rules.scoring.engine ``_band_grade``, ``_band_steps``, ``_payment_ratio``, ``_subsidy``): the letter grade by score
band, the payment ratio and the subsidy, each with its explanation and steps, at the bands' edges. Explanations and
steps are shown to users (rules/schemes/FORMAT.md §4b "Letter grades by score band": ``grade_explanation``,
``grade_steps``), so they are asserted word for word.

The engine remembers a sheet's conclusion per scheme: every scheme here is built in the test that scores it. The
inline scheme is a fixture written for these tests (rules/schemes/FORMAT.md §1 [result], [payment], [subsidy],
§4b [grades] bands, payment by grade).
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
id = "bands-mutants"
title = "档次测试"
bureau = "测试局"
document_number = "测〔2024〕11号"
effective_date = 2024-01-01
source = "test fixture"
max_total = 20

[[cycles]]
id = "annual"
label = "年度"

[result]
pass_mark = 12
clause = "12分（含）以上合格"
bonus_cap = 4

[[vetoes]]
id = "leak"
label = "泄露数据"
effect = "fail"
when = { fact = "leak", is = true }
clause = "泄露数据的，考核不合格"

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
max = 4
example = { value = 1, reason = "创新" }
[facts.leak]
meaning = "数据泄露"
kind = "bool"
example = false

[[categories]]
id = "main"
title = "工作"
max = 20
clause = "工作（20分）"

[[categories.items]]
id = "work"
title = "工作评分"
max = 20
clause = "按工作情况评分，最高20分"
method = "judgement"
fact = "work"

[[categories.items]]
id = "extra"
title = "加分"
kind = "bonus"
max = 4
clause = "创新加分，最高4分"
method = "judgement"
fact = "extra"

[grades]
clause = "15分（含）以上为优秀，12分（含）至15分为合格，12分以下为不合格"
@FAILED@bands = [
  { min = 15, max = 20, max_inclusive = true, grade = "优秀", label = "15分（含）至20分（含）" },
  { min = 12, max = 15, grade = "合格" },
  { max = 12, grade = "不合格", label = "12分以下" },
]

[payment]
advance_share = 0.4
clause = "预付40%，余款按考核结果拨付"
[[payment.stages]]
id = "final"
label = "余款60%"
share = 0.6
@PAYMENT@
[subsidy]
requires_pass = @REQUIRES_PASS@
clause = "15分以上的补贴1500.50元"
[[subsidy.bands]]
min = 15
amount = 1500.50
label = "15分（含）以上：1500.50元"
"""

# payment by score: nothing below 12 (FORMAT.md §1 Payment: "A total matching no band has ratio 0")
BY_SCORE = """
[[payment.bands]]
min = 15
ratio = 1
label = "15分以上：100%"
consequence = "全额拨付"
[[payment.bands]]
min = 12
max = 15
ratio = 0.85
label = "12至15分：85%"
"""

# payment by grade (FORMAT.md §4b "Payment by grade")
BY_GRADE = """
[[payment.bands]]
grade = "优秀"
ratio = 1
label = "优秀：100%"
[[payment.bands]]
grade = "合格"
ratio = 0.8
label = "合格：80%"
[[payment.bands]]
grade = "不合格"
ratio = 0.5
label = "不合格：50%"
consequence = "限期整改"
"""


def build(*, failed: bool = False, by_grade: bool = False, requires_pass: bool = True):
    """A fresh scheme (its own remembered conclusions): pass mark 12 (inclusive), grades 优秀 [15, 20],
    合格 [12, 15) (no label), 不合格 < 12; with failed, a sheet that did not pass is 不合格 whatever its total."""
    text = (HEAD.replace("@FAILED@", 'failed = "不合格"\n' if failed else "")
            .replace("@PAYMENT@", BY_GRADE if by_grade else BY_SCORE)
            .replace("@REQUIRES_PASS@", "true" if requires_pass else "false"))
    return build_scheme(tomllib.loads(text, parse_float=Decimal), file="bands-mutants.toml")


def facts(work="10", extra="0", *, leak=False, **more):
    """The facts of one sheet; a judgement given as None is left out (not known yet)."""
    judged = {"work": work, "extra": extra}
    out = {k: {"value": v, "reason": "评定"} for k, v in judged.items() if v is not None}
    out.update(leak=leak, **more)
    return out


def band(lo, hi, lo_in=True, hi_in=False):
    return {"min": lo, "max": hi, "min_inclusive": lo_in, "max_inclusive": hi_in}


# -- letter grades by score band (FORMAT.md §4b: "min inclusive, max exclusive by default") -------------------------

TOP = band("15", "20", True, True)


@pytest.mark.parametrize("work, extra, grade, text, step_band, label", [
    ("20", "0", "优秀", "20.00 is in [15, 20] → 优秀 (15分（含）至20分（含）)", TOP, "15分（含）至20分（含）"),
    ("15", "0", "优秀", "15.00 is in [15, 20] → 优秀 (15分（含）至20分（含）)", TOP, "15分（含）至20分（含）"),
    ("14.99", "0", "合格", "14.99 is in [12, 15) → 合格", band("12", "15"), ""),
    ("12", "0", "合格", "12.00 is in [12, 15) → 合格", band("12", "15"), ""),
    ("11.99", "0", "不合格", "11.99 is in < 12 → 不合格 (12分以下)", band(None, "12"), "12分以下"),
])
def test_a_total_is_graded_by_the_band_it_falls_in_and_a_label_is_shown_only_when_the_band_has_one(
        work, extra, grade, text, step_band, label):
    """FORMAT.md §4b: bands are [min, max) unless written otherwise; the grade explanation names the band and the
    grade, then the band's label in brackets when it has one (a band without a label adds nothing)."""
    sheet = score(build(), facts(work=work, extra=extra))
    assert sheet.grade == grade
    assert sheet.grade_explanation == text
    assert sheet.grade_steps == [{"step": "grade_band", "total": work, "band": step_band, "grade": grade,
                                  "label": label, "consequence": ""}]


def test_a_bonus_total_above_the_highest_closed_band_is_in_no_grade_band():
    """FORMAT.md §4b: `no_grade_band` for a bonus total above the highest closed band — 20 + bonus 2 = 22 is above
    [15, 20]: no grade, and the explanation and step give the total."""
    sheet = score(build(), facts(work="20", extra="2"))
    assert sheet.total == D(22) and sheet.passed is True
    assert sheet.grade is None
    assert sheet.grade_explanation == "22.00 is in no grade band"
    assert sheet.grade_steps == [{"step": "no_grade_band", "total": "22"}]


@pytest.mark.parametrize("work, leak", [("11.99", False), ("16", True)])
def test_a_sheet_that_did_not_pass_is_given_the_failed_grade_whatever_its_total(work, leak):
    """FORMAT.md §4b `failed`: "the grade of a sheet that did not pass (pass mark or veto)" — 11.99 is below the
    pass mark, 16 is vetoed (it would be 优秀 by its total): both are 不合格, by a `grade_failed` step."""
    sheet = score(build(failed=True), facts(work=work, leak=leak))
    assert sheet.passed is False
    assert sheet.grade == "不合格"
    assert sheet.grade_explanation == "failed → 不合格"
    assert sheet.grade_steps == [{"step": "grade_failed", "grade": "不合格"}]


def test_an_incomplete_sheet_has_no_grade_no_payment_ratio_and_no_subsidy_and_says_why():
    """A sheet missing a fact has no result (FORMAT.md §4b `grade_incomplete`); its payment ratio and subsidy are
    unknown too, and each explanation says they wait for every fact."""
    sheet = score(build(), facts(work="16", extra=None))
    assert sheet.complete is False
    assert (sheet.grade, sheet.grade_explanation, sheet.grade_steps) == (
        None, "incomplete: no grade", [{"step": "grade_incomplete"}])
    assert sheet.payment_ratio is None
    assert sheet.payment_explanation == "incomplete: no payment ratio until every fact is in"
    assert sheet.payment_steps == [{"step": "incomplete_no_payment"}]
    assert sheet.subsidy is None
    assert sheet.subsidy_explanation == "incomplete: no subsidy until every fact is in"
    assert sheet.subsidy_steps == [{"step": "incomplete_no_subsidy"}]


# -- payment (FORMAT.md §1 Payment; §4b "Payment by grade") ----------------------------------------------------------


@pytest.mark.parametrize("work, leak, ratio, text, step", [
    ("15", False, D(1), "15.00 is in ≥ 15 (15分以上：100%) → 100%; 全额拨付",
     {"step": "payment_band", "total": "15", "band": band("15", None), "label": "15分以上：100%", "value": "100",
      "consequence": "全额拨付", "vetoed": False}),
    ("14.99", False, D("0.85"), "14.99 is in [12, 15) (12至15分：85%) → 85%",
     {"step": "payment_band", "total": "14.99", "band": band("12", "15"), "label": "12至15分：85%", "value": "85",
      "consequence": "", "vetoed": False}),
    ("11.99", False, D(0), "11.99 is in no payment band → 0%",
     {"step": "no_payment_band", "total": "11.99", "vetoed": False}),
    ("11.99", True, D(0), "vetoed: no scored payment is due",
     {"step": "no_payment_band", "total": "11.99", "vetoed": True}),
    ("16", True, D(0), "vetoed: no scored payment is due; 16.00 is in ≥ 15 (15分以上：100%) → 100%; 全额拨付",
     {"step": "payment_band", "total": "16", "band": band("15", None), "label": "15分以上：100%", "value": "100",
      "consequence": "全额拨付", "vetoed": True}),
])
def test_the_payment_ratio_is_the_band_the_total_falls_in_and_a_vetoed_sheet_is_paid_nothing(work, leak, ratio,
                                                                                              text, step):
    """FORMAT.md §1 Payment: the first band the total falls in gives the ratio, a total in no band gets 0; a
    vetoed sheet is paid nothing, and says so whether or not its total falls in a band."""
    sheet = score(build(), facts(work=work, leak=leak))
    assert sheet.payment_ratio == ratio
    assert sheet.payment_explanation == text
    assert sheet.payment_steps == [step]


@pytest.mark.parametrize("work, leak, grade, ratio, label, value, consequence", [
    ("15", False, "优秀", D(1), "优秀：100%", "100", ""),
    ("12", False, "合格", D("0.8"), "合格：80%", "80", ""),
    ("11.99", False, "不合格", D("0.5"), "不合格：50%", "50", "限期整改"),
    ("16", True, "不合格", D(0), "不合格：50%", "50", "限期整改"),
])
def test_payment_by_grade_pays_the_band_of_the_sheets_grade_and_its_step_names_the_grade(work, leak, grade, ratio,
                                                                                          label, value, consequence):
    """FORMAT.md §4b "Payment by grade": the payment band is the one naming the sheet's grade (a vetoed sheet's is
    `failed`, and it is paid nothing), and "its `payment_band` step" carries the grade."""
    sheet = score(build(failed=True, by_grade=True), facts(work=work, leak=leak))
    assert sheet.grade == grade
    assert sheet.payment_ratio == ratio
    assert sheet.payment_steps == [{"step": "payment_band", "total": work, "band": band(None, None), "label": label,
                                    "value": value, "consequence": consequence, "vetoed": leak, "grade": grade}]


# -- subsidy (FORMAT.md §1 Subsidy: fixed amounts by score band, requires_pass defaults to true) ----------------------


def test_a_sheet_that_did_not_pass_gets_no_subsidy_and_says_so():
    sheet = score(build(), facts(work="11.99"))
    assert sheet.passed is False
    assert sheet.subsidy == 0
    assert sheet.subsidy_explanation == "not passed: no subsidy is due"
    assert sheet.subsidy_steps == [{"step": "not_passed_no_subsidy"}]


@pytest.mark.parametrize("requires_pass, work", [(True, "14.99"), (True, "12"), (False, "11.99"), (False, "0")])
def test_a_total_in_no_subsidy_band_gets_nothing_and_the_explanation_shows_the_total_and_no_money(requires_pass,
                                                                                                  work):
    """FORMAT.md §1 Subsidy: [15, …) pays; a total below it (passed, or not needing to pass) is in no band: ¥0.00."""
    sheet = score(build(requires_pass=requires_pass), facts(work=work))
    assert sheet.subsidy == 0
    assert sheet.subsidy_explanation == f"{D(work):.2f} is in no subsidy band → ¥0.00"
    assert sheet.subsidy_steps == [{"step": "no_subsidy_band", "total": work, "vetoed": False}]


def test_a_total_at_the_lower_edge_of_a_subsidy_band_gets_its_amount():
    """[15, …) includes 15; the amount is money, shown to the cent (¥1,500.50)."""
    sheet = score(build(), facts(work="15"))
    assert sheet.subsidy == D("1500.50")
    assert sheet.subsidy_explanation == "15.00 is in ≥ 15 (15分（含）以上：1500.50元) → ¥1,500.50"
