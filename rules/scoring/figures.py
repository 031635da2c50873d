"""A sheet's figures without their explanations (issue 16: 24,000 sheets in 2 s).

score() gives every figure of a sheet at once (points of the categories, totals, what is missing, which vetoes
hold, and from those the result, payment and subsidy) and works out the lines with their words and steps only
when a line is read (engine.ScoreSheet). The figures are worked out here, by the same arithmetic as the
methods in engine.py in the same order (so each Decimal has the same value and the same exponent), without
the texts. When the lines are worked out, every figure made here is compared with the one the lines add up
to, and a difference stops the reading (engine._materialize): a sheet never shows words that do not give
its figures.

Rank-based items depend on the cohort and are not handled here (score() works those sheets out in full).
"""
from __future__ import annotations

from decimal import Decimal
from functools import partial
from typing import Any, Callable

from rules.scoring.model import Condition, Node, Scheme
from rules.scoring.numbers import HUNDRED, ZERO, floor_int

_ONE = Decimal(1)


def condition_holds(cond: Condition, value: Any) -> bool:
    """Every test of the condition holds for the fact's value (FORMAT.md §2, Conditions)."""
    if cond.has_is and value != cond.is_:
        return False
    if cond.in_ is not None and value not in cond.in_:
        return False
    if cond.at_least is not None and not value >= cond.at_least:
        return False
    if cond.more_than is not None and not value > cond.more_than:
        return False
    if cond.at_most is not None and not value <= cond.at_most:
        return False
    if cond.less_than is not None and not value < cond.less_than:
        return False
    return True


class _Reader:
    """The facts of one sheet, and the derived values as the scheme defines them (engine._Context._derive)."""

    __slots__ = ("facts", "derived", "values")

    def __init__(self, facts: dict[str, Any], derived: dict):
        self.facts = facts
        self.derived = derived
        self.values: dict[str, Decimal] = {}

    def get(self, key: str) -> Any:
        try:
            return self.facts[key]
        except KeyError:  # a derived value (a supplied fact is never missing here: run() checks first)
            return self._derived(key)

    def number(self, key: str) -> Decimal:
        try:
            value = self.facts[key]
        except KeyError:
            return self._derived(key)
        return Decimal(value) if isinstance(value, int) else value

    def _derived(self, key: str) -> Decimal:
        value = self.values.get(key)
        if value is None:
            value = self.values[key] = self._derive(key)
        return value

    def all_hold(self, conds) -> bool:
        for cond in conds:
            if not condition_holds(cond, self.get(cond.fact)):
                return False
        return True

    def _derive(self, key: str) -> Decimal:
        d = self.derived[key]
        return derived_value(d.op, [self.number(arg) if isinstance(arg, str) else arg for arg in d.args])


def derived_value(op: str, vals: list[Decimal]) -> Decimal:
    """A derived fact's value from its arguments' (FORMAT.md §2, Derived facts); division by zero gives 0."""
    if op == "sum":
        return sum(vals, ZERO)
    if op == "difference":
        return vals[0] - vals[1]
    if op == "product":
        result = vals[0]
        for v in vals[1:]:
            result *= v
        return result
    if op == "min":
        return min(vals)
    if op == "max":
        return max(vals)
    if op in ("ratio", "percent"):
        if vals[1] == 0:
            return ZERO
        return vals[0] / vals[1] * (HUNDRED if op == "percent" else _ONE)
    raise AssertionError(op)  # pragma: no cover - the loader refuses unknown ops


def _capped(points: Decimal, cap: Decimal | None) -> Decimal:
    return cap if cap is not None and points > cap else points


# -- the methods, as engine._m_* compute their points --------------------------------------------------


def _checklist(node: Node, r: _Reader) -> Decimal:
    total = ZERO
    for entry in node.params["entries"]:
        if r.all_hold(entry.when):
            total += entry.points
    return _capped(total, node.params["cap"])


