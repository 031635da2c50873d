"""The item tree (category → item → sub-item) is validated on load (rules/schemes/FORMAT.md §3, §4, §6 R6): a bad
node is refused with the file, the path inside it (`categories[<id>]`, `….items[<id>]`, `….subitems[<id>]`, or a
field under it) and the problem, word for word — that message is what a scheme author reads.
Issue #18: survivors of rules.scoring.loader (_Builder.node). Each case edits the small valid scheme of
test_loader.py (category `work`, max 10: a per_unit item `count` of max 6 and a judgement item `judged` of max 4).
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
WORK = "categories[work]"
COUNT = "categories[work].items[count]"  # the per_unit item (max 6)
METHOD_LIST = "fixed, checklist, per_unit, tiers, levels, base_steps, deductions, judgement, rank"
ONLY_LEAF = "only a leaf (an item or sub-item with a method) can be a bonus or penalty"
ONLY_BONUS = "only a bonus without max or cap can be declared uncapped"
BONUS_NEEDS = "a bonus needs a 'cap' or a 'max' (加分上限), or 'uncapped = true' when the document sets none"


def data(edit):
    out = copy.deepcopy(BASE)
    edit(out)
    return out


def refusal(edit) -> str:
    with pytest.raises(SchemeError) as caught:
        build_scheme(data(edit), file=FILE)
    return str(caught.value)


def loaded(edit):
    return build_scheme(data(edit), file=FILE)


def category(**fields):
    """Edit the category `work`; a field given as None is removed."""
    def edit(d):
        cat = d["categories"][0]
        cat.update(fields)
        for k in [k for k, v in cat.items() if v is None]:
            del cat[k]
    return edit


def count_item(**fields):
    """Edit the per_unit item `count`; a field given as None is removed."""
    def edit(d):
        item = d["categories"][0]["items"][0]
        item.update(fields)
        for k in [k for k, v in item.items() if v is None]:
            del item[k]
    return edit


def extra_leaf(**fields):
    """Add a third item `plus` to `work`: a judgement leaf on `judged` (range 0–4), changed by `fields`."""
    leaf = {"id": "plus", "title": "加分", "clause": "加分条款", "method": "judgement", "fact": "judged",
            **fields}

    def edit(d):
        d["categories"][0]["items"].append({k: v for k, v in leaf.items() if v is not None})
    return edit


# -- shape and common fields ---------------------------------------------------------------------------------


def test_a_category_that_is_not_a_table_is_refused_at_its_index():
    """FORMAT.md §3: every node is a table; before its id is known, the path is the array index."""
    assert refusal(lambda d: d["categories"].insert(0, 3)) == f"{FILE}: categories[0]: expected a table, got int"


def test_an_item_that_is_not_a_table_is_refused_at_its_index():
    assert refusal(lambda d: d["categories"][0]["items"].append("x")) == (
        f"{FILE}: {WORK}.items[2]: expected a table, got str")


def test_a_note_must_be_a_string():
    """FORMAT.md §3: `note` = English remark on an interpretation taken (a string)."""
    assert refusal(category(note=3)) == f"{FILE}: {WORK}.note: expected a string, got int"


def test_a_category_note_is_kept_on_the_node():
    scheme = loaded(category(note="read as the yearly total"))
    assert scheme.categories[0].note == "read as the yearly total"


def test_a_missing_note_loads_as_empty():
    assert loaded(lambda d: None).categories[0].note == ""


# -- kind ----------------------------------------------------------------------------------------------------


def test_an_unknown_kind_is_refused_listing_the_kinds():
    """FORMAT.md §3: `kind` = "regular" (default), "bonus" or "penalty"."""
    assert refusal(count_item(kind="extra")) == (
        f"{FILE}: {COUNT}.kind: unknown kind 'extra'; one of regular, bonus, penalty")


def test_a_category_cannot_be_a_bonus():
    """FORMAT.md §3: kind is optional on any *leaf*; a category has items, not a kind."""
    assert refusal(category(kind="bonus")) == f"{FILE}: {WORK}.kind: {ONLY_LEAF}"


def test_an_item_with_subitems_cannot_be_a_penalty():
    def edit(d):
        d["categories"][0]["items"][0] = {"id": "count", "title": "数量", "clause": "c", "max": 6, "kind": "penalty",
                                          "subitems": [{"id": "a", "title": "a", "clause": "a", "max": 6,
                                                        "method": "fixed"}]}
    assert refusal(edit) == f"{FILE}: {COUNT}.kind: {ONLY_LEAF}"


# -- a category / an item with children ------------------------------------------------------------------------


def test_a_category_refuses_unknown_keys_listing_the_allowed_ones():
    """FORMAT.md §3: a category has id, title, max, clause (and note) and its items."""
    assert refusal(category(foo=1)) == (
        f"{FILE}: {WORK}: unknown key(s) foo; allowed: clause, id, items, max, note, title")


def test_two_items_with_the_same_id_are_refused_at_the_items_array():
    assert refusal(lambda d: d["categories"][0]["items"][1].update(id="count")) == (
        f"{FILE}: {WORK}.items: duplicate id 'count'")


def test_a_category_needs_a_max():
    """FORMAT.md §3: max = 15 # must equal the sum of its regular items' max."""
    assert refusal(category(max=None)) == f"{FILE}: {WORK}: missing 'max'"


