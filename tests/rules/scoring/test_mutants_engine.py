"""The scoring engine's rules, each on a scheme built afresh in the test (issue #18: the survivors of the mutation
sample in rules.scoring.engine). The engine remembers lines, sums, vetoes and texts by the facts and figures they
depend on (issue 16); a test on a scheme another test has already scored may be answered from memory, so every
scheme here is built in the test that scores it, and the figures are ones no other test uses.

The inline scheme below is a fixture written for these tests (FORMAT.md §4); its clauses quote the seed
documents' wording for the rule each method implements.
"""
from __future__ import annotations

import json
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

import rules.schemes
from rules.scoring import FactsError, cohort_to_dict, render_cohort, render_sheet, score, score_cohort, sheet_to_dict
from rules.scoring.loader import build_scheme, load_scheme_file
from tests.rules.schemes.test_jindong_2021 import full as jindong_full
from tests.rules.schemes.test_ningming_2024_lot2 import MINUS_10, perfect
from tests.rules.scoring import test_methods
from tests.rules.scoring.test_graded import facts as graded_facts

D = Decimal
SCHEMES = Path(rules.schemes.__file__).parent
GOLDEN = Path(__file__).parent / "golden"

TOML = """
[scheme]
id = "engine-test"
title = "引擎测试"
bureau = "测试局"
document_number = "测〔2024〕3号"
effective_date = 2024-01-01
source = "test fixture"
max_total = 40

[[cycles]]
id = "annual"
label = "年度"

[result]
pass_mark = 20
clause = "20分以上合格"

[[vetoes]]
id = "complaints"
effect = "fail"
when = { fact = "complaints", more_than = 50 }
clause = "投诉超过50次的，考核不合格"

[[vetoes]]
id = "no_one"
label = "无人到岗参保"
effect = "fail"
when = { fact = "most", less_than = 1 }
clause = "既无人到岗也无人参保的，考核不合格"

[facts.arrivals]
meaning = "到岗人数"
kind = "count"
example = 10
[facts.stable]
meaning = "稳岗人数"
kind = "count"
not_above = "arrivals"
example = 5
[facts.insured]
meaning = "参保人数"
kind = "count"
example = 300
[facts.trips]
meaning = "每次赴外招聘人数"
kind = "count_list"
example = [1, 2]
[facts.referrals]
meaning = "推荐人数"
kind = "count"
example = 100
[facts.complaints]
meaning = "投诉次数"
kind = "count"
example = 0
[facts.has_plan]
meaning = "有计划"
kind = "bool"
example = true
[facts.has_ledger]
meaning = "有台账"
kind = "bool"
example = true
[facts.bases]
meaning = "基地数"
kind = "count"
example = 3
[facts.licensed]
meaning = "有资质"
kind = "bool"
example = true
[facts.credit]
meaning = "信用等级"
kind = "choice"
choices = ["A", "B", "C", "D"]
example = "A"

[derived.unstable]
meaning = "未稳岗人数"
op = "difference"
args = ["arrivals", "stable"]

[derived.fewest]
meaning = "到岗与参保人数之较小者"
op = "min"
args = ["arrivals", "insured"]

[derived.most]
meaning = "到岗与参保人数之较大者"
op = "max"
args = ["arrivals", "insured"]

[[categories]]
id = "work"
title = "工作"
max = 40
clause = "工作（40分）"

[[categories.items]]
id = "insured"
title = "参保"
max = 5
clause = "每满100人得1分"
method = "per_unit"
fact = "insured"
unit = 100
points_per_unit = 1

[[categories.items]]
id = "trips"
title = "赴外招聘"
max = 10
clause = "每招聘1人得1分，每次最多计5人"
method = "per_unit"
fact = "trips"
per_entry_cap = 5
points_per_unit = 1

[[categories.items]]
id = "trips_bonus"
title = "加分：赴外招聘"
kind = "bonus"
cap = 3
clause = "每招聘1人加0.1分，最多加3分"
method = "per_unit"
fact = "trips"
points_per_unit = 0.1

[[categories.items]]
id = "referrals"
title = "推荐"
max = 5
clause = "推荐不足100人的，每少10人扣1分"
method = "deductions"
deductions = [{ label = "推荐不足", fact = "referrals", target = 100, per = 10, each = 1 }]

[[categories.items]]
id = "stable"
title = "稳岗"
max = 5
clause = "每有1人未稳岗扣0.5分（有人到岗时考核）"
requires = { fact = "fewest", at_least = 1 }
method = "deductions"
deductions = [{ label = "未稳岗", fact = "unstable", each = 0.5 }]

[[categories.items]]
id = "plan"
title = "计划"
max = 5
clause = "既无计划又无台账的，扣5分；信用等级为C、D的，扣2分"
method = "deductions"
deductions = [
  { label = "无计划无台账", when = [{ fact = "has_plan", is = false }, { fact = "has_ledger", is = false }], points = 5 },
  { label = "信用差", when = { fact = "credit", in = ["C", "D"] }, points = 2 },
]

[[categories.items]]
id = "bases"
title = "基地"
max = 10
clause = "基地数最多的得10分，每降低一个名次减2分；无资质的得2分"
requires = { fact = "credit", in = ["A", "B", "C"] }
method = "rank"
fact = "bases"
top = 10
step = 2
ineligible_points = 2
eligible = { fact = "licensed", is = true }
"""