def _per_unit(node: Node, r: _Reader) -> Decimal:
    p = node.params
    value = r.get(p["fact"])
    if isinstance(value, tuple):
        entry_cap = p["per_entry_cap"]
        amount = sum([min(Decimal(v), entry_cap) if entry_cap is not None else Decimal(v) for v in value], ZERO)
    else:
        amount = Decimal(value)
    if p["beyond"]:
        amount = max(amount - p["beyond"], ZERO)
    unit = p["unit"]
    units = floor_int(amount / unit) if unit != 1 else amount
    return _capped(units * p["points_per_unit"], p["cap"])


def _tiers(node: Node, r: _Reader) -> Decimal:
    p = node.params
    value = r.number(p["fact"])
    for tier in p["tiers"]:
        if tier.contains(value):
            return tier.value
    return p["otherwise"]


def _levels(node: Node, r: _Reader) -> Decimal:
    p = node.params
    value = r.get(p["fact"])
    if "weight" in p:
        level = next(g for g in p["grades"] if g.grade == value)
        return p["weight"] * level.value
    return p["points"][value]


def _base_steps(node: Node, r: _Reader) -> Decimal:
    p = node.params
    value = r.number(p["fact"])
    if value < p["threshold"]:
        return ZERO
    steps = max(floor_int((value - p["steps_from"]) / p["step"]), ZERO)
    return _capped(p["base"] + steps * p["step_points"], p["cap"])


def _fixed(node: Node, r: _Reader) -> Decimal:
    return node.max


def _shortfall(e, r: _Reader) -> Decimal:
    target = r.number(e.target) if isinstance(e.target, str) else e.target
    raw = r.get(e.fact)
    values = [Decimal(v) for v in raw] if isinstance(raw, tuple) else [r.number(e.fact)]
    units = ZERO
    for v in values:
        short = max(target - v, ZERO) / e.per
        units += floor_int(short) if e.whole_units else short
    return units * e.each


def _deductions(node: Node, r: _Reader) -> Decimal:
    p = node.params
    taken = ZERO
    for e in p["deductions"]:
        kind = e.kind
        if kind == "each":
            taken += r.number(e.fact) * e.each
        elif kind == "shortfall":
            taken += _shortfall(e, r)
        elif kind == "judged":
            taken += sum([j.value for j in r.get(e.fact)], ZERO)
        else:  # "when"
            taken += e.points if r.all_hold(e.when) else ZERO
    start = p["start"]
    if start is None:
        return taken
    raw = start - taken
    return p["floor"] if raw < p["floor"] else raw


def _judgement(node: Node, r: _Reader) -> Decimal:
    return r.get(node.params["fact"]).value


_METHODS: dict[str, Callable[[Node, _Reader], Decimal]] = {
    "fixed": _fixed, "checklist": _checklist, "per_unit": _per_unit, "tiers": _tiers, "levels": _levels,
    "base_steps": _base_steps, "deductions": _deductions, "judgement": _judgement,
}


def _method(node: Node, derived: dict) -> Callable[[_Reader], Decimal]:
    """reader → the method's points; the commonest method (deductions of a count times a constant, as in
    宁明 and 萍乡) written out without looking anything up, the others by their function above."""
    p = node.params
    if node.method == "deductions" and p["deductions"] and all(
            e.kind == "each" and e.fact not in derived for e in p["deductions"]):
        pairs = tuple((e.fact, e.each) for e in p["deductions"])
        start, floor = p["start"], p["floor"]

        def each(r: _Reader) -> Decimal:
            facts = r.facts
            taken = ZERO
            for fact, times in pairs:
                count = facts[fact]
                taken += (Decimal(count) if isinstance(count, int) else count) * times
            if start is None:
                return taken
            raw = start - taken
            return floor if raw < floor else raw
        return each
    return partial(_METHODS[node.method], node)


