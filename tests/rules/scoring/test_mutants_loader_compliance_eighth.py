"""`[[compliance]]` lines (rules/schemes/FORMAT.md §6c "[[compliance]]") are validated on load: a bad line is refused
with the file, the path inside it (`compliance[<i>]`, `compliance[<i>].<field>`, or `compliance` for a rule listed
twice) and the problem word for word. A condition's `in` on a choice fact (FORMAT.md §2 "Conditions") names the
values that are not among the fact's choices. Issue #18: survivors of rules.scoring.loader _Builder.compliance and
_Builder.condition. Each case edits the small valid scheme of test_loader.py.
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
RULE = "deadlines.monthly_report_late"  # FORMAT.md §6c's example line
ALLOWED = "allowed: clause, due_day, fact, item, note, obligation, per_occurrence, points, rule"


def build(edit):
    data = copy.deepcopy(BASE)
    edit(data)
    return build_scheme(data, file=FILE)


def refusal(edit) -> tuple[str, str, str, str]:
    with pytest.raises(SchemeError) as caught:
        build(edit)
    err = caught.value
    return err.file, err.path, err.problem, str(err)


def lines(*entries):
    return lambda d: d.update(compliance=list(entries))


def line(**entry):
    return lines({"rule": RULE, **entry})


def choice_veto(when):
    """A `choice` fact `grade` (A/B) and a veto whose `when` is `when` (FORMAT.md §1 "Vetoes", §2)."""
    def edit(d):
        d["facts"]["grade"] = {"meaning": "信用等级", "kind": "choice", "choices": ["A", "B"], "example": "A"}
        d["vetoes"] = [{"id": "bad_grade", "effect": "fail", "when": when, "clause": "信用等级为C的，不合格"}]
    return edit


REFUSALS = [
    # `[[compliance]]` is an array of tables; anything else is refused at the top level, named alone (once
    # ".compliance")
    pytest.param(lambda d: d.update(compliance="x"), "compliance", "expected an array, got str",
                 id="compliance-not-an-array"),
    pytest.param(lines(5), "compliance[0]", "expected a table, got int", id="line-not-a-table"),
    pytest.param(line(penalty=1), "compliance[0]", f"unknown key(s) penalty; {ALLOWED}", id="line-unknown-key"),
    pytest.param(lines({"item": "work/count"}), "compliance[0]", "missing 'rule'", id="line-without-rule"),
    # item: a path of this scheme, or payment/… only when the scheme has [payment]
    pytest.param(line(item="work/nothing"), "compliance[0].item", "'work/nothing' is not an item of this scheme",
                 id="item-unknown"),
    pytest.param(line(item="payment/share"), "compliance[0].item", "'payment/share' is not an item of this scheme",
                 id="item-payment-without-payment"),
    pytest.param(line(fact=5), "compliance[0].fact", "expected a string, got int", id="fact-not-a-string"),
    # due_day: a whole number 1–28 (not a boolean, not 29)
    pytest.param(line(due_day=29), "compliance[0].due_day", "a day of the month from 1 to 28, got 29",
                 id="due-day-29"),
    pytest.param(line(due_day=0), "compliance[0].due_day", "a day of the month from 1 to 28, got 0", id="due-day-0"),
    pytest.param(line(due_day=True), "compliance[0].due_day", "a day of the month from 1 to 28, got True",
                 id="due-day-true"),
    # obligation: a monthly obligation of [calendar] (here there is no calendar at all)
    pytest.param(line(obligation="monthly_report"), "compliance[0].obligation",
                 "'monthly_report' is not a monthly obligation of [calendar]", id="obligation-unknown"),
    # points ≥ 0; clause and note are text
    pytest.param(line(points=-1), "compliance[0].points", "must be ≥ 0, got −1", id="points-negative"),
    pytest.param(line(points="0.2"), "compliance[0].points", "expected a number, got str '0.2'",
                 id="points-not-a-number"),
    pytest.param(line(clause=3), "compliance[0].clause", "expected a string, got int", id="clause-not-a-string"),
    pytest.param(line(note=3), "compliance[0].note", "expected a string, got int", id="note-not-a-string"),
    # a rule once per file (duplicate_id), reported at the section
    pytest.param(lines({"rule": RULE}, {"rule": RULE}), "compliance", f"duplicate id {RULE!r}",
                 id="rule-twice"),
    # FORMAT.md §2: `in` on a choice fact lists the values that are not choices
    pytest.param(choice_veto({"fact": "grade", "in": ["B", "C", "D"]}), "vetoes[0].when.in",
                 "['C', 'D'] not among the choices of 'grade'", id="in-not-a-choice"),
]


@pytest.mark.parametrize("edit, path, problem", REFUSALS)
def test_a_bad_line_is_refused_at_its_path_with_the_problem(edit, path, problem):
    assert refusal(edit) == (FILE, path, problem, f"{FILE}: {path}: {problem}")


def test_due_day_1_and_28_are_the_bounds():
    """FORMAT.md §6c: `due_day` is a whole number 1–28."""
    scheme = build(lines({"rule": RULE, "due_day": 1}, {"rule": "deadlines.monthly_plan_late", "due_day": 28}))
    assert [u.due_day for u in scheme.compliance] == [1, 28]


def test_points_zero_is_allowed():
    """FORMAT.md §6c: `points` is a number ≥ 0."""
    (use,) = build(line(points=0)).compliance
    assert use.points == Decimal(0)