def engine_scheme(text=TOML):
    return build_scheme(tomllib.loads(text, parse_float=Decimal), file="engine-test.toml")


def methods_scheme(extra=""):
    return build_scheme(tomllib.loads(test_methods.TOML + extra, parse_float=Decimal), file="methods-test.toml")


def facts(**over):
    out = {"arrivals": 10, "stable": 4, "insured": 250, "trips": [3, 7], "referrals": 55, "complaints": 0,
           "has_plan": False, "has_ledger": False, "bases": 3, "licensed": True, "credit": "A"}
    out.update(over)
    return out


# derived facts (FORMAT.md §2: difference = a − b; min) ---------------------------------------------------


def test_derived_facts_are_computed_and_shown_as_the_scheme_defines_them():
    """FORMAT.md §2 Derived facts: `difference` = a − b; `min` / `max` the smallest / largest argument."""
    sheet = score(engine_scheme(), facts(arrivals=10, stable=4, insured=250))
    assert sheet.derivations == {"fewest": "fewest = min(10, 250) = 10", "unstable": "unstable = 10 − 4 = 6",
                                 "most": "most = max(10, 250) = 250"}
    line = sheet.line("work/stable")
    assert line.points == 2 and line.explanation == "start 5.00; 未稳岗: 6 × 0.5 = −3.00; 5.00 − 3.00 = 2.00"


def test_a_requirement_not_met_scores_nothing_and_says_which_condition_failed():
    """FORMAT.md §3 `requires`: a line whose requirement fails scores 0 (here: no one arrived, nothing to keep)."""
    sheet = score(engine_scheme(), facts(arrivals=0, stable=0))
    line = sheet.line("work/stable")
    assert line.points == 0 and line.explanation == "requirement not met: fewest ≥ 1 fails (is 0) → 0.00"
    assert line.steps == [{"step": "requirement_failed", "points": "0",
                           "failed": {"fact": "fewest", "tests": [["at_least", "1"]], "value": "0"}}]
    assert sheet.derivations["fewest"] == "fewest = min(0, 250) = 0"


# per_unit (FORMAT.md §4: units = floor((value − beyond) ÷ unit); a count_list entry capped first) ---------------


def test_per_unit_counts_whole_units_only():
    """每满100人得1分: 250 insured are 2 whole hundreds, 2 points (FORMAT.md §4 per_unit, `unit`)."""
    line = score(engine_scheme(), facts(insured=250)).line("work/insured")
    assert line.points == 2
    assert line.explanation == "insured 250; floor(250 ÷ 100) = 2 unit(s) × 1 = 2.00"
    assert line.steps == [{"step": "count", "fact": "insured", "value": "250"},
                          {"step": "units", "amount": "250", "unit": "100", "units": "2"},
                          {"step": "times", "units": "2", "each": "1", "points": "2"}]


