"""A sheet as a script reads it (rules.scoring.summary): what `flask score` prints and scheme test cases compare
(rules/schemes/FORMAT.md §6b: total, passed, complete, band, payment_ratio, subsidy, missing, vetoes, lines).
Issue #18: the survivors of the mutation sample in rules.scoring.summary.
"""
from __future__ import annotations

import dataclasses
import tomllib
from decimal import Decimal
from pathlib import Path

import rules.schemes
from rules.schemes import load_scheme
from rules.scoring import score
from rules.scoring.loader import build_scheme
from rules.scoring.summary import sheet_summary
from tests.rules.schemes.test_jindong_2021 import full as jindong_full, judged
from tests.rules.schemes.test_ningming_2024_lot2 import MINUS_10, perfect

D = Decimal
TOP_BAND = "评估分数90分以上（含），给予7万元补贴"


def test_a_complete_sheet_reads_with_every_figure_as_the_sheet_shows_it():
    """seed 001 金东 第十二条（二）: 100 points → the ≥ 90 band, ¥70,000; every figure with two decimals."""
    scheme = load_scheme("jindong-2021")
    sheet = score(scheme, jindong_full(), participant="站点A")
    assert sheet_summary(sheet, scheme, lines=False) == {
        "scheme": "jindong-2021", "scheme_version": sheet.scheme_version, "scheme_sha256": scheme.sha256,
        "participant": "站点A", "complete": True, "total": "100.00", "missing": [], "needs_cohort": [],
        "passed": True, "vetoes": [], "band": TOP_BAND, "payment_ratio": None, "subsidy": "70000.00",
        "rank": None, "grade": None,
    }


def test_the_subsidy_band_is_named_with_or_without_the_scheme_given():
    """FORMAT.md §6b: `band` is the payment or the subsidy band's label. A sheet carries its scheme; the
    scheme given decides when the sheet does not (a sheet read back from a record)."""
    scheme = load_scheme("jindong-2021")
    sheet = score(scheme, jindong_full())
    assert sheet_summary(sheet)["band"] == TOP_BAND
    bare = dataclasses.replace(sheet, _scheme=None)
    assert sheet_summary(bare, scheme)["band"] == TOP_BAND
    assert sheet_summary(bare)["band"] is None  # no scheme at all: no subsidy table to look in


def test_a_total_in_no_subsidy_band_names_no_band():
    """金东 第十二条（二）: below 60 there is no subsidy band (and no subsidy: 第七条, not passed)."""
    scheme = load_scheme("jindong-2021")
    sheet = score(scheme, jindong_full(matching_events=0, worker_satisfaction_pct=D(10),
                                       enterprise_satisfaction_pct=D(10),
                                       offices_in_both_places=False, has_annual_plan=False,
                                       has_management_rules=False, innovation_judgement=judged("4.99")))
    summary = sheet_summary(sheet, scheme, lines=False)
    assert summary["total"] == "59.99"
    assert (summary["band"], summary["subsidy"], summary["passed"]) == (None, "0.00", False)


def test_an_incomplete_sheet_has_no_figures_and_lists_what_is_missing():
    """FORMAT.md §6b: a case with figures missing expects complete = false, total null and missing = […]."""
    scheme = load_scheme("jindong-2021")
    facts = jindong_full()
    del facts["matching_events"]
    summary = sheet_summary(score(scheme, facts), scheme, lines=False)
    assert {k: summary[k] for k in ("complete", "total", "missing", "band", "subsidy", "payment_ratio")} == {
        "complete": False, "total": None, "missing": ["matching_events"], "band": None, "subsidy": None,
        "payment_ratio": None}


def test_each_line_reads_with_its_title_kind_maximum_and_points():
    """FORMAT.md §6b: `[cases.expect.lines]` "category/item" = "4.50"; a line not scored has no points."""
    scheme = load_scheme("jindong-2021")
    facts = jindong_full()
    del facts["matching_events"]
    lines = {line["path"]: line for line in sheet_summary(score(scheme, facts), scheme)["lines"]}
    sheet = score(scheme, facts)
    scored = next(l for l in sheet.lines if l.complete and l.max is not None and l.level != "category")
    assert lines[scored.path] == {"path": scored.path, "title": scored.title, "kind": "regular",
                                  "max": f"{scored.max:.2f}", "points": f"{scored.points:.2f}", "missing": []}
    unscored = next(l for l in sheet.lines if l.missing and l.level != "category")
    assert lines[unscored.path]["points"] is None and lines[unscored.path]["missing"] == ["matching_events"]


def test_the_payment_ratio_reads_with_two_decimals_and_nothing_rounded_away():
    """seed 002 宁明 监督考核: 90 points or more pay 100% ("1.00"), 80–89.99 pay 90% ("0.90"); a ratio with
    more decimals is shown whole (a ratio is never rounded: "0.875", not "0.88")."""
    scheme = load_scheme("ningming-2024-lot2")
    assert sheet_summary(score(scheme, perfect()), scheme)["payment_ratio"] == "1.00"
    assert sheet_summary(score(scheme, perfect(**MINUS_10, months_demand_not_updated=10)), scheme)[
        "payment_ratio"] == "0.90"
    text = (Path(rules.schemes.__file__).parent / "ningming-2024-lot2.toml").read_text(encoding="utf-8")
    assert text.count("ratio = 0.90") == 1
    odd = build_scheme(tomllib.loads(text.replace("ratio = 0.90", "ratio = 0.875"), parse_float=Decimal),
                       file="ningming-odd.toml")
    summary = sheet_summary(score(odd, perfect(**MINUS_10, months_demand_not_updated=10)), odd)
    assert summary["payment_ratio"] == "0.875"
