"""Checking the facts a portal supplies against a scheme's fact declarations."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from rules.scoring.model import FactsError, FactSpec, FactValueError
from rules.scoring.numbers import HUNDRED, ZERO, fmt_num, to_decimal


@dataclass(frozen=True)
class Judgement:
    """An assessor's value inside the scheme's range, with the written reason (DOMAIN.md §6.6)."""

    value: Decimal
    reason: str


def _shown(value: Any) -> str:
    """A value as the reader typed it, for the words of a refusal (at most 40 characters)."""
    text = fmt_num(value) if isinstance(value, Decimal) and value.is_finite() else str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _decimal(value: Any, what: str, entry: int | None = None) -> Decimal:
    try:
        return to_decimal(value, what=what)
    except (TypeError, ValueError) as exc:
        raise FactValueError("not_number", str(exc), entry=entry, value=_shown(value)) from None


def _bounded(spec: FactSpec, value: Decimal, what: str, entry: int | None = None) -> Decimal:
    lo, hi = spec.min, spec.max
    if spec.kind == "percent":
        lo = ZERO if lo is None else lo
        hi = HUNDRED if hi is None else hi
    if lo is not None and value < lo:
        raise FactValueError("below_min", f"{what} {fmt_num(value)} is below the allowed minimum {fmt_num(lo)}",
                             entry=entry, value=fmt_num(value), min=fmt_num(lo))
    if hi is not None and value > hi:
        raise FactValueError("above_max", f"{what} {fmt_num(value)} is above the allowed maximum {fmt_num(hi)}",
                             entry=entry, value=fmt_num(value), max=fmt_num(hi))
    return value


def _count(value: Any, what: str, entry: int | None = None) -> int:
    if isinstance(value, bool):
        raise FactValueError("not_whole", f"{what} must be a whole number, got {value!r}", entry=entry,
                             value=_shown(value))
    if isinstance(value, int):
        number = value
    else:
        d = _decimal(value, what, entry)
        if d != d.to_integral_value():
            raise FactValueError("not_whole", f"{what} must be a whole number, got {fmt_num(d)}", entry=entry,
                                 value=fmt_num(d))
        number = int(d)
    if number < 0:
        raise FactValueError("negative", f"{what} cannot be negative, got {number}", entry=entry,
                             value=fmt_num(Decimal(number)))
    return number


def _judgement(spec: FactSpec, value: Any, what: str, entry: int | None = None) -> Judgement:
    if isinstance(value, Judgement):
        raw_value, reason = value.value, value.reason
    elif isinstance(value, dict):
        unknown = set(value) - {"value", "reason"}
        if unknown:
            raise FactValueError("judgement_fields",
                                 f"{what} has unknown field(s) {sorted(unknown)}; expected 'value' and 'reason'",
                                 entry=entry, fields="、".join(sorted(map(str, unknown))))
        if "value" not in value:
            raise FactValueError("judgement_no_value", f"{what} needs a 'value'", entry=entry)
        raw_value, reason = value["value"], value.get("reason")
    else:
        raise FactValueError("judgement_shape", f"{what} must be {{'value': …, 'reason': …}}, got {value!r}",
                             entry=entry)
    number = _bounded(spec, _decimal(raw_value, f"{what} value", entry), f"{what} value", entry)
    if not isinstance(reason, str) or not reason.strip():
        raise FactValueError("judgement_no_reason", f"{what} needs a written reason (评分理由); none was given",
                             entry=entry)
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
            raise FactValueError("not_bool", f"expected true or false, got {value!r}", value=_shown(value))
        return value
    if kind == "choice":
        if value not in spec.choices:
            raise FactValueError("not_choice", f"{value!r} is not one of {', '.join(spec.choices)}",
                                 value=_shown(value))
        return value
    if kind == "count":
        number = _count(value, "a count")
        _bounded(spec, Decimal(number), "the count")
        return number
    if kind in ("number", "percent"):
        return _bounded(spec, _decimal(value, "the value"), "the value" if kind == "number" else "the percentage")
    if kind == "count_list":
        if not isinstance(value, (list, tuple)):
            raise FactValueError("not_list", f"expected a list of counts, got {value!r}")
        return tuple(_count(v, f"entry {i + 1}", i + 1) for i, v in enumerate(value))
    if kind == "judgement":
        return _judgement(spec, value, "the judgement")
    if kind == "judgement_list":
        if not isinstance(value, (list, tuple)):
            raise FactValueError("not_list", f"expected a list of judgements, got {value!r}")
        # DOMAIN.md §6.6: a judged deduction may find nothing to deduct (无扣分). An empty list says so, and
        # so does an explicit 0 — then no reason is required; the scheme's minimum binds real deductions only.
        return tuple(_judgement(spec, v, f"judgement {i + 1}", i + 1) for i, v in enumerate(value)
                     if not _no_deduction(v))
    raise AssertionError(kind)


def validate_facts(scheme, facts: dict[str, Any], *, participant: str | None = None) -> dict[str, Any]:
    """Check every fact given; unknown keys, wrong types, out-of-range values raise FactsError naming the key.

    Absent facts are not an error here: the sheet reports them as missing.
    """
    if not isinstance(facts, dict):
        raise FactsError("*", f"facts must be a dict of key → value, got {type(facts).__name__}", participant,
                         code="not_a_dict")
    clean: dict[str, Any] = {}
    for key, value in facts.items():
        spec = scheme.facts.get(key)
        if spec is None:
            if key in scheme.derived:
                raise FactsError(key, "is computed by the scheme (a derived fact); do not supply it", participant,
                                 code="derived_fact")
            raise FactsError(key, f"unknown fact for scheme {scheme.id}", participant, code="unknown_fact")
        if value is None:
            continue  # explicitly unknown: reported as missing on the sheet
        try:
            clean[key] = check_fact_value(spec, value)
        except (TypeError, ValueError) as exc:  # a FactValueError says what as data; anything else only in English
            raise FactsError(key, str(exc), participant, code=getattr(exc, "code", ""),
                             params=getattr(exc, "params", None), entry=getattr(exc, "entry", None)) from None
    for key, value in clean.items():
        other = scheme.facts[key].not_above
        if other is not None and other in clean and value > clean[other]:
            shown, limit = fmt_num(Decimal(value)), fmt_num(Decimal(clean[other]))
            raise FactsError(key, f"{shown} cannot exceed {other} ({limit})", participant, code="exceeds_other",
                             params={"value": shown, "other": other, "other_value": limit})
    return clean