def test_per_unit_over_a_list_caps_each_entry_first():
    """seed 004 每次…最多计5人 (FORMAT.md §4 per_unit, `per_entry_cap`): trips of 3 and 7 count 3 + 5 = 8."""
    sheet = score(engine_scheme(), facts(trips=[3, 7]))
    line = sheet.line("work/trips")
    assert line.points == 8 and line.explanation == "trips [3, 7], each at most 5: 3 + 5 = 8 × 1 = 8.00"
    assert line.steps[0] == {"step": "count_list", "fact": "trips", "values": ["3", "7"], "entry_cap": "5",
                             "capped": ["3", "5"], "sum": "8"}
    bonus = sheet.line("work/trips_bonus")  # the same list without a per-entry cap: 10 × 0.1
    assert bonus.points == 1 and bonus.explanation == "trips [3, 7]: 3 + 7 = 10 × 0.1 = 1.00 → bonus +1.00"


# deductions (FORMAT.md §4) ---------------------------------------------------------------------------------


def test_a_shortfall_is_counted_per_the_schemes_unit():
    """推荐不足100人的，每少10人扣1分 (FORMAT.md §4: max(0, target − value) ÷ per × each, exact)."""
    line = score(engine_scheme(), facts(referrals=55)).line("work/referrals")
    assert line.points == D("0.5")
    assert line.explanation == "start 5.00; 推荐不足: 100 − 55 = 45 short ÷ 10 × 1 = −4.50; 5.00 − 4.50 = 0.50"
    assert line.steps == [
        {"step": "start", "points": "5"},
        {"step": "deduct_shortfall", "label": "推荐不足", "fact": "referrals", "target_fact": None, "target": "100",
         "values": ["55"], "list": False, "short": "45", "per": "10", "whole_units": False, "units": "4.5",
         "each": "1", "points": "4.5"},
        {"step": "subtract", "start": "5", "taken": "4.5", "points": "0.5"}]


def test_a_veto_on_a_derived_fact_names_itself_and_the_facts_behind_it():
    """一票否决 on a derived figure: the explanation gives the veto's label, the condition and the facts read."""
    sheet = score(engine_scheme(), facts(arrivals=0, stable=0, insured=0))
    assert [v.explanation for v in sheet.vetoes] == [
        "无人到岗参保: most < 1 (arrivals = 0, insured = 0, most = 0) → fail"]
    assert sheet.derivations["most"] == "most = max(0, 0) = 0"


def test_a_condition_on_a_choice_holds_for_the_listed_choices_only():
    """信用等级为C、D的，扣2分 (FORMAT.md §2 Conditions: `in`)."""
    scheme = engine_scheme()
    points = {c: score(scheme, facts(has_plan=True, credit=c)).line("work/plan").points for c in "ABCD"}
    assert points == {"A": 5, "B": 5, "C": 3, "D": 3}
    line = score(scheme, facts(has_plan=True, credit="C")).line("work/plan")
    assert line.steps[1:3] == [
        {"step": "deduct_when", "label": "无计划无台账", "holds": False, "points": "0",
         "conditions": [{"fact": "has_plan", "tests": [["is", False]], "value": True},
                        {"fact": "has_ledger", "tests": [["is", False]], "value": False}]},
        {"step": "deduct_when", "label": "信用差", "holds": True, "points": "2",
         "conditions": [{"fact": "credit", "tests": [["in", ["C", "D"]]], "value": "C"}]}]


def test_a_line_missing_a_fact_names_it_as_data():
    """FORMAT.md §2: a fact not given is reported missing, never taken as zero — a fact the line counts, or one
    its requirement reads (with those the line counts, if also missing)."""
    without = facts()
    del without["insured"]
    sheet = score(engine_scheme(), without)
    assert sheet.line("work/insured").steps == [{"step": "missing", "facts": ["insured"]}]
    assert sheet.line("work/stable").steps == [{"step": "missing", "facts": ["insured"]}]


