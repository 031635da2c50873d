"""The parameters of `checklist`, `per_unit` and `tiers` leaves are validated on load (rules/schemes/FORMAT.md §3, §4):
a bad value is refused with the file, the path inside it and the problem, word for word — that message is what a
scheme author reads — and an optional key left out loads with its documented default. Also: a rank leaf whose
`eligible` fact is absent reports it missing (FORMAT.md §2), and the Scheme object's own look-ups (FORMAT.md §7).
Issue #18: survivors of rules.scoring.loader (m_checklist, m_per_unit, m_tiers), rules.scoring.engine
(_method_keys) and rules.scoring.model (Scheme.node, Scheme.validate_facts). Each case edits the small valid
scheme of test_loader.py.
"""
from __future__ import annotations

import copy
import tomllib
from decimal import Decimal

import pytest

from rules.scoring import FactsError, SchemeError, score
from rules.scoring.loader import build_scheme
from tests.rules.scoring.test_loader import GOOD

D = Decimal
FILE = "tiny-2024.toml"
BASE = tomllib.loads(GOOD, parse_float=Decimal)
COUNT = "categories[work].items[count]"  # the per_unit item (max 6) that the edits below rewrite
UNKNOWN_NOTHING = "unknown fact 'nothing': declare it under [facts.nothing] or [derived.nothing]"
FLAG_TRUE = {"fact": "flag", "is": True}


def data(edit):
    out = copy.deepcopy(BASE)
    # a bool fact for checklist conditions and for a fact of the wrong kind
    out["facts"]["flag"] = {"meaning": "是否", "kind": "bool", "example": True}
    edit(out)
    return out


def loaded(edit):
    return build_scheme(data(edit), file=FILE)


def refusal(edit) -> str:
    with pytest.raises(SchemeError) as caught:
        build_scheme(data(edit), file=FILE)
    return str(caught.value)


def method(name, **fields):
    """The count item (max 6) rewritten as a leaf of `name`; a field given as None is left out."""
    def edit(d):
        item = d["categories"][0]["items"][0]
        for key in ("method", "fact", "points_per_unit"):
            item.pop(key)
        item.update({"method": name, **{k: v for k, v in fields.items() if v is not None}})
    return edit


def entry(**changes):
    """One checklist entry worth the item's 6 points; a field given as None is left out."""
    fields = {"label": "统一挂牌", "points": 6, "when": FLAG_TRUE, **changes}
    return {k: v for k, v in fields.items() if v is not None}


def checklist(**fields):
    return method("checklist", **{"entries": [entry()], **fields})


def per_unit(**fields):
    return method("per_unit", **{"fact": "count", "points_per_unit": 1, **fields})


def tiers(**fields):
    return method("tiers", **{"fact": "count", "tiers": [{"min": 1, "points": 6}], **fields})


def bonus_checklist(points, cap):
    """A third item: a bonus checklist (not counted towards the category's max)."""
    def edit(d):
        d["categories"][0]["items"].append({
            "id": "extra", "title": "加分", "clause": "另加分", "kind": "bonus", "method": "checklist", "cap": cap,
            "entries": [entry(points=points)]})
    return edit


def leaf(scheme, path="work/count"):
    return scheme.node(path)


# -- checklist -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("edit, message", [
    (checklist(entries=None), f"{COUNT}: missing 'entries'"),
    (checklist(entries=[3]), f"{COUNT}.entries[0]: expected a table, got int"),
    (checklist(entries=[entry(note="x")]), f"{COUNT}.entries[0]: unknown key(s) note; allowed: label, points, when"),
    (checklist(entries=[entry(when=None)]), f"{COUNT}.entries[0]: missing 'when'"),
    (checklist(entries=[entry(label=None)]), f"{COUNT}.entries[0]: missing 'label'"),
    (checklist(entries=[entry(label=3)]), f"{COUNT}.entries[0].label: expected a string, got int"),
    (checklist(entries=[entry(points=None)]), f"{COUNT}.entries[0]: missing 'points'"),
    (checklist(entries=[entry(points="6")]), f"{COUNT}.entries[0].points: expected a number, got str '6'"),
    (checklist(entries=[entry(points=6), entry(points=-1)]), f"{COUNT}.entries[1].points: must be ≥ 0, got −1"),
    (checklist(entries=[entry(when={"fact": "nothing", "is": True})]),
     f"{COUNT}.entries[0].when.fact: {UNKNOWN_NOTHING}"),
    (checklist(entries=[]), f"{COUNT}: a checklist needs entries"),
    (checklist(cap=7), f"{COUNT}.cap: cap 7 exceeds the leaf's max 6"),
    (checklist(cap=-1), f"{COUNT}.cap: must be ≥ 0, got −1"),
    (checklist(entries=[entry(points=2), entry(points=D("2.5"))]), f"{COUNT}: entries add up to 4.5, below max 6"),
    (checklist(entries=[entry(points=6)], cap=D("6.5")), f"{COUNT}.cap: cap 6.5 exceeds the leaf's max 6"),
])
def test_a_bad_checklist_is_refused_naming_the_entry_and_the_problem(edit, message):
    """FORMAT.md §4 `checklist`: entries = [{label, points, when}], Σ points of the entries that hold, ≤ cap (cap
    defaults to the leaf's max and may not exceed it); points are ≥ 0; a regular leaf whose entries cannot reach
    its max is refused (its max could never be scored)."""
    assert refusal(edit) == f"{FILE}: {message}"


