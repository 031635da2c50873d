"""Scheme files are validated on load (rules/schemes/FORMAT.md): every error names the file, the path inside
it and the problem, word for word; what the file states (pass_inclusive, cycles' months, clauses, [extra],
compliance entries) is what the scheme holds. Issue #18: the survivors of the mutation sample in
rules.scoring.loader. Each case edits the small valid scheme of test_loader.py.
"""
from __future__ import annotations

import copy
import tomllib
from decimal import Decimal

import pytest

from rules.scoring import SchemeError, score
from rules.scoring.jindong import qualification_cancelled
from rules.scoring.loader import build_scheme, load_scheme_file
from tests.rules.scoring.test_loader import GOOD

D = Decimal
BASE = tomllib.loads(GOOD, parse_float=Decimal)


def data(edit=None):
    out = copy.deepcopy(BASE)
    if edit is not None:
        edit(out)
    return out


def item(d, i=0):
    return d["categories"][0]["items"][i]


def refusal(edit) -> str:
    with pytest.raises(SchemeError) as caught:
        build_scheme(data(edit), file="tiny-2024.toml")
    return str(caught.value)


def set_item(**fields):
    def edit(d):
        count = item(d)
        for key in ("method", "fact", "points_per_unit"):
            count.pop(key)
        count.update(fields)
    return edit


def rank_item(**fields):
    return set_item(method="rank", fact="count", **fields)


def with_fact(key, edit, **spec):
    def both(d):
        d["facts"][key] = {"meaning": "测试", **spec}
        edit(d)
    return both


def compliance(**entry):
    return lambda d: d.update(compliance=[{"rule": "deadlines.monthly_report_late", **entry}])


