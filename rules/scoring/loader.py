"""Read and validate a scheme file (rules/schemes/FORMAT.md). Every error names file, path and problem."""
from __future__ import annotations

import dataclasses
import hashlib
import re
import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from rules.scoring.model import (
    DERIVED_OPS,
    FACT_KINDS,
    LEAF_KINDS,
    METHODS,
    VETO_EFFECTS,
    Band,
    ChecklistEntry,
    Condition,
    Cycle,
    DeductionEntry,
    Derived,
    FactSpec,
    GradeLevel,
    GradeQuota,
    Grades,
    RuleUse,
    Node,
    OneOff,
    Payment,
    Scheme,
    SchemeError,
    Stage,
    Subsidy,
)
from rules.reporting import CalendarError, parse_calendar
from rules.scoring.numbers import ONE, ZERO, fmt_num

# the least a divisor of the methods may be (per_unit's unit, base_steps' step, a deduction's per): a smaller one
# makes counts of ten million units out of one; rules/schemes/check.py says it in the author's words ("too_small")
LEAST_DIVISOR = Decimal("0.000001")

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_SCHEME_ID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_CONDITION_TESTS = ("is", "in", "at_least", "more_than", "at_most", "less_than")
_NUMERIC_KINDS = ("count", "number", "percent")
_RULE_ID = re.compile(r"^[a-z][a-z_]*\.[a-z][a-z0-9_]*$")


