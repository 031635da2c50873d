"""A condition's tests (rules/schemes/FORMAT.md §2 "Conditions": `is` for bool / choice equality, `in` a list of
choices, `at_least` >=, `more_than` >, `at_most` <=, `less_than` <) are validated on load: `is` on a choice fact
must be one of its choices, `in` must be a non-empty array (of the fact's choices, for a choice fact), and the four
comparisons need a numeric fact (count, number, percent) and a number. A bad test is refused with the file, the
path of the test (`vetoes[0].when.is`, `…when[1].in`) and the problem word for word: that message is what a
county's scheme author reads.
Issue #18: survivors of rules.scoring.loader _Builder.condition (2026-12-07). Each case gives FORMAT.md's example
veto (§1 "Vetoes") a `when` on the small valid scheme of test_loader.py, with a choice fact `credit_grade` (A–D, as
FORMAT.md's `{ fact = "credit_grade", in = ["C", "D"] }`) and a number fact `ratio` added;
test_mutants_loader_conditions.py has the refusals of the condition as a whole (not a table, unknown key, no test).
"""
from __future__ import annotations

import copy
import tomllib
from decimal import Decimal

import pytest

from rules.scoring import SchemeError
from rules.scoring.loader import build_scheme
from rules.scoring.model import Condition
from tests.rules.scoring.test_loader import GOOD

FILE = "tiny-2024.toml"
BASE = tomllib.loads(GOOD, parse_float=Decimal)
BASE["facts"]["credit_grade"] = {"meaning": "信用等级", "kind": "choice", "choices": ["A", "B", "C", "D"],
                                 "example": "A"}
BASE["facts"]["ratio"] = {"meaning": "比率", "kind": "number", "example": 1}
CLAUSE = "发生安全责任事故或投诉3次以上，一票否决，年度评估为不合格。"  # FORMAT.md's example veto
WHEN = "vetoes[0].when"


def _data(when) -> dict:
    data = copy.deepcopy(BASE)
    data["vetoes"] = [{"id": "three_incidents", "effect": "fail", "when": when, "clause": CLAUSE}]
    return data


def loaded(when) -> tuple[Condition, ...]:
    return build_scheme(_data(when), file=FILE).vetoes[0].when


def refusal(when) -> tuple[str, str, str, str]:
    with pytest.raises(SchemeError) as caught:
        build_scheme(_data(when), file=FILE)
    err = caught.value
    return err.file, err.path, err.problem, str(err)


REFUSALS = [
    # is: one of the choices
    pytest.param({"fact": "credit_grade", "is": "E"}, f"{WHEN}.is", "'E' is not one of the choices of 'credit_grade'",
                 id="is-not-a-choice"),
    pytest.param([{"fact": "count", "at_least": 3}, {"fact": "credit_grade", "is": "a"}], f"{WHEN}[1].is",
                 "'a' is not one of the choices of 'credit_grade'", id="is-not-a-choice-second"),
    # in: a non-empty array, of choices
    pytest.param({"fact": "credit_grade", "in": []}, f"{WHEN}.in", "expected a non-empty array", id="in-empty"),
    pytest.param({"fact": "count", "in": []}, f"{WHEN}.in", "expected a non-empty array", id="in-empty-count"),
    pytest.param({"fact": "credit_grade", "in": "C"}, f"{WHEN}.in", "expected a non-empty array",
                 id="in-not-an-array"),
    pytest.param({"fact": "credit_grade", "in": ["C", "E", "F"]}, f"{WHEN}.in",
                 "['E', 'F'] not among the choices of 'credit_grade'", id="in-not-choices"),  # only the bad ones
    pytest.param([{"fact": "count", "at_least": 3}, {"fact": "credit_grade", "in": ["D", "d"]}], f"{WHEN}[1].in",
                 "['d'] not among the choices of 'credit_grade'", id="in-not-choices-second"),
    # the comparisons: a numeric fact, a number
    pytest.param({"fact": "credit_grade", "at_least": 1}, f"{WHEN}.at_least",
                 "fact 'credit_grade' of kind 'choice' cannot be compared with at_least", id="at-least-choice"),
    pytest.param([{"fact": "count", "at_least": 3}, {"fact": "judged", "less_than": 2}], f"{WHEN}[1].less_than",
                 "fact 'judged' of kind 'judgement' cannot be compared with less_than", id="less-than-judgement"),
    pytest.param({"fact": "count", "at_least": "3"}, f"{WHEN}.at_least", "expected a number, got str '3'",
                 id="at-least-text"),
    pytest.param([{"fact": "count", "at_least": 3}, {"fact": "ratio", "more_than": True}], f"{WHEN}[1].more_than",
                 "expected a number, got bool True", id="more-than-bool"),
]


@pytest.mark.parametrize("when, path, problem", REFUSALS)
def test_a_bad_test_is_refused_with_its_file_path_and_problem(when, path, problem):
    assert refusal(when) == (FILE, path, problem, f"{FILE}: {path}: {problem}")


def test_the_good_tests_load_as_written():
    """FORMAT.md's examples: `is` and `in` of choices, `in` of counts (no choices to be among), and each
    comparison, on a count and on a number fact."""
    assert loaded([{"fact": "credit_grade", "is": "A"}, {"fact": "credit_grade", "in": ["C", "D"]},
                   {"fact": "count", "in": [0, 1]}, {"fact": "count", "at_least": 3, "at_most": 9},
                   {"fact": "ratio", "more_than": Decimal("0.5"), "less_than": 2}]) == (
        Condition(fact="credit_grade", is_="A", has_is=True),
        Condition(fact="credit_grade", in_=("C", "D")),
        Condition(fact="count", in_=(0, 1)),
        Condition(fact="count", at_least=Decimal(3), at_most=Decimal(9)),
        Condition(fact="ratio", more_than=Decimal("0.5"), less_than=Decimal(2)),
    )
