"""A condition (rules/schemes/FORMAT.md §2 "Conditions": a table with `fact` and one or more of the tests is, in,
at_least, more_than, at_most, less_than; a list of conditions means all must hold) is validated on load wherever it is
used, here a veto's `when` (§1 "Vetoes") and a deductions entry's `when` (§4, `{ label, when, points }`). A bad one is
refused with the file, the path inside it (`…when` for a single table, `…when[<i>]` for the i-th of a list) and the
problem word for word: that message is what a county's scheme author reads.
The scheme checker (rules/schemes/check.py) reports the same mistakes as problems whose parameters the portal words
verbatim; a boolean parameter is written the way TOML writes it, `true` / `false`.
Issue #18: survivors of rules.scoring.loader _Builder.condition / _Builder.conditions and rules.schemes.check._s.
Cases edit the small valid scheme of test_loader.py (its `count` fact stands for FORMAT.md's incidents_and_complaints)
and, for the checker, its example-2024.toml (the cases of test_mutants_check.py). test_mutants_loader_veto.py has the
veto cases for a missing `when`, an empty list and an unknown fact; they are not repeated here.
"""
from __future__ import annotations

import copy
import tomllib
from decimal import Decimal

import pytest

from rules.schemes.check import check_scheme_text
from rules.scoring import SchemeError
from rules.scoring.loader import build_scheme
from tests.rules.scoring.test_loader import GOOD
from tests.rules.schemes.test_mutants_check import EXAMPLE, MARK, VETO_WHEN

FILE = "tiny-2024.toml"
BASE = tomllib.loads(GOOD, parse_float=Decimal)
CLAUSE = "发生安全责任事故或投诉3次以上，一票否决，年度评估为不合格。"  # FORMAT.md's example veto
THREE = {"fact": "count", "at_least": 3}
NEEDS_A_TEST = "a condition needs a test: is, in, at_least, more_than, at_most, less_than"
UNKNOWN_ABOVE = "unknown key(s) above; allowed: at_least, at_most, fact, in, is, less_than, more_than"
NOT_A_TABLE = "expected a table, got str"
ENTRY = "categories[work].items[count].deductions[0]"  # the per_unit item `count` (max 6) made a deductions leaf


def in_veto(when):
    """The scheme with FORMAT.md's example veto, its `when` being `when`."""
    def edit(data):
        data["vetoes"] = [{"id": "three_incidents", "effect": "fail", "when": when, "clause": CLAUSE}]
    return edit


def in_deduction(when):
    """The `count` item as a deductions leaf with one entry { label, when, points } (每发生一次投诉扣1分)."""
    def edit(data):
        item = data["categories"][0]["items"][0]
        for key in ("method", "fact", "points_per_unit"):
            item.pop(key)
        item.update(method="deductions", deductions=[{"label": "投诉", "when": when, "points": 1}])
    return edit


def refusal(edit) -> tuple[str, str, str, str]:
    data = copy.deepcopy(BASE)
    edit(data)
    with pytest.raises(SchemeError) as caught:
        build_scheme(data, file=FILE)
    err = caught.value
    return err.file, err.path, err.problem, str(err)


REFUSALS = [
    # a condition that is not a table, second of a list: the list index names it
    pytest.param(in_veto([THREE, "count"]), "vetoes[0].when[1]", NOT_A_TABLE, id="veto-not-a-table"),
    pytest.param(in_deduction([THREE, "count"]), f"{ENTRY}.when[1]", NOT_A_TABLE, id="deduction-not-a-table"),
    # a key that is neither `fact` nor a test
    pytest.param(in_veto({**THREE, "above": 1}), "vetoes[0].when", UNKNOWN_ABOVE, id="veto-unknown-key"),
    pytest.param(in_deduction([{**THREE, "above": 1}]), f"{ENTRY}.when[0]", UNKNOWN_ABOVE, id="deduction-unknown-key"),
    # a fact without a test: nothing to hold or not
    pytest.param(in_veto({"fact": "count"}), "vetoes[0].when", NEEDS_A_TEST, id="veto-no-test"),
    pytest.param(in_veto([THREE, {"fact": "count"}]), "vetoes[0].when[1]", NEEDS_A_TEST, id="veto-list-no-test"),
    pytest.param(in_deduction({"fact": "count"}), f"{ENTRY}.when", NEEDS_A_TEST, id="deduction-no-test"),
    pytest.param(in_deduction([THREE, {"fact": "count"}]), f"{ENTRY}.when[1]", NEEDS_A_TEST,
                 id="deduction-list-no-test"),
    # an empty list: a deduction that would always apply, refused as for a veto
    pytest.param(in_deduction([]), f"{ENTRY}.when", "expected at least one condition", id="deduction-no-conditions"),
]


@pytest.mark.parametrize("edit, path, problem", REFUSALS)
def test_a_bad_condition_is_refused_with_its_file_path_and_problem(edit, path, problem):
    assert refusal(edit) == (FILE, path, problem, f"{FILE}: {path}: {problem}")


def test_the_good_conditions_load():
    """The same edits with good conditions load: the refusals above are of the bad condition alone."""
    for edit in (in_veto([THREE, {"fact": "count", "at_most": 9}]), in_deduction([THREE, {"fact": "count", "is": 3}])):
        data = copy.deepcopy(BASE)
        edit(data)
        build_scheme(data, file=FILE)


@pytest.mark.parametrize("value", ["false", "true"])
def test_the_checker_writes_a_boolean_compared_with_a_choice_fact_as_toml_does(value):
    """`is = false` on a choice fact (credit_grade: A–D) is not one of its choices; the problem's `value` is the
    file's own word, `false` (or `true`), not Python's False nor anything else."""
    text = EXAMPLE.replace(VETO_WHEN, f'when = {{ fact = "credit_grade", is = {value} }}' + MARK)
    line = next(n for n, t in enumerate(text.splitlines(), 1) if t.endswith(MARK))
    result = check_scheme_text(text, file_name="example-2024.toml")
    assert result.scheme is None
    assert [(p.key, p.line, p.params) for p in result.problems if p.key == "bad_condition"] == [
        ("bad_condition", line, {"fact": "credit_grade", "test": "is", "reason": "not_a_choice", "value": value})]