def test_a_checklist_loads_as_written():
    """FORMAT.md §4: `cap` defaults to the leaf's max; entries that add up to more than the max are fine (≤ cap)."""
    params = leaf(loaded(checklist(entries=[entry(points=4), entry(label="有台账", points=3)]))).params
    assert params["cap"] == 6
    assert [(e.label, e.points, e.when[0].fact) for e in params["entries"]] == [("统一挂牌", 4, "flag"),
                                                                              ("有台账", 3, "flag")]


def test_a_bonus_checklist_may_add_up_below_its_cap():
    """FORMAT.md §3: a bonus leaf needs a cap or max and does not count towards the max; only a regular leaf must
    be able to reach its max, so a bonus checklist worth 1 under a cap of 3 loads."""
    scheme = loaded(bonus_checklist(points=1, cap=3))
    assert leaf(scheme, "work/extra").params["cap"] == 3
    assert [e.points for e in leaf(scheme, "work/extra").params["entries"]] == [1]


# -- per_unit ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("edit, message", [
    (per_unit(fact="flag"),
     f"{COUNT}.fact: fact 'flag' is of kind 'bool'; this needs one of count, number, percent, count_list"),
    (per_unit(points_per_unit=None), f"{COUNT}: missing 'points_per_unit'"),
    (per_unit(beyond="2"), f"{COUNT}.beyond: expected a number, got str '2'"),
    (per_unit(beyond=-1), f"{COUNT}.beyond: must be ≥ 0, got −1"),
    (per_unit(unit="2"), f"{COUNT}.unit: expected a number, got str '2'"),
    (per_unit(unit=0), f"{COUNT}.unit: must be ≥ 0.000001, got 0"),
    (per_unit(cap=7), f"{COUNT}.cap: cap 7 exceeds the leaf's max 6"),
    (per_unit(cap="6"), f"{COUNT}.cap: expected a number, got str '6'"),
    (per_unit(per_entry_cap=2), f"{COUNT}.per_entry_cap: only for a count_list fact"),
])
def test_a_bad_per_unit_rule_is_refused_naming_the_parameter(edit, message):
    """FORMAT.md §4 `per_unit`: fact (count, number, percent or count_list), points_per_unit, beyond (0, ≥ 0),
    unit (1, > 0), cap (the leaf's max, not above it), per_entry_cap (count_list only)."""
    assert refusal(edit) == f"{FILE}: {message}"


def test_a_per_unit_rule_loads_with_its_documented_defaults():
    """FORMAT.md §4 `per_unit`: beyond 0, unit 1, cap = the leaf's max, no per-entry cap; the edges 0 and
    0.000001 are allowed."""
    params = leaf(loaded(per_unit())).params
    assert (params["beyond"], params["unit"], params["cap"], params["per_entry_cap"]) == (0, 1, 6, None)
    params = leaf(loaded(per_unit(beyond=0, unit=D("0.000001"), cap=0))).params
    assert (params["beyond"], params["unit"], params["cap"]) == (0, D("0.000001"), 0)


def test_a_per_unit_rule_scores_up_to_the_leafs_max_by_default():
    """FORMAT.md §4: points = min(units × points_per_unit, cap), cap defaulting to the leaf's max (6)."""
    scheme = loaded(per_unit(points_per_unit=2))
    sheet = score(scheme, {"count": 5, "judged": {"value": "1", "reason": "理由"}})
    assert sheet.line("work/count").points == 6


