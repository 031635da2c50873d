"""Bands of a scheme file — payment bands, subsidy bands and letter grades by score band — are validated on load
(rules/schemes/FORMAT.md: [payment], [subsidy], §4b, §6 R4). A refusal names the file, the path of the band or of
its field, and the problem, word for word: the message is what the scheme's author reads. Issue #18: the survivors
of the mutation run in rules.scoring.loader `_Builder.band` and `_Builder.check_bands_disjoint`.
"""
from __future__ import annotations

import copy
import tomllib
from decimal import Decimal

import pytest

from rules.scoring import SchemeError
from rules.scoring.loader import build_scheme

D = Decimal
FILE = "bands-2024.toml"

# A small valid scheme: one fixed 10-point item, the whole fee paid by score band (≥ 6: all of it).
BASE = tomllib.loads("""
[scheme]
id = "bands-2024"
title = "档次方案"
bureau = "测试局"
document_number = ""
effective_date = 2024-01-01
source = "fixture"
max_total = 10

[[cycles]]
id = "annual"
label = "年度"

[result]
pass_mark = 6
clause = "6分以上合格"

[[categories]]
id = "work"
title = "工作"
max = 10
clause = "工作（10分）"

[[categories.items]]
id = "done"
title = "完成"
max = 10
clause = "完成得10分"
method = "fixed"

[payment]
clause = "按得分拨付"
[[payment.stages]]
id = "final"
label = "全款"
share = 1
[[payment.bands]]
min = 6
ratio = 1
""", parse_float=Decimal)


def build(**tables):
    """The base scheme with payment/subsidy/grades bands replaced (None: leave the table as it is)."""
    d = copy.deepcopy(BASE)
    if "payment" in tables:
        d["payment"]["bands"] = tables["payment"]
    if "subsidy" in tables:
        d["subsidy"] = {"clause": "按得分补贴", "bands": tables["subsidy"]}
    if "grades" in tables:
        d["grades"] = {"clause": "6分以上合格", "bands": tables["grades"]}
    return build_scheme(d, file=FILE)


def refusal(**tables) -> str:
    with pytest.raises(SchemeError) as caught:
        build(**tables)
    return str(caught.value)


PASSED = {"grade": "合格", "min": 6}
FAILED = {"grade": "不合格", "max": 6}


# -- a band is a table with the keys of its kind --------------------------------------------------------------------

def test_a_band_that_is_not_a_table_is_refused_at_its_index():
    """FORMAT.md [payment]: each `[[payment.bands]]` entry is a table; the refusal names the entry."""
    assert refusal(payment=[5]) == f"{FILE}: payment.bands[0]: expected a table, got int"


BAND_KEYS = "label, max, max_inclusive, min, min_inclusive"


@pytest.mark.parametrize("kind, band, message", [
    # a subsidy band has an amount, and no consequence (R4 gives consequence to payment bands only)
    ("subsidy", {"min": 6, "amount": 1000, "consequence": "限期整改"},
     f"subsidy.bands[0]: unknown key(s) consequence; allowed: amount, {BAND_KEYS}"),
    ("subsidy", {"min": 6, "amount": 1000, "rectify_within_months": 1},
     f"subsidy.bands[0]: unknown key(s) rectify_within_months; allowed: amount, {BAND_KEYS}"),
    # a letter-grade band has a grade (and may have a consequence), never a value
    ("grades", {"grade": "合格", "min": 6, "ratio": 1},
     f"grades.bands[0]: unknown key(s) ratio; allowed: consequence, grade, {BAND_KEYS}"),
    # a payment band has a ratio, and R4's consequence and rectify_within_months
    ("payment", {"min": 6, "ratio": 1, "amount": 1000},
     f"payment.bands[0]: unknown key(s) amount; allowed: consequence, grade, {BAND_KEYS}, ratio, "
     "rectify_within_months"),
])
def test_a_band_accepts_only_the_keys_of_its_kind(kind, band, message):
    """FORMAT.md [payment], [subsidy], §4b 'Letter grades by score band' and §6 R4: unknown keys are refused, and
    the message lists the keys that band may have."""
    others = {"grades": [band, FAILED]} if kind == "grades" else {kind: [band]}
    assert refusal(**others) == f"{FILE}: {message}"


