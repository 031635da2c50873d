"""The scheme checker on a ``tiers`` item (issue #18: the survivors of rules.schemes.check._Checker.m_tiers and
_gap, 2026-12-07).

rules/schemes/FORMAT.md §3 "Methods": ``tiers`` takes ``fact``, ``tiers = [{min, max, min_inclusive=true,
max_inclusive=false, points}]`` and ``otherwise`` (0), "points of the first tier containing the value", for count
tiers and percentage bands alike. §6b: the checker reports "overlapping or gapped bands" and unknown facts, each
problem with its line, its path and all the parameters the portal words it from. The fact is numeric (count,
number, percent); a count or a percent is never below 0 and a percent never above 100 unless the fact says
otherwise (its ``min`` / ``max``), so a tier beyond that is ``band_out_of_range``; a count is whole, so a hole
between two tiers of a count is looked for on whole counts (test_mutants_check.py has the 1-wide one, "79").

Each bad file edits the checker's example (tests/rules/schemes/checker/example-2024.toml): its ``satisfaction``
item, 满意度80%以上得4分，60%至80%得2分, on the percent fact ``satisfaction_pct``. The problem is reported on the
line marked ``# <-``.
"""
from __future__ import annotations

import pytest

from rules.schemes.check import check_scheme_text
from tests.rules.schemes.test_mutants_check import EXAMPLE, MARK

ITEM = "categories[quality].items[satisfaction]"
TIERS = ('tiers = [\n  { min = 80, points = 4, label = "80%以上" },\n'
         '  { min = 60, max = 80, points = 2, label = "60%至80%" },\n]')
HEAD = '[[categories.items]]\nid = "satisfaction"'
FACT = 'kind = "percent"\nunit = "%"\nexample = 85'  # [facts.satisfaction_pct]
COUNT = 'kind = "count"\nunit = "人"\nexample = 85'  # the same fact made a count of people
NUMERIC = ["count", "number", "percent"]


def tiers(*rows: str) -> str:
    """An inline array of tiers, one a line (a row ending in the marker keeps it at the end of its line)."""
    return "tiers = [\n" + "".join(f"  {row.removesuffix(MARK)},{MARK if row.endswith(MARK) else ''}\n"
                                    for row in rows) + "]"


def _edit(*edits: tuple[str, str]) -> str:
    text = EXAMPLE
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def _said(text: str) -> list[tuple]:
    """Every problem as (key, line, path, params), a marked line as "marked <its rank among the marked lines>"."""
    marked = [n for n, line in enumerate(text.splitlines(), 1) if line.endswith(MARK)]
    return [(p.key, f"marked {marked.index(p.line) + 1}" if p.line in marked else p.line, p.path, p.params)
            for p in check_scheme_text(text, file_name="example-2024.toml").problems]


def test_the_example_is_clean():
    assert _said(EXAMPLE) == []