def _leaf_points(method, requires, kind: str, top: Decimal | None, r: _Reader) -> Decimal:
    """A leaf's points as engine._score_leaf_text gives them, every fact it reads being in: 0 if its requirement
    fails; else its method's, an item's at most its maximum and never below 0, a penalty's at most its maximum
    and negative."""
    if requires and not r.all_hold(requires):
        return ZERO
    value = method(r)
    if kind == "regular":
        if top is not None and value > top:
            value = top
        return ZERO if value < ZERO else value
    if kind == "penalty":
        return -(top if top is not None and value > top else value)
    return value


class FigurePlan:
    """A scheme's lines as score() adds them up, compiled once: run(facts) gives the figures of a sheet.

    run(facts) → (regular, bonus_raw, penalty, missing, hits): the sums score() concludes from, the facts missing
    (sorted) and the indexes of the vetoes that hold. A line's index is its place among the sheet's lines
    (engine._Plan); sums are added in post-order (a line before the sum above it).
    """

    def __init__(self, scheme: Scheme, program: list, veto_roots: tuple[tuple[str, ...], ...]):
        self.derived = scheme.derived
        self.size = len(program)
        by_index = {op.index: op for op in program}
        # (index, method, requirement, kind, maximum, the facts the requirement reads, the facts the method reads)
        self.leaves = tuple((op.index, _method(op.node, scheme.derived), op.node.requires, op.node.kind,
                             op.node.max, op.req_roots, op.method_roots) for op in program if op.is_leaf)
        # a sum adds its regular lines (a sum below it is regular), after them (post-order)
        self.sums = tuple((op.index, tuple(i for i in op.children
                                           if not by_index[i].is_leaf or by_index[i].node.kind == "regular"),
                           op.node.max)
                          for op in program if not op.is_leaf)
        self.categories = sorted(op.index for op in program if op.node.level == "category")
        self.bonus = sorted(op.index for op in program if op.is_leaf and op.node.kind == "bonus")
        self.penalty = sorted(op.index for op in program if op.is_leaf and op.node.kind == "penalty")
        self.vetoes = tuple((roots, veto.when) for roots, veto in zip(veto_roots, scheme.vetoes))
        every = set()
        for *_leaf, req_roots, method_roots in self.leaves:
            every.update(req_roots, method_roots)
        for roots, _when in self.vetoes:
            every.update(roots)
        self.every_root = frozenset(every)

    def run(self, facts: dict[str, Any]) -> tuple[Decimal, Decimal, Decimal, list[str], list[int]]:
        r = _Reader(facts, self.derived)
        points: list[Any] = [None] * self.size
        missing: set[str] = set()
        if facts.keys() >= self.every_root:  # the common case: every fact is in
            for at, method, requires, kind, top, _req_roots, _method_roots in self.leaves:
                points[at] = _leaf_points(method, requires, kind, top, r)
        else:
            for at, method, requires, kind, top, req_roots, method_roots in self.leaves:
                # a leaf missing a fact its requirement reads, or (the requirement holding) one its method reads
                req_missing = [k for k in req_roots if k not in facts]
                if req_missing:
                    missing.update(req_missing)
                    missing.update(k for k in method_roots if k not in facts)
                    points[at] = ZERO
                    continue
                method_missing = [k for k in method_roots if k not in facts]
                if method_missing and (not requires or r.all_hold(requires)):
                    missing.update(method_missing)
                    points[at] = ZERO
                    continue
                points[at] = _leaf_points(method, requires, kind, top, r)
        for at, regular_lines, top in self.sums:
            total = sum([points[i] for i in regular_lines], ZERO)
            points[at] = top if total > top else total
        regular = sum([points[i] for i in self.categories], ZERO)
        bonus_raw = sum([points[i] for i in self.bonus], ZERO)
        penalty = -sum([points[i] for i in self.penalty], ZERO)
        hits = []
        for index, (roots, when) in enumerate(self.vetoes):
            veto_missing = [k for k in roots if k not in facts]
            if veto_missing:
                missing.update(veto_missing)
            elif r.all_hold(when):
                hits.append(index)
        return regular, bonus_raw, penalty, sorted(missing), hits
