"""The scheme checker on a `checklist` item and its `cap` (issue #18: the survivors of rules.schemes.check in
`_Checker.m_checklist` and `_Checker.cap`).

- FORMAT.md §4, method table: `checklist` takes `entries = [{label, points, when}]` and scores "Σ points of entries
  whose `when` holds, ≤ cap"; "`cap` defaults to the leaf's `max`". A regular checklist whose entries cannot add up
  to its cap is ``checklist_short`` (portal/schemes/problems.py: "各检查项分值合计%(sum)s，达不到本项分值%(max)s"),
  with the sum and the cap.
- A cap above the leaf's max is ``exceeds_max``; each entry is a table with only `label`, `points` and `when`.

Each bad file is an edit of the checker's example (checker/example-2024.toml), whose 工作计划 item is a checklist
of max 3 with one entry of 3 points; the problem is asserted whole: key, path, line (``# <-``), parameters.
"""
from __future__ import annotations

import pytest

from tests.rules.schemes.test_mutants_check_levels import EXAMPLE, MARK, _replace, _said

PLAN = "categories[quality].items[plan]"
ENTRIES = 'entries = [{ label = "有年度工作计划", points = 3, when = { fact = "has_plan", is = true } }]'
WHEN = 'when = { fact = "has_plan", is = true }'


def _plan(new: str) -> list[tuple]:
    """What the checker says of the example with the plan item's entries line replaced by `new`."""
    return _said(_replace(EXAMPLE, ENTRIES, new))


def _entries(*entries: str) -> str:
    return "entries = [" + ", ".join("{ " + e + " }" for e in entries) + "]"


def test_the_example_s_checklist_is_accepted():
    assert _plan(ENTRIES) == []


# -- the cap: written, or the leaf's max ----------------------------------------------------------------------------

def test_a_written_cap_is_what_the_entries_must_reach_not_the_max():
    # FORMAT.md §4: the checklist scores ≤ cap; cap 2 below max 3, entries of 2: they reach the cap, nothing to say
    assert _plan("cap = 2\n" + _entries(f'label = "a", points = 2, {WHEN}')) == []


def test_entries_short_of_the_max_are_checklist_short_with_the_sum_and_the_max():
    # no cap: the cap is the leaf's max (3); entries of 0 and 2 add up to 2 (an entry of 0 adds nothing)
    text = _entries(f'label = "a", points = 0, {WHEN}', f'label = "b", points = 2, {WHEN}') + MARK
    assert _plan(text) == [("checklist_short", f"{PLAN}.entries", "marked", {"sum": "2", "max": "3"})]


def test_entries_short_of_a_written_cap_are_checklist_short_with_the_cap():
    text = "cap = 2\n" + _entries(f'label = "a", points = 1, {WHEN}') + MARK
    assert _plan(text) == [("checklist_short", f"{PLAN}.entries", "marked", {"sum": "1", "max": "2"})]


def test_a_cap_that_is_not_a_number_is_a_wrong_type_at_the_cap():
    assert _plan('cap = "2"' + MARK + "\n" + ENTRIES) == [
        ("wrong_type", f"{PLAN}.cap", "marked", {"key": "cap", "expected": "number"})]


def test_a_cap_above_the_max_is_exceeds_max_at_the_cap():
    # entries of 3 and 2 reach the cap 5; the cap itself is above the leaf's max 3
    text = "cap = 5" + MARK + "\n" + _entries(f'label = "a", points = 3, {WHEN}', f'label = "b", points = 2, {WHEN}')
    assert _plan(text) == [("exceeds_max", f"{PLAN}.cap", "marked", {"key": "cap", "value": "5", "max": "3"})]


# -- the entries ----------------------------------------------------------------------------------------------------

