"""The compliance rules in force, and their parameters, are the scheme's data (issue #15 §1): a scheme's
``[[compliance]]`` reaches the rules as ``facts["compliance"]``; the rule's logic stays code, while the item, the
fact, the points, the day a report is due by and the clause are the document's. Without the list, the rules
written for a shipped scheme apply with their own parameters (what the six shipped files say too)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from rules.compliance import InvalidFacts, evaluate

CLAUSE = "示例考核细则 第三条：每月10日前报送上月工作报告，不及时上报的，每次扣0.2分"
USE = {"rule": "deadlines.monthly_report_late", "item": "work/reports", "fact": "late_reports", "points": "0.2",
       "due_day": 10, "clause": CLAUSE}
REPORTS = [  # March's report on 8 April (before the 10th), April's on 11 May (after it)
    {"id": "r-03", "kind": "monthly_report", "period": "2024-03", "submitted_at": "2024-04-08T09:00:00+08:00"},
    {"id": "r-04", "kind": "monthly_report", "period": "2024-04", "submitted_at": "2024-05-11T09:00:00+08:00"},
]


def _facts(scheme: str, compliance=None, as_of="2024-06-01T00:00:00+08:00") -> dict:
    facts = {"as_of": as_of, "operator": {"id": "op-1"}, "submissions": REPORTS,
             "contract": {"id": "c-1", "scheme": scheme, "starts_on": "2024-03-01", "ends_on": "2024-12-31"}}
    if compliance is not None:
        facts["compliance"] = compliance
    return facts


def test_an_uploaded_schemes_rule_applies_with_the_schemes_day_points_item_fact_and_clause():
    found = evaluate(_facts("example-2024", [USE]))
    assert [(f.rule_id, f.subject["period"], f.evidence["status"]) for f in found] == [
        ("deadlines.monthly_report_late", "2024-04", "late")]  # March's on the 8th is on time by the 10th
    late = found[0]
    assert (late.scheme, late.scheme_item, late.scheme_fact, late.clause) == (
        "example-2024", "work/reports", "late_reports", CLAUSE)
    assert late.penalty.points == Decimal("0.2") and late.penalty.per_occurrence
    assert "5月10日" in late.message_zh and late.message_zh.endswith("扣0.2分")
    assert late.message_en.endswith("−0.2")


def test_the_same_reports_under_the_shipped_scheme_are_judged_by_its_own_5th():
    """seed 002 (萍乡): the monthly report by the 5th of the next month, −0.5 each; the plans and summaries are
    due too (none was handed in)."""
    found = evaluate(_facts("pingxiang-2024-lot1"))
    reports = [(f.subject["period"], f.evidence["status"], f.penalty.points) for f in found
               if f.rule_id == "deadlines.monthly_report_late"]
    assert reports == [("2024-03", "late", Decimal("0.5")), ("2024-04", "late", Decimal("0.5"))]
    assert {f.rule_id for f in found} >= {"deadlines.monthly_plan_late", "deadlines.monthly_summary_late"}
    # the shipped file's [[compliance]] passed explicitly gives the very same findings
    from rules.schemes import load_scheme

    shipped = [u.as_fact() for u in load_scheme("pingxiang-2024-lot1").compliance]
    assert [f.to_dict() for f in evaluate(_facts("pingxiang-2024-lot1", shipped))] == [f.to_dict() for f in found]


def test_a_scheme_with_no_rules_in_force_has_no_findings():
    assert list(evaluate(_facts("pingxiang-2024-lot1", []))) == []


@pytest.mark.parametrize("compliance, message", [
    ([{"rule": "deadlines.monthly_report_lat"}], "not a compliance rule"),
    ([{"rule": "conduct.credit_grade_d_disqualified", "points": "1"}], "costs no points"),
    ([{"rule": "conduct.verified_complaint", "due_day": 5}], "has no due day"),
    ([{**USE, "due_day": 31}], "from 1 to 28"),
    ([{**USE, "points": 0.2}], "exact number"),
    ([{**USE, "points": "-1"}], "negative"),
    ([USE, USE], "appears twice"),
    ([{**USE, "colour": "red"}], "unknown keys"),
])
def test_bad_parameters_are_refused_before_the_engine_runs(compliance, message):
    with pytest.raises(InvalidFacts, match=message):
        evaluate(_facts("example-2024", compliance))


def test_a_scheme_the_rules_do_not_know_needs_its_list():
    with pytest.raises(InvalidFacts, match="no compliance list"):
        evaluate(_facts("example-2024"))
