"""A `[facts.<key>]` table is validated on load (rules/schemes/FORMAT.md §2 "Facts"): a bad declaration is refused
with the file, the path inside it (`facts.<key>` or `facts.<key>.<field>`) and the problem, word for word — that
message is what a scheme author reads — and a good one loads with its unit, bounds and choices as written.
Issue #18: survivors of rules.scoring.loader (_Builder.fact_spec). Each case edits the small valid scheme of
test_loader.py.
"""
from __future__ import annotations

import copy
import tomllib
from decimal import Decimal

import pytest

from rules.scoring import SchemeError
from rules.scoring.loader import build_scheme
from tests.rules.scoring.test_loader import GOOD

D = Decimal
FILE = "tiny-2024.toml"
BASE = tomllib.loads(GOOD, parse_float=Decimal)
FACT_KEYS = "choices, example, kind, max, meaning, min, not_above, unit"
JUDGEMENT_RANGE = "a judgement fact needs 'min' and 'max' (the range the assessor may choose in)"


def data(key, spec):
    """The valid scheme with one more fact `key` declared as `spec` (a table, or anything to test the shape)."""
    out = copy.deepcopy(BASE)
    out["facts"][key] = spec
    return out


def fact(**fields):
    """A fact table: a count with meaning and example, changed by `fields`; a field given as None is left out."""
    spec = {"meaning": "次数", "kind": "count", "example": 1, **fields}
    return {k: v for k, v in spec.items() if v is not None}


def refusal(spec, key="extra") -> str:
    with pytest.raises(SchemeError) as caught:
        build_scheme(data(key, spec), file=FILE)
    return str(caught.value)


def loaded(spec, key="extra"):
    return build_scheme(data(key, spec), file=FILE).facts[key]


@pytest.mark.parametrize("spec, message", [
    (3, "facts.extra: expected a table, got int"),
    (fact(note="x"), f"facts.extra: unknown key(s) note; allowed: {FACT_KEYS}"),
    (fact(kind=None), "facts.extra: missing 'kind'"),
    (fact(meaning=None), "facts.extra: missing 'meaning'"),
    (fact(example=None), "facts.extra: missing 'example'"),
    (fact(min="1"), "facts.extra.min: expected a number, got str '1'"),
    (fact(max="9"), "facts.extra.max: expected a number, got str '9'"),
    (fact(unit=3), "facts.extra.unit: expected a string, got int"),
])
def test_a_bad_fact_table_is_refused_naming_the_fact_and_the_problem(spec, message):
    """FORMAT.md §2: a fact is a table with meaning, kind and example (unit, min, max optional); unknown keys are
    rejected; min / max are numbers and unit is a string."""
    assert refusal(spec) == f"{FILE}: {message}"


def test_a_fact_key_must_be_snake_case_ascii():
    """FORMAT.md §2: keys are snake_case English."""
    assert refusal(fact(), key="Extra") == f"{FILE}: facts.Extra: 'Extra' is not a valid fact key (snake_case ASCII)"


@pytest.mark.parametrize("spec, message", [
    (fact(kind="bool", example=True, min=0), "facts.extra: min/max make no sense for kind 'bool'"),
    (fact(kind="bool", example=True, max=1), "facts.extra: min/max make no sense for kind 'bool'"),
    (fact(kind="judgement_list", example=[]), f"facts.extra: {JUDGEMENT_RANGE}"),
    (fact(min=5, max=4, example=5), "facts.extra: min 5 is above max 4"),
])
def test_bounds_are_for_numbers_and_judgements_only_and_must_be_in_order(spec, message):
    """FORMAT.md §2 table: optional bounds min / max for count, number, percent; `judgement` and `judgement_list`
    need both (each entry of a list is checked as a judgement); min may not be above max."""
    assert refusal(spec) == f"{FILE}: {message}"


def test_min_equal_to_max_is_a_valid_range():
    """FORMAT.md §2: `min` ≤ value ≤ `max`; a range of one value (min = max) is not refused."""
    spec = loaded(fact(min=5, max=5, example=5))
    assert (spec.min, spec.max) == (5, 5)


@pytest.mark.parametrize("spec, message", [
    (fact(kind="choice", example="A"), "facts.extra: missing 'choices'"),
    (fact(kind="choice", example="A", choices="A"), "facts.extra.choices: expected an array, got str"),
    (fact(kind="choice", example="A", choices=[]), "facts.extra.choices: expected a non-empty array of strings"),
    (fact(kind="choice", example=1, choices=[1]), "facts.extra.choices: expected a non-empty array of strings"),
    (fact(kind="choice", example="A", choices=["A", ""]),
     "facts.extra.choices: expected a non-empty array of strings"),
    (fact(kind="choice", example="A", choices=["A", "A"]), "facts.extra.choices: duplicate id 'A'"),
    (fact(choices=["A"]), "facts.extra.choices: only a 'choice' fact has choices"),
])
def test_choices_are_a_non_empty_array_of_distinct_strings_on_a_choice_fact_only(spec, message):
    """FORMAT.md §2 table: `choice` — one of `choices = ["A", "B", …]` (strings); other kinds have no choices."""
    assert refusal(spec) == f"{FILE}: {message}"


@pytest.mark.parametrize("spec, message", [
    (fact(kind="bool", example=True, not_above="count"),
     "facts.extra.not_above: only for count, number, percent facts"),
    (fact(not_above=3), "facts.extra.not_above: expected a string, got int"),
])
def test_not_above_names_another_fact_and_is_for_numeric_facts_only(spec, message):
    """FORMAT.md §2 / FactSpec.not_above: the key of another (numeric) fact this one can never exceed."""
    assert refusal(spec) == f"{FILE}: {message}"


def test_a_fact_loads_with_its_unit_bounds_and_choices_as_written():
    """FORMAT.md §2: unit, min and max are kept as written; unit defaults to "" and a non-choice fact has no
    choices; a choice fact keeps its choices in order."""
    spec = loaded(fact(unit="家", min=0, max=1000, not_above="count"))
    assert (spec.unit, spec.min, spec.max, spec.choices, spec.not_above) == ("家", 0, 1000, (), "count")
    spec = loaded(fact())
    assert (spec.unit, spec.min, spec.max, spec.choices, spec.not_above) == ("", None, None, (), None)
    spec = loaded(fact(kind="choice", example="B", choices=["A", "B"]))
    assert (spec.kind, spec.choices, spec.example) == ("choice", ("A", "B"), "B")
