"""A `levels` leaf of a scheme file is validated on load (rules/schemes/FORMAT.md §4, the `levels` method: `fact`
(a `choice` fact), `points = {choice = points, …}`, every choice listed; §4b: a graded factor has a `weight` and
`grades` instead of `points`, never both). A refusal names the file, the path of the field and the problem, word for
word: the message is what the scheme's author reads. Issue #18: the survivors of the mutation run in
rules.scoring.loader `_Builder.m_levels`.
"""
from __future__ import annotations

import copy
import tomllib
from decimal import Decimal

import pytest

from rules.scoring import SchemeError
from rules.scoring.loader import build_scheme

D = Decimal
FILE = "levels-2024.toml"
LEAF = "categories[work].items[service]"

# A small valid scheme: one 10-point item scored by the level of a choice fact.
BASE = tomllib.loads("""
[scheme]
id = "levels-2024"
title = "等级方案"
bureau = "测试局"
document_number = ""
effective_date = 2024-01-01
source = "fixture"
max_total = 10

[[cycles]]
id = "annual"
label = "年度"

[result]
pass_mark = 6
clause = "6分以上合格"

[facts.rating]
meaning = "服务评价 / service rating"
kind = "choice"
choices = ["good", "fair", "poor"]
example = "good"

[facts.referrals]
meaning = "推荐人数 / job-seekers referred"
kind = "count"
unit = "人"
example = 10

[[categories]]
id = "work"
title = "工作"
max = 10
clause = "工作（10分）"

[[categories.items]]
id = "service"
title = "服务"
max = 10
clause = "好10分，一般6分，差0分"
method = "levels"
fact = "rating"
points = { good = 10, fair = 6, poor = 0 }
""", parse_float=Decimal)


def build(**leaf):
    """The base scheme with keys of its one levels leaf replaced (a value of None removes the key)."""
    d = copy.deepcopy(BASE)
    item = d["categories"][0]["items"][0]
    for key, value in leaf.items():
        if value is None:
            item.pop(key, None)
        else:
            item[key] = value
    return build_scheme(d, file=FILE)


def refusal(**leaf) -> str:
    with pytest.raises(SchemeError) as caught:
        build(**leaf)
    return str(caught.value)


CHOICES = "'rating' ['good', 'fair', 'poor']"


def test_a_valid_levels_leaf_loads_with_a_point_value_per_choice():
    """FORMAT.md §4 `levels`: points for the chosen level, one entry per choice, in the fact's order."""
    node = build().categories[0].children[0]
    assert node.params == {"fact": "rating", "points": {"good": D(10), "fair": D(6), "poor": D(0)}}


# -- the fact ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fact, message", [
    ("nope", "unknown fact 'nope': declare it under [facts.nope] or [derived.nope]"),
    ("referrals", "fact 'referrals' is of kind 'count'; this needs one of choice"),
])
def test_the_fact_of_a_levels_leaf_must_be_a_declared_choice_fact(fact, message):
    """FORMAT.md §4 `levels`: `fact` is a `choice` fact; the refusal names the leaf's `fact` field."""
    assert refusal(fact=fact) == f"{FILE}: {LEAF}.fact: {message}"


# -- the points table: exactly the choices ----------------------------------------------------------------------------

def test_the_points_of_a_levels_leaf_must_be_a_table():
    """FORMAT.md §4 `levels`: `points = {choice = points, …}` is a table; the refusal names `points`."""
    assert refusal(points=[10, 6, 0]) == f"{FILE}: {LEAF}.points: expected a table, got list"
    assert refusal(points=None) == f"{FILE}: {LEAF}.points: expected a table, got NoneType"


@pytest.mark.parametrize("points, tail", [
    ({"good": 10, "fair": 6}, "; missing ['poor']"),
    ({"good": 10, "fair": 6, "poor": 0, "bad": 0}, "; not a choice ['bad']"),
    ({"good": 10, "fair": 6, "awful": 0}, "; missing ['poor']; not a choice ['awful']"),
    ({"fair": 6, "good": 10, "poor": 0, "great": 10, "bad": 0}, "; not a choice ['great', 'bad']"),
])
def test_the_points_of_a_levels_leaf_must_list_exactly_the_choices(points, tail):
    """FORMAT.md §4 `levels`: 'every choice must be listed' (and only the choices); the message lists the fact's
    choices, then what is missing and what is not a choice — and only the part that applies."""
    assert refusal(points=points) == f"{FILE}: {LEAF}.points: must list exactly the choices of {CHOICES}{tail}"


# -- each level's points ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, message", [
    (-1, "must be ≥ 0, got −1"),
    (D("-0.5"), "must be ≥ 0, got −0.5"),
    ("6", "expected a number, got str '6'"),
])
def test_the_points_of_a_level_are_a_number_not_below_zero(value, message):
    """FORMAT.md §4 `levels`: points per level are points (a number ≥ 0, shown with a minus sign −); the refusal
    names the level."""
    points = {"good": 10, "fair": value, "poor": 0}
    assert refusal(points=points) == f"{FILE}: {LEAF}.points.fair: {message}"


def test_the_points_of_a_level_may_not_exceed_the_leafs_max():
    """FORMAT.md §4 `levels`: a level's points are points of the leaf, at most its `max`."""
    assert refusal(points={"good": 11, "fair": 6, "poor": 0}) == f"{FILE}: {LEAF}.points.good: 11 exceeds max 10"


# -- levels or a graded factor ----------------------------------------------------------------------------------------

def test_a_weight_alone_makes_a_graded_factor_that_needs_its_grades():
    """FORMAT.md §4b: a graded factor is a `levels` leaf with a `weight` and its `grades` instead of `points`: a
    `weight` without `grades` is a graded factor missing its grades."""
    assert refusal(points=None, weight=2) == f"{FILE}: {LEAF}: missing 'grades'"


def test_a_weight_with_points_is_refused_as_both():
    """FORMAT.md §4b: `grades` come 'instead of `points`': a weight beside points is refused."""
    assert refusal(weight=2) == f"{FILE}: {LEAF}.points: points per level, or a weight and grades: not both"


def test_grades_with_points_is_refused_as_both():
    """FORMAT.md §4b: `grades` come 'instead of `points`': grades beside points are refused."""
    grades = [{"grade": c, "value": 1} for c in ("good", "fair", "poor")]
    assert refusal(grades=grades) == f"{FILE}: {LEAF}.points: points per level, or a weight and grades: not both"


def test_a_weight_and_grades_load_as_a_graded_factor():
    """FORMAT.md §4b: points = weight × the grade's value; max must be weight × the highest value."""
    grades = [{"grade": "good", "value": 5}, {"grade": "fair", "value": 3}, {"grade": "poor", "value": 0}]
    node = build(points=None, weight=2, grades=grades).categories[0].children[0]
    assert node.params["weight"] == D(2)
    assert [(g.grade, g.value) for g in node.params["grades"]] == [("good", D(5)), ("fair", D(3)), ("poor", D(0))]
