"""The scheme checker on a `levels` item (issue #18: the survivors of rules.schemes.check _Checker.m_levels).

FORMAT.md §4, method table: `levels` takes `fact` (a `choice` fact) and `points = {choice = points, …}`, "points for
the chosen level (every choice must be listed)". The example's 信用等级 item (checker/example-2024.toml) reads
"信用等级A得3分，B得2分，C得1分，D不得分", max 3, `points = { A = 3, B = 2, C = 1, D = 0 }`. Each bad edit of it must
be said once, with its key, its place (the path `flask schemes check` prints, and the line marked ``# <-``) and every
parameter the portal words the problem from (portal/schemes/problems.py), and nothing else."""
from __future__ import annotations

from pathlib import Path

import pytest

from rules.schemes.check import check_scheme_text

EXAMPLE = (Path(__file__).parent / "checker" / "example-2024.toml").read_text(encoding="utf-8")
MARK = "  # <-"
CREDIT = "categories[quality].items[credit]"
LEVELS = "points = { A = 3, B = 2, C = 1, D = 0 }"
CHOICES = 'choices = ["A", "B", "C", "D"]'


def _replace(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def _said(text: str) -> list[tuple]:
    """Every problem as (key, path, line, params), the marked line's number standing for "marked"."""
    marked = [n for n, line in enumerate(text.splitlines(), 1) if line.endswith(MARK)]
    return [(p.key, p.path, "marked" if [p.line] == marked else p.line, p.params)
            for p in check_scheme_text(text, file_name="example-2024.toml").problems]


def test_the_example_s_levels_item_is_accepted():
    assert _said(EXAMPLE) == []


@pytest.mark.parametrize("old, new, said", [
    # the fact of a levels item must be a choice fact: has_plan is a yes/no fact, it has no levels
    ('fact = "credit_grade"\npoints', 'fact = "has_plan"' + MARK + "\npoints",
     [("fact_kind_mismatch", f"{CREDIT}.fact", "marked", {"fact": "has_plan", "kind": "bool", "needed": ["choice"]})]),
    # a level that is not one of the choices (E), and a choice with no points (D): both named, with the fact
    (LEVELS, "points = { A = 3, B = 2, C = 1, E = 0 }" + MARK,
     [("levels_choices", f"{CREDIT}.points", "marked", {"fact": "credit_grade", "missing": ["D"], "extra": ["E"]})]),
    # a level too many, every choice listed: the extra level alone is a problem
    (LEVELS, "points = { A = 3, B = 2, C = 1, D = 0, E = 0 }" + MARK,
     [("levels_choices", f"{CREDIT}.points", "marked", {"fact": "credit_grade", "missing": [], "extra": ["E"]})]),
    # a level's points must be a number, and not below zero: named at the level itself
    (LEVELS, 'points = { A = "3", B = 2, C = 1, D = 0 }' + MARK,
     [("wrong_type", f"{CREDIT}.points.A", "marked", {"key": "A", "expected": "number"})]),
    (LEVELS, "points = { A = 3, B = 2, C = 1, D = -1 }" + MARK,
     [("negative", f"{CREDIT}.points.D", "marked", {"key": "D", "value": "−1"})]),
    # a level worth more than the item's max (3): the level, its points and the max
    (LEVELS, "points = { A = 3, B = 5, C = 1, D = 0 }" + MARK,
     [("exceeds_max", f"{CREDIT}.points.B", "marked", {"key": "B", "value": "5", "max": "3"})]),
])
def test_a_bad_levels_item_is_said_once_at_its_place_with_all_its_words(old, new, said):
    assert _said(_replace(EXAMPLE, old, new)) == said


def test_a_levels_item_without_points_is_named_by_the_item():
    # no `points` key at all: a key missing (not a wrong type), at the item's header, not at a line it does not have
    text = _replace(EXAMPLE, LEVELS + "\n", "").replace('[[categories.items]]\nid = "credit"',
                                                         "[[categories.items]]" + MARK + '\nid = "credit"')
    assert _said(text) == [("missing_key", CREDIT, "marked", {"key": "points", "expected": "table"})]


def test_levels_are_not_matched_against_a_choice_list_that_is_itself_wrong():
    # a fact whose choices repeat one (D twice) is said at the fact; the levels are not then measured against the
    # broken list (its D would be "missing" twice), so the author is told one thing to fix, at its place
    text = _replace(_replace(EXAMPLE, CHOICES, 'choices = ["A", "B", "C", "D", "D"]' + MARK),
                    LEVELS, "points = { A = 3, B = 2, C = 1 }")
    assert _said(text) == [("duplicate_choice", "facts.credit_grade.choices[4]", "marked",
                            {"fact": "credit_grade", "choice": "D"})]
