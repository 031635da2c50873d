"""The checker (rules/schemes/check.py) on graded factors, letter grades by score band and payment by grade:
each bad file an edit of graded/graded-2025.toml, refused at the line marked ``# <-``; every key of
GRADE_PROBLEM_KEYS has its bad file here (those of PROBLEM_KEYS have theirs in tests/rules/schemes/test_check.py),
and each reads as a sentence in Chinese and in English (portal/schemes/problems.py)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from rules.schemes.check import ALL_PROBLEM_KEYS, GRADE_PROBLEM_KEYS, PROBLEM_KEYS, check_scheme_text

HERE = Path(__file__).parent / "graded"
BASE = (HERE / "graded-2025.toml").read_text(encoding="utf-8")
MARK = "  # <-"

CASES = [
    # a graded factor
    ("graded_max", "max = 40\nclause = \"按优", "max = 45" + MARK + "\nclause = \"按优",
     {"max": "45", "weight": "40", "top": "1", "product": "40"}),
    ("graded_max", "weight = 4\n", "weight = 5\n",
     {"max": "20", "weight": "5", "top": "5", "product": "25"}, 74),  # at the item's max
    ("levels_choices", '  { grade = "差", value = 0, criteria = "服务流程不规范" },\n', "",
     {"fact": "quality_grade", "missing": ["差"], "extra": []}, 64),
    ("levels_choices", '{ grade = "D", value = 1 },', '{ grade = "D", value = 1 }, { grade = "E", value = 0 },',
     {"fact": "satisfaction_grade", "missing": [], "extra": ["E"]}, 79),
    ("duplicate_id", '{ grade = "C", value = 3 },', '{ grade = "B", value = 3 },' + MARK,
     {"id": "B", "what": "categories[quality].items[satisfaction].grades"}),
    ("negative", '{ grade = "A", value = 5 },', '{ grade = "A", value = -5 },' + MARK, {"key": "value", "value": "−5"}),
    ("missing_key", "weight = 4\n", "", {"key": "weight"}, 71),  # at the item's [[categories.items]]
    ("empty_list", "weight = 4\ngrades = [", "weight = 4\ngrades = []" + MARK + "\nx = [", {"key": "grades"}),
    ("fact_kind_mismatch", 'fact = "satisfaction_grade"', 'fact = "late_days"' + MARK,
     {"fact": "late_days", "kind": "number", "needed": ["choice"]}),
    ("unknown_key", "weight = 40\n", "weight = 40\npoints = { \"优\" = 40 }" + MARK + "\n",
     {"key": "points", "allowed": ["fact", "weight", "grades"]}),
    ("unknown_key", '{ grade = "A", value = 5 },', '{ grade = "A", value = 5, points = 20 },' + MARK,
     {"key": "points", "allowed": ["criteria", "grade", "value"]}),
    # weights that do not add up to the category, nor the categories to the total
    ("points_sum", 'max = 60\nclause = "服务质量（60分）"', 'max = 65' + MARK + '\nclause = "服务质量（60分）"',
     {"what": "category", "max": "65", "sum": "60"}),
    ("points_sum", "max_total = 100", "max_total = 90" + MARK, {"what": "scheme", "max": "90", "sum": "100"}),
    # letter grades by score band
    ("bands_gap", 'max = 90, label = "80分（含）至90分" },', 'max = 89, label = "80分（含）至90分" },' + MARK,
     {"a": "2", "b": "1", "at": "89"}),
    ("bands_overlap", 'max = 80, label = "60分（含）至80分" },', 'max = 81, label = "60分（含）至80分" },' + MARK,
     {"a": "2", "b": "3", "at": "80"}),
    ("grade_bands_cover", '{ grade = "不合格", max = 60, label = "60分以下" },',
     '{ grade = "不合格", min = 10, max = 60, label = "60分以下" },' + MARK,
     {"at": "0", "band": "[10, 60)"}),
    ("grade_bands_cover", '{ grade = "优秀", min = 90, label', '{ grade = "优秀", min = 90, max = 99, label',
     {"at": "100", "band": "[90, 99)"}, 110),
    ("band_out_of_range", '{ grade = "优秀", min = 90, label', '{ grade = "优秀", min = 190, label',
     {"band": "≥ 190", "lo": "0", "hi": "100"}, 110),
    ("duplicate_id", '{ grade = "合格", min = 60,', '{ grade = "良好", min = 60,', {"id": "良好", "what": "grades"}, 112),
    ("missing_key", '{ grade = "合格", min = 60,', '{ min = 60,', {"key": "grade"}, 112),
    ("grades_mixed", 'failed = "不合格"\n', 'failed = "不合格"\nrest = "D"' + MARK + "\n", {"key": "rest"}),
    # payment by grade
    ("unknown_grade", 'grade = "合格"\nratio = 0.70', 'grade = "及格"' + MARK + "\nratio = 0.70",
     {"grade": "及格", "allowed": ["优秀", "良好", "合格", "不合格"]}),
    ("payment_grades_mixed", 'grade = "合格"\nratio = 0.70', 'min = 60\nratio = 0.70', {}, 136),
    ("grade_band_bounds", 'grade = "合格"\nratio = 0.70', 'grade = "合格"\nmin = 60' + MARK + "\nratio = 0.70",
     {"grade": "合格"}),
    ("duplicate_id", 'grade = "良好"\nratio = 0.90', 'grade = "优秀"' + MARK + "\nratio = 0.90",
     {"id": "优秀", "what": "payment.bands"}),
]


def _bad_file(old: str, new: str) -> str:
    assert BASE.count(old) == 1, f"not unique in the base file: {old!r}"
    return BASE.replace(old, new)


def _expected_line(text: str, case: tuple) -> int:
    if len(case) > 4:
        return case[4]
    lines = [n for n, line in enumerate(text.splitlines(), 1) if line.endswith(MARK)]
    assert len(lines) == 1, "mark exactly one line"
    return lines[0]


def test_the_base_file_passes_the_checker():
    result = check_scheme_text(BASE, file_name="graded-2025.toml")
    assert (result.ok, result.problems) == (True, [])
    assert result.scheme.grades.names() == ["优秀", "良好", "合格", "不合格"]


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_a_bad_file_is_refused_at_its_line_with_its_parameters(case):
    key, old, new, params = case[:4]
    text = _bad_file(old, new)
    result = check_scheme_text(text, file_name="graded-2025.toml")
    assert result.scheme is None
    line = _expected_line(text, case)
    found = [(p.key, p.line, p.params) for p in result.problems]
    assert (key, line, params) in found, found
    assert all(p.key in ALL_PROBLEM_KEYS for p in result.problems)
    json.dumps([p.as_dict() for p in result.problems])


def test_every_grade_problem_kind_has_a_bad_file():
    assert set(GRADE_PROBLEM_KEYS) <= {c[0] for c in CASES}
    assert not set(GRADE_PROBLEM_KEYS) & set(PROBLEM_KEYS)


def _app():
    from flask import Flask
    from flask_babel import Babel

    app = Flask("wording")
    root = Path(__file__).resolve().parents[3] / "portal" / "translations"
    app.config.update(BABEL_TRANSLATION_DIRECTORIES=str(root), BABEL_DEFAULT_LOCALE="zh")
    Babel(app)
    return app


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_every_problem_reads_in_chinese_and_english(case):
    from flask_babel import force_locale

    from portal.schemes.problems import problem_line

    text = _bad_file(case[1], case[2])
    problems = [p for p in check_scheme_text(text, file_name="graded-2025.toml").problems if p.key == case[0]]
    app = _app()
    with app.test_request_context():
        with force_locale("zh"):
            zh = [problem_line(p) for p in problems]
        with force_locale("en"):
            en = [problem_line(p) for p in problems]
    for z, e in zip(zh, en):
        assert re.match(r"^第\d+行：", z) and re.match(r"^Line \d+: ", e), (z, e)
        assert "%(" not in z + e and "{'" not in z + e and z != e


@pytest.mark.parametrize("key, params, zh, en", [
    ("graded_max", {"max": "45", "weight": "40", "top": "1", "product": "40"},
     "第59行：本项分值45应等于权重40 × 最高等级的值1 = 40",
     "Line 59: This item's points 45 should be the weight 40 × the highest grade's value 1 = 40"),
    ("grade_bands_cover", {"at": "0", "band": "[10, 60)"},
     "第140行：总分0不在任何等级分数段内（最近的一段是[10, 60)）：各等级分数段须覆盖全部可能的总分",
     "Line 140: A total of 0 is in no grade band (the nearest is [10, 60)): the grade bands must cover every "
     "possible total"),
    ("unknown_grade", {"grade": "及格", "allowed": ["优秀", "良好", "合格", "不合格"]},
     "第124行：未知的等级“及格”（[grades]中按分数段定义的等级：优秀、良好、合格、不合格）",
     "Line 124: Unknown grade “及格” (grades by score band in [grades]: 优秀, 良好, 合格, 不合格)"),
])
def test_the_wording_of_a_grade_problem(key, params, zh, en):
    from flask_babel import force_locale

    from portal.schemes.problems import problem_line

    line = int(re.search(r"\d+", zh).group())
    problem = {"line": line, "column": None, "key": key, "params": params}
    with _app().test_request_context():
        with force_locale("zh"):
            assert problem_line(problem) == zh
        with force_locale("en"):
            assert problem_line(problem) == en
