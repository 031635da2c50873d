"""Deadline rules (Asia/Shanghai; lateness by the FIRST submitted version; evaluated as of a moment)."""
from decimal import Decimal

import pytest

from rules.compliance import evaluate

PLAN = "deadlines.monthly_plan_late"
SUMMARY = "deadlines.monthly_summary_late"
REPORT = "deadlines.monthly_report_late"


def _px(kit, as_of, submissions, starts_on="2024-03-01"):
    facts = kit.facts("pingxiang-2024-lot1", as_of, submissions=submissions)
    facts["contract"]["starts_on"] = starts_on
    return facts


def _plan(at, sid="p1", period="2024-03", version=1):
    return {"id": sid, "kind": "monthly_plan", "period": period, "version": version, "submitted_at": at}


AS_OF = "2024-03-20T12:00:00+08:00"  # before any March summary or report is due


@pytest.mark.parametrize("at", [
    "2024-03-05T23:59:59+08:00",  # the last second of the 5th, Shanghai
    "2024-03-05T15:59:59Z",  # the same instant in UTC
    "2024-03-05T23:59:59.999999+08:00",
])
def test_seed002_9_3_plan_by_23_59_59_on_the_5th_is_on_time(kit, at):
    """seed 002 9 考评办法3: 每月5日之前做好当月工作计划 — on or before 23:59:59 on the 5th."""
    assert evaluate(_px(kit, AS_OF, [_plan(at)])) == []


@pytest.mark.parametrize("at", [
    "2024-03-06T00:00:01+08:00",  # one second into the 6th, Shanghai
    "2024-03-06T00:00:00+08:00",
    "2024-03-05T16:00:01Z",  # still the 5th in UTC, already 00:00:01 on the 6th in Shanghai
])
def test_seed002_9_3_plan_on_the_6th_in_shanghai_is_late_minus_0_1(kit, at):
    """seed 002 9 考评办法3: 不及时上报的，每次扣0.1分."""
    [finding] = evaluate(_px(kit, AS_OF, [_plan(at)]))
    assert finding.rule_id == PLAN
    assert finding.penalty.points == Decimal("0.1")
    assert finding.evidence["status"] == "late"
    assert finding.evidence["first_submission"] == "p1"
    assert finding.evidence["due"] == "2024-03-05T23:59:59+08:00"
    assert finding.subject == {"contract": "PX-1", "period": "2024-03"}
    assert finding.scheme_item == "other_tasks/monthly_plan"
    assert finding.scheme_fact == "monthly_plans_or_summaries_late"


def test_first_version_decides_a_late_first_version_stays_late(kit):
    """DOMAIN §6.3: on time only if the FIRST submitted version is on time."""
    subs = [_plan("2024-03-06T09:00:00+08:00", "v1"), _plan("2024-03-04T09:00:00+08:00", "v0-never")]
    # v0-never has an earlier timestamp, so it is the first version; on time
    assert evaluate(_px(kit, AS_OF, subs)) == []
    subs = [_plan("2024-03-06T09:00:00+08:00", "v1", version=1), _plan("2024-03-07T09:00:00+08:00", "v2", version=2)]
    [finding] = evaluate(_px(kit, AS_OF, subs))
    assert finding.evidence["first_submission"] == "v1" and finding.evidence["versions"] == ["v1", "v2"]


def test_first_version_on_time_a_later_correction_does_not_make_it_late(kit):
    """DOMAIN §6.3: a correction after the deadline is a new version; the first one counts."""
    subs = [_plan("2024-03-05T10:00:00+08:00", "v1", version=1), _plan("2024-03-09T10:00:00+08:00", "v2", version=2)]
    assert evaluate(_px(kit, AS_OF, subs)) == []


