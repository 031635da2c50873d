"""The scoring engine: score(scheme, facts) -> ScoreSheet; score_cohort(...) -> CohortResult.

Decimal arithmetic only; rounding half up to 2 decimals happens once, on the total (DOMAIN.md §6.1).
Every line explains its arithmetic as data: ``steps``, a list of JSON-able dicts (``{"step": "deduct_each",
"fact": ..., "count": "3", "each": "0.5", "points": "1.5"}``: what was counted, the numbers, the facts and
the condition used), which the portal renders in the reader's language (portal/explain.py). ``explanation``
is the same arithmetic in the engine's English, for developers and the tests. A fact an item needs but
was not given is reported as missing (the sheet is then incomplete), never taken as zero.

Speed (issue 16): score() gives the figures first (rules/scoring/figures.py: the same arithmetic without the
words) and works out the lines when they are read (ScoreSheet.__getattr__, _materialize), checking them against
the figures given. A scheme is planned once (_Plan: the facts behind every key, the order of the lines, fast
checks of the facts by kind), and a line is remembered by the values of the facts it reads (_NodePlan), as are
sums, vetoes and the sheet's conclusion; a remembered line is given again as a new Line with new lists and
dicts, but its step dicts are shared between sheets: they are values, never to be changed in place. A table
that grows past its limit starts again empty; a leaf whose lines do not repeat stops being remembered.
Schemes are immutable: a plan is kept while its scheme lives.
"""
from __future__ import annotations

import itertools
import weakref
from dataclasses import dataclass, field
from decimal import Decimal, getcontext, localcontext
from typing import Any, Iterable

from rules.scoring.facts import Judgement, validate_facts
from rules.scoring.figures import FigurePlan, condition_holds, derived_value
from rules.scoring.model import Condition, Node, Scheme
from rules.scoring.numbers import (
    CENT,
    HUNDRED,
    MINUS,
    ZERO,
    floor_int,
    fmt_money,
    fmt_num,
    fmt_pts,
    round_points,
)


@dataclass
class Line:
    """One node of the item tree as scored: the arithmetic, the inputs and the clause it comes from."""

    path: str
    id: str
    level: str  # category | item | subitem
    title: str
    kind: str  # regular | bonus | penalty
    max: Decimal | None
    method: str  # a scoring method, or "sum" for a category / an item made of sub-items
    clause: str
    points: Decimal  # exact; negative for a penalty; 0 while missing
    explanation: str
    inputs: dict[str, Any] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    needs_cohort: bool = False
    steps: list[dict[str, Any]] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing and not self.needs_cohort


@dataclass
class VetoHit:
    id: str
    effect: str  # fail | disqualify | terminate
    clause: str
    explanation: str
    steps: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ScoreSheet:
    scheme_id: str
    scheme_version: str
    participant: str | None
    lines: list[Line]
    scheme_sha256: str
    regular_total: Decimal
    bonus_total: Decimal
    penalty_total: Decimal
    total_exact: Decimal
    total: Decimal  # rounded half up to 2 decimals (DOMAIN.md §6.1)
    total_explanation: str
    missing_facts: list[str]
    complete: bool
    vetoes: list[VetoHit]
    passed: bool | None  # None while the sheet is incomplete
    result_explanation: str
    payment_ratio: Decimal | None
    payment_explanation: str
    payment_band: Any
    subsidy: Decimal | None
    subsidy_explanation: str
    derivations: dict[str, str] = field(default_factory=dict)
    rank: int | None = None
    grade: str | None = None
    grade_explanation: str = ""
    total_steps: list[dict[str, Any]] = field(default_factory=list)
    result_steps: list[dict[str, Any]] = field(default_factory=list)
    payment_steps: list[dict[str, Any]] = field(default_factory=list)
    subsidy_steps: list[dict[str, Any]] = field(default_factory=list)
    grade_steps: list[dict[str, Any]] = field(default_factory=list)
    _scheme: Scheme | None = field(default=None, repr=False, compare=False)

    def __getattr__(self, name: str) -> Any:
        # a part of the sheet worked out when first read (score(), _figures_sheet); only called for a name the
        # sheet does not hold yet
        if name in _LAZY and self.__dict__.get("_lazy") is not None:
            try:
                _materialize(self)
            except AttributeError as exc:  # not to be taken for a sheet without `name`
                raise RuntimeError(f"working out the sheet's {name} failed: {exc}") from exc
            return self.__dict__[name]
        raise AttributeError(name)

    def __getstate__(self) -> dict[str, Any]:
        # pickled and copied whole: what is worked out when read, worked out first
        if self.__dict__.get("_lazy") is not None:
            _materialize(self)
        return self.__dict__

    @property
    def disqualified(self) -> bool:
        return any(v.effect == "disqualify" for v in self.vetoes)

    @property
    def terminated(self) -> bool:
        return any(v.effect == "terminate" for v in self.vetoes)

    @property
    def vetoed(self) -> bool:
        return bool(self.vetoes)

    def line(self, path: str) -> Line:
        for line in self.lines:
            if line.path == path:
                return line
        raise KeyError(path)

    def payment_due(self, contract_value: Any, stage: str) -> Decimal:
        """The amount due for a payment stage ("advance" or a stage id of the scheme) of a contract value."""
        return self._payment(contract_value, stage)[0]

    def payment_explanation_for(self, contract_value: Any, stage: str) -> str:
        return self._payment(contract_value, stage)[1]

    def payment_steps_for(self, contract_value: Any, stage: str) -> list[dict[str, Any]]:
        amount, _text = self._payment(contract_value, stage)
        payment = self._scheme.payment
        value = to_decimal_value(contract_value)
        if stage == "advance":
            return [{"step": "advance", "value": _v(value), "share": _v(payment.advance_share * HUNDRED),
                     "amount": _v(amount)}]
        st = {s.id: s for s in payment.stages}[stage]
        return [{"step": "stage_payment", "value": _v(value), "share": _v(st.share * HUNDRED), "stage": st.label,
                 "ratio": _v(self.payment_ratio * HUNDRED), "amount": _v(amount)}]

    def _payment(self, contract_value: Any, stage: str) -> tuple[Decimal, str]:
        from rules.scoring.numbers import to_decimal

        payment = self._scheme.payment if self._scheme else None
        if payment is None:
            raise ValueError(f"scheme {self.scheme_id} has no payment rule")
        value = to_decimal(contract_value, what="contract value")
        if value < 0:
            raise ValueError("contract value cannot be negative")
        if stage == "advance":
            amount = round_points(value * payment.advance_share)
            return amount, f"{fmt_money(value)} × {_fn(payment.advance_share * HUNDRED)}% advance = {fmt_money(amount)}"
        stages = {s.id: s for s in payment.stages}
        if stage not in stages:
            raise ValueError(f"unknown payment stage {stage!r}; one of advance, {', '.join(stages)}")
        if self.payment_ratio is None:
            raise ValueError("the sheet is incomplete: no payment can be computed until every fact is in")
        share = stages[stage].share
        amount = round_points(value * share * self.payment_ratio)
        return amount, (f"{fmt_money(value)} × {_fn(share * HUNDRED)}% ({stages[stage].label}) × "
                        f"{_fn(self.payment_ratio * HUNDRED)}% = {fmt_money(amount)}")

    def subsidy_steps_for(self, grants: Iterable[str] = ()) -> list[dict[str, Any]]:
        total, _text = self.subsidy_total(grants)
        one_offs = {o.id: o for o in self._scheme.subsidy.one_off}
        return [{"step": "subsidy_sum", "by_score": _v(self.subsidy),
                 "grants": [{"label": one_offs[g].label, "amount": _v(one_offs[g].amount)} for g in grants],
                 "amount": _v(total)}]

    def subsidy_total(self, grants: Iterable[str] = ()) -> tuple[Decimal, str]:
        """Score-band subsidy plus one-off grants decided elsewhere (e.g. 金东 new station, excellent station)."""
        subsidy = self._scheme.subsidy if self._scheme else None
        if subsidy is None:
            raise ValueError(f"scheme {self.scheme_id} has no subsidy table")
        if self.subsidy is None:
            raise ValueError("the sheet is incomplete: no subsidy can be computed until every fact is in")
        one_offs = {o.id: o for o in subsidy.one_off}
        parts = [f"{fmt_money(self.subsidy)} by score"]
        total = self.subsidy
        for grant in grants:
            if grant not in one_offs:
                raise ValueError(f"unknown one-off grant {grant!r}; one of {', '.join(one_offs) or 'none'}")
            total += one_offs[grant].amount
            parts.append(f"{fmt_money(one_offs[grant].amount)} {one_offs[grant].label}")
        return total, " + ".join(parts) + f" = {fmt_money(total)}"


# -- figures as text, remembered ---------------------------------------------------------------------
# Every text below depends on a Decimal's value only (not on its exponent: 1.5 and 1.50 read the same),
# so one entry serves every equal Decimal. Only exact Decimals are looked up (bool/int keys would collide
# with equal Decimals in a dict); a table that grows past _TEXT_LIMIT entries starts again empty.

_TEXT_LIMIT = 20_000
_V_TEXT: dict[Decimal, str] = {}
_PTS_TEXT: dict[Decimal, str] = {}
_SIGNED_PTS_TEXT: dict[Decimal, str] = {}
_NUM_TEXT: dict[Decimal, str] = {}
_TIDY_TEXT: dict[Decimal, str] = {}
_EXACT_TEXT: dict[Decimal, str] = {}


def _remember(table: dict, key: Decimal, text: str) -> None:
    if len(table) >= _TEXT_LIMIT:
        table.clear()
    table[key] = text


def _remembered(table: dict, render) -> "Callable[[Decimal], str]":
    """render(value), remembered in `table` by the value (equal Decimals render alike: the texts normalise)."""
    def text_of(value: Decimal) -> str:
        if value.__class__ is not Decimal:
            return render(value)
        text = table.get(value)
        if text is None:
            text = render(value)
            _remember(table, value, text)
        return text
    return text_of


