"""Test cases of a scheme: facts in, the figures the bureau expects out (in the spirit of OpenFisca's tests).

A cases file is TOML (or JSON with the same shape)::

    [[cases]]
    name = "推荐1950人，迟报1次"
    [cases.facts]
    referrals = 1950
    late_reports = 1
    innovation = { value = 2, reason = "新建线上平台" }
    [cases.expect]
    total = "8.40"                 # or a number; as the sheet shows it (two decimals)
    passed = true
    complete = true                # an incomplete sheet has no total: expect complete = false and missing
    band = "16分（含）以上全额支付"   # the payment (or subsidy) band's label
    grade = "良好"                  # the letter grade (schemes with [grades] bands)
    payment_ratio = "1.00"
    missing = []                   # facts the sheet still needs
    vetoes = []                    # ids of the vetoes that apply
    [cases.expect.lines]
    "work/referrals" = "4.50"      # a line by its path: category/item[/subitem]

``run_cases(scheme, text)`` scores every case and compares; each mismatch names what was expected and what
the sheet gave. Pure: the CLI (and later the upload page) render the results.
"""
from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from rules.scoring.engine import score
from rules.scoring.model import FactsError, Scheme
from rules.scoring.summary import points, sheet_summary

EXPECT_KEYS = ("total", "passed", "complete", "band", "grade", "payment_ratio", "subsidy", "missing", "vetoes",
               "lines")


class CasesError(ValueError):
    """The cases file cannot be read: ``key`` names the problem, ``params`` its details (see ``problem``)."""

    def __init__(self, problem: str, /, **params: Any):
        self.key = problem
        self.params = {k: str(v) for k, v in params.items()}
        super().__init__(f"{problem}: {self.params}")


@dataclass(frozen=True)
class Mismatch:
    what: str  # total | passed | complete | band | grade | payment_ratio | subsidy | missing | vetoes | line
    expected: str
    actual: str
    path: str = ""  # for a line


@dataclass(frozen=True)
class CaseResult:
    number: int  # 1-based, in file order
    name: str
    mismatches: list[Mismatch] = field(default_factory=list)
    error: str = ""  # the facts were refused (FactsError), in the engine's words
    error_fact: str = ""

    @property
    def passed(self) -> bool:
        return not self.mismatches and not self.error


def parse_cases(text: str | bytes, *, json_format: bool = False) -> list[dict[str, Any]]:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise CasesError("cases_encoding") from None
    try:
        data = json.loads(text, parse_float=Decimal) if json_format else tomllib.loads(text, parse_float=Decimal)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CasesError("cases_syntax", detail=exc) from None
    cases = data.get("cases") if isinstance(data, dict) else None
    if not isinstance(cases, list) or not cases:
        raise CasesError("cases_none")
    for n, case in enumerate(cases, 1):
        if not isinstance(case, dict) or not isinstance(case.get("facts"), dict):
            raise CasesError("cases_no_facts", case=n)
        expect = case.get("expect")
        if not isinstance(expect, dict) or not expect:
            raise CasesError("cases_no_expect", case=n)
        unknown = sorted(set(expect) - set(EXPECT_KEYS))
        if unknown:
            raise CasesError("cases_unknown_expect", case=n, key=", ".join(unknown), allowed=", ".join(EXPECT_KEYS))
    return cases


def _as_points(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value)
    try:
        return points(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return str(value)


def _json(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


def run_case(scheme: Scheme, case: dict[str, Any], number: int) -> CaseResult:
    name = str(case.get("name") or f"#{number}")
    try:
        sheet = score(scheme, case["facts"])
    except FactsError as exc:
        return CaseResult(number, name, error=exc.problem, error_fact=exc.key)
    got = sheet_summary(sheet, scheme)
    by_path = {line["path"]: line for line in got["lines"]}
    out: list[Mismatch] = []
    expect = case["expect"]
    for key in EXPECT_KEYS:
        if key not in expect:
            continue
        want = expect[key]
        if key in ("total", "subsidy"):
            if _as_points(want) != _json(got[key]):
                out.append(Mismatch(key, _as_points(want), _json(got[key])))
        elif key == "payment_ratio":
            if got[key] is None or Decimal(str(want)) != Decimal(got[key]):
                out.append(Mismatch(key, str(want), _json(got[key])))
        elif key in ("passed", "complete", "band", "grade"):
            if want != got[key]:
                out.append(Mismatch(key, _json(want), _json(got[key])))
        elif key in ("missing", "vetoes"):
            if sorted(map(str, want or [])) != sorted(got[key]):
                out.append(Mismatch(key, _json(sorted(map(str, want or []))), _json(sorted(got[key]))))
        elif key == "lines":
            for path, value in want.items():
                line = by_path.get(path)
                actual = "no_such_line" if line is None else _json(line["points"])
                if _as_points(value) != actual:
                    out.append(Mismatch("line", _as_points(value), actual, path))
    return CaseResult(number, name, out)


def run_cases(scheme: Scheme, text: str | bytes, *, json_format: bool = False) -> list[CaseResult]:
    return [run_case(scheme, case, n) for n, case in enumerate(parse_cases(text, json_format=json_format), 1)]