def test_a_deduction_floored_at_zero_says_so_as_data():
    """seed 002: 扣完为止（指扣单项分） — 11 complaints × 0.5 = 5.5 from 5 is floored at 0."""
    steps = score(methods_scheme(), test_methods.full(complaints=11)).line("b/service/complaints").steps
    assert steps[-2:] == [{"step": "subtract", "start": "5", "taken": "5.5", "points": "-0.5"},
                          {"step": "floor", "floor": "0", "points": "0"}]


@pytest.mark.parametrize("plan, ledger, points, words", [
    (False, False, 0, "无计划无台账: has_plan is no and has_ledger is no holds = −5.00"),
    (True, False, 5, "无计划无台账: has_plan is no and has_ledger is no does not hold = −0.00"),
])
def test_a_conditional_deduction_needs_all_its_conditions(plan, ledger, points, words):
    """既无计划又无台账的，扣5分: a list of conditions means all must hold (FORMAT.md §2 Conditions)."""
    line = score(engine_scheme(), facts(has_plan=plan, has_ledger=ledger)).line("work/plan")
    assert line.points == points and words in line.explanation


# rank (DOMAIN.md §6.4) -------------------------------------------------------------------------------------------


def test_rank_points_go_down_a_step_per_place_to_the_floor_and_the_ineligible_get_their_points():
    """seed 004 （二）1: 最多的得满分，每降低一个名次减分，直至减至基础分为止 (floor 0 by default); DOMAIN.md §6.4: only
    eligible participants are ranked; the scheme gives the ineligible their own points (here 2)."""
    cohort = {f"p{n}": facts(bases=n) for n in range(1, 8)} | {"unlicensed": facts(bases=99, licensed=False)}
    sheets = score_cohort(engine_scheme(), cohort).sheets
    points = {who: sheets[who].line("work/bases").points for who in cohort}
    assert points == {"p7": 10, "p6": 8, "p5": 6, "p4": 4, "p3": 2, "p2": 0, "p1": 0, "unlicensed": 2}
    assert sheets["p1"].line("work/bases").explanation == (
        "bases 1 ranks 7 of 7 eligible: 10.00 − (7 − 1) × 2 = −2.00, not below 0.00 → 0.00")
    assert sheets["p1"].line("work/bases").steps[-1] == {"step": "floor", "floor": "0", "points": "0"}
    line = sheets["unlicensed"].line("work/bases")
    assert line.explanation == "not eligible for ranking (licensed is yes fails (is no)) → 2.00"
    assert line.steps == [{"step": "rank_ineligible", "points": "2",
                           "failed": {"fact": "licensed", "tests": [["is", True]], "value": False}}]


def test_a_participant_missing_the_ranked_fact_does_not_stop_the_others_being_ranked():
    """DOMAIN.md §6.4: those with the figure are ranked; the one without it is reported missing, and the cohort's
    ranking lists the unranked (incomplete) last."""
    cohort = {"a": facts(), "b": facts(bases=5), "c": facts(bases=2)}
    del cohort["a"]["bases"]
    result = score_cohort(engine_scheme(), cohort)
    assert result.sheets["a"].line("work/bases").missing == ["bases"]
    assert [result.sheets[w].line("work/bases").points for w in ("b", "c")] == [10, 8]
    assert [s.participant for s in result.ranking()] == ["b", "c", "a"]
    assert [s.rank for s in result.ranking()] == [1, 2, None]


def test_a_participant_whose_requirement_fails_is_not_ranked_and_the_others_are():
    """FORMAT.md §3 `requires` on a rank-based item (信用等级为A–C的参与排名): a D scores 0 and is not ranked;
    the others after it in the cohort still are."""
    cohort = {"d": facts(bases=9, credit="D"), "b": facts(bases=5), "c": facts(bases=2)}
    sheets = score_cohort(engine_scheme(), cohort).sheets
    assert [sheets[w].line("work/bases").points for w in ("d", "b", "c")] == [0, 10, 8]
    assert sheets["d"].line("work/bases").explanation.startswith("requirement not met: credit in A, B, C fails")