_fp = _remembered(_PTS_TEXT, fmt_pts)
_fps = _remembered(_SIGNED_PTS_TEXT, lambda value: fmt_pts(value, signed=True))
_fn = _remembered(_NUM_TEXT, fmt_num)
_ft = _remembered(_TIDY_TEXT, lambda value: fmt_num(_tidy(value)))


# -- steps: the explanation as data ------------------------------------------------------------------


def to_decimal_value(value: Any) -> Decimal:
    from rules.scoring.numbers import to_decimal

    return to_decimal(value, what="contract value")


def _v(value: Any) -> Any:
    """A value as a step carries it: JSON-able, Decimals as exact strings (long quotients to 4 places)."""
    if value.__class__ is Decimal:  # the common case, remembered by value (the text depends on the value only)
        text = _V_TEXT.get(value)
        if text is None:
            text = str(_tidy(value).normalize()) if value != value.to_integral_value() else str(int(value))
            _remember(_V_TEXT, value, text)
        return text
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, Decimal):
        return str(_tidy(value).normalize()) if value != value.to_integral_value() else str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Judgement):
        return {"value": _v(value.value), "reason": value.reason}
    if isinstance(value, (tuple, list)):
        return [_v(v) for v in value]
    return value


def cond_step(cond: Condition, value: Any = None, *, with_value: bool = True) -> dict[str, Any]:
    """A condition as data: the fact, each test with its limit, and the value found."""
    tests = []
    if cond.has_is:
        tests.append(["is", _v(cond.is_)])
    if cond.in_ is not None:
        tests.append(["in", [_v(x) for x in cond.in_]])
    for name in ("at_least", "more_than", "at_most", "less_than"):
        limit = getattr(cond, name)
        if limit is not None:
            tests.append([name, _v(limit)])
    out: dict[str, Any] = {"fact": cond.fact, "tests": tests}
    if with_value:
        out["value"] = _v(value)
    return out


def band_step(band) -> dict[str, Any]:
    return {"min": _v(band.min), "max": _v(band.max), "min_inclusive": band.min_inclusive,
            "max_inclusive": band.max_inclusive}


# -- evaluation context ----------------------------------------------------------------------------


class _Missing(Exception):
    def __init__(self, keys: Iterable[str]):
        super().__init__(sorted(keys))
        self.keys = sorted(set(keys))


@dataclass
class RankInfo:
    """A participant's place for one rank-based leaf (computed by score_cohort)."""

    value: Decimal | None
    eligible: bool
    rank: int | None
    ranked: int  # how many eligible participants were ranked
    why_not: str = ""
    why_not_step: dict[str, Any] | None = None


class _Context:
    def __init__(self, scheme: Scheme, facts: dict[str, Any], plan: "_Plan | None" = None):
        self.scheme = scheme
        self.plan = plan if plan is not None else _plan_for(scheme)
        self.facts = facts
        self.derived_values: dict[str, Decimal] = {}
        self.derivations: dict[str, str] = {}
        self.used: dict[str, Any] = {}
        self.steps: list[dict[str, Any]] = []
        self.failed: dict[str, Any] | None = None  # the condition that failed last, as a step
        self.token: Any = None  # the last line scored, as the sum above it remembers it (see _walk)

    def roots(self, key: str) -> set[str]:
        """The supplied facts a key depends on."""
        return set(self.plan.roots(key))

    def missing(self, keys: Iterable[str]) -> list[str]:
        out: set[str] = set()
        roots, facts = self.plan.roots, self.facts
        for key in keys:
            out.update(k for k in roots(key) if k not in facts)
        return sorted(out)

    def missing_of(self, roots: tuple[str, ...]) -> list[str]:
        """missing() of keys whose supplied facts the plan has already sorted (see _Plan.node)."""
        facts = self.facts
        return [k for k in roots if k not in facts]

    def get(self, key: str) -> Any:
        if key in self.scheme.derived:
            value = self._derive(key)
        else:
            if key not in self.facts:
                raise _Missing([key])
            value = self.facts[key]
        self.used[key] = value
        return value

    def number(self, key: str) -> Decimal:
        value = self.get(key)
        return Decimal(value) if isinstance(value, int) else value

    def _derive(self, key: str) -> Decimal:
        if key in self.derived_values:
            return self.derived_values[key]
        d = self.scheme.derived[key]
        vals = []
        for arg in d.args:
            if isinstance(arg, str):
                vals.append(self.number(arg))
            else:
                vals.append(arg)
        shown = [_ft(v) for v in vals]
        result = derived_value(d.op, vals)
        note = " (division by zero: taken as 0)" if d.op in ("ratio", "percent") and vals[1] == 0 else ""
        if d.op in ("sum", "product"):
            expr = (" + " if d.op == "sum" else " × ").join(shown)
        elif d.op == "difference":
            expr = f"{shown[0]} {MINUS} {shown[1]}"
        elif d.op in ("min", "max"):
            expr = f"{d.op}({', '.join(shown)})"
        else:  # ratio, percent
            expr = f"{shown[0]} ÷ {shown[1]}" + (" × 100" if d.op == "percent" else "")
        self.derived_values[key] = result
        self.derivations[key] = f"{key} = {expr} = {_ft(result)}{note}"
        return result

    def holds(self, cond: Condition) -> bool:
        return condition_holds(cond, self.get(cond.fact))

    def all_hold(self, conds: Iterable[Condition]) -> tuple[bool, str]:
        """(all hold, the first failing condition described with its actual value)."""
        for cond in conds:
            if not self.holds(cond):
                self.failed = cond_step(cond, self.get(cond.fact))
                return False, f"{cond.describe()} fails (is {_show(self.get(cond.fact))})"
        self.failed = None
        return True, ""


def _tidy(value: Decimal) -> Decimal:
    """Long quotients shown to 4 decimals in words; the arithmetic itself stays exact."""
    if value == value.to_integral_value() or -value.as_tuple().exponent <= 4:
        return value
    return value.quantize(Decimal("0.0001"))


def _exact(value: Decimal) -> str:
    """A figure before the final rounding: 2 decimals if exact at 2, else up to 4 (so the rounding is visible)."""
    if value.__class__ is Decimal:
        text = _EXACT_TEXT.get(value)
        if text is None:
            text = fmt_pts(value) if value == value.quantize(CENT) else fmt_num(_tidy(value))
            _remember(_EXACT_TEXT, value, text)
        return text
    if value == value.quantize(CENT):
        return fmt_pts(value)
    return fmt_num(_tidy(value))


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return _ft(value)
    if isinstance(value, int):
        return _fn(Decimal(value))
    if isinstance(value, Judgement):
        return f"{_fn(value.value)} ({value.reason})"
    if isinstance(value, tuple):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)


def _condition_keys(conds: Iterable[Condition]) -> set[str]:
    return {c.fact for c in conds}


def _method_keys(node: Node) -> set[str]:
    p = node.params
    m = node.method
    if m == "checklist":
        return set().union(*(_condition_keys(e.when) for e in p["entries"]))
    if m == "deductions":
        keys: set[str] = set()
        for e in p["deductions"]:
            keys |= {e.fact} if e.fact else _condition_keys(e.when)
            if isinstance(e.target, str):
                keys.add(e.target)
        return keys
    if m == "fixed":
        return set()
    if m == "rank":
        return {p["fact"]} | _condition_keys(p["eligible"])
    return {p["fact"]}


# -- a scheme compiled once: what score() would otherwise work out again for every sheet -----------------

_ABSENT = object()  # a fact not supplied, in a memo key
_SERIALS = itertools.count()  # tells remembered lines apart (a category's memo key is its lines' serials)
_MEMO_LIMIT = 4096  # lines remembered per leaf; past it the table starts again empty
_MEMO_TRIAL = 512  # lines scored afresh after which a leaf that found fewer than _MEMO_MIN_HITS × as many remembered is no longer remembered
_MEMO_MIN_HITS = 0.25
_MEMO_FIRST_LOOK = 64  # lines scored afresh after which a leaf that has found at most one remembered stops


_NEW = object.__new__


def _decimal_token(value: Any) -> Any:
    # str() of a Decimal keeps its exponent: 1.5 and 1.50 are different inputs (inputs, exponents of results)
    return value if value is _ABSENT else str(value)


def _judgement_token(value: Any) -> Any:
    return value if value is _ABSENT else (str(value.value), value.reason)


def _judgements_token(value: Any) -> Any:
    return value if value is _ABSENT else tuple((str(j.value), j.reason) for j in value)


_TOKENS = {"number": _decimal_token, "percent": _decimal_token, "judgement": _judgement_token,
           "judgement_list": _judgements_token}  # count, count_list, bool, choice: the value itself


def _key_function(keys: list[str], tokens: list) -> Any:
    """facts → the memo key of a leaf reading these facts (a value, or a tuple of them)."""
    if len(keys) == 1:
        (k,), (token,) = keys, tokens
        if token is None:
            return lambda facts: facts.get(k, _ABSENT)
        return lambda facts: token(facts.get(k, _ABSENT))
    if not any(tokens):
        keys_ = tuple(keys)
        return lambda facts: tuple([facts.get(k, _ABSENT) for k in keys_])
    pairs = tuple(zip(keys, tokens))
    return lambda facts: tuple([facts.get(k, _ABSENT) if t is None else t(facts.get(k, _ABSENT)) for k, t in pairs])


class _VetoPlan:
    """A veto's memo: whether it is missing facts or holds, and the hit it makes, by the facts it reads."""

    __slots__ = ("memo", "key", "hits", "misses")

    def __init__(self, plan: "_Plan", veto):
        keys = list(plan.sorted_roots(_condition_keys(veto.when)))
        specs = plan.scheme_facts
        self.key = _key_function(keys, [_TOKENS.get(specs[k].kind) if k in specs else None for k in keys])
        self.memo: dict | None = {} if keys else None
        self.hits = self.misses = 0

    def remember(self, key: tuple, known: tuple) -> None:
        _NodePlan.remember(self, key, known)


