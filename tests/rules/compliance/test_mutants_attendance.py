"""Attendance rules, pinned where the mutation run of issue #18 found them loose: the clock times a spot check
accepts and refuses (seed 002 考评办法1, 周一至周五 9:00－18:00, 周六 9:00－17:30) to the second, what a resident staff
month records (seed 000 附件2, 每月不低于15天的考勤记录), the months a station owes, and every refusal's words, naming
the row. Asia/Shanghai time throughout (DOMAIN.md §6.3)."""
from __future__ import annotations

import pytest

from rules.compliance import InvalidFacts, evaluate

STAFF = "attendance.resident_staff_days"
ANOMALY = "attendance.anomaly"
NO_UNIFORM = "attendance.no_uniform"
NONE_RECORDED = "（无考勤记录 / no attendance record）"


def _qianxi(kit, rows, as_of="2022-03-10T00:00:00+08:00", stations=(), **contract):
    facts = kit.facts("qianxi-2022", as_of, attendance=rows, stations=list(stations),
                      compliance=[{"rule": STAFF}])
    facts["contract"].update(contract)
    return facts


def _month(row_id="a1", **row):
    base = {"id": row_id, "station": "WZ", "staff": "P1", "month": "2022-01", "days": 15}
    base.update(row)
    return base


def _check(kit, **row):
    base = {"id": "c1", "station": "PARK", "staff": "P1", "date": "2024-03-04", "clock_in": "09:00",
            "clock_out": "18:00"}
    base.update(row)
    return kit.facts("pingxiang-2024-lot1", "2024-03-05T00:00:00+08:00", attendance_checks=[base],
                     compliance=[{"rule": ANOMALY}, {"rule": NO_UNIFORM}])


def _anomalies(kit, **row):
    return [(f.rule_id, f.evidence["anomaly"]) for f in evaluate(_check(kit, **row))]


def _refusal(facts) -> str:
    with pytest.raises(InvalidFacts) as refused:
        evaluate(facts)
    return str(refused.value)


# --- clock times (seed 002 考评办法1: 每天上班打卡) ----------------------------------------------------------------

@pytest.mark.parametrize("clock_in,clock_out", [
    ("00:00", "18:00"), ("08:59:59", "18:00:00"), ("09:00:00", "23:59:59"), ("09:00", "18:00:00")])
def test_seed002_clock_times_from_midnight_to_23_59_59_with_or_without_seconds_are_read(kit, clock_in, clock_out):
    """seed 002 考评办法1 周一至周五 9:00－18:00: HH:MM and HH:MM:SS are both clock times, 00:00 to 23:59:59 — in at
    or before 9:00:00 and out at or after 18:00:00 on a Monday is no anomaly (08:59:59 is not 9:00, and not late)."""
    assert _anomalies(kit, clock_in=clock_in, clock_out=clock_out) == []


def test_seed002_one_second_after_nine_is_late_and_one_second_before_six_is_early(kit):
    """seed 002 考评办法1 不正常上班现象: the seconds count — in at 09:00:01 is a late arrival, out at 17:59:59 an early
    departure, each one person-time."""
    assert _anomalies(kit, clock_in="09:00:01") == [(ANOMALY, "late_arrival")]
    assert _anomalies(kit, clock_out="17:59:59") == [(ANOMALY, "early_departure")]


@pytest.mark.parametrize("field,value", [
    ("clock_in", "24:00"), ("clock_in", "09:60"), ("clock_out", "17:59:60"), ("clock_out", "18:00:00:00"),
    ("clock_in", "9h"), ("clock_out", "18"), ("clock_in", "-1:30")])
def test_seed002_a_clock_time_out_of_range_is_refused_naming_the_row_and_the_field(kit, field, value):
    """seed 002 考评办法1 打卡: hours 0–23, minutes and seconds 0–59, two or three parts; anything else is refused with
    the check, the field and the value named."""
    assert _refusal(_check(kit, **{field: value})) == (
        f"attendance_checks[c1].{field}: {value!r} is not a clock time (HH:MM or HH:MM:SS)")