# -- tiers ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("edit, message", [
    (tiers(fact="nothing"), f"{COUNT}.fact: {UNKNOWN_NOTHING}"),
    (tiers(fact="flag"), f"{COUNT}.fact: fact 'flag' is of kind 'bool'; this needs one of count, number, percent"),
    (tiers(tiers=None), f"{COUNT}: missing 'tiers'"),
    (tiers(tiers="1-3"), f"{COUNT}.tiers: expected an array, got str"),
    (tiers(tiers=[]), f"{COUNT}: tiers is empty"),
    (tiers(tiers=[{"min": 0, "max": 1, "points": 1}, {"min": 3, "max": 1, "points": 2}]),
     f"{COUNT}.tiers[1]: min 3 is above max 1"),
    (tiers(tiers=[{"min": 0, "points": 1, "note": "x"}]),
     f"{COUNT}.tiers[0]: unknown key(s) note; allowed: label, max, max_inclusive, min, min_inclusive, points"),
    (tiers(otherwise="1"), f"{COUNT}.otherwise: expected a number, got str '1'"),
    (tiers(otherwise=-1), f"{COUNT}.otherwise: must be ≥ 0, got −1"),
    (tiers(tiers=[{"min": 0, "max": 2, "points": 1}, {"min": 2, "points": 7}]),
     f"{COUNT}.tiers[1]: points 7 exceed max 6"),
    (tiers(tiers=[{"min": 0, "points": D("6.5")}]), f"{COUNT}.tiers[0]: points 6.5 exceed max 6"),
])
def test_a_bad_tiers_rule_is_refused_naming_the_tier_and_the_problem(edit, message):
    """FORMAT.md §4 `tiers`: fact (count, number or percent), tiers = [{min, max, min_inclusive, max_inclusive,
    points}] (at least one; no tier worth more than the leaf's max), otherwise (0, ≥ 0)."""
    assert refusal(edit) == f"{FILE}: {message}"


def test_a_tiers_rule_keeps_its_otherwise_and_defaults_it_to_zero():
    """FORMAT.md §4 `tiers`: `otherwise` (default 0) is what a value in no tier scores; the edge 0 is allowed."""
    assert leaf(loaded(tiers())).params["otherwise"] == 0
    assert leaf(loaded(tiers(otherwise=0))).params["otherwise"] == 0
    scheme = loaded(tiers(otherwise=2))
    assert leaf(scheme).params["otherwise"] == 2
    sheet = score(scheme, {"count": 0, "judged": {"value": "1", "reason": "理由"}})
    assert sheet.line("work/count").points == 2


# -- a rank leaf's eligibility fact --------------------------------------------------------------------------------

def test_a_rank_leaf_reports_its_missing_eligibility_fact():
    """FORMAT.md §2: a fact an item needs that is absent is reported on the sheet as missing, never taken as
    anything; a rank leaf needs its `eligible` facts as well as its own fact (§4 `rank`)."""
    scheme = loaded(method("rank", fact="count", top=6, step=1, eligible=FLAG_TRUE))
    sheet = score(scheme, {"count": 3, "judged": {"value": "1", "reason": "理由"}})
    line = sheet.line("work/count")
    assert line.missing == ["flag"] and not line.needs_cohort
    assert line.explanation == "not scored: missing fact(s) flag"
    assert "flag" in sheet.missing_facts and not sheet.complete


# -- the Scheme object ---------------------------------------------------------------------------------------------

def test_a_scheme_finds_a_node_by_its_path_and_names_a_path_it_does_not_have():
    """FORMAT.md §3: the path of a line is category/item[/subitem]; a path the scheme does not have is a KeyError
    naming that path."""
    scheme = loaded(lambda d: None)
    assert scheme.node("work/count").title == "数量"
    with pytest.raises(KeyError) as caught:
        scheme.node("work/nothing")
    assert caught.value.args == ("work/nothing",)


def test_a_scheme_validates_facts_naming_the_fact_and_the_participant():
    """FORMAT.md §7: scheme.validate_facts(facts) gives the normalised dict, or FactsError naming the fact (and,
    when given, the participant)."""
    scheme = loaded(lambda d: None)
    clean = scheme.validate_facts({"count": 3, "flag": False, "judged": None})
    assert clean == {"count": 3, "flag": False}
    with pytest.raises(FactsError) as caught:
        scheme.validate_facts({"count": -1}, participant="op-1")
    assert (caught.value.key, caught.value.participant) == ("count", "op-1")
    assert str(caught.value) == "participant 'op-1': fact 'count': a count cannot be negative, got -1"
    with pytest.raises(FactsError) as caught:
        scheme.validate_facts({"nothing": 1})
    assert str(caught.value) == "fact 'nothing': unknown fact for scheme tiny-2024"
