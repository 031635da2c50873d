"""The scheme as loaded from its file: plain immutable data, no scoring logic.

See rules/schemes/FORMAT.md for the file format these classes mirror.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from rules.scoring.numbers import ZERO


class SchemeError(ValueError):
    """A scheme file is invalid. The message names the file, the item path and what is wrong."""

    def __init__(self, file: str, path: str, problem: str):
        self.file = file
        self.path = path
        self.problem = problem
        where = f"{file}: {path}" if path else file
        super().__init__(f"{where}: {problem}")


class FactValueError(ValueError, TypeError):
    """A value a fact cannot take, as data for the reader's words: ``code`` names the problem (one of
    FACT_PROBLEMS), ``params`` its figures as text, ``entry`` the place (from 1) of the entry at fault in a list
    fact, None for a single value. str() is the English sentence (the command line, the logs). Both a ValueError
    and a TypeError: the checks raised one or the other before, and callers catch either."""

    def __init__(self, code: str, message: str, *, entry: int | None = None, **params: str):
        super().__init__(message)
        self.code = code
        self.entry = entry
        self.params = params


# what a fact's value can be refused for (FactValueError.code, FactsError.code); the portal words each
FACT_PROBLEMS = (
    "not_bool", "not_choice", "not_number", "not_whole", "negative", "below_min", "above_max", "not_list",
    "judgement_shape", "judgement_fields", "judgement_no_value", "judgement_no_reason",
    "exceeds_other", "unknown_fact", "derived_fact", "not_a_dict",
)


class FactsError(ValueError):
    """Facts given for a scheme are invalid. ``key`` names the offending fact; ``code``, ``params`` and ``entry``
    say what is wrong as data (see FactValueError), ``problem`` in English."""

    def __init__(self, key: str, problem: str, participant: str | None = None, *, code: str = "",
                 params: dict[str, str] | None = None, entry: int | None = None):
        self.key = key
        self.problem = problem
        self.participant = participant
        self.code = code
        self.params = params or {}
        self.entry = entry
        who = f"participant {participant!r}: " if participant is not None else ""
        super().__init__(f"{who}fact {key!r}: {problem}")


FACT_KINDS = ("count", "number", "percent", "bool", "choice", "count_list", "judgement", "judgement_list")
DERIVED_OPS = ("sum", "difference", "product", "min", "max", "ratio", "percent")
METHODS = ("fixed", "checklist", "per_unit", "tiers", "levels", "base_steps", "deductions", "judgement", "rank")
LEAF_KINDS = ("regular", "bonus", "penalty")
VETO_EFFECTS = ("fail", "disqualify", "terminate")


@dataclass(frozen=True)
class FactSpec:
    key: str
    meaning: str
    kind: str
    unit: str = ""
    example: Any = None
    min: Decimal | None = None
    max: Decimal | None = None
    choices: tuple[str, ...] = ()
    not_above: str | None = None  # key of another fact this one can never exceed (e.g. stable ≤ arrivals)

    def as_row(self) -> dict[str, Any]:
        row = {"key": self.key, "meaning": self.meaning, "kind": self.kind, "unit": self.unit,
               "example": self.example}
        if self.min is not None:
            row["min"] = self.min
        if self.max is not None:
            row["max"] = self.max
        if self.choices:
            row["choices"] = list(self.choices)
        if self.not_above:
            row["not_above"] = self.not_above
        return row


@dataclass(frozen=True)
class Derived:
    key: str
    meaning: str
    op: str
    args: tuple[str | Decimal, ...]
    unit: str = ""


@dataclass(frozen=True)
class Condition:
    """All tests hold: ``is``/``in`` (equality), ``at_least``/``more_than``/``at_most``/``less_than``."""

    fact: str
    is_: Any = None
    in_: tuple[Any, ...] | None = None
    at_least: Decimal | None = None
    more_than: Decimal | None = None
    at_most: Decimal | None = None
    less_than: Decimal | None = None
    has_is: bool = False

    def describe(self) -> str:
        from rules.scoring.numbers import fmt_num

        parts = []
        if self.has_is:
            parts.append(f"{self.fact} is {self.is_!r}" if not isinstance(self.is_, bool)
                         else f"{self.fact} is {'yes' if self.is_ else 'no'}")
        if self.in_ is not None:
            parts.append(f"{self.fact} in {', '.join(map(str, self.in_))}")
        if self.at_least is not None:
            parts.append(f"{self.fact} ≥ {fmt_num(self.at_least)}")
        if self.more_than is not None:
            parts.append(f"{self.fact} > {fmt_num(self.more_than)}")
        if self.at_most is not None:
            parts.append(f"{self.fact} ≤ {fmt_num(self.at_most)}")
        if self.less_than is not None:
            parts.append(f"{self.fact} < {fmt_num(self.less_than)}")
        return " and ".join(parts)


@dataclass(frozen=True)
class Band:
    """A half-open or closed interval of a value, as written in the scheme (DOMAIN.md §6.1)."""

    min: Decimal | None
    max: Decimal | None
    min_inclusive: bool = True
    max_inclusive: bool = False
    value: Decimal = ZERO  # points, ratio or amount
    label: str = ""
    consequence: str = ""  # payment bands: what else follows (e.g. seed 002 <50: 限一个月内整改)
    rectify_within_months: int | None = None
    grade: str = ""  # letter-grade bands: the grade; payment bands by grade: the grade they pay for (no min/max)

    def matches(self, x: Decimal, grade: str | None) -> bool:
        """A band by grade holds for that grade only; any other band holds for the values it contains."""
        if self.grade and self.min is None and self.max is None:
            return grade == self.grade
        return self.contains(x)

    def contains(self, x: Decimal) -> bool:
        if self.min is not None:
            if x < self.min or (x == self.min and not self.min_inclusive):
                return False
        if self.max is not None:
            if x > self.max or (x == self.max and not self.max_inclusive):
                return False
        return True

    def describe(self) -> str:
        from rules.scoring.numbers import fmt_num

        if self.min is None and self.max is None:
            return f"grade {self.grade}" if self.grade else "any value"
        if self.min is None:
            return f"{'≤' if self.max_inclusive else '<'} {fmt_num(self.max)}"
        if self.max is None:
            return f"{'≥' if self.min_inclusive else '>'} {fmt_num(self.min)}"
        left = "[" if self.min_inclusive else "("
        right = "]" if self.max_inclusive else ")"
        return f"{left}{fmt_num(self.min)}, {fmt_num(self.max)}{right}"


@dataclass(frozen=True)
class DeductionEntry:
    label: str
    kind: str  # "each" | "shortfall" | "judged" | "when"
    fact: str | None = None
    each: Decimal | None = None
    target: Decimal | str | None = None  # a number, or a fact/derived key
    per: Decimal = Decimal(1)
    whole_units: bool = False
    when: tuple[Condition, ...] = ()
    points: Decimal | None = None


@dataclass(frozen=True)
class ChecklistEntry:
    label: str
    points: Decimal
    when: tuple[Condition, ...]


@dataclass(frozen=True)
class Node:
    """A category, item or sub-item. Leaves carry a method and its parameters."""

    id: str
    path: str
    level: str  # "category" | "item" | "subitem"
    title: str
    clause: str
    max: Decimal | None
    kind: str = "regular"
    method: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    requires: tuple[Condition, ...] = ()
    note: str = ""
    children: tuple["Node", ...] = ()

    @property
    def is_leaf(self) -> bool:
        return self.method is not None


@dataclass(frozen=True)
class Veto:
    id: str
    effect: str
    when: tuple[Condition, ...]
    clause: str
    label: str = ""


@dataclass(frozen=True)
class Stage:
    id: str
    label: str
    share: Decimal
    cycle: str | None = None  # the cycle whose score this stage's ratio comes from
    clause: str = ""


@dataclass(frozen=True)
class Payment:
    advance_share: Decimal
    stages: tuple[Stage, ...]
    bands: tuple[Band, ...]
    clause: str = ""


@dataclass(frozen=True)
class OneOff:
    id: str
    amount: Decimal
    label: str


@dataclass(frozen=True)
class Subsidy:
    bands: tuple[Band, ...]
    one_off: tuple[OneOff, ...]
    requires_pass: bool = True
    clause: str = ""


@dataclass(frozen=True)
class GradeQuota:
    grade: str
    share: Decimal


@dataclass(frozen=True)
class GradeLevel:
    """One grade of a graded factor: its name, its value (a share of the factor, or a score the weight multiplies)
    and the document's criteria for it."""

    grade: str
    value: Decimal
    criteria: str = ""


