"""The totals a sheet can reach, and where two score bands overlap (issue #18: the survivors of
rules.schemes.check in `_overlap`, `_Checker.total_bounds`, `_Checker._leaves` and `_Checker.nonempty`).

- FORMAT.md §1 [result]: ``total_floor`` (optional, default 0: the total is never below this) and ``bonus_cap``
  (optional: cap on the sum of all bonus items). `total_bounds` (its docstring): "the totals a sheet can reach:
  from total_floor to max_total plus the bonuses" — each bonus leaf's `cap` (or `max`), wherever it stands in the
  item tree (FORMAT.md §3: category → item → sub-item). A band that no reachable total falls in is
  ``band_out_of_range``, with the band and both bounds.
- FORMAT.md §6b: payment and subsidy bands must not overlap; `_overlap` (its docstring) names "a value both bands
  contain": the probes are each band's edges and a step of 0.001 either side, and 0 when a band has no edge.
- `nonempty` (its docstring): the array, with "empty_list" when it is written empty or left out; a wrong type is
  `array`'s to say (``wrong_type``, at the key).

Each bad file is an edit of the checker's example (checker/example-2024.toml: max_total 20, one bonus item
`media` with cap 2, so totals reach 0 to 22); the problem is asserted whole: key, path, line, parameters. The line
a problem must be reported on carries the marker ``# <-``.
"""
from __future__ import annotations

import pytest

from tests.rules.schemes.test_mutants_check_levels import EXAMPLE, MARK, _replace, _said
PAYMENT_BANDS = EXAMPLE[EXAMPLE.index("[[payment.bands]]"):EXAMPLE.index("[[vetoes]]")]
MEDIA = EXAMPLE[EXAMPLE.index('[[categories.items]]\nid = "media"'):]
ANY = '[[payment.bands]]\nratio = 1.00\nlabel = "任何分数"\n\n'
# a band narrower than the probes' step (0.001), open at both ends: of the edges and their neighbours it holds
# none, it holds 0
NEAR_ZERO = ('[[payment.bands]]\nmin = -0.0005\nmin_inclusive = false\nmax = 0.0005\nratio = 0\n'
             'label = "约0分"\n\n')


def _subsidy(band: str, text: str = EXAMPLE) -> str:
    """The example with a [subsidy] of one band (its bounds `band`, the marked line)."""
    subsidy = (f'[subsidy]\nclause = "按得分给予补贴"\n\n[[subsidy.bands]]\n{band}{MARK}\n'
               'amount = 1000\nlabel = "补贴"\n\n')
    return _replace(text, "[[vetoes]]", subsidy + "[[vetoes]]")


def _floor(value: str) -> str:
    return _replace(EXAMPLE, "pass_inclusive = true", f"pass_inclusive = true\ntotal_floor = {value}")


def test_the_example_is_accepted():
    assert _said(EXAMPLE) == []


# -- total_floor: the lowest total a sheet can reach -------------------------------------------------------------

@pytest.mark.parametrize("floor, band, said", [
    # a floor below 0 (penalties can take the total there): a band below 0 but above the floor is reachable ...
    ("-10", "max = -5", []),
    # ... one below the floor is not, and the floor is the bound it is measured against
    ("-10", "max = -20", [("band_out_of_range", "subsidy.bands[0].max", "marked",
                           {"band": "< −20", "lo": "−10", "hi": "22"})]),
    # a floor above 0: a band below it is out of range, though it is above 0
    ("5", "max = 3", [("band_out_of_range", "subsidy.bands[0].max", "marked", {"band": "< 3", "lo": "5", "hi": "22"})]),
])
def test_a_band_is_measured_against_total_floor(floor, band, said):
    assert _said(_subsidy(band, _floor(floor))) == said


def test_a_total_floor_that_is_not_a_number_is_a_wrong_type_and_no_bound():
    # FORMAT.md §1: total_floor is a number; written as text it is said once, at the key, and the bands are then
    # measured with no lower bound (not from a Decimal of the text)
    text = _floor('"zero"' + MARK)
    assert _said(text) == [("wrong_type", "result.total_floor", "marked", {"key": "total_floor",
                                                                            "expected": "number"})]


# -- the bonuses: max_total plus every bonus leaf's cap -----------------------------------------------------------

