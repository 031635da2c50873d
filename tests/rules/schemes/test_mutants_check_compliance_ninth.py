"""The scheme checker on `[[compliance]]` lines and on conditions (issue #18: the survivors of rules.schemes.check
_Checker.compliance — mutants 4, 52, 56, 59, 77, 78, 81-84, 87, 88, 146, 159, 179, 180, 184, 185, 193, 194, 201,
206, 213-215, 229, 239, 245, 248 — and _Checker.conditions — mutants 6, 10, 14, 32, 33, 50, 55).

- FORMAT.md §6c, `[[compliance]]`: the keys are `rule`, `item`, `fact`, `points`, `per_occurrence`, `due_day`,
  `obligation`, `clause`, `note` (anything else is ``unknown_key``); `item`, `fact`, `clause`, `note` are text;
  `item` is a path of this scheme (``unknown_item``); `fact` a declared fact (``unknown_fact``); `points` and
  `per_occurrence` "a number ≥ 0 and a boolean; only for rules whose penalty takes points off" (``rule_no_points``,
  at whichever of the two is written); `due_day` "a whole number 1–28" (``due_day_range``), "only for rules with a
  due day" (``no_due_day``). "Every one is reported at its line."
- FORMAT.md §2, Conditions: "a condition is a table with `fact` and one or more tests …; a list of conditions means
  all must hold" — each condition of a list is checked, each at its own place (``when[1].fact``).

Every file is the checker's example (checker/example-2024.toml), or the example plus the calendar and compliance
sections of test_check_scheme_data.py, with one edit. A problem is asserted whole: key, path, line (``# <-``) and
parameters, and nothing else is said.
"""
from __future__ import annotations

import pytest

from tests.rules.schemes.test_check_scheme_data import BASE
from tests.rules.schemes.test_mutants_check_levels import EXAMPLE, MARK, _replace, _said

REPORT = "compliance[0]"  # deadlines.monthly_report_late, with its obligation
COMPLAINT = "compliance[1]"  # conduct.verified_complaint (a penalty in points, no due day)
COMPLAINT_LINES = 'rule = "conduct.verified_complaint"\nitem = "quality/satisfaction"\npoints = 1'
NO_POINTS = 'rule = "conduct.credit_grade_d_disqualified"'  # a consequence: its penalty takes no points off
VETO_WHEN = 'when = { fact = "incidents", at_least = 1 }'
WHEN = "vetoes[major_incident].when"


def test_a_compliance_line_may_carry_every_key_the_format_lists():
    text = _replace(BASE, "due_day = 10\n", 'per_occurrence = true\ndue_day = 10\nnote = "每次迟报另行通报"\n')
    text = _replace(text, COMPLAINT_LINES, COMPLAINT_LINES + '\nper_occurrence = false\nnote = ""')
    assert _said(text) == []


COMPLIANCE_CASES = [
    # the item, when written, must be one of the scheme's; the problem names it
    ('item = "work/reports"', 'item = "work/report"' + MARK,
     [("unknown_item", f"{REPORT}.item", "marked", {"item": "work/report"})]),
    # item, fact and note are text: a number is the wrong type, said once, and nothing is looked up
    ('item = "work/reports"', "item = 5" + MARK,
     [("wrong_type", f"{REPORT}.item", "marked", {"key": "item", "expected": "string"})]),
    ('fact = "late_reports"\npoints = 0.2', "fact = 5" + MARK + "\npoints = 0.2",
     [("wrong_type", f"{REPORT}.fact", "marked", {"key": "fact", "expected": "string"})]),
    (COMPLAINT_LINES, COMPLAINT_LINES + "\nnote = 5" + MARK,
     [("wrong_type", f"{COMPLAINT}.note", "marked", {"key": "note", "expected": "string"})]),
    # per_occurrence is a boolean
    (COMPLAINT_LINES, COMPLAINT_LINES + '\nper_occurrence = "yes"' + MARK,
     [("wrong_type", f"{COMPLAINT}.per_occurrence", "marked", {"key": "per_occurrence", "expected": "bool"})]),
    # a rule whose penalty takes no points off: points, or per_occurrence alone, is refused where it is written
    (COMPLAINT_LINES, NO_POINTS + "\npoints = 1" + MARK,
     [("rule_no_points", f"{COMPLAINT}.points", "marked", {"rule": "conduct.credit_grade_d_disqualified"})]),
    (COMPLAINT_LINES, NO_POINTS + "\nper_occurrence = false" + MARK,
     [("rule_no_points", f"{COMPLAINT}.per_occurrence", "marked", {"rule": "conduct.credit_grade_d_disqualified"})]),
    # a due day only for the rules that have one; the rule is named
    (COMPLAINT_LINES, COMPLAINT_LINES + "\ndue_day = 5" + MARK,
     [("no_due_day", f"{COMPLAINT}.due_day", "marked", {"rule": "conduct.verified_complaint"})]),
    # a due day is a whole number 1–28: 29 is out, and so is a boolean; the value is said
    ('due_day = 10\nobligation = "monthly_report"', "due_day = 29" + MARK,
     [("due_day_range", f"{REPORT}.due_day", "marked", {"value": "29"})]),
    ('due_day = 10\nobligation = "monthly_report"', "due_day = true" + MARK,
     [("due_day_range", f"{REPORT}.due_day", "marked", {"value": "true"})]),
    ('due_day = 10\nobligation = "monthly_report"', "due_day = 28",
     []),
    # a key the format does not list
    (COMPLAINT_LINES, COMPLAINT_LINES + '\ncolour = "red"' + MARK,
     [("unknown_key", f"{COMPLAINT}.colour", "marked",
       {"key": "colour", "allowed": ["clause", "due_day", "fact", "item", "note", "obligation", "per_occurrence",
                                     "points", "rule"]})]),
]


