"""A `deductions` leaf is validated on load (rules/schemes/FORMAT.md §4 `deductions` and its entries, §6 R3):
`start` (= max, ≥ 0, not above max), `floor` (0, ≥ 0), a non-empty list of labelled entries, each entry's fact of
the kind its form needs; a penalty leaf takes neither start nor floor. A bad value is refused naming the file, the
path and the problem word for word. Issue #18: the survivors of rules.scoring.loader's _Builder.m_deductions.
Each case edits the small valid scheme of test_loader.py: its per_unit item `count` (max 6) becomes a deductions leaf.
"""
from __future__ import annotations

import copy
import tomllib
from decimal import Decimal

import pytest

from rules.scoring import SchemeError, score
from rules.scoring.loader import build_scheme
from tests.rules.scoring.test_loader import GOOD

D = Decimal
FILE = "tiny-2024.toml"
BASE = tomllib.loads(GOOD, parse_float=Decimal)
COUNT = "categories[work].items[count]"  # the item (max 6) turned into a deductions leaf
ENTRY = f"{COUNT}.deductions[0]"
UNKNOWN = "unknown fact 'nothing': declare it under [facts.nothing] or [derived.nothing]"
JUDGED = "fact 'judged' is of kind 'judgement'; this needs one of count, number, percent"
EACH = {"label": "投诉", "fact": "count", "each": 1}  # 每次扣1分
SHORT = {"label": "推荐不足", "fact": "count", "target": 5, "each": 1}  # 每少一个扣1分


def deductions(entries=(EACH,), **fields):
    """The count item rewritten as a deductions leaf; a field given as None is left out."""
    def edit(d):
        item = d["categories"][0]["items"][0]
        for key in ("method", "fact", "points_per_unit"):
            item.pop(key)
        item.update(method="deductions", deductions=list(entries), **fields)
        for key in [k for k, v in item.items() if v is None]:
            item.pop(key)
    return edit


def entry(base, **changes):
    return deductions([{**base, **changes}])


def refusal(edit) -> str:
    data = copy.deepcopy(BASE)
    edit(data)
    with pytest.raises(SchemeError) as caught:
        build_scheme(data, file=FILE)
    return str(caught.value)


def loaded(edit):
    data = copy.deepcopy(BASE)
    edit(data)
    return build_scheme(data, file=FILE)


@pytest.mark.parametrize("edit, message", [
    # §6 R3: a penalty leaf's magnitude is Σ entries; it has no start and no floor
    (deductions(kind="penalty", floor=1),
     f"{COUNT}.floor: a penalty's deductions add up to its magnitude; no start or floor"),
    (deductions(kind="penalty", start=3),
     f"{COUNT}.start: a penalty's deductions add up to its magnitude; no start or floor"),
    # start defaults to max: a bonus leaf without a max must give one
    (deductions(kind="bonus", max=None), f"{COUNT}: needs 'start' (or 'max')"),
    (deductions(start=-1), f"{COUNT}.start: must be ≥ 0, got −1"),
    (deductions(start=7), f"{COUNT}.start: start 7 exceeds max 6"),
    (deductions(floor=-1), f"{COUNT}.floor: must be ≥ 0, got −1"),
    (deductions([]), f"{COUNT}: deductions is empty"),
    # every entry is a table with a label
    (deductions(["投诉"]), f"{ENTRY}: expected a table, got str"),
    (deductions([{"fact": "count", "each": 1}]), f"{ENTRY}: missing 'label'"),
    # { label, when, points }
    (deductions([{"label": "无计划", "when": {"fact": "count", "at_most": 0}, "points": -1}]),
     f"{ENTRY}.points: must be ≥ 0, got −1"),
    # { label, fact, target, each, per = 1 }: target a number or a numeric fact/derived key, fact numeric or a list
    (entry(SHORT, target="nothing"), f"{ENTRY}.target: {UNKNOWN}"),
    (entry(SHORT, target="judged"), f"{ENTRY}.target: {JUDGED}"),
    (entry(SHORT, target=True), f"{ENTRY}.target: expected a number, got bool True"),
    (entry(SHORT, fact="nothing"), f"{ENTRY}.fact: {UNKNOWN}"),
    (entry(SHORT, fact="judged"), f"{ENTRY}.fact: {JUDGED}, count_list"),
    (entry(SHORT, per=0), f"{ENTRY}.per: must be ≥ 0.000001, got 0"),
    (entry(SHORT, whole_units="yes"), f"{ENTRY}.whole_units: expected true or false, got 'yes'"),
    # { label, fact, each }: count × each, the fact numeric
    (entry(EACH, fact="nothing"), f"{ENTRY}.fact: {UNKNOWN}"),
    (entry(EACH, fact="judged"), f"{ENTRY}.fact: {JUDGED}"),
    (entry(EACH, each=-1), f"{ENTRY}.each: must be ≥ 0, got −1"),
])
def test_a_bad_deductions_rule_is_refused_naming_the_place_and_the_problem(edit, message):
    """FORMAT.md §4 `deductions`: start (= max) ≥ 0 and ≤ max, floor ≥ 0, entries as in the entry table."""
    assert refusal(edit) == f"{FILE}: {message}"


@pytest.mark.parametrize("count, expected", [(0, 3), (1, 2), (2, 1), (5, 1)])
def test_a_deductions_leaf_counts_down_from_its_start_to_its_floor(count, expected):
    """FORMAT.md §4: start − Σ entries, never below floor. start 3, floor 1 on a max-6 item: 每次扣1分."""
    scheme = loaded(deductions(start=3, floor=1))
    sheet = score(scheme, {"count": count, "judged": {"value": "1", "reason": "理由"}})
    assert sheet.line("work/count").points == expected


def test_a_deductions_start_may_equal_the_leafs_max():
    """FORMAT.md §4: start defaults to max; written out as the max itself (6) or 0 it loads as given."""
    leaf = loaded(deductions(start=6, floor=0)).categories[0].children[0]
    assert (leaf.params["start"], leaf.params["floor"]) == (6, 0)
    leaf = loaded(deductions(start=0)).categories[0].children[0]
    assert (leaf.params["start"], leaf.params["floor"]) == (0, 0)