class _NodePlan:
    """One node's keys, and for a leaf its memo: the line as scored, by the facts the line reads.

    A leaf's line (points, explanation, inputs, missing facts, steps, and the derivations it makes) depends
    on nothing but the values of the supplied facts behind its requirement and its method, so a line seen
    before is given again (new Line, new lists and dicts; the step dicts themselves are shared values).
    Rank-based leaves depend on the cohort and are never remembered.
    """

    __slots__ = ("req_roots", "method_roots", "fields", "memo", "key", "hits", "misses", "node", "is_leaf",
                 "index", "children", "regular", "has_extras", "max_texts", "sum_fields")

    def __init__(self, plan: "_Plan", node: Node):
        self.node = node
        self.is_leaf = node.is_leaf
        self.index = -1  # its place among the sheet's lines, and its children's (set by _Plan)
        self.children: list[int] = []
        self.req_roots = plan.sorted_roots(_condition_keys(node.requires))
        self.method_roots = plan.sorted_roots(_method_keys(node)) if node.is_leaf else ()
        self.fields = {"path": node.path, "id": node.id, "level": node.level, "title": node.title,
                       "kind": node.kind, "max": node.max, "method": node.method, "clause": node.clause}
        self.hits = self.misses = 0
        self.memo: dict | None = None
        self.key = None
        if node.is_leaf and node.method != "rank":
            keys = sorted(set(self.req_roots) | set(self.method_roots))
            specs = plan.scheme_facts
            tokens = [_TOKENS.get(specs[k].kind) if k in specs else None for k in keys]
            self.key = _key_function(keys, tokens)
            self.memo = {}
        elif not node.is_leaf:
            self.memo = {}  # a sum, remembered by its lines' tokens (see _walk)
        self.sum_fields = None  # a sum's fixed parts, once its children are known (see _Plan)

    def plan_sum(self, children: list["_NodePlan"]) -> None:
        node = self.node
        self.children = [c.index for c in children]
        if node.is_leaf or node.max.__class__ is not Decimal:
            return
        # a line's kind: a leaf's own; a sum is always "regular"
        kinds = [c.node.kind if c.is_leaf else "regular" for c in children]
        self.regular = [c.index for c, kind in zip(children, kinds) if kind == "regular"]
        self.has_extras = any(kind != "regular" for kind in kinds)
        self.max_texts = (fmt_pts(node.max), _v(node.max), node.max)
        self.sum_fields = {"path": node.path, "id": node.id, "level": node.level, "title": node.title,
                           "kind": "regular", "max": node.max, "method": "sum", "clause": node.clause}

    def remember(self, key: tuple, known: tuple) -> None:
        self.misses += 1
        memo = self.memo
        if (self.misses == _MEMO_FIRST_LOOK and self.hits <= 1) or (
                self.misses == _MEMO_TRIAL and self.hits < _MEMO_MIN_HITS * _MEMO_TRIAL):
            self.memo = None  # this leaf's lines rarely repeat: score it afresh every time
            return
        if len(memo) >= _MEMO_LIMIT:
            memo.clear()
        memo[key] = known


_REFUSED = object()  # a value the fast check does not pass: validate_facts decides (and explains why)


def _fast_check(spec) -> Any:
    """value → the value validate_facts would keep, for the plain cases of a fact's kind; else _REFUSED."""
    kind, lo, hi = spec.kind, spec.min, spec.max
    if kind == "percent":
        lo = ZERO if lo is None else lo
        hi = HUNDRED if hi is None else hi

    def within(v) -> bool:
        return (lo is None or v >= lo) and (hi is None or v <= hi)

    if kind == "bool":
        return lambda v: v if v.__class__ is bool else _REFUSED
    if kind == "choice":
        choices = frozenset(c for c in spec.choices if c.__class__ is str)
        return lambda v: v if v.__class__ is str and v in choices else _REFUSED
    if kind == "count":
        if hi is None and (lo is None or lo <= 0):  # the common case: a count of anything, from 0
            return lambda v: v if v.__class__ is int and v >= 0 else _REFUSED
        return lambda v: v if v.__class__ is int and v >= 0 and within(v) else _REFUSED
    if kind in ("number", "percent"):
        if lo is not None and hi is not None:  # the common case (every percent): within(), written out
            return lambda v: v if v.__class__ is Decimal and v.is_finite() and lo <= v <= hi else _REFUSED
        return lambda v: v if v.__class__ is Decimal and v.is_finite() and within(v) else _REFUSED
    if kind == "count_list":
        def count_list(v):
            if v.__class__ is not list and v.__class__ is not tuple:
                return _REFUSED
            for x in v:
                if x.__class__ is not int or x < 0:
                    return _REFUSED
            return tuple(v)
        return count_list
    if kind in ("judgement", "judgement_list"):
        def judgement(v):
            if v.__class__ is not dict or len(v) != 2:
                return _REFUSED
            number, reason = v.get("value"), v.get("reason")
            if number.__class__ is not Decimal or not number.is_finite() or not within(number):
                return _REFUSED
            if reason.__class__ is not str or not reason.strip():
                return _REFUSED
            return Judgement(number, reason.strip())
        if kind == "judgement":
            return judgement

        def judgement_list(v):
            if v.__class__ is not list and v.__class__ is not tuple:
                return _REFUSED
            out = []
            for x in v:
                number = x.get("value") if x.__class__ is dict else None
                if number.__class__ is not Decimal or not number.is_finite():
                    return _REFUSED
                if number == 0:
                    continue  # nothing deducted (无扣分): no entry
                x = judgement(x)
                if x is _REFUSED:
                    return _REFUSED
                out.append(x)
            return tuple(out)
        return judgement_list
    return lambda v: _REFUSED  # any kind to come


class _Plan:
    """What score() needs of a scheme that does not depend on the facts, worked out once per scheme."""

    def __init__(self, scheme: Scheme):
        self.scheme = weakref.ref(scheme)
        self.derived = scheme.derived
        self.scheme_facts = scheme.facts
        self._roots: dict[str, frozenset[str]] = {}
        self._nodes: dict[int, _NodePlan] = {}
        self._each: dict[int, dict] = {}  # a deduction entry's memo (see _m_deductions), by id: the scheme holds it
        self.veto_roots = tuple(self.sorted_roots(_condition_keys(v.when)) for v in scheme.vetoes)
        self.vetoes = tuple(_VetoPlan(self, v) for v in scheme.vetoes)
        self.checks = {key: _fast_check(spec) for key, spec in scheme.facts.items()}
        self.version = scheme.version
        self.conclusions: dict[tuple, dict[str, Any]] = {}
        # the lines of a sheet, in order (a category before its items), and the order they are scored in
        order: list[_NodePlan] = []
        self.program: list[_NodePlan] = []

        def visit(node: Node) -> _NodePlan:
            op = _NodePlan(self, node)  # its own, should a scheme ever use one node twice
            self._nodes.setdefault(id(node), op)
            op.index = len(order)
            order.append(op)
            children = [visit(child) for child in node.children]
            op.plan_sum(children)
            self.program.append(op)
            return op

        for category in scheme.categories:
            visit(category)
        self.size = len(order)
        self.categories = [op.index for op in order if op.node.level == "category"]
        self.leaves = [op.index for op in order if op.is_leaf]
        self.bonus = [op.index for op in order if op.is_leaf and op.node.kind == "bonus"]
        self.penalty = [op.index for op in order if op.is_leaf and op.node.kind == "penalty"]
        self.has_bonus = bool(self.bonus)
        self.has_penalty = bool(self.penalty)
        self.not_above = tuple((key, spec.not_above) for key, spec in scheme.facts.items()
                               if spec.not_above is not None)
        # the figures alone (rules/scoring/figures.py): not for a scheme that ranks its participants
        self.figures = None if scheme.has_rank_items else FigurePlan(scheme, self.program, self.veto_roots)

    def validate(self, facts: dict[str, Any], participant: str | None) -> dict[str, Any]:
        """validate_facts(scheme, facts): the plain values of each kind checked here, anything else there."""
        if facts.__class__ is not dict:
            return validate_facts(self.scheme(), facts, participant=participant)
        checks = self.checks
        clean: dict[str, Any] = {}
        for key, value in facts.items():
            check = checks.get(key)
            if check is None:
                return validate_facts(self.scheme(), facts, participant=participant)
            if value is None:
                continue  # explicitly unknown: reported as missing on the sheet
            ok = check(value)
            if ok is _REFUSED:
                return validate_facts(self.scheme(), facts, participant=participant)
            clean[key] = ok
        for key, other in self.not_above:
            if key in clean and other in clean and clean[key] > clean[other]:
                return validate_facts(self.scheme(), facts, participant=participant)
        return clean

    def roots(self, key: str) -> frozenset[str]:
        """The supplied facts a key depends on."""
        out = self._roots.get(key)
        if out is None:
            if key in self.derived:
                acc: set[str] = set()
                for arg in self.derived[key].args:
                    if isinstance(arg, str):
                        acc |= self.roots(arg)
                out = frozenset(acc)
            else:
                out = frozenset((key,))
            self._roots[key] = out
        return out

    def sorted_roots(self, keys: Iterable[str]) -> tuple[str, ...]:
        out: set[str] = set()
        for key in keys:
            out |= self.roots(key)
        return tuple(sorted(out))

    def remember_conclusion(self, key: tuple, known: dict[str, Any]) -> None:
        if len(self.conclusions) >= _MEMO_LIMIT:
            self.conclusions.clear()
        self.conclusions[key] = known

    def each_memo(self, entry) -> dict:
        memo = self._each.get(id(entry))
        if memo is None:
            memo = self._each[id(entry)] = {}
        return memo

    def node(self, node: Node) -> _NodePlan:
        plan = self._nodes.get(id(node))
        if plan is None:
            plan = self._nodes[id(node)] = _NodePlan(self, node)
        return plan


_PLANS: dict[int, _Plan] = {}


