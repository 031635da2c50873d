"""Attendance rules: seed 000 resident staff days, seed 002 attendance anomalies."""
from decimal import Decimal

from rules.compliance import evaluate

STAFF = "attendance.resident_staff_days"
ANOMALY = "attendance.anomaly"


def _qianxi(kit, rows, as_of="2022-02-10T00:00:00+08:00", stations=None):
    # only this rule's findings: the 黔西 contract also owes reports that these facts leave out
    return kit.facts("qianxi-2022", as_of, attendance=rows, stations=stations or [])


def _staff(findings):
    return [f for f in findings if f.rule_id == STAFF]


def test_seed000_resident_staff_15_days_is_enough(kit):
    """seed 000 附件2 基础建设 专职人员: 每月不低于15天的考勤记录 — 15 days passes."""
    rows = [{"id": "a1", "station": "WZ", "staff": "P1", "month": "2022-01", "days": 15}]
    assert _staff(evaluate(_qianxi(kit, rows))) == []


def test_seed000_resident_staff_14_days_loses_the_4_point_item(kit):
    """seed 000 附件2 基础建设 专职人员: 14 days < 15 → the 4-point item is lost (once)."""
    rows = [{"id": "a1", "station": "WZ", "staff": "P1", "month": "2022-01", "days": 14}]
    [finding] = _staff(evaluate(_qianxi(kit, rows)))
    assert finding.rule_id == STAFF
    assert finding.penalty.points == Decimal("4") and finding.penalty.per_occurrence is False
    assert finding.subject == {"contract": "QX-1", "station": "WZ", "staff": "P1", "month": "2022-01"}
    assert finding.evidence["attendance_rows"] == ["a1"] and finding.evidence["days"] == 14
    assert finding.scheme == "qianxi-2022" and finding.scheme_item == "infrastructure/staff"
    assert finding.scheme_fact == "staff_months_below_15_days"
    assert "15" in finding.message_zh and "fewer than 15" in finding.message_en


def test_seed000_station_month_without_any_attendance_record_counts_as_zero_days(kit):
    """seed 000 附件2: a station with no certified attendance for an ended month has 0 days."""
    rows = [{"id": "a1", "station": "WZ", "staff": "P1", "month": "2022-01", "days": 20}]
    found = _staff(evaluate(_qianxi(kit, rows, stations=[{"id": "WZ"}, {"id": "YW"}])))
    assert [(f.subject["station"], f.subject["month"], f.evidence["recorded"]) for f in found] == [("YW", "2022-01", False)]


def test_seed000_month_not_yet_ended_is_not_judged(kit):
    """seed 000 附件2: February is judged only once February has ended (Shanghai)."""
    found = _staff(evaluate(_qianxi(kit, [], as_of="2022-02-28T23:59:59+08:00", stations=[{"id": "WZ"}])))
    assert [f.subject["month"] for f in found] == ["2022-01"]
    found = _staff(evaluate(_qianxi(kit, [], as_of="2022-03-01T00:00:00+08:00", stations=[{"id": "WZ"}])))
    assert [f.subject["month"] for f in found] == ["2022-01", "2022-02"]


def test_seed000_rule_does_not_apply_to_other_schemes(kit):
    """seed 000 only: a 凭祥 contract with 10 attendance days has no staff-days finding."""
    facts = kit.facts("pingxiang-2024-lot1", "2024-01-02T00:00:00+08:00",
                      attendance=[{"id": "a1", "station": "S", "staff": "P", "month": "2024-01", "days": 10}],
                      submissions=[{"id": "p1", "kind": "monthly_plan", "period": "2024-01",
                                    "submitted_at": "2024-01-01T09:00:00+08:00"}])
    assert evaluate(facts) == []


