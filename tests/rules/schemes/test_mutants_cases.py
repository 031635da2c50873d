"""Scheme test cases (rules/schemes/cases.py), what a scheme author reads when a case fails (issue #18: the
mutants of the sample of 2026-12-06 that no test noticed).

A failed case must name each figure that differs, with what the author wrote and what the sheet gave, as the
sheet shows it: a payment ratio, a yes/no, a list of missing facts or vetoes written out; and a broken cases
file must say which case (1-based, in file order) is broken.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from rules.schemes.cases import CasesError, parse_cases, run_cases
from rules.schemes.check import check_scheme_text

HERE = Path(__file__).parent / "checker"
SCHEME = check_scheme_text((HERE / "example-2024.toml").read_text(encoding="utf-8")).scheme
CASES = (HERE / "example-2024.cases.toml").read_text(encoding="utf-8")


def _edit(*edits: tuple[str, str]) -> str:
    text = CASES
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def _mismatches(text: str) -> list[list[tuple[str, str, str]]]:
    return [[(m.what, m.expected, m.actual) for m in r.mismatches] for r in run_cases(SCHEME, text)]


def test_a_wrong_payment_ratio_names_the_ratio_expected_and_the_ratio_paid():
    # case 1 scores 19.40: the band "16分（含）以上全额支付" pays in full
    assert _mismatches(_edit(("payment_ratio = 1", "payment_ratio = 0.8"))) == [
        [("payment_ratio", "0.8", "1.00")], [], []]


def test_a_payment_ratio_written_otherwise_but_equal_passes():
    assert _mismatches(_edit(("payment_ratio = 1", 'payment_ratio = "1.000"'))) == [[], [], []]


def test_a_payment_ratio_expected_of_an_incomplete_sheet_fails_against_null():
    # case 3 has no total (the referrals are missing), so no band and no ratio
    assert _mismatches(_edit(("complete = false", "payment_ratio = 1"))) == [
        [], [], [("payment_ratio", "1", "null")]]


def test_expecting_a_complete_sheet_when_a_fact_is_missing_fails_with_true_and_false():
    assert _mismatches(_edit(("complete = false", "complete = true"))) == [
        [], [], [("complete", "true", "false")]]


def test_a_wrong_pass_names_true_and_false():
    assert _mismatches(_edit(("passed = false", "passed = true"))) == [
        [], [("passed", "true", "false")], []]


def test_missing_facts_are_compared_as_sets_and_written_out_as_lists():
    text = _edit(('missing = ["referrals"]', 'missing = ["referrals", "late_reports"]'))
    assert _mismatches(text) == [[], [], [("missing", "[late_reports, referrals]", "[referrals]")]]
    # the same facts in another order: no mismatch
    assert _mismatches(_edit(('missing = ["referrals"]', 'missing = ["referrals"]'))) == [[], [], []]


def test_an_unexpected_veto_is_named_as_a_list():
    assert _mismatches(_edit(('vetoes = ["major_incident"]', "vetoes = []"))) == [
        [], [("vetoes", "[]", "[major_incident]")], []]
    assert _mismatches(_edit(("vetoes = []", 'vetoes = ["major_incident"]'))) == [
        [("vetoes", "[major_incident]", "[]")], [], []]


@pytest.mark.parametrize("text, key, params", [
    ("[[cases]]\nname = 'a'\n[cases.facts]\nx = 1\n[cases.expect]\ntotal = 1\n"
     "[[cases]]\nname = 'b'\n[cases.expect]\ntotal = 1\n", "cases_no_facts", {"case": "2"}),
    ("[[cases]]\nname = 'a'\n[cases.facts]\nx = 1\n[cases.expect]\ntotal = 1\n"
     "[[cases]]\nname = 'b'\n[cases.facts]\nx = 1\n", "cases_no_expect", {"case": "2"}),
    ("[[cases]]\nname = 'a'\n[cases.facts]\nx = 1\n[cases.expect]\ntotal = 1\n"
     "[[cases]]\nname = 'b'\n[cases.facts]\nx = 1\n[cases.expect]\nscore = 1\nrank = 2\n", "cases_unknown_expect",
     {"case": "2", "key": "rank, score",
      "allowed": "total, passed, complete, band, grade, payment_ratio, subsidy, missing, vetoes, lines"}),
])
def test_a_broken_case_is_named_by_its_number(text, key, params):
    with pytest.raises(CasesError) as exc:
        parse_cases(text)
    assert (exc.value.key, exc.value.params) == (key, params)


def test_json_cases_may_write_decimal_facts_and_figures_as_numbers():
    import json

    facts = {"referrals": 1950, "late_reports": 1, "incidents": 0, "satisfaction_pct": 79.99, "credit_grade": "A",
             "has_plan": True, "media_reports": 1, "innovation": {"value": 2, "reason": "平台"}}
    text = json.dumps({"cases": [{"name": "满意度79.99%", "facts": facts,
                                  "expect": {"total": 17.40, "payment_ratio": 1.0,
                                             "lines": {"quality/satisfaction": 2.00}}}]}, ensure_ascii=False)
    [result] = run_cases(SCHEME, text, json_format=True)
    assert (result.passed, result.error, result.mismatches) == (True, "", [])


def test_a_json_cases_file_that_is_a_list_has_no_cases():
    with pytest.raises(CasesError) as exc:
        parse_cases('[{"facts": {}, "expect": {"total": 1}}]', json_format=True)
    assert exc.value.key == "cases_none"


def test_a_cases_file_that_is_not_toml_says_where():
    with pytest.raises(CasesError) as exc:
        parse_cases("[[cases]\n")
    assert exc.value.key == "cases_syntax"
    assert exc.value.params == {"detail": "Expected ']]' at the end of an array declaration (at line 1, column 8)"}


# the second sample (seed 18, drawn after the first)

def test_json_cases_may_expect_no_total_from_an_incomplete_sheet_as_null():
    import json

    facts = {"late_reports": 0, "incidents": 0, "satisfaction_pct": 70, "credit_grade": "B", "has_plan": True,
             "media_reports": 0, "innovation": {"value": 1, "reason": "一般"}}
    text = json.dumps({"cases": [{"facts": facts, "expect": {"total": None, "complete": False}}]})
    [result] = run_cases(SCHEME, text, json_format=True)
    assert (result.name, result.passed, result.mismatches) == ("#1", True, [])
    text = json.dumps({"cases": [{"facts": {**facts, "referrals": 2000}, "expect": {"total": None}}]})
    [result] = run_cases(SCHEME, text, json_format=True)
    assert [(m.what, m.expected, m.actual) for m in result.mismatches] == [("total", "null", "15.00")]


def test_a_case_with_an_empty_expectation_is_refused():
    with pytest.raises(CasesError) as exc:
        parse_cases("[[cases]]\n[cases.facts]\nreferrals = 1\n[cases.expect]\n")
    assert (exc.value.key, exc.value.params) == ("cases_no_expect", {"case": "1"})
    assert str(exc.value) == "cases_no_expect: {'case': '1'}"  # what a traceback or a log shows


def test_refused_facts_fail_the_case_under_its_number():
    text = _edit(("referrals = 2000", "referrals = -1"))
    first, second, third = run_cases(SCHEME, text)
    assert (second.number, second.name, second.passed, second.error_fact) == (
        2, "满意度不足60%，信用D，发生事故", False, "referrals")
    assert (first.number, third.number) == (1, 3)


def test_a_wrong_subsidy_names_the_amount_expected_and_the_amount_granted():
    from rules.schemes import load_scheme

    scheme = load_scheme("jindong-2021")
    facts = "\n".join(f"{k} = {'true' if v is True else v}" for k, v in {
        "has_management_rules": True, "has_cooperation_agreement": True, "offices_in_both_places": True,
        "has_responsible_person": True, "unreported_person_changes": 0, "verified_complaints": 1,
        "safety_incidents": 0, "has_annual_plan": True, "delivered_without_contract": 0, "missing_ledgers": 0,
        "worker_satisfaction_pct": 80, "enterprise_satisfaction_pct": 70, "matching_events": 2,
        "delivered_workers": 260, "skilled_workers": 30, "retained_6_months": 150}.items())
    judged = ('skilled_workers_judgement = { value = 4, reason = "持证人员30人" }\n'
              'innovation_judgement = { value = 6, reason = "线上平台" }\n')
    text = (f'[[cases]]\nname = "84分"\n[cases.facts]\n{facts}\n{judged}[cases.expect]\ntotal = "84.00"\n'
            'subsidy = 70000\n')
    [result] = run_cases(scheme, text)
    assert [(m.what, m.expected, m.actual) for m in result.mismatches] == [("subsidy", "70000.00", "60000.00")]
    assert run_cases(scheme, text.replace("subsidy = 70000", 'subsidy = "60000"'))[0].passed