# ids without a newline: pytest words an id holding "\n" differently in a second session of the same process (mutmut's)
COMPLIANCE_IDS = ["; ".join(c[1].split(MARK)[0].splitlines()) for c in COMPLIANCE_CASES]


@pytest.mark.parametrize("old, new, said", COMPLIANCE_CASES, ids=COMPLIANCE_IDS)
def test_a_bad_compliance_line_is_said_once_at_its_place_with_all_its_words(old, new, said):
    assert _said(_replace(BASE, old, new)) == said


def test_compliance_that_is_not_an_array_is_the_wrong_type():
    text = "compliance = 5" + MARK + "\n" + EXAMPLE
    assert _said(text) == [("wrong_type", "compliance", "marked", {"key": "compliance", "expected": "array"})]


def test_a_compliance_entry_that_is_not_a_table_does_not_stop_the_next_from_being_checked():
    text = 'compliance = [5, { rule = "deadlines.no_such_rule" }]' + MARK + "\n" + EXAMPLE
    assert _said(text) == [
        ("wrong_type", "compliance[0]", "marked", {"key": "0", "expected": "table"}),
        ("unknown_rule", "compliance[1].rule", "marked", {"rule": "deadlines.no_such_rule"}),
    ]


CONDITION_CASES = [
    # each condition of a list is placed by its index, its fact at `.fact`
    ('when = [{ fact = "nope", at_least = 1 }]',
     [("unknown_fact", f"{WHEN}[0].fact", "marked", {"fact": "nope"})]),
    # a condition that is not a table does not stop the next one from being checked
    ('when = [5, { fact = "nope", is = true }]',
     [("wrong_type", f"{WHEN}[0]", "marked", {"key": "0", "expected": "table"}),
      ("unknown_fact", f"{WHEN}[1].fact", "marked", {"fact": "nope"})]),
    # nor does a condition on an unknown fact
    ('when = [{ fact = "nope", at_least = 1 }, { fact = "has_plan", at_least = 1 }]',
     [("unknown_fact", f"{WHEN}[0].fact", "marked", {"fact": "nope"}),
      ("bad_condition", f"{WHEN}[1].at_least", "marked",
       {"fact": "has_plan", "test": "at_least", "reason": "not_numeric"})]),
    # a condition without a test, on an unknown fact: the fact is not named twice (it is the unknown_fact's)
    ('when = { fact = "nope" }',
     [("bad_condition", WHEN, "marked", {"fact": "", "test": "", "reason": "no_test"}),
      ("unknown_fact", f"{WHEN}.fact", "marked", {"fact": "nope"})]),
]


@pytest.mark.parametrize("new, said", CONDITION_CASES, ids=[c[0] for c in CONDITION_CASES])
def test_a_bad_condition_is_said_at_its_own_place(new, said):
    assert _said(_replace(EXAMPLE, VETO_WHEN, new + MARK)) == said
