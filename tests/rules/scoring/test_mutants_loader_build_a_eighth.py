"""The top level of a scheme file is validated on load (rules/schemes/FORMAT.md §1, "Top-level tables"; loader.py:
"Every error names file, path and problem"): a bad top-level table or array is refused with the file, its path
(`[facts]`, `[derived]`, `[result]`, `cycles`, `categories`, `vetoes`, "" for the file itself) and the problem,
word for word. The path is also read on its own (SchemeError.path): rules/schemes/check.py turns it into the line
and column it reports, so "" (the file) is not the same as None.
Issue #18: survivors of rules.scoring.loader _Builder.build (first part). Each case edits the small valid scheme of
test_loader.py (one cycle `annual`, one category `work` of max 10 = max_total).
"""
from __future__ import annotations

import copy
import tomllib
from decimal import Decimal

import pytest

from rules.scoring import SchemeError
from rules.scoring.loader import build_scheme
from tests.rules.scoring.test_loader import GOOD
from tests.rules.scoring.test_mutants_loader_node_eighth import data

FILE = "tiny-2024.toml"
BASE = tomllib.loads(GOOD, parse_float=Decimal)
TOP_KEYS = "calendar, categories, compliance, cycles, derived, extra, facts, grades, payment, result, scheme, " \
           "subsidy, vetoes"
VETO = {"id": "three", "effect": "fail", "when": [{"fact": "count", "at_least": 3}], "clause": "3次以上一票否决"}


def refused(edit) -> SchemeError:
    with pytest.raises(SchemeError) as caught:
        build_scheme(data(edit), file=FILE)
    return caught.value


def refusal(edit) -> tuple[str, str, str]:
    """(path, problem, message) of the refusal of the edited scheme."""
    exc = refused(edit)
    return exc.path, exc.problem, str(exc)


def test_an_unknown_top_level_key_is_refused_at_the_file_itself():
    """FORMAT.md: unknown keys are rejected; a top-level one is named at path "" (the file), not at no path."""
    assert refusal(lambda d: d.update(zone=1)) == (
        "", f"unknown key(s) zone; allowed: {TOP_KEYS}", f"{FILE}: unknown key(s) zone; allowed: {TOP_KEYS}")


@pytest.mark.parametrize("key, path", [("facts", "[facts]"), ("derived", "[derived]"), ("result", "[result]")])
def test_a_top_level_table_that_is_not_a_table_is_refused_at_its_own_name(key, path):
    """FORMAT.md §1, §2: [facts.<key>], [derived.<key>] and [result] are tables; anything else is named as `[key]`."""
    assert refusal(lambda d: d.update({key: 3})) == (
        path, "expected a table, got int", f"{FILE}: {path}: expected a table, got int")


def test_a_scheme_without_result_is_refused_as_missing_result():
    """FORMAT.md §1: [result] (pass_mark, clause) is required; without it the file itself is refused."""
    assert refusal(lambda d: d.pop("result")) == ("", "missing [result]", f"{FILE}: missing [result]")


def test_a_cycle_that_is_not_a_table_is_refused_naming_its_index():
    """FORMAT.md §1: each [[cycles]] entry is a table; a bad first entry is named `cycles[0]`."""
    assert refusal(lambda d: d.update(cycles=[3])) == (
        "cycles[0]", "expected a table, got int", f"{FILE}: cycles[0]: expected a table, got int")


def test_two_cycles_with_one_id_are_refused_at_cycles():
    """FORMAT.md §6b: duplicate ids are refused; two [[cycles]] `annual` are named at `cycles`."""
    exc = refused(lambda d: d["cycles"].append({"id": "annual", "label": "又一年"}))
    assert (exc.path, exc.problem, str(exc)) == (
        "cycles", "duplicate id 'annual'", f"{FILE}: cycles: duplicate id 'annual'")


def test_a_scheme_without_categories_is_refused_at_the_file_itself():
    """FORMAT.md §3: [[categories]] is required; without the key the file (path "") misses 'categories'."""
    assert refusal(lambda d: d.pop("categories")) == ("", "missing 'categories'", f"{FILE}: missing 'categories'")


def test_categories_that_are_not_an_array_are_refused_under_the_file():
    """FORMAT.md §3: [[categories]] is an array of tables; a top-level array is named alone, as the other refusals
    name it ("categories", once ".categories")."""
    assert refusal(lambda d: d.update(categories=3)) == (
        "categories", "expected an array, got int", f"{FILE}: categories: expected an array, got int")


def test_an_empty_categories_array_is_refused():
    """FORMAT.md §3: a scheme has at least one category (`categories = []` is refused at `categories`)."""
    problem = "at least one [[categories]] entry is required"
    assert refusal(lambda d: d.update(categories=[])) == ("categories", problem, f"{FILE}: categories: {problem}")


def test_two_categories_with_one_id_are_refused_at_categories():
    """FORMAT.md §6b: duplicate ids are refused; two [[categories]] `work` are named at `categories`."""
    def twice(d):
        d["categories"].append(copy.deepcopy(d["categories"][0]))
        d["scheme"]["max_total"] = 20
    assert refusal(twice) == ("categories", "duplicate id 'work'", f"{FILE}: categories: duplicate id 'work'")


def test_category_maxima_that_miss_max_total_are_refused_at_categories():
    """FORMAT.md §1: regular (non-bonus) points must add up to max_total; the refusal is named at `categories`."""
    problem = "category maxima add up to 10, but max_total is 12"
    assert refusal(lambda d: d["scheme"].update(max_total=12)) == (
        "categories", problem, f"{FILE}: categories: {problem}")


def test_vetoes_that_are_not_an_array_are_refused_under_the_file():
    """FORMAT.md §1 Vetoes (optional): [[vetoes]] is an array of tables; named alone ("vetoes", once ".vetoes")."""
    assert refusal(lambda d: d.update(vetoes=3)) == (
        "vetoes", "expected an array, got int", f"{FILE}: vetoes: expected an array, got int")


def test_two_vetoes_with_one_id_are_refused_at_vetoes():
    """FORMAT.md §6b: duplicate ids are refused; two [[vetoes]] `three` are named at `vetoes`."""
    assert refusal(lambda d: d.update(vetoes=[VETO, dict(VETO)])) == (
        "vetoes", "duplicate id 'three'", f"{FILE}: vetoes: duplicate id 'three'")


def test_a_scheme_with_one_veto_loads_it():
    """FORMAT.md §1 Vetoes: a valid [[vetoes]] entry is kept (the duplicate test above depends on it being valid)."""
    scheme = build_scheme(data(lambda d: d.update(vetoes=[VETO])), file=FILE)
    assert [v.id for v in scheme.vetoes] == ["three"]
