"""A sheet as a script reads it: points as strings with two decimals, no total while incomplete.

``sheet_summary(sheet)`` is what `flask score` prints as JSON (one line per facts file in a batch) and
what scheme test cases are compared with. Unlike ``sheet_to_dict`` (the frozen record of an approval,
exact Decimals), every figure here is as the sheet shows it: "3.00", "−" written "-" for JSON, and
``"total": null`` with the missing facts listed when the sheet cannot be completed.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from rules.scoring.engine import ScoreSheet
from rules.scoring.model import Scheme
from rules.scoring.numbers import CENT, round_points


def points(value: Decimal | None) -> str | None:
    """Two decimals, half up, ASCII minus: "3.00", "-0.50", "0.00" (never "-0.00")."""
    if value is None:
        return None
    shown = round_points(Decimal(value))
    if shown == 0:
        shown = abs(shown)
    return f"{shown:.2f}"


def _ratio(value: Decimal | None) -> str | None:
    """A payment ratio: "1.00", "0.95", "0.875" (at least two decimals, nothing rounded away)."""
    if value is None:
        return None
    value = Decimal(value)
    cents = value.quantize(CENT)
    return str(cents if cents == value else value.normalize())


def band_label(scheme: Scheme | None, sheet: ScoreSheet) -> str | None:
    """The payment band the total falls in, or the subsidy band (金东); None while incomplete."""
    if sheet.payment_band is not None:
        return sheet.payment_band.label or None
    if scheme is not None and scheme.subsidy is not None and sheet.complete:
        band = next((b for b in scheme.subsidy.bands if b.contains(sheet.total)), None)
        return band.label if band is not None else None
    return None


def sheet_summary(sheet: ScoreSheet, scheme: Scheme | None = None, *, lines: bool = True) -> dict[str, Any]:
    scheme = scheme if scheme is not None else getattr(sheet, "_scheme", None)
    needs_cohort = [line.path for line in sheet.lines if line.needs_cohort]
    out: dict[str, Any] = {
        "scheme": sheet.scheme_id,
        "scheme_version": sheet.scheme_version,
        "scheme_sha256": sheet.scheme_sha256,
        "participant": sheet.participant,
        "complete": sheet.complete,
        "total": points(sheet.total) if sheet.complete else None,
        "missing": list(sheet.missing_facts),
        "needs_cohort": needs_cohort,
        "passed": sheet.passed,
        "vetoes": [v.id for v in sheet.vetoes],
        "band": band_label(scheme, sheet),
        "payment_ratio": _ratio(sheet.payment_ratio) if sheet.complete else None,
        "subsidy": points(sheet.subsidy) if sheet.complete and sheet.subsidy is not None else None,
        "rank": sheet.rank,
        "grade": sheet.grade,
    }
    if lines:
        out["lines"] = [{
            "path": line.path, "title": line.title, "kind": line.kind, "max": points(line.max),
            "points": points(line.points) if line.complete else None, "missing": list(line.missing),
        } for line in sheet.lines]
    return out