@pytest.mark.parametrize("edit, message", [
    # [result] and [[cycles]]
    (lambda d: d["result"].update(pass_mark=-1), "[result].pass_mark: must be ≥ 0, got −1"),
    (lambda d: d["result"].update(pass_inclusive="yes"), "[result].pass_inclusive: expected true or false, got 'yes'"),
    (lambda d: d["result"].update(pass_line=6),
     "[result]: unknown key(s) pass_line; allowed: bonus_cap, clause, pass_inclusive, pass_mark, total_floor"),
    (lambda d: d.update(cycles=[]), "cycles: at least one [[cycles]] entry is required"),
    (lambda d: d.update(cycles="annual"), "cycles: expected an array, got str"),
    # facts
    (lambda d: d["facts"]["count"].update(not_above="judged"),
     "facts.count.not_above: 'judged' is not a numeric fact of this scheme"),
    (lambda d: d["facts"]["judged"].pop("min"),
     "facts.judged: a judgement fact needs 'min' and 'max' (the range the assessor may choose in)"),
    # the item tree
    (lambda d: d["categories"][0].pop("id"), "categories[0]: missing 'id'"),
    (lambda d: d["categories"][0].update(title=3), "categories[work].title: expected a string, got int"),
    (lambda d: d["categories"][0].update(items=[]), "categories[work]: 'items' is empty"),
    (lambda d: d["categories"][0].pop("items"), "categories[work]: missing 'items'"),
    (lambda d: d["categories"][0].update(method="fixed"), "categories[work]: a category has items, not a method"),
    (lambda d: item(d).update(subitems=[{"id": "x", "title": "x", "clause": "x", "max": 6, "method": "fixed"}]),
     "categories[work].items[count]: has both a method and subitems; choose one"),
    (lambda d: item(d).update(max=-1), "categories[work].items[count].max: must be ≥ 0, got −1"),
    (lambda d: item(d).update(fact=3), "categories[work].items[count].fact: expected a fact key (string), got 3"),
    # methods' parameters
    (set_item(method="base_steps", fact="count", threshold=2, base=1, step=1, step_points=-1),
     "categories[work].items[count].step_points: must be ≥ 0, got −1"),
    (set_item(method="base_steps", fact="count", threshold=2, base=1, step=1, step_points=1, steps_from=1),
     "categories[work].items[count].steps_from: must not be below threshold"),
    (set_item(method="deductions", deductions=[{"label": "少", "when": {"fact": "count", "at_most": 0}, "points": 1,
                                                "each": 1}]),
     "categories[work].items[count].deductions[0]: unknown key(s) each; allowed: label, points, when"),
    (set_item(method="deductions", deductions=[{"label": "少", "when": {"fact": "nothing", "at_most": 0}, "points": 1}]),
     "categories[work].items[count].deductions[0].when.fact: unknown fact 'nothing': declare it under "
     "[facts.nothing] or [derived.nothing]"),
    (set_item(method="deductions", deductions=[{"label": "少", "fact": "count", "target": 5, "each": 1, "points": 1}]),
     "categories[work].items[count].deductions[0]: unknown key(s) points; allowed: each, fact, label, per, target, "
     "whole_units"),
    (set_item(method="deductions", deductions=[{"label": "少", "fact": "count", "each": 1, "per": 2}]),
     "categories[work].items[count].deductions[0]: unknown key(s) per; allowed: each, fact, label"),
    (rank_item(top=-1, step=1), "categories[work].items[count].top: must be ≥ 0, got −1"),
    (rank_item(top=6, step=1, ineligible_points=-1),
     "categories[work].items[count].ineligible_points: must be ≥ 0, got −1"),
    # [grades] quotas
    (lambda d: d.update(grades={"quotas": [{"grade": "优秀", "share": D("1.5")}], "rest": "合格", "failed": "不合格",
                                "clause": "优秀比例"}),
     "grades.quotas[0].share: a share cannot exceed 1"),
    # [[compliance]]
    (compliance(fact="nothing"), "compliance[0].fact: unknown fact 'nothing'"),
    (compliance(item=3), "compliance[0].item: expected a string, got int"),
    (compliance(obligation=3), "compliance[0].obligation: expected a string, got int"),
    # more of the same: each check's own words and path
    (lambda d: d.update(payment={"advance_share": D(0), "clause": "c", "stages": [
        {"id": "final", "label": "尾款", "share": D(1)}], "bands": [{"min": 0, "ratio": 1, "label": "全额",
                                                                   "max_inclusive": "yes"}]}),
     "payment.bands[0].max_inclusive: expected true or false, got 'yes'"),
    (lambda d: d.update(extra="x"), "[extra]: expected a table, got str"),
    (lambda d: d.update(calendar="x"), "[calendar]: [calendar] must be a table"),
    (lambda d: d["scheme"].update(bureau=3), "[scheme].bureau: expected a string, got int"),
    (compliance(rule="Late"), "compliance[0].rule: 'Late' is not a rule id like deadlines.monthly_report_late"),
    (with_fact("flag", kind="bool", example=True,
               edit=set_item(method="deductions", deductions=[{"label": "少", "when": {"fact": "flag", "is": 1},
                                                               "points": 1}])),
     "categories[work].items[count].deductions[0].when.is: fact 'flag' is a bool; compare with true or false"),
    (lambda d: d.update(derived={"x": {"meaning": "m", "op": "avg", "args": ["count", "count"]}}),
     "derived.x.op: unknown op 'avg'; one of sum, difference, product, min, max, ratio, percent"),
    (lambda d: d.update(derived={"X-1": {"meaning": "m", "op": "sum", "args": ["count", "count"]}}),
     "derived.X-1: 'X-1' is not a valid key (snake_case ASCII)"),
    (lambda d: d.update(derived={"x": {"meaning": "m", "op": "difference", "args": ["count"]}}),
     "derived.x.args: op 'difference' needs exactly two args"),
    (lambda d: d["facts"]["count"].update(min=5, max=2), "facts.count: min 5 is above max 2"),
    (lambda d: d["facts"]["count"].update(kind="date"),
     "facts.count.kind: unknown kind 'date'; one of count, number, percent, bool, choice, count_list, judgement, "
     "judgement_list"),
    (lambda d: d.update(grades={"clause": "c", "bands": "x"}), "[grades].bands: expected an array, got str"),
    (lambda d: d.update(grades={"quotas": [{"grade": "A", "share": D("0.1")}], "rest": "A", "failed": "E",
                                "clause": "c"}), "grades: duplicate id 'A'"),
    (lambda d: d["categories"][0].update(id="Work!"), "categories[0].id: 'Work!' is not a valid id (snake_case ASCII)"),
    (set_item(method="checklist", entries=[{"label": "有", "points": 6}]),
     "categories[work].items[count].entries[0]: missing 'when'"),
    (set_item(method="checklist", entries=[]), "categories[work].items[count]: a checklist needs entries"),
    (set_item(method="deductions", deductions=[{"label": "评", "fact": "judged", "judged": True, "each": 1}]),
     "categories[work].items[count].deductions[0]: unknown key(s) each; allowed: fact, judged, label"),
    (set_item(method="deductions", deductions=[{"label": "评", "fact": "count", "judged": True}]),
     "categories[work].items[count].deductions[0].fact: fact 'count' is of kind 'count'; this needs one of "
     "judgement_list"),
    (set_item(method="deductions", deductions=[{"label": "少", "fact": "count", "target": 5, "each": -1}]),
     "categories[work].items[count].deductions[0].each: must be ≥ 0, got −1"),
    (set_item(method="deductions", deductions="x"), "categories[work].items[count].deductions: expected an array, got str"),
    (with_fact("trips", kind="count_list", example=[1],
               edit=set_item(method="per_unit", fact="trips", points_per_unit=1, per_entry_cap=-1)),
     "categories[work].items[count].per_entry_cap: must be ≥ 0, got −1"),
    (rank_item(top=7, step=1), "categories[work].items[count].top: top 7 exceeds max 6"),
    (with_fact("ledger", kind="choice", choices=["none", "built"], example="none",
               edit=set_item(method="levels", fact="ledger", points={"none": 0, "built": 7})),
     "categories[work].items[count].points.built: 7 exceeds max 6"),
    (set_item(method="tiers", fact="count", tiers=[{"min": 0, "max": 5, "max_inclusive": True, "points": 1},
                                                   {"min": 5, "points": 6}]),
     "categories[work].items[count].tiers: bands [0, 1] overlap at 5"),
    (set_item(), "categories[work].items[count]: needs a 'method' (fixed, checklist, per_unit, tiers, levels, "
                 "base_steps, deductions, judgement, rank) or 'subitems'"),
])
def test_an_error_names_the_file_the_path_and_the_problem(edit, message):
    """FORMAT.md: a file is validated on load; the error says which file, where in it, and what is wrong."""
    assert refusal(edit) == f"tiny-2024.toml: {message}"


