"""The parameters of the scoring methods, [payment] and [subsidy] are validated on load (rules/schemes/FORMAT.md
§1, §4, §6): a bad value is refused with the file, the path inside it and the problem, word for word, and a value
at the edge of its bound, or an optional key left out, loads as documented. Issue #18: the survivors of
rules.scoring.loader's method and money builders. Each case edits the small valid scheme of test_loader.py.
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
COUNT = "categories[work].items[count]"  # the per_unit item (max 6) that the edits below turn into other methods
JUDGED = "categories[work].items[judged]"  # the judgement item (max 4) on the fact judged (0–4)


def data(edit):
    out = copy.deepcopy(BASE)
    edit(out)
    return out


def loaded(edit):
    return build_scheme(data(edit), file=FILE)


def refusal(edit) -> str:
    with pytest.raises(SchemeError) as caught:
        build_scheme(data(edit), file=FILE)
    return str(caught.value)


def count_item(d):
    return d["categories"][0]["items"][0]


def method(name, **fields):
    """The count item rewritten as a leaf of `name`; a field given as None is left out."""
    def edit(d):
        item = count_item(d)
        for key in ("method", "fact", "points_per_unit"):
            item.pop(key)
        item.update({"method": name, **{k: v for k, v in fields.items() if v is not None}})
    return edit


def base_steps(**changes):
    """seed 000 style: 满2个得1分，每增加1个加1分 (threshold 2, base 1, step 1, step_points 1)."""
    return method("base_steps", **{"fact": "count", "threshold": 2, "base": 1, "step": 1, "step_points": 1,
                                   **changes})


def rank(**changes):
    return method("rank", **{"fact": "count", "top": 6, "step": 1, **changes})


def judged_fact(**spec):
    return lambda d: d["facts"]["judged"].update(spec)


def judged_item(**fields):
    return lambda d: d["categories"][0]["items"][1].update(fields)


def with_cycle(edit):
    """A second cycle, so that a list of the scheme's cycles shows its separator."""
    def both(d):
        d["cycles"].append({"id": "half", "label": "半年"})
        edit(d)
    return both


def payment(**changes):
    """预付40%, 尾款60% (one stage), 全额 from 0 points; a field given as None is left out."""
    def edit(d):
        table = {"advance_share": D("0.4"), "clause": "预付40%",
                 "stages": [{"id": "final", "label": "尾款", "share": D("0.6")}],
                 "bands": [{"min": 0, "ratio": 1, "label": "全额"}], **changes}
        d["payment"] = {k: v for k, v in table.items() if v is not None}
    return edit


def stage(**changes):
    """payment() whose only stage (the whole 60%) is edited; a field given as None is left out."""
    fields = {"id": "final", "label": "尾款", "share": D("0.6"), **changes}
    return payment(stages=[{k: v for k, v in fields.items() if v is not None}])


def subsidy(**changes):
    """金东 style: 6分以上 ¥1,000, and a one-off 建站补贴; a field given as None is left out."""
    def edit(d):
        table = {"clause": "按得分给予补贴", "bands": [{"min": 6, "amount": 1000, "label": "6分以上"}],
                 "one_off": [{"id": "new_station", "amount": 10000, "label": "建站补贴"}], **changes}
        d["subsidy"] = {k: v for k, v in table.items() if v is not None}
    return edit


def one_off(**changes):
    fields = {"id": "new_station", "amount": 10000, "label": "建站补贴", **changes}
    return subsidy(one_off=[{k: v for k, v in fields.items() if v is not None}])


UNKNOWN_NOTHING = "unknown fact 'nothing': declare it under [facts.nothing] or [derived.nothing]"
NOT_NUMERIC = "fact 'judged' is of kind 'judgement'; this needs one of count, number, percent"


@pytest.mark.parametrize("edit, message", [
    (base_steps(fact="nothing"), f"{COUNT}.fact: {UNKNOWN_NOTHING}"),
    (base_steps(fact="judged"), f"{COUNT}.fact: {NOT_NUMERIC}"),
    (base_steps(threshold=None), f"{COUNT}: missing 'threshold'"),
    (base_steps(threshold=-1), f"{COUNT}.threshold: must be ≥ 0, got −1"),
    (base_steps(base=None), f"{COUNT}: missing 'base'"),
    (base_steps(base=-1), f"{COUNT}.base: must be ≥ 0, got −1"),
    (base_steps(step=None), f"{COUNT}: missing 'step'"),
    (base_steps(step=0), f"{COUNT}.step: must be ≥ 0.000001, got 0"),
    (base_steps(cap=7), f"{COUNT}.cap: cap 7 exceeds the leaf's max 6"),
    (base_steps(steps_from="3"), f"{COUNT}.steps_from: expected a number, got str '3'"),
])
def test_a_base_steps_rule_needs_a_numeric_fact_and_sound_parameters(edit, message):
    """FORMAT.md §4 `base_steps`: fact (numeric), threshold, base, step, step_points, cap (≤ the leaf's max),
    steps_from (= threshold); seed 000 满500人得5分，每增加100人加1分. A step must be positive (a step of 0 would
    divide by nothing)."""
    assert refusal(edit) == f"{FILE}: {message}"


