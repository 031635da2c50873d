"""The reporting calendar: what each scheme obliges an operator to hand in, and by when.

Obligations are data: the `[calendar]` of the scheme file (`rules/schemes/<scheme-id>.toml` for the shipped
schemes, a stored version's text for an uploaded one), each obligation citing the clause it comes from. From a
contract's term this module derives every obligation instance with its period and due moment
(Asia/Shanghai, DOMAIN.md §6.3: "by the 5th" is on or before 23:59:59 on the 5th), and decides an
instance's status from its submissions: lateness is decided by the FIRST submitted version.
"""
from __future__ import annotations

import calendar as _calendar
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
CALENDAR_DIR = Path(__file__).resolve().parent.parent / "schemes"  # the shipped scheme files carry the calendars
FREQUENCIES = ("weekly", "monthly", "quarterly", "annual", "once")
DUE_RULES = ("end_of_period", "day_of_next_period", "day_of_period", "days_after_start")
DUE_SOON = timedelta(days=3)  # issue 4: deadlines are announced 3 days ahead

STATUSES = {
    "upcoming": ("未到期", "upcoming"),
    "due_soon": ("即将到期", "due soon"),
    "submitted_on_time": ("按时提交", "submitted on time"),
    "late": ("逾期提交", "submitted late"),
    "missing": ("未提交", "missing"),
    "returned": ("退回修改", "returned for changes"),
}


class CalendarError(ValueError):
    """A calendar file is malformed; the message names the file, the obligation and the problem."""


@dataclass(frozen=True)
class ObligationSpec:
    key: str
    label: str
    label_en: str
    frequency: str
    due: str
    day: int  # for day_of_next_period / day_of_period / days_after_start
    clause: str
    source: str
    scheme_item: str = ""
    kind: str = "report"  # report | attendance | ledger | events
    ledger_types: tuple[str, ...] = ()
    # Scheme fact keys (additive counts) the report carries; a cycle's fact is the sum of its reports.
    fields: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Period:
    key: str  # "2024-03", "2024-Q1", "2024W09", "Y1 2024-03-01", "once"
    start: date
    end: date  # inclusive

    @property
    def month(self) -> str:
        """The month a period is shown under in a month-by-obligation grid (that of its last day)."""
        return f"{self.end.year:04d}-{self.end.month:02d}"


@dataclass(frozen=True)
class Obligation:
    spec: ObligationSpec
    period: Period
    due_at: datetime  # aware, Asia/Shanghai

    @property
    def key(self) -> str:
        return f"{self.spec.key}:{self.period.key}"


def _end_of_day(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), SHANGHAI)


def _month_end(year: int, month: int) -> date:
    return date(year, month, _calendar.monthrange(year, month)[1])


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, _calendar.monthrange(year, month + 1)[1]))


