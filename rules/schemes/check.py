"""Check the TOML text of a scheme file: the scheme, or every problem found, each with its line.

    result = check_scheme_text(text, file_name="example-2024.toml")
    result.scheme      # the loaded Scheme (sha256 of the text's bytes) when there is no problem
    result.problems    # [Problem(line, column, key, params, path)], in file order

A problem is data, not words: ``key`` names the kind of problem (``unknown_method``, ``points_sum`` …,
every key is in ``ALL_PROBLEM_KEYS``) and ``params`` its details as JSON-able values (numbers as strings);
the portal renders them through its message catalog (Chinese by default, English on request), like the
engine's steps. The checks collect as many problems as they can in one pass; the loader
(rules/scoring/loader.py) then builds the scheme and stays the last word: anything it refuses that the
checks here did not name is reported as ``invalid`` with its English detail.
"""
from __future__ import annotations

import dataclasses
import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from rules.schemes.positions import key_positions, locate
from rules.scoring.loader import LEAST_DIVISOR, build_scheme
from rules.scoring.model import DERIVED_OPS, FACT_KINDS, LEAF_KINDS, METHODS, VETO_EFFECTS, Band, Scheme, SchemeError
from rules.scoring.numbers import ONE, fmt_num

PROBLEM_KEYS = (
    "encoding", "toml_syntax", "unknown_table", "missing_table", "unknown_key", "missing_key", "missing_clause",
    "wrong_type", "empty_text", "bad_id", "scheme_id_mismatch", "bad_date", "duplicate_id", "no_cycles",
    "cycle_months", "cycles_gap", "cycles_overlap", "unknown_cycle", "pass_mark_out_of_range", "unknown_fact_kind",
    "fact_no_kind", "fact_no_unit", "fact_range_inverted", "judgement_needs_range", "range_not_allowed",
    "choices_empty", "duplicate_choice", "choices_not_allowed", "bad_example", "unknown_op", "derived_args",
    "unknown_fact", "fact_kind_mismatch", "bad_condition", "no_categories", "empty_children", "unknown_item_kind",
    "group_kind", "method_and_children", "no_method", "unknown_method", "negative", "not_positive", "points_sum",
    "exceeds_max", "checklist_short", "empty_list", "band_inverted", "bands_overlap", "bands_gap",
    "band_out_of_range", "band_empty", "levels_choices", "weight_out_of_range", "shares_sum", "bonus_uncapped",
    "unknown_veto_effect", "too_small", "invalid",
)
# the problems of graded factors and letter grades by score band (methods beyond the six schemes' own); every
# key of ALL_PROBLEM_KEYS has a bad file in the tests (tests/rules/schemes/test_check.py for PROBLEM_KEYS,
# tests/rules/scoring/test_graded_check.py for these)
GRADE_PROBLEM_KEYS = (
    "graded_max", "grades_mixed", "grade_bands_cover", "payment_grades_mixed", "grade_band_bounds", "unknown_grade",
)
# the problems of the reporting calendar ([calendar]) and the compliance rules in force ([[compliance]]), each
# with its bad file in tests/rules/schemes/test_check_scheme_data.py
DATA_PROBLEM_KEYS = (
    "unknown_rule", "unknown_item", "rule_no_points", "no_due_day", "due_day_range", "unknown_frequency",
    "unknown_due_rule", "obligation_day", "unknown_obligation_kind", "obligation_field", "unknown_obligation",
    "due_day_mismatch", "obligation_due_rule",
)
# the methods' own rules that had only an English detail under "invalid"; each with its bad file in
# tests/rules/schemes/test_check_method_problems.py
METHOD_PROBLEM_KEYS = ("fixed_not_regular", "steps_from_below_threshold", "unknown_order")
ALL_PROBLEM_KEYS = PROBLEM_KEYS + GRADE_PROBLEM_KEYS + DATA_PROBLEM_KEYS + METHOD_PROBLEM_KEYS

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_SCHEME_ID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_NUMERIC = ("count", "number", "percent")
_CONDITION_TESTS = ("is", "in", "at_least", "more_than", "at_most", "less_than")
_TOP = ("scheme", "cycles", "result", "payment", "subsidy", "grades", "vetoes", "facts", "derived", "categories",
        "extra", "calendar", "compliance")
_SYNTAX = {  # tomllib's messages -> a reason the portal words (anything else keeps tomllib's English)
    "Invalid value": "invalid_value", "Expected '=' after a key in a key/value pair": "expected_equals",
    "Cannot overwrite a value": "duplicate_key", "Duplicate inline table key": "duplicate_key",
    "Cannot declare": "duplicate_table",
    "Unclosed array": "unclosed_array", "Unclosed inline table": "unclosed_table",
    "Unterminated string": "unterminated_string", "Invalid date or datetime": "invalid_date",
    "Illegal character": "illegal_character", "Invalid statement": "invalid_statement",
    "Expected newline or end of document after a statement": "expected_newline",
}


@dataclass(frozen=True)
class Problem:
    line: int
    column: int | None
    key: str
    params: dict[str, Any] = field(default_factory=dict)
    path: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "key": self.key, "params": dict(self.params),
                "path": self.path}


