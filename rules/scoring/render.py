"""Pure helpers the portal CLI calls: a sheet as a text table, and as JSON-able dicts."""
from __future__ import annotations

import unicodedata
from decimal import Decimal
from typing import Any

from rules.scoring.engine import CohortResult, Line, ScoreSheet
from rules.scoring.facts import Judgement
from rules.scoring.numbers import fmt_pts


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Judgement):
        return {"value": str(value.value), "reason": value.reason}
    if isinstance(value, (tuple, list)):
        return [_json_value(v) for v in value]
    return value


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def line_to_dict(line: Line) -> dict[str, Any]:
    return {
        "path": line.path, "id": line.id, "level": line.level, "title": line.title, "kind": line.kind,
        "max": _dec(line.max), "method": line.method, "clause": line.clause,
        "points": str(line.points), "explanation": line.explanation,
        "inputs": {k: _json_value(v) for k, v in line.inputs.items()},
        "missing": list(line.missing), "needs_cohort": line.needs_cohort,
        "steps": list(line.steps),
    }


def sheet_to_dict(sheet: ScoreSheet) -> dict[str, Any]:
    """JSON-able: Decimals as strings ("85.50"), so nothing is lost in transit."""
    return {
        "scheme": sheet.scheme_id,
        "scheme_version": sheet.scheme_version,
        "scheme_sha256": sheet.scheme_sha256,
        "participant": sheet.participant,
        "total": str(sheet.total),
        "total_exact": str(sheet.total_exact),
        "total_explanation": sheet.total_explanation,
        "regular_total": str(sheet.regular_total),
        "bonus_total": str(sheet.bonus_total),
        "penalty_total": str(sheet.penalty_total),
        "complete": sheet.complete,
        "missing_facts": list(sheet.missing_facts),
        "passed": sheet.passed,
        "result_explanation": sheet.result_explanation,
        "vetoes": [{"id": v.id, "effect": v.effect, "clause": v.clause, "explanation": v.explanation,
                    "steps": list(v.steps)} for v in sheet.vetoes],
        "disqualified": sheet.disqualified,
        "terminated": sheet.terminated,
        "payment_ratio": _dec(sheet.payment_ratio),
        "payment_explanation": sheet.payment_explanation,
        "payment_band": None if sheet.payment_band is None else {
            "label": sheet.payment_band.label, "ratio": str(sheet.payment_band.value),
            "consequence": sheet.payment_band.consequence,
            "rectify_within_months": sheet.payment_band.rectify_within_months,
            **({"grade": sheet.payment_band.grade} if sheet.payment_band.grade else {})},
        "subsidy": _dec(sheet.subsidy),
        "subsidy_explanation": sheet.subsidy_explanation,
        "rank": sheet.rank,
        "grade": sheet.grade,
        "grade_explanation": sheet.grade_explanation,
        "derivations": dict(sheet.derivations),
        "total_steps": list(sheet.total_steps),
        "result_steps": list(sheet.result_steps),
        "payment_steps": list(sheet.payment_steps),
        "subsidy_steps": list(sheet.subsidy_steps),
        "grade_steps": list(sheet.grade_steps),
        "items": [line_to_dict(l) for l in sheet.lines],
    }


def cohort_to_dict(result: CohortResult) -> dict[str, Any]:
    return {
        "scheme": result.scheme_id,
        "scheme_version": result.scheme_version,
        "complete": result.complete,
        "participants": [
            {"participant": s.participant, "total": str(s.total), "rank": s.rank, "grade": s.grade,
             "passed": s.passed, "complete": s.complete, "grade_explanation": s.grade_explanation,
             "grade_steps": list(s.grade_steps)}
            for s in result.ranking()
        ],
        "sheets": {who: sheet_to_dict(s) for who, s in result.sheets.items()},
    }


def render_sheet(sheet: ScoreSheet) -> str:
    """A readable text table: one row per line, then the totals, result, payment, rank and grade."""
    rows = []
    for line in sheet.lines:
        indent = {"category": "", "item": "  ", "subitem": "    "}[line.level]
        maximum = fmt_pts(line.max) if line.max is not None else {"bonus": "bonus", "penalty": "penalty"}.get(line.kind, "")
        points = "—" if not line.complete and line.method != "sum" else fmt_pts(line.points, signed=line.kind == "bonus")
        rows.append((indent + line.title, maximum, points, line.explanation))
    widths = [max(_width(r[i]) for r in rows + [("item", "max", "points", "")]) for i in range(3)]
    header = f"{_pad('item', widths[0])}  {_pad('max', widths[1])}  {_pad('points', widths[2])}  how"
    out = [f"{sheet.scheme_version}" + (f" — {sheet.participant}" if sheet.participant else ""), header,
           "-" * (_width(header) + 20)]
    for title, maximum, points, text in rows:
        out.append(f"{_pad(title, widths[0])}  {_pad(maximum, widths[1])}  {_pad(points, widths[2])}  {text}")
    out.append("-" * (_width(header) + 20))
    for key, text in sheet.derivations.items():
        out.append(f"derived: {text}")
    out.append(f"total: {fmt_pts(sheet.total)}  ({sheet.total_explanation})")
    out.append(f"result: {sheet.result_explanation}")
    if sheet.missing_facts:
        out.append(f"missing facts: {', '.join(sheet.missing_facts)}")
    if sheet.payment_explanation:
        out.append(f"payment: {sheet.payment_explanation}")
    if sheet.subsidy_explanation:
        out.append(f"subsidy: {sheet.subsidy_explanation}")
    if sheet.rank is not None:
        out.append(f"rank: {sheet.rank}")
    if sheet.grade is not None:
        out.append(f"grade: {sheet.grade} ({sheet.grade_explanation})")
    return "\n".join(out)


def render_cohort(result: CohortResult) -> str:
    rows = [(str(s.rank) if s.rank is not None else "—", s.participant or "", fmt_pts(s.total),
             {True: "passed", False: "failed", None: "incomplete"}[s.passed], s.grade or "—")
            for s in result.ranking()]
    head = ("rank", "participant", "total", "result", "grade")
    widths = [max(_width(r[i]) for r in rows + [head]) for i in range(5)]
    lines = ["  ".join(_pad(h, w) for h, w in zip(head, widths))]
    lines += ["  ".join(_pad(c, w) for c, w in zip(r, widths)) for r in rows]
    return f"{result.scheme_version}\n" + "\n".join(lines)