def _periods(frequency: str, starts_on: date, ends_on: date) -> list[Period]:
    periods: list[Period] = []
    if frequency == "monthly":
        cursor = starts_on.replace(day=1)
        while cursor <= ends_on:
            periods.append(Period(f"{cursor.year:04d}-{cursor.month:02d}", cursor, _month_end(cursor.year, cursor.month)))
            cursor = _add_months(cursor, 1)
    elif frequency == "quarterly":
        cursor = date(starts_on.year, 3 * ((starts_on.month - 1) // 3) + 1, 1)
        while cursor <= ends_on:
            end = _month_end(cursor.year, cursor.month + 2)
            periods.append(Period(f"{cursor.year:04d}-Q{(cursor.month - 1) // 3 + 1}", cursor, end))
            cursor = _add_months(cursor, 3)
    elif frequency == "weekly":
        cursor = starts_on - timedelta(days=starts_on.weekday())
        while cursor <= ends_on:
            iso = cursor.isocalendar()
            periods.append(Period(f"{iso.year:04d}W{iso.week:02d}", cursor, cursor + timedelta(days=6)))
            cursor += timedelta(days=7)
    elif frequency == "annual":
        # Contract years from the start date: the term of a 2024-03-01 contract is one "year".
        cursor, n = starts_on, 1
        while cursor <= ends_on:
            end = min(_add_months(cursor, 12) - timedelta(days=1), ends_on)
            periods.append(Period(f"Y{n}", cursor, end))
            cursor, n = end + timedelta(days=1), n + 1
    elif frequency == "once":
        periods.append(Period("once", starts_on, ends_on))
    return periods


def _due(spec: ObligationSpec, period: Period) -> datetime:
    if spec.due == "end_of_period":
        return _end_of_day(period.end)
    if spec.due == "day_of_next_period":  # e.g. the 5th of the month after a monthly period
        # the month after the one the period ends in (FORMAT.md), also for a week or a contract year that ends
        # mid-month: never a due day inside the period itself
        following = _add_months(period.end.replace(day=1), 1)
        return _end_of_day(following.replace(day=min(spec.day, _calendar.monthrange(following.year, following.month)[1])))
    if spec.due == "day_of_period":  # e.g. seed 002: this month's plan by the 5th of this month
        return _end_of_day(period.start.replace(day=min(spec.day, _calendar.monthrange(period.start.year, period.start.month)[1])))
    if spec.due == "days_after_start":
        return _end_of_day(period.start + timedelta(days=spec.day - 1))
    raise CalendarError(f"{spec.key}: unknown due rule {spec.due!r}")


_SPEC_FIELDS = {"key", "label", "label_en", "frequency", "due", "day", "clause", "source", "scheme_item", "kind",
                "ledger_types", "fields", "note"}
KINDS = ("report", "attendance", "ledger", "events")


def _spec(where: str, raw: dict) -> ObligationSpec:
    if not isinstance(raw, dict):
        raise CalendarError(f"{where}: an obligation is a table ([[calendar.obligations]])")
    key = raw.get("key", "?")
    where = f"{where}: obligation {key!r}"
    for field in ("key", "label", "label_en", "frequency", "due", "clause", "source"):
        if not raw.get(field):
            raise CalendarError(f"{where}: '{field}' is required")
    if raw["frequency"] not in FREQUENCIES:
        raise CalendarError(f"{where}: frequency must be one of {FREQUENCIES}")
    if raw["due"] not in DUE_RULES:
        raise CalendarError(f"{where}: due must be one of {DUE_RULES}")
    day = raw.get("day", 0)
    if isinstance(day, bool) or not isinstance(day, int):
        raise CalendarError(f"{where}: 'day' must be a whole number")
    if raw["due"] != "end_of_period" and not 1 <= day <= 31:
        raise CalendarError(f"{where}: due rule {raw['due']} needs 'day' between 1 and 31")
    unknown = set(raw) - _SPEC_FIELDS
    if unknown:
        raise CalendarError(f"{where}: unknown fields {sorted(unknown)}")
    for name in ("ledger_types", "fields"):
        value = raw.get(name, [])
        if not isinstance(value, list) or not all(isinstance(x, str) and x for x in value):
            raise CalendarError(f"{where}: '{name}' must be a list of names")
    if raw.get("kind", "report") not in KINDS:
        raise CalendarError(f"{where}: kind must be one of {KINDS}")
    return ObligationSpec(key=raw["key"], label=raw["label"], label_en=raw["label_en"], frequency=raw["frequency"],
                          due=raw["due"], day=day, clause=raw["clause"], source=raw["source"],
                          scheme_item=raw.get("scheme_item", ""), kind=raw.get("kind", "report"),
                          ledger_types=tuple(raw.get("ledger_types", ())), fields=tuple(raw.get("fields", ())),
                          note=raw.get("note", ""))


def parse_calendar(data: Any, where: str) -> tuple[ObligationSpec, ...]:
    """A scheme file's ``[calendar]`` table (``source`` and ``[[calendar.obligations]]``), validated; the empty
    tuple for a scheme without one (nothing is due under it)."""
    if data is None:
        return ()
    if not isinstance(data, dict):
        raise CalendarError(f"{where}: [calendar] must be a table")
    unknown = set(data) - {"source", "note", "obligations"}
    if unknown:
        raise CalendarError(f"{where}: [calendar] has unknown fields {sorted(unknown)}")
    raw = data.get("obligations", [])
    if not isinstance(raw, list) or not raw:
        raise CalendarError(f"{where}: [calendar] has no obligations ([[calendar.obligations]])")
    specs = tuple(_spec(where, item) for item in raw)
    keys = [s.key for s in specs]
    if len(set(keys)) != len(keys):
        raise CalendarError(f"{where}: duplicate obligation keys")
    return specs


@lru_cache(maxsize=None)
def obligations_for(scheme_id: str) -> tuple[ObligationSpec, ...]:
    """The obligations a shipped scheme file imposes (its ``[calendar]``), validated on load."""
    path = CALENDAR_DIR / f"{scheme_id}.toml"
    if not path.is_file():
        raise CalendarError(f"no reporting calendar for scheme {scheme_id!r} ({path.name})")
    with path.open("rb") as f:
        data = tomllib.load(f)
    if (data.get("scheme") or {}).get("id") != scheme_id:
        raise CalendarError(f"{path.name}: [scheme] id must be {scheme_id!r}")
    specs = parse_calendar(data.get("calendar"), path.name)
    if not specs:
        raise CalendarError(f"{path.name}: no [calendar]")
    return specs


def calendar_scheme_ids() -> list[str]:
    """The shipped schemes whose files carry a reporting calendar."""
    return sorted(p.stem for p in CALENDAR_DIR.glob("*.toml") if b"\n[calendar]" in p.read_bytes())


def build_calendar(scheme: str | Sequence[ObligationSpec], starts_on: date, ends_on: date) -> list[Obligation]:
    """Every obligation instance over a contract's term, ordered by due moment. ``scheme``: a shipped scheme's id,
    or the obligations of a scheme version (``Scheme.calendar``)."""
    if ends_on < starts_on:
        raise ValueError("the term ends before it starts")
    specs = obligations_for(scheme) if isinstance(scheme, str) else tuple(scheme)
    items = [
        Obligation(spec, period, _due(spec, period))
        for spec in specs
        for period in _periods(spec.frequency, starts_on, ends_on)
    ]
    return sorted(items, key=lambda o: (o.due_at, o.spec.key))


def is_on_time(obligation: Obligation, first_submitted_at: datetime) -> bool:
    """DOMAIN.md §6.3: on time iff the first submitted version is at or before the due moment."""
    if first_submitted_at.tzinfo is None:
        raise ValueError("submission time must be time-zone aware")
    return first_submitted_at <= obligation.due_at


def obligation_status(obligation: Obligation, *, first_submitted_at: datetime | None,
                      returned: bool = False, now: datetime) -> str:
    """upcoming | due_soon | submitted_on_time | late | missing | returned."""
    if now.tzinfo is None:
        raise ValueError("'now' must be time-zone aware")
    if first_submitted_at is not None:
        if returned:
            return "returned"
        return "submitted_on_time" if is_on_time(obligation, first_submitted_at) else "late"
    if now > obligation.due_at:
        return "missing"
    if obligation.due_at - now <= DUE_SOON:
        return "due_soon"
    return "upcoming"