def test_a_checklist_without_entries_is_empty_list_at_the_item():
    # `entries` left out: said at the item (its [[categories.items]] line), not at a key the file does not have
    text = _replace(EXAMPLE, ENTRIES + "\n", "")
    lines = text.splitlines()
    header = lines.index('id = "plan"')  # the line before it (1-based: this index) is the item's header
    assert lines[header - 1] == "[[categories.items]]"
    assert _said(text) == [("empty_list", PLAN, header, {"key": "entries"})]


def test_an_empty_entries_array_is_empty_list_at_the_key():
    assert _plan("entries = []" + MARK) == [("empty_list", f"{PLAN}.entries", "marked", {"key": "entries"})]


def test_entries_that_are_not_an_array_are_a_wrong_type_at_the_key():
    # `array`: a wrong type is said at the key, and only it (it was also said as an empty list: the report of #18)
    assert _plan("entries = 5" + MARK) == [
        ("wrong_type", f"{PLAN}.entries", "marked", {"key": "entries", "expected": "array"})]


def test_an_entry_that_is_not_a_table_is_said_and_the_next_entry_is_still_checked():
    text = "entries = [5, " + '{ label = "b", points = 3 }]' + MARK
    assert _plan(text) == [
        ("wrong_type", f"{PLAN}.entries[0]", "marked", {"key": "0", "expected": "table"}),
        ("missing_key", f"{PLAN}.entries[1]", "marked", {"key": "when"})]


@pytest.mark.parametrize("entry, said", [
    # only label, points and when
    (f'label = "a", points = 3, note = "x", {WHEN}',
     ("unknown_key", f"{PLAN}.entries[0].note", {"key": "note", "allowed": ["label", "points", "when"]})),
    # a label is required
    (f"points = 3, {WHEN}", ("missing_key", f"{PLAN}.entries[0]", {"key": "label"})),
    (f"label = 3, points = 3, {WHEN}", ("wrong_type", f"{PLAN}.entries[0].label", {"key": "label",
                                                                                    "expected": "string"})),
])
def test_a_bad_entry_is_said_at_the_entry(entry, said):
    key, path, params = said
    assert _plan(_entries(entry) + MARK) == [(key, path, "marked", params)]


def test_an_entry_s_points_below_zero_are_said_at_the_points():
    # the first entry reaches the max alone, so the second's bad points are the only problem
    text = _entries(f'label = "a", points = 3, {WHEN}', f'label = "b", points = -1, {WHEN}') + MARK
    assert _plan(text) == [("negative", f"{PLAN}.entries[1].points", "marked", {"key": "points", "value": "−1"})]


# -- what the entries add up to, once each is said at most once (twelfth session) ---------------------------------

def test_a_cap_above_the_max_is_said_once_and_the_entries_are_measured_against_the_max():
    # cap = 4 on an item of max 3 whose entries add up to 3: exceeds_max, and nothing short (the item awards at most
    # its max); the entries were measured against the cap and "short" by 1 as well
    assert _plan("cap = 4" + MARK + "\n" + ENTRIES) == [
        ("exceeds_max", f"{PLAN}.cap", "marked", {"key": "cap", "value": "4", "max": "3"})]


def test_entries_short_of_a_cap_above_the_max_are_measured_against_the_max():
    entries = ENTRIES.replace("points = 3", "points = 2")
    text = _replace(EXAMPLE, ENTRIES, "cap = 4" + MARK + "\n" + entries)
    at = text.splitlines().index(entries) + 1  # the line after the cap's
    assert _plan("cap = 4" + MARK + "\n" + entries) == [
        ("exceeds_max", f"{PLAN}.cap", "marked", {"key": "cap", "value": "4", "max": "3"}),
        ("checklist_short", f"{PLAN}.entries", at, {"sum": "2", "max": "3"})]


def test_an_entry_whose_points_are_not_a_number_is_said_once_and_no_sum_is_made():
    # the entries' sum is not known: it was said as 0 short of the max as well
    assert _plan(ENTRIES.replace("points = 3", 'points = "3"') + MARK) == [
        ("wrong_type", f"{PLAN}.entries[0].points", "marked", {"key": "points", "expected": "number"})]
