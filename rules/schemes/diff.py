"""What changed between two versions of a scheme: items, points, bands, calendar, payment, facts, vetoes.

    changes = diff_schemes(old, new)     # [Change(section, change, key, title, field, old, new)], in scheme order

A change is data, not words: ``section`` names where it is (``item``, ``result``, ``cycle``, ``payment``,
``stage``, ``payment_band``, ``subsidy_band``, ``one_off``, ``grades``, ``fact``, ``veto``, ``scheme``, and the
document's duties: ``obligation`` of the reporting calendar, ``rule`` of the compliance rules in force),
``change`` is ``added`` / ``removed`` / ``changed``, ``key`` the thing's id or path, ``title`` how the
document names it, and for a changed field ``field`` with the ``old`` and ``new`` values as text (numbers as
the document writes them). The portal words them; nothing here knows Flask or the database.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable

from rules.scoring.model import Band, Condition, Node, Scheme
from rules.scoring.numbers import fmt_num

SECTIONS = ("scheme", "result", "cycle", "item", "fact", "veto", "payment", "stage", "payment_band",
            "subsidy_band", "one_off", "grades", "obligation", "rule")
CHANGES = ("added", "removed", "changed")


@dataclass(frozen=True)
class Change:
    section: str
    change: str
    key: str
    title: str = ""
    field: str = ""
    old: str = ""
    new: str = ""


def text(value: Any) -> str:
    """A value as the document writes it: 5, 0.5, true, a list joined by "、"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return fmt_num(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "、".join(text(v) for v in value)
    if isinstance(value, dict):  # an item's rule: its figures and labels, not the file's key names
        return "；".join(f"{k} {text(v)}" if _is_choice(k) else text(v) for k, v in value.items()
                        if k not in _PLUMBING and text(v))
    if isinstance(value, Condition):
        return condition_text(value)
    if isinstance(value, Band):
        return band_text(value)
    if dataclasses.is_dataclass(value):  # a deduction or checklist entry: its label and figures
        parts = [text(getattr(value, f.name)) for f in dataclasses.fields(value)
                 if f.name not in _PLUMBING and isinstance(getattr(value, f.name), (Decimal, int, str, tuple))
                 and not isinstance(getattr(value, f.name), bool)]
        return " ".join(p for p in parts if p)
    return str(value)


_PLUMBING = ("fact", "kind", "per_entry_cap", "whole_units", "min_inclusive", "max_inclusive")


def _is_choice(key: str) -> bool:
    """A level's key is the choice people read (A, B, 优秀), shown beside its points."""
    return not key.isidentifier() or key.isupper() or not key.isascii()


def condition_text(c: Condition) -> str:
    for name, sign in (("at_least", "≥"), ("more_than", ">"), ("at_most", "≤"), ("less_than", "<")):
        if getattr(c, name) is not None:
            return f"{c.fact} {sign} {text(getattr(c, name))}"
    if c.in_ is not None:
        return f"{c.fact} ∈ {{{text(c.in_)}}}"
    return f"{c.fact} = {text(c.is_)}"


def band_text(band: Band) -> str:
    """A band as a range and its value: "[90, 100] → 1"."""
    lo = "" if band.min is None else ("[" if band.min_inclusive else "(") + text(band.min)
    hi = "" if band.max is None else text(band.max) + ("]" if band.max_inclusive else ")")
    out = f"{lo or '(−∞'}, {hi or '+∞)'} → {text(band.value)}"
    if band.label:
        out += f"（{band.label}）"
    return out


def _fields(old: Any, new: Any, names: Iterable[str], section: str, key: str, title: str) -> list[Change]:
    out = []
    for name in names:
        a, b = getattr(old, name), getattr(new, name)
        if a != b:
            out.append(Change(section, "changed", key, title, name, text(a), text(b)))
    return out


def _by_key(old: Iterable, new: Iterable, key, section: str, title, fields: tuple[str, ...]) -> list[Change]:
    before = {key(x): x for x in old}
    after = {key(x): x for x in new}
    out = []
    for k, x in before.items():
        if k not in after:
            out.append(Change(section, "removed", k, title(x)))
    for k, x in after.items():
        if k not in before:
            out.append(Change(section, "added", k, title(x)))
        else:
            out.extend(_fields(before[k], x, fields, section, k, title(x)))
    return out


def _bands(old: Iterable[Band], new: Iterable[Band], section: str) -> list[Change]:
    before = [band_text(b) for b in old]
    after = [band_text(b) for b in new]
    return ([Change(section, "removed", t, t) for t in before if t not in after]
            + [Change(section, "added", t, t) for t in after if t not in before])


def _nodes(scheme: Scheme) -> list[Node]:
    return list(scheme.nodes())


_NODE_FIELDS = ("title", "max", "kind", "method", "params", "requires", "clause")


def diff_schemes(old: Scheme, new: Scheme) -> list[Change]:
    """Every difference that changes what a sheet scores or pays, in the order a reader checks them."""
    out: list[Change] = []
    out += _fields(old, new, ("title", "document_number", "effective_date", "bureau"), "scheme", new.id, new.title)
    out += _fields(old, new, ("max_total", "pass_mark", "pass_inclusive", "total_floor", "bonus_cap"), "result",
                   "result", "")
    out += _by_key(old.cycles, new.cycles, lambda c: c.id, "cycle", lambda c: c.label, ("label", "months"))
    out += _by_key(_nodes(old), _nodes(new), lambda n: n.path, "item", lambda n: n.title, _NODE_FIELDS)
    out += _by_key(old.facts.values(), new.facts.values(), lambda f: f.key, "fact", lambda f: f.meaning,
                   ("kind", "unit", "min", "max", "choices"))
    out += _by_key(old.vetoes, new.vetoes, lambda v: v.id, "veto", lambda v: v.label or v.id,
                   ("effect", "when", "clause"))
    if old.payment is None or new.payment is None:
        if old.payment is not new.payment:
            out.append(Change("payment", "removed" if new.payment is None else "added", "payment"))
    else:
        out += _fields(old.payment, new.payment, ("advance_share",), "payment", "payment", "")
        out += _by_key(old.payment.stages, new.payment.stages, lambda s: s.id, "stage", lambda s: s.label,
                       ("label", "share", "cycle"))
        out += _bands(old.payment.bands, new.payment.bands, "payment_band")
    if old.subsidy is not None or new.subsidy is not None:
        out += _bands(old.subsidy.bands if old.subsidy else (), new.subsidy.bands if new.subsidy else (),
                      "subsidy_band")
        out += _by_key(old.subsidy.one_off if old.subsidy else (), new.subsidy.one_off if new.subsidy else (),
                       lambda o: o.id, "one_off", lambda o: o.label, ("amount", "label"))
    if old.grades != new.grades:
        show = (lambda g: "" if g is None else "、".join(f"{q.grade} ≤{text(q.share)}" for q in g.quotas)
                + f"；{g.rest}；{g.failed}")
        out.append(Change("grades", "changed", "grades", "", "quotas", show(old.grades), show(new.grades)))
    out += _by_key(old.calendar, new.calendar, lambda o: o.key, "obligation", lambda o: o.label,
                   ("label", "frequency", "due", "day", "kind", "fields", "clause"))
    out += _by_key(old.compliance, new.compliance, lambda u: u.rule, "rule", lambda u: u.rule,
                   ("item", "fact", "points", "per_occurrence", "due_day", "obligation", "clause"))
    return out