def test_a_scheme_built_without_a_file_name_says_so():
    with pytest.raises(SchemeError) as caught:
        build_scheme(data(lambda d: d["result"].update(pass_mark=-1)))
    assert str(caught.value) == "<scheme>: [result].pass_mark: must be ≥ 0, got −1"


def test_a_file_not_in_utf8_is_refused_naming_it(tmp_path):
    path = tmp_path / "tiny-2024.toml"
    path.write_bytes(GOOD.encode("gb18030"))
    with pytest.raises(SchemeError) as caught:
        load_scheme_file(path)
    assert str(caught.value).startswith("tiny-2024.toml: not UTF-8: ")


def test_a_pass_mark_includes_the_mark_unless_the_scheme_says_otherwise():
    """FORMAT.md §1 [result]: pass_inclusive defaults to true — "6分以上合格" includes 6 (以上 includes the
    figure, 《民法典》第1259条)."""
    scheme = build_scheme(data(), file="tiny-2024.toml")
    assert scheme.pass_inclusive is True
    sheet = score(scheme, {"count": 6, "judged": {"value": "0", "reason": "无创新"}})
    assert sheet.total == 6 and sheet.passed is True


def test_what_the_file_states_is_what_the_scheme_holds():
    """FORMAT.md: a cycle's months, the subsidy's and grades' clauses, a payment stage's clause (§6 R7) and the
    [extra] tables are kept as written."""
    def edit(d):
        d["cycles"][0]["months"] = 6
        d["subsidy"] = {"clause": "按得分给予补贴", "bands": [{"min": 6, "amount": 1000, "label": "6分以上"}]}
        d["grades"] = {"clause": "按分数评定等次", "bands": [{"min": 6, "grade": "合格"}, {"max": 6, "grade": "不合格"}]}
        d["payment"] = {"advance_share": D("0.4"), "clause": "预付40%",
                        "stages": [{"id": "final", "label": "尾款", "share": D("0.6"), "clause": "考核后支付60%"}],
                        "bands": [{"min": 0, "ratio": 1, "label": "全额"}]}
        d["extra"] = {"qualification": {"consecutive_failing_years": 2, "ban_years": 2}}
    scheme = build_scheme(data(edit), file="tiny-2024.toml")
    assert scheme.cycles[0].months == 6
    assert scheme.subsidy.clause == "按得分给予补贴" and scheme.grades.clause == "按分数评定等次"
    assert scheme.payment.stages[0].clause == "考核后支付60%"
    assert scheme.extra == {"qualification": {"consecutive_failing_years": 2, "ban_years": 2}}
    # 金东 第八条（三）: the thresholds are the file's
    assert qualification_cancelled(scheme, [(2021, False), (2022, False)]).ok


def test_a_subsidy_is_due_only_to_a_passing_result_unless_the_scheme_says_otherwise():
    """FORMAT.md [subsidy]: requires_pass defaults to true — nothing is due when the result fails."""
    def edit(d):
        d["result"]["pass_mark"] = 8
        d["subsidy"] = {"clause": "按得分给予补贴", "bands": [{"min": 0, "amount": 1000, "label": "任何得分"}]}
    scheme = build_scheme(data(edit), file="tiny-2024.toml")
    sheet = score(scheme, {"count": 6, "judged": {"value": "0", "reason": "无创新"}})
    assert sheet.passed is False and sheet.subsidy == 0


def test_a_compliance_entry_keeps_its_parameters():
    """FORMAT.md §6c [[compliance]]: rule, fact, per_occurrence, note as written."""
    scheme = build_scheme(data(compliance(fact="count", per_occurrence=True, note="按次扣分")), file="tiny-2024.toml")
    (use,) = scheme.compliance
    assert (use.rule, use.fact, use.per_occurrence, use.line_note) == (
        "deadlines.monthly_report_late", "count", True, "按次扣分")
    assert refusal(compliance(per_occurrence="yes")) == (
        "tiny-2024.toml: compliance[0].per_occurrence: expected true or false, got 'yes'")


def test_a_scheme_of_fixed_items_needs_no_facts():
    """FORMAT.md §4 `fixed`: awarded in full; a scheme made only of such items declares no [facts]."""
    def edit(d):
        del d["facts"]
        d["categories"][0]["items"] = [{"id": "all", "title": "全部", "max": 10, "clause": "按合同履约得满分",
                                        "method": "fixed"}]
    scheme = build_scheme(data(edit), file="tiny-2024.toml")
    assert scheme.facts == {} and score(scheme, {}).total == 10
