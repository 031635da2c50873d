"""A `[[cycles]]` entry is validated on load (rules/schemes/FORMAT.md §1, `[[cycles]]`: id, label and an optional
`months`, "length of the cycle in months"): a bad entry is refused with the file, its path (`cycles[<i>]` or
`cycles[<i>].<field>`) and the problem, word for word, and a good one keeps its months as written.
Issue #18: survivors of rules.scoring.loader (_Builder.cycle, _Builder.no_unknown). Each case edits the small valid
scheme of test_loader.py.
"""
from __future__ import annotations

import copy
import tomllib
from decimal import Decimal

import pytest

from rules.scoring import SchemeError
from rules.scoring.loader import build_scheme
from tests.rules.scoring.test_loader import GOOD

FILE = "tiny-2024.toml"
BASE = tomllib.loads(GOOD, parse_float=Decimal)
MONTHS = "expected a positive whole number of months, got"


def with_cycle(entry):
    """The valid scheme with a second cycle `entry` (a table, or anything to test the shape) as cycles[1]."""
    out = copy.deepcopy(BASE)
    out["cycles"].append(entry)
    return out


def cycle(**fields):
    """A cycle table: id "half", label "半年", changed by `fields`; a field given as None is left out."""
    entry = {"id": "half", "label": "半年", **fields}
    return {k: v for k, v in entry.items() if v is not None}


def refusal(entry) -> str:
    with pytest.raises(SchemeError) as caught:
        build_scheme(with_cycle(entry), file=FILE)
    return str(caught.value)


@pytest.mark.parametrize("entry, message", [
    (3, "cycles[1]: expected a table, got int"),
    (cycle(note="x"), "cycles[1]: unknown key(s) note; allowed: id, label, months"),
    (cycle(id=None), "cycles[1]: missing 'id'"),
    (cycle(label=None), "cycles[1]: missing 'label'"),
])
def test_a_bad_cycle_table_is_refused_naming_the_entry_and_the_problem(entry, message):
    """FORMAT.md §1: a [[cycles]] entry is a table of id, label and optional months; unknown keys are rejected."""
    assert refusal(entry) == f"{FILE}: {message}"


def test_several_unknown_keys_are_listed_sorted_and_comma_separated():
    """FORMAT.md: unknown keys are rejected; the message lists every one of them, sorted, separated by ", "."""
    assert refusal(cycle(zone="x", note="y")) == (
        f"{FILE}: cycles[1]: unknown key(s) note, zone; allowed: id, label, months")


@pytest.mark.parametrize("months, shown", [
    (0, "0"),
    (-3, "-3"),
    (True, "True"),
    (False, "False"),
    ("6", "'6'"),
    (Decimal("6"), "Decimal('6')"),
])
def test_months_must_be_a_positive_whole_number(months, shown):
    """FORMAT.md §1: months is the length of the cycle in months — a whole number ≥ 1 (a TOML bool is not one)."""
    assert refusal(cycle(months=months)) == f"{FILE}: cycles[1].months: {MONTHS} {shown}"


@pytest.mark.parametrize("months", [1, 2, 12])
def test_one_month_or_more_is_a_valid_cycle_length(months):
    """FORMAT.md §1: months is optional; any positive whole number of months is kept as written."""
    scheme = build_scheme(with_cycle(cycle(months=months)), file=FILE)
    assert [(c.id, c.label, c.months) for c in scheme.cycles] == [("annual", "年度", None), ("half", "半年", months)]