@dataclass(frozen=True)
class Grades:
    """Either quotas in rank order (a cohort, DOMAIN.md §6.5) or letter grades by score band (``bands``, each a
    Band whose ``grade`` names it). With bands, ``failed`` (optional) is the grade of a sheet that did not pass."""

    quotas: tuple[GradeQuota, ...]
    rest: str
    failed: str
    clause: str = ""
    bands: tuple[Band, ...] = ()

    @property
    def by_band(self) -> bool:
        return bool(self.bands)

    def names(self) -> list[str]:
        """Every grade a sheet can be given, in the file's order."""
        out = [b.grade for b in self.bands] if self.bands else [q.grade for q in self.quotas] + [self.rest]
        if self.failed and self.failed not in out:
            out.append(self.failed)
        return out


@dataclass(frozen=True)
class Cycle:
    id: str
    label: str
    months: int | None = None



@dataclass(frozen=True)
class RuleUse:
    """A compliance rule of rules/compliance that applies under a scheme, with the scheme's parameters
    (``[[compliance]]`` of the scheme file). The rule's logic stays code; what the document says is data: the
    item it costs points on, the fact it feeds, the points per occurrence (or for the whole item), a day of the
    month something is due by, and the document's own words."""
    rule: str
    item: str = ""  # "" = the rule's own
    fact: str = ""  # "" = the rule's own
    points: Decimal | None = None
    per_occurrence: bool | None = None
    due_day: int | None = None
    clause: str = ""
    line_note: str = ""
    obligation: str = ""  # a deadline rule: the [calendar] obligation whose hand-ins it judges


    def as_fact(self) -> dict[str, Any]:
        """The JSON form the compliance rules take (``facts["compliance"]``)."""
        out: dict[str, Any] = {"rule": self.rule}
        if self.item:
            out["item"] = self.item
        if self.fact:
            out["fact"] = self.fact
        if self.points is not None:
            out["points"] = str(self.points)
        if self.per_occurrence is not None:
            out["per_occurrence"] = self.per_occurrence
        if self.due_day is not None:
            out["due_day"] = self.due_day
        if self.clause:
            out["clause"] = self.clause
        if self.obligation:
            out["obligation"] = self.obligation
        return out

