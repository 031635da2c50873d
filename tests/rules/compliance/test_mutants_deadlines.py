"""Deadline rules, pinned where the mutation run of issue #18 found them loose: which periods are owed (the
contract's months, quarters and years; a plan owed only if its day falls in the contract), which version is the
first, what is refused in a submission and in which words. Asia/Shanghai time throughout (DOMAIN.md §6.3)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from rules.compliance import InvalidFacts, evaluate

LEDGERS = ("jobs", "migrant_workers", "entrepreneurs")


def _px(kit, as_of, submissions, starts_on="2024-03-01"):
    facts = kit.facts("pingxiang-2024-lot1", as_of, submissions=submissions)
    facts["contract"]["starts_on"] = starts_on
    return facts


def _plan(at, sid, period="2024-03"):
    return {"id": sid, "kind": "monthly_plan", "period": period, "submitted_at": at}


def _ledger(quarter, ledger, at, year=2022):
    return {"id": f"l{year}q{quarter}{ledger}", "kind": "quarterly_ledger", "ledger": ledger,
            "period": f"{year}-Q{quarter}", "submitted_at": at}


def _seen(found):
    return [(f.rule_id, f.subject.get("period"), f.subject.get("ledger"), f.evidence["status"]) for f in found]


# --- quarters and years ------------------------------------------------------------------------------------------

def test_seed000_the_fourth_quarters_ledgers_are_due_by_31_december_23_59_59():
    """seed 000 考核实施细则 3（3）: 台账……每季度末集中报送 — Q4 ends on 31 December: at 23:59:59 that night nothing is
    missing yet, at 00:00:00 on 1 January each of the three ledgers not handed in loses its item (3, 5 and 2 points,
    附件2 台账建立). Q1–Q3 were handed in on time."""
    on_time = [_ledger(q, k, f"2022-{3 * q:02d}-20T10:00:00+08:00") for q in (1, 2, 3) for k in LEDGERS]
    facts = {"as_of": "2022-12-31T23:59:59+08:00", "operator": {"id": "OP-1"}, "submissions": on_time,
             "contract": {"id": "QX-1", "scheme": "qianxi-2022", "starts_on": "2022-01-01", "ends_on": "2022-12-31"},
             "compliance": [{"rule": "deadlines.quarterly_ledger_missing"}]}
    assert evaluate(facts) == []
    facts["as_of"] = "2023-01-01T00:00:00+08:00"
    found = evaluate(facts)
    assert _seen(found) == [
        ("deadlines.quarterly_ledger_missing", "2022-Q4", "entrepreneurs", "missing"),
        ("deadlines.quarterly_ledger_missing", "2022-Q4", "jobs", "missing"),
        ("deadlines.quarterly_ledger_missing", "2022-Q4", "migrant_workers", "missing")]
    assert {f.evidence["due"] for f in found} == {"2022-12-31T23:59:59+08:00"}
    assert [f.penalty.points for f in found] == [Decimal("2"), Decimal("3"), Decimal("5")]
    jobs = found[1]
    assert jobs.message_zh == ("2022年第4季度末未报送《岗位信息台账》（应于2022年12月31日 23:59（北京时间）前），"
                               "截至评估时点仍未报送，该台账项3分不得分")
    assert jobs.message_en == ("The job information ledger for Q4 2022 not handed in by quarter end "
                               "(31 Dec 2022 23:59 Beijing time, missing): its 3-point item is lost")


def test_seed000_q4_ledger_handed_in_on_31_december_is_on_time_on_1_january_late():
    """seed 000 每季度末集中报送: the Q4 ledger at 23:59:59 on 31 December (Shanghai) is on time; the same ledger at
    00:00:00 on 1 January is late (one second is the whole difference)."""
    facts = {"as_of": "2023-01-10T00:00:00+08:00", "operator": {"id": "OP-1"},
             "contract": {"id": "QX-1", "scheme": "qianxi-2022", "starts_on": "2022-10-01", "ends_on": "2022-12-31"},
             "compliance": [{"rule": "deadlines.quarterly_ledger_missing"}],
             "submissions": [_ledger(4, "jobs", "2022-12-31T15:59:59Z"),
                             _ledger(4, "migrant_workers", "2022-12-31T23:59:59+08:00"),
                             _ledger(4, "entrepreneurs", "2023-01-01T00:00:00+08:00")]}
    found = evaluate(facts)
    assert _seen(found) == [("deadlines.quarterly_ledger_missing", "2022-Q4", "entrepreneurs", "late")]
    assert found[0].evidence["due"] == "2022-12-31T23:59:59+08:00"
    assert found[0].evidence["first_submitted_at"] == "2023-01-01T00:00:00+08:00"


def test_seed000_the_annual_summary_is_owed_for_the_contracts_years_only():
    """seed 000 附件2 信息报送: 年底报送工作总结 — a 2022 contract owes the 2022 summary (due 31 December 2022
    23:59:59), and nothing for 2023, even evaluated in 2024."""
    facts = {"as_of": "2024-01-01T00:00:00+08:00", "operator": {"id": "OP-1"},
             "contract": {"id": "QX-1", "scheme": "qianxi-2022", "starts_on": "2022-01-01", "ends_on": "2022-12-31"},
             "compliance": [{"rule": "deadlines.annual_summary_missing"}]}
    [finding] = evaluate(facts)
    assert _seen([finding]) == [("deadlines.annual_summary_missing", "2022", None, "missing")]
    assert finding.evidence["due"] == "2022-12-31T23:59:59+08:00"
    assert finding.message_zh == "2022年度工作总结未于年底（2022年12月31日 23:59（北京时间））前报送，截至评估时点仍未报送，该项5分不得分"
    assert finding.message_en == ("Annual summary for 2022 not handed in by year end (31 Dec 2022 23:59 Beijing time, "
                                  "missing): the 5-point item is lost")


# --- which months are owed -------------------------------------------------------------------------------------

def test_seed002_9_3_a_contract_starting_after_the_5th_owes_no_plan_for_its_first_month(kit):
    """seed 002 9 考评办法3: 每月5日之前做好当月工作计划 — a contract starting on 10 March owes no March plan (its day
    was before the contract; README: only months whose 5th is on/after the start) but owes April's, and March's
    summary and report (due 5 April). As of 20 April nothing was handed in: exactly those three are missing."""
    found = evaluate(_px(kit, "2024-04-20T12:00:00+08:00", [], starts_on="2024-03-10"))
    assert _seen(found) == [
        ("deadlines.monthly_plan_late", "2024-04", None, "missing"),
        ("deadlines.monthly_report_late", "2024-03", None, "missing"),
        ("deadlines.monthly_summary_late", "2024-03", None, "missing")]
    assert found[0].message_zh == "2024年4月工作计划应于2024年4月5日 23:59（北京时间）前报送，截至评估时点仍未报送，扣0.1分"
    assert found[0].message_en == "Work plan for Apr 2024 was due by 5 Apr 2024 23:59 Beijing time: missing, −0.1"


def test_a_contract_without_an_end_date_has_no_calendar_only_hand_ins_are_judged(kit):
    """rules/compliance/README.md (contract): without both dates no reporting calendar is generated — only submitted
    items can be late. A contract with a start and no end: March's plan handed in on the 6th is late, and nothing
    is missing, even months later."""
    facts = _px(kit, "2024-06-01T00:00:00+08:00", [_plan("2024-03-06T09:00:00+08:00", "v1")])
    del facts["contract"]["ends_on"]
    assert _seen(evaluate(facts)) == [("deadlines.monthly_plan_late", "2024-03", None, "late")]
    facts = _px(kit, "2024-06-01T00:00:00+08:00", [_plan("2024-03-06T09:00:00+08:00", "v1")], starts_on=None)
    assert _seen(evaluate(facts)) == [("deadlines.monthly_plan_late", "2024-03", None, "late")]


# --- the first version ---------------------------------------------------------------------------------------

def test_the_earliest_version_is_the_first_whatever_order_the_versions_are_listed_in(kit):
    """DOMAIN.md §6.3: on time only if the FIRST submitted version is; README: the earliest submitted_at decides.
    Versions listed latest first (7 March, then 6 March): the late finding names the 6 March version, its time,
    and both versions."""
    subs = [_plan("2024-03-07T09:00:00+08:00", "v2"), _plan("2024-03-06T09:00:00+08:00", "v1"),
            _plan("2024-03-08T09:00:00+08:00", "v3")]
    [finding] = evaluate(_px(kit, "2024-03-20T12:00:00+08:00", subs))
    assert finding.rule_id == "deadlines.monthly_plan_late" and finding.evidence["status"] == "late"
    assert finding.evidence["first_submission"] == "v1"
    assert finding.evidence["first_submitted_at"] == "2024-03-06T09:00:00+08:00"
    assert finding.evidence["versions"] == ["v1", "v2", "v3"]
    assert finding.message_zh == "2024年3月工作计划应于2024年3月5日 23:59（北京时间）前报送，首次报送逾期，扣0.1分"
    assert finding.message_en == "Work plan for Mar 2024 was due by 5 Mar 2024 23:59 Beijing time: late, −0.1"


def test_two_versions_at_the_same_instant_the_one_listed_first_is_the_first(kit):
    """DOMAIN.md §6.3 (the first version decides): two versions stamped the same second — the one listed first (the
    portal lists hand-ins in the order they were stored) stays the first version; a tie does not replace it."""
    subs = [_plan("2024-03-06T09:00:00+08:00", "a"), _plan("2024-03-06T01:00:00Z", "b")]  # the same instant
    [finding] = evaluate(_px(kit, "2024-03-20T12:00:00+08:00", subs))
    assert finding.evidence["first_submission"] == "a"
    assert finding.evidence["first_submitted_at"] == "2024-03-06T09:00:00+08:00"
    assert finding.evidence["versions"] == ["a", "b"]


@pytest.mark.parametrize("ignored", [
    # handed in after as_of: it does not exist yet
    {"id": "x", "kind": "monthly_plan", "period": "2024-04", "submitted_at": "2024-04-01T09:00:00+08:00"},
    # a kind no rule of 萍乡's scheme reads (seed 000's job information)
    {"id": "x", "kind": "job_information", "period": "2024-03", "submitted_at": "2024-03-02T09:00:00+08:00"},
], ids=["after-as-of", "not-in-force"])
def test_a_hand_in_that_does_not_count_does_not_hide_the_ones_after_it(kit, ignored):
    """seed 002 9.3: March's plan handed in on the 4th is on time, wherever it is listed — also after a row that is
    not counted (handed in after as_of, or of a kind the scheme does not judge)."""
    subs = [ignored, _plan("2024-03-04T09:00:00+08:00", "p1")]
    assert evaluate(_px(kit, "2024-03-20T12:00:00+08:00", subs)) == []


# --- what a submission must say, and the words of each refusal ---------------------------------------------------

def _row(**fields):
    row = {"id": "s1", "kind": "monthly_plan", "period": "2024-03", "submitted_at": "2024-03-04T09:00:00+08:00"}
    row.update(fields)
    return {k: v for k, v in row.items() if v is not None}


@pytest.mark.parametrize("row, message", [
    (_row(kind=None), "submissions[s1]: kind is required"),
    (_row(kind="weekly_plan"), "submissions[s1]: kind 'weekly_plan' is not one of ['annual_summary', 'job_information', "
                               "'monthly_plan', 'monthly_report', 'monthly_summary', 'quarterly_ledger', 'work_report']"),
    (_row(period=None), "submissions[s1]: period is required"),
    (_row(period="2024-13"), "submissions[s1]: period '2024-13' does not fit monthly_plan (YYYY-MM, YYYY-Qn or YYYY)"),
    (_row(kind="quarterly_ledger", period="2024-Q1"), "submissions[s1]: ledger is required"),
    (_row(kind="quarterly_ledger", period="2024-Q1", ledger="people"),
     "submissions[s1]: ledger 'people' is not one of ['entrepreneurs', 'jobs', 'migrant_workers']"),
    (_row(submitted_at=None), "submissions[s1]: submitted_at is required"),
    (_row(submitted_at="yesterday"), "submissions[s1].submitted_at: 'yesterday' is not an ISO 8601 timestamp"),
])
def test_a_bad_submission_is_refused_naming_the_row_and_the_problem(kit, row, message):
    """rules/compliance/README.md (submissions): {id, kind, period, submitted_at, ledger?}; a malformed input raises
    InvalidFacts before the engine runs, naming the row by its id (the words the portal shows)."""
    with pytest.raises(InvalidFacts) as refused:
        evaluate(_px(kit, "2024-03-20T12:00:00+08:00", [row]))
    assert str(refused.value) == message


@pytest.mark.parametrize("kind, period", [
    ("monthly_plan", "0000-05"),  # no year 0
    ("quarterly_ledger", "2022-03"),  # a month is not a quarter
    ("quarterly_ledger", "2022-QX"),
    ("quarterly_ledger", "2022-Q0"),
    ("quarterly_ledger", "0000-Q1"),
    ("annual_summary", "20221"),  # five digits
    ("annual_summary", "20x2"),
    ("annual_summary", "0000"),
    ("annual_summary", "2022-01"),
])
def test_a_period_that_does_not_fit_its_kind_is_refused(kit, kind, period):
    """README (submissions): period YYYY-MM for the monthly kinds, YYYY-Qn for quarterly_ledger, YYYY for
    annual_summary; year 0000 is no year."""
    row = _row(kind=kind, period=period, ledger="jobs" if kind == "quarterly_ledger" else None)
    with pytest.raises(InvalidFacts) as refused:
        evaluate(_px(kit, "2024-03-20T12:00:00+08:00", [row]))
    assert str(refused.value) == (f"submissions[s1]: period {period!r} does not fit {kind} "
                                  "(YYYY-MM, YYYY-Qn or YYYY)")


@pytest.mark.parametrize("scheme, kind, period, rule_id", [
    ("pingxiang-2024-lot1", "monthly_report", "0001-05", "deadlines.monthly_report_late"),
    ("qianxi-2022", "quarterly_ledger", "0001-Q1", "deadlines.quarterly_ledger_missing"),
    ("qianxi-2022", "annual_summary", "0001", "deadlines.annual_summary_missing"),
])
def test_the_first_year_a_period_may_name_is_0001(kit, scheme, kind, period, rule_id):
    """README (submissions): the period's year is any year from 0001 (only 0000 is refused); such a hand-in is judged
    like any other — handed in in 2024, it is late."""
    row = {"id": "s1", "kind": kind, "period": period, "submitted_at": "2024-03-06T09:00:00+08:00"}
    if kind == "quarterly_ledger":
        row["ledger"] = "jobs"
    facts = kit.facts(scheme, "2024-06-01T00:00:00+08:00", submissions=[row])
    del facts["contract"]["starts_on"]  # no calendar: only the hand-in is judged
    assert _seen(evaluate(facts)) == [(rule_id, period, "jobs" if kind == "quarterly_ledger" else None, "late")]