def load_scheme_file(path: str | Path) -> Scheme:
    path = Path(path)
    raw = path.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"), parse_float=Decimal)
    except UnicodeDecodeError as exc:
        raise SchemeError(path.name, "", f"not UTF-8: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SchemeError(path.name, "", f"not valid TOML: {exc}") from None
    scheme = build_scheme(data, file=path.name, expected_id=path.stem)
    return dataclasses.replace(scheme, sha256=hashlib.sha256(raw).hexdigest())


def build_scheme(data: dict[str, Any], *, file: str = "<scheme>", expected_id: str | None = None) -> Scheme:
    return _Builder(file).build(data, expected_id)


class _Builder:
    def __init__(self, file: str):
        self.file = file
        self.known: set[str] = set()  # fact and derived keys
        self.kinds: dict[str, str] = {}
        self.facts: dict[str, FactSpec] = {}

    # -- helpers ---------------------------------------------------------------------------------

    def fail(self, path: str, problem: str):
        raise SchemeError(self.file, path, problem)

    def table(self, data: Any, path: str) -> dict[str, Any]:
        if not isinstance(data, dict):
            self.fail(path, f"expected a table, got {type(data).__name__}")
        return data

    def no_unknown(self, data: dict, allowed: set[str], path: str):
        unknown = sorted(set(data) - allowed)
        if unknown:
            self.fail(path, f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")

    def text(self, data: dict, key: str, path: str, *, required: bool = True, allow_empty: bool = False) -> str:
        if key not in data:
            if required:
                self.fail(path, f"missing '{key}'")
            return ""
        value = data[key]
        if not isinstance(value, str):
            self.fail(f"{path}.{key}", f"expected a string, got {type(value).__name__}")
        if required and not allow_empty and not value.strip():
            self.fail(f"{path}.{key}", "must not be empty")
        return value

    def number(self, data: dict, key: str, path: str, *, required: bool = True,
               default: Decimal | None = None, min_: Decimal | None = None) -> Decimal | None:
        if key not in data:
            if required:
                self.fail(path, f"missing '{key}'")
            return default
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            self.fail(f"{path}.{key}", f"expected a number, got {type(value).__name__} {value!r}")
        value = Decimal(value)
        if min_ is not None and value < min_:
            self.fail(f"{path}.{key}", f"must be ≥ {fmt_num(min_)}, got {fmt_num(value)}")
        return value

    def boolean(self, data: dict, key: str, path: str, default: bool) -> bool:
        if key not in data:
            return default
        if not isinstance(data[key], bool):
            self.fail(f"{path}.{key}", f"expected true or false, got {data[key]!r}")
        return data[key]

    def ident(self, data: dict, path: str, *, pattern=_ID) -> str:
        value = self.text(data, "id", path)
        if not pattern.match(value):
            self.fail(f"{path}.id", f"{value!r} is not a valid id (snake_case ASCII)")
        return value

    def array(self, data: dict, key: str, path: str, *, required: bool = True) -> list:
        if key not in data:
            if required:
                self.fail(path, f"missing '{key}'")
            return []
        value = data[key]
        if not isinstance(value, list):  # a top-level array (path "") is named alone: "cycles", not ".cycles"
            self.fail(f"{path}.{key}" if path else key, f"expected an array, got {type(value).__name__}")
        return value

    def fact_ref(self, key: Any, path: str, *, kinds: tuple[str, ...] | None = None) -> str:
        if not isinstance(key, str):
            self.fail(path, f"expected a fact key (string), got {key!r}")
        if key not in self.known:
            self.fail(path, f"unknown fact {key!r}: declare it under [facts.{key}] or [derived.{key}]")
        if kinds is not None and self.kinds[key] not in kinds:
            self.fail(path, f"fact {key!r} is of kind {self.kinds[key]!r}; this needs one of {', '.join(kinds)}")
        return key

    # -- top level -------------------------------------------------------------------------------

    def build(self, data: dict[str, Any], expected_id: str | None) -> Scheme:
        self.no_unknown(data, {"scheme", "cycles", "result", "payment", "subsidy", "grades", "vetoes",
                               "facts", "derived", "categories", "extra", "calendar", "compliance"}, "")
        head = self.table(data.get("scheme"), "[scheme]") if "scheme" in data else self.fail("", "missing [scheme]")
        p = "[scheme]"
        self.no_unknown(head, {"id", "title", "bureau", "document_number", "effective_date", "replaces",
                               "source", "max_total", "note"}, p)
        scheme_id = self.ident(head, p, pattern=_SCHEME_ID)
        if expected_id is not None and scheme_id != expected_id:
            self.fail(f"{p}.id", f"id {scheme_id!r} does not match the file name ({expected_id!r})")
        effective = head.get("effective_date")
        if not isinstance(effective, date):
            self.fail(f"{p}.effective_date", f"expected a TOML date like 2022-09-01, got {effective!r}")
        max_total = self.number(head, "max_total", p, min_=ONE)

        facts_data = self.table(data.get("facts", {}), "[facts]")
        for key, spec in facts_data.items():
            self.facts[key] = self.fact_spec(key, spec)
        for key, spec in self.facts.items():
            other = spec.not_above
            if other is not None and (other not in self.facts or self.facts[other].kind not in _NUMERIC_KINDS):
                self.fail(f"facts.{key}.not_above", f"{other!r} is not a numeric fact of this scheme")
        derived: dict[str, Derived] = {}
        for key, spec in self.table(data.get("derived", {}), "[derived]").items():
            derived[key] = self.derived(key, spec)

        cycles = tuple(self.cycle(c, f"cycles[{i}]") for i, c in enumerate(self.array(data, "cycles", "")))
        if not cycles:
            self.fail("cycles", "at least one [[cycles]] entry is required")
        self.unique([c.id for c in cycles], "cycles")
        self.cycle_ids = [c.id for c in cycles]

        result = self.table(data.get("result") if "result" in data else self.fail("", "missing [result]"), "[result]")
        self.no_unknown(result, {"pass_mark", "pass_inclusive", "clause", "total_floor", "bonus_cap"}, "[result]")

        categories = []
        for i, cat in enumerate(self.array(data, "categories", "")):
            categories.append(self.node(cat, f"categories[{i}]", "category", parent_path=""))
        if not categories:
            self.fail("categories", "at least one [[categories]] entry is required")
        self.unique([c.id for c in categories], "categories")
        regular = sum((c.max for c in categories), ZERO)
        if regular != max_total:
            self.fail("categories", f"category maxima add up to {fmt_num(regular)}, but max_total is {fmt_num(max_total)}")

        vetoes = tuple(self.veto(v, f"vetoes[{i}]") for i, v in enumerate(self.array(data, "vetoes", "", required=False)))
        self.unique([v.id for v in vetoes], "vetoes")

        extra = self.table(data.get("extra", {}), "[extra]")
        total_floor = self.number(result, "total_floor", "[result]", required=False, default=ZERO)
        # grades before payment: payment bands may be by grade
        self.grade_names: list[str] | None = None
        grades = self.grades(data["grades"], total_floor, max_total) if "grades" in data else None
        if grades is not None and grades.by_band:
            self.grade_names = grades.names()
        try:
            calendar = parse_calendar(data.get("calendar"), "[calendar]")
        except CalendarError as exc:
            self.fail("[calendar]", str(exc).removeprefix("[calendar]: "))
        compliance = self.compliance(data, categories, vetoes, extra, data.get("payment"), calendar)
        return Scheme(
            id=scheme_id,
            title=self.text(head, "title", p),
            bureau=self.text(head, "bureau", p),
            document_number=self.text(head, "document_number", p, allow_empty=True),
            effective_date=effective,
            replaces=self.text(head, "replaces", p, required=False),
            source=self.text(head, "source", p),
            max_total=max_total,
            pass_mark=self.number(result, "pass_mark", "[result]", min_=ZERO),
            pass_inclusive=self.boolean(result, "pass_inclusive", "[result]", True),
            pass_clause=self.text(result, "clause", "[result]"),
            total_floor=total_floor,
            bonus_cap=self.number(result, "bonus_cap", "[result]", required=False, min_=ZERO),
            cycles=cycles,
            facts=dict(self.facts),
            derived=derived,
            categories=tuple(categories),
            vetoes=vetoes,
            payment=self.payment(data["payment"]) if "payment" in data else None,
            subsidy=self.subsidy(data["subsidy"]) if "subsidy" in data else None,
            grades=grades,
            extra=extra,
            note=self.text(head, "note", p, required=False),
            calendar=calendar,
            compliance=compliance,
            file=self.file,
        )

    def compliance(self, data, categories, vetoes, extra, payment, calendar) -> tuple[RuleUse, ...]:
        """``[[compliance]]``: the rules in force and their parameters. Which rule ids exist is the compliance
        rules' business (rules/schemes/check.py and the rules' input check ask them); here the shape, and that
        the items and facts named are this scheme's."""
        uses = []
        paths = set()

        def walk(node):
            paths.add(node.path)
            for child in node.children:
                walk(child)
        for category in categories:
            walk(category)
        paths |= {f"vetoes/{v.id}" for v in vetoes} | {f"extra/{k}" for k in extra}
        for i, raw in enumerate(self.array(data, "compliance", "", required=False)):
            path = f"compliance[{i}]"
            raw = self.table(raw, path)
            self.no_unknown(raw, {"rule", "item", "fact", "points", "per_occurrence", "due_day", "clause", "note",
                                  "obligation"}, path)
            rule = self.text(raw, "rule", path)
            if not _RULE_ID.match(rule):
                self.fail(f"{path}.rule", f"{rule!r} is not a rule id like deadlines.monthly_report_late")
            item = self.text(raw, "item", path, required=False)
            if item and item not in paths and not (item.startswith("payment/") and payment is not None):
                self.fail(f"{path}.item", f"{item!r} is not an item of this scheme")
            fact = self.text(raw, "fact", path, required=False)
            if fact and fact not in self.known and fact not in self.facts:
                self.fail(f"{path}.fact", f"unknown fact {fact!r}")
            due_day = raw.get("due_day")
            if due_day is not None and (isinstance(due_day, bool) or not isinstance(due_day, int)
                                        or not 1 <= due_day <= 28):
                self.fail(f"{path}.due_day", f"a day of the month from 1 to 28, got {due_day!r}")
            obligation = self.text(raw, "obligation", path, required=False)
            monthly = {spec.key for spec in calendar if spec.frequency == "monthly"}
            if obligation and obligation not in monthly:
                self.fail(f"{path}.obligation", f"{obligation!r} is not a monthly obligation of [calendar]")
            per = raw.get("per_occurrence")
            if per is not None and not isinstance(per, bool):
                self.fail(f"{path}.per_occurrence", f"expected true or false, got {per!r}")
            uses.append(RuleUse(rule=rule, item=item, fact=fact,
                                points=self.number(raw, "points", path, required=False, min_=ZERO),
                                per_occurrence=per, due_day=due_day,
                                clause=self.text(raw, "clause", path, required=False),
                                line_note=self.text(raw, "note", path, required=False), obligation=obligation))
        self.unique([u.rule for u in uses], "compliance")
        return tuple(uses)

    def unique(self, ids: list[str], path: str):
        seen = set()
        for i in ids:
            if i in seen:
                self.fail(path, f"duplicate id {i!r}")
            seen.add(i)

    def cycle(self, data: Any, path: str) -> Cycle:
        data = self.table(data, path)
        self.no_unknown(data, {"id", "label", "months"}, path)
        months = data.get("months")
        if months is not None and (isinstance(months, bool) or not isinstance(months, int) or months < 1):
            self.fail(f"{path}.months", f"expected a positive whole number of months, got {months!r}")
        return Cycle(self.ident(data, path), self.text(data, "label", path), months)

    # -- facts -----------------------------------------------------------------------------------

    def fact_spec(self, key: str, data: Any) -> FactSpec:
        path = f"facts.{key}"
        if not _ID.match(key):
            self.fail(path, f"{key!r} is not a valid fact key (snake_case ASCII)")
        data = self.table(data, path)
        self.no_unknown(data, {"meaning", "kind", "unit", "example", "min", "max", "choices", "not_above"}, path)
        kind = self.text(data, "kind", path)
        if kind not in FACT_KINDS:
            self.fail(f"{path}.kind", f"unknown kind {kind!r}; one of {', '.join(FACT_KINDS)}")
        lo = self.number(data, "min", path, required=False)
        hi = self.number(data, "max", path, required=False)
        if kind in ("judgement", "judgement_list") and (lo is None or hi is None):
            self.fail(path, "a judgement fact needs 'min' and 'max' (the range the assessor may choose in)")
        if lo is not None and hi is not None and lo > hi:
            self.fail(path, f"min {fmt_num(lo)} is above max {fmt_num(hi)}")
        if kind not in _NUMERIC_KINDS + ("judgement", "judgement_list") and (lo is not None or hi is not None):
            self.fail(path, f"min/max make no sense for kind {kind!r}")
        choices: tuple[str, ...] = ()
        if kind == "choice":
            raw = self.array(data, "choices", path)
            if not raw or not all(isinstance(c, str) and c for c in raw):
                self.fail(f"{path}.choices", "expected a non-empty array of strings")
            choices = tuple(raw)
            self.unique(list(choices), f"{path}.choices")
        elif "choices" in data:
            self.fail(f"{path}.choices", "only a 'choice' fact has choices")
        if "example" not in data:
            self.fail(path, "missing 'example'")
        not_above = None
        if "not_above" in data:
            if kind not in _NUMERIC_KINDS:
                self.fail(f"{path}.not_above", f"only for {', '.join(_NUMERIC_KINDS)} facts")
            not_above = self.text(data, "not_above", path)  # checked once every fact is read
        spec = FactSpec(key=key, meaning=self.text(data, "meaning", path), kind=kind,
                        unit=self.text(data, "unit", path, required=False), example=data["example"],
                        min=lo, max=hi, choices=choices, not_above=not_above)
        # the example must itself be valid: it documents the fact for the portal
        from rules.scoring.facts import check_fact_value

        try:
            check_fact_value(spec, data["example"])
        except (ValueError, TypeError) as exc:
            self.fail(f"{path}.example", str(exc))
        self.known.add(key)
        self.kinds[key] = kind
        return spec

    def derived(self, key: str, data: Any) -> Derived:
        path = f"derived.{key}"
        if not _ID.match(key):
            self.fail(path, f"{key!r} is not a valid key (snake_case ASCII)")
        if key in self.known:
            self.fail(path, f"{key!r} is already declared as a fact")
        data = self.table(data, path)
        self.no_unknown(data, {"meaning", "op", "args", "unit"}, path)
        op = self.text(data, "op", path)
        if op not in DERIVED_OPS:
            self.fail(f"{path}.op", f"unknown op {op!r}; one of {', '.join(DERIVED_OPS)}")
        raw = self.array(data, "args", path)
        if len(raw) < 2 or (op in ("difference", "ratio", "percent") and len(raw) != 2):
            self.fail(f"{path}.args", f"op {op!r} needs {'exactly' if op in ('difference', 'ratio', 'percent') else 'at least'} two args")
        args: list[str | Decimal] = []
        for i, arg in enumerate(raw):
            if isinstance(arg, str):
                args.append(self.fact_ref(arg, f"{path}.args[{i}]", kinds=_NUMERIC_KINDS))
            elif isinstance(arg, (int, Decimal)) and not isinstance(arg, bool):
                args.append(Decimal(arg))
            else:
                self.fail(f"{path}.args[{i}]", f"expected a fact key or a number, got {arg!r}")
        self.known.add(key)
        self.kinds[key] = "number"
        return Derived(key=key, meaning=self.text(data, "meaning", path), op=op, args=tuple(args),
                       unit=self.text(data, "unit", path, required=False))

    def conditions(self, data: Any, path: str) -> tuple[Condition, ...]:
        items = data if isinstance(data, list) else [data]
        if not items:
            self.fail(path, "expected at least one condition")
        return tuple(self.condition(c, f"{path}[{i}]" if isinstance(data, list) else path) for i, c in enumerate(items))

    def condition(self, data: Any, path: str) -> Condition:
        data = self.table(data, path)
        self.no_unknown(data, {"fact", *_CONDITION_TESTS}, path)
        fact = self.fact_ref(data.get("fact"), f"{path}.fact")
        kind = self.kinds[fact]
        tests = [t for t in _CONDITION_TESTS if t in data]
        if not tests:
            self.fail(path, f"a condition needs a test: {', '.join(_CONDITION_TESTS)}")
        kwargs: dict[str, Any] = {"fact": fact}
        for t in tests:
            value = data[t]
            if t == "is":
                if kind == "bool" and not isinstance(value, bool):
                    self.fail(f"{path}.is", f"fact {fact!r} is a bool; compare with true or false")
                if kind == "choice" and value not in self.facts[fact].choices:
                    self.fail(f"{path}.is", f"{value!r} is not one of the choices of {fact!r}")
                kwargs.update(is_=value, has_is=True)
            elif t == "in":
                if not isinstance(value, list) or not value:
                    self.fail(f"{path}.in", "expected a non-empty array")
                if kind == "choice":
                    bad = [v for v in value if v not in self.facts[fact].choices]
                    if bad:
                        self.fail(f"{path}.in", f"{bad!r} not among the choices of {fact!r}")
                kwargs["in_"] = tuple(value)
            else:
                if kind not in _NUMERIC_KINDS + ("number",):
                    self.fail(f"{path}.{t}", f"fact {fact!r} of kind {kind!r} cannot be compared with {t}")
                kwargs[t] = self.number(data, t, path)
        return Condition(**kwargs)

    # -- item tree -------------------------------------------------------------------------------

    def node(self, data: Any, path: str, level: str, parent_path: str) -> Node:
        data = self.table(data, path)
        node_id = self.ident(data, path)
        where = re.sub(r"\[\d+\]$", f"[{node_id}]", path)
        node_path = f"{parent_path}/{node_id}" if parent_path else node_id
        title = self.text(data, "title", where)
        clause = self.text(data, "clause", where)
        note = self.text(data, "note", where, required=False)
        child_key = {"category": "items", "item": "subitems", "subitem": None}[level]
        child_level = {"category": "item", "item": "subitem"}.get(level)
        kind = data.get("kind", "regular")
        if kind not in LEAF_KINDS:
            self.fail(f"{where}.kind", f"unknown kind {kind!r}; one of {', '.join(LEAF_KINDS)}")
        has_children = child_key is not None and child_key in data
        if level == "category" or has_children:
            if level == "category" and "method" in data:
                self.fail(where, "a category has items, not a method")
            if "method" in data:
                self.fail(where, f"has both a method and {child_key}; choose one")
            if kind != "regular":
                self.fail(f"{where}.kind", "only a leaf (an item or sub-item with a method) can be a bonus or penalty")
            self.no_unknown(data, {"id", "title", "clause", "max", "note", child_key}, where)
            raw = self.array(data, child_key, where)
            if not raw:
                self.fail(where, f"'{child_key}' is empty")
            children = tuple(self.node(c, f"{where}.{child_key}[{i}]", child_level, node_path)
                             for i, c in enumerate(raw))
            self.unique([c.id for c in children], f"{where}.{child_key}")
            maximum = self.number(data, "max", where, min_=ZERO)
            regular = sum((c.max for c in children if c.kind == "regular"), ZERO)
            if regular != maximum:
                self.fail(where, f"max is {fmt_num(maximum)} but its regular {child_key} add up to {fmt_num(regular)}")
            return Node(id=node_id, path=node_path, level=level, title=title, clause=clause, max=maximum,
                        note=note, children=children)
        # a leaf
        method = data.get("method")
        if method is None:
            self.fail(where, f"needs a 'method' ({', '.join(METHODS)})" + (f" or '{child_key}'" if child_key else ""))
        if method not in METHODS:
            self.fail(f"{where}.method", f"unknown method {method!r}; one of {', '.join(METHODS)}")
        maximum = self.number(data, "max", where, required=(kind == "regular"), min_=ZERO)
        requires = self.conditions(data["requires"], f"{where}.requires") if "requires" in data else ()
        params, allowed = getattr(self, f"m_{method}")(data, where, maximum, kind)
        self.no_unknown(data, {"id", "title", "clause", "max", "note", "kind", "method", "requires", "uncapped",
                               *allowed}, where)
        uncapped = self.boolean(data, "uncapped", where, False)
        if uncapped and (kind != "bonus" or maximum is not None or params.get("cap") is not None):
            self.fail(f"{where}.uncapped", "only a bonus without max or cap can be declared uncapped")
        if kind == "bonus" and maximum is None and params.get("cap") is None and not uncapped:
            self.fail(where, "a bonus needs a 'cap' or a 'max' (加分上限), or 'uncapped = true' when the document sets none")
        return Node(id=node_id, path=node_path, level=level, title=title, clause=clause, max=maximum, kind=kind,
                    method=method, params=params, requires=requires, note=note)

    def cap(self, data, where, maximum) -> Decimal | None:
        cap = self.number(data, "cap", where, required=False, default=maximum, min_=ZERO)
        if cap is not None and maximum is not None and cap > maximum:
            self.fail(f"{where}.cap", f"cap {fmt_num(cap)} exceeds the leaf's max {fmt_num(maximum)}")
        return cap

    def band(self, data: Any, path: str, value_key: str | None) -> Band:
        """A band of a value; value_key None: a letter-grade band (a ``grade``, no value)."""
        data = self.table(data, path)
        extra = {"consequence", "rectify_within_months", "grade"} if value_key == "ratio" else set()
        if value_key is None:
            extra = {"grade", "consequence"}
        self.no_unknown(data, {"min", "max", "min_inclusive", "max_inclusive", "label", *extra}
                        | ({value_key} if value_key else set()), path)
        months = data.get("rectify_within_months")
        if months is not None and (isinstance(months, bool) or not isinstance(months, int) or months < 1):
            self.fail(f"{path}.rectify_within_months", f"expected a positive whole number of months, got {months!r}")
        lo = self.number(data, "min", path, required=False)
        hi = self.number(data, "max", path, required=False)
        if lo is not None and hi is not None and lo > hi:
            self.fail(path, f"min {fmt_num(lo)} is above max {fmt_num(hi)}")
        return Band(min=lo, max=hi, min_inclusive=self.boolean(data, "min_inclusive", path, True),
                    max_inclusive=self.boolean(data, "max_inclusive", path, False),
                    value=self.number(data, value_key, path, min_=ZERO) if value_key else ZERO,
                    label=self.text(data, "label", path, required=False),
                    consequence=self.text(data, "consequence", path, required=False),
                    rectify_within_months=months,
                    grade=self.text(data, "grade", path, required=value_key is None))

    def check_bands_disjoint(self, bands: list[Band], path: str):
        probes = set()
        for b in bands:
            for edge in (b.min, b.max):
                if edge is not None:
                    probes.update({edge, edge - Decimal("0.001"), edge + Decimal("0.001")})
        for x in probes:
            hits = [i for i, b in enumerate(bands) if b.contains(x)]
            if len(hits) > 1:
                self.fail(path, f"bands {hits} overlap at {fmt_num(x)}")

    def m_fixed(self, data, where, maximum, kind):
        if kind != "regular" or maximum is None:
            self.fail(where, "method 'fixed' awards a regular leaf its max: needs kind regular and a max")
        return {}, set()

    def m_checklist(self, data, where, maximum, kind):
        entries = []
        for i, e in enumerate(self.array(data, "entries", where)):
            p = f"{where}.entries[{i}]"
            e = self.table(e, p)
            self.no_unknown(e, {"label", "points", "when"}, p)
            if "when" not in e:
                self.fail(p, "missing 'when'")
            entries.append(ChecklistEntry(label=self.text(e, "label", p), points=self.number(e, "points", p, min_=ZERO),
                                          when=self.conditions(e["when"], f"{p}.when")))
        if not entries:
            self.fail(where, "a checklist needs entries")
        cap = self.cap(data, where, maximum)
        if cap is not None and kind == "regular" and sum(e.points for e in entries) < cap:
            self.fail(where, f"entries add up to {fmt_num(sum(e.points for e in entries))}, below max {fmt_num(cap)}")
        return {"entries": tuple(entries), "cap": cap}, {"entries", "cap"}

    def m_per_unit(self, data, where, maximum, kind):
        fact = self.fact_ref(data.get("fact"), f"{where}.fact", kinds=_NUMERIC_KINDS + ("count_list",))
        params = {
            "fact": fact,
            "points_per_unit": self.number(data, "points_per_unit", where, min_=ZERO),
            "beyond": self.number(data, "beyond", where, required=False, default=ZERO, min_=ZERO),
            "unit": self.number(data, "unit", where, required=False, default=ONE, min_=LEAST_DIVISOR),
            "cap": self.cap(data, where, maximum),
            "per_entry_cap": self.number(data, "per_entry_cap", where, required=False, min_=ZERO),
        }
        if params["per_entry_cap"] is not None and self.kinds[fact] != "count_list":
            self.fail(f"{where}.per_entry_cap", "only for a count_list fact")
        return params, {"fact", "points_per_unit", "beyond", "unit", "cap", "per_entry_cap"}

    def m_tiers(self, data, where, maximum, kind):
        fact = self.fact_ref(data.get("fact"), f"{where}.fact", kinds=_NUMERIC_KINDS)
        tiers = [self.band(t, f"{where}.tiers[{i}]", "points") for i, t in enumerate(self.array(data, "tiers", where))]
        if not tiers:
            self.fail(where, "tiers is empty")
        self.check_bands_disjoint(tiers, f"{where}.tiers")
        otherwise = self.number(data, "otherwise", where, required=False, default=ZERO, min_=ZERO)
        for i, t in enumerate(tiers):
            if maximum is not None and t.value > maximum:
                self.fail(f"{where}.tiers[{i}]", f"points {fmt_num(t.value)} exceed max {fmt_num(maximum)}")
        return {"fact": fact, "tiers": tuple(tiers), "otherwise": otherwise}, {"fact", "tiers", "otherwise"}

    def m_levels(self, data, where, maximum, kind):
        if "weight" in data or "grades" in data:
            if "points" in data:
                self.fail(f"{where}.points", "points per level, or a weight and grades: not both")
            return self.graded(data, where, maximum)
        fact = self.fact_ref(data.get("fact"), f"{where}.fact", kinds=("choice",))
        points = self.table(data.get("points"), f"{where}.points")
        choices = self.facts[fact].choices
        missing = [c for c in choices if c not in points]
        extra = [c for c in points if c not in choices]
        if missing or extra:
            self.fail(f"{where}.points", f"must list exactly the choices of {fact!r} {list(choices)}"
                      + (f"; missing {missing}" if missing else "") + (f"; not a choice {extra}" if extra else ""))
        levels = {c: self.number(points, c, f"{where}.points", min_=ZERO) for c in choices}
        for c, v in levels.items():
            if maximum is not None and v > maximum:
                self.fail(f"{where}.points.{c}", f"{fmt_num(v)} exceeds max {fmt_num(maximum)}")
        return {"fact": fact, "points": levels}, {"fact", "points"}

    def graded(self, data, where, maximum):
        """A factor graded from stated criteria (levels with a weight): points = weight × the grade's value."""
        fact = self.fact_ref(data.get("fact"), f"{where}.fact", kinds=("choice",))
        weight = self.number(data, "weight", where, min_=ZERO)
        levels = []
        for i, g in enumerate(self.array(data, "grades", where)):
            gp = f"{where}.grades[{i}]"
            g = self.table(g, gp)
            self.no_unknown(g, {"grade", "value", "criteria"}, gp)
            levels.append(GradeLevel(grade=self.text(g, "grade", gp), value=self.number(g, "value", gp, min_=ZERO),
                                     criteria=self.text(g, "criteria", gp, required=False)))
        if not levels:
            self.fail(where, "grades is empty")
        self.unique([g.grade for g in levels], f"{where}.grades")
        choices = self.facts[fact].choices
        missing = [c for c in choices if c not in {g.grade for g in levels}]
        extra = [g.grade for g in levels if g.grade not in choices]
        if missing or extra:
            self.fail(f"{where}.grades", f"must list exactly the choices of {fact!r} {list(choices)}"
                      + (f"; missing {missing}" if missing else "") + (f"; not a choice {extra}" if extra else ""))
        top = max(g.value for g in levels)
        if maximum is not None and weight * top != maximum:
            self.fail(f"{where}.max", f"max {fmt_num(maximum)} is not weight {fmt_num(weight)} × the highest grade's "
                                      f"value {fmt_num(top)} = {fmt_num(weight * top)}")
        return {"fact": fact, "weight": weight, "grades": tuple(levels)}, {"fact", "weight", "grades", "points"}

    def m_base_steps(self, data, where, maximum, kind):
        params = {
            "fact": self.fact_ref(data.get("fact"), f"{where}.fact", kinds=_NUMERIC_KINDS),
            "threshold": self.number(data, "threshold", where, min_=ZERO),
            "base": self.number(data, "base", where, min_=ZERO),
            "step": self.number(data, "step", where, min_=LEAST_DIVISOR),
            "step_points": self.number(data, "step_points", where, min_=ZERO),
            "cap": self.cap(data, where, maximum),
        }
        params["steps_from"] = self.number(data, "steps_from", where, required=False, default=params["threshold"])
        if params["steps_from"] < params["threshold"]:
            self.fail(f"{where}.steps_from", "must not be below threshold")
        return params, {"fact", "threshold", "base", "step", "step_points", "cap", "steps_from"}

    def m_deductions(self, data, where, maximum, kind):
        if kind == "penalty":
            # a penalty's magnitude is the sum of its entries (optionally capped by max): no start, no floor
            for key in ("start", "floor"):
                if key in data:
                    self.fail(f"{where}.{key}", "a penalty's deductions add up to its magnitude; no start or floor")
            start, floor = None, ZERO
        else:
            start = self.number(data, "start", where, required=False, default=maximum, min_=ZERO)
            if start is None:
                self.fail(where, "needs 'start' (or 'max')")
            if maximum is not None and start > maximum:
                self.fail(f"{where}.start", f"start {fmt_num(start)} exceeds max {fmt_num(maximum)}")
            floor = self.number(data, "floor", where, required=False, default=ZERO, min_=ZERO)
        entries = []
        for i, e in enumerate(self.array(data, "deductions", where)):
            p = f"{where}.deductions[{i}]"
            e = self.table(e, p)
            label = self.text(e, "label", p)
            if "when" in e:
                self.no_unknown(e, {"label", "when", "points"}, p)
                entries.append(DeductionEntry(label=label, kind="when", when=self.conditions(e["when"], f"{p}.when"),
                                              points=self.number(e, "points", p, min_=ZERO)))
            elif e.get("judged"):
                self.no_unknown(e, {"label", "fact", "judged"}, p)
                entries.append(DeductionEntry(label=label, kind="judged",
                                              fact=self.fact_ref(e.get("fact"), f"{p}.fact", kinds=("judgement_list",))))
            elif "target" in e:
                self.no_unknown(e, {"label", "fact", "target", "each", "per", "whole_units"}, p)
                target = e["target"]
                if isinstance(target, str):  # a fact or derived key (e.g. seed 002 时序进度 targets)
                    target = self.fact_ref(target, f"{p}.target", kinds=_NUMERIC_KINDS)
                else:
                    target = self.number(e, "target", p)
                entries.append(DeductionEntry(
                    label=label, kind="shortfall",
                    fact=self.fact_ref(e.get("fact"), f"{p}.fact", kinds=_NUMERIC_KINDS + ("count_list",)),
                    target=target, each=self.number(e, "each", p, min_=ZERO),
                    per=self.number(e, "per", p, required=False, default=ONE, min_=LEAST_DIVISOR),
                    whole_units=self.boolean(e, "whole_units", p, False)))
            else:
                self.no_unknown(e, {"label", "fact", "each"}, p)
                entries.append(DeductionEntry(label=label, kind="each",
                                              fact=self.fact_ref(e.get("fact"), f"{p}.fact", kinds=_NUMERIC_KINDS),
                                              each=self.number(e, "each", p, min_=ZERO)))
        if not entries:
            self.fail(where, "deductions is empty")
        return {"start": start, "floor": floor, "deductions": tuple(entries)}, {"start", "floor", "deductions"}

    def m_judgement(self, data, where, maximum, kind):
        fact = self.fact_ref(data.get("fact"), f"{where}.fact", kinds=("judgement",))
        spec = self.facts[fact]
        if maximum is not None and spec.max > maximum:
            self.fail(where, f"judgement range of {fact!r} goes up to {fmt_num(spec.max)}, above max {fmt_num(maximum)}")
        if spec.min < 0:
            self.fail(where, f"judgement range of {fact!r} starts below 0")
        return {"fact": fact}, {"fact"}

    def m_rank(self, data, where, maximum, kind):
        order = data.get("order", "desc")
        if order not in ("desc", "asc"):
            self.fail(f"{where}.order", "expected 'desc' (highest first) or 'asc'")
        params = {
            "fact": self.fact_ref(data.get("fact"), f"{where}.fact", kinds=_NUMERIC_KINDS),
            "eligible": self.conditions(data["eligible"], f"{where}.eligible") if "eligible" in data else (),
            "top": self.number(data, "top", where, min_=ZERO),
            "step": self.number(data, "step", where, min_=ZERO),
            "floor": self.number(data, "floor", where, required=False, default=ZERO, min_=ZERO),
            "ineligible_points": self.number(data, "ineligible_points", where, required=False, default=ZERO, min_=ZERO),
            "order": order,
        }
        if maximum is not None and params["top"] > maximum:
            self.fail(f"{where}.top", f"top {fmt_num(params['top'])} exceeds max {fmt_num(maximum)}")
        if params["floor"] > params["top"]:
            self.fail(f"{where}.floor", "floor is above top")
        return params, {"fact", "eligible", "top", "step", "floor", "ineligible_points", "order"}

    # -- results, money, grades, vetoes ----------------------------------------------------------

    def veto(self, data: Any, path: str):
        from rules.scoring.model import Veto

        data = self.table(data, path)
        self.no_unknown(data, {"id", "effect", "when", "clause", "label"}, path)
        effect = self.text(data, "effect", path)
        if effect not in VETO_EFFECTS:
            self.fail(f"{path}.effect", f"unknown effect {effect!r}; one of {', '.join(VETO_EFFECTS)}")
        if "when" not in data:
            self.fail(path, "missing 'when'")
        return Veto(id=self.ident(data, path), effect=effect, when=self.conditions(data["when"], f"{path}.when"),
                    clause=self.text(data, "clause", path), label=self.text(data, "label", path, required=False))

    def payment(self, data: Any) -> Payment:
        p = "[payment]"
        data = self.table(data, p)
        self.no_unknown(data, {"advance_share", "stages", "bands", "clause"}, p)
        advance = self.number(data, "advance_share", p, required=False, default=ZERO, min_=ZERO)
        stages = []
        for i, s in enumerate(self.array(data, "stages", p)):
            sp = f"payment.stages[{i}]"
            s = self.table(s, sp)
            self.no_unknown(s, {"id", "label", "share", "cycle", "clause"}, sp)
            stage_id = self.ident(s, sp)
            if stage_id == "advance":
                self.fail(f"{sp}.id", "'advance' is reserved for advance_share")
            cycle = s.get("cycle")
            if cycle is not None and cycle not in self.cycle_ids:
                self.fail(f"{sp}.cycle", f"unknown cycle {cycle!r}; one of {', '.join(self.cycle_ids)}")
            stages.append(Stage(stage_id, self.text(s, "label", sp), self.number(s, "share", sp, min_=ZERO),
                                cycle=cycle, clause=self.text(s, "clause", sp, required=False)))
        self.unique([s.id for s in stages], "payment.stages")
        total = advance + sum((s.share for s in stages), ZERO)
        if total != ONE:
            self.fail(p, f"advance_share plus stage shares add up to {fmt_num(total)}, not 1")
        bands = [self.band(b, f"payment.bands[{i}]", "ratio") for i, b in enumerate(self.array(data, "bands", p))]
        for i, b in enumerate(bands):
            if b.value > ONE:
                self.fail(f"payment.bands[{i}].ratio", "a payment ratio cannot exceed 1")
        if any(b.grade for b in bands):
            self.payment_by_grade(bands)
        else:
            self.check_bands_disjoint(bands, "payment.bands")
        return Payment(advance_share=advance, stages=tuple(stages), bands=tuple(bands),
                       clause=self.text(data, "clause", p))

    def payment_by_grade(self, bands: list[Band]):
        """Payment bands that name a letter grade (no min or max): one per grade, every grade a [grades] band's."""
        for i, b in enumerate(bands):
            path = f"payment.bands[{i}]"
            if not b.grade:
                self.fail(path, "either every payment band names a grade or none does")
            if b.min is not None or b.max is not None:
                self.fail(path, "a payment band by grade has no min or max: the grade's band decides")
            if self.grade_names is None:
                self.fail(f"{path}.grade", "payment by grade needs letter grades by score band ([grades] bands)")
            if b.grade not in self.grade_names:
                self.fail(f"{path}.grade", f"unknown grade {b.grade!r}; one of {', '.join(self.grade_names)}")
        self.unique([b.grade for b in bands], "payment.bands")

    def subsidy(self, data: Any) -> Subsidy:
        p = "[subsidy]"
        data = self.table(data, p)
        self.no_unknown(data, {"bands", "one_off", "requires_pass", "clause"}, p)
        bands = [self.band(b, f"subsidy.bands[{i}]", "amount") for i, b in enumerate(self.array(data, "bands", p))]
        self.check_bands_disjoint(bands, "subsidy.bands")
        one_off = []
        for i, o in enumerate(self.array(data, "one_off", p, required=False)):
            op = f"subsidy.one_off[{i}]"
            o = self.table(o, op)
            self.no_unknown(o, {"id", "amount", "label"}, op)
            one_off.append(OneOff(self.ident(o, op), self.number(o, "amount", op, min_=ZERO), self.text(o, "label", op)))
        self.unique([o.id for o in one_off], "subsidy.one_off")
        return Subsidy(bands=tuple(bands), one_off=tuple(one_off),
                       requires_pass=self.boolean(data, "requires_pass", p, True), clause=self.text(data, "clause", p))

    def grades(self, data: Any, total_floor: Decimal, max_total: Decimal) -> Grades:
        p = "[grades]"
        data = self.table(data, p)
        self.no_unknown(data, {"quotas", "rest", "failed", "clause", "bands"}, p)
        if "bands" in data:
            return self.grade_bands(data, total_floor, max_total)
        quotas = []
        for i, q in enumerate(self.array(data, "quotas", p)):
            qp = f"grades.quotas[{i}]"
            q = self.table(q, qp)
            self.no_unknown(q, {"grade", "share"}, qp)
            share = self.number(q, "share", qp, min_=ZERO)
            if share > ONE:
                self.fail(f"{qp}.share", "a share cannot exceed 1")
            quotas.append(GradeQuota(self.text(q, "grade", qp), share))
        grades = Grades(quotas=tuple(quotas), rest=self.text(data, "rest", p), failed=self.text(data, "failed", p),
                        clause=self.text(data, "clause", p))
        self.unique([q.grade for q in quotas] + [grades.rest, grades.failed], "grades")
        return grades

    def grade_bands(self, data: dict, total_floor: Decimal, max_total: Decimal) -> Grades:
        """Letter grades by score band: every total from total_floor to max_total in exactly one band (on the
        grain of a total, 0.01)."""
        p = "[grades]"
        for key in ("quotas", "rest"):
            if key in data:
                self.fail(f"grades.{key}", "letter grades by score band (bands) or quotas in rank order, not both")
        bands = [self.band(b, f"grades.bands[{i}]", None) for i, b in enumerate(self.array(data, "bands", p))]
        if not bands:
            self.fail("grades.bands", "bands is empty")
        self.unique([b.grade for b in bands], "grades.bands")
        self.check_bands_disjoint(bands, "grades.bands")
        ordered = sorted(bands, key=lambda b: (b.min is not None, b.min if b.min is not None else ZERO))
        low, high = ordered[0], ordered[-1]
        if low.min is not None and not low.contains(total_floor) and low.min >= total_floor:
            self.fail("grades.bands", f"a total of {fmt_num(total_floor)} is in no band: the lowest band starts at "
                                      f"{low.describe()}")
        if high.max is not None and not high.contains(max_total) and high.max <= max_total:
            self.fail("grades.bands", f"a total of {fmt_num(max_total)} is in no band: the highest band is "
                                      f"{high.describe()}")
        for a, b in zip(ordered, ordered[1:]):
            hole = _first_hole(a, b)
            if hole is not None:
                self.fail("grades.bands", f"a total of {fmt_num(hole)} is between {a.describe()} and {b.describe()}, "
                                          f"in no band")
        failed = self.text(data, "failed", p, required=False)
        return Grades(quotas=(), rest="", failed=failed, clause=self.text(data, "clause", p), bands=tuple(bands))


_CENT = Decimal("0.01")


def _first_hole(a: Band, b: Band) -> Decimal | None:
    """A total (a multiple of 0.01) between band a and the next band up b that neither contains, or None."""
    if a.max is None or b.min is None:
        return None
    x = (a.max / _CENT).to_integral_value(rounding="ROUND_FLOOR") * _CENT
    while x <= b.min:
        if x >= a.max and not a.contains(x) and not b.contains(x):
            return x
        x += _CENT
        if x > a.max + _CENT and x < b.min:  # a wide hole: the first total in it is enough
            return x
    return None