def test_a_refusal_on_the_fast_path_still_names_the_participant():
    """FORMAT.md §7: FactsError names the fact and, in a cohort, the participant."""
    with pytest.raises(FactsError) as caught:
        score(engine_scheme(), facts(insured=-1), participant="站点A")
    assert (caught.value.key, caught.value.participant) == ("insured", "站点A")


@pytest.mark.parametrize("value", [D("-0.5"), D("100.5")])
def test_a_percentage_outside_0_to_100_is_refused_whatever_path_checks_it(value):
    """FORMAT.md §2: percent — 0–100 unless min/max given; an exact Decimal is refused as a string is."""
    with pytest.raises(FactsError) as caught:
        score(methods_scheme(), test_methods.full(satisfaction=value))
    assert caught.value.key == "satisfaction"


# a sum ----------------------------------------------------------------------------------------------------------


def test_a_category_sums_its_regular_lines_and_says_when_it_is_provisional():
    """FORMAT.md §3: a category is the sum of its regular items; bonuses count apart; unscored lines make it
    provisional (here the rank-based line waits for the cohort)."""
    line = score(engine_scheme(), facts()).line("work")
    assert (line.method, line.level, line.kind) == ("sum", "category", "regular")
    assert line.explanation == ("Σ 2.00 + 8.00 + 0.50 + 2.00 + 0.00 + 0.00 = 12.50 of 40.00 (bonus/penalty lines "
                                "below count separately) — provisional: some lines are not scored yet")
    assert line.steps == [{"step": "sum", "parts": ["2", "8", "0.5", "2", "0", "0"], "points": "12.5", "max": "40"},
                          {"step": "extras_apart"}, {"step": "provisional"}]


def test_a_regular_item_never_scores_above_its_maximum():
    """DOMAIN.md §6.2: an item scores at most its max — even a deduction item whose floor was set above it."""
    text = TOML.replace('deductions = [{ label = "推荐不足", fact = "referrals", target = 100, per = 10, each = 1 }]',
                        'floor = 6\ndeductions = [{ label = "推荐不足", fact = "referrals", target = 100, per = 10, '
                        'each = 1 }]')
    line = score(engine_scheme(text), facts(referrals=0)).line("work/referrals")
    assert line.points == 5 and line.explanation.endswith("; capped at the item's 5.00")


# the methods' steps (issue #12: explanations as data) ---------------------------------------------------------


def test_each_methods_steps_name_their_facts_and_numbers():
    """Issue #12: every line explains its arithmetic as data the portal words in the reader's language."""
    scheme = methods_scheme()
    sheet = score(scheme, test_methods.full(
        workers=499, ledger="built", satisfaction=D("77.7731"),
        failed_targets=[{"value": D("0.5"), "reason": "培训少1次"}],
        innovation={"value": D("3.5"), "reason": "首创线上对接"}))
    assert sheet.line("a/workers").steps == [
        {"step": "below_threshold", "fact": "workers", "value": "499", "threshold": "500", "points": "0"}]
    assert sheet.line("a/ledger").steps == [{"step": "level", "fact": "ledger", "value": "built", "points": "3"}]
    assert sheet.line("a/satisfaction").steps == [
        {"step": "tier", "fact": "satisfaction", "value": "77.7731", "label": "", "points": "5",
         "band": {"min": "75", "max": None, "min_inclusive": False, "max_inclusive": False}}]
    assert sheet.line("b/bonus_check").steps == [
        {"step": "check", "label": "有计划", "ok": True, "points": "5", "failed": None},
        {"step": "subtotal", "points": "5"}]
    assert sheet.line("b/service/accuracy").steps[2:] == [
        {"step": "deduct_judged", "label": "未达标事项", "fact": "failed_targets",
         "entries": [{"value": "0.5", "reason": "培训少1次"}], "points": "0.5"},
        {"step": "subtract", "start": "5", "taken": "0.5", "points": "4.5"}]
    assert sheet.line("b/innovation").steps == [
        {"step": "judgement", "fact": "innovation", "value": "3.5", "min": "0", "max": "5", "reason": "首创线上对接"}]
    assert score(scheme, test_methods.full(workers=12345)).line("a/workers").steps[0]["value"] == "12345"


