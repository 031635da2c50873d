"""The scheme checker on one `[facts.<key>]` table (issue #18: the survivors of rules.schemes.check _Checker.fact).

FORMAT.md §2 (Facts) declares a fact with `meaning`, `kind`, `unit`, `example` and, as the table of kinds says:

- "optional bounds: min / max (for count, number, percent)": bounds on a `bool`, `choice` or `count_list` fact are
  ``range_not_allowed``, said at the bound written (`min`, else `max`); a bound that is not a number is a
  ``wrong_type``; `min` equal to `max` is a range (one value), only a `min` above the `max` is ``fact_range_inverted``
  (the loader too refuses only "min … is above max").
- `judgement` / `judgement_list`: "`min` ≤ value ≤ `max` (required on the fact)" → ``judgement_needs_range``.
- `choice`: "one of `choices = [...]`" → a choice fact without choices (or with none) is ``choices_empty``; choices
  on a fact of another kind (or of no kind) are ``choices_not_allowed``.
- FORMAT.md §6b: the checker reports "facts without kind or unit" (``fact_no_kind``, ``fact_no_unit``) and, §2,
  "Unknown keys are rejected" (``unknown_key``); a kind not in the table is ``unknown_fact_kind``. A `percent` fact
  needs no unit (its unit is the percentage point, "62.5 = 62.5 %"); count, number, count_list, judgement and
  judgement_list facts do.
- The example "documents the fact for the portal": it must be a valid value, within min/max (``bad_example``).

Each bad file is the checker's example (checker/example-2024.toml) with one more fact, `visits`, that no item uses;
every problem is asserted whole: key, path, line (``# <-`` marks it) and the parameters the portal words it from
(portal/schemes/problems.py), and nothing else is said.
"""
from __future__ import annotations

import pytest

from rules.schemes.check import check_scheme_text
from tests.rules.schemes.test_mutants_check_levels import EXAMPLE, MARK, _said

HEAD = "[facts.visits]"
FACT = "facts.visits"
ALLOWED_KEYS = ["choices", "example", "kind", "max", "meaning", "min", "not_above", "unit"]
KINDS = ["count", "number", "percent", "bool", "choice", "count_list", "judgement", "judgement_list"]


def _with_fact(body: str) -> str:
    """The example with `[facts.visits]` (meaning given, then `body`) before its first category."""
    at = EXAMPLE.index("[[categories]]")
    return EXAMPLE[:at] + f'{HEAD}\nmeaning = "走访企业 / visits"\n{body}\n\n' + EXAMPLE[at:]


def _head(text: str) -> int | str:
    """The line of `[facts.visits]` as _said shows it ("marked" when it is the marked line)."""
    lines = text.splitlines()
    n = next(i for i, line in enumerate(lines, 1) if line.startswith(HEAD))
    return "marked" if lines[n - 1].endswith(MARK) else n


def test_a_well_formed_extra_fact_is_accepted():
    assert _said(_with_fact('kind = "count"\nunit = "次"\nexample = 3')) == []


def test_an_unknown_key_on_a_fact_is_said_at_that_key_with_the_keys_allowed():
    text = _with_fact('kind = "count"\nunit = "次"\nlimit = 5' + MARK + "\nexample = 3")
    assert _said(text) == [("unknown_key", f"{FACT}.limit", "marked", {"key": "limit", "allowed": ALLOWED_KEYS})]


def test_a_fact_without_kind_is_named_at_its_table():
    text = _with_fact('unit = "次"\nexample = 3').replace(HEAD, HEAD + MARK)
    assert _said(text) == [("fact_no_kind", FACT, "marked", {"fact": "visits"})]


def test_an_unknown_kind_is_said_at_the_kind_with_the_kinds_allowed():
    text = _with_fact('kind = "integer"' + MARK + '\nunit = "次"\nexample = 3')
    assert _said(text) == [("unknown_fact_kind", f"{FACT}.kind", "marked",
                            {"fact": "visits", "kind": "integer", "allowed": KINDS})]


def test_a_unit_that_is_not_text_is_a_wrong_type_and_the_fact_then_has_no_unit():
    text = _with_fact('kind = "count"\nunit = 5' + MARK + "\nexample = 3")
    # problems come in line order: the table's header first
    assert _said(text) == [("fact_no_unit", FACT, _head(text), {"fact": "visits", "kind": "count"}),
                           ("wrong_type", f"{FACT}.unit", "marked", {"key": "unit", "expected": "string"})]


@pytest.mark.parametrize("kind, body", [
    ("count", "example = 3"),
    ("count_list", "example = [1, 0]"),
    ("judgement", 'min = 0\nmax = 3\nexample = { value = 2, reason = "走访记录齐全" }'),
    ("judgement_list", 'min = 0\nmax = 3\nexample = [{ value = 2, reason = "漏访一家" }]'),
])
def test_a_counted_or_judged_fact_without_unit_is_said_with_its_kind(kind, body):
    text = _with_fact(f'kind = "{kind}"\n{body}').replace(HEAD, HEAD + MARK)
    assert _said(text) == [("fact_no_unit", FACT, "marked", {"fact": "visits", "kind": kind})]


