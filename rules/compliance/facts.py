"""Reading the input facts: validation, Asia/Shanghai time, and the helpers the modules share.

The format is documented in README.md beside this file. Everything is validated before the engine
sees a single fact, so a malformed input raises InvalidFacts and never leaves a session behind.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Iterable, Mapping
from zoneinfo import ZoneInfo

from .engine import InvalidFacts
from .model import SCHEMES

SHANGHAI = ZoneInfo("Asia/Shanghai")  # every deadline is Shanghai time (DOMAIN.md §6.3)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

DEFAULT_CONFIG = {
    "minimum_age": 16,  # DOMAIN.md §6.7
    "retirement_age": {"M": 60, "F": 50},
}


# --- time ----------------------------------------------------------------------------------------

def to_us(moment: datetime) -> int:
    """Microseconds since the epoch: exact integers the engine can compare."""
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def shanghai_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=SHANGHAI)


def cutoff_after(day: date) -> datetime:
    """The first instant after ``day`` ends in Shanghai: "by the 5th" = before 00:00:00 on the 6th."""
    return shanghai_midnight(day + timedelta(days=1))


_OFFSET = re.compile(r"(Z|[+-][0-9]{2}(:?[0-9]{2})?)\Z")


def _is_a_date_alone(value: str) -> bool:
    for text in (value, _OFFSET.sub("", value, count=1)):  # "2024-03-05" itself ends like an offset ("-05")
        try:
            date.fromisoformat(text)
        except ValueError:
            continue
        return True
    return False


def parse_moment(value: Any, where: str) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidFacts(f"{where}: {value!r} is not an ISO 8601 timestamp") from None
    else:
        raise InvalidFacts(f"{where}: expected a timestamp, got {type(value).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        if isinstance(value, str) and _is_a_date_alone(value):
            # even with an offset ("2024-03-05Z"), which Python reads as midnight with the offset dropped; checked
            # only here, so a good timestamp (it has its offset) pays nothing for it
            raise InvalidFacts(f"{where}: {value!r} is a date without a time "
                               f"(give e.g. {moment.date().isoformat()}T00:00:00+08:00)")
        raise InvalidFacts(f"{where}: timestamp {value!r} has no time zone (give +08:00 or Z)")
    return moment


def parse_day(value: Any, where: str) -> date:
    if isinstance(value, datetime):
        raise InvalidFacts(f"{where}: expected a date, got a datetime")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidFacts(f"{where}: {value!r} is not a date (YYYY-MM-DD)")


def parse_month(value: Any, where: str) -> tuple[int, int]:
    if isinstance(value, str) and len(value) == 7 and value[4] == "-":
        try:
            year, month = int(value[:4]), int(value[5:])
        except ValueError:
            year = month = 0
        if 1 <= month <= 12 and year > 0:
            return year, month
    raise InvalidFacts(f"{where}: {value!r} is not a month (YYYY-MM)")


def month_str(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def month_index(year: int, month: int) -> int:
    return year * 12 + month - 1


def next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def months_between(first: date, last: date) -> list[tuple[int, int]]:
    out = []
    y, mo = first.year, first.month
    while (y, mo) <= (last.year, last.month):
        out.append((y, mo))
        y, mo = next_month(y, mo)
    return out


def add_one_month(day: date) -> date:
    """The same day next month, or that month's last day (一个月内)."""
    y, mo = next_month(day.year, day.month)
    for d in (day.day, 30, 29, 28):
        try:
            return date(y, mo, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def decimal(value: Any, where: str) -> Decimal:
    """An exact number given as a string, int or Decimal (never a float)."""
    if isinstance(value, (float, bool)):
        raise InvalidFacts(f"{where}: give an exact number as a string or Decimal, got {value!r}")
    try:
        dec = Decimal(str(value))
    except InvalidOperation:
        raise InvalidFacts(f"{where}: {value!r} is not a number") from None
    if not dec.is_finite():
        raise InvalidFacts(f"{where}: {value!r} is not a number")
    return dec


def score_cents(value: Any, where: str) -> int:
    """A score as exact hundredths, rounded half up to 2 decimals (DOMAIN.md §6.1)."""
    if isinstance(value, float):
        raise InvalidFacts(f"{where}: scores are exact decimals; give a string or Decimal, not a float")
    try:
        dec = Decimal(str(value))
    except InvalidOperation:
        raise InvalidFacts(f"{where}: {value!r} is not a number") from None
    if not dec.is_finite():
        raise InvalidFacts(f"{where}: {value!r} is not a number")
    return int(dec.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) * 100)