def test_a_graded_factor_shows_the_grade_value_times_the_weight():
    """DB12/T 3009—2024 表B.1: 要素得分Pi = F × Wi — 良 (0.8) × 40 = 32."""
    scheme = load_scheme_file(Path(__file__).parent / "graded" / "graded-2025.toml")
    steps = score(scheme, graded_facts(quality="良")).line("quality/service").steps
    assert steps[1] == {"step": "times", "units": "0.8", "each": "40", "points": "32"}


# totals (DOMAIN.md §6.1, §6.2) --------------------------------------------------------------------------------


def test_the_total_explains_a_capped_bonus_a_floor_and_the_rounding():
    """DOMAIN.md §6.2: bonuses capped scheme-wide, a total never below 0; §6.1: rounded half up once, at the end."""
    scheme = methods_scheme()
    sheet = score(scheme, test_methods.full(media_reports=3))
    assert sheet.total_explanation == "regular 60.00 (of 60.00) + bonus 10.00 capped at 6.00 − penalties 0.00 = 66.00"
    assert sheet.total_steps[1] == {"step": "bonus_total", "raw": "10", "points": "6", "cap": "6"}
    sheet = score(scheme, test_methods.full(lost_disputes=9))
    assert sheet.penalty_total == 90
    assert sheet.total_steps[-2:] == [{"step": "total", "points": "-30"},
                                      {"step": "floor", "floor": "0", "points": "0"}]
    sheet = score(scheme, test_methods.full(accuracy="89.97"))
    assert sheet.total_steps[-1] == {"step": "rounded", "points": "59.99"}


# payment and subsidy as data -------------------------------------------------------------------------------------


def test_payments_and_subsidies_explain_themselves_as_data():
    """seed 002 标项二: ¥1,000.25 — the advance is 40%, stage 2 is 20% × 90% = ¥180.05 (DOMAIN.md §6.1);
    seed 001 金东 第十二条: 100 points → ¥70,000 by score, plus a one-off ¥10,000 for a new station."""
    ningming = load_scheme_file(SCHEMES / "ningming-2024-lot2.toml")
    sheet = score(ningming, perfect(**MINUS_10, months_demand_not_updated=10))
    assert sheet.payment_steps_for(D("1000.25"), "advance") == [
        {"step": "advance", "value": "1000.25", "share": "40", "amount": "400.1"}]
    (stage,) = sheet.payment_steps_for(D("1000.25"), "stage_2")
    assert {k: stage[k] for k in ("step", "value", "share", "ratio", "amount")} == {
        "step": "stage_payment", "value": "1000.25", "share": "20", "ratio": "90", "amount": "180.05"}
    sheet = score(load_scheme_file(SCHEMES / "jindong-2021.toml"), jindong_full())
    assert [(s["step"], s["value"], s["vetoed"]) for s in sheet.subsidy_steps] == [("subsidy_band", "70000", False)]
    (total,) = sheet.subsidy_steps_for(["new_station"])
    assert (total["step"], total["by_score"], total["amount"], total["grants"][0]["amount"]) == (
        "subsidy_sum", "70000", "80000", "10000")


def test_an_incomplete_sheet_gets_no_quota_grade():
    """DOMAIN.md §6.5: grades by quota are given in rank order to complete sheets; an incomplete one has none."""
    scheme = load_scheme_file(SCHEMES / "wujiang-2022.toml")
    examples = {key: spec.example for key, spec in scheme.facts.items()}
    incomplete = dict(examples)
    del incomplete["labour_bases"]
    sheet = score_cohort(scheme, {"a": examples, "b": incomplete}).sheets["b"]
    assert (sheet.grade, sheet.grade_explanation, sheet.grade_steps) == (None, "incomplete: no grade",
                                                                         [{"step": "grade_incomplete"}])