def test_seed002_an_empty_clock_in_is_no_clock_in_an_absence(kit):
    """seed 002 考评办法1 每天上班打卡: an empty clock-in (as a form leaves it) is no clock-in: absent, one
    person-time, with what was written kept as evidence."""
    [finding] = evaluate(_check(kit, clock_in="", clock_out=""))
    assert finding.rule_id == ANOMALY
    assert finding.evidence == {"attendance_check": "c1", "date": "2024-03-04", "anomaly": "absent",
                                "clock_in": "", "clock_out": "", "opening_hours": [32400, 64800]}
    assert finding.message_zh == "工作站PARK人员P1于2024年3月4日考勤异常（缺勤或未打卡），扣0.1分"
    assert finding.message_en == "Station PARK: P1 on 4 Mar 2024: attendance anomaly (absent), −0.1"


def test_seed002_no_clock_out_is_leaving_early_with_the_check_as_evidence(kit):
    """seed 002 考评办法1 不正常上班现象: clocked in on time, never clocked out (未签退) — an early departure; the
    finding names station, staff and day and keeps the clock times as written."""
    [finding] = evaluate(_check(kit, clock_in="08:55:30", clock_out=None))
    assert finding.rule_id == ANOMALY
    assert finding.subject == {"contract": "PX-1", "station": "PARK", "staff": "P1", "date": "2024-03-04"}
    assert finding.evidence == {"attendance_check": "c1", "date": "2024-03-04", "anomaly": "early_departure",
                                "clock_in": "08:55:30", "clock_out": None, "opening_hours": [32400, 64800]}
    assert finding.message_zh == "工作站PARK人员P1于2024年3月4日考勤异常（早退或未签退），扣0.1分"
    assert finding.message_en == "Station PARK: P1 on 4 Mar 2024: attendance anomaly (early_departure), −0.1"


def test_seed002_a_late_arrival_without_uniform_keeps_both_clock_times(kit):
    """seed 002 考评办法1: 不正常上班 and 上班不穿工作服 are two person-times, each naming the check and its clock
    times (the Saturday of 2 March 2024 closes at 17:30)."""
    found = evaluate(_check(kit, date="2024-03-02", clock_in="09:15", clock_out="17:45:10", uniform=False))
    assert [(f.rule_id, f.subject, f.evidence) for f in found] == [
        (ANOMALY, {"contract": "PX-1", "station": "PARK", "staff": "P1", "date": "2024-03-02"},
         {"attendance_check": "c1", "date": "2024-03-02", "anomaly": "late_arrival", "clock_in": "09:15",
          "clock_out": "17:45:10", "opening_hours": [32400, 63000]}),
        (NO_UNIFORM, {"contract": "PX-1", "station": "PARK", "staff": "P1", "date": "2024-03-02"},
         {"attendance_check": "c1", "date": "2024-03-02", "anomaly": "no_uniform", "clock_in": "09:15",
          "clock_out": "17:45:10", "opening_hours": [32400, 63000]})]
    assert [f.message_zh for f in found] == ["工作站PARK人员P1于2024年3月2日考勤异常（迟到），扣0.1分",
                                             "工作站PARK人员P1于2024年3月2日上班未穿工作服，扣0.1分"]
    assert [f.message_en for f in found] == ["Station PARK: P1 on 2 Mar 2024: attendance anomaly (late_arrival), −0.1",
                                             "Station PARK: P1 on 2 Mar 2024 worked without the uniform, −0.1"]


def test_seed002_marked_absent_is_an_absence_even_with_clock_times(kit):
    """seed 002 考评办法1 缺勤: a check marked absent is an absence (only that one), whatever the clock says."""
    assert _anomalies(kit, absent=True) == [(ANOMALY, "absent")]
    assert _anomalies(kit, absent=False) == []


@pytest.mark.parametrize("row,refusal", [
    ({"absent": "yes"}, "attendance_checks[c1]: absent must be true or false, got 'yes'"),
    ({"uniform": 1}, "attendance_checks[c1]: uniform must be true or false, got 1"),
    ({"date": "2024-3-4"}, "attendance_checks[c1]: '2024-3-4' is not a date (YYYY-MM-DD)"),
    ({"date": None}, "attendance_checks[c1]: date is required"),
    ({"station": ""}, "attendance_checks[c1]: station is required"),
    ({"staff": None}, "attendance_checks[c1]: staff is required"),
])
def test_seed002_a_bad_check_is_refused_naming_the_row(kit, row, refusal):
    """seed 002 考评办法1: a spot check's row without a date, station or staff, or with a flag not true/false, is
    refused in words naming the row."""
    assert _refusal(_check(kit, **row)) == refusal


