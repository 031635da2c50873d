"""The scheme checker on bands (issue #18: the survivors of rules.schemes.check `_Checker.bands`, `band_range`,
`band_order` and `unique`).

- FORMAT.md §1 Payment: a band is ``min``/``max`` ("omit min/max for an open end"), ``min_inclusive`` (default
  true), ``max_inclusive`` (default false) and its ``ratio``, "applies to a stage's share" (so at most 1:
  ``weight_out_of_range`` with the key, the value and the bound 1); a band without its ratio/amount is a
  ``missing_key`` at the band. Subsidy: the same bands with an ``amount``. DOMAIN.md §6.1: bands and tiers are written
  with explicit inclusivity — a flag that is not true/false is a ``wrong_type`` (expected bool) at the flag.
- A band whose min is above its max is ``band_inverted``; a band [5, 5] (min = max, both ends in) holds the one value 5
  and is no inversion. A band with a bound that is not a number is said once (``wrong_type`` at the bound) and is not
  then measured against the others (it has no place to overlap them); the bands after it still are.
- `band_range` (its docstring): "a band that no possible value reaches: entirely below ``lo`` or above ``hi``" — a
  band whose max is the lowest total and includes it reaches that total.
- `band_order` (its docstring): "overlaps anywhere; gaps between neighbours": a value of no band between two
  neighbours is ``bands_gap``, even after a pair of neighbours that has nothing to compare (an open top).
- FORMAT.md §4b, letter grades by score band: a band is a ``grade`` with its bounds, its label and consequence
  (the `grade_band` step carries "its label and consequence"); any other key is ``unknown_key`` with the allowed ones.
- `unique`: an id written twice is ``duplicate_id``; a table without its id (said as ``missing_key``) is no
  reason to stop looking at the ids after it.

Each bad file is an edit of the checker's example (checker/example-2024.toml: totals 0 to 22) or of the graded
scheme (tests/rules/scoring/graded/graded-2025.toml); each problem is asserted whole: key, path, line (the line
marked ``# <-``), parameters.
"""
from __future__ import annotations

import pytest

from rules.schemes.check import check_scheme_text
from tests.rules.schemes.test_mutants_check_calendar import GRADED
from tests.rules.schemes.test_mutants_check_levels import EXAMPLE, MARK, _replace, _said

BELOW = {"band": "< −5", "lo": "0", "hi": "22"}  # a band "max = -5": below every total (0 to 22)
RATIO = "min = 12\nmax = 16\nratio = 0.80\n"
GRADE_BAND = '{ grade = "良好", min = 80, max = 90, label = "80分（含）至90分" },'


def _subsidy(*bands: str, one_off: str = "") -> str:
    """The example with a [subsidy] of these bands (each its own lines, an amount of 1000 added)."""
    tables = "".join(f'[[subsidy.bands]]\n{band}\namount = 1000\nlabel = "补贴{i}"\n\n'
                     for i, band in enumerate(bands))
    subsidy = f'[subsidy]\nclause = "按得分给予补贴"\n\n{tables}{one_off}'
    return _replace(EXAMPLE, "[[vetoes]]", subsidy + "[[vetoes]]")


def _graded_said(text: str) -> list[tuple]:
    """`_said` for an edit of the graded scheme."""
    marked = [n for n, line in enumerate(text.splitlines(), 1) if line.endswith(MARK)]
    return [(p.key, p.path, "marked" if [p.line] == marked else p.line, p.params)
            for p in check_scheme_text(text, file_name="graded-2025.toml").problems]


def test_the_bases_are_accepted():
    assert _said(EXAMPLE) == []
    assert _graded_said(GRADED) == []


# -- a payment band's ratio ------------------------------------------------------------------------------------------

def test_a_payment_ratio_above_one_is_out_of_range_with_its_key_value_and_bound():
    text = _replace(EXAMPLE, RATIO, "min = 12\nmax = 16\nratio = 1.5" + MARK + "\n")
    assert _said(text) == [("weight_out_of_range", "payment.bands[1].ratio", "marked",
                            {"key": "ratio", "value": "1.5", "max": "1"})]


def test_a_payment_band_without_its_ratio_is_named_at_the_band():
    text = _replace(_replace(EXAMPLE, RATIO, "min = 12\nmax = 16\n"),
                    "[[payment.bands]]\nmin = 12", "[[payment.bands]]" + MARK + "\nmin = 12")
    assert _said(text) == [("missing_key", "payment.bands[1]", "marked", {"key": "ratio"})]


def test_a_payment_ratio_that_is_not_a_number_is_a_wrong_type_at_the_ratio():
    text = _replace(EXAMPLE, RATIO, 'min = 12\nmax = 16\nratio = "80%"' + MARK + "\n")
    assert _said(text) == [("wrong_type", "payment.bands[1].ratio", "marked", {"key": "ratio", "expected": "number"})]