def test_grades_by_quota_are_given_in_rank_order_and_explained():
    """DOMAIN.md §6.5 (seed 004 吴江): at most floor(share × n) per grade in rank order — of 10: A 1, B 2, C 3, the
    rest D."""
    scheme = load_scheme_file(SCHEMES / "wujiang-2022.toml")
    examples = {key: spec.example for key, spec in scheme.facts.items()}
    sheets = score_cohort(scheme, {f"p{n}": dict(examples, express_deliveries=n) for n in range(10)}).sheets
    assert [sheets[f"p{n}"].grade for n in range(9, -1, -1)] == ["A", "B", "B", "C", "C", "C", "D", "D", "D", "D"]
    assert sheets["p8"].grade_explanation == "rank 2 of 10: B quota floor(20% × 10) = 2, 1 used"
    assert sheets["p8"].grade_steps == [{"step": "grade_quota", "rank": 2, "of": 10, "grade": "B", "share": "20",
                                         "limit": "2", "used": 1, "tied": 1}]


def test_a_letter_grade_by_band_and_a_graded_factor_explain_themselves_as_data():
    """FORMAT.md §4b: 良 (0.8) × weight 40 = 32; a total of 92 is in the band "90分（含）以上" → 优秀."""
    scheme = load_scheme_file(Path(__file__).parent / "graded" / "graded-2025.toml")
    sheet = score(scheme, graded_facts(quality="良"))
    assert sheet.line("quality/service").steps[0] == {
        "step": "level", "fact": "quality_grade", "value": "良", "points": "32", "weight": "40", "grade_value": "0.8",
        "criteria": "服务流程基本规范"}
    assert sheet.grade_steps == [{"step": "grade_band", "total": "92", "grade": "优秀", "label": "90分（含）以上",
                                  "consequence": "", "band": {"min": "90", "max": None, "min_inclusive": True,
                                                              "max_inclusive": False}}]


def test_a_pass_mark_stated_as_more_than_excludes_the_mark():
    """[result] pass_inclusive = false: "6分以上（不含6分）合格" — exactly 6 fails, 6.5 passes."""
    from tests.rules.scoring.test_loader import GOOD
    scheme = build_scheme(tomllib.loads(GOOD.replace("pass_mark = 6", "pass_mark = 6\npass_inclusive = false"),
                                        parse_float=Decimal), file="tiny-2024.toml")
    judged = {"value": "0", "reason": "无"}
    assert score(scheme, {"count": 6, "judged": judged}).passed is False
    assert score(scheme, {"count": 6, "judged": dict(judged, value="0.5")}).passed is True
    assert score(scheme, {"count": 6, "judged": judged}).result_explanation.startswith("6.00 is not > 6.00: failed")


# the same facts, the same sheet (issue 16: remembering must not change a figure) --------------------------------


def test_the_golden_outputs_hold_on_a_scheme_loaded_afresh_and_again_from_memory():
    """tests/rules/scoring/golden: the sheet and the cohort pinned whole, scored on schemes loaded here (every
    line computed) and scored again (every line remembered)."""
    ningming = load_scheme_file(SCHEMES / "ningming-2024-lot2.toml")
    wujiang = load_scheme_file(SCHEMES / "wujiang-2022.toml")
    examples = {key: spec.example for key, spec in wujiang.facts.items()}
    for _ in range(2):
        sheet = score(ningming, perfect(**MINUS_10, months_demand_not_updated=10))
        assert render_sheet(sheet) + "\n" == (GOLDEN / "ningming-85.txt").read_text(encoding="utf-8")
        assert json.dumps(sheet_to_dict(sheet), ensure_ascii=False, indent=1) + "\n" == (
            GOLDEN / "ningming-85.json").read_text(encoding="utf-8")
        cohort = score_cohort(wujiang, {"a": examples, "b": dict(examples, labour_bases=6)})
        assert render_cohort(cohort) + "\n" == (GOLDEN / "wujiang-cohort.txt").read_text(encoding="utf-8")
        assert json.dumps(cohort_to_dict(cohort), ensure_ascii=False, indent=1) + "\n" == (
            GOLDEN / "wujiang-cohort.json").read_text(encoding="utf-8")