def _plan_for(scheme: Scheme) -> _Plan:
    """The scheme's plan, made on its first sheet and kept while the scheme lives (schemes are immutable)."""
    plan = _PLANS.get(id(scheme))
    if plan is None or plan.scheme() is not scheme:
        plan = _PLANS[id(scheme)] = _Plan(scheme)
        weakref.finalize(scheme, _PLANS.pop, id(scheme), None)
    return plan


# -- leaves ----------------------------------------------------------------------------------------


def _cap(points: Decimal, cap: Decimal | None, text: str, ctx=None) -> tuple[Decimal, str]:
    if cap is not None and points > cap:
        if ctx is not None:
            ctx.steps.append({"step": "cap", "cap": _v(cap), "points": _v(cap)})
        return cap, f"{text}, capped at {_fp(cap)}"
    return points, text


def _m_checklist(node, ctx):
    total = ZERO
    parts = []
    for entry in node.params["entries"]:
        ok, why = ctx.all_hold(entry.when)
        if ok:
            total += entry.points
            parts.append(f"✓ {entry.label} +{_fp(entry.points)}")
        else:
            parts.append(f"✗ {entry.label} ({why}) +0.00")
        ctx.steps.append({"step": "check", "label": entry.label, "ok": ok, "points": _v(entry.points if ok else ZERO),
                          "failed": None if ok else ctx.failed})
    text = "; ".join(parts) + f" = {_fp(total)}"
    ctx.steps.append({"step": "subtotal", "points": _v(total)})
    return _cap(total, node.params["cap"], text, ctx)


def _m_per_unit(node, ctx):
    p = node.params
    key = p["fact"]
    value = ctx.get(key)
    if isinstance(value, tuple):  # count_list: each entry first capped (e.g. seed 004 每次赴外招聘最多扣5分)
        entry_cap = p["per_entry_cap"]
        capped = [min(Decimal(v), entry_cap) if entry_cap is not None else Decimal(v) for v in value]
        amount = sum(capped, ZERO)
        head = (f"{key} {_show(value)}" + (f", each at most {_fn(entry_cap)}" if entry_cap is not None else "")
                + f": {' + '.join(_fn(c) for c in capped) or '0'} = {_fn(amount)}")
        ctx.steps.append({"step": "count_list", "fact": key, "values": _v(value), "entry_cap": _v(entry_cap),
                          "capped": _v(capped), "sum": _v(amount)})
    else:
        amount = Decimal(value)
        head = f"{key} {_fn(amount)}"
        ctx.steps.append({"step": "count", "fact": key, "value": _v(amount)})
    beyond, unit = p["beyond"], p["unit"]
    if beyond:
        over = max(amount - beyond, ZERO)
        head += f"; beyond {_fn(beyond)}: {_fn(over)}"
        ctx.steps.append({"step": "beyond", "threshold": _v(beyond), "over": _v(over)})
        amount = over
    units = floor_int(amount / unit) if unit != 1 else amount
    if unit != 1:
        head += f"; floor({_fn(amount)} ÷ {_fn(unit)}) = {_fn(units)} unit(s)"
        ctx.steps.append({"step": "units", "amount": _v(amount), "unit": _v(unit), "units": _v(units)})
    points = units * p["points_per_unit"]
    ctx.steps.append({"step": "times", "units": _v(units), "each": _v(p["points_per_unit"]), "points": _v(points)})
    return _cap(points, p["cap"], f"{head} × {_fn(p['points_per_unit'])} = {_fp(points)}", ctx)


def _m_tiers(node, ctx):
    p = node.params
    value = ctx.number(p["fact"])
    for tier in p["tiers"]:
        if tier.contains(value):
            label = f" ({tier.label})" if tier.label else ""
            ctx.steps.append({"step": "tier", "fact": p["fact"], "value": _v(value), "band": band_step(tier),
                              "label": tier.label, "points": _v(tier.value)})
            return tier.value, f"{p['fact']} {_ft(value)} is in {tier.describe()}{label} → {_fp(tier.value)}"
    ctx.steps.append({"step": "no_tier", "fact": p["fact"], "value": _v(value), "points": _v(p["otherwise"])})
    return p["otherwise"], f"{p['fact']} {_ft(value)} is in no tier → {_fp(p['otherwise'])}"


def _m_levels(node, ctx):
    p = node.params
    if "weight" in p:
        return _m_graded(node, ctx)
    value = ctx.get(p["fact"])
    ctx.steps.append({"step": "level", "fact": p["fact"], "value": _v(value), "points": _v(p["points"][value])})
    return p["points"][value], f"{p['fact']} = {value} → {_fp(p['points'][value])}"


def _m_graded(node, ctx):
    # levels with a weight: a factor graded from stated criteria (e.g. DB12/T 3009—2024 表B.1: 要素得分Pi = F × Wi)
    p = node.params
    grade = ctx.get(p["fact"])
    level = next(g for g in p["grades"] if g.grade == grade)
    points = p["weight"] * level.value
    ctx.steps.append({"step": "level", "fact": p["fact"], "value": grade, "points": _v(points),
                      "weight": _v(p["weight"]), "grade_value": _v(level.value), "criteria": level.criteria})
    ctx.steps.append({"step": "times", "units": _v(level.value), "each": _v(p["weight"]), "points": _v(points)})
    return points, (f"{p['fact']} = {grade}: grade value {_fn(level.value)} × weight {_fn(p['weight'])} "
                    f"= {_fp(points)}")


def _m_base_steps(node, ctx):
    # e.g. seed 000 附件2 工作成效: 少于500人不得分，满500人得5分，每增加100人加1分，得满15分为止
    p = node.params
    value = ctx.number(p["fact"])
    if value < p["threshold"]:
        ctx.steps.append({"step": "below_threshold", "fact": p["fact"], "value": _v(value),
                          "threshold": _v(p["threshold"]), "points": "0"})
        return ZERO, f"{p['fact']} {_fn(value)} < {_fn(p['threshold'])} → 0.00"
    steps = max(floor_int((value - p["steps_from"]) / p["step"]), ZERO)
    points = p["base"] + steps * p["step_points"]
    ctx.steps.append({"step": "base_steps", "fact": p["fact"], "value": _v(value), "threshold": _v(p["threshold"]),
                      "base": _v(p["base"]), "steps_from": _v(p["steps_from"]), "step_size": _v(p["step"]),
                      "steps": _v(steps), "step_points": _v(p["step_points"]), "points": _v(points)})
    text = (f"{p['fact']} {_fn(value)} ≥ {_fn(p['threshold'])}: base {_fp(p['base'])} + "
            f"floor(({_fn(value)} {MINUS} {_fn(p['steps_from'])}) ÷ {_fn(p['step'])}) = {_fn(steps)} "
            f"step(s) × {_fn(p['step_points'])} = {_fp(points)}")
    return _cap(points, p["cap"], text, ctx)


def _m_fixed(node, ctx):
    ctx.steps.append({"step": "fixed", "points": _v(node.max)})
    return node.max, f"awarded in full: {_fp(node.max)}"


def _shortfall(e, ctx) -> tuple[Decimal, str]:
    """max(0, target − value) ÷ per × each; over a count_list, summed entry by entry (seed 003 指标13)."""
    target = ctx.number(e.target) if isinstance(e.target, str) else e.target
    target_text = f"{e.target} {_ft(target)}" if isinstance(e.target, str) else _fn(target)
    raw = ctx.get(e.fact)
    values = [Decimal(v) for v in raw] if isinstance(raw, tuple) else [ctx.number(e.fact)]

    def units_of(short: Decimal) -> Decimal:
        units = short / e.per
        return floor_int(units) if e.whole_units else units

    shorts = [max(target - v, ZERO) for v in values]
    units = sum((units_of(x) for x in shorts), ZERO)
    amount = units * e.each
    per = f" ÷ {_fn(e.per)}" if e.per != 1 else ""
    whole = " (whole units)" if e.whole_units else ""
    ctx.steps.append({"step": "deduct_shortfall", "label": e.label, "fact": e.fact,
                      "target_fact": e.target if isinstance(e.target, str) else None, "target": _v(target),
                      "values": _v(values), "list": isinstance(raw, tuple), "short": _v(sum(shorts, ZERO)),
                      "per": _v(e.per), "whole_units": e.whole_units, "units": _v(units), "each": _v(e.each),
                      "points": _v(amount)})
    if isinstance(raw, tuple):
        detail = " + ".join(f"({target_text} {MINUS} {_fn(v)})" if s else "0" for v, s in zip(values, shorts))
        return amount, (f"{e.label}: per entry {detail or '0'} = {_ft(sum(shorts, ZERO))} short{per}{whole}"
                        f" × {_fn(e.each)} = {MINUS}{_fp(amount)}")
    value, short = values[0], shorts[0]
    if short == 0:
        return amount, f"{e.label}: {_ft(value)} ≥ {target_text}, none short = {MINUS}0.00"
    unit_text = f" = {_fn(units)} unit(s)" if e.whole_units else ""
    return amount, (f"{e.label}: {target_text} {MINUS} {_ft(value)} = {_ft(short)} short"
                    f"{per}{unit_text} × {_fn(e.each)} = {MINUS}{_fp(amount)}")