AWARD = """
[[categories.items]]
id = "award"
title = "表彰"
kind = "bonus"
cap = 3
clause = "获市级以上表彰的加3分"
method = "per_unit"
fact = "media_reports"
points_per_unit = 3
"""


@pytest.mark.parametrize("band, said", [
    # two bonus items (media, cap 2; award, cap 3): totals reach 20 + 2 + 3 = 25, so a band from 24 is reachable
    ("min = 24", []),
    ("min = 26", [("band_out_of_range", "subsidy.bands[0].min", "marked", {"band": "≥ 26", "lo": "0", "hi": "25"})]),
])
def test_the_highest_total_adds_the_caps_of_every_bonus_item(band, said):
    assert _said(_subsidy(band, EXAMPLE + AWARD)) == said


# the media bonus as a sub-item of a regular item (max 0: no regular sub-items), FORMAT.md §3
MEDIA_GROUP = """[[categories.items]]
id = "media"
title = "媒体报道"
max = 0
clause = "被市级以上媒体报道的，每篇加1分，最多加2分"

[[categories.items.subitems]]
id = "city"
title = "市级以上媒体报道"
kind = "bonus"
cap = 2
clause = "被市级以上媒体报道的，每篇加1分，最多加2分"
method = "per_unit"
fact = "media_reports"
points_per_unit = 1
"""


@pytest.mark.parametrize("band, said", [
    # the bonus sub-item's cap counts like a bonus item's: totals reach 22, so a band from 21 is reachable ...
    ("min = 21", []),
    # ... and one from 23 is not, with 22 as the bound
    ("min = 23", [("band_out_of_range", "subsidy.bands[0].min", "marked", {"band": "≥ 23", "lo": "0", "hi": "22"})]),
])
def test_a_bonus_sub_item_counts_towards_the_highest_total(band, said):
    assert _said(_subsidy(band, _replace(EXAMPLE, MEDIA, MEDIA_GROUP))) == said


# -- overlapping bands --------------------------------------------------------------------------------------------

def test_two_bands_without_bounds_overlap_at_zero():
    # neither band has an edge to probe: they both hold every total, 0 the one named
    text = _replace(EXAMPLE, PAYMENT_BANDS, ANY + ANY.replace("[[payment.bands]]", "[[payment.bands]]" + MARK))
    assert _said(text) == [("bands_overlap", "payment.bands[1]", "marked", {"a": "1", "b": "2", "at": "0"})]


@pytest.mark.parametrize("first, second", [(ANY, NEAR_ZERO), (NEAR_ZERO, ANY)])
def test_a_band_without_bounds_is_probed_at_zero_whichever_comes_first(first, second):
    # a band with no min and no max holds every total: it overlaps the narrow band around 0, found at 0 (the narrow
    # band's edges and their neighbours 0.001 away are all outside it), whether it is the first band or the second
    text = _replace(EXAMPLE, PAYMENT_BANDS, first + second.replace("[[payment.bands]]", "[[payment.bands]]" + MARK))
    assert _said(text) == [("bands_overlap", "payment.bands[1]", "marked", {"a": "1", "b": "2", "at": "0"})]


def test_bands_open_above_an_excluded_edge_overlap_just_above_it():
    # "> 16" and "≥ 12" (no max): they share every total above 16, of the probes only 16.001 (16 itself is not in
    # the first band, 15.999 neither, and 11.999, 12, 12.001 neither)
    text = _replace(_replace(EXAMPLE, "min = 16\nratio", "min = 16\nmin_inclusive = false\nratio"),
                    "[[payment.bands]]\nmin = 12\nmax = 16\n", "[[payment.bands]]" + MARK + "\nmin = 12\n")
    assert _said(text) == [("bands_overlap", "payment.bands[1]", "marked", {"a": "1", "b": "2", "at": "16.001"})]


# -- nonempty: a wrong type is said by `array`, at the key --------------------------------------------------------

def test_subsidy_bands_that_are_not_an_array_are_a_wrong_type_at_the_key():
    subsidy = f'[subsidy]\nclause = "按得分给予补贴"\nbands = 5{MARK}\n\n'
    text = _replace(EXAMPLE, "[[vetoes]]", subsidy + "[[vetoes]]")
    assert _said(text) == [("wrong_type", "subsidy.bands", "marked", {"key": "bands", "expected": "array"})]