# ([(text replaced, replacement)], [(key, marked line, path, params)])
BAD = [
    # -- the fact: known, and numeric ----------------------------------------------------------------------
    pytest.param([('fact = "satisfaction_pct"', 'fact = "satisfaction"' + MARK)],
                 [("unknown_fact", 1, f"{ITEM}.fact", {"fact": "satisfaction"})], id="unknown-fact"),
    pytest.param([('fact = "satisfaction_pct"', 'fact = "credit_grade"' + MARK)],
                 [("fact_kind_mismatch", 1, f"{ITEM}.fact", {"fact": "credit_grade", "kind": "choice",
                                                             "needed": NUMERIC})], id="choice-fact"),
    pytest.param([('fact = "satisfaction_pct"', 'fact = "has_plan"' + MARK)],
                 [("fact_kind_mismatch", 1, f"{ITEM}.fact", {"fact": "has_plan", "kind": "bool", "needed": NUMERIC})],
                 id="bool-fact"),
    # -- the tiers: an array, not empty (written empty: at `tiers`; left out: at the item) --------------------
    pytest.param([(TIERS, "tiers = []" + MARK)], [("empty_list", 1, f"{ITEM}.tiers", {"key": "tiers"})],
                 id="tiers-empty"),
    pytest.param([(HEAD, HEAD.replace("[[categories.items]]", "[[categories.items]]" + MARK)), (TIERS + "\n", "")],
                 [("empty_list", 1, ITEM, {"key": "tiers"})], id="tiers-left-out"),
    # -- otherwise: a number -------------------------------------------------------------------------------
    pytest.param([(TIERS, TIERS + '\notherwise = "0"' + MARK)],
                 [("wrong_type", 1, f"{ITEM}.otherwise", {"key": "otherwise", "expected": "number"})],
                 id="otherwise-text"),
    pytest.param([(TIERS, TIERS + "\notherwise = -1" + MARK)],
                 [("negative", 1, f"{ITEM}.otherwise", {"key": "otherwise", "value": "\u22121"})],
                 id="otherwise-negative"),
    # -- the range of the fact -----------------------------------------------------------------------------
    # the fact's own min (80): the tier [60, 80) is below every value it can take
    pytest.param([(FACT, FACT.replace("example = 85", "min = 80\nexample = 85")),
                  ('label = "60%至80%" },', 'label = "60%至80%" },' + MARK)],
                 [("band_out_of_range", 1, f"{ITEM}.tiers[1].max", {"band": "[60, 80)", "lo": "80", "hi": "100"})],
                 id="tier-below-the-fact-min"),
    # a count is never negative: a tier below 0 is never reached (and 0 to 60 is a hole)
    pytest.param([(FACT, COUNT), (TIERS, tiers('{ min = 80, points = 4 }', '{ min = 60, max = 80, points = 2 }',
                                               '{ max = 0, points = 0 }' + MARK))],
                 [("band_out_of_range", 1, f"{ITEM}.tiers[2].max", {"band": "< 0", "lo": "0", "hi": "∞"}),
                  ("bands_gap", 1, f"{ITEM}.tiers[2].max", {"a": "3", "b": "2", "at": "0"})],
                 id="count-tier-below-0"),
    # a percent is never above 100: a tier above 100% is never reached
    pytest.param([(TIERS, tiers('{ min = 100, min_inclusive = false, points = 0 }' + MARK,
                                '{ min = 80, max = 100, max_inclusive = true, points = 4 }',
                                '{ min = 60, max = 80, points = 2 }'))],
                 [("band_out_of_range", 1, f"{ITEM}.tiers[0].min", {"band": "> 100", "lo": "0", "hi": "100"})],
                 id="percent-tier-above-100"),
    # -- gaps: a percent is any number, a count a whole one --------------------------------------------------
    # a percent between 79.5 and 80 scores nothing
    pytest.param([(TIERS, tiers('{ min = 80, points = 4 }', '{ min = 60, max = 79.5, points = 2 }' + MARK))],
                 [("bands_gap", 1, f"{ITEM}.tiers[1].max", {"a": "2", "b": "1", "at": "79.5–80"})],
                 id="percent-gap"),
    # 80 itself is in neither tier ([60, 80) and above 80): one value, for a percent and for a count
    pytest.param([(TIERS, tiers('{ min = 80, min_inclusive = false, points = 4 }',
                                '{ min = 60, max = 80, points = 2 }' + MARK))],
                 [("bands_gap", 1, f"{ITEM}.tiers[1].max", {"a": "2", "b": "1", "at": "80"})],
                 id="percent-gap-at-80"),
    pytest.param([(FACT, COUNT), (TIERS, tiers('{ min = 80, min_inclusive = false, points = 4 }',
                                               '{ min = 60, max = 80, points = 2 }' + MARK))],
                 [("bands_gap", 1, f"{ITEM}.tiers[1].max", {"a": "2", "b": "1", "at": "80"})],
                 id="count-gap-at-80"),
    # a count between 79.5 and 80 is no count at all: no gap; between 78.5 and 80 it is 79
    pytest.param([(FACT, COUNT), (TIERS, tiers('{ min = 80, points = 4 }', '{ min = 60, max = 78.4, points = 2 }'
                                               + MARK))],
                 [("bands_gap", 1, f"{ITEM}.tiers[1].max", {"a": "2", "b": "1", "at": "79"})],
                 id="count-gap-above-a-fraction"),
    # the hole above a tier with no whole count in it ([10.2, 10.4)) starts at the next whole count, 11
    pytest.param([(FACT, COUNT), (TIERS, tiers('{ min = 20, points = 4 }', '{ min = 10.2, max = 10.4, points = 2 }'
                                               + MARK, '{ min = 0, max = 10, points = 1 }' + MARK))],
                 [("bands_gap", 1, f"{ITEM}.tiers[1].max", {"a": "2", "b": "1", "at": "11"}),
                  ("bands_gap", 2, f"{ITEM}.tiers[2].max", {"a": "3", "b": "2", "at": "10"})],
                 id="count-gap-above-a-narrow-tier"),
]


@pytest.mark.parametrize("edits, expected", BAD)
def test_a_bad_tiers_item_is_told_exactly_what_and_where(edits, expected):
    text = _edit(*edits)
    assert _said(text) == [(key, f"marked {mark}", path, params) for key, mark, path, params in expected]


def test_tiers_not_an_array_is_a_wrong_type_at_tiers():
    text = _edit((TIERS, "tiers = 5" + MARK))
    # only it: it was also said as an empty list
    assert _said(text) == [("wrong_type", "marked 1", f"{ITEM}.tiers", {"key": "tiers", "expected": "array"})]


GOOD = [
    # a count between 79.5 and 80 is no count: tiers [60, 79.5) and ≥ 80 of a count leave no hole
    pytest.param([(FACT, COUNT), (TIERS, tiers('{ min = 80, points = 4 }', '{ min = 60, max = 79.5, points = 2 }'))],
                 id="count-no-whole-count-between"),
    # 80 in the upper tier, or in the lower one
    pytest.param([(TIERS, tiers('{ min = 80, min_inclusive = false, points = 4 }',
                                '{ min = 60, max = 80, max_inclusive = true, points = 2 }'))],
                 id="80-in-the-lower-tier"),
    pytest.param([(FACT, COUNT), (TIERS, tiers('{ min = 80, min_inclusive = false, points = 4 }',
                                               '{ min = 60, max = 80, max_inclusive = true, points = 2 }'))],
                 id="count-80-in-the-lower-tier"),
    # 100% itself may be a tier of its own
    pytest.param([(TIERS, tiers('{ min = 100, points = 4 }', '{ min = 60, max = 100, points = 2 }'))],
                 id="percent-tier-at-100"),
    pytest.param([(TIERS, TIERS + "\notherwise = 0")], id="otherwise-0"),
]


@pytest.mark.parametrize("edits", GOOD)
def test_a_correct_tiers_item_has_nothing_to_report(edits):
    assert _said(_edit(*edits)) == []