def test_a_base_steps_rule_loads_with_its_cap_defaulting_to_the_leafs_max():
    """FORMAT.md §4: `cap` defaults to the leaf's `max`; steps_from defaults to threshold; the smallest step
    allowed is 0.000001."""
    params = loaded(base_steps(step=D("0.000001"))).categories[0].children[0].params
    assert params["cap"] == 6 and params["steps_from"] == 2 and params["step"] == D("0.000001")


@pytest.mark.parametrize("edit", [method("fixed", kind="bonus"), method("fixed", kind="penalty")])
def test_a_fixed_leaf_is_a_regular_leaf_with_a_max(edit):
    """FORMAT.md §6 R3: `method = "fixed"` awards a regular leaf its max — a bonus or a penalty leaf cannot be
    fixed, even with a max."""
    assert refusal(edit) == (f"{FILE}: {COUNT}: method 'fixed' awards a regular leaf its max: needs kind regular "
                             f"and a max")


@pytest.mark.parametrize("edit, message", [
    (judged_item(fact="nothing"), f"{JUDGED}.fact: {UNKNOWN_NOTHING}"),
    (judged_item(fact="count"), f"{JUDGED}.fact: fact 'count' is of kind 'count'; this needs one of judgement"),
    (judged_fact(max=5), f"{JUDGED}: judgement range of 'judged' goes up to 5, above max 4"),
    (judged_fact(min=-1), f"{JUDGED}: judgement range of 'judged' starts below 0"),
])
def test_a_judgement_leaf_takes_a_judgement_fact_whose_range_fits_the_leaf(edit, message):
    """FORMAT.md §4 `judgement`: the assessor's value, in the range on the fact — a range that goes below 0 or
    above the leaf's max could award what the leaf cannot."""
    assert refusal(edit) == f"{FILE}: {message}"


@pytest.mark.parametrize("edit, message", [
    (rank(order="sideways"), f"{COUNT}.order: expected 'desc' (highest first) or 'asc'"),
    (rank(fact="nothing"), f"{COUNT}.fact: {UNKNOWN_NOTHING}"),
    (rank(fact="judged"), f"{COUNT}.fact: {NOT_NUMERIC}"),
    (rank(eligible={"fact": "nothing", "at_least": 1}), f"{COUNT}.eligible.fact: {UNKNOWN_NOTHING}"),
    (rank(step=None), f"{COUNT}: missing 'step'"),
    (rank(step=-1), f"{COUNT}.step: must be ≥ 0, got −1"),
    (rank(floor="1"), f"{COUNT}.floor: expected a number, got str '1'"),
    (rank(floor=-1), f"{COUNT}.floor: must be ≥ 0, got −1"),
    (rank(top=4, floor=5), f"{COUNT}.floor: floor is above top"),
])
def test_a_rank_rule_is_refused_naming_the_bad_parameter(edit, message):
    """FORMAT.md §4 `rank`: fact (numeric), eligible (conditions), top, step, floor (0), order ("desc" or "asc");
    points = max(top − (rank − 1) × step, floor), so a floor above top makes no sense."""
    assert refusal(edit) == f"{FILE}: {message}"


def test_a_rank_rule_loads_as_written_at_its_edges():
    """FORMAT.md §4 `rank`: order "asc" is kept, the default is "desc"; a floor equal to top (everyone eligible
    gets top) and a step of 0 are allowed."""
    params = loaded(rank(order="asc", floor=6, step=0)).categories[0].children[0].params
    assert (params["order"], params["floor"], params["top"], params["step"]) == ("asc", 6, 6, 0)
    assert loaded(rank()).categories[0].children[0].params["order"] == "desc"