def test_a_category_max_cannot_be_negative():
    assert refusal(category(max=-1)) == f"{FILE}: {WORK}.max: must be ≥ 0, got \u22121"


def test_a_category_of_bonus_items_only_has_regular_items_adding_up_to_zero():
    """FORMAT.md §3: bonus leaves don't count towards the category max; none regular → the sum is 0."""
    def edit(d):
        d["categories"][0]["items"] = [{"id": "plus", "title": "加分", "clause": "c", "kind": "bonus", "max": 4,
                                        "method": "judgement", "fact": "judged"}]
    assert refusal(edit) == f"{FILE}: {WORK}: max is 10 but its regular items add up to 0"


# -- a leaf ----------------------------------------------------------------------------------------------------


def test_a_subitem_without_a_method_is_refused_listing_the_methods_only():
    """FORMAT.md §3: a sub-item is a leaf (it cannot have children), so only a method is offered."""
    def edit(d):
        d["categories"][0]["items"][0] = {"id": "count", "title": "数量", "clause": "c", "max": 6,
                                          "subitems": [{"id": "a", "title": "a", "clause": "a", "max": 6}]}
    assert refusal(edit) == f"{FILE}: {COUNT}.subitems[a]: needs a 'method' ({METHOD_LIST})"


def test_an_item_without_a_method_is_offered_subitems():
    assert refusal(count_item(method=None)) == f"{FILE}: {COUNT}: needs a 'method' ({METHOD_LIST}) or 'subitems'"


def test_an_unknown_method_is_refused_listing_the_methods():
    """FORMAT.md §4: the leaf `method` is one of the table's methods."""
    assert refusal(count_item(method="guess")) == (
        f"{FILE}: {COUNT}.method: unknown method 'guess'; one of {METHOD_LIST}")


def test_a_regular_leaf_needs_a_max():
    """FORMAT.md §3: regular leaves are clamped to [0, max] and count towards `max`."""
    assert refusal(count_item(max=None)) == f"{FILE}: {COUNT}: missing 'max'"


def test_a_penalty_leaf_may_leave_out_its_max():
    """FORMAT.md §3: a penalty's `max` is optional (a cap on the magnitude)."""
    node = loaded(extra_leaf(kind="penalty")).node("work/plus")
    assert (node.kind, node.max) == ("penalty", None)


def test_requires_is_checked_at_its_own_path():
    """FORMAT.md §3: `requires` = condition(s); a condition's fact must be declared (§2 Conditions)."""
    assert refusal(count_item(requires={"fact": "nope", "is": True})) == (
        f"{FILE}: {COUNT}.requires.fact: unknown fact 'nope': declare it under [facts.nope] or [derived.nope]")


# -- uncapped (§6 R6) -------------------------------------------------------------------------------------------


def test_uncapped_must_be_true_or_false():
    assert refusal(count_item(uncapped="yes")) == f"{FILE}: {COUNT}.uncapped: expected true or false, got 'yes'"


@pytest.mark.parametrize("fields", [
    {"kind": "bonus", "max": 4, "uncapped": True},                    # a bonus with a max (no cap parameter)
    {"kind": "penalty", "uncapped": True},                            # not a bonus, though without max or cap
    {"uncapped": True, "max": 4},                                     # a regular leaf
], ids=["bonus-with-max", "penalty", "regular"])
def test_only_a_bonus_without_max_or_cap_can_be_uncapped(fields):
    """FORMAT.md §6 R6: `uncapped = true` is for a bonus leaf with neither `max` nor `cap`."""
    assert refusal(extra_leaf(**fields)) == f"{FILE}: {WORK}.items[plus].uncapped: {ONLY_BONUS}"


def test_a_bonus_with_a_cap_but_no_max_cannot_be_uncapped():
    edit = count_item(kind="bonus", max=None, cap=3, uncapped=True)
    assert refusal(edit) == f"{FILE}: {COUNT}.uncapped: {ONLY_BONUS}"


def test_a_bonus_without_max_cap_or_uncapped_is_refused():
    """FORMAT.md §6 R6: a bonus leaf with neither `max` nor `cap` must say `uncapped = true`."""
    assert refusal(extra_leaf(kind="bonus")) == f"{FILE}: {WORK}.items[plus]: {BONUS_NEEDS}"


def test_an_uncapped_bonus_loads_without_a_max():
    node = loaded(extra_leaf(kind="bonus", uncapped=True)).node("work/plus")
    assert (node.kind, node.max, node.method) == ("bonus", None, "judgement")