VETO = """
[[vetoes]]
id = "complaints"
effect = "fail"
when = { fact = "complaints", more_than = 50 }
clause = "投诉超过50次的，考核不合格"
"""


def many(n):
    """n participants whose lines all differ: past a few dozen, the engine stops remembering such lines."""
    out = [test_methods.full(workers=500 + 7 * i, complaints=i, referrals=1900 + i, satisfaction=D(i % 100),
                             agreements=i % 6, accuracy=D(80) + D(i) / 8) for i in range(n)]
    for f in out[1::2]:
        del f["households"]  # half of them incomplete: their sums are provisional
    return out


def test_many_different_sheets_are_each_what_a_fresh_scheme_gives():
    """Issue 16: lines, sums and vetoes that stop being remembered (they never repeat) are scored as before."""
    shared = methods_scheme(VETO)
    sheets = [score(shared, f, participant=str(i)) for i, f in enumerate(many(90))]
    for i in (70, 80, 88, 89):
        fresh = score(methods_scheme(VETO), many(90)[i], participant=str(i))
        assert sheet_to_dict(sheets[i]) == sheet_to_dict(fresh), i
        assert render_sheet(sheets[i]) == render_sheet(fresh)
    assert sheets[88].passed is False and sheets[88].vetoes[0].id == "complaints"
    assert sheets[89].passed is None and sheets[89].missing_facts == ["households"]


@pytest.mark.parametrize("key, exact, text", [
    ("workers", 1234, "1234"),
    ("satisfaction", D("81.25"), "81.25"),
    ("accuracy", D("88.75"), "88.75"),
    ("failed_targets", [{"value": D("0.75"), "reason": "直播不足"}], [{"value": "0.75", "reason": "直播不足"}]),
    ("failed_targets", [{"value": D("1"), "reason": "直播不足"}], [{"value": 1, "reason": "直播不足"}]),
    ("innovation", {"value": D("2.25"), "reason": "新做法"}, {"value": "2.25", "reason": "新做法"}),
    ("innovation", {"value": D("2"), "reason": "新做法"}, {"value": 2, "reason": "新做法"}),
])
def test_facts_written_as_text_score_as_the_exact_values(key, exact, text):
    """FORMAT.md §2: a number may be given as a Decimal, an int or a numeric string; the sheet is the same,
    wherever the fact stands among the others."""
    for first in (False, True):
        rest = {k: v for k, v in test_methods.full().items() if k != key}
        as_text = {key: text, **rest} if first else {**rest, key: text}
        as_exact = {key: exact, **rest} if first else {**rest, key: exact}
        assert sheet_to_dict(score(methods_scheme(), as_text)) == sheet_to_dict(score(methods_scheme(), as_exact))


def test_a_sheets_lists_are_its_own():
    """A sheet handed out may be changed by its reader; the next sheet scored from the same facts is not."""
    scheme = methods_scheme()
    facts_ = test_methods.full(referrals=1977)
    del facts_["households"]
    first = score(scheme, facts_)
    first.missing_facts.append("x")
    first.payment_steps.append({"step": "x"})
    first.total_steps.append({"step": "x"})
    second = score(scheme, facts_)
    assert second.missing_facts == ["households"] and second.payment_steps == []
    assert {"step": "x"} not in second.total_steps


def test_a_fact_that_may_not_exceed_another_may_be_given_without_it():
    """FORMAT.md §6 not_above: checked when both are given; either alone is simply the other missing."""
    scheme = engine_scheme()
    without = facts()
    del without["arrivals"]
    assert "arrivals" in score(scheme, without).missing_facts
    without = facts()
    del without["stable"]
    assert "stable" in score(scheme, without).missing_facts


def test_facts_that_are_not_a_dict_are_refused():
    with pytest.raises(FactsError) as caught:
        score(engine_scheme(), [("arrivals", 1)])
    assert caught.value.key == "*"