def test_a_letter_grade_band_may_carry_a_consequence():
    """FORMAT.md §4b: the grade_band step carries the band's 'label and consequence'."""
    scheme = build(grades=[{**PASSED, "consequence": "正常拨付"}, {**FAILED, "consequence": "限期整改"}])
    assert [(b.grade, b.consequence) for b in scheme.grades.bands] == [("合格", "正常拨付"), ("不合格", "限期整改")]


def test_a_payment_band_keeps_its_consequence_and_months_to_rectify():
    """FORMAT.md §6 R4: payment bands accept consequence and rectify_within_months."""
    scheme = build(payment=[{"min": 6, "ratio": 1, "label": "合格"},
                            {"max": 6, "ratio": D("0.5"), "consequence": "限一个月内整改", "rectify_within_months": 1}])
    low = scheme.payment.bands[1]
    assert (low.consequence, low.rectify_within_months, low.value, low.label) == ("限一个月内整改", 1, D("0.5"), "")
    assert scheme.payment.bands[0].label == "合格"


# -- each field of a band, and where a bad one is -------------------------------------------------------------------

@pytest.mark.parametrize("months, shown", [(0, "0"), (-1, "-1"), (True, "True"), (D("1.5"), "Decimal('1.5')"),
                                           ("1", "'1'")])
def test_months_to_rectify_are_a_positive_whole_number(months, shown):
    """FORMAT.md §6 R4: `rectify_within_months = 1` — a whole number of months, at least 1 (not a boolean)."""
    message = refusal(payment=[{"min": 6, "ratio": 1}, {"max": 6, "ratio": 0, "rectify_within_months": months}])
    assert message == (f"{FILE}: payment.bands[1].rectify_within_months: "
                       f"expected a positive whole number of months, got {shown}")


@pytest.mark.parametrize("field, value, problem", [
    ("min", "6", "expected a number, got str '6'"),
    ("max", "9", "expected a number, got str '9'"),
    ("min_inclusive", "yes", "expected true or false, got 'yes'"),
    ("max_inclusive", 1, "expected true or false, got 1"),
    ("ratio", "1", "expected a number, got str '1'"),
    ("label", 90, "expected a string, got int"),
    ("consequence", ["整改"], "expected a string, got list"),
    ("grade", 1, "expected a string, got int"),
])
def test_a_bad_payment_band_field_is_named_by_its_path(field, value, problem):
    """FORMAT.md (loader): the message names the file, the item path down to the field, and what is wrong."""
    band = {"min": 6, "ratio": 1, field: value}
    assert refusal(payment=[band]) == f"{FILE}: payment.bands[0].{field}: {problem}"


def test_a_bad_subsidy_amount_and_grade_name_are_named_by_their_path():
    """FORMAT.md [subsidy] and §4b: `amount` is a number, `grade` a string; the path names the field."""
    assert refusal(subsidy=[{"min": 6, "amount": "4万"}]) == \
        f"{FILE}: subsidy.bands[0].amount: expected a number, got str '4万'"
    assert refusal(grades=[{"grade": 1, "min": 6}, FAILED]) == \
        f"{FILE}: grades.bands[0].grade: expected a string, got int"


@pytest.mark.parametrize("kind, band, message", [
    ("payment", {"min": 6, "ratio": D("-0.1")}, "payment.bands[0].ratio: must be ≥ 0, got −0.1"),
    ("subsidy", {"min": 6, "amount": -1000}, "subsidy.bands[0].amount: must be ≥ 0, got −1,000"),
])
def test_a_payment_ratio_or_subsidy_amount_is_not_negative(kind, band, message):
    """FORMAT.md [payment] (`ratio` of a stage's share) and [subsidy] (`amount`): nothing below 0 is paid."""
    assert refusal(**{kind: [band]}) == f"{FILE}: {message}"


