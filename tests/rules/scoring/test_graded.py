"""Graded factors (method ``levels`` with a ``weight`` and ``grades``), letter grades by score band ([grades] bands) and payment by grade
(rules/schemes/FORMAT.md §4b), on graded/graded-2025.toml: a section of weighted graded factors beside a
section scored by deduction. Every figure pinned exactly."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from rules.schemes.cases import run_cases
from rules.scoring import FactsError, SchemeError, score, score_cohort, sheet_to_dict
from rules.scoring.loader import build_scheme, load_scheme_file
from rules.scoring.summary import sheet_summary

HERE = Path(__file__).parent / "graded"
FILE = HERE / "graded-2025.toml"
TEXT = FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def scheme():
    return load_scheme_file(FILE)


def facts(quality="优", satisfaction="A", late="0", incident=False):
    out = {"late_days": Decimal(late), "serious_incident": incident}
    if quality is not None:
        out["quality_grade"] = quality
    if satisfaction is not None:
        out["satisfaction_grade"] = satisfaction
    return out


def variant(old: str, new: str):
    assert TEXT.count(old) == 1, old
    import tomllib

    return tomllib.loads(TEXT.replace(old, new), parse_float=Decimal)


# -- graded factors -----------------------------------------------------------------------------------


@pytest.mark.parametrize("grade, points", [("优", "40.0"), ("良", "32.0"), ("中", "24.0"), ("差", "0")])
def test_a_share_grade_gives_its_share_of_the_weight(scheme, grade, points):
    line = score(scheme, facts(quality=grade)).line("quality/service")
    assert line.points == Decimal(points)


@pytest.mark.parametrize("grade, points", [("A", "20"), ("B", "16"), ("C", "12"), ("D", "4")])
def test_a_score_grade_is_multiplied_by_the_weight(scheme, grade, points):
    assert score(scheme, facts(satisfaction=grade)).line("quality/satisfaction").points == Decimal(points)


def test_a_graded_line_explains_itself_as_data_and_in_words(scheme):
    line = score(scheme, facts(quality="良")).line("quality/service")
    assert line.method == "levels"
    assert line.steps == [
        {"step": "level", "fact": "quality_grade", "value": "良", "points": "32", "weight": "40",
         "grade_value": "0.8", "criteria": "服务流程基本规范"},
        {"step": "times", "units": "0.8", "each": "40", "points": "32"},
    ]
    assert line.explanation == "quality_grade = 良: grade value 0.8 × weight 40 = 32.00"
    assert line.inputs == {"quality_grade": "良"}


def test_the_weighted_section_sums_beside_the_deduction_section(scheme):
    sheet = score(scheme, facts(quality="良", satisfaction="B", late="2.5"))
    assert [(l.path, str(l.points)) for l in sheet.lines] == [
        ("quality", "48.0"), ("quality/service", "32.0"), ("quality/satisfaction", "16"),
        ("work", "37.5"), ("work/timeliness", "37.5")]
    assert str(sheet.total) == "85.50"


def test_an_unknown_grade_is_refused_naming_the_fact(scheme):
    with pytest.raises(FactsError) as exc:
        score(scheme, facts(quality="优秀"))
    assert exc.value.key == "quality_grade"
    assert exc.value.problem == "'优秀' is not one of 优, 良, 中, 差"


def test_a_missing_grade_leaves_the_sheet_incomplete_with_no_total(scheme):
    sheet = score(scheme, facts(quality=None))
    line = sheet.line("quality/service")
    assert (line.missing, line.points, line.steps) == (["quality_grade"], Decimal(0),
                                                        [{"step": "missing", "facts": ["quality_grade"]}])
    assert (sheet.complete, sheet.passed, sheet.missing_facts) == (False, None, ["quality_grade"])
    assert (sheet.grade, sheet.grade_explanation, sheet.grade_steps) == (None, "incomplete: no grade",
                                                                         [{"step": "grade_incomplete"}])
    assert (sheet.payment_ratio, sheet.payment_steps) == (None, [{"step": "incomplete_no_payment"}])
    summary = sheet_summary(sheet, lines=False)
    assert {k: summary[k] for k in ("complete", "total", "missing", "passed", "grade", "band", "payment_ratio")} == {
        "complete": False, "total": None, "missing": ["quality_grade"], "passed": None, "grade": None,
        "band": None, "payment_ratio": None}


# -- letter grades by score band, payment by grade ------------------------------------------------------


@pytest.mark.parametrize("quality, late, total, grade, ratio, passed", [
    ("优", "0", "100.00", "优秀", "1.00", True),
    ("优", "10", "90.00", "优秀", "1.00", True),      # 90 is 优秀 (90分（含）以上)
    ("优", "10.01", "89.99", "良好", "0.90", True),   # just below: 良好
    ("优", "20", "80.00", "良好", "0.90", True),
    ("优", "20.01", "79.99", "合格", "0.70", True),
    ("优", "40", "60.00", "合格", "0.70", True),      # the pass mark itself passes (pass_inclusive)
    ("良", "32.01", "59.99", "不合格", "0", False),   # failed: the failed grade
    ("差", "40", "20.00", "不合格", "0", False),
])
def test_a_grade_at_each_boundary(scheme, quality, late, total, grade, ratio, passed):
    sheet = score(scheme, facts(quality=quality, late=late))
    assert (str(sheet.total), sheet.grade, sheet.passed) == (total, grade, passed)
    assert sheet.payment_ratio == Decimal(ratio)
    assert sheet.payment_band.grade == grade


def test_the_grade_and_its_payment_explain_themselves(scheme):
    sheet = score(scheme, facts(late="10.01"))
    assert sheet.grade_steps == [{"step": "grade_band", "total": "89.99", "band": {
        "min": "80", "max": "90", "min_inclusive": True, "max_inclusive": False}, "grade": "良好",
        "label": "80分（含）至90分", "consequence": ""}]
    assert sheet.grade_explanation == "89.99 is in [80, 90) → 良好 (80分（含）至90分)"
    assert sheet.payment_steps == [{"step": "payment_band", "total": "89.99", "band": {
        "min": None, "max": None, "min_inclusive": True, "max_inclusive": False}, "label": "良好：拨付90%",
        "value": "90", "consequence": "", "vetoed": False, "grade": "良好"}]
    assert sheet.payment_explanation == "89.99 is in grade 良好 (良好：拨付90%) → 90%"
    assert sheet.payment_due(Decimal("200000"), "final") == Decimal("126000.00")
    assert sheet.payment_due(Decimal("200000"), "advance") == Decimal("60000.00")
    record = sheet_to_dict(sheet)
    assert record["payment_band"] == {"label": "良好：拨付90%", "ratio": "0.90", "consequence": "",
                                      "rectify_within_months": None, "grade": "良好"}
    assert (record["grade"], record["grade_steps"]) == ("良好", sheet.grade_steps)


def test_a_failing_grade_carries_its_consequence(scheme):
    sheet = score(scheme, facts(quality="差", late="40"))
    assert sheet.grade_steps == [{"step": "grade_failed", "grade": "不合格"}]
    assert sheet.grade_explanation == "failed → 不合格"
    assert sheet.payment_explanation == "20.00 is in grade 不合格 (不合格：不予拨付) → 0%; 解除购买服务协议"


def test_a_veto_gives_the_failed_grade_and_no_payment(scheme):
    sheet = score(scheme, facts(incident=True))
    assert (str(sheet.total), sheet.passed, sheet.grade) == ("100.00", False, "不合格")
    assert sheet.payment_ratio == Decimal(0)
    assert sheet.payment_explanation == (
        "vetoed: no scored payment is due; 100.00 is in grade 不合格 (不合格：不予拨付) → 0%; 解除购买服务协议")


def test_without_a_failed_grade_a_failing_total_takes_its_band(scheme):
    data = variant('failed = "不合格"\n', "")
    sheet = score(build_scheme(data, file="graded-2025.toml"), facts(quality="差", late="40"))
    assert (sheet.passed, sheet.grade) == (False, "不合格")
    assert sheet.grade_steps[0]["step"] == "grade_band"


def test_a_remembered_sheet_gives_the_same_grade_again(scheme):
    first = score(scheme, facts(late="10"))
    again = score(scheme, facts(late="10"))
    assert (again.grade, again.grade_steps, again.payment_steps) == (first.grade, first.grade_steps,
                                                                     first.payment_steps)
    again.grade_steps.append({"step": "x"})
    assert score(scheme, facts(late="10")).grade_steps == first.grade_steps[:1]


def test_a_cohort_keeps_each_sheets_band_grade(scheme):
    result = score_cohort(scheme, {"a": facts(), "b": facts(late="15"), "c": facts(quality=None)})
    assert result.grade == {"a": "优秀", "b": "良好", "c": None}
    assert result.rank == {"a": 1, "b": 2, "c": None}


def test_the_cases_file_passes(scheme):
    results = run_cases(scheme, (HERE / "graded-2025.cases.toml").read_text(encoding="utf-8"))
    assert [(r.name, r.passed, r.mismatches) for r in results] == [
        ("优、A、按时：100分优秀", True, []), ("良、B、迟交2.5天：85.5分良好", True, []),
        ("未评定服务质量等级：缺数据，没有总分", True, []), ("发生重大责任事故：不合格", True, [])]


def test_a_wrong_expected_grade_is_a_mismatch(scheme):
    text = (HERE / "graded-2025.cases.toml").read_text(encoding="utf-8").replace('grade = "良好"', 'grade = "优秀"')
    [_, second, *_] = run_cases(scheme, text)
    assert [(m.what, m.expected, m.actual) for m in second.mismatches] == [("grade", "优秀", "良好")]


# -- the loader refuses what cannot be scored -----------------------------------------------------------


@pytest.mark.parametrize("old, new, problem", [
    ("max = 40\nclause = \"按优、良", "max = 45\nclause = \"按优、良",
     "graded-2025.toml: categories[quality].items[service].max: max 45 is not weight 40 × the highest grade's "
     "value 1 = 40"),
    ('max = 60\nclause = "服务质量（60分）"', 'max = 65\nclause = "服务质量（60分）"',
     "graded-2025.toml: categories[quality]: max is 65 but its regular items add up to 60"),
    ('{ grade = "差", value = 0, criteria = "服务流程不规范" },', "",
     "graded-2025.toml: categories[quality].items[service].grades: must list exactly the choices of "
     "'quality_grade' ['优', '良', '中', '差']; missing ['差']"),
    ('{ grade = "D", value = 1 },', '{ grade = "D", value = 1 },\n  { grade = "E", value = 0 },',
     "graded-2025.toml: categories[quality].items[satisfaction].grades: must list exactly the choices of "
     "'satisfaction_grade' ['A', 'B', 'C', 'D']; not a choice ['E']"),
    ('{ grade = "C", value = 3 },', '{ grade = "C", value = 3 },\n  { grade = "C", value = 2 },',
     "graded-2025.toml: categories[quality].items[satisfaction].grades: duplicate id 'C'"),
    ('{ grade = "A", value = 5 },', '{ grade = "A", value = -5 },',
     "graded-2025.toml: categories[quality].items[satisfaction].grades[0].value: must be ≥ 0, got −5"),
    ("weight = 4\n", "",
     "graded-2025.toml: categories[quality].items[satisfaction]: missing 'weight'"),
    ('fact = "satisfaction_grade"', 'fact = "late_days"',
     "graded-2025.toml: categories[quality].items[satisfaction].fact: fact 'late_days' is of kind 'number'; "
     "this needs one of choice"),
    ('{ grade = "良好", min = 80, max = 90, label = "80分（含）至90分" },',
     '{ grade = "良好", min = 80, max = 89, label = "80分（含）至89分" },',
     "graded-2025.toml: grades.bands: a total of 89 is between [80, 89) and ≥ 90, in no band"),
    ('{ grade = "不合格", max = 60, label = "60分以下" },', '{ grade = "不合格", min = 10, max = 60, label = "" },',
     "graded-2025.toml: grades.bands: a total of 0 is in no band: the lowest band starts at [10, 60)"),
    ('{ grade = "优秀", min = 90, label = "90分（含）以上" },', '{ grade = "优秀", min = 90, max = 99, label = "" },',
     "graded-2025.toml: grades.bands: a total of 100 is in no band: the highest band is [90, 99)"),
    ('{ grade = "良好", min = 80, max = 90,', '{ grade = "良好", min = 80, max = 91,',
     "graded-2025.toml: grades.bands: bands [0, 1] overlap at 90.001"),
    ('{ grade = "合格", min = 60, max = 80,', '{ grade = "优秀", min = 60, max = 80,',
     "graded-2025.toml: grades.bands: duplicate id '优秀'"),
    ("failed = \"不合格\"\n", "failed = \"不合格\"\nquotas = []\n",
     "graded-2025.toml: grades.quotas: letter grades by score band (bands) or quotas in rank order, not both"),
    ('grade = "合格"\nratio = 0.70', 'grade = "及格"\nratio = 0.70',
     "graded-2025.toml: payment.bands[2].grade: unknown grade '及格'; one of 优秀, 良好, 合格, 不合格"),
    ('grade = "合格"\nratio = 0.70', 'min = 60\nratio = 0.70',
     "graded-2025.toml: payment.bands[2]: either every payment band names a grade or none does"),
    ('grade = "合格"\nratio = 0.70', 'grade = "合格"\nmin = 60\nratio = 0.70',
     "graded-2025.toml: payment.bands[2]: a payment band by grade has no min or max: the grade's band decides"),
    ('grade = "良好"\nratio = 0.90', 'grade = "优秀"\nratio = 0.90',
     "graded-2025.toml: payment.bands: duplicate id '优秀'"),
])
def test_the_loader_refuses_with_a_clear_error(old, new, problem):
    with pytest.raises(SchemeError) as exc:
        build_scheme(variant(old, new), file="graded-2025.toml")
    assert str(exc.value) == problem


def test_payment_by_grade_needs_letter_grades_by_band():
    start = TEXT.index("[grades]")
    end = TEXT.index("[payment]")
    import tomllib

    data = tomllib.loads(TEXT[:start] + TEXT[end:], parse_float=Decimal)
    with pytest.raises(SchemeError) as exc:
        build_scheme(data, file="graded-2025.toml")
    assert str(exc.value) == ("graded-2025.toml: payment.bands[0].grade: payment by grade needs letter grades by "
                              "score band ([grades] bands)")


def test_a_band_that_reaches_exactly_to_the_next_is_no_gap():
    data = variant('{ grade = "良好", min = 80, max = 90, label = "80分（含）至90分" },',
                   '{ grade = "良好", min = 80, max = 89.99, max_inclusive = true, label = "" },')
    scheme = build_scheme(data, file="graded-2025.toml")
    assert [b.describe() for b in scheme.grades.bands] == ["≥ 90", "[80, 89.99]", "[60, 80)", "< 60"]
    assert scheme.grades.names() == ["优秀", "良好", "合格", "不合格"]
