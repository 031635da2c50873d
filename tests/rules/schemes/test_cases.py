"""Scheme test cases (rules/schemes/cases.py) and the sheet as scripts read it (rules/scoring/summary.py)."""
from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from rules.schemes import load_scheme, scheme_ids
from rules.schemes.cases import CasesError, parse_cases, run_cases
from rules.schemes.check import check_scheme_text
from rules.scoring import score
from rules.scoring.summary import points, sheet_summary

HERE = Path(__file__).parent / "checker"
SCHEME = check_scheme_text((HERE / "example-2024.toml").read_text(encoding="utf-8")).scheme
CASES = (HERE / "example-2024.cases.toml").read_text(encoding="utf-8")
TWO = re.compile(r"^-?\d+\.\d{2}$")


def test_the_example_cases_pass():
    results = run_cases(SCHEME, CASES)
    assert [r.passed for r in results] == [True, True, True]
    assert results[0].name == "推荐1950人，迟报1次，评审2分"


def test_a_wrong_expectation_names_what_was_expected_and_what_came_out():
    text = (CASES.replace('total = "19.40"', 'total = "19.50"').replace('"work/reports" = 1.90', '"work/reports" = 2')
                 .replace('band = "12分以下不予支付"', 'band = "12分（含）至16分支付80%"')
                 .replace('"quality/media" = "1.00"', '"quality/media" = "1.00"\n"quality/nothing" = "1.00"'))
    first, second, third = run_cases(SCHEME, text)
    assert [(m.what, m.expected, m.actual, m.path) for m in first.mismatches] == [
        ("total", "19.50", "19.40", ""), ("line", "2.00", "1.90", "work/reports"),
        ("line", "1.00", "no_such_line", "quality/nothing")]
    assert [(m.what, m.expected, m.actual) for m in second.mismatches] == [
        ("band", "12分（含）至16分支付80%", "12分以下不予支付")]
    assert third.passed


def test_expecting_a_total_from_an_incomplete_sheet_fails_with_null():
    text = CASES.replace("complete = false", 'total = "10.00"')
    third = run_cases(SCHEME, text)[2]
    assert [(m.what, m.expected, m.actual) for m in third.mismatches] == [("total", "10.00", "null")]


def test_refused_facts_fail_the_case_naming_the_fact():
    text = CASES.replace("referrals = 1950", "referrals = -1")
    first = run_cases(SCHEME, text)[0]
    assert not first.passed and first.error_fact == "referrals" and "negative" in first.error


def test_cases_in_json_read_the_same():
    data = {"cases": [{"name": "json", "facts": {"referrals": 1950, "late_reports": 1, "incidents": 0,
                                                 "satisfaction_pct": "85", "credit_grade": "A", "has_plan": True,
                                                 "media_reports": 1, "innovation": {"value": "2", "reason": "平台"}},
                       "expect": {"total": 19.4, "lines": {"work/referrals": "4.5"}}}]}
    assert run_cases(SCHEME, json.dumps(data, ensure_ascii=False), json_format=True)[0].passed


@pytest.mark.parametrize("text, key", [
    ("[[cases]\n", "cases_syntax"),
    ("title = 'no cases'\n", "cases_none"),
    ("[[cases]]\nname = 'x'\n[cases.expect]\ntotal = 1\n", "cases_no_facts"),
    ("[[cases]]\n[cases.facts]\nreferrals = 1\n", "cases_no_expect"),
    ("[[cases]]\n[cases.facts]\nreferrals = 1\n[cases.expect]\nscore = 1\n", "cases_unknown_expect"),
])
def test_a_broken_cases_file_is_refused_with_a_key(text, key):
    with pytest.raises(CasesError) as exc:
        parse_cases(text)
    assert exc.value.key == key


@pytest.mark.parametrize("value, shown", [(Decimal("3"), "3.00"), (Decimal("2.6000"), "2.60"), (Decimal("25.0"), "25.00"),
                                          (Decimal("0.0"), "0.00"), (Decimal("-0.5"), "-0.50"), (Decimal("-0.001"), "0.00"),
                                          (Decimal("0.005"), "0.01"), (None, None)])
def test_points_have_two_decimals_and_an_ascii_minus(value, shown):
    assert points(value) == shown


@pytest.mark.parametrize("scheme_id", scheme_ids())
def test_a_summary_shows_every_figure_with_two_decimals(scheme_id):
    scheme = load_scheme(scheme_id)
    facts = {key: spec.example for key, spec in scheme.facts.items()}
    data = sheet_summary(score(scheme, facts), scheme)
    json.dumps(data, ensure_ascii=False)
    assert data["complete"] is (not scheme.has_rank_items)
    assert (data["total"] is None) is (not data["complete"])
    if data["total"] is not None:
        assert TWO.match(data["total"])
    for line in data["lines"]:
        assert line["points"] is None or TWO.match(line["points"]), line
        assert line["max"] is None or TWO.match(line["max"]), line


def test_an_incomplete_sheet_has_no_total_and_lists_what_is_missing():
    scheme = load_scheme("qianxi-2022")
    facts = {key: spec.example for key, spec in scheme.facts.items() if key != "workers_registered"}
    data = sheet_summary(score(scheme, facts), scheme)
    assert data["total"] is None and data["complete"] is False and data["passed"] is None
    assert data["missing"] == ["workers_registered"] and data["band"] is None and data["payment_ratio"] is None
    assert any(line["points"] is None and line["missing"] == ["workers_registered"] for line in data["lines"])