# --- the input -----------------------------------------------------------------------------------

@dataclass
class Input:
    raw: Mapping[str, Any]
    as_of: datetime
    as_of_us: int
    contract_id: str
    scheme: str
    operator_id: str
    period: str | None
    starts_on: date | None
    ends_on: date | None
    config: dict[str, Any] = field(default_factory=dict)
    in_force: dict[str, "Use"] = field(default_factory=dict)  # rule id -> the scheme's parameters

    def rows(self, key: str) -> list[Mapping[str, Any]]:
        """The list under ``key``, every row a mapping with a unique non-empty ``id``."""
        rows = self.raw.get(key) or []
        if not isinstance(rows, (list, tuple)):
            raise InvalidFacts(f"{key}: expected a list")
        seen: set[str] = set()
        for i, row in enumerate(rows):
            if not isinstance(row, Mapping):
                raise InvalidFacts(f"{key}[{i}]: expected a mapping")
            rid = row.get("id")
            if rid is None or str(rid) == "":
                raise InvalidFacts(f"{key}[{i}]: every fact needs an id")
            if str(rid) in seen:
                raise InvalidFacts(f"{key}: id {rid!r} appears twice")
            seen.add(str(rid))
        return list(rows)

    def base(self, t: str, fact_id: Any) -> dict[str, Any]:
        """The common part of an engine fact: type, a session-unique id, scheme and contract."""
        fact = {"t": t, "id": f"{t}:{fact_id}", "src": str(fact_id), "scheme": self.scheme,
                "contract": self.contract_id}
        fact.update(self.flags)
        return fact

    @property
    def flags(self) -> dict[str, bool]:
        """One attribute per rule in force (``engine.in_force_condition`` matches on it)."""
        cached = self.__dict__.get("_flags")
        if cached is None:
            cached = self.__dict__["_flags"] = {rule_flag(rule_id): True for rule_id in self.in_force}
        return cached


def rule_flag(rule_id: str) -> str:
    return "on_" + rule_id.replace(".", "__")


@dataclass(frozen=True)
class Use:
    """A rule in force under the contract's scheme, with the scheme's parameters resolved against the rule's own."""
    item: str
    fact: str
    penalty: Any  # model.Penalty | None
    due_day: int | None
    clause: str  # the cited clause (the scheme's words, else the rule's source document)


_USE_KEYS = {"rule", "item", "fact", "points", "per_occurrence", "due_day", "clause", "obligation"}


def read_in_force(raw: Any, scheme: str) -> dict[str, Use]:
    """``facts["compliance"]``: the rules the scheme applies, each ``{rule, item?, fact?, points?,
    per_occurrence?, due_day?, clause?, obligation?}`` (a scheme file's ``[[compliance]]``; ``obligation`` is the
    portal's business: which hand-ins it passes as the rule's submissions). Without it, the rules written for
    the scheme (``RuleMeta.schemes``, the six shipped schemes)."""
    from dataclasses import replace

    from .engine import RULES

    if raw is None:
        if scheme not in SCHEMES:
            raise InvalidFacts(f"contract.scheme: {scheme!r} is not one of {sorted(SCHEMES)} "
                               "and the facts carry no compliance list")
        raw = [{"rule": meta.id} for meta in RULES.values() if scheme in meta.schemes]
    if not isinstance(raw, (list, tuple)):
        raise InvalidFacts("compliance: expected a list")
    out: dict[str, Use] = {}
    for i, use in enumerate(raw):
        where = f"compliance[{i}]"
        if not isinstance(use, Mapping):
            raise InvalidFacts(f"{where}: expected a mapping")
        unknown = set(use) - _USE_KEYS
        if unknown:
            raise InvalidFacts(f"{where}: unknown keys {sorted(unknown)}")
        rule_id = use.get("rule")
        meta = RULES.get(rule_id)
        if meta is None:
            raise InvalidFacts(f"{where}: {rule_id!r} is not a compliance rule")
        if rule_id in out:
            raise InvalidFacts(f"{where}: {rule_id} appears twice")
        penalty = meta.penalty
        if "points" in use or "per_occurrence" in use:
            if penalty is None or penalty.points is None:
                raise InvalidFacts(f"{where}: {rule_id} costs no points (its effect is a consequence)")
            changes: dict[str, Any] = {}
            if "points" in use:
                points = decimal(use["points"], f"{where}.points")
                if points < 0:
                    raise InvalidFacts(f"{where}.points: {points} is negative")
                changes["points"] = points
            if "per_occurrence" in use:
                changes["per_occurrence"] = boolean(use, "per_occurrence", where)
            penalty = replace(penalty, **changes)
        due_day = use.get("due_day")
        if due_day is not None:
            if meta.due_day is None:
                raise InvalidFacts(f"{where}: {rule_id} has no due day to set")
            if isinstance(due_day, bool) or not isinstance(due_day, int) or not 1 <= due_day <= 28:
                raise InvalidFacts(f"{where}.due_day: a day of the month from 1 to 28, got {due_day!r}")
        clause = use.get("clause") or meta.clause.cite()
        out[rule_id] = Use(item=str(use.get("item") or meta.scheme_item), fact=str(use.get("fact") or meta.scheme_fact),
                           penalty=penalty, due_day=due_day, clause=str(clause))
    return out


