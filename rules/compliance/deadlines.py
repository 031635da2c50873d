"""Deadlines: what was due, when (Asia/Shanghai), and whether its FIRST version came in time.

Each obligation (kind, period[, ledger]) becomes one fact carrying its cutoff — the first instant
after the deadline, so "by the 5th" means before 00:00:00 on the 6th — the first submitted version's
timestamp if any, and the ``as_of`` moment the rules are evaluated at. A version submitted after
``as_of`` does not exist yet. Late and missing are decided by the rules below, never by a timer.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Callable

from durable.lang import m, ruleset

from .engine import Evaluation, InvalidFacts, end_of_input, rule, schemes_condition
from .facts import (SHANGHAI, Input, iso, month_str, months_between, next_month, parse_moment, require,
                    shanghai_midnight, to_us)
from .model import Clause, Kind, Penalty, Remedy, RuleMeta, Severity

RULESET = "kaohe_deadlines"
DUE_DAY = 5  # seed 002 标项一 9.3: 每月5日之前

_002 = ("pingxiang-2024-lot1", "ningming-2024-lot2")
_000 = ("qianxi-2022",)

MONTHLY_PLAN_LATE = RuleMeta(
    id="deadlines.monthly_plan_late",
    remedy=Remedy("补交逾期的月度工作计划（逾期提交仍按逾期扣分），今后每月按规定日期前报送",
                  "Submit the overdue monthly plan (a late plan still costs the late deduction) and hand in every plan by its day"),
    ruleset=RULESET,
    clause=Clause(seed="002", item="项目质量标准表 9 其他人社部门要求协助开展的服务 / 考评办法3",
                  text="每月5日之前做好当月工作计划及上个月工作总结，以书面形式报人社局就业服务中心，不及时上报的，每次扣0.1分。"),
    message_zh="{period}月工作计划应于{due}前报送，{status_zh}，扣{points}分",
    message_en="Work plan for {period} was due by {due}: {status}, −{points}",
    schemes=_002, scheme_item="other_tasks/monthly_plan", scheme_fact="monthly_plans_or_summaries_late", scheme_item_label="每月工作计划及总结",
    penalty=Penalty(points=Decimal("0.1")), severity=Severity.NOTICE, kind=Kind.VIOLATION,
    due_day=DUE_DAY,
)

MONTHLY_SUMMARY_LATE = RuleMeta(
    id="deadlines.monthly_summary_late",
    remedy=Remedy("补交逾期的月度工作总结（逾期提交仍按逾期扣分），今后每月按规定日期前报送",
                  "Submit the overdue monthly summary (a late one still costs the late deduction) and hand in every summary by its day"),
    ruleset=RULESET,
    clause=MONTHLY_PLAN_LATE.clause,
    message_zh="{period}月工作总结应于{due}前报送，{status_zh}，扣{points}分",
    message_en="Work summary for {period} was due by {due}: {status}, −{points}",
    schemes=_002, scheme_item="other_tasks/monthly_plan", scheme_fact="monthly_plans_or_summaries_late", scheme_item_label="每月工作计划及总结",
    penalty=Penalty(points=Decimal("0.1")), severity=Severity.NOTICE, kind=Kind.VIOLATION,
    due_day=DUE_DAY,
)

MONTHLY_REPORT_LATE = RuleMeta(
    id="deadlines.monthly_report_late",
    remedy=Remedy("补交逾期的月度报告（逾期提交仍按逾期扣分），今后按月准时上报",
                  "Submit the overdue monthly report (a late one still costs the late deduction) and report on time every month"),
    ruleset=RULESET,
    clause=Clause(seed="002", item="项目质量标准表 3 企业用工需求调查服务 / 考评办法1",
                  text="核验更新记录，每少一个月不更新，扣0.5分；每月不准时上报报表的，每个月扣0.5分。"),
    message_zh="{period}月报表应于{due}前上报，{status_zh}，扣{points}分",
    message_en="Monthly report for {period} was due by {due}: {status}, −{points}",
    schemes=_002, scheme_item="demand_survey/park_demand", scheme_fact="months_report_late", scheme_item_label="企业用工需求调查 / 月度监测调度表",
    penalty=Penalty(points=Decimal("0.5")), severity=Severity.NOTICE, kind=Kind.VIOLATION,
    due_day=DUE_DAY,
)

JOB_INFORMATION_MISSING = RuleMeta(
    id="deadlines.job_information_missing",
    remedy=Remedy("补报该月岗位信息，今后每月至少提供1次岗位信息",
                  "Submit the month's job information now and provide job information at least once every month"),
    ruleset=RULESET,
    clause=Clause(seed="000", item="附件2 评分细则 工作成效 / 收集驻地招聘岗位，定期反馈（6分）",
                  text="每月至少提供1次岗位信息，未按时提供信息不得分。"),
    message_zh="{period}月未按时提供岗位信息（应于{due}前），{status_zh}，该项{points}分不得分",
    message_en="No job information for {period} by {due} ({status}): the {points}-point item is lost",
    schemes=_000, scheme_item="effectiveness/job_information", scheme_fact="job_info_months_missed", scheme_item_label="工作成效 / 岗位信息反馈",
    penalty=Penalty(points=Decimal("6"), per_occurrence=False), severity=Severity.NOTICE, kind=Kind.VIOLATION,
)

MONTHLY_WORK_REPORT_MISSING = RuleMeta(
    id="deadlines.monthly_work_report_missing",
    remedy=Remedy("补交该月书面工作汇报，今后每月书面汇报1次",
                  "Submit the month's written report now and report in writing once every month"),
    ruleset=RULESET,
    clause=Clause(seed="000", item="附件2 评分细则 信息报送 / 每月书面汇报、年底工作总结（5分）",
                  text="驻站工作人员每月1次书面向人社部门汇报协作站运行情况，年底报送工作总结；未按要求报送，不得分。"),
    message_zh="{period}月书面工作汇报未按要求报送（应于{due}前），{status_zh}，该项{points}分不得分",
    message_en="Monthly written report for {period} not handed in by {due} ({status}): the {points}-point item is lost",
    schemes=_000, scheme_item="reporting/reports", scheme_fact="monthly_reports_missing", scheme_item_label="信息报送 / 月度汇报与年度总结",
    penalty=Penalty(points=Decimal("5"), per_occurrence=False), severity=Severity.NOTICE, kind=Kind.VIOLATION,
)

ANNUAL_SUMMARY_MISSING = RuleMeta(
    id="deadlines.annual_summary_missing",
    remedy=Remedy("补交年度工作总结",
                  "Submit the annual summary"),
    ruleset=RULESET,
    clause=MONTHLY_WORK_REPORT_MISSING.clause,
    message_zh="{period}年度工作总结未于年底（{due}）前报送，{status_zh}，该项{points}分不得分",
    message_en="Annual summary for {period} not handed in by year end ({due}, {status}): the {points}-point item is lost",
    schemes=_000, scheme_item="reporting/reports", scheme_fact="year_end_summary_submitted", scheme_item_label="信息报送 / 月度汇报与年度总结",
    penalty=Penalty(points=Decimal("5"), per_occurrence=False), severity=Severity.NOTICE, kind=Kind.VIOLATION,
)

QUARTERLY_LEDGER_MISSING = RuleMeta(
    id="deadlines.quarterly_ledger_missing",
    remedy=Remedy("在台账页面上传该季度缺报的台账，今后每季度末前报送",
                  "Upload the quarter's missing ledger on the ledgers page and hand in every ledger by the quarter's end"),
    ruleset=RULESET,
    clause=Clause(seed="000", item="考核实施细则 3（3）台账建立；附件2 评分细则 台账建立（10分）",
                  text="及时建立《外出务工人员信息台账》《岗位信息台账》《黔籍创业成功人士台账》……每季度末集中报送人社部门。"),
    message_zh="{period}季度末未报送《{ledger_zh}》（应于{due}前），{status_zh}，该台账项{points}分不得分",
    message_en="The {ledger_en} ledger for {period} not handed in by quarter end ({due}, {status}): its {points}-point item is lost",
    schemes=_000, scheme_item="ledgers", scheme_fact="", scheme_item_label="台账建立",
    penalty=Penalty(points=Decimal("10"), per_occurrence=False), severity=Severity.NOTICE, kind=Kind.VIOLATION,
)

# seed 000 附件2 台账建立: the ledgers that carry points, and their items.
LEDGERS = {
    "jobs": ("岗位信息台账", Decimal("3"), "ledgers/job_ledger"),
    "migrant_workers": ("外出务工人员信息台账", Decimal("5"), "ledgers/migrant_ledger"),
    "entrepreneurs": ("黔西籍创业成功人士台账", Decimal("2"), "ledgers/entrepreneur_ledger"),
}
LEDGER_EN = {"jobs": "job information", "migrant_workers": "migrant workers", "entrepreneurs": "successful entrepreneurs"}


@dataclass(frozen=True)
class Obligation:
    kind: str
    meta: RuleMeta
    periods: Callable[[date, date], list[str]]  # contract start, end -> period ids
    start: Callable[[str], datetime]  # when the period begins (obligations exist from then)
    cutoff: Callable[[str, int], datetime]  # (period, due day) -> the first instant after the deadline
    included: Callable[[str, date, int], bool] = lambda period, starts_on, day: True


def _month(period: str) -> tuple[int, int]:
    return int(period[:4]), int(period[5:7])


def _months(first: date, last: date) -> list[str]:
    return [month_str(y, mo) for y, mo in months_between(first, last)]


def _month_start(period: str) -> datetime:
    y, mo = _month(period)
    return shanghai_midnight(date(y, mo, 1))


def _day_in_month(period: str, day: int) -> datetime:
    """Cutoff for "by the <day>th of this month"."""
    y, mo = _month(period)
    return shanghai_midnight(date(y, mo, day) + timedelta(days=1))


def _day_in_next_month(period: str, day: int) -> datetime:
    y, mo = next_month(*_month(period))
    return shanghai_midnight(date(y, mo, day) + timedelta(days=1))


def _next_month_start(period: str) -> datetime:
    y, mo = next_month(*_month(period))
    return shanghai_midnight(date(y, mo, 1))


def _quarters(first: date, last: date) -> list[str]:
    out: list[str] = []
    for y, mo in months_between(first, last):
        q = f"{y}-Q{(mo - 1) // 3 + 1}"
        if q not in out:
            out.append(q)
    return out


def _quarter(period: str) -> tuple[int, int]:
    return int(period[:4]), int(period[6])


def _quarter_start(period: str) -> datetime:
    y, q = _quarter(period)
    return shanghai_midnight(date(y, 3 * q - 2, 1))


def _quarter_cutoff(period: str) -> datetime:
    y, q = _quarter(period)
    return shanghai_midnight(date(y + 1, 1, 1) if q == 4 else date(y, 3 * q + 1, 1))


def _years(first: date, last: date) -> list[str]:
    return [str(y) for y in range(first.year, last.year + 1)]


OBLIGATIONS = {
    # seed 002: the plan for month M by the 5th of M; the summary of M by the 5th of M+1 (the day: the scheme's)
    "monthly_plan": Obligation("monthly_plan", MONTHLY_PLAN_LATE, _months, _month_start, _day_in_month,
                               included=lambda p, start, day: start <= date(*_month(p), day)),
    "monthly_summary": Obligation("monthly_summary", MONTHLY_SUMMARY_LATE, _months, _month_start, _day_in_next_month),
    # seed 002 3.1 gives no day; DOMAIN.md §4: the monthly report is due by the 5th of the next month
    "monthly_report": Obligation("monthly_report", MONTHLY_REPORT_LATE, _months, _month_start, _day_in_next_month),
    # seed 000: at least once in every month, and a written report every month
    "job_information": Obligation("job_information", JOB_INFORMATION_MISSING, _months, _month_start,
                                  lambda p, day: _next_month_start(p)),
    "work_report": Obligation("work_report", MONTHLY_WORK_REPORT_MISSING, _months, _month_start,
                              lambda p, day: _next_month_start(p)),
    # seed 000: ledgers at the end of each quarter, the summary at the end of the year
    "quarterly_ledger": Obligation("quarterly_ledger", QUARTERLY_LEDGER_MISSING, _quarters, _quarter_start,
                                   lambda p, day: _quarter_cutoff(p)),
    "annual_summary": Obligation("annual_summary", ANNUAL_SUMMARY_MISSING, _years,
                                 lambda p: shanghai_midnight(date(int(p), 1, 1)),
                                 lambda p, day: shanghai_midnight(date(int(p) + 1, 1, 1))),
}

# A deadline rule judging a monthly obligation: the submission kind it reads (a scheme's [[compliance]] may name
# the [calendar] obligation whose hand-ins are that kind, period for period).
MONTHLY_KINDS = {ob.meta.id: kind for kind, ob in OBLIGATIONS.items() if ob.periods is _months}
# ... and the calendar due rule that says the same deadline as the rule (a linked obligation must use it)
MONTHLY_DUE = {MONTHLY_PLAN_LATE.id: "day_of_period", MONTHLY_SUMMARY_LATE.id: "day_of_next_period",
               MONTHLY_REPORT_LATE.id: "day_of_next_period", JOB_INFORMATION_MISSING.id: "end_of_period",
               MONTHLY_WORK_REPORT_MISSING.id: "end_of_period"}

STATUS_ZH = {"late": "首次报送逾期", "missing": "截至评估时点仍未报送"}


def _emit(act, ev: Evaluation, meta: RuleMeta, status: str) -> None:
    f = act.m
    evidence = {"obligation": f.kind, "period": f.period, "due": f.due, "status": status,
                "as_of": ev.inp.as_of.astimezone(SHANGHAI).isoformat()}
    details = {"due": f.due, "status": status, "status_zh": STATUS_ZH[status]}
    penalty = None
    item = None
    subject = {"contract": f.contract, "period": f.period}
    if f.submitted:
        evidence.update(first_submission=f.first_id, first_submitted_at=f.first_at, versions=list(f.versions))
    if f.ledger:
        name_zh, points, item = LEDGERS[f.ledger]
        subject["ledger"] = f.ledger
        details.update(ledger=f.ledger, ledger_zh=name_zh, ledger_en=LEDGER_EN[f.ledger], points=points)
        penalty = Penalty(points=points, per_occurrence=False)
    ev.emit(meta, subject=subject, evidence=evidence, details=details, penalty=penalty, scheme_item=item)


def _late(meta: RuleMeta, kind: str):
    return ((m.t == "obligation") & (m.kind == kind) & schemes_condition(meta)
            & (m.submitted == True) & (m.first_us >= m.cutoff_us))


def _missing(meta: RuleMeta, kind: str):
    return ((m.t == "obligation") & (m.kind == kind) & schemes_condition(meta)
            & (m.submitted == False) & (m.as_of_us >= m.cutoff_us))


with ruleset(RULESET):
    end_of_input(RULESET)

    @rule(MONTHLY_PLAN_LATE, _late(MONTHLY_PLAN_LATE, "monthly_plan"))
    def plan_late(act, ev):
        _emit(act, ev, MONTHLY_PLAN_LATE, "late")

    @rule(MONTHLY_PLAN_LATE, _missing(MONTHLY_PLAN_LATE, "monthly_plan"))
    def plan_missing(act, ev):
        _emit(act, ev, MONTHLY_PLAN_LATE, "missing")

    @rule(MONTHLY_SUMMARY_LATE, _late(MONTHLY_SUMMARY_LATE, "monthly_summary"))
    def summary_late(act, ev):
        _emit(act, ev, MONTHLY_SUMMARY_LATE, "late")

    @rule(MONTHLY_SUMMARY_LATE, _missing(MONTHLY_SUMMARY_LATE, "monthly_summary"))
    def summary_missing(act, ev):
        _emit(act, ev, MONTHLY_SUMMARY_LATE, "missing")

    @rule(MONTHLY_REPORT_LATE, _late(MONTHLY_REPORT_LATE, "monthly_report"))
    def report_late(act, ev):
        _emit(act, ev, MONTHLY_REPORT_LATE, "late")

    @rule(MONTHLY_REPORT_LATE, _missing(MONTHLY_REPORT_LATE, "monthly_report"))
    def report_missing(act, ev):
        _emit(act, ev, MONTHLY_REPORT_LATE, "missing")

    @rule(JOB_INFORMATION_MISSING, _late(JOB_INFORMATION_MISSING, "job_information"))
    def job_information_late(act, ev):
        _emit(act, ev, JOB_INFORMATION_MISSING, "late")

    @rule(JOB_INFORMATION_MISSING, _missing(JOB_INFORMATION_MISSING, "job_information"))
    def job_information_missing(act, ev):
        _emit(act, ev, JOB_INFORMATION_MISSING, "missing")

    @rule(MONTHLY_WORK_REPORT_MISSING, _late(MONTHLY_WORK_REPORT_MISSING, "work_report"))
    def work_report_late(act, ev):
        _emit(act, ev, MONTHLY_WORK_REPORT_MISSING, "late")

    @rule(MONTHLY_WORK_REPORT_MISSING, _missing(MONTHLY_WORK_REPORT_MISSING, "work_report"))
    def work_report_missing(act, ev):
        _emit(act, ev, MONTHLY_WORK_REPORT_MISSING, "missing")

    @rule(QUARTERLY_LEDGER_MISSING, _late(QUARTERLY_LEDGER_MISSING, "quarterly_ledger"))
    def ledger_late(act, ev):
        _emit(act, ev, QUARTERLY_LEDGER_MISSING, "late")

    @rule(QUARTERLY_LEDGER_MISSING, _missing(QUARTERLY_LEDGER_MISSING, "quarterly_ledger"))
    def ledger_missing(act, ev):
        _emit(act, ev, QUARTERLY_LEDGER_MISSING, "missing")

    @rule(ANNUAL_SUMMARY_MISSING, _late(ANNUAL_SUMMARY_MISSING, "annual_summary"))
    def annual_summary_late(act, ev):
        _emit(act, ev, ANNUAL_SUMMARY_MISSING, "late")

    @rule(ANNUAL_SUMMARY_MISSING, _missing(ANNUAL_SUMMARY_MISSING, "annual_summary"))
    def annual_summary_missing(act, ev):
        _emit(act, ev, ANNUAL_SUMMARY_MISSING, "missing")


def _check_period(kind: str, period: str, where: str) -> None:
    ok = False
    try:
        if kind == "quarterly_ledger":
            ok = len(period) == 7 and period[4:6] == "-Q" and period[6] in "1234" and int(period[:4]) > 0
        elif kind == "annual_summary":
            ok = len(period) == 4 and int(period) > 0
        else:
            ok = len(period) == 7 and period[4] == "-" and 1 <= int(period[5:]) <= 12 and int(period[:4]) > 0
    except ValueError:
        ok = False
    if not ok:
        raise InvalidFacts(f"{where}: period {period!r} does not fit {kind} (YYYY-MM, YYYY-Qn or YYYY)")


def prepare(inp: Input) -> list[dict]:
    in_force = {k: ob for k, ob in OBLIGATIONS.items() if ob.meta.id in inp.in_force}
    day = {k: inp.in_force[ob.meta.id].due_day or ob.meta.due_day or DUE_DAY for k, ob in in_force.items()}
    # First submitted version per (kind, period, ledger): lateness is decided by it (DOMAIN.md §6.3).
    firsts: dict[tuple[str, str, str], dict] = {}
    for row in inp.rows("submissions"):
        where = f"submissions[{row['id']}]"
        kind = str(require(row, "kind", where))
        if kind not in OBLIGATIONS:
            raise InvalidFacts(f"{where}: kind {kind!r} is not one of {sorted(OBLIGATIONS)}")
        period = str(require(row, "period", where))
        _check_period(kind, period, where)
        ledger = ""
        if kind == "quarterly_ledger":
            ledger = str(require(row, "ledger", where))
            if ledger not in LEDGERS:
                raise InvalidFacts(f"{where}: ledger {ledger!r} is not one of {sorted(LEDGERS)}")
        at = parse_moment(require(row, "submitted_at", where), f"{where}.submitted_at")
        at_us = to_us(at)
        if at_us > inp.as_of_us or kind not in in_force:
            continue  # not submitted yet as of as_of / no rule of this scheme wants it
        key = (kind, period, ledger)
        entry = firsts.setdefault(key, {"first_us": at_us, "first_at": at, "first_id": str(row["id"]), "versions": []})
        entry["versions"].append(str(row["id"]))
        if at_us < entry["first_us"]:
            entry.update(first_us=at_us, first_at=at, first_id=str(row["id"]))
    keys: list[tuple[str, str, str]] = []
    if inp.starts_on and inp.ends_on:
        for kind, ob in in_force.items():
            ledgers = sorted(LEDGERS) if kind == "quarterly_ledger" else [""]
            for period in ob.periods(inp.starts_on, inp.ends_on):
                if not ob.included(period, inp.starts_on, day[kind]) or to_us(ob.start(period)) > inp.as_of_us:
                    continue  # the period has not begun as of as_of: nothing is owed yet
                keys.extend((kind, period, ledger) for ledger in ledgers)
    keys.extend(k for k in sorted(firsts) if k not in keys)
    facts = []
    for kind, period, ledger in keys:
        ob = in_force[kind]
        cutoff = ob.cutoff(period, day[kind])
        fact = inp.base("obligation", f"{kind}:{period}:{ledger}")
        fact.update(kind=kind, period=period, ledger=ledger, cutoff_us=to_us(cutoff),
                    due=iso(cutoff - timedelta(seconds=1)), as_of_us=inp.as_of_us, submitted=False)
        first = firsts.get((kind, period, ledger))
        if first:
            fact.update(submitted=True, first_us=first["first_us"], first_at=iso(first["first_at"]),
                        first_id=first["first_id"], versions=sorted(first["versions"]))
        facts.append(fact)
    return facts