@dataclass(frozen=True)
class CheckResult:
    scheme: Scheme | None
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_scheme_text(text: str | bytes, *, file_name: str | None = None) -> CheckResult:
    """The scheme, or the problems of the text (see the module's docstring)."""
    raw = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    if isinstance(text, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[:exc.start].count(b"\n") + 1
            # counted from 1, as the reader counts ("从第1个字节起" for a bad first byte)
            return CheckResult(None, [Problem(line, None, "encoding", {"byte": str(exc.start + 1)})])
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        return CheckResult(None, [_syntax_problem(str(exc))])
    expected = None
    if file_name:
        stem = file_name.replace("\\", "/").rsplit("/", 1)[-1]
        expected = stem[:-5] if stem.endswith(".toml") else stem
    checker = _Checker(data, key_positions(text), expected)
    checker.run()
    problems = sorted(checker.problems, key=lambda p: (p.line, p.column or 0))
    if problems:
        return CheckResult(None, problems)
    try:
        scheme = build_scheme(data, file=file_name or "<scheme>", expected_id=expected)
    except SchemeError as exc:  # the loader is the last word: a refusal the checks above did not name
        path = checker.loader_path(exc.path)
        line, column = locate(checker.pos, path)
        return CheckResult(None, [Problem(line, column, "invalid", {"detail": exc.problem}, exc.path)])
    return CheckResult(dataclasses.replace(scheme, sha256=hashlib.sha256(raw).hexdigest()), [])


def _syntax_problem(message: str) -> Problem:
    m = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    line, column = (int(m.group(1)), int(m.group(2))) if m else (1, None)
    detail = message[:m.start()] if m else message
    reason = next((code for text, code in _SYNTAX.items() if detail.startswith(text)), "other")
    return Problem(line, column, "toml_syntax", {"reason": reason, "detail": detail})


def _s(value: Any) -> str:
    """A parameter as text: numbers as the document writes them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return fmt_num(Decimal(value))
    return str(value)


def _is_number(value: Any) -> bool:
    """An integer or a finite decimal: TOML's nan and inf are not a number of points, money or days."""
    if isinstance(value, Decimal):
        return value.is_finite()
    return isinstance(value, int) and not isinstance(value, bool)


class _Checker:
    def __init__(self, data: dict[str, Any], positions, expected_id: str | None):
        self.data = data
        self.pos = positions
        self.expected_id = expected_id
        self.problems: list[Problem] = []
        self.kinds: dict[str, str] = {}  # fact and derived keys -> kind ("number" for derived)
        self.facts: dict[str, dict] = {}
        self.cycle_ids: list[str] = []

    # -- reporting -------------------------------------------------------------------------------

    def add(self, path: tuple, problem: str, /, **params: Any) -> None:
        line, column = locate(self.pos, path)
        found = Problem(line, column, problem, {k: _s(v) if not isinstance(v, list) else [_s(x) for x in v]
                                                for k, v in params.items()}, self.show(path))
        if found not in self.problems:  # a table read by two checks (e.g. `categories = 5`) is one problem, once
            self.problems.append(found)

    def show(self, path: tuple) -> str:
        """``categories[basic].items[signboard].max``: indices of id'd tables shown by their id."""
        out, node = "", self.data
        for part in path:
            if isinstance(part, int):
                ident = node[part].get("id") if isinstance(node, list) and part < len(node) and isinstance(
                    node[part], dict) else None
                out += f"[{ident if isinstance(ident, str) and ident else part}]"
                node = node[part] if isinstance(node, list) and part < len(node) else None
            else:
                out += ("." if out else "") + str(part)
                node = node.get(part) if isinstance(node, dict) else None
        return out

    def loader_path(self, text: str) -> tuple:
        """The loader's path (``categories[basic].items[3].max``, ``[scheme].id``) as a data path."""
        path: list = []
        node: Any = self.data
        # a top-level table is named as the file writes its header ("[calendar]"); an id in brackets further
        # on is an item's ("categories[result]" is the category whose id is result)
        for segment in re.findall(r"\[[^\]]*\]|[^.\[\]]+", re.sub(r"^\[([A-Za-z_]+)\]", r"\1", text)):
            if segment.startswith("["):
                inner = segment[1:-1]
                if not isinstance(node, list):
                    break
                index = int(inner) if inner.isdigit() else next(
                    (i for i, x in enumerate(node) if isinstance(x, dict) and x.get("id") == inner), None)
                if index is None:
                    break
                path.append(index)
                node = node[index]
            else:
                path.append(segment)
                node = node.get(segment) if isinstance(node, dict) else None
        return tuple(path)

    # -- typed access ----------------------------------------------------------------------------

    def table(self, value: Any, path: tuple) -> dict | None:
        if not isinstance(value, dict):
            self.add(path, "wrong_type", key=path[-1] if path else "", expected="table")
            return None
        return value

    def unknown(self, data: dict, allowed, path: tuple) -> None:
        for key in data:
            if key not in allowed:
                self.add(path + (key,), "unknown_key", key=key, allowed=sorted(allowed))

    def text(self, data: dict, key: str, path: tuple, *, required: bool = True, empty_ok: bool = False) -> str | None:
        if key not in data:
            if required:
                self.add(path, "missing_clause" if key == "clause" else "missing_key", key=key)
            return None
        value = data[key]
        if not isinstance(value, str):
            self.add(path + (key,), "wrong_type", key=key, expected="string")
            return None
        if required and not empty_ok and not value.strip():
            self.add(path + (key,), "missing_clause" if key == "clause" else "empty_text", key=key)
            return None
        return value

    def number(self, data: dict, key: str, path: tuple, *, required: bool = True, positive: bool = False,
               signed: bool = False, least: Decimal | None = None) -> Decimal | None:
        """The number at `key`; `least`: the smallest the loader takes (said as "too_small", not its English)."""
        if key not in data:
            if required:
                self.add(path, "missing_key", key=key)
            return None
        value = data[key]
        if not _is_number(value):
            self.add(path + (key,), "wrong_type", key=key, expected="number")
            return None
        value = Decimal(value)
        if positive and value <= 0:
            self.add(path + (key,), "not_positive", key=key, value=value)
            return None
        if not signed and value < 0:
            self.add(path + (key,), "negative", key=key, value=value)
            return None
        if least is not None and value < least:
            self.add(path + (key,), "too_small", key=key, value=value, least=least)
            return None
        return value

    def boolean(self, data: dict, key: str, path: tuple) -> None:
        if key in data and not isinstance(data[key], bool):
            self.add(path + (key,), "wrong_type", key=key, expected="bool")

    def ident(self, data: dict, path: tuple, pattern=_ID) -> str | None:
        value = self.text(data, "id", path)
        if value is not None and not pattern.match(value):
            self.add(path + ("id",), "bad_id", id=value)
            return None
        return value

    def array(self, data: dict, key: str, path: tuple) -> list:
        value = data.get(key, [])
        if not isinstance(value, list):
            self.add(path + (key,), "wrong_type", key=key, expected="array")
            return []
        return value

    def nonempty(self, data: dict, key: str, path: tuple) -> list:
        """The array `key`, with "empty_list" when it is written empty or left out (a wrong type: `array` says it)."""
        value = self.array(data, key, path)
        if not value and isinstance(data.get(key, []), list):
            self.add(path + (key,) if key in data else path, "empty_list", key=key)
        return value

    def unique(self, items: list[tuple[str | None, tuple]], what: str) -> None:
        seen: set[str] = set()
        for ident, path in items:
            if ident is None:
                continue
            if ident in seen:
                self.add(path, "duplicate_id", id=ident, what=what)
            seen.add(ident)

    # -- the document ----------------------------------------------------------------------------

    def run(self) -> None:
        d = self.data
        for key in d:
            if key not in _TOP:
                self.add((key,), "unknown_table", name=key, allowed=list(_TOP))
        for key in ("scheme", "result"):
            if key not in d:
                self.add((), "missing_table", name=key)
        head = self.table(d["scheme"], ("scheme",)) if "scheme" in d else None
        self.max_total = None
        if head is not None:
            self.scheme_head(head)
        self.declare_facts()
        self.cycles()
        if "result" in d and (result := self.table(d["result"], ("result",))) is not None:
            self.result(result)
        self.categories()
        for i, veto in enumerate(self.array(d, "vetoes", ())):
            self.veto(veto, ("vetoes", i))
        self.unique([(v.get("id"), ("vetoes", i, "id")) for i, v in enumerate(self.array(d, "vetoes", ()))
                     if isinstance(v, dict)], "vetoes")
        self.grade_names: list[str] | None = None  # letter grades by score band, for payment by grade
        if "grades" in d and (grades := self.table(d["grades"], ("grades",))) is not None:
            self.grades(grades)
        if "payment" in d and (payment := self.table(d["payment"], ("payment",))) is not None:
            self.payment(payment)
        if "subsidy" in d and (subsidy := self.table(d["subsidy"], ("subsidy",))) is not None:
            self.subsidy(subsidy)
        if "extra" in d and self.table(d["extra"], ("extra",)) is not None:  # `extra = 5` was left to the loader
            for key, value in d["extra"].items():
                self.table(value, ("extra", key))
        if "calendar" in d and (calendar := self.table(d["calendar"], ("calendar",))) is not None:
            self.calendar(calendar)
        self.compliance()

    # -- the reporting calendar and the compliance rules in force ------------------------------------

    def calendar(self, data: dict) -> None:
        from rules.reporting import DUE_RULES, FREQUENCIES, KINDS

        p = ("calendar",)
        self.unknown(data, {"source", "note", "obligations"}, p)
        for key in ("source", "note"):
            self.text(data, key, p, required=False)
        raw = self.array(data, "obligations", p)
        if not raw:
            self.add(p, "empty_list", key="obligations")
        for i, ob in enumerate(raw):
            q = p + ("obligations", i)
            if (ob := self.table(ob, q)) is None:
                continue
            self.unknown(ob, {"key", "label", "label_en", "frequency", "due", "day", "clause", "source",
                              "scheme_item", "kind", "ledger_types", "fields", "note"}, q)
            key = self.text(ob, "key", q)
            if key is not None and not _ID.match(key):
                self.add(q + ("key",), "bad_id", id=key)
            for name in ("label", "label_en", "clause", "source"):
                self.text(ob, name, q)
            for name in ("scheme_item", "note"):
                self.text(ob, name, q, required=False)
            frequency = self.text(ob, "frequency", q)
            if frequency is not None and frequency not in FREQUENCIES:
                self.add(q + ("frequency",), "unknown_frequency", value=frequency, allowed=list(FREQUENCIES))
            due = self.text(ob, "due", q)
            if due is not None and due not in DUE_RULES:
                self.add(q + ("due",), "unknown_due_rule", value=due, allowed=list(DUE_RULES))
            elif due is not None and due != "end_of_period":
                day = ob.get("day")
                if isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= 31:
                    self.add(q + ("day",) if "day" in ob else q, "obligation_day", due=due,
                             value="" if day is None else day)
            kind = ob.get("kind", "report")
            if kind not in KINDS:
                self.add(q + ("kind",), "unknown_obligation_kind", value=kind, allowed=list(KINDS))
            types = ob.get("ledger_types", [])
            if not isinstance(types, list) or not all(isinstance(x, str) and x for x in types):
                # `ledger_types = "报告台账"` was left to the calendar's own English refusal
                self.add(q + ("ledger_types",), "wrong_type", key="ledger_types", expected="strings")
            for j, fact in enumerate(self.array(ob, "fields", q)):
                spec = self.facts.get(fact) if isinstance(fact, str) else None
                if not isinstance(spec, dict) or spec.get("kind") != "count":  # a report's figures add up
                    self.add(q + ("fields", j), "obligation_field", fact=fact)
        self.unique([(ob.get("key"), p + ("obligations", i, "key")) for i, ob in enumerate(raw)
                     if isinstance(ob, dict)], "calendar.obligations")

    def compliance(self) -> None:
        from rules.compliance import RULES

        raw = self.array(self.data, "compliance", ())
        paths = set()
        for category in self.array(self.data, "categories", ()):
            self._paths(category, "", paths)
        paths |= {f"vetoes/{v.get('id')}" for v in self.array(self.data, "vetoes", ()) if isinstance(v, dict)}
        extra = self.data.get("extra")
        paths |= {f"extra/{k}" for k in extra} if isinstance(extra, dict) else set()
        for i, use in enumerate(raw):
            q = ("compliance", i)
            if (use := self.table(use, q)) is None:
                continue
            self.unknown(use, {"rule", "item", "fact", "points", "per_occurrence", "due_day", "clause", "note",
                               "obligation"}, q)
            for name in ("item", "fact", "clause", "note", "obligation"):
                self.text(use, name, q, required=False)
            rule = self.text(use, "rule", q)
            meta = RULES.get(rule) if rule is not None else None
            if rule is not None and meta is None:
                self.add(q + ("rule",), "unknown_rule", rule=rule)
            item = use.get("item")
            if isinstance(item, str) and item and item not in paths and not (
                    item.startswith("payment/") and "payment" in self.data):
                self.add(q + ("item",), "unknown_item", item=item)
            fact = use.get("fact")
            if isinstance(fact, str) and fact:
                self.fact_ref(fact, q + ("fact",))
            self.number(use, "points", q, required=False)
            self.boolean(use, "per_occurrence", q)
            if meta is not None and ("points" in use or "per_occurrence" in use) and (
                    meta.penalty is None or meta.penalty.points is None):
                self.add(q + ("points",) if "points" in use else q + ("per_occurrence",), "rule_no_points",
                         rule=rule)
            if "due_day" in use:
                day = use["due_day"]
                if meta is not None and meta.due_day is None:
                    self.add(q + ("due_day",), "no_due_day", rule=rule)
                elif isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= 28:
                    self.add(q + ("due_day",), "due_day_range", value=day)
            self.obligation_link(use, q, rule, meta)
        self.unique([(u.get("rule"), ("compliance", i, "rule")) for i, u in enumerate(raw) if isinstance(u, dict)],
                    "compliance")

    def obligation_link(self, use: dict, q: tuple, rule: str | None, meta) -> None:
        """``obligation``: the monthly [calendar] obligation whose hand-ins a monthly deadline rule judges; its due
        day is the rule's (a day written in both places must be the same day)."""
        from rules.compliance.deadlines import MONTHLY_DUE, MONTHLY_KINDS

        key = use.get("obligation")
        if not isinstance(key, str) or not key:
            return
        calendar = self.data.get("calendar") if isinstance(self.data.get("calendar"), dict) else {}
        obligations = {ob.get("key"): ob for ob in calendar.get("obligations", [])
                       if isinstance(calendar.get("obligations"), list) and isinstance(ob, dict)}
        ob = obligations.get(key)
        monthly = [k for k, o in obligations.items() if o.get("frequency") == "monthly"]
        if ob is None or ob.get("frequency") != "monthly" or (meta is not None and rule not in MONTHLY_KINDS):
            self.add(q + ("obligation",), "unknown_obligation", obligation=key, rule=rule or "",
                     allowed=monthly)
            return
        needed = MONTHLY_DUE.get(rule)
        day = ob.get("day") if ob.get("due") in ("day_of_period", "day_of_next_period") else None
        if needed is not None and (ob.get("due") != needed or (isinstance(day, int) and not 1 <= day <= 28)):
            self.add(q + ("obligation",), "obligation_due_rule", obligation=key, rule=rule, due=ob.get("due", ""),
                     needed=needed)
            return
        due_day = use.get("due_day")  # one out of range (or true) is said as due_day_range, not also as a mismatch
        if isinstance(due_day, int) and not isinstance(due_day, bool) and 1 <= due_day <= 28 and \
                isinstance(day, int) and due_day != day:
            self.add(q + ("due_day",), "due_day_mismatch", due_day=use["due_day"], obligation=key, day=day)

    def _paths(self, node: Any, parent: str, out: set) -> None:
        if not isinstance(node, dict) or not isinstance(node.get("id"), str):
            return
        path = f"{parent}/{node['id']}" if parent else node["id"]
        out.add(path)
        for key in ("items", "subitems"):
            for child in node.get(key, []) if isinstance(node.get(key), list) else []:
                self._paths(child, path, out)

    def scheme_head(self, head: dict) -> None:
        p = ("scheme",)
        self.unknown(head, {"id", "title", "bureau", "document_number", "effective_date", "replaces", "source",
                            "max_total", "note"}, p)
        scheme_id = self.ident(head, p, _SCHEME_ID)
        if scheme_id and self.expected_id is not None and scheme_id != self.expected_id:
            self.add(p + ("id",), "scheme_id_mismatch", id=scheme_id, file=self.expected_id)
        for key in ("title", "bureau", "source"):
            self.text(head, key, p)
        self.text(head, "document_number", p, empty_ok=True)
        for key in ("replaces", "note"):
            self.text(head, key, p, required=False)
        if "effective_date" not in head:
            self.add(p, "missing_key", key="effective_date")
        else:
            value = head["effective_date"]
            if not isinstance(value, date) or isinstance(value, datetime):
                self.add(p + ("effective_date",), "bad_date", key="effective_date", value=value)
        self.max_total = self.number(head, "max_total", p, positive=True, least=ONE)

    # -- cycles ----------------------------------------------------------------------------------

    def cycles(self) -> None:
        raw = self.array(self.data, "cycles", ())
        if not raw and "cycles" in self.data or "cycles" not in self.data:
            self.add(("cycles",), "no_cycles")
        months_total, all_months, last = 0, True, ("cycles",)
        for i, c in enumerate(raw):
            p = ("cycles", i)
            if (c := self.table(c, p)) is None:
                all_months = False  # its months are not known: the cycles are not measured against the service
                continue
            self.unknown(c, {"id", "label", "months"}, p)
            ident = self.ident(c, p)
            if ident:
                self.cycle_ids.append(ident)
            self.text(c, "label", p)
            months = c.get("months")
            if months is None:
                all_months = False
            elif isinstance(months, bool) or not isinstance(months, int) or months < 1:
                self.add(p + ("months",), "cycle_months", value=months)
                all_months = False
            else:
                months_total += months
                last = p + ("months",)
        self.unique([(c.get("id"), ("cycles", i, "id")) for i, c in enumerate(raw) if isinstance(c, dict)], "cycles")
        contract = (self.data.get("extra") or {}).get("contract") if isinstance(self.data.get("extra"), dict) else None
        service = contract.get("service_months") if isinstance(contract, dict) else None
        if raw and all_months and isinstance(service, int) and not isinstance(service, bool):
            if months_total < service:
                self.add(last, "cycles_gap", months=months_total, service=service)
            elif months_total > service:
                self.add(last, "cycles_overlap", months=months_total, service=service)

    def result(self, result: dict) -> None:
        p = ("result",)
        self.unknown(result, {"pass_mark", "pass_inclusive", "clause", "total_floor", "bonus_cap"}, p)
        mark = self.number(result, "pass_mark", p)
        if mark is not None and self.max_total is not None and mark > self.max_total:
            self.add(p + ("pass_mark",), "pass_mark_out_of_range", value=mark, max_total=self.max_total)
        self.boolean(result, "pass_inclusive", p)
        self.text(result, "clause", p)
        self.number(result, "total_floor", p, required=False, signed=True)
        self.number(result, "bonus_cap", p, required=False)

    # -- facts -----------------------------------------------------------------------------------

    def declare_facts(self) -> None:
        facts = self.data.get("facts", {})
        if self.table(facts, ("facts",)) is None:
            facts = {}
        for key, spec in facts.items():
            p = ("facts", key)
            if not _ID.match(key):
                self.add(p, "bad_id", id=key)
            if (spec := self.table(spec, p)) is None:
                continue
            self.fact(key, spec, p)
        for key, spec in self.facts.items():  # once every fact is declared
            if "not_above" in spec and self.kinds[key] in _NUMERIC:
                self.fact_ref(spec["not_above"], ("facts", key, "not_above"), _NUMERIC)
        derived = self.data.get("derived", {})
        if self.table(derived, ("derived",)) is None:
            derived = {}
        for key, spec in derived.items():
            p = ("derived", key)
            if not _ID.match(key):
                self.add(p, "bad_id", id=key)
            if key in self.kinds:
                self.add(p, "duplicate_id", id=key, what="facts")
            if (spec := self.table(spec, p)) is None:
                continue
            self.derived(key, spec, p)

    def fact(self, key: str, spec: dict, p: tuple) -> None:
        self.unknown(spec, {"meaning", "kind", "unit", "example", "min", "max", "choices", "not_above"}, p)
        self.text(spec, "meaning", p)
        kind = spec.get("kind")
        if kind is None:
            self.add(p, "fact_no_kind", fact=key)
        elif kind not in FACT_KINDS:
            self.add(p + ("kind",), "unknown_fact_kind", fact=key, kind=kind, allowed=list(FACT_KINDS))
            kind = None
        unit = self.text(spec, "unit", p, required=False)
        if kind in _NUMERIC + ("count_list", "judgement", "judgement_list") and not (unit or "").strip() \
                and kind != "percent":
            self.add(p, "fact_no_unit", fact=key, kind=kind)
        lo = self.number(spec, "min", p, required=False, signed=True)
        hi = self.number(spec, "max", p, required=False, signed=True)
        if kind in ("judgement", "judgement_list") and ("min" not in spec or "max" not in spec):
            self.add(p, "judgement_needs_range", fact=key)
        if lo is not None and hi is not None and lo > hi:
            self.add(p + ("min",), "fact_range_inverted", fact=key, min=lo, max=hi)
        if kind in ("bool", "choice", "count_list") and ("min" in spec or "max" in spec):
            self.add(p + ("min" if "min" in spec else "max",), "range_not_allowed", fact=key, kind=kind)
        if kind == "choice":
            choices = spec.get("choices")
            if not isinstance(choices, list) or not choices:
                self.add(p + ("choices",) if "choices" in spec else p, "choices_empty", fact=key)
            elif not all(isinstance(c, str) and c for c in choices):
                self.add(p + ("choices",), "wrong_type", key="choices", expected="strings")
            else:
                seen = set()
                for i, c in enumerate(choices):
                    if c in seen:
                        self.add(p + ("choices", i), "duplicate_choice", fact=key, choice=c)
                    seen.add(c)
        elif "choices" in spec:
            self.add(p + ("choices",), "choices_not_allowed", fact=key, kind=kind or "")
        if "example" not in spec:
            self.add(p, "missing_key", key="example")
        elif kind is not None and not any(pr.path.startswith(self.show(p)) for pr in self.problems):
            from rules.scoring.facts import check_fact_value
            from rules.scoring.model import FactSpec

            try:
                check_fact_value(FactSpec(key=key, meaning="", kind=kind, min=lo, max=hi,
                                          choices=tuple(spec.get("choices") or ())), spec["example"])
            except (ValueError, TypeError) as exc:
                self.add(p + ("example",), "bad_example", fact=key, detail=str(exc))
        self.kinds[key] = kind  # None: reported above; references to it then say nothing more
        self.facts[key] = spec
        if "not_above" in spec and kind is not None and kind not in _NUMERIC:
            self.add(p + ("not_above",), "fact_kind_mismatch", fact=key, kind=kind, needed=list(_NUMERIC))

    def derived(self, key: str, spec: dict, p: tuple) -> None:
        self.unknown(spec, {"meaning", "op", "args", "unit"}, p)
        self.text(spec, "meaning", p)
        op = self.text(spec, "op", p)
        if op is not None and op not in DERIVED_OPS:
            self.add(p + ("op",), "unknown_op", op=op, allowed=list(DERIVED_OPS))
        args = self.array(spec, "args", p)
        exact = op in ("difference", "ratio", "percent")
        if "args" not in spec:
            self.add(p, "missing_key", key="args")
        elif len(args) < 2 or (exact and len(args) != 2):
            self.add(p + ("args",), "derived_args", op=op or "", count=len(args))
        for i, arg in enumerate(args):
            if isinstance(arg, str):
                self.fact_ref(arg, p + ("args", i), _NUMERIC)
            elif not _is_number(arg):
                self.add(p + ("args", i), "wrong_type", key="args", expected="fact or number")
        self.kinds[key] = "number"

    def fact_ref(self, key: Any, path: tuple, kinds: tuple[str, ...] | None = None) -> str | None:
        if not isinstance(key, str):
            self.add(path, "missing_key" if key is None else "wrong_type", key=path[-1], expected="fact")
            return None
        if key not in self.kinds:
            self.add(path, "unknown_fact", fact=key)
            return None
        if self.kinds[key] is None:
            return None
        if kinds is not None and self.kinds[key] not in kinds:
            self.add(path, "fact_kind_mismatch", fact=key, kind=self.kinds[key], needed=list(kinds))
            return None
        return key

    def conditions(self, value: Any, path: tuple) -> None:
        items = value if isinstance(value, list) else [value]
        for i, cond in enumerate(items):
            p = path + (i,) if isinstance(value, list) else path
            if (cond := self.table(cond, p)) is None:
                continue
            self.unknown(cond, {"fact", *_CONDITION_TESTS}, p)
            fact = self.fact_ref(cond.get("fact"), p + ("fact",))
            tests = [t for t in _CONDITION_TESTS if t in cond]
            if not tests:
                self.add(p, "bad_condition", fact=fact or "", test="", reason="no_test")
            if fact is None:
                continue
            kind = self.kinds[fact]
            choices = self.facts.get(fact, {}).get("choices") or []
            for t in tests:
                v = cond[t]
                if t == "is" and kind == "bool" and not isinstance(v, bool):
                    self.add(p + (t,), "bad_condition", fact=fact, test=t, reason="bool")
                elif t == "is" and kind == "choice" and v not in choices:
                    self.add(p + (t,), "bad_condition", fact=fact, test=t, reason="not_a_choice", value=v)
                elif t == "in" and (not isinstance(v, list) or not v):
                    self.add(p + (t,), "bad_condition", fact=fact, test=t, reason="empty")
                elif t == "in" and kind == "choice" and any(x not in choices for x in v):
                    self.add(p + (t,), "bad_condition", fact=fact, test=t, reason="not_a_choice",
                             value=", ".join(str(x) for x in v if x not in choices))
                elif t not in ("is", "in") and kind not in _NUMERIC:
                    self.add(p + (t,), "bad_condition", fact=fact, test=t, reason="not_numeric")
                elif t not in ("is", "in") and not _is_number(v):
                    self.add(p + (t,), "wrong_type", key=t, expected="number")

    # -- the item tree ---------------------------------------------------------------------------

    def categories(self) -> None:
        raw = self.array(self.data, "categories", ())
        if not raw:
            self.add(("categories",), "no_categories")
            return
        maxima = [self.node(c, ("categories", i), "category") for i, c in enumerate(raw)]
        self.unique([(c.get("id"), ("categories", i, "id")) for i, c in enumerate(raw) if isinstance(c, dict)],
                    "categories")
        if self.max_total is not None and all(m is not None for m in maxima):
            total = sum(maxima, Decimal(0))
            if total != self.max_total:
                self.add(("scheme", "max_total"), "points_sum", what="scheme", max=self.max_total, sum=total)

    def node(self, data: Any, p: tuple, level: str) -> Decimal | None:
        """Check a node; its max when it counts towards its parent's (regular), else None."""
        if (data := self.table(data, p)) is None:
            return None
        self.ident(data, p)
        self.text(data, "title", p)
        self.text(data, "clause", p)
        self.text(data, "note", p, required=False)
        child_key = {"category": "items", "item": "subitems"}.get(level)
        kind = data.get("kind", "regular")
        if kind not in LEAF_KINDS:
            self.add(p + ("kind",), "unknown_item_kind", kind=kind, allowed=list(LEAF_KINDS))
            return None
        if level == "category" or (child_key and child_key in data):
            if "method" in data:
                self.add(p + ("method",), "method_and_children", children=child_key)
            if kind != "regular":
                self.add(p + ("kind",), "group_kind", kind=kind)
            # a group takes no kind, not even "regular" (FORMAT.md: kind is a leaf's); a method or another kind
            # was said above (method_and_children, group_kind)
            allowed = {"id", "title", "clause", "max", "note", child_key}
            said = {"method"} | ({"kind"} if kind != "regular" else set())
            self.unknown({key: value for key, value in data.items() if key not in said}, allowed, p)
            maximum = self.number(data, "max", p)
            children = self.array(data, child_key, p)
            if not children:
                self.add(p, "empty_children", children=child_key)
                return maximum
            child_level = {"category": "item", "item": "subitem"}[level]
            sums = [self.node(c, p + (child_key, i), child_level) for i, c in enumerate(children)]
            self.unique([(c.get("id"), p + (child_key, i, "id")) for i, c in enumerate(children)
                         if isinstance(c, dict)], f"{self.show(p)}.{child_key}")
            # a child of an unknown kind (said as unknown_item_kind) counts as unknown, so no sum is made
            regular = [s for s, c in zip(sums, children)
                       if isinstance(c, dict) and c.get("kind", "regular") not in ("bonus", "penalty")]
            if maximum is not None and None not in regular and sum(regular, Decimal(0)) != maximum:
                self.add(p + ("max",), "points_sum", what=level, max=maximum, sum=sum(regular, Decimal(0)))
            return maximum
        method = data.get("method")
        if method is None:
            self.add(p, "no_method", allowed=list(METHODS))
            return None
        if method not in METHODS:
            self.add(p + ("method",), "unknown_method", method=method, allowed=list(METHODS))
            return None
        maximum = self.number(data, "max", p, required=kind == "regular")
        if "requires" in data:
            self.conditions(data["requires"], p + ("requires",))
        allowed = getattr(self, f"m_{method}")(data, p, maximum, kind)
        self.unknown(data, {"id", "title", "clause", "max", "note", "kind", "method", "requires", "uncapped",
                            *allowed}, p)
        self.boolean(data, "uncapped", p)
        if kind == "bonus" and maximum is None and data.get("cap") is None and not data.get("uncapped"):
            self.add(p, "bonus_uncapped")
        return maximum if kind == "regular" else Decimal(0)

    def cap(self, data: dict, p: tuple, maximum: Decimal | None) -> Decimal | None:
        cap = self.number(data, "cap", p, required=False)
        if cap is not None and maximum is not None and cap > maximum:
            self.add(p + ("cap",), "exceeds_max", key="cap", value=cap, max=maximum)
        return cap if cap is not None else maximum

    def m_fixed(self, data, p, maximum, kind):
        if kind != "regular" or maximum is None:
            self.add(p + ("method",), "fixed_not_regular")  # it awards a regular leaf its max
        return set()

    def m_checklist(self, data, p, maximum, kind):
        entries = self.nonempty(data, "entries", p)  # `entries = 5` is a wrong type only, not also an empty list
        total, summed = Decimal(0), True
        for i, e in enumerate(entries):
            ep = p + ("entries", i)
            if (e := self.table(e, ep)) is None:
                summed = False
                continue
            self.unknown(e, {"label", "points", "when"}, ep)
            self.text(e, "label", ep)
            points = self.number(e, "points", ep)
            if points is None:  # said already; the entries' sum is not known
                summed = False
            else:
                total += points
            if "when" not in e:
                self.add(ep, "missing_key", key="when")
            else:
                self.conditions(e["when"], ep + ("when",))
        cap = self.cap(data, p, maximum)
        # what the item can award: its cap, never above its max (a cap above it is said as exceeds_max)
        reach = min(cap, maximum) if cap is not None and maximum is not None else cap
        if entries and summed and reach is not None and kind == "regular" and total < reach:
            self.add(p + ("entries",), "checklist_short", sum=total, max=reach)
        return {"entries", "cap"}

    def m_per_unit(self, data, p, maximum, kind):
        fact = self.fact_ref(data.get("fact"), p + ("fact",), _NUMERIC + ("count_list",))
        self.number(data, "points_per_unit", p)
        self.number(data, "beyond", p, required=False)
        self.number(data, "unit", p, required=False, positive=True, least=LEAST_DIVISOR)
        self.cap(data, p, maximum)
        if self.number(data, "per_entry_cap", p, required=False) is not None and fact and \
                self.kinds[fact] != "count_list":
            self.add(p + ("per_entry_cap",), "fact_kind_mismatch", fact=fact, kind=self.kinds[fact],
                     needed=["count_list"])
        return {"fact", "points_per_unit", "beyond", "unit", "cap", "per_entry_cap"}

    def m_tiers(self, data, p, maximum, kind):
        fact = self.fact_ref(data.get("fact"), p + ("fact",), _NUMERIC)
        raw = self.nonempty(data, "tiers", p)
        bands = self.bands(raw, p + ("tiers",), "points", maximum)
        self.number(data, "otherwise", p, required=False)
        if fact:
            spec = self.facts.get(fact, {})
            lo, hi = spec.get("min"), spec.get("max")
            kind_ = self.kinds[fact]
            if kind_ in ("count", "percent") and lo is None:
                lo = Decimal(0)
            if kind_ == "percent" and hi is None:
                hi = Decimal(100)
            self.band_range(bands, p + ("tiers",), lo, hi)
            self.band_order(bands, p + ("tiers",), Decimal(1) if kind_ == "count" else None)
        return {"fact", "tiers", "otherwise"}

    def m_levels(self, data, p, maximum, kind):
        if "weight" in data or "grades" in data:
            if "points" in data:  # points per level, or a weight and grades: not both
                self.add(p + ("points",), "unknown_key", key="points", allowed=["fact", "weight", "grades"])
            return self.graded(data, p, maximum)
        fact = self.fact_ref(data.get("fact"), p + ("fact",), ("choice",))
        points = data.get("points")
        if not isinstance(points, dict):
            self.add(p + ("points",) if "points" in data else p, "missing_key" if "points" not in data else "wrong_type",
                     key="points", expected="table")
            return {"fact", "points"}
        choices = self.facts[fact].get("choices") if fact else None
        if isinstance(choices, list) and choices and len(set(map(str, choices))) == len(choices):
            missing = [c for c in choices if c not in points]
            extra = [c for c in points if c not in choices]
            if missing or extra:
                self.add(p + ("points",), "levels_choices", fact=fact, missing=missing, extra=extra)
        for c, v in points.items():
            value = self.number(points, c, p + ("points",))
            if value is not None and maximum is not None and value > maximum:
                self.add(p + ("points", c), "exceeds_max", key=c, value=value, max=maximum)
        return {"fact", "points"}

    def graded(self, data, p, maximum):
        """levels with a weight and grades (a factor graded from stated criteria): points = weight × value."""
        fact = self.fact_ref(data.get("fact"), p + ("fact",), ("choice",))
        weight = self.number(data, "weight", p)
        raw = self.nonempty(data, "grades", p)
        names, values = [], []
        for i, g in enumerate(raw):
            gp = p + ("grades", i)
            if (g := self.table(g, gp)) is None:
                continue
            self.unknown(g, {"grade", "value", "criteria"}, gp)
            name = self.text(g, "grade", gp)
            value = self.number(g, "value", gp)
            self.text(g, "criteria", gp, required=False)
            if name is not None:
                names.append((name, gp + ("grade",)))
            if value is not None:
                values.append(value)
        self.unique(names, f"{self.show(p)}.grades")
        choices = self.facts[fact].get("choices") if fact else None
        if names and isinstance(choices, list) and choices and len(set(map(str, choices))) == len(choices):
            given = [name for name, _ in names]
            missing = [c for c in choices if c not in given]
            extra = [name for name in given if name not in choices]
            if missing or extra:
                self.add(p + ("grades",), "levels_choices", fact=fact, missing=missing, extra=extra)
        if weight is not None and values and len(values) == len(raw) and maximum is not None \
                and weight * max(values) != maximum:
            self.add(p + ("max",), "graded_max", max=maximum, weight=weight, top=max(values),
                     product=weight * max(values))
        return {"fact", "weight", "grades", "points"}

    def m_base_steps(self, data, p, maximum, kind):
        self.fact_ref(data.get("fact"), p + ("fact",), _NUMERIC)
        threshold = self.number(data, "threshold", p)
        self.number(data, "base", p)
        self.number(data, "step", p, positive=True, least=LEAST_DIVISOR)
        self.number(data, "step_points", p)
        self.cap(data, p, maximum)
        steps_from = self.number(data, "steps_from", p, required=False)
        if steps_from is not None and threshold is not None and steps_from < threshold:
            self.add(p + ("steps_from",), "steps_from_below_threshold", value=steps_from, threshold=threshold)
        return {"fact", "threshold", "base", "step", "step_points", "cap", "steps_from"}

    def m_deductions(self, data, p, maximum, kind):
        if kind == "penalty":
            for key in ("start", "floor"):
                if key in data:
                    self.add(p + (key,), "unknown_key", key=key, allowed=["deductions"])
        else:
            start = self.number(data, "start", p, required=False)
            if start is not None and maximum is not None and start > maximum:
                self.add(p + ("start",), "exceeds_max", key="start", value=start, max=maximum)
            floor = self.number(data, "floor", p, required=False)
            top = start if start is not None else maximum
            if floor is not None and top is not None and floor > top:  # 扣完为止 at a floor above the start: nothing
                self.add(p + ("floor",), "exceeds_max", key="floor", value=floor, max=top)  # could be taken off
        entries = self.nonempty(data, "deductions", p)
        for i, e in enumerate(entries):
            ep = p + ("deductions", i)
            if (e := self.table(e, ep)) is None:
                continue
            self.text(e, "label", ep)
            if "when" in e:
                self.unknown(e, {"label", "when", "points"}, ep)
                self.conditions(e["when"], ep + ("when",))
                self.number(e, "points", ep)
            elif e.get("judged"):
                self.unknown(e, {"label", "fact", "judged"}, ep)
                self.fact_ref(e.get("fact"), ep + ("fact",), ("judgement_list",))
            elif "target" in e:
                self.unknown(e, {"label", "fact", "target", "each", "per", "whole_units"}, ep)
                if isinstance(e["target"], str):
                    self.fact_ref(e["target"], ep + ("target",), _NUMERIC)
                else:
                    self.number(e, "target", ep)
                self.fact_ref(e.get("fact"), ep + ("fact",), _NUMERIC + ("count_list",))
                self.number(e, "each", ep)
                self.number(e, "per", ep, required=False, positive=True, least=LEAST_DIVISOR)
                self.boolean(e, "whole_units", ep)
            else:
                self.unknown(e, {"label", "fact", "each"}, ep)
                self.fact_ref(e.get("fact"), ep + ("fact",), _NUMERIC)
                self.number(e, "each", ep)
        return {"start", "floor", "deductions"}

    def m_judgement(self, data, p, maximum, kind):
        fact = self.fact_ref(data.get("fact"), p + ("fact",), ("judgement",))
        if fact:
            hi, lo = self.facts[fact].get("max"), self.facts[fact].get("min")
            if _is_number(hi) and maximum is not None and hi > maximum:
                self.add(p + ("fact",), "exceeds_max", key=fact, value=hi, max=maximum)
            if _is_number(lo) and lo < 0:
                self.add(("facts", fact, "min"), "negative", key="min", value=lo)
        return {"fact"}

    def m_rank(self, data, p, maximum, kind):
        if data.get("order", "desc") not in ("desc", "asc"):
            self.add(p + ("order",), "unknown_order", value=data.get("order"), allowed=["desc", "asc"])
        self.fact_ref(data.get("fact"), p + ("fact",), _NUMERIC)
        if "eligible" in data:
            self.conditions(data["eligible"], p + ("eligible",))
        top = self.number(data, "top", p)
        self.number(data, "step", p)
        floor = self.number(data, "floor", p, required=False)
        ineligible = self.number(data, "ineligible_points", p, required=False)
        if ineligible is not None and maximum is not None and ineligible > maximum:  # the engine would cap it
            self.add(p + ("ineligible_points",), "exceeds_max", key="ineligible_points", value=ineligible, max=maximum)
        if top is not None and maximum is not None and top > maximum:
            self.add(p + ("top",), "exceeds_max", key="top", value=top, max=maximum)
        if top is not None and floor is not None and floor > top:
            self.add(p + ("floor",), "exceeds_max", key="floor", value=floor, max=top)
        return {"fact", "eligible", "top", "step", "floor", "ineligible_points", "order"}

    # -- bands -----------------------------------------------------------------------------------

    def bands(self, raw: list, path: tuple, value_key: str | None, maximum: Decimal | None = None,
              limit: Decimal | None = None) -> list[tuple[int, Band]]:
        """Bands of a value; value_key None: letter-grade bands (a ``grade`` each, no value)."""
        out = []
        extra = {"consequence", "rectify_within_months", "grade"} if value_key == "ratio" else set()
        if value_key is None:
            extra = {"grade", "consequence"}
        for i, b in enumerate(raw):
            bp = path + (i,)
            if (b := self.table(b, bp)) is None:
                continue
            self.unknown(b, {"min", "max", "min_inclusive", "max_inclusive", "label", *extra}
                         | ({value_key} if value_key else set()), bp)
            lo = self.number(b, "min", bp, required=False, signed=True)
            hi = self.number(b, "max", bp, required=False, signed=True)
            self.boolean(b, "min_inclusive", bp)
            self.boolean(b, "max_inclusive", bp)
            self.text(b, "label", bp, required=False)  # the loader's words were "expected a string, got int"
            if "consequence" in extra:  # where a band may have them (elsewhere they are said as unknown keys)
                self.text(b, "consequence", bp, required=False)
            months = b.get("rectify_within_months") if "rectify_within_months" in extra else None
            if months is not None and (not isinstance(months, int) or isinstance(months, bool) or months < 1):
                self.add(bp + ("rectify_within_months",), "wrong_type", key="rectify_within_months",
                         expected="months")
            grade = self.text(b, "grade", bp, required=value_key is None)
            value = self.number(b, value_key, bp) if value_key else None
            if value is not None and maximum is not None and value > maximum:
                self.add(bp + (value_key,), "exceeds_max", key=value_key, value=value, max=maximum)
            if value is not None and limit is not None and value > limit:
                self.add(bp + (value_key,), "weight_out_of_range", key=value_key, value=value, max=limit)
            if lo is not None and hi is not None and lo > hi:
                self.add(bp, "band_inverted", min=lo, max=hi)
                continue
            if ("min" in b and lo is None) or ("max" in b and hi is None):
                continue
            band = Band(min=lo, max=hi, min_inclusive=b.get("min_inclusive", True) is True,
                        max_inclusive=b.get("max_inclusive", False) is True, grade=grade or "")
            if lo is not None and lo == hi and not (band.min_inclusive and band.max_inclusive):
                self.add(bp, "band_empty", band=band.describe())  # [10, 10): no value is in it
                continue
            out.append((i, band))
        return out

    def band_range(self, bands: list[tuple[int, Band]], path: tuple, lo: Decimal | None, hi: Decimal | None) -> None:
        """A band that no possible value reaches: entirely below ``lo`` or above ``hi``."""
        for i, b in bands:
            below = lo is not None and b.max is not None and (b.max < lo or (b.max == lo and not b.max_inclusive))
            above = hi is not None and b.min is not None and (b.min > hi or (b.min == hi and not b.min_inclusive))
            if below or above:
                self.add(path + (i, "max" if below else "min"), "band_out_of_range", band=b.describe(), lo=lo if lo is not None else "−∞",
                         hi=hi if hi is not None else "∞")

    def band_order(self, bands: list[tuple[int, Band]], path: tuple, grain: Decimal | None) -> None:
        """Overlaps anywhere; gaps between neighbours (on the grain of the value: whole counts, cents)."""
        for a in range(len(bands)):
            for b in range(a + 1, len(bands)):
                at = _overlap(bands[a][1], bands[b][1])
                if at is not None:
                    self.add(path + (bands[b][0],), "bands_overlap", a=bands[a][0] + 1, b=bands[b][0] + 1, at=at)
                    return
        ordered = sorted(bands, key=lambda ib: (ib[1].min is not None, ib[1].min or 0))
        for (ia, a), (ib, b) in zip(ordered, ordered[1:]):
            if a.max is None or b.min is None:
                continue
            hole = _gap(a, b, grain)
            if hole is not None:
                self.add(path + (ia, "max"), "bands_gap", a=ia + 1, b=ib + 1, at=hole)

    # -- results, money, grades, vetoes ----------------------------------------------------------

    def total_bounds(self) -> tuple[Decimal | None, Decimal | None]:
        """The totals a sheet can reach: from total_floor to max_total plus the bonuses (None: no bound)."""
        result = self.data.get("result") if isinstance(self.data.get("result"), dict) else {}
        floor = result.get("total_floor", 0)
        lo = Decimal(floor) if _is_number(floor) else None
        if self.max_total is None:
            return lo, None
        cap = result.get("bonus_cap")
        if _is_number(cap):
            return lo, self.max_total + Decimal(cap)
        bonus = Decimal(0)
        for leaf in self._leaves():
            if leaf.get("kind") == "bonus":
                top = leaf.get("cap", leaf.get("max"))
                if not _is_number(top):
                    return lo, None
                bonus += Decimal(top)
        return lo, self.max_total + bonus

    def _leaves(self):
        def walk(node):
            if not isinstance(node, dict):
                return
            yield node
            for key in ("items", "subitems"):
                for child in node.get(key, []) if isinstance(node.get(key), list) else []:
                    yield from walk(child)
        for category in self.array(self.data, "categories", ()):
            yield from walk(category)

    def veto(self, data: Any, p: tuple) -> None:
        if (data := self.table(data, p)) is None:
            return
        self.unknown(data, {"id", "effect", "when", "clause", "label"}, p)
        self.ident(data, p)
        effect = self.text(data, "effect", p)
        if effect is not None and effect not in VETO_EFFECTS:
            self.add(p + ("effect",), "unknown_veto_effect", effect=effect, allowed=list(VETO_EFFECTS))
        if "when" not in data:
            self.add(p, "missing_key", key="when")
        else:
            self.conditions(data["when"], p + ("when",))
        self.text(data, "clause", p)
        self.text(data, "label", p, required=False)

    def payment(self, data: dict) -> None:
        p = ("payment",)
        self.unknown(data, {"advance_share", "stages", "bands", "clause"}, p)
        advance = self.number(data, "advance_share", p, required=False)
        if advance is not None and advance > 1:
            self.add(p + ("advance_share",), "weight_out_of_range", key="advance_share", value=advance, max=1)
        total = advance or Decimal(0)
        stages = self.nonempty(data, "stages", p)
        for i, s in enumerate(stages):
            sp = p + ("stages", i)
            if (s := self.table(s, sp)) is None:
                continue
            self.unknown(s, {"id", "label", "share", "cycle", "clause"}, sp)
            ident = self.ident(s, sp)
            if ident == "advance":
                self.add(sp + ("id",), "bad_id", id=ident)
            self.text(s, "label", sp)
            self.text(s, "clause", sp, required=False)
            share = self.number(s, "share", sp)
            if share is not None and share > 1:
                self.add(sp + ("share",), "weight_out_of_range", key="share", value=share, max=1)
            total += share or 0
            cycle = s.get("cycle")
            if cycle is not None and cycle not in self.cycle_ids:
                self.add(sp + ("cycle",), "unknown_cycle", cycle=cycle, allowed=self.cycle_ids)
        self.unique([(s.get("id"), p + ("stages", i, "id")) for i, s in enumerate(stages) if isinstance(s, dict)],
                    "payment.stages")
        if total != 1:
            self.add(p + ("advance_share",) if "advance_share" in data else p, "shares_sum", sum=total)
        raw = self.nonempty(data, "bands", p)
        bands = self.bands(raw, p + ("bands",), "ratio", limit=Decimal(1))
        if any(isinstance(b, dict) and "grade" in b for b in raw):
            self.payment_by_grade(raw, p + ("bands",))
        else:
            self.total_bands(bands, p + ("bands",))
        self.text(data, "clause", p)

    def payment_by_grade(self, raw: list, path: tuple) -> None:
        """Payment bands that name a letter grade: no min or max, every band a grade of [grades] bands, once."""
        for i, b in enumerate(raw):
            if not isinstance(b, dict):
                continue
            bp = path + (i,)
            if "grade" not in b:
                self.add(bp, "payment_grades_mixed")
                continue
            for key in ("min", "max"):
                if key in b:
                    self.add(bp + (key,), "grade_band_bounds", grade=b["grade"])
            if isinstance(b["grade"], str) and b["grade"] not in (self.grade_names or []):
                self.add(bp + ("grade",), "unknown_grade", grade=b["grade"],
                         allowed=list(dict.fromkeys(self.grade_names or [])))  # a grade named twice, listed once
        self.unique([(b.get("grade"), path + (i, "grade")) for i, b in enumerate(raw)
                     if isinstance(b, dict) and isinstance(b.get("grade"), str)], "payment.bands")

    def total_bands(self, bands, path: tuple) -> None:
        lo, hi = self.total_bounds()
        self.band_range(bands, path, lo, hi)
        self.band_order(bands, path, Decimal("0.01"))

    def subsidy(self, data: dict) -> None:
        p = ("subsidy",)
        self.unknown(data, {"bands", "one_off", "requires_pass", "clause"}, p)
        raw = self.nonempty(data, "bands", p)
        self.total_bands(self.bands(raw, p + ("bands",), "amount"), p + ("bands",))
        one_off = self.array(data, "one_off", p)
        for i, o in enumerate(one_off):
            op = p + ("one_off", i)
            if (o := self.table(o, op)) is None:
                continue
            self.unknown(o, {"id", "amount", "label"}, op)
            self.ident(o, op)
            self.number(o, "amount", op)
            self.text(o, "label", op)
        self.unique([(o.get("id"), p + ("one_off", i, "id")) for i, o in enumerate(one_off) if isinstance(o, dict)],
                    "subsidy.one_off")
        self.boolean(data, "requires_pass", p)
        self.text(data, "clause", p)

    def grades(self, data: dict) -> None:
        p = ("grades",)
        self.unknown(data, {"quotas", "rest", "failed", "clause", "bands"}, p)
        if "bands" in data:
            self.grade_bands(data)
            return
        names = []
        if "quotas" not in data:  # grades in rank order need their quotas (was the loader's "missing 'quotas'")
            self.add(p, "missing_key", key="quotas")
        for i, q in enumerate(self.array(data, "quotas", p)):
            qp = p + ("quotas", i)
            if (q := self.table(q, qp)) is None:
                continue
            self.unknown(q, {"grade", "share"}, qp)
            names.append((self.text(q, "grade", qp), qp + ("grade",)))
            share = self.number(q, "share", qp)
            if share is not None and share > 1:
                self.add(qp + ("share",), "weight_out_of_range", key="share", value=share, max=1)
        names += [(self.text(data, "rest", p), p + ("rest",)), (self.text(data, "failed", p), p + ("failed",))]
        self.unique(names, "grades")
        self.text(data, "clause", p)

    def grade_bands(self, data: dict) -> None:
        """Letter grades by score band: every total from total_floor to max_total in exactly one band."""
        p = ("grades",)
        for key in ("quotas", "rest"):
            if key in data:
                self.add(p + (key,), "grades_mixed", key=key)
        raw = self.nonempty(data, "bands", p)
        bands = self.bands(raw, p + ("bands",), None)
        names = [(b.get("grade"), p + ("bands", i, "grade")) for i, b in enumerate(raw)
                 if isinstance(b, dict) and isinstance(b.get("grade"), str)]
        self.unique(names, "grades")
        failed = self.text(data, "failed", p, required=False)
        self.text(data, "clause", p)
        self.grade_names = [name for name, _ in names] + ([failed] if failed and failed not in
                                                            [name for name, _ in names] else [])
        lo, hi = self.total_bounds()
        self.band_range(bands, p + ("bands",), lo, hi)
        before = len(self.problems)
        self.band_order(bands, p + ("bands",), Decimal("0.01"))
        if not bands or len(self.problems) > before:
            return
        ordered = sorted(bands, key=lambda ib: (ib[1].min is not None, ib[1].min or 0))
        (i_low, low), (i_high, high) = ordered[0], ordered[-1]
        if lo is not None and low.min is not None and low.min >= lo and not low.contains(lo):
            self.add(p + ("bands", i_low, "min"), "grade_bands_cover", at=lo, band=low.describe())
        top = self.max_total
        if top is not None and high.max is not None and high.max <= top and not high.contains(top):
            self.add(p + ("bands", i_high, "max"), "grade_bands_cover", at=top, band=high.describe())


def _overlap(a: Band, b: Band) -> str | None:
    """A value both bands contain (as text), or None."""
    probes = set()
    for band in (a, b):
        for edge in (band.min, band.max):
            if edge is not None:
                probes.update({edge, edge - Decimal("0.001"), edge + Decimal("0.001")})
    if a.min is None and a.max is None or b.min is None and b.max is None:
        probes.add(Decimal(0))
    for x in sorted(probes):
        if a.contains(x) and b.contains(x):
            return fmt_num(x)
    return None


def _gap(a: Band, b: Band, grain: Decimal | None) -> str | None:
    """Between band ``a`` (lower) and ``b`` (next one up): a value in neither, as text, or None."""
    lo, hi = a.max, b.min
    if hi < lo:
        return None
    if grain is None:
        if lo < hi:
            return f"{fmt_num(lo)}–{fmt_num(hi)}"
        return None if (a.max_inclusive or b.min_inclusive) else fmt_num(lo)
    first = (lo / grain).to_integral_value(rounding="ROUND_CEILING") * grain
    x = first
    while x <= hi:
        if not a.contains(x) and not b.contains(x):
            return fmt_num(x)
        x += grain
        if x - first > 4 * grain:  # a wide hole: no need to walk it
            return f"{fmt_num(first)}–{fmt_num(hi)}"
    return None