def test_a_band_needs_its_value():
    """FORMAT.md [payment]: a payment band pays a `ratio`; without it the band is refused."""
    assert refusal(payment=[{"min": 6}]) == f"{FILE}: payment.bands[0]: missing 'ratio'"


@pytest.mark.parametrize("band, message", [
    ({"min": 6}, "grades.bands[0]: missing 'grade'"),
    ({"min": 6, "grade": " "}, "grades.bands[0].grade: must not be empty"),
])
def test_a_letter_grade_band_names_its_grade(band, message):
    """FORMAT.md §4b: each `[grades]` band is `{ grade = "…", min, max, label }`: the grade is required."""
    assert refusal(grades=[band, FAILED]) == f"{FILE}: {message}"


def test_a_payment_band_need_not_name_a_grade_label_or_consequence():
    """FORMAT.md [payment]: label, consequence and grade are optional on a payment band by score."""
    band = build().payment.bands[0]
    assert (band.min, band.max, band.min_inclusive, band.max_inclusive) == (D(6), None, True, False)
    assert (band.grade, band.label, band.consequence, band.rectify_within_months) == ("", "", "", None)


# -- bounds -----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind, band, message", [
    ("payment", {"min": 8, "max": 6, "ratio": 1}, "payment.bands[0]: min 8 is above max 6"),
    ("subsidy", {"min": D("60.5"), "max": 1, "amount": 0}, "subsidy.bands[0]: min 60.5 is above max 1"),
])
def test_a_band_whose_min_is_above_its_max_is_refused(kind, band, message):
    """DOMAIN.md §6.1 via FORMAT.md: a band is an interval from min to max; min above max is no interval."""
    assert refusal(**{kind: [band]}) == f"{FILE}: {message}"


def test_a_band_of_one_value_min_equal_to_max_loads():
    """DOMAIN.md §6.1 via FORMAT.md: bands are written with explicit inclusivity, so [10, 10] is the single total 10
    (e.g. full marks pay a bonus), and min equal to max is not 'above' it."""
    scheme = build(payment=[{"min": 10, "max": 10, "max_inclusive": True, "ratio": 1},
                            {"min": 6, "max": 10, "ratio": D("0.9")}])
    top = scheme.payment.bands[0]
    assert (top.min, top.max, top.contains(D(10)), top.contains(D("9.99"))) == (D(10), D(10), True, False)


# -- bands of one table do not overlap -------------------------------------------------------------------------------

def test_two_bands_open_below_overlap_below_the_lower_max():
    """FORMAT.md [payment] ('omit min/max for an open end') and §6b: overlapping bands are refused. Two bands without
    a min (< 6 and < 5) share every total below 5; the first such total on the probe grain is 4.999."""
    assert refusal(payment=[{"max": 6, "ratio": D("0.5")}, {"max": 5, "ratio": 0}]) == \
        f"{FILE}: payment.bands: bands [0, 1] overlap at 4.999"
    assert refusal(subsidy=[{"max": 5, "amount": 0}, {"max": 6, "amount": 100}]) == \
        f"{FILE}: subsidy.bands: bands [0, 1] overlap at 4.999"


def test_bands_that_touch_at_an_excluded_end_do_not_overlap():
    """FORMAT.md [subsidy]: `max = 70` is [60, 70) with the defaults, so [60, 70) and ≥ 70 meet without overlap;
    with max_inclusive = true they share 70."""
    scheme = build(subsidy=[{"min": 60, "max": 70, "amount": 40000}, {"min": 70, "amount": 50000}])
    assert [b.value for b in scheme.subsidy.bands] == [D(40000), D(50000)]
    assert refusal(subsidy=[{"min": 60, "max": 70, "max_inclusive": True, "amount": 40000},
                            {"min": 70, "amount": 50000}]) == f"{FILE}: subsidy.bands: bands [0, 1] overlap at 70"