# -- inclusivity flags -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("flag", ["min_inclusive", "max_inclusive"])
def test_an_inclusivity_flag_that_is_not_true_or_false_is_a_wrong_type_at_the_flag(flag):
    text = _subsidy(f"min = 5\nmax = 10\n{flag} = 1{MARK}")
    assert _said(text) == [("wrong_type", f"subsidy.bands[0].{flag}", "marked", {"key": flag, "expected": "bool"})]


# -- bounds: inverted, a single value, not numbers --------------------------------------------------------------------

def test_a_band_of_one_value_is_not_inverted():
    # [5, 5]: min = max, both ends in: the total 5 and nothing else
    assert _said(_subsidy("min = 5\nmax = 5\nmax_inclusive = true")) == []


def test_bands_after_an_inverted_one_are_still_measured():
    text = _subsidy("min = 8\nmax = 3", "max = -5")
    # the second band (below −5) is out of reach of a total of 0 to 22: said after the first, at its max
    header = text.splitlines().index("[[subsidy.bands]]") + 1
    line = text.splitlines().index("max = -5") + 1
    assert _said(text) == [("band_inverted", "subsidy.bands[0]", header, {"min": "8", "max": "3"}),
                           ("band_out_of_range", "subsidy.bands[1].max", line, BELOW)]


@pytest.mark.parametrize("bad, bound", [
    ('min = "a"' + MARK + "\nmax = 5", "min"),   # the band is not read as "< 5", which would overlap [3, 10)
    ('min = 5\nmax = "a"' + MARK, "max"),        # the band is not read as "≥ 5", which would overlap [3, 10)
], ids=["bad-min", "bad-max"])
def test_a_band_with_a_bound_that_is_not_a_number_is_said_once_and_not_compared(bad, bound):
    text = _subsidy(bad, "min = 3\nmax = 10")
    assert _said(text) == [("wrong_type", f"subsidy.bands[0].{bound}", "marked", {"key": bound, "expected": "number"})]


def test_bands_after_one_with_a_bad_bound_are_still_measured():
    text = _subsidy('min = "a"' + MARK + "\nmax = 5", "max = -5")
    line = text.splitlines().index("max = -5") + 1
    assert _said(text) == [("wrong_type", "subsidy.bands[0].min", "marked", {"key": "min", "expected": "number"}),
                           ("band_out_of_range", "subsidy.bands[1].max", line, BELOW)]


# -- band_range: the lowest total, included ---------------------------------------------------------------------------

def test_a_band_that_ends_at_the_lowest_total_and_includes_it_is_reachable():
    # ≤ 0: the total 0 (the floor) falls in it
    assert _said(_subsidy("max = 0\nmax_inclusive = true")) == []


# -- band_order: gaps after a pair with nothing to compare ------------------------------------------------------------

def test_bands_that_hold_nothing_are_each_said_as_empty():
    # > 10 (open top), then two bands [10, 10) that hold nothing. Once this was said only as a gap at 10 between the
    # two empty bands (the pair (> 10, first empty band) having no edges to compare); now each empty band is said
    # (band_empty) and left out of the order, so the bands that remain are compared (twelfth session)
    text = _subsidy("min = 10\nmin_inclusive = false", "min = 10\nmax = 10", "min = 10\nmax = 10")
    headers = [n for n, line in enumerate(text.splitlines(), 1) if line == "[[subsidy.bands]]"]  # said at each band
    assert _said(text) == [("band_empty", "subsidy.bands[1]", headers[1], {"band": "[10, 10)"}),
                           ("band_empty", "subsidy.bands[2]", headers[2], {"band": "[10, 10)"})]


# -- letter-grade bands ------------------------------------------------------------------------------------------------

def test_a_grade_band_may_carry_its_consequence():
    text = _replace(GRADED, GRADE_BAND, GRADE_BAND[:-3] + ', consequence = "限期整改" },')
    assert _graded_said(text) == []


def test_an_unknown_key_of_a_grade_band_lists_the_keys_a_grade_band_takes():
    text = _replace(GRADED, GRADE_BAND, GRADE_BAND[:-3] + ", ratio = 1 }," + MARK)
    assert _graded_said(text) == [("unknown_key", "grades.bands[1].ratio", "marked", {
        "key": "ratio", "allowed": ["consequence", "grade", "label", "max", "max_inclusive", "min", "min_inclusive"]})]


# -- unique ------------------------------------------------------------------------------------------------------------

def test_a_duplicate_id_after_a_table_without_id_is_found():
    one_off = ('[[subsidy.one_off]]\namount = 10\nlabel = "无编号"\n\n'
               '[[subsidy.one_off]]\nid = "station"\namount = 10\nlabel = "建站"\n\n'
               '[[subsidy.one_off]]\nid = "station"' + MARK + '\namount = 10\nlabel = "再建站"\n\n')
    text = _subsidy("min = 0", one_off=one_off)
    header = text.splitlines().index("[[subsidy.one_off]]") + 1
    assert _said(text) == [("missing_key", "subsidy.one_off[0]", header, {"key": "id"}),
                           ("duplicate_id", "subsidy.one_off[station].id", "marked",
                            {"id": "station", "what": "subsidy.one_off"})]