@dataclass(frozen=True)
class Scheme:
    id: str
    title: str
    bureau: str
    document_number: str
    effective_date: date
    replaces: str
    source: str
    max_total: Decimal
    pass_mark: Decimal
    pass_inclusive: bool
    pass_clause: str
    total_floor: Decimal
    bonus_cap: Decimal | None
    cycles: tuple[Cycle, ...]
    facts: dict[str, FactSpec]
    derived: dict[str, Derived]
    categories: tuple[Node, ...]
    vetoes: tuple[Veto, ...] = ()
    payment: Payment | None = None
    subsidy: Subsidy | None = None
    grades: Grades | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    calendar: tuple[Any, ...] = ()  # rules.reporting.ObligationSpec: what is due, and by when ([calendar])
    compliance: tuple[RuleUse, ...] = ()  # the compliance rules in force, with their parameters ([[compliance]])
    file: str = ""
    sha256: str = ""  # of the file's bytes: an assessment records it to prove what it was computed with

    @property
    def version(self) -> str:
        """What an assessment records to be recomputable later (DOMAIN.md §6.8)."""
        number = self.document_number or "no document number"
        return f"{self.id} ({number}, effective {self.effective_date.isoformat()})"

    @property
    def citation(self) -> str:
        """The source document as a civil servant cites it: 吴人社就〔2022〕15号《…》, or 《…》 without a number."""
        return f"{self.document_number}《{self.title}》" if self.document_number else f"《{self.title}》"

    def nodes(self):
        """Every node, depth first, categories first."""
        def walk(node):
            yield node
            for child in node.children:
                yield from walk(child)
        for category in self.categories:
            yield from walk(category)

    def leaves(self):
        return [n for n in self.nodes() if n.is_leaf]

    def node(self, path: str) -> Node:
        for n in self.nodes():
            if n.path == path:
                return n
        raise KeyError(path)

    def regular_max(self) -> Decimal:
        return sum((c.max for c in self.categories if c.max is not None), ZERO)

    @property
    def has_rank_items(self) -> bool:
        return any(n.method == "rank" for n in self.leaves())

    def fact_specs(self) -> list[dict[str, Any]]:
        """(key, meaning, unit, example, kind, bounds) for every fact the portal supplies."""
        return [spec.as_row() for spec in self.facts.values()]

    def validate_facts(self, facts: dict[str, Any], *, participant: str | None = None) -> dict[str, Any]:
        from rules.scoring.facts import validate_facts

        return validate_facts(self, facts, participant=participant)