@pytest.mark.parametrize("edit, message", [
    (lambda d: d.update(payment="x"), "[payment]: expected a table, got str"),
    (payment(advance=D("0.4")), "[payment]: unknown key(s) advance; allowed: advance_share, bands, clause, stages"),
    (payment(advance_share=-1), "[payment].advance_share: must be ≥ 0, got −1"),
    (payment(stages=None), "[payment]: missing 'stages'"),
    (payment(stages=["x"]), "payment.stages[0]: expected a table, got str"),
    (stage(ratio=1), "payment.stages[0]: unknown key(s) ratio; allowed: clause, cycle, id, label, share"),
    (stage(id=None), "payment.stages[0]: missing 'id'"),
    (stage(id="advance"), "payment.stages[0].id: 'advance' is reserved for advance_share"),
    (with_cycle(stage(cycle="q9")), "payment.stages[0].cycle: unknown cycle 'q9'; one of annual, half"),
    (stage(label=None), "payment.stages[0]: missing 'label'"),
    (stage(share=None), "payment.stages[0]: missing 'share'"),
    (payment(advance_share=D("1.5"), stages=[{"id": "final", "label": "尾款", "share": D("-0.5")}]),
     "payment.stages[0].share: must be ≥ 0, got −0.5"),
    (stage(clause=3), "payment.stages[0].clause: expected a string, got int"),
    (payment(stages=[{"id": "final", "label": "尾款", "share": D("0.3")},
                     {"id": "final", "label": "尾款", "share": D("0.3")}]), "payment.stages: duplicate id 'final'"),
    (stage(share=D("0.5")), "[payment]: advance_share plus stage shares add up to 0.9, not 1"),
    (payment(bands=None), "[payment]: missing 'bands'"),
    (payment(bands=[{"min": 0, "ratio": D("1.01"), "label": "多付"}]),
     "payment.bands[0].ratio: a payment ratio cannot exceed 1"),
    (payment(bands=[{"min": 0, "max": 5, "max_inclusive": True, "ratio": 1},
                    {"min": 5, "ratio": D("0.5")}]), "payment.bands: bands [0, 1] overlap at 5"),
    (payment(clause=None), "[payment]: missing 'clause'"),
])
def test_a_bad_payment_table_is_refused_naming_where(edit, message):
    """FORMAT.md §1 Payment: advance_share (≥ 0, default 0) + Σ stage shares must be 1; a stage has id (not
    "advance", which always pays advance_share), label, share, optional cycle (§6 R5, one of [[cycles]]) and
    clause (§6 R7); bands are disjoint, and a ratio is a share of the stage, at most 1."""
    assert refusal(edit) == f"{FILE}: {message}"


def test_a_payment_table_loads_as_written():
    """FORMAT.md §1 Payment: advance_share is optional (0 if none); a stage keeps its cycle (§6 R5); the table
    keeps its clause; a ratio of exactly 1 is allowed."""
    scheme = loaded(payment(advance_share=None, stages=[{"id": "final", "label": "尾款", "share": 1,
                                                         "cycle": "annual"}]))
    assert scheme.payment.advance_share == 0 and scheme.payment.stages[0].cycle == "annual"
    assert scheme.payment.clause == "预付40%" and scheme.payment.bands[0].value == 1


@pytest.mark.parametrize("edit, message", [
    (lambda d: d.update(subsidy="x"), "[subsidy]: expected a table, got str"),
    (subsidy(amount=1), "[subsidy]: unknown key(s) amount; allowed: bands, clause, one_off, requires_pass"),
    (subsidy(bands=None), "[subsidy]: missing 'bands'"),
    (subsidy(bands=[{"min": 6, "ratio": 1, "label": "6分以上"}]),
     "subsidy.bands[0]: unknown key(s) ratio; allowed: amount, label, max, max_inclusive, min, min_inclusive"),
    (subsidy(bands=[{"min": 0, "max": 5, "max_inclusive": True, "amount": 1},
                    {"min": 5, "amount": 2}]), "subsidy.bands: bands [0, 1] overlap at 5"),
    (subsidy(one_off="x"), "[subsidy].one_off: expected an array, got str"),
    (subsidy(one_off=["x"]), "subsidy.one_off[0]: expected a table, got str"),
    (one_off(share=1), "subsidy.one_off[0]: unknown key(s) share; allowed: amount, id, label"),
    (one_off(id=None), "subsidy.one_off[0]: missing 'id'"),
    (one_off(amount=None), "subsidy.one_off[0]: missing 'amount'"),
    (one_off(amount=-1), "subsidy.one_off[0].amount: must be ≥ 0, got −1"),
    (one_off(label=None), "subsidy.one_off[0]: missing 'label'"),
    (subsidy(one_off=[{"id": "x", "amount": 1, "label": "一"}, {"id": "x", "amount": 2, "label": "二"}]),
     "subsidy.one_off: duplicate id 'x'"),
    (subsidy(requires_pass="yes"), "[subsidy].requires_pass: expected true or false, got 'yes'"),
    (subsidy(clause=None), "[subsidy]: missing 'clause'"),
])
def test_a_bad_subsidy_table_is_refused_naming_where(edit, message):
    """FORMAT.md §1 Subsidy (金东): disjoint bands of amounts, one-off amounts (id, amount ≥ 0, label; ids
    unique), requires_pass true or false, and a clause."""
    assert refusal(edit) == f"{FILE}: {message}"


def test_a_subsidy_the_scheme_grants_without_a_pass_says_so():
    """FORMAT.md §1 Subsidy: requires_pass defaults to true; `requires_pass = false` is kept."""
    assert loaded(subsidy(requires_pass=False)).subsidy.requires_pass is False
    assert loaded(subsidy()).subsidy.requires_pass is True
