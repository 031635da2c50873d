"""Attendance: resident staff days (seed 000) and attendance anomalies (seed 002)."""
from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal

from durable.lang import m, ruleset

from .engine import Evaluation, InvalidFacts, end_of_input, rule, schemes_condition
from .facts import (Input, boolean, cutoff_after, ids, month_str, months_between, parse_day, parse_month,
                    require, to_us)
from .model import Clause, Kind, Penalty, Remedy, RuleMeta, Severity

RULESET = "kaohe_attendance"
MIN_RESIDENT_DAYS = 15  # seed 000 附件2: 每月不低于15天的考勤记录

RESIDENT_STAFF_DAYS = RuleMeta(
    id="attendance.resident_staff_days",
    remedy=Remedy("保证每名驻站专职人员每月驻站考勤不少于15天，并按月提交经对方人社局认可的考勤记录；未提交的月份请补交考勤",
                  "Make sure every resident staff member attends at least 15 days each month and submit the monthly attendance certified by the receiving bureau; submit the attendance of any month still missing"),
    ruleset=RULESET,
    clause=Clause(
        seed="000",
        item="附件2 评分细则 基础建设 / 有专职人员负责协作站日常工作（4分）",
        text="驻站专职人员每月驻站工作考勤不少于15天；提供工作日志，对方人社局认可的每月不低于15天的考勤记录。",
    ),
    message_zh="工作站{station}驻站专职人员{staff}在{month}考勤{days}天，少于15天，专职人员项（{points}分）不得分",
    message_en="Station {station}: resident staff {staff} attended {days} days in {month}, fewer than 15; "
               "the full-time staff item ({points} points) is lost",
    schemes=("qianxi-2022",),
    scheme_item="infrastructure/staff", scheme_fact="staff_months_below_15_days",
    scheme_item_label="基础建设 / 有专职人员负责协作站日常工作",
    penalty=Penalty(points=Decimal("4"), per_occurrence=False),
    severity=Severity.NOTICE,
    kind=Kind.VIOLATION,
)

ATTENDANCE_ANOMALY = RuleMeta(
    id="attendance.anomaly",
    remedy=Remedy("按站点开放时间打卡上下班，缺勤须事先请假；每周汇总考勤报人社局，下次抽查前纠正",
                  "Clock in and out within the station's opening hours, take leave in advance for any absence, and send the weekly attendance summary to the bureau before the next spot check"),
    ruleset=RULESET,
    clause=Clause(
        seed="002",
        item="项目质量标准表 1 服务站点候工服务 / 考评办法1（标项一、标项二）",
        text="按要求考勤，每天上班打卡，每周汇总报人社局1次；每月抽查一周，发现有不正常上班现象的、"
             "上班不穿工作服的，每1人/次扣0.1分，该项分扣完为止。",
    ),
    message_zh="工作站{station}人员{staff}于{date}考勤异常（{anomaly_zh}），扣{points}分",
    message_en="Station {station}: {staff} on {date}: attendance anomaly ({anomaly}), −{points}",
    schemes=("pingxiang-2024-lot1", "ningming-2024-lot2"),
    scheme_item="waiting_service/attendance_uniform", scheme_fact="attendance_anomaly_person_times",
    scheme_item_label="服务站点候工服务 / 在岗与工作服",
    penalty=Penalty(points=Decimal("0.1")),
    severity=Severity.NOTICE,
    kind=Kind.VIOLATION,
)

NO_UNIFORM = RuleMeta(
    id="attendance.no_uniform",
    remedy=Remedy("工作时间统一穿着工作服，站点负责人每日检查",
                  "Wear the uniform during working hours; the station lead checks it every day"),
    ruleset=RULESET,
    clause=ATTENDANCE_ANOMALY.clause,
    message_zh="工作站{station}人员{staff}于{date}上班未穿工作服，扣{points}分",
    message_en="Station {station}: {staff} on {date} worked without the uniform, −{points}",
    schemes=("pingxiang-2024-lot1", "ningming-2024-lot2"),
    scheme_item="waiting_service/attendance_uniform", scheme_fact="no_uniform_person_times",
    scheme_item_label="服务站点候工服务 / 在岗与工作服",
    penalty=Penalty(points=Decimal("0.1")),
    severity=Severity.NOTICE,
    kind=Kind.VIOLATION,
)

# seed 002 标项一 1.1: 周一至周五 9:00－18:00，周六 9:00－17:30，周日休息
OPENING_HOURS = {0: (9 * 3600, 18 * 3600), 1: (9 * 3600, 18 * 3600), 2: (9 * 3600, 18 * 3600),
                 3: (9 * 3600, 18 * 3600), 4: (9 * 3600, 18 * 3600), 5: (9 * 3600, 17 * 3600 + 1800)}

ANOMALY_ZH = {"absent": "缺勤或未打卡", "late_arrival": "迟到", "early_departure": "早退或未签退",
              "no_uniform": "未穿工作服"}


