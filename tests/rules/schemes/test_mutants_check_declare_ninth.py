"""The scheme checker on the `[facts]` and `[derived]` tables and on a fact reference that is not a key (issue #18:
the survivors of rules.schemes.check _Checker.declare_facts and _Checker.fact_ref).

- FORMAT.md, Conventions: "ids are `snake_case` ASCII (`[a-z][a-z0-9_]*`)": a fact or derived key that is not is
  ``bad_id``, named at its own table.
- FORMAT.md §2: "Every input the engine reads is a **fact**, declared once under `[facts.<key>]`" and derived facts
  under `[derived.<key>]`: `facts`, `derived` and each `<key>` under them are tables (``wrong_type``, expected
  "table"); a key that is not a table is said, and the keys after it are still checked.
- FORMAT.md §6 (addenda): "A numeric fact may declare `not_above = "<other fact key>"`": the other fact must be a
  numeric one (``fact_kind_mismatch``, needing count/number/percent), and a `not_above` that is not a key at all is a
  ``wrong_type`` (expected "fact").
- FORMAT.md §2, Conditions: "A condition is a table with `fact` and one or more tests": a condition without `fact` is
  a ``missing_key``, a `fact` that is not a key (a number) a ``wrong_type``.

Each bad file is an edit of the checker's example (checker/example-2024.toml); a problem is asserted whole: key, path,
line (``# <-``) and parameters, and nothing else is said.
"""
from __future__ import annotations

from tests.rules.schemes.test_mutants_check_levels import EXAMPLE, MARK, _replace, _said

REFERRALS = "[facts.referrals]"
WORK = '[[categories]]\nid = "work"'
VETO = 'when = { fact = "incidents", at_least = 1 }'
# the example without its [facts.*] tables (they cannot stand beside a top-level `facts = 5`)
NO_FACTS = EXAMPLE[:EXAMPLE.index(REFERRALS)] + EXAMPLE[EXAMPLE.index("[[categories]]"):]


def test_a_facts_key_that_is_not_a_table_is_said_and_no_fact_is_declared():
    # facts = 5: the table is wrong, at its line; every reference to a fact then names an undeclared fact
    said = _said("facts = 5" + MARK + "\n" + NO_FACTS)
    assert said == [
        ("wrong_type", "facts", "marked", {"key": "facts", "expected": "table"}),
        ("unknown_fact", "vetoes[major_incident].when.fact", 63, {"fact": "incidents"}),
        ("unknown_fact", "categories[work].items[referrals].deductions[0].fact", 81, {"fact": "referrals"}),
        ("unknown_fact", "categories[work].items[reports].deductions[0].fact", 89, {"fact": "late_reports"}),
        ("unknown_fact", "categories[work].items[innovation].fact", 97, {"fact": "innovation"}),
        ("unknown_fact", "categories[quality].items[satisfaction].fact", 111, {"fact": "satisfaction_pct"}),
        ("unknown_fact", "categories[quality].items[credit].fact", 123, {"fact": "credit_grade"}),
        ("unknown_fact", "categories[quality].items[plan].entries[0].when.fact", 132, {"fact": "has_plan"}),
        ("unknown_fact", "categories[quality].items[media].fact", 141, {"fact": "media_reports"}),
    ]


def test_a_derived_key_that_is_not_a_table_is_said_once():
    assert _said("derived = 5" + MARK + "\n" + EXAMPLE) == [
        ("wrong_type", "derived", "marked", {"key": "derived", "expected": "table"})]


def test_a_fact_key_that_is_not_snake_case_is_a_bad_id_at_its_table():
    fact = '[facts.Visits]' + MARK + '\nmeaning = "走访次数 / visits"\nkind = "count"\nunit = "次"\n' \
        'example = 3\n\n'
    assert _said(_replace(EXAMPLE, REFERRALS, fact + REFERRALS)) == [
        ("bad_id", "facts.Visits", "marked", {"id": "Visits"})]


def test_a_derived_key_that_is_not_snake_case_is_a_bad_id_at_its_table():
    derived = ('[derived.Total_reports]' + MARK + '\nmeaning = "报告与报道 / reports"\nop = "sum"\n'
               'args = ["late_reports", "media_reports"]\n\n')
    assert _said(_replace(EXAMPLE, WORK, derived + WORK)) == [
        ("bad_id", "derived.Total_reports", "marked", {"id": "Total_reports"})]


def test_a_fact_that_is_not_a_table_is_said_and_the_facts_after_it_are_still_checked():
    # `visits = 3` comes first in [facts]; referrals after it has lost its unit (a count needs one, FORMAT.md §2)
    text = _replace(_replace(EXAMPLE, REFERRALS, "[facts]\nvisits = 3" + MARK + "\n\n" + REFERRALS),
                    'kind = "count"\nunit = "人"\n', 'kind = "count"\n')
    assert _said(text) == [
        ("wrong_type", "facts.visits", "marked", {"key": "visits", "expected": "table"}),
        ("fact_no_unit", "facts.referrals", 71, {"fact": "referrals", "kind": "count"}),
    ]


def test_a_derived_fact_that_is_not_a_table_is_said_and_the_derived_after_it_are_still_checked():
    # `share = 3` comes first in [derived]; the ratio after it has one argument, where a ratio takes two
    derived = '[derived]\nshare = 3' + MARK + '\n\n[derived.total]\nmeaning = "比率 / ratio"\nop = "ratio"\n' \
        'args = ["late_reports"]\n\n'
    assert _said(_replace(EXAMPLE, WORK, derived + WORK)) == [
        ("wrong_type", "derived.share", "marked", {"key": "share", "expected": "table"}),
        ("derived_args", "derived.total.args", 123, {"op": "ratio", "count": "1"}),
    ]


def test_not_above_must_name_a_numeric_fact():
    text = _replace(EXAMPLE, 'unit = "人"\n', 'unit = "人"\nnot_above = "has_plan"' + MARK + "\n")
    assert _said(text) == [("fact_kind_mismatch", "facts.referrals.not_above", "marked",
                            {"fact": "has_plan", "kind": "bool", "needed": ["count", "number", "percent"]})]


def test_not_above_naming_a_numeric_fact_is_accepted():
    late = 'unit = "次"\nexample = 1\n'
    assert _said(_replace(EXAMPLE, late, late + 'not_above = "incidents"\n')) == []


def test_not_above_that_is_not_a_fact_key_is_a_wrong_type():
    text = _replace(EXAMPLE, 'unit = "人"\n', 'unit = "人"\nnot_above = 2000' + MARK + "\n")
    assert _said(text) == [
        ("wrong_type", "facts.referrals.not_above", "marked", {"key": "not_above", "expected": "fact"})]


def test_a_condition_without_a_fact_is_a_missing_key():
    assert _said(_replace(EXAMPLE, VETO, "when = { at_least = 1 }" + MARK)) == [
        ("missing_key", "vetoes[major_incident].when.fact", "marked", {"key": "fact", "expected": "fact"})]


def test_a_condition_whose_fact_is_a_number_is_a_wrong_type():
    assert _said(_replace(EXAMPLE, VETO, "when = { fact = 3, at_least = 1 }" + MARK)) == [
        ("wrong_type", "vetoes[major_incident].when.fact", "marked", {"key": "fact", "expected": "fact"})]