def _m_deductions(node, ctx):
    p = node.params
    start = p["start"]
    parts = [f"start {_fp(start)}"] if start is not None else []
    if start is not None:
        ctx.steps.append({"step": "start", "points": _v(start)})
    taken = ZERO
    facts = ctx.facts
    for e in p["deductions"]:
        if e.kind == "each" and ctx.__class__ is _Context and e.fact in facts and e.fact not in ctx.plan.derived:
            # a count of a supplied fact times a constant: its step and text remembered by the fact's value
            raw = facts[e.fact]
            memo = ctx.plan.each_memo(e)
            known = memo.get(raw if raw.__class__ is int else (raw.__class__, str(raw)))
            if known is None:
                count = Decimal(raw) if isinstance(raw, int) else raw
                amount = count * e.each
                known = (amount, {"step": "deduct_each", "label": e.label, "fact": e.fact, "count": _v(count),
                                  "each": _v(e.each), "points": _v(amount)},
                         f"{e.label}: {_fn(count)} × {_fn(e.each)} = {MINUS}{_fp(amount)}")
                if len(memo) >= _MEMO_LIMIT:
                    memo.clear()
                memo[raw if raw.__class__ is int else (raw.__class__, str(raw))] = known
            ctx.used[e.fact] = raw
            amount = known[0]
            ctx.steps.append(known[1])
            parts.append(known[2])
        elif e.kind == "each":
            count = ctx.number(e.fact)
            amount = count * e.each
            ctx.steps.append({"step": "deduct_each", "label": e.label, "fact": e.fact, "count": _v(count),
                              "each": _v(e.each), "points": _v(amount)})
            parts.append(f"{e.label}: {_fn(count)} × {_fn(e.each)} = {MINUS}{_fp(amount)}")
        elif e.kind == "shortfall":
            amount, text = _shortfall(e, ctx)
            parts.append(text)
        elif e.kind == "judged":
            judged = ctx.get(e.fact)
            amount = sum((j.value for j in judged), ZERO)
            ctx.steps.append({"step": "deduct_judged", "label": e.label, "fact": e.fact, "entries": _v(judged),
                              "points": _v(amount)})
            if judged:
                detail = " + ".join(f"{_fn(j.value)} ({j.reason})" for j in judged)
                parts.append(f"{e.label}: {detail} = {MINUS}{_fp(amount)}")
            else:
                parts.append(f"{e.label}: none = {MINUS}0.00")
        else:  # "when"
            ok, why = ctx.all_hold(e.when)
            amount = e.points if ok else ZERO
            ctx.steps.append({"step": "deduct_when", "label": e.label, "holds": ok, "points": _v(amount),
                              "conditions": [cond_step(c, ctx.get(c.fact)) for c in e.when]})
            cond = " and ".join(c.describe() for c in e.when)
            parts.append(f"{e.label}: {cond} {'holds' if ok else 'does not hold'} = {MINUS}{_fp(amount)}")
        taken += amount
    if start is None:  # a penalty: the magnitude is what the entries add up to
        ctx.steps.append({"step": "subtotal", "points": _v(taken)})
        return taken, "; ".join(parts) + f"; total {_fp(taken)}"
    raw = start - taken
    ctx.steps.append({"step": "subtract", "start": _v(start), "taken": _v(taken), "points": _v(raw)})
    if raw < p["floor"]:
        ctx.steps.append({"step": "floor", "floor": _v(p["floor"]), "points": _v(p["floor"])})
        # seed 002: 扣完为止（指扣单项分）— a deduction never takes the sub-item below its floor
        text = "; ".join(parts) + (f"; {_fp(start)} {MINUS} {_fp(taken)} = {_fp(raw)}, "
                                   f"floored at {_fp(p['floor'])} (扣完为止)")
        return p["floor"], text
    return raw, "; ".join(parts) + f"; {_fp(start)} {MINUS} {_fp(taken)} = {_fp(raw)}"


def _m_judgement(node, ctx):
    key = node.params["fact"]
    j = ctx.get(key)
    spec = ctx.scheme.facts[key]
    ctx.steps.append({"step": "judgement", "fact": key, "value": _v(j.value), "min": _v(spec.min),
                      "max": _v(spec.max), "reason": j.reason})
    return j.value, (f"assessor's judgement {_fn(j.value)} (allowed {_fn(spec.min)}–{_fn(spec.max)}); "
                     f"reason: {j.reason}")


_METHODS = {
    "fixed": _m_fixed,
    "checklist": _m_checklist,
    "per_unit": _m_per_unit,
    "tiers": _m_tiers,
    "levels": _m_levels,
    "base_steps": _m_base_steps,
    "deductions": _m_deductions,
    "judgement": _m_judgement,
}


def _m_rank(node, ctx, info: RankInfo):
    # e.g. seed 004 （二）1: 人数总和最多的运营单位得25分，每降低一个名次减1.5分，直至减至基础分为止
    p = node.params
    ctx.get(p["fact"])
    for c in p["eligible"]:
        ctx.get(c.fact)
    if not info.eligible:
        ctx.steps.append({"step": "rank_ineligible", "failed": info.why_not_step, "points": _v(p["ineligible_points"])})
        return p["ineligible_points"], f"not eligible for ranking ({info.why_not}) → {_fp(p['ineligible_points'])}"
    raw = p["top"] - (info.rank - 1) * p["step"]
    ctx.steps.append({"step": "rank", "fact": p["fact"], "value": _v(info.value), "rank": info.rank,
                      "ranked": info.ranked, "top": _v(p["top"]), "step_size": _v(p["step"]), "points": _v(raw)})
    text = (f"{p['fact']} {_ft(info.value)} ranks {info.rank} of {info.ranked} eligible: "
            f"{_fp(p['top'])} {MINUS} ({info.rank} {MINUS} 1) × {_fn(p['step'])} = {_fp(raw)}")
    if raw < p["floor"]:
        ctx.steps.append({"step": "floor", "floor": _v(p["floor"]), "points": _v(p["floor"])})
        return p["floor"], text + f", not below {_fp(p['floor'])} → {_fp(p['floor'])}"
    return raw, text


def _learn_line(plan: "_NodePlan", key: Any, node: Node, ctx: _Context, ranks) -> Line:
    """A leaf's line not seen before: scored, remembered, and given as _known_line gives it."""
    # scored in a context of its own that records every fact it reads, inside which derivation, and
    # every derivation it makes, in order: what the line shows of them depends on what the sheet had
    # already derived before this line (a derived value already known is not derived, nor read, again)
    own = _Recording(ctx.scheme, ctx.facts, ctx.plan)
    line = _score_leaf_text(node, own, ranks)
    trace = tuple(own.trace)
    if list(line.inputs.items()) == list(own.used.items()):  # the line shows the facts it read
        flat = None if any(within for _k, _v, within in trace) else dict(line.inputs)
    elif not line.inputs:  # a line not scored (missing facts) shows none
        flat = {}
    else:  # never expected: a line that shows its inputs some other way is scored afresh every time
        plan.memo = None
        line = _score_leaf_text(node, ctx, ranks)
        line.steps = ctx.steps
        ctx.token = None
        return line
    fields = dict(plan.fields, points=line.points, explanation=line.explanation)
    known = (fields, tuple(line.missing), line.needs_cohort, tuple(own.steps),
             tuple((k, own.derived_values[k], text) for k, text in own.derivations.items()), flat, trace,
             next(_SERIALS))
    plan.remember(key, known)
    return _known_line(known, ctx)


def _known_line(known: tuple, ctx: _Context) -> Line:
    """A remembered line, given again: a new Line with new lists and dicts (the steps' dicts are shared)."""
    fields, missing, needs_cohort, steps, derivs, flat, trace, ctx.token = known
    line = _NEW(Line)
    line.__dict__ = {**fields, "inputs": flat.copy() if flat is not None else _inputs(trace, ctx.derived_values),
                     "missing": list(missing), "needs_cohort": needs_cohort, "steps": list(steps)}
    if derivs:
        # the derivations this line makes, in the order it makes them, after those the sheet already has
        derivations = ctx.derivations
        for k, value, text in derivs:
            if k not in derivations:
                derivations[k] = text
                ctx.derived_values[k] = value
    return line


def _inputs(trace: tuple, derived_before: dict[str, Decimal]) -> dict[str, Any]:
    """The facts a remembered line read, as it reads them after the sheet's earlier lines derived derived_before."""
    used: dict[str, Any] = {}
    for key, value, within in trace:
        if within and any(d in derived_before for d in within):
            continue  # read to derive a value the sheet already had: not read again
        used[key] = value
    return used


class _Recording(_Context):
    """A context that records each fact read: (key, value, the derivations under way that read it)."""

    def __init__(self, scheme: Scheme, facts: dict[str, Any], plan: "_Plan"):
        super().__init__(scheme, facts, plan)
        self.trace: list[tuple[str, Any, tuple[str, ...]]] = []
        self._deriving: list[str] = []

    def get(self, key: str) -> Any:
        if key in self.scheme.derived:
            first = key not in self.derived_values
            if first:
                self._deriving.append(key)
            try:
                value = self._derive(key)
            finally:
                if first:
                    self._deriving.pop()
        else:
            if key not in self.facts:
                raise _Missing([key])
            value = self.facts[key]
        self.used[key] = value
        self.trace.append((key, value, tuple(self._deriving)))
        return value


def _score_leaf_text(node: Node, ctx: _Context, ranks: dict[str, RankInfo] | None) -> Line:
    ctx.used = {}
    ctx.steps = []
    line = Line(path=node.path, id=node.id, level=node.level, title=node.title, kind=node.kind, max=node.max,
                method=node.method, clause=node.clause, points=ZERO, explanation="")
    plan = ctx.plan.node(node)
    req_missing = ctx.missing_of(plan.req_roots)
    method_missing = ctx.missing_of(plan.method_roots)
    if req_missing:
        line.missing = sorted(set(req_missing) | set(method_missing))
        ctx.steps.append({"step": "missing", "facts": list(line.missing)})
        line.explanation = f"not scored: missing fact(s) {', '.join(line.missing)}"
        return line
    if node.requires:
        ok, why = ctx.all_hold(node.requires)
        if not ok:
            line.inputs = dict(ctx.used)
            ctx.steps.append({"step": "requirement_failed", "failed": ctx.failed, "points": "0"})
            line.explanation = f"requirement not met: {why} → 0.00"
            return line
    if method_missing:
        line.missing = method_missing
        ctx.steps.append({"step": "missing", "facts": list(method_missing)})
        line.explanation = f"not scored: missing fact(s) {', '.join(method_missing)}"
        return line
    if node.method == "rank":
        info = (ranks or {}).get(node.path)
        if info is None:
            line.needs_cohort = True
            ctx.steps.append({"step": "needs_cohort", "fact": node.params["fact"]})
            line.inputs = {node.params["fact"]: ctx.get(node.params["fact"])}
            line.explanation = "rank-based: points depend on the other participants; score the cohort (score_cohort)"
            return line
        points, text = _m_rank(node, ctx, info)
    else:
        points, text = _METHODS[node.method](node, ctx)
    if node.kind == "regular" and node.max is not None and points > node.max:
        points, text = node.max, f"{text}; capped at the item's {_fp(node.max)}"
        ctx.steps.append({"step": "cap", "cap": _v(node.max), "points": _v(node.max)})
    if node.kind == "regular" and points < 0:
        points, text = ZERO, f"{text}; not below 0.00"
        ctx.steps.append({"step": "floor", "floor": "0", "points": "0"})
    if node.kind == "penalty":
        if node.max is not None and points > node.max:
            points, text = node.max, f"{text}; at most {_fp(node.max)}"
            ctx.steps.append({"step": "cap", "cap": _v(node.max), "points": _v(node.max)})
        points = -points
        text = f"{text} → penalty {_fp(points)}"
        ctx.steps.append({"step": "penalty", "points": _v(points)})
    elif node.kind == "bonus":
        text = f"{text} → bonus {_fps(points)}"
        ctx.steps.append({"step": "bonus", "points": _v(points)})
    line.points = points
    line.inputs = dict(ctx.used)
    line.explanation = text
    return line