with ruleset(RULESET):
    end_of_input(RULESET)

    # judged once the month has ended (Shanghai): 每月不低于15天 is a whole month's figure
    @rule(RESIDENT_STAFF_DAYS,
          (m.t == "attendance_month") & schemes_condition(RESIDENT_STAFF_DAYS) & (m.as_of_us >= m.month_end_us)
          & (m.days < MIN_RESIDENT_DAYS))
    def resident_staff_days(act, ev: Evaluation) -> None:
        f = act.m
        ev.emit(
            RESIDENT_STAFF_DAYS,
            subject={"contract": f.contract, "station": f.station, "staff": f.staff, "month": f.month},
            evidence={"attendance_rows": list(f.rows), "days": f.days, "recorded": f.recorded,
                      "minimum_days": MIN_RESIDENT_DAYS},
            details={"days": f.days, "staff": f.staff or "（无考勤记录 / no attendance record）"},
        )

    def _anomaly(act, ev: Evaluation, anomaly: str, meta: RuleMeta = ATTENDANCE_ANOMALY) -> None:
        f = act.m
        ev.emit(
            meta,
            subject={"contract": f.contract, "station": f.station, "staff": f.staff, "date": f.date},
            key=(anomaly,),
            evidence={"attendance_check": f.src, "date": f.date, "anomaly": anomaly,
                      "clock_in": f.clock_in, "clock_out": f.clock_out,
                      "opening_hours": [f.open_s, f.close_s]},
            details={"anomaly": anomaly, "anomaly_zh": ANOMALY_ZH[anomaly]},
        )

    _checked = (m.t == "attendance_check") & schemes_condition(ATTENDANCE_ANOMALY) & (m.open_day == True)

    @rule(ATTENDANCE_ANOMALY, _checked & (m.absent == True))
    def anomaly_absent(act, ev: Evaluation) -> None:
        _anomaly(act, ev, "absent")

    @rule(ATTENDANCE_ANOMALY, _checked & (m.absent == False) & (m.in_s > m.open_s))
    def anomaly_late(act, ev: Evaluation) -> None:
        _anomaly(act, ev, "late_arrival")

    @rule(ATTENDANCE_ANOMALY, _checked & (m.absent == False) & (m.out_s < m.close_s))
    def anomaly_early(act, ev: Evaluation) -> None:
        _anomaly(act, ev, "early_departure")

    @rule(NO_UNIFORM, _checked & (m.absent == False) & (m.uniform == False))
    def no_uniform(act, ev: Evaluation) -> None:
        _anomaly(act, ev, "no_uniform", NO_UNIFORM)


def _clock(value, where: str) -> int | None:
    if value is None or value == "":
        return None
    parts = str(value).split(":")
    try:
        nums = [int(p) for p in parts]
    except ValueError:
        nums = []
    if len(nums) not in (2, 3) or not (0 <= nums[0] < 24 and 0 <= nums[1] < 60 and (len(nums) == 2 or 0 <= nums[2] < 60)):
        raise InvalidFacts(f"{where}: {value!r} is not a clock time (HH:MM or HH:MM:SS)")
    return nums[0] * 3600 + nums[1] * 60 + (nums[2] if len(nums) == 3 else 0)


def _month_end_us(y: int, mo: int) -> int:
    """The first instant after the month ends, Shanghai."""
    return to_us(cutoff_after(date(y, mo, calendar.monthrange(y, mo)[1])))


def prepare(inp: Input) -> list[dict]:
    facts: list[dict] = []
    # Monthly certified attendance, one row per resident staff member and month (seed 000).
    by_station_month: dict[tuple[str, str], list[str]] = {}
    for row in inp.rows("attendance"):
        where = f"attendance[{row['id']}]"
        y, mo = parse_month(require(row, "month", where), where)
        days = require(row, "days", where)
        if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 31:
            raise InvalidFacts(f"{where}: days must be an integer 0..31, got {days!r}")
        station = str(require(row, "station", where))
        fact = inp.base("attendance_month", row["id"])
        fact.update(station=station, staff=str(require(row, "staff", where)), month=month_str(y, mo),
                    days=days, recorded=True, rows=[str(row["id"])], as_of_us=inp.as_of_us,
                    month_end_us=_month_end_us(y, mo))
        facts.append(fact)
        by_station_month.setdefault((station, month_str(y, mo)), []).append(str(row["id"]))
    # A station with no attendance record at all for a month that has ended: 0 days.
    if inp.starts_on and inp.ends_on:
        for station in ids(inp.rows("stations")):
            for y, mo in months_between(inp.starts_on, inp.ends_on):
                if _month_end_us(y, mo) > inp.as_of_us or (station, month_str(y, mo)) in by_station_month:
                    continue
                fact = inp.base("attendance_month", f"missing:{station}:{month_str(y, mo)}")
                fact.update(station=station, staff="", month=month_str(y, mo), days=0, recorded=False, rows=[],
                            as_of_us=inp.as_of_us, month_end_us=_month_end_us(y, mo))
                facts.append(fact)
    # Daily attendance checks from the monthly one-week spot check (seed 002).
    for row in inp.rows("attendance_checks"):
        where = f"attendance_checks[{row['id']}]"
        day = parse_day(require(row, "date", where), where)
        hours = OPENING_HOURS.get(day.weekday())
        clock_in = _clock(row.get("clock_in"), f"{where}.clock_in")
        clock_out = _clock(row.get("clock_out"), f"{where}.clock_out")
        absent = boolean(row, "absent", where, default=False) or (clock_in is None)
        fact = inp.base("attendance_check", row["id"])
        fact.update(station=str(require(row, "station", where)), staff=str(require(row, "staff", where)),
                    date=day.isoformat(), open_day=hours is not None, absent=absent,
                    uniform=boolean(row, "uniform", where, default=True),
                    clock_in=row.get("clock_in"), clock_out=row.get("clock_out"))
        if hours is not None:
            fact.update(open_s=hours[0], close_s=hours[1])
            if clock_in is not None:
                fact["in_s"] = clock_in
                # a missing clock-out counts as leaving early (未签退)
                fact["out_s"] = clock_out if clock_out is not None else 0
        facts.append(fact)
    return facts
