"""金东 (seed 001) rules that look beyond one year's sheet: who counts as a delivered worker (第一条),
the excellent-station test (第十条, every 2 years per 第十一条) and cancellation after two failing
years (第八条（三）). Thresholds come from the scheme file's [extra.*] tables, not from this code.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Iterable, Sequence

from rules.identifiers import InvalidIdentifier, parse_resident_id
from rules.scoring.model import Scheme
from rules.scoring.numbers import HUNDRED, ZERO, fmt_num, fmt_pts, to_decimal

ZHEJIANG = "33"


@dataclass(frozen=True)
class Verdict:
    """A yes/no decision with every reason spelled out (what held, what did not)."""

    ok: bool
    reasons: tuple[str, ...]
    failures: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.ok

    @property
    def explanation(self) -> str:
        return "; ".join(self.reasons)


@dataclass(frozen=True)
class StationYear:
    """One year of a station's record, as the excellent-station test needs it."""

    year: int
    score: Decimal  # the year's evaluation total
    delivered: int  # delivered workers (第一条)
    skilled: int  # of whom skilled (技术技能人才)
    retained_6_months: int  # still employed 6 months after hire
    ledgers_complete: bool  # 劳务协作工作台账完备

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> "StationYear":
        return cls(year=int(data["year"]), score=to_decimal(data["score"], what="score"),
                   delivered=int(data["delivered"]), skilled=int(data["skilled"]),
                   retained_6_months=int(data["retained_6_months"]), ledgers_complete=bool(data["ledgers_complete"]))


def _param(scheme: Scheme, table: str, key: str) -> Decimal:
    try:
        value = scheme.extra[table][key]
    except KeyError:
        raise ValueError(f"scheme {scheme.id} has no [extra.{table}] {key}") from None
    return Decimal(value)


def excellent_station(scheme: Scheme, years: Sequence[StationYear | dict[str, Any]]) -> Verdict:
    """第十条: ≥2 years of service, every year ≥80, ≥300 delivered a year with ≥10% skilled,
    6-month retention ≥60%, ledgers complete. ``years``: the station's evaluated years, any order.

    The counts are read as 'not below' (以上 / 不低于 include the figure, 《民法典》第1259条).
    """
    min_years = int(_param(scheme, "excellent_station", "min_years"))
    min_score = _param(scheme, "excellent_station", "min_score")
    min_delivered = _param(scheme, "excellent_station", "min_delivered")
    min_skilled = _param(scheme, "excellent_station", "min_skilled_pct")
    min_retention = _param(scheme, "excellent_station", "min_retention_pct")
    records = sorted((y if isinstance(y, StationYear) else StationYear.from_mapping(y) for y in years),
                     key=lambda y: y.year)
    reasons: list[str] = []
    failures: list[str] = []

    def check(ok: bool, text: str):
        reasons.append(("✓ " if ok else "✗ ") + text)
        if not ok:
            failures.append(text)

    check(len(records) >= min_years,
          f"（一）承担劳务协作工作{min_years}年以上: {len(records)} evaluated year(s), need ≥ {min_years}")
    for y in records:
        check(y.score >= min_score, f"{y.year}（一）每年评估得分不低于{fmt_num(min_score)}分: {fmt_pts(y.score)}")
        check(y.delivered >= min_delivered,
              f"{y.year}（二）输送劳动力{fmt_num(min_delivered)}人以上: {y.delivered}")
        skilled_pct = Decimal(y.skilled) / Decimal(y.delivered) * HUNDRED if y.delivered else ZERO
        check(skilled_pct >= min_skilled,
              f"{y.year}（二）技术技能人才占比不低于{fmt_num(min_skilled)}%: {y.skilled} ÷ {y.delivered} = "
              f"{fmt_num(skilled_pct.quantize(Decimal('0.01')))}%")
        retention = Decimal(y.retained_6_months) / Decimal(y.delivered) * HUNDRED if y.delivered else ZERO
        check(retention >= min_retention,
              f"{y.year}（三）6个月后留用率不低于{fmt_num(min_retention)}%: {y.retained_6_months} ÷ {y.delivered} = "
              f"{fmt_num(retention.quantize(Decimal('0.01')))}%")
        check(y.ledgers_complete, f"{y.year}（四）劳务协作工作台账完备: {'yes' if y.ledgers_complete else 'no'}")
    return Verdict(ok=not failures, reasons=tuple(reasons), failures=tuple(failures))