def _walk(plan: "_Plan", ctx: _Context, ranks) -> list[Line]:
    """Every line of the sheet, in the scheme's order (a category before its items); leaves are scored in
    that order and each sum after its lines (post-order), from what is remembered where it can be."""
    lines: list[Any] = [None] * plan.size
    tokens: list[Any] = [None] * plan.size
    facts = ctx.facts
    new = _NEW
    for op in plan.program:
        at = op.index
        memo = op.memo
        if op.is_leaf:
            if memo is not None:
                key = op.key(facts)
                known = memo.get(key)
                if known is None:
                    lines[at] = _learn_line(op, key, op.node, ctx, ranks)
                    tokens[at] = ctx.token
                    continue
                op.hits += 1
                fields, missing, needs_cohort, steps, derivs, flat, trace, tokens[at] = known
                line = new(Line)
                line.__dict__ = {**fields, "inputs": flat.copy() if flat is not None else
                                 _inputs(trace, ctx.derived_values),
                                 "missing": list(missing), "needs_cohort": needs_cohort, "steps": list(steps)}
                if derivs:
                    derivations = ctx.derivations
                    for k, value, text in derivs:
                        if k not in derivations:
                            derivations[k] = text
                            ctx.derived_values[k] = value
                lines[at] = line
            else:
                line = _score_leaf_text(op.node, ctx, ranks)
                line.steps = ctx.steps
                lines[at] = line
            continue
        # a sum reads of each line its points (exactly), missing facts and whether it needs the cohort;
        # a remembered line is known by its serial
        if memo is None:
            lines[at] = _score_sum_plan(op, lines) if op.sum_fields is not None else \
                _score_sum(op.node, [lines[i] for i in op.children])
            continue
        key = tuple([tokens[i] if tokens[i] is not None else
                     (str(lines[i].points), tuple(lines[i].missing), lines[i].needs_cohort) for i in op.children])
        known = memo.get(key)
        if known is None:
            line = _score_sum(op.node, [lines[i] for i in op.children])
            known = ({**line.__dict__}, tuple(line.missing), tuple(line.steps), next(_SERIALS))
            op.remember(key, known)
        else:
            op.hits += 1
        fields, missing, steps, tokens[at] = known
        line = new(Line)
        line.__dict__ = {**fields, "inputs": {}, "missing": list(missing), "steps": list(steps)}
        lines[at] = line
    return lines


def _score_sum_plan(op: "_NodePlan", lines: list[Line]) -> Line:
    """_score_sum with what does not depend on the lines worked out once (the maximum's text, which lines
    are regular, whether there are extras)."""
    pts = [lines[i].points for i in op.regular]
    total = sum(pts, ZERO)
    max_pts, max_v, node_max = op.max_texts
    if pts:
        text = " + ".join([_fp(x) for x in pts]) + f" = {_fp(total)} of {max_pts}"
    else:
        text = f"no regular lines = {_fp(total)}"
    steps: list[dict[str, Any]] = [{"step": "sum", "parts": [_v(x) for x in pts], "points": _v(total), "max": max_v}]
    if total > node_max:
        total, text = node_max, text + f", capped at {max_pts}"
        steps.append({"step": "cap", "cap": max_v, "points": max_v})
    children = [lines[i] for i in op.children]
    missing = sorted({k for c in children for k in c.missing})
    needs_cohort = any([c.needs_cohort for c in children])
    if op.has_extras:
        text += " (bonus/penalty lines below count separately)"
        steps.append({"step": "extras_apart"})
    if missing or needs_cohort:
        text += " — provisional: some lines are not scored yet"
        steps.append({"step": "provisional"})
    line = _NEW(Line)
    line.__dict__ = {**op.sum_fields, "points": total, "explanation": "Σ " + text, "inputs": {}, "missing": missing,
                     "needs_cohort": needs_cohort, "steps": steps}
    return line


def _score_sum(node: Node, children: list[Line]) -> Line:
    """A category, or an item made of sub-items: the sum of its regular lines, capped at its maximum."""
    line = Line(path=node.path, id=node.id, level=node.level, title=node.title, kind="regular", max=node.max,
                method="sum", clause=node.clause, points=ZERO, explanation="")
    regular = [c for c in children if c.kind == "regular"]
    total = sum((c.points for c in regular), ZERO)
    if regular:
        text = " + ".join(_fp(c.points) for c in regular) + f" = {_fp(total)} of {_fp(node.max)}"
    else:
        text = f"no regular lines = {_fp(total)}"
    steps: list[dict[str, Any]] = [{"step": "sum", "parts": [_v(c.points) for c in regular], "points": _v(total),
                                    "max": _v(node.max)}]
    if total > node.max:
        total, text = node.max, text + f", capped at {_fp(node.max)}"
        steps.append({"step": "cap", "cap": _v(node.max), "points": _v(node.max)})
    missing = sorted({k for c in children for k in c.missing})
    line.points = total
    line.missing = missing
    line.needs_cohort = any(c.needs_cohort for c in children)
    extras = [c for c in children if c.kind != "regular"]
    if extras:
        text += " (bonus/penalty lines below count separately)"
        steps.append({"step": "extras_apart"})
    if missing or line.needs_cohort:
        text += " — provisional: some lines are not scored yet"
        steps.append({"step": "provisional"})
    line.explanation = "Σ " + text
    line.steps = steps
    return line


def score(scheme: Scheme, facts: dict[str, Any], *, participant: str | None = None,
          ranks: dict[str, RankInfo] | None = None) -> ScoreSheet:
    """Score one participant for one cycle. ``ranks`` is filled in by score_cohort for rank-based leaves.

    The sheet's figures are worked out at once; its lines, the derivations, the vetoes that hold, the steps and
    the words of its total and result when first read (see _figures_sheet), unless the scheme ranks its
    participants."""
    plan = _plan_for(scheme)
    clean = plan.validate(facts, participant)
    if ranks is None and plan.figures is not None:
        return _figures_sheet(scheme, plan, clean, participant)
    return _score_clean(scheme, plan, clean, participant, ranks)


# the parts of a sheet worked out when first read (ScoreSheet.__getattr__), and what is given before them
_LAZY = frozenset({"lines", "derivations", "vetoes", "result_explanation", "result_steps", "total_explanation",
                   "total_steps", "payment_steps", "subsidy_steps"})
_FIGURES = ("regular_total", "bonus_total", "penalty_total", "total_exact", "total", "missing_facts", "complete",
            "passed", "payment_ratio", "payment_band", "payment_explanation", "subsidy", "subsidy_explanation",
            "grade", "grade_explanation")


def _figures_sheet(scheme: Scheme, plan: "_Plan", clean: dict[str, Any], participant: str | None) -> ScoreSheet:
    """A sheet with its figures (figures.FigurePlan, then the total, result, grade, payment and subsidy as
    _conclude works them out, without the total's and the result's words); the rest is worked out by
    _score_clean when first read (_materialize)."""
    regular, bonus_raw, penalty, missing, hits = plan.figures.run(clean)
    bonus = bonus_raw
    if plan.has_bonus and scheme.bonus_cap is not None and bonus > scheme.bonus_cap:
        bonus = scheme.bonus_cap
    exact = regular + bonus - penalty
    if exact < scheme.total_floor:
        exact = scheme.total_floor  # DOMAIN.md §6.2
    total = round_points(exact)
    complete = not missing
    if not complete:
        passed = None
    elif hits:
        passed = False
    else:
        passed = total >= scheme.pass_mark if scheme.pass_inclusive else total > scheme.pass_mark
    grade, grade_text, grade_steps = _band_grade(scheme, total, complete, passed)
    ratio, pay_text, band = _payment_ratio(scheme, total, complete, hits, grade)
    subsidy, subsidy_text = _subsidy(scheme, total, complete, passed)
    sheet = _NEW(ScoreSheet)
    state = {"scheme_id": scheme.id, "scheme_version": plan.version, "participant": participant,
             "scheme_sha256": scheme.sha256, "regular_total": regular, "bonus_total": bonus, "penalty_total": penalty,
             "total_exact": exact, "total": total, "missing_facts": missing, "complete": complete, "passed": passed,
             "payment_ratio": ratio, "payment_explanation": pay_text, "payment_band": band, "subsidy": subsidy,
             "subsidy_explanation": subsidy_text, "rank": None, "grade": grade,
             "grade_explanation": grade_text, "grade_steps": [] if grade_steps is None else grade_steps,
             "_scheme": scheme}
    # what the lines must give, as given (the sheet's own lists are the caller's to change), and the decimal
    # context the figures were made in, for the lines to be made in the same
    state["_lazy"] = (plan, clean, tuple(tuple(v) if v.__class__ is list else v for v in map(state.get, _FIGURES)),
                      getcontext().copy())
    if not hits:
        state["vetoes"] = []
    if not scheme.derived:
        state["derivations"] = {}
    sheet.__dict__ = state
    return sheet


