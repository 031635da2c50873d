"""Edges of letter grades by band and payment by grade, pinned exactly: where a band by grade matches, which
neighbouring bands leave a hole, the grades a scheme can give, a floor below zero, a failed grade of its own."""
from __future__ import annotations

import tomllib
from decimal import Decimal as D
from pathlib import Path

import pytest

from rules.scoring import SchemeError, score
from rules.scoring.loader import _first_hole, build_scheme
from rules.scoring.model import Band, GradeQuota, Grades

TEXT = (Path(__file__).parent / "graded" / "graded-2025.toml").read_text(encoding="utf-8")


def _variant(*edits):
    text = TEXT
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return build_scheme(tomllib.loads(text, parse_float=D), file="graded-2025.toml")


def test_a_band_by_grade_matches_its_grade_only_and_a_band_by_score_its_values_only():
    by_grade = Band(min=None, max=None, grade="良好")
    assert [by_grade.matches(D("85"), g) for g in ("良好", "优秀", None)] == [True, False, False]
    by_score = Band(min=D("80"), max=D("90"), grade="良好")
    assert [by_score.matches(D(x), "优秀") for x in ("79.99", "80", "89.99", "90")] == [False, True, True, False]
    assert Band(min=None, max=None).matches(D("1"), None) is True
    assert (by_grade.describe(), Band(min=None, max=None).describe()) == ("grade 良好", "any value")


@pytest.mark.parametrize("a, b, hole", [
    (Band(D(80), D(90)), Band(D(90), None), None),                                    # [80, 90) then ≥ 90
    (Band(D(80), D(90), max_inclusive=True), Band(D(90), None, min_inclusive=False), None),  # [80, 90] then > 90
    (Band(D(80), D(90)), Band(D(90), None, min_inclusive=False), D("90")),            # [80, 90) then > 90: 90
    (Band(D(80), D("89.99"), max_inclusive=True), Band(D(90), None), None),          # totals are cents
    (Band(D(80), D("89.99")), Band(D(90), None), D("89.99")),
    (Band(D(80), D(89)), Band(D(90), None), D("89")),
    (Band(D(0), D(50)), Band(D(60), None), D("50")),                                  # a wide hole: its first total
    (Band(None, D(60)), Band(D(60), D(80)), None),
])
def test_the_first_total_between_two_bands_in_neither(a, b, hole):
    assert _first_hole(a, b) == hole


def test_the_grades_a_scheme_can_give():
    bands = (Band(D(60), None, grade="合格"), Band(None, D(60), grade="不合格"))
    assert Grades(quotas=(), rest="", failed="取消资格", bands=bands).names() == ["合格", "不合格", "取消资格"]
    assert Grades(quotas=(), rest="", failed="不合格", bands=bands).names() == ["合格", "不合格"]
    assert Grades(quotas=(), rest="", failed="", bands=bands).names() == ["合格", "不合格"]
    quotas = Grades(quotas=(GradeQuota("A", D("0.1")), GradeQuota("B", D("0.2"))), rest="D", failed="E")
    assert (quotas.names(), quotas.by_band) == (["A", "B", "D", "E"], False)


def test_a_floor_below_zero_must_be_graded_too():
    with pytest.raises(SchemeError) as exc:
        _variant(('clause = "60分（含）以上为合格"\n', 'clause = "60分（含）以上为合格"\ntotal_floor = -10\n'),
                 ('{ grade = "不合格", max = 60,', '{ grade = "不合格", min = 0, max = 60,'))
    assert str(exc.value) == ("graded-2025.toml: grades.bands: a total of −10 is in no band: the lowest band starts "
                              "at [0, 60)")


def test_the_lowest_band_may_start_exactly_at_the_floor():
    scheme = _variant(('{ grade = "不合格", max = 60,', '{ grade = "不合格", min = 0, max = 60,'))
    assert [b.describe() for b in scheme.grades.bands][-1] == "[0, 60)"


def test_the_highest_band_may_end_exactly_at_full_marks_inclusive():
    scheme = _variant(('{ grade = "优秀", min = 90, label', '{ grade = "优秀", min = 90, max = 100, max_inclusive = true, label'))
    sheet = score(scheme, {"quality_grade": "优", "satisfaction_grade": "A", "late_days": D(0), "serious_incident": False})
    assert (str(sheet.total), sheet.grade) == ("100.00", "优秀")


def test_a_failed_grade_of_its_own_can_be_paid_for():
    scheme = _variant(('failed = "不合格"', 'failed = "取消资格"'),
                      ('grade = "不合格"\nratio = 0\nlabel = "不合格：不予拨付"',
                       'grade = "取消资格"\nratio = 0\nlabel = "取消资格：不予拨付"'))
    vetoed = score(scheme, {"quality_grade": "优", "satisfaction_grade": "A", "late_days": D(0),
                            "serious_incident": True})
    assert (vetoed.grade, vetoed.payment_band.label, vetoed.payment_ratio) == ("取消资格", "取消资格：不予拨付", D(0))
    low = score(scheme, {"quality_grade": "良", "satisfaction_grade": "A", "late_days": D("32.01"),
                         "serious_incident": False})
    assert (str(low.total), low.passed, low.grade) == ("59.99", False, "取消资格")
    passing = score(scheme, {"quality_grade": "优", "satisfaction_grade": "A", "late_days": D(40),
                             "serious_incident": False})
    assert (passing.grade, passing.payment_band.label) == ("合格", "合格：拨付70%")


def test_a_grade_with_no_payment_band_pays_nothing():
    scheme = _variant(('\n[[payment.bands]]\ngrade = "合格"\nratio = 0.70\nlabel = "合格：拨付70%"\n', ""))
    sheet = score(scheme, {"quality_grade": "优", "satisfaction_grade": "A", "late_days": D(30),
                           "serious_incident": False})
    assert (sheet.grade, sheet.payment_ratio, sheet.payment_band) == ("合格", D(0), None)
    assert sheet.payment_explanation == "70.00 is in no payment band → 0%"
    assert sheet.payment_steps == [{"step": "no_payment_band", "total": "70", "vetoed": False}]


def test_points_per_level_and_a_weight_cannot_be_combined():
    with pytest.raises(SchemeError) as exc:
        _variant(("weight = 4\n", 'weight = 4\npoints = { A = 20, B = 16, C = 12, D = 4 }\n'))
    assert str(exc.value) == ("graded-2025.toml: categories[quality].items[satisfaction].points: points per level, "
                              "or a weight and grades: not both")