def test_seed002_9_3_plan_missing_is_judged_only_once_the_deadline_has_passed(kit):
    """seed 002 9.3: as of 23:59:59 on the 5th nothing is owed yet; at 00:00:00 on the 6th it is missing."""
    assert evaluate(_px(kit, "2024-03-05T23:59:59+08:00", [])) == []
    [finding] = evaluate(_px(kit, "2024-03-06T00:00:00+08:00", []))
    assert finding.rule_id == PLAN and finding.evidence["status"] == "missing"
    assert "first_submission" not in finding.evidence


def test_a_version_submitted_after_as_of_does_not_exist_yet(kit):
    """Deadline rules evaluate as of a moment: a later submission is not seen."""
    found = evaluate(_px(kit, "2024-03-06T08:00:00+08:00", [_plan("2024-03-06T09:00:00+08:00")]))
    assert [f.evidence["status"] for f in found] == ["missing"]


def test_missing_then_late_keeps_one_dedup_key(kit):
    """The portal stores re-runs: missing (before) and late (after) are the same finding."""
    [missing] = evaluate(_px(kit, "2024-03-06T08:00:00+08:00", [_plan("2024-03-06T09:00:00+08:00")]))
    [late] = evaluate(_px(kit, "2024-03-06T10:00:00+08:00", [_plan("2024-03-06T09:00:00+08:00")]))
    assert missing.dedup_key == late.dedup_key
    assert (missing.evidence["status"], late.evidence["status"]) == ("missing", "late")


def test_seed002_9_3_summary_of_the_previous_month_is_due_by_the_5th(kit):
    """seed 002 9.3: 每月5日之前做好……上个月工作总结 — February's summary by 5 March."""
    subs = [_plan("2024-02-01T09:00:00+08:00", "pf", "2024-02"), _plan("2024-03-01T09:00:00+08:00", "pm", "2024-03"),
            {"id": "rf", "kind": "monthly_report", "period": "2024-02", "submitted_at": "2024-03-01T09:00:00+08:00"},
            {"id": "sf", "kind": "monthly_summary", "period": "2024-02", "submitted_at": "2024-03-05T16:00:00Z"}]
    [finding] = evaluate(_px(kit, AS_OF, subs, starts_on="2024-02-01"))
    assert finding.rule_id == SUMMARY and finding.subject["period"] == "2024-02"
    assert finding.evidence["due"] == "2024-03-05T23:59:59+08:00"
    subs[-1]["submitted_at"] = "2024-03-05T15:59:59Z"
    assert evaluate(_px(kit, AS_OF, subs, starts_on="2024-02-01")) == []


def test_seed002_3_1_monthly_report_late_minus_0_5(kit):
    """seed 002 3 考评办法1: 每月不准时上报报表的，每个月扣0.5分."""
    subs = [_plan("2024-02-01T09:00:00+08:00", "pf", "2024-02"), _plan("2024-03-01T09:00:00+08:00", "pm", "2024-03"),
            {"id": "sf", "kind": "monthly_summary", "period": "2024-02", "submitted_at": "2024-03-01T09:00:00+08:00"},
            {"id": "rf", "kind": "monthly_report", "period": "2024-02", "submitted_at": "2024-03-06T00:00:01+08:00"}]
    [finding] = evaluate(_px(kit, AS_OF, subs, starts_on="2024-02-01"))
    assert finding.rule_id == REPORT and finding.penalty.points == Decimal("0.5")


def _qx(kit, as_of, submissions):
    facts = kit.facts("qianxi-2022", as_of, submissions=submissions)
    facts["contract"].update(starts_on="2022-01-01", ends_on="2022-12-31")
    return facts


def _monthly_000(months, skip=()):
    subs = []
    for mo in months:
        period = f"2022-{mo:02d}"
        if ("job_information", period) not in skip:
            subs.append({"id": f"j{mo}", "kind": "job_information", "period": period,
                         "submitted_at": f"2022-{mo:02d}-20T10:00:00+08:00"})
        subs.append({"id": f"w{mo}", "kind": "work_report", "period": period,
                     "submitted_at": f"2022-{mo:02d}-25T10:00:00+08:00"})
    return subs