def _materialize(sheet: ScoreSheet) -> None:
    """The lines and the rest of a sheet _figures_sheet made, worked out in full; every figure it gave is checked
    against them (a sheet never shows words that do not give its figures)."""
    state = sheet.__dict__
    lazy = state.get("_lazy")
    if lazy is None:  # worked out meanwhile (another thread read the sheet)
        return
    plan, clean, figures, context = lazy
    with localcontext(context):
        full = _score_clean(state["_scheme"], plan, clean, state["participant"], None)
    for name, given in zip(_FIGURES, figures):
        made = getattr(full, name)
        made = tuple(made) if made.__class__ is list else made
        if given != made or (given.__class__ is Decimal and str(given) != str(made)):
            raise AssertionError(f"{full.scheme_id}: {name} given as {given!r}, its lines make {made!r}")
    for name in _LAZY:
        if name not in state:
            state[name] = getattr(full, name)
    state.pop("_lazy", None)


def _score_clean(scheme: Scheme, plan: "_Plan", clean: dict[str, Any], participant: str | None,
                 ranks: dict[str, RankInfo] | None) -> ScoreSheet:
    """A sheet worked out in full, line by line, from facts validate() has checked."""
    ctx = _Context(scheme, clean, plan)
    lines = _walk(plan, ctx, ranks)
    shape = plan
    regular = sum([lines[i].points for i in shape.categories], ZERO)
    bonus_raw = sum([lines[i].points for i in shape.bonus], ZERO)
    penalty = -sum([lines[i].points for i in shape.penalty], ZERO)
    leaves = [lines[i] for i in shape.leaves]
    missing = sorted({k for l in leaves for k in l.missing})
    needs_cohort = any([l.needs_cohort for l in leaves])

    # vetoes (一票否决): evaluated on the facts; a veto whose facts are missing keeps the sheet incomplete
    hits: list[VetoHit] = []
    hit_keys = []
    for veto_index, veto in enumerate(scheme.vetoes):
        veto_missing, hit = _veto(ctx, plan, veto_index, veto)
        if veto_missing:
            missing = sorted(set(missing) | set(veto_missing))
        elif hit is not None:
            hits.append(hit)
            hit_keys.append((veto_index, hit.explanation, ctx.token))

    # the totals, result, payment and subsidy depend on nothing else: remembered
    key = (str(regular), str(bonus_raw), str(penalty), tuple(missing), needs_cohort, tuple(hit_keys))
    if None in (k[2] for k in hit_keys):  # a veto not remembered: neither is the conclusion
        figures = _conclude(scheme, regular, bonus_raw, penalty, shape.has_bonus, shape.has_penalty, missing,
                            needs_cohort, hits)
    else:
        known = plan.conclusions.get(key)
        if known is None:
            known = _conclude(scheme, regular, bonus_raw, penalty, shape.has_bonus, shape.has_penalty, missing,
                              needs_cohort, hits)
            plan.remember_conclusion(key, known)
        figures = known.copy()
        for name in ("missing_facts", "total_steps", "result_steps", "payment_steps", "subsidy_steps", "grade_steps"):
            if name in figures:
                figures[name] = list(figures[name])
    return ScoreSheet(scheme_id=scheme.id, scheme_version=plan.version, participant=participant, lines=lines,
                      scheme_sha256=scheme.sha256, vetoes=hits, derivations=dict(ctx.derivations), _scheme=scheme,
                      **figures)


def _veto_text(ctx: _Context, veto_index: int, veto) -> tuple[list[str], VetoHit | None]:
    """One veto as score() has always evaluated it: (its missing facts, or the hit if it holds)."""
    ctx.used = {}
    veto_missing = ctx.missing_of(ctx.plan.veto_roots[veto_index])
    if veto_missing:
        return veto_missing, None
    ok, _ = ctx.all_hold(veto.when)
    if not ok:
        return [], None
    cond = " and ".join(c.describe() for c in veto.when)
    shown = ", ".join(f"{k} = {_show(v)}" for k, v in ctx.used.items())
    return [], VetoHit(veto.id, veto.effect, veto.clause, f"{veto.label or veto.id}: {cond} ({shown}) → {veto.effect}",
                       [{"step": "veto", "label": veto.label, "effect": veto.effect,
                         "conditions": [cond_step(c, ctx.get(c.fact)) for c in veto.when]}])


def _veto(ctx: _Context, plan: "_Plan", veto_index: int, veto) -> tuple[list[str], VetoHit | None]:
    """_veto_text, remembered like a leaf's line: by the facts it reads; the facts it shows, and the
    derivations it makes, after what the sheet has already derived. Sets ctx.token (None if not remembered)."""
    vplan = plan.vetoes[veto_index]
    if vplan.memo is None:
        ctx.token = None
        return _veto_text(ctx, veto_index, veto)
    key = vplan.key(ctx.facts)
    known = vplan.memo.get(key)
    if known is None:
        own = _Recording(ctx.scheme, ctx.facts, plan)
        veto_missing, hit = _veto_text(own, veto_index, veto)
        trace = tuple(own.trace)
        flat = None if any(within for _k, _v, within in trace) else dict(own.used)
        derivs = tuple((k, own.derived_values[k], text) for k, text in own.derivations.items())
        hit_fields = None
        if hit is not None:
            # the facts shown are those read while the conditions were tested: the trace up to there
            shown_upto = len(trace) - len(veto.when)
            hit_fields = (hit.id, hit.effect, hit.clause, hit.explanation, tuple(hit.steps), shown_upto)
        known = (tuple(veto_missing), hit_fields, flat, trace, derivs, next(_SERIALS))
        vplan.remember(key, known)
    else:
        vplan.hits += 1
    veto_missing, hit_fields, flat, trace, derivs, ctx.token = known
    hit = None
    if hit_fields is not None:
        vid, effect, clause, explanation, steps, shown_upto = hit_fields
        if flat is None:  # the facts shown depend on what the sheet had derived before
            used = _inputs(trace[:shown_upto], ctx.derived_values)
            cond = " and ".join(c.describe() for c in veto.when)
            shown = ", ".join(f"{k} = {_show(v)}" for k, v in used.items())
            explanation = f"{veto.label or veto.id}: {cond} ({shown}) → {veto.effect}"
        hit = VetoHit(vid, effect, clause, explanation, list(steps))
    if derivs:
        derivations = ctx.derivations
        for k, value, text in derivs:
            if k not in derivations:
                derivations[k] = text
                ctx.derived_values[k] = value
    return list(veto_missing), hit


def _conclude(scheme: Scheme, regular: Decimal, bonus_raw: Decimal, penalty: Decimal, has_bonus: bool,
              has_penalty: bool, missing: list[str], needs_cohort: bool, hits: list[VetoHit]) -> dict[str, Any]:
    """The sheet's totals, result, payment and subsidy, from the lines' sums, what is missing and the vetoes."""
    bonus = bonus_raw
    parts = [f"regular {_fp(regular)} (of {_fp(scheme.max_total)})"]
    total_steps: list[dict[str, Any]] = [{"step": "regular", "points": _v(regular), "max": _v(scheme.max_total)}]
    if has_bonus:
        parts.append(f"+ bonus {_exact(bonus)}")
        if scheme.bonus_cap is not None and bonus > scheme.bonus_cap:
            bonus = scheme.bonus_cap
            parts[-1] = f"+ bonus {_exact(bonus_raw)} capped at {_fp(bonus)}"
        total_steps.append({"step": "bonus_total", "raw": _v(bonus_raw), "points": _v(bonus),
                            "cap": _v(scheme.bonus_cap) if bonus != bonus_raw else None})
    if has_penalty:
        parts.append(f"{MINUS} penalties {_exact(penalty)}")
        total_steps.append({"step": "penalty_total", "points": _v(penalty)})
    exact = regular + bonus - penalty
    text = " ".join(parts) + f" = {_exact(exact)}"
    total_steps.append({"step": "total", "points": _v(exact)})
    if exact < scheme.total_floor:
        text += f", never below {_fp(scheme.total_floor)} (DOMAIN.md §6.2)"
        exact = scheme.total_floor
        total_steps.append({"step": "floor", "floor": _v(exact), "points": _v(exact)})
    total = round_points(exact)
    if total != exact:
        total_steps.append({"step": "rounded", "points": _v(total)})

    complete = not missing and not needs_cohort

    if not complete:
        passed = None
        result_text = "incomplete: " + (f"missing fact(s) {', '.join(missing)}" if missing else "")
        if needs_cohort:
            result_text += ("; " if missing else "") + "rank-based items need the cohort"
        result_steps = [{"step": "incomplete", "facts": list(missing), "needs_cohort": needs_cohort}]
    elif hits:
        passed = False
        result_text = "failed by veto: " + "; ".join(h.explanation for h in hits)
        result_steps = [step for h in hits for step in h.steps]
    else:
        cmp = "≥" if scheme.pass_inclusive else ">"
        passed = total >= scheme.pass_mark if scheme.pass_inclusive else total > scheme.pass_mark
        result_steps = [{"step": "pass_mark", "total": _v(total), "mark": _v(scheme.pass_mark),
                         "inclusive": scheme.pass_inclusive, "passed": passed}]
        if passed:
            result_text = f"{_fp(total)} {cmp} {_fp(scheme.pass_mark)}: passed ({scheme.pass_clause})"
        else:
            result_text = f"{_fp(total)} is not {cmp} {_fp(scheme.pass_mark)}: failed ({scheme.pass_clause})"

    grade, grade_text, grade_steps = _band_grade(scheme, total, complete, passed)
    ratio, pay_text, band = _payment_ratio(scheme, total, complete, hits, grade)
    subsidy, subsidy_text = _subsidy(scheme, total, complete, passed)
    payment_steps = _band_steps(scheme.payment, total, complete, bool(hits), "payment_band", grade)
    subsidy_steps = ([] if scheme.subsidy is None else
                     [{"step": "not_passed_no_subsidy"}] if complete and scheme.subsidy.requires_pass and not passed
                     else _band_steps(scheme.subsidy, total, complete, False, "subsidy_band"))
    return dict(
        regular_total=regular, bonus_total=bonus, penalty_total=penalty, total_exact=exact, total=total,
        total_explanation=text + (f" → {_fp(total)}" if total != exact else ""),
        missing_facts=missing, complete=complete, passed=passed, result_explanation=result_text,
        payment_ratio=ratio, payment_explanation=pay_text, payment_band=band, subsidy=subsidy,
        subsidy_explanation=subsidy_text, total_steps=total_steps, result_steps=result_steps,
        payment_steps=payment_steps, subsidy_steps=subsidy_steps,
        **({} if grade_steps is None else
           {"grade": grade, "grade_explanation": grade_text, "grade_steps": grade_steps}),
    )