def _check(kit, **row):
    base = {"id": "c1", "station": "PARK", "staff": "P1", "date": "2024-03-04", "clock_in": "09:00",
            "clock_out": "18:00", "uniform": True}
    base.update(row)
    return evaluate(kit.facts("pingxiang-2024-lot1", "2024-03-05T00:00:00+08:00", attendance_checks=[base],
                              submissions=[{"id": "p", "kind": "monthly_plan", "period": "2024-03",
                                            "submitted_at": "2024-03-01T09:00:00+08:00"},
                                           {"id": "pf", "kind": "monthly_plan", "period": "2024-02",
                                            "submitted_at": "2024-02-01T09:00:00+08:00"},
                                           {"id": "pj", "kind": "monthly_plan", "period": "2024-01",
                                            "submitted_at": "2024-01-01T09:00:00+08:00"},
                                           {"id": "sj", "kind": "monthly_summary", "period": "2024-01",
                                            "submitted_at": "2024-02-01T09:00:00+08:00"},
                                           {"id": "rj", "kind": "monthly_report", "period": "2024-01",
                                            "submitted_at": "2024-02-01T09:00:00+08:00"},
                                           {"id": "sf", "kind": "monthly_summary", "period": "2024-02",
                                            "submitted_at": "2024-03-01T09:00:00+08:00"},
                                           {"id": "rf", "kind": "monthly_report", "period": "2024-02",
                                            "submitted_at": "2024-03-01T09:00:00+08:00"}]))


def test_seed002_on_time_monday_is_no_anomaly(kit):
    """seed 002 1 考评办法1: 周一至周五 9:00－18:00 — clocking 09:00 and 18:00 is normal."""
    assert _check(kit) == []


def test_seed002_late_arrival_is_one_person_time_minus_0_1(kit):
    """seed 002 1 考评办法1: 不正常上班现象 每1人/次扣0.1分 — 09:01 on a Monday."""
    [finding] = _check(kit, clock_in="09:01")
    assert finding.rule_id == ANOMALY and finding.evidence["anomaly"] == "late_arrival"
    assert finding.penalty.points == Decimal("0.1") and finding.penalty.per_occurrence


def test_seed002_saturday_closes_at_17_30(kit):
    """seed 002 1: 周六上班时间9:00－17:30 — leaving 17:30 is fine, 17:29 is early."""
    assert _check(kit, date="2024-03-02", clock_out="17:30") == []
    [finding] = _check(kit, date="2024-03-02", clock_out="17:29")
    assert finding.evidence["anomaly"] == "early_departure"


def test_seed002_sunday_is_not_checked(kit):
    """seed 002 1: 周日休息一天 — no check on Sunday."""
    assert _check(kit, date="2024-03-03", clock_in=None, clock_out=None) == []


def test_seed002_each_anomaly_is_a_person_time(kit):
    """seed 002 1: late and without uniform on one day are two person-times (−0.2)."""
    found = _check(kit, clock_in="09:30", uniform=False)
    assert [(f.rule_id, f.evidence["anomaly"]) for f in found] == [
        (ANOMALY, "late_arrival"), ("attendance.no_uniform", "no_uniform")]
    assert [f.scheme_fact for f in found] == ["attendance_anomaly_person_times", "no_uniform_person_times"]
    assert len({f.dedup_key for f in found}) == 2


def test_seed002_absent_or_no_clock_in_is_an_anomaly(kit):
    """seed 002 1: 每天上班打卡 — no clock-in on a working day is an anomaly (and only that one)."""
    [finding] = _check(kit, clock_in=None, clock_out=None, uniform=False)
    assert finding.evidence["anomaly"] == "absent"


def test_seed002_applies_to_lot2_as_well(kit):
    """seed 002 标项二 1 考评办法1 is the same clause for 宁明."""
    facts = kit.facts("ningming-2024-lot2", "2024-01-01T00:00:00+08:00", attendance_checks=[
        {"id": "c1", "station": "YJ", "staff": "P1", "date": "2024-01-02", "clock_in": "09:10", "clock_out": "18:00"}])
    facts["contract"]["starts_on"] = "2024-01-06"
    assert kit.rule_ids(evaluate(facts)) == [ANOMALY]


def test_seed000_a_month_in_progress_is_not_judged_on_its_running_days(kit):
    """seed 000 附件2: 每月不低于15天 is a whole-month figure — 10 days on 20 February is not yet a finding."""
    rows = [{"id": "a2", "station": "WZ", "staff": "P1", "month": "2022-02", "days": 10}]
    assert _staff(evaluate(_qianxi(kit, rows, as_of="2022-02-28T23:59:59+08:00"))) == []
    [finding] = _staff(evaluate(_qianxi(kit, rows, as_of="2022-03-01T00:00:00+08:00")))
    assert finding.subject["month"] == "2022-02" and finding.evidence["days"] == 10
