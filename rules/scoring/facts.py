"""Checking the facts a portal supplies against a scheme's fact declarations."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from rules.scoring.model import FactsError, FactSpec
from rules.scoring.numbers import HUNDRED, ZERO, fmt_num, to_decimal


@dataclass(frozen=True)
class Judgement:
    """An assessor's value inside the scheme's range, with the written reason (DOMAIN.md §6.6)."""

    value: Decimal
    reason: str


def _bounded(spec: FactSpec, value: Decimal, what: str) -> Decimal:
    lo, hi = spec.min, spec.max
    if spec.kind == "percent":
        lo = ZERO if lo is None else lo
        hi = HUNDRED if hi is None else hi
    if lo is not None and value < lo:
        raise ValueError(f"{what} {fmt_num(value)} is below the allowed minimum {fmt_num(lo)}")
    if hi is not None and value > hi:
        raise ValueError(f"{what} {fmt_num(value)} is above the allowed maximum {fmt_num(hi)}")
    return value


def _count(value: Any, what: str) -> int:
    if isinstance(value, bool):
        raise TypeError(f"{what} must be a whole number, got {value!r}")
    if isinstance(value, int):
        number = value
    else:
        d = to_decimal(value, what=what)
        if d != d.to_integral_value():
            raise ValueError(f"{what} must be a whole number, got {fmt_num(d)}")
        number = int(d)
    if number < 0:
        raise ValueError(f"{what} cannot be negative, got {number}")
    return number


def _judgement(spec: FactSpec, value: Any, what: str) -> Judgement:
    if isinstance(value, Judgement):
        raw_value, reason = value.value, value.reason
    elif isinstance(value, dict):
        unknown = set(value) - {"value", "reason"}
        if unknown:
            raise ValueError(f"{what} has unknown field(s) {sorted(unknown)}; expected 'value' and 'reason'")
        if "value" not in value:
            raise ValueError(f"{what} needs a 'value'")
        raw_value, reason = value["value"], value.get("reason")
    else:
        raise TypeError(f"{what} must be {{'value': …, 'reason': …}}, got {value!r}")
    number = _bounded(spec, to_decimal(raw_value, what=f"{what} value"), f"{what} value")
    if not isinstance(reason, str) or not reason.strip():
        raise ValueError(f"{what} needs a written reason (评分理由); none was given")
    return Judgement(number, reason.strip())


def _no_deduction(value: Any) -> bool:
    """An entry of a judged-deduction list whose value is exactly 0: nothing deducted (无扣分)."""
    raw = value.value if isinstance(value, Judgement) else value.get("value") if isinstance(value, dict) else None
    if raw is None or isinstance(raw, bool):
        return False
    try:
        return to_decimal(raw, what="the judgement value") == ZERO
    except (TypeError, ValueError):
        return False


def check_fact_value(spec: FactSpec, value: Any) -> Any:
    """Return the value normalised (Decimal, int, bool, str, list, Judgement) or raise with why."""
    kind = spec.kind
    if kind == "bool":
        if not isinstance(value, bool):
            raise TypeError(f"expected true or false, got {value!r}")
        return value
    if kind == "choice":
        if value not in spec.choices:
            raise ValueError(f"{value!r} is not one of {', '.join(spec.choices)}")
        return value
    if kind == "count":
        number = _count(value, "a count")
        _bounded(spec, Decimal(number), "the count")
        return number
    if kind in ("number", "percent"):
        return _bounded(spec, to_decimal(value, what="the value"), "the value" if kind == "number" else "the percentage")
    if kind == "count_list":
        if not isinstance(value, (list, tuple)):
            raise TypeError(f"expected a list of counts, got {value!r}")
        return tuple(_count(v, f"entry {i + 1}") for i, v in enumerate(value))
    if kind == "judgement":
        return _judgement(spec, value, "the judgement")
    if kind == "judgement_list":
        if not isinstance(value, (list, tuple)):
            raise TypeError(f"expected a list of judgements, got {value!r}")
        # DOMAIN.md §6.6: a judged deduction may find nothing to deduct (无扣分). An empty list says so, and
        # so does an explicit 0 — then no reason is required; the scheme's minimum binds real deductions only.
        return tuple(_judgement(spec, v, f"judgement {i + 1}") for i, v in enumerate(value)
                     if not _no_deduction(v))
    raise AssertionError(kind)


def validate_facts(scheme, facts: dict[str, Any], *, participant: str | None = None) -> dict[str, Any]:
    """Check every fact given; unknown keys, wrong types, out-of-range values raise FactsError naming the key.

    Absent facts are not an error here: the sheet reports them as missing.
    """
    if not isinstance(facts, dict):
        raise FactsError("*", f"facts must be a dict of key → value, got {type(facts).__name__}", participant)
    clean: dict[str, Any] = {}
    for key, value in facts.items():
        spec = scheme.facts.get(key)
        if spec is None:
            if key in scheme.derived:
                raise FactsError(key, "is computed by the scheme (a derived fact); do not supply it", participant)
            raise FactsError(key, f"unknown fact for scheme {scheme.id}", participant)
        if value is None:
            continue  # explicitly unknown: reported as missing on the sheet
        try:
            clean[key] = check_fact_value(spec, value)
        except (TypeError, ValueError) as exc:
            raise FactsError(key, str(exc), participant) from None
    for key, value in clean.items():
        other = scheme.facts[key].not_above
        if other is not None and other in clean and value > clean[other]:
            raise FactsError(key, f"{fmt_num(Decimal(value))} cannot exceed {other} ({fmt_num(Decimal(clean[other]))})",
                             participant)
    return clean