def test_seed000_job_information_every_month_is_compliant(kit):
    """seed 000 附件2 工作成效: 每月至少提供1次岗位信息."""
    assert evaluate(_qx(kit, "2022-03-01T00:00:00+08:00", _monthly_000([1, 2]))) == []


def test_seed000_job_information_missing_for_a_month_loses_the_6_points(kit):
    """seed 000 附件2 工作成效: 未按时提供信息不得分 — February missing → the 6-point item is lost once."""
    [finding] = evaluate(_qx(kit, "2022-03-01T00:00:00+08:00",
                             _monthly_000([1, 2], skip={("job_information", "2022-02")})))
    assert finding.rule_id == "deadlines.job_information_missing"
    assert finding.penalty.points == Decimal("6") and finding.penalty.per_occurrence is False
    assert finding.evidence["due"] == "2022-02-28T23:59:59+08:00"


def test_seed000_job_information_for_the_month_is_owed_until_its_last_second(kit):
    """seed 000: February's job information can still come at 23:59:59 on 28 February."""
    assert evaluate(_qx(kit, "2022-02-28T23:59:59+08:00", _monthly_000([1]))) == []


def _ledgers(quarter, at, kinds=("jobs", "migrant_workers", "entrepreneurs")):
    return [{"id": f"l{quarter}{k}", "kind": "quarterly_ledger", "ledger": k, "period": f"2022-Q{quarter}",
             "submitted_at": at} for k in kinds]


def test_seed000_quarterly_ledgers_due_at_quarter_end(kit):
    """seed 000 3（3）台账建立: 每季度末集中报送 — missing ledgers at 1 April 00:00 lose their items (3/5/2)."""
    subs = _monthly_000([1, 2, 3])
    assert evaluate(_qx(kit, "2022-03-31T23:59:59+08:00", subs)) == []
    found = evaluate(_qx(kit, "2022-04-01T00:00:00+08:00", subs))
    assert {f.subject["ledger"]: f.penalty.points for f in found} == {
        "jobs": Decimal("3"), "migrant_workers": Decimal("5"), "entrepreneurs": Decimal("2")}
    assert {f.rule_id for f in found} == {"deadlines.quarterly_ledger_missing"}
    assert sorted(f.scheme_item for f in found) == ["ledgers/entrepreneur_ledger", "ledgers/job_ledger",
                                                   "ledgers/migrant_ledger"]
    found = evaluate(_qx(kit, "2022-04-01T00:00:00+08:00", subs + _ledgers(1, "2022-03-31T15:59:59Z")))
    assert found == []
    found = evaluate(_qx(kit, "2022-04-01T00:00:00+08:00", subs + _ledgers(1, "2022-03-31T16:00:00Z", ["jobs"])
                         + _ledgers(1, "2022-03-30T10:00:00+08:00", ["migrant_workers", "entrepreneurs"])))
    assert [(f.subject["ledger"], f.evidence["status"]) for f in found] == [("jobs", "late")]


def test_seed000_annual_summary_missing_at_year_end(kit):
    """seed 000 附件2 信息报送: 年底报送工作总结，未按要求报送，不得分 (5 points)."""
    subs = _monthly_000(range(1, 13)) + [s for q in (1, 2, 3, 4) for s in _ledgers(q, f"2022-{3 * q:02d}-20T10:00:00+08:00")]
    assert evaluate(_qx(kit, "2022-12-31T23:59:59+08:00", subs)) == []
    [finding] = evaluate(_qx(kit, "2023-01-01T00:00:00+08:00", subs))
    assert finding.rule_id == "deadlines.annual_summary_missing" and finding.penalty.points == Decimal("5")
    subs.append({"id": "ann", "kind": "annual_summary", "period": "2022", "submitted_at": "2022-12-30T10:00:00+08:00"})
    assert evaluate(_qx(kit, "2023-01-01T00:00:00+08:00", subs)) == []