def qualification_cancelled(scheme: Scheme, results: Iterable[tuple[int, bool]]) -> Verdict:
    """第八条（三）: two consecutive failing years cancel the qualification (and bar re-application for 2 years).

    ``results``: (year, passed) for each evaluated year. Years must be consecutive calendar years to count.
    """
    needed = int(_param(scheme, "qualification", "consecutive_failing_years"))
    ban = int(_param(scheme, "qualification", "ban_years"))
    run: list[int] = []
    for year, passed in sorted(results):
        if passed:
            run = []
        elif run and year == run[-1] + 1:
            run.append(year)
        else:
            run = [year]
        if len(run) >= needed:
            years = "、".join(str(y) for y in run[-needed:])
            return Verdict(True, (f"连续{needed}个年度评估不合格 ({years}): qualification cancelled; "
                                  f"no re-application for {ban} years (第八条)",))
    return Verdict(False, (f"no {needed} consecutive failing years",))


@dataclass(frozen=True)
class WorkerRecord:
    resident_id: str
    hire_date: date
    consecutive_insured_months: int  # in 金东
    dispatched: bool  # 劳务派遣人员


def is_delivered_worker(worker: WorkerRecord, *, retirement_age_men: int = 60,
                        retirement_age_women: int = 50) -> Verdict:
    """第一条: household registration outside Zhejiang, of legal working age (DOMAIN.md §6.7: 16 up to
    retirement, at the hire date), insured in 金东 for ≥2 consecutive months, not a dispatched worker."""
    reasons: list[str] = []
    failures: list[str] = []
    try:
        rid = parse_resident_id(worker.resident_id)
    except InvalidIdentifier as exc:
        return Verdict(False, (f"✗ invalid resident ID: {exc}",), (str(exc),))

    def check(ok: bool, text: str):
        reasons.append(("✓ " if ok else "✗ ") + text)
        if not ok:
            failures.append(text)

    check(rid.province_code != ZHEJIANG, f"省外户籍: province {rid.province_code} ({rid.province})")
    age = rid.age_on(worker.hire_date)
    sex = rid.sex
    limit = retirement_age_men if sex == "M" else retirement_age_women
    check(16 <= age < limit, f"法定劳动年龄: {age} at hire ({'male' if sex == 'M' else 'female'}, 16 to {limit})")
    check(worker.consecutive_insured_months >= 2, f"在金东连续缴纳社保2个月以上: {worker.consecutive_insured_months} month(s)")
    check(not worker.dispatched, f"不含劳务派遣人员: {'dispatched' if worker.dispatched else 'not dispatched'}")
    return Verdict(ok=not failures, reasons=tuple(reasons), failures=tuple(failures))


def reapplication_allowed_from(scheme: Scheme, cancelled_on: date) -> date:
    """第八条: 被取消的劳务协作工作站2年内不得重新申报. The first day an application is accepted again.

    《民法典》第二百零一条、第二百零二条: the period starts the day after the cancellation and its last day
    is the corresponding day ``ban_years`` later (the month's last day when there is none, 29 February);
    applying is allowed again from the following day.
    """
    years = int(_param(scheme, "qualification", "ban_years"))
    try:
        last = cancelled_on.replace(year=cancelled_on.year + years)
    except ValueError:  # 29 February with no counterpart: the last day of February
        last = date(cancelled_on.year + years, 3, 1) - timedelta(days=1)
    return last + timedelta(days=1)