def test_a_percent_fact_needs_no_unit():
    assert _said(_with_fact('kind = "percent"\nexample = 62.5')) == []


@pytest.mark.parametrize("bound", ["min", "max"])
def test_a_bound_that_is_not_a_number_is_a_wrong_type_at_the_bound(bound):
    text = _with_fact(f'kind = "count"\nunit = "次"\n{bound} = "0"{MARK}\nexample = 3')
    assert _said(text) == [("wrong_type", f"{FACT}.{bound}", "marked", {"key": bound, "expected": "number"})]


@pytest.mark.parametrize("kind, bounds", [
    ("judgement_list", ""), ("judgement", "min = 0\n"), ("judgement", "max = 3\n"),
])
def test_a_judged_fact_without_its_range_is_named_at_its_table(kind, bounds):
    text = _with_fact(f'kind = "{kind}"\nunit = "分"\n{bounds}example = 2').replace(HEAD, HEAD + MARK)
    assert _said(text) == [("judgement_needs_range", FACT, "marked", {"fact": "visits"})]


def test_a_range_of_one_value_min_equal_to_max_is_not_inverted():
    text = _with_fact('kind = "number"\nunit = "次"\nmin = 3\nmax = 3\nexample = 3')
    assert _said(text) == []
    # and an example outside that one value is refused as an example, not as a range
    text = _with_fact('kind = "number"\nunit = "次"\nmin = 3\nmax = 3\nexample = 4' + MARK)
    assert _said(text) == [("bad_example", f"{FACT}.example", "marked",
                            {"fact": "visits", "detail": "the value 4 is above the allowed maximum 3"})]


@pytest.mark.parametrize("kind, bounds, at", [
    ("bool", "min = 0" + MARK, "min"),
    ("bool", "max = 1" + MARK, "max"),
    ("choice", 'choices = ["甲", "乙"]\nmin = 0' + MARK + "\nmax = 1", "min"),
    ("count_list", 'unit = "次"\nmax = 9' + MARK, "max"),
    ("count_list", 'unit = "次"\nmin = 0' + MARK, "min"),
])
def test_bounds_on_a_fact_that_has_none_are_said_at_the_bound_written(kind, bounds, at):
    example = {"bool": "true", "choice": '"甲"', "count_list": "[1, 0]"}[kind]
    text = _with_fact(f'kind = "{kind}"\n{bounds}\nexample = {example}')
    assert _said(text) == [("range_not_allowed", f"{FACT}.{at}", "marked", {"fact": "visits", "kind": kind})]


def test_a_choice_fact_without_choices_is_named_at_its_table():
    text = _with_fact('kind = "choice"\nexample = "甲"').replace(HEAD, HEAD + MARK)
    assert _said(text) == [("choices_empty", FACT, "marked", {"fact": "visits"})]


def test_a_choice_fact_with_no_choices_listed_is_said_at_the_choices():
    text = _with_fact('kind = "choice"\nchoices = []' + MARK + '\nexample = "甲"')
    assert _said(text) == [("choices_empty", f"{FACT}.choices", "marked", {"fact": "visits"})]


@pytest.mark.parametrize("kind_line, first", [
    ("", ("fact_no_kind", FACT, "head", {"fact": "visits"})),
    ('kind = "grade"\n', ("unknown_fact_kind", f"{FACT}.kind", "kind", {"fact": "visits", "kind": "grade",
                                                                         "allowed": KINDS})),
])
def test_choices_on_a_fact_of_no_known_kind_are_not_allowed_and_name_no_kind(kind_line, first):
    text = _with_fact(f'{kind_line}choices = ["甲", "乙"]{MARK}\nexample = "甲"')
    lines = text.splitlines()
    where = {"head": _head(text), "kind": next((i for i, line in enumerate(lines, 1) if line == 'kind = "grade"'), 0)}
    assert _said(text) == [first[:2] + (where[first[2]], first[3]),
                           ("choices_not_allowed", f"{FACT}.choices", "marked", {"fact": "visits", "kind": ""})]


def test_an_example_below_the_fact_s_minimum_is_a_bad_example():
    text = _with_fact('kind = "count"\nunit = "次"\nmin = 5\nexample = 3' + MARK)
    assert _said(text) == [("bad_example", f"{FACT}.example", "marked",
                            {"fact": "visits", "detail": "the count 3 is below the allowed minimum 5"})]


def test_the_accepted_extra_fact_is_what_the_loader_accepts_too():
    # the checker passing a file means the loader loads it (FORMAT.md §6b): min = max and a percent without unit
    text = _with_fact('kind = "percent"\nmin = 3\nmax = 3\nexample = 3')
    assert check_scheme_text(text, file_name="example-2024.toml").problems == []