# --- resident staff months (seed 000 附件2 基础建设 专职人员) ---------------------------------------------------------

def test_seed000_a_recorded_month_of_0_days_names_the_staff_and_the_row(kit):
    """seed 000 附件2 每月不低于15天的考勤记录: a certified month of 0 days is a recorded month (recorded: true), its
    row as evidence; 31 days is a whole month and passes."""
    found = evaluate(_qianxi(kit, [_month(days=0), _month("a2", staff="P2", days=31)], as_of="2022-02-10T00:00:00+08:00"))
    [finding] = found
    assert finding.subject == {"contract": "QX-1", "station": "WZ", "staff": "P1", "month": "2022-01"}
    assert finding.evidence == {"attendance_rows": ["a1"], "days": 0, "recorded": True, "minimum_days": 15}
    assert finding.message_zh == "工作站WZ驻站专职人员P1在2022年1月考勤0天，少于15天，专职人员项（4分）不得分"
    assert finding.message_en == ("Station WZ: resident staff P1 attended 0 days in Jan 2022, fewer than 15; "
                                  "the full-time staff item (4 points) is lost")


def test_seed000_a_station_owes_every_ended_month_not_only_the_first_missing(kit):
    """seed 000 附件2 按月提交考勤: January recorded, February not — on 10 March February is missing (0 days, not
    recorded, no staff named); March has not ended."""
    found = evaluate(_qianxi(kit, [_month(days=20)], stations=[{"id": "WZ"}]))
    [finding] = found
    assert finding.subject == {"contract": "QX-1", "station": "WZ", "month": "2022-02"}
    assert finding.evidence == {"attendance_rows": [], "days": 0, "recorded": False, "minimum_days": 15}
    assert finding.message_zh == f"工作站WZ驻站专职人员{NONE_RECORDED}在2022年2月考勤0天，少于15天，专职人员项（4分）不得分"
    assert finding.message_en == (f"Station WZ: resident staff {NONE_RECORDED} attended 0 days in Feb 2022, "
                                  "fewer than 15; the full-time staff item (4 points) is lost")


@pytest.mark.parametrize("contract", [{"ends_on": None}, {"starts_on": None}])
def test_seed000_missing_months_are_counted_only_within_a_contract_with_both_ends(kit, contract):
    """seed 000 附件2: the months a station owes are the contract's; a contract without a start or an end owes no
    missing month (the rows given are still judged)."""
    assert evaluate(_qianxi(kit, [], stations=[{"id": "YW"}], **contract)) == []
    [finding] = evaluate(_qianxi(kit, [_month(days=3)], stations=[{"id": "YW"}], **contract))
    assert finding.subject["station"] == "WZ" and finding.evidence["days"] == 3


@pytest.mark.parametrize("row,refusal", [
    ({"days": 32}, "attendance[a1]: days must be an integer 0..31, got 32"),
    ({"days": -1}, "attendance[a1]: days must be an integer 0..31, got -1"),
    ({"days": True}, "attendance[a1]: days must be an integer 0..31, got True"),
    ({"days": 15.0}, "attendance[a1]: days must be an integer 0..31, got 15.0"),
    ({"days": "15"}, "attendance[a1]: days must be an integer 0..31, got '15'"),
    ({"days": None}, "attendance[a1]: days is required"),
    ({"month": "2022-13"}, "attendance[a1]: '2022-13' is not a month (YYYY-MM)"),
    ({"month": None}, "attendance[a1]: month is required"),
    ({"station": None}, "attendance[a1]: station is required"),
    ({"staff": ""}, "attendance[a1]: staff is required"),
])
def test_seed000_a_bad_attendance_month_is_refused_naming_the_row(kit, row, refusal):
    """seed 000 附件2 每月考勤记录: a month's days are a whole number 0..31; month, days, station and staff are
    required; each refusal names the row."""
    assert _refusal(_qianxi(kit, [_month(**row)])) == refusal