def _band_grade(scheme: Scheme, total: Decimal, complete: bool, passed: bool | None):
    """Letter grades by score band: (grade, explanation, steps); (None, "", None) for a scheme without them."""
    grades = scheme.grades
    if grades is None or not grades.by_band:
        return None, "", None
    if not complete:
        return None, "incomplete: no grade", [{"step": "grade_incomplete"}]
    if not passed and grades.failed:
        return grades.failed, f"failed → {grades.failed}", [{"step": "grade_failed", "grade": grades.failed}]
    for band in grades.bands:
        if band.contains(total):
            return band.grade, f"{_fp(total)} is in {band.describe()} → {band.grade}" + (
                f" ({band.label})" if band.label else ""), [
                {"step": "grade_band", "total": _v(total), "band": band_step(band), "grade": band.grade,
                 "label": band.label, "consequence": band.consequence}]
    return None, f"{_fp(total)} is in no grade band", [{"step": "no_grade_band", "total": _v(total)}]


def _band_steps(table, total: Decimal, complete: bool, vetoed: bool, kind: str,
                grade: str | None = None) -> list[dict[str, Any]]:
    """The payment or subsidy band the total falls in, as a step (the same lookup as _payment_ratio/_subsidy)."""
    if table is None:
        return []
    if not complete:
        return [{"step": "incomplete_no_" + kind.split("_")[0]}]
    for band in table.bands:
        if band.matches(total, grade):
            step = {"step": kind, "total": _v(total), "band": band_step(band), "label": band.label,
                    "value": _v(band.value * HUNDRED if kind == "payment_band" else band.value),
                    "consequence": band.consequence, "vetoed": vetoed}
            if band.grade:
                step["grade"] = band.grade
            return [step]
    return [{"step": "no_" + kind, "total": _v(total), "vetoed": vetoed}]


def _payment_ratio(scheme: Scheme, total: Decimal, complete: bool, hits: list[VetoHit], grade: str | None = None):
    payment = scheme.payment
    if payment is None:
        return None, "", None
    if not complete:
        return None, "incomplete: no payment ratio until every fact is in", None
    for band in payment.bands:
        if band.matches(total, grade):
            text = f"{_fp(total)} is in {band.describe()} ({band.label}) → {_fn(band.value * HUNDRED)}%"
            if band.consequence:
                text += f"; {band.consequence}"
            if hits:
                return ZERO, "vetoed: no scored payment is due; " + text, band
            return band.value, text, band
    if hits:
        return ZERO, "vetoed: no scored payment is due", None
    return ZERO, f"{_fp(total)} is in no payment band → 0%", None


def _subsidy(scheme: Scheme, total: Decimal, complete: bool, passed: bool | None):
    subsidy = scheme.subsidy
    if subsidy is None:
        return None, ""
    if not complete:
        return None, "incomplete: no subsidy until every fact is in"
    if subsidy.requires_pass and not passed:
        return ZERO, "not passed: no subsidy is due"
    for band in subsidy.bands:
        if band.contains(total):
            return band.value, f"{_fp(total)} is in {band.describe()} ({band.label}) → {fmt_money(band.value)}"
    return ZERO, f"{_fp(total)} is in no subsidy band → {fmt_money(ZERO)}"


# -- cohorts: rank-based points, overall rank, grades ---------------------------------------------------


@dataclass
class CohortResult:
    scheme_id: str
    scheme_version: str
    sheets: dict[str, ScoreSheet]
    complete: bool
    rank_tables: dict[str, list[tuple[str, RankInfo]]]  # leaf path → eligible participants in rank order

    def ranking(self) -> list[ScoreSheet]:
        """Sheets in rank order (unranked, i.e. incomplete, last)."""
        return sorted(self.sheets.values(), key=lambda s: (s.rank is None, s.rank or 0, s.participant or ""))

    @property
    def rank(self) -> dict[str, int | None]:
        return {p: s.rank for p, s in self.sheets.items()}

    @property
    def grade(self) -> dict[str, str | None]:
        return {p: s.grade for p, s in self.sheets.items()}


def competition_ranks(values: dict[str, Decimal], *, descending: bool = True) -> dict[str, int]:
    """Ties share the better rank and the next rank is skipped: 1, 1, 3 (DOMAIN.md §6.4)."""
    ordered = sorted(values.items(), key=lambda kv: kv[1], reverse=descending)
    ranks: dict[str, int] = {}
    previous = None
    for position, (who, value) in enumerate(ordered, start=1):
        if previous is not None and value == previous[1]:
            ranks[who] = previous[0]
        else:
            ranks[who] = position
            previous = (position, value)
    return ranks


def score_cohort(scheme: Scheme, facts_by_participant: dict[str, dict[str, Any]]) -> CohortResult:
    """Score every participant, with rank-based points, an overall rank and grades by quota."""
    clean = {who: validate_facts(scheme, facts, participant=who) for who, facts in facts_by_participant.items()}
    rank_leaves = [n for n in scheme.leaves() if n.method == "rank"]
    ranks: dict[str, dict[str, RankInfo]] = {who: {} for who in clean}
    tables: dict[str, list[tuple[str, RankInfo]]] = {}
    for leaf in rank_leaves:
        p = leaf.params
        values: dict[str, Decimal] = {}
        infos: dict[str, RankInfo] = {}
        for who, facts in clean.items():
            ctx = _Context(scheme, facts)
            if ctx.missing(_method_keys(leaf) | _condition_keys(leaf.requires)):
                continue  # this participant's line reports the missing facts
            if leaf.requires and not ctx.all_hold(leaf.requires)[0]:
                continue
            value = ctx.number(p["fact"])
            ok, why = ctx.all_hold(p["eligible"])
            if ok:
                values[who] = value
            else:
                # DOMAIN.md §6.4: only eligible participants are ranked for rank-based points
                infos[who] = RankInfo(value=value, eligible=False, rank=None, ranked=0, why_not=why,
                                      why_not_step=ctx.failed)
        order = competition_ranks(values, descending=(p["order"] == "desc"))
        for who, r in order.items():
            infos[who] = RankInfo(value=values[who], eligible=True, rank=r, ranked=len(values))
        for who, info in infos.items():
            info.ranked = len(values)
            ranks[who][leaf.path] = info
        tables[leaf.path] = sorted(((w, i) for w, i in infos.items() if i.eligible), key=lambda wi: wi[1].rank)

    sheets = {who: score(scheme, facts_by_participant[who], participant=who, ranks=ranks[who]) for who in clean}
    complete = all(s.complete for s in sheets.values())

    # overall rank by the published (rounded) total; incomplete sheets are not ranked
    totals = {who: s.total for who, s in sheets.items() if s.complete}
    for who, r in competition_ranks(totals).items():
        sheets[who].rank = r
    _assign_grades(scheme, sheets)
    return CohortResult(scheme_id=scheme.id, scheme_version=scheme.version, sheets=sheets, complete=complete,
                        rank_tables=tables)


def _assign_grades(scheme: Scheme, sheets: dict[str, ScoreSheet]) -> None:
    grades = scheme.grades
    if grades is None or grades.by_band:
        return  # letter grades by score band are each sheet's own (score())
    n = len(sheets)
    # DOMAIN.md §6.5: at most floor(share × n) per grade, in rank order; failed → E; the rest D
    limits = [(q.grade, floor_int(q.share * n), q.share) for q in grades.quotas]
    candidates = sorted((s for s in sheets.values() if s.complete and s.passed), key=lambda s: s.rank)
    for s in sheets.values():
        if not s.complete:
            s.grade, s.grade_explanation = None, "incomplete: no grade"
            s.grade_steps = [{"step": "grade_incomplete"}]
        elif not s.passed:
            s.grade = grades.failed
            s.grade_explanation = f"failed → {grades.failed} ({s.result_explanation})"
            s.grade_steps = [{"step": "grade_failed", "grade": grades.failed}] + list(s.result_steps)
    groups: list[list[ScoreSheet]] = []
    for s in candidates:
        if groups and groups[-1][0].total == s.total:
            groups[-1].append(s)
        else:
            groups.append([s])
    g, used = 0, 0
    for group in groups:
        # a tied group is never split across a quota: if it does not fit, it goes to the next grade
        while g < len(limits) and used + len(group) > limits[g][1]:
            g, used = g + 1, 0
        if g < len(limits):
            grade, limit, share = limits[g]
            used += len(group)
            why = (f"rank {group[0].rank} of {n}: {grade} quota floor({_fn(share * HUNDRED)}% × {n}) = "
                   f"{_fn(limit)}, {used} used" + (f" (tied group of {len(group)})" if len(group) > 1 else ""))
            steps = [{"step": "grade_quota", "rank": group[0].rank, "of": n, "grade": grade,
                      "share": _v(share * HUNDRED), "limit": _v(limit), "used": used, "tied": len(group)}]
        else:
            grade = grades.rest
            why = f"rank {group[0].rank} of {n}: quotas for {', '.join(q.grade for q in grades.quotas)} are full → {grade}"
            steps = [{"step": "grade_rest", "rank": group[0].rank, "of": n,
                      "full": [q.grade for q in grades.quotas], "grade": grade}]
        for s in group:
            s.grade, s.grade_explanation, s.grade_steps = grade, why, steps