def read_input(facts: Mapping[str, Any]) -> Input:
    if not isinstance(facts, Mapping):
        raise InvalidFacts("facts must be a mapping")
    if "as_of" not in facts:
        raise InvalidFacts("as_of is required: the moment the rules are evaluated at")
    as_of = parse_moment(facts["as_of"], "as_of")
    contract = facts.get("contract")
    if not isinstance(contract, Mapping) or not contract.get("id"):
        raise InvalidFacts("contract: a mapping with an id is required")
    scheme = contract.get("scheme")
    if not isinstance(scheme, str) or not scheme:
        raise InvalidFacts("contract.scheme: the scheme's id is required")
    in_force = read_in_force(facts.get("compliance"), scheme)
    operator = facts.get("operator") or {}
    if not isinstance(operator, Mapping):
        raise InvalidFacts("operator: expected a mapping")
    operator_id = operator.get("id") or contract.get("operator")
    if not operator_id:
        raise InvalidFacts("operator.id (or contract.operator) is required")
    starts_on = parse_day(contract["starts_on"], "contract.starts_on") if contract.get("starts_on") else None
    ends_on = parse_day(contract["ends_on"], "contract.ends_on") if contract.get("ends_on") else None
    if starts_on and ends_on and ends_on < starts_on:
        raise InvalidFacts("contract.ends_on is before contract.starts_on")
    config = {"minimum_age": DEFAULT_CONFIG["minimum_age"], "retirement_age": dict(DEFAULT_CONFIG["retirement_age"])}
    given = facts.get("config") or {}
    if not isinstance(given, Mapping):
        raise InvalidFacts("config: expected a mapping")
    if "minimum_age" in given:
        config["minimum_age"] = _int(given["minimum_age"], "config.minimum_age")
    if "retirement_age" in given:
        ra = given["retirement_age"]
        if not isinstance(ra, Mapping) or set(ra) - {"M", "F"}:
            raise InvalidFacts("config.retirement_age: a mapping with keys 'M' and/or 'F'")
        for sex, age in ra.items():
            config["retirement_age"][sex] = _int(age, f"config.retirement_age.{sex}")
    period = facts.get("period")
    return Input(
        raw=facts, as_of=as_of, as_of_us=to_us(as_of), contract_id=str(contract["id"]), scheme=scheme,
        operator_id=str(operator_id), period=None if period is None else str(period),
        starts_on=starts_on, ends_on=ends_on, config=config, in_force=in_force,
    )


def _int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidFacts(f"{where}: expected an integer, got {value!r}")
    return value


def require(row: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in row or row[key] is None or row[key] == "":
        raise InvalidFacts(f"{where}: {key} is required")
    return row[key]


def boolean(row: Mapping[str, Any], key: str, where: str, default: bool | None = None) -> bool:
    value = row.get(key, default)
    if not isinstance(value, bool):
        raise InvalidFacts(f"{where}: {key} must be true or false, got {value!r}")
    return value


def iso(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).isoformat()


def ids(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    return [str(r["id"]) for r in rows]
