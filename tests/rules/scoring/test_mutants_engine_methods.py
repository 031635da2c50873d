"""The scoring methods as a reader sees them: each line's points, its explanation word for word and its steps
(issue #18: survivors of the mutation run in rules.scoring.engine — the methods, shortfalls, vetoes and the way
values are shown). Every word of an explanation is read by someone, so the texts are asserted whole.

The engine remembers lines, vetoes and texts by the facts they read (issue 16): every scheme here is built in
the test that scores it, and the figures are ones no other test uses. The inline scheme is a fixture written
for these tests (rules/schemes/FORMAT.md §4); its clauses quote the seed documents' wording for each rule.
"""
from __future__ import annotations

import tomllib
from decimal import Decimal

from rules.scoring import score, score_cohort
from rules.scoring.loader import build_scheme

D = Decimal
MINUS = "\u2212"

TOML = """
[scheme]
id = "methods-mutants"
title = "计分方法测试"
bureau = "测试局"
document_number = "测〔2024〕7号"
effective_date = 2024-01-01
source = "test fixture"
max_total = 60

[[cycles]]
id = "annual"
label = "年度"

[result]
pass_mark = 30
clause = "30分以上合格"

[[vetoes]]
id = "leak"
label = "泄露数据"
effect = "terminate"
when = { fact = "data_leak", is = true }
clause = "泄露劳动力或企业数据的，立即终止合同"

[[vetoes]]
id = "complaints"
effect = "fail"
when = [{ fact = "complaints", more_than = 50 }, { fact = "credit", in = ["C", "D"] }]
clause = "投诉超过50次且信用等级为C、D的，考核不合格"

[[vetoes]]
id = "few_visits"
label = "走访不足"
effect = "fail"
when = [{ fact = "visit_rate", less_than = 10 }, { fact = "households", more_than = 0 }]
clause = "走访率低于10%的，考核不合格"

[[vetoes]]
id = "absence"
label = "缺勤过多"
effect = "fail"
when = { fact = "lost_days", more_than = 300 }
clause = "迟到缺勤合计超过300天的，考核不合格"

[[vetoes]]
id = "absence_complaints"
label = "缺勤且被投诉"
effect = "fail"
when = [{ fact = "lost_days", more_than = 20 }, { fact = "complaints", more_than = 2 }]
clause = "迟到缺勤合计超过20天且投诉超过2次的，考核不合格"

[facts.workers]
meaning = "务工人员数"
kind = "count"
example = 700
[facts.has_plan]
meaning = "有计划"
kind = "bool"
example = true
[facts.has_ledger]
meaning = "有台账"
kind = "bool"
example = true
[facts.credit]
meaning = "信用等级"
kind = "choice"
choices = ["A", "B", "C", "D"]
example = "A"
[facts.trips]
meaning = "每次赴外招聘人数"
kind = "count_list"
example = [1, 2]
[facts.satisfaction]
meaning = "满意度"
kind = "percent"
example = 80
[facts.hours]
meaning = "培训时长（小时）"
kind = "number"
example = 12
[facts.failed_targets]
meaning = "未达标事项扣分"
kind = "judgement_list"
min = 0.25
max = 2
example = [{ value = 0.5, reason = "培训少1次" }]
[facts.innovation]
meaning = "创新"
kind = "judgement"
min = 0
max = 5
example = { value = 3, reason = "新做法" }
[facts.late]
meaning = "迟到天数"
kind = "count"
example = 1
[facts.absent]
meaning = "缺勤天数"
kind = "count"
example = 0
[facts.trainings]
meaning = "每季度培训次数"
kind = "count_list"
example = [4, 4, 4, 4]
[facts.referrals]
meaning = "推荐人数"
kind = "count"
example = 100
[facts.visited]
meaning = "走访户数"
kind = "count"
example = 10
[facts.households]
meaning = "户数"
kind = "count"
example = 20
[facts.complaints]
meaning = "投诉次数"
kind = "count"
example = 0
[facts.data_leak]
meaning = "数据泄露"
kind = "bool"
example = false

[derived.visit_rate]
meaning = "走访率"
op = "percent"
args = ["visited", "households"]

[derived.lost_days]
meaning = "迟到与缺勤天数之和"
op = "sum"
args = ["late", "absent"]

[[categories]]
id = "work"
title = "工作"
max = 60
clause = "工作（60分）"

[[categories.items]]
id = "workers"
title = "务工人员"
max = 15
clause = "少于500人不得分，满500人得5分，每增加100人加1分，得满15分为止。"
method = "base_steps"
fact = "workers"
threshold = 500
base = 5
step = 100
step_points = 1

[[categories.items]]
id = "signboard"
title = "挂牌"
max = 3
clause = "统一挂牌的得3分"
method = "fixed"

[[categories.items]]
id = "basics"
title = "基础工作"
max = 6
clause = "有计划得2分，有台账得3分，信用等级A、B的得4分，最高6分"
method = "checklist"
entries = [
  { label = "计划", points = 2, when = { fact = "has_plan", is = true } },
  { label = "台账", points = 3, when = { fact = "has_ledger", is = true } },
  { label = "信用", points = 4, when = { fact = "credit", in = ["A", "B"] } },
]

[[categories.items]]
id = "trips"
title = "赴外招聘"
max = 5
clause = "每招聘1人得1分，每次最多计5人"
method = "per_unit"
fact = "trips"
per_entry_cap = 5
points_per_unit = 1

[[categories.items]]
id = "satisfaction"
title = "满意度"
max = 5
clause = "满意度90%以上的为优秀，得5分；60%以上至90%的得3分"
method = "tiers"
fact = "satisfaction"
tiers = [{ min = 90, points = 5, label = "优秀" }, { min = 60, max = 90, points = 3 }]

[[categories.items]]
id = "hours"
title = "培训时长"
max = 4
clause = "培训满100小时的得4分"
method = "tiers"
fact = "hours"
tiers = [{ min = 100, points = 4 }]

[[categories.items]]
id = "targets"
title = "目标任务"
max = 4
clause = "未达标事项，每项由评审酌情扣分"
method = "deductions"
deductions = [{ label = "未达标事项", fact = "failed_targets", judged = true }]

[[categories.items]]
id = "attendance"
title = "出勤"
max = 4
clause = "迟到每天扣0.5分，缺勤每天扣1分，扣完为止"
method = "deductions"
deductions = [{ label = "迟到", fact = "late", each = 0.5 }, { label = "缺勤", fact = "absent", each = 1 }]

[[categories.items]]
id = "trainings"
title = "培训"
max = 4
clause = "每季度培训4次，每少2次扣1分；每少1次另扣0.5分，扣完为止"
method = "deductions"
deductions = [
  { label = "培训不足", fact = "trainings", target = 4, per = 2, each = 1, whole_units = true },
  { label = "培训缺口", fact = "trainings", target = 4, each = 0.5 },
]

[[categories.items]]
id = "referrals"
title = "推荐"
max = 4
clause = "推荐不足100人的，每少满10人扣1分"
method = "deductions"
deductions = [{ label = "推荐不足", fact = "referrals", target = 100, per = 10, each = 1, whole_units = true }]

[[categories.items]]
id = "visits"
title = "走访"
max = 4
clause = "开展走访的，被投诉每次扣0.5分"
requires = { fact = "visit_rate", at_least = 0 }
method = "deductions"
deductions = [{ label = "投诉", fact = "complaints", each = 0.5 }]

[[categories.items]]
id = "creative"
title = "创新"
max = 2
clause = "评审认定无创新的得2分（测试：对评审意见的条件）"
method = "checklist"
entries = [{ label = "无创新", points = 2, when = { fact = "innovation", is = 0 } }]

[[categories.items]]
id = "lateness"
title = "减分：迟报与投诉"
kind = "penalty"
clause = "迟报每天扣2分；投诉超过3次的，另扣5分"
method = "deductions"
deductions = [
  { label = "迟报", fact = "late", each = 2 },
  { label = "多次投诉", when = { fact = "complaints", more_than = 3 }, points = 5 },
]
"""


def build(text: str = TOML):
    return build_scheme(tomllib.loads(text, parse_float=Decimal), file="methods-mutants.toml")


def facts(**over):
    out = {"workers": 700, "has_plan": True, "has_ledger": True, "credit": "A", "trips": [1, 2],
           "satisfaction": D(80), "hours": D(12), "failed_targets": [],
           "innovation": {"value": D(3), "reason": "新做法"}, "late": 1, "absent": 0, "trainings": [4, 4, 4, 4],
           "referrals": 100, "visited": 10, "households": 20, "complaints": 0, "data_leak": False}
    out.update(over)
    return out


# fixed and base_steps (FORMAT.md §4) -------------------------------------------------------------------------


def test_a_fixed_item_is_awarded_its_maximum_and_says_so_as_data():
    """FORMAT.md §4 `fixed`: the leaf's `max` (统一挂牌的得3分)."""
    line = score(build(), facts(workers=701)).line("work/signboard")
    assert (line.points, line.explanation) == (3, "awarded in full: 3.00")
    assert line.steps == [{"step": "fixed", "points": "3"}]


def test_base_steps_stop_at_the_cap():
    """seed 000 附件2: 满500人得5分，每增加100人加1分，得满15分为止 — FORMAT.md §4 `base_steps`: base + floor((value −
    steps_from) ÷ step) × step_points, ≤ cap (the leaf's max): 2,345 people are 5 + 18 = 23, capped at 15."""
    line = score(build(), facts(workers=2345)).line("work/workers")
    assert line.points == 15
    assert line.explanation == (f"workers 2,345 ≥ 500: base 5.00 + floor((2,345 {MINUS} 500) ÷ 100) = 18 step(s) × 1 "
                                "= 23.00, capped at 15.00")
    assert line.steps == [{"step": "base_steps", "fact": "workers", "value": "2345", "threshold": "500", "base": "5",
                           "steps_from": "500", "step_size": "100", "steps": "18", "step_points": "1",
                           "points": "23"},
                          {"step": "cap", "cap": "15", "points": "15"}]


# checklist (FORMAT.md §4: Σ points of the entries whose `when` holds, ≤ cap) ---------------------------------


def test_a_checklist_adds_the_entries_that_hold_and_caps_the_sum():
    """有计划得2分，有台账得3分，信用等级A、B的得4分，最高6分: all three hold, 2 + 3 + 4 = 9, capped at 6."""
    line = score(build(), facts(workers=702)).line("work/basics")
    assert line.points == 6
    assert line.explanation == "✓ 计划 +2.00; ✓ 台账 +3.00; ✓ 信用 +4.00 = 9.00, capped at 6.00"
    assert line.steps == [{"step": "check", "label": "计划", "ok": True, "points": "2", "failed": None},
                          {"step": "check", "label": "台账", "ok": True, "points": "3", "failed": None},
                          {"step": "check", "label": "信用", "ok": True, "points": "4", "failed": None},
                          {"step": "subtotal", "points": "9"},
                          {"step": "cap", "cap": "6", "points": "6"}]


def test_a_checklist_entry_that_fails_scores_nothing_and_says_which_condition_failed():
    """FORMAT.md §2 Conditions: an entry whose condition fails adds 0, and the reader is told the value found
    (a bool as yes/no, a choice as written)."""
    line = score(build(), facts(has_ledger=False, credit="C")).line("work/basics")
    assert line.points == 2
    assert line.explanation == ("✓ 计划 +2.00; ✗ 台账 (has_ledger is yes fails (is no)) +0.00; "
                                "✗ 信用 (credit in A, B fails (is C)) +0.00 = 2.00")
    assert line.steps == [
        {"step": "check", "label": "计划", "ok": True, "points": "2", "failed": None},
        {"step": "check", "label": "台账", "ok": False, "points": "0",
         "failed": {"fact": "has_ledger", "tests": [["is", True]], "value": False}},
        {"step": "check", "label": "信用", "ok": False, "points": "0",
         "failed": {"fact": "credit", "tests": [["in", ["A", "B"]]], "value": "C"}},
        {"step": "subtotal", "points": "2"}]


def test_a_failed_condition_on_a_judgement_shows_the_assessors_value_and_reason():
    """FORMAT.md §2: a `judgement` fact is {value, reason}; a condition on it that fails shows both."""
    line = score(build(), facts(innovation={"value": D("2.5"), "reason": "线上对接"})).line("work/creative")
    assert line.explanation == "✗ 无创新 (innovation is 0 fails (is 2.5 (线上对接))) +0.00 = 0.00"


# per_unit over a list (FORMAT.md §4) -------------------------------------------------------------------------


def test_per_unit_over_an_empty_list_counts_nothing():
    """FORMAT.md §4 per_unit over a count_list: units summed over the entries — no trips, no units, 0 points."""
    line = score(build(), facts(trips=[])).line("work/trips")
    assert line.points == 0
    assert line.explanation == "trips [], each at most 5: 0 = 0 × 1 = 0.00"
    assert line.steps[0] == {"step": "count_list", "fact": "trips", "values": [], "entry_cap": "5", "capped": [],
                             "sum": "0"}


# tiers (FORMAT.md §4: the points of the first tier containing the value) --------------------------------------


def test_a_tier_is_named_by_its_label_when_it_has_one():
    """满意度90%以上的为优秀，得5分；60%以上至90%的得3分: the label, when the scheme gives one, is shown in brackets."""
    scheme = build()
    top = score(scheme, facts(satisfaction=D("93.5"))).line("work/satisfaction")
    assert (top.points, top.explanation) == (5, "satisfaction 93.5 is in ≥ 90 (优秀) → 5.00")
    assert top.steps[0]["label"] == "优秀"
    middle = score(scheme, facts(satisfaction=D("61.5"))).line("work/satisfaction")
    assert (middle.points, middle.explanation) == (3, "satisfaction 61.5 is in [60, 90) → 3.00")
    assert middle.steps[0]["label"] == ""


# how a figure is shown (engine._tidy: long quotients to 4 decimals in words; the arithmetic stays exact) ---------


def test_a_long_quotient_is_shown_to_four_decimals():
    """FORMAT.md §2 Derived facts `percent` = a ÷ b × 100: 7 of 30 households is 23.3333…%, shown as 23.3333."""
    sheet = score(build(), facts(visited=7, households=30))
    assert sheet.derivations["visit_rate"] == "visit_rate = 7 ÷ 30 × 100 = 23.3333"


def test_a_figure_with_more_than_four_decimals_is_shown_rounded_to_four():
    """A number fact of 5 decimals (12.34567 hours) is shown to 4 decimals (12.3457); the step carries the same."""
    line = score(build(), facts(hours=D("12.34567"))).line("work/hours")
    assert line.explanation == "hours 12.3457 is in no tier → 0.00"
    assert line.steps == [{"step": "no_tier", "fact": "hours", "value": "12.3457", "points": "0"}]


def test_a_figure_of_four_decimals_is_shown_as_it_is_however_large():
    """A number fact is not bounded unless the scheme gives min/max (FORMAT.md §2): a figure of 4 decimals needs no
    rounding to 4 and is shown, whatever its size — never refused (these 29 digits are written to the 28 significant
    digits of Python's decimal context)."""
    line = score(build(), facts(hours=D("1234567890123456789012345.1234"))).line("work/hours")
    assert line.points == 4
    assert line.explanation == "hours 1,234,567,890,123,456,789,012,345.123 is in ≥ 100 → 4.00"


# deductions (FORMAT.md §4: start − Σ entries, never below the floor; a penalty's magnitude is Σ entries) ----------


def test_judged_deductions_list_every_judgement_with_its_reason():
    """FORMAT.md §4 `{ label, fact, judged = true }`: Σ of the assessor's values, each shown with its reason."""
    line = score(build(), facts(failed_targets=[{"value": D("0.5"), "reason": "培训少1次"},
                                                {"value": D("0.75"), "reason": "台账不全"}])).line("work/targets")
    assert line.points == D("2.75")
    assert line.explanation == (f"start 4.00; 未达标事项: 0.5 (培训少1次) + 0.75 (台账不全) = {MINUS}1.25; "
                                f"4.00 {MINUS} 1.25 = 2.75")


def test_deductions_beyond_the_start_are_floored_and_every_entry_is_shown():
    """seed 002: 扣完为止 — 3 days late and 5 absent take 1.5 + 5 = 6.5 from 4: floored at 0, both entries shown."""
    line = score(build(), facts(late=3, absent=5)).line("work/attendance")
    assert line.points == 0
    assert line.explanation == (f"start 4.00; 迟到: 3 × 0.5 = {MINUS}1.50; 缺勤: 5 × 1 = {MINUS}5.00; "
                                f"4.00 {MINUS} 6.50 = {MINUS}2.50, floored at 0.00 (扣完为止)")


def test_a_penalty_is_the_sum_of_its_entries_and_says_so_as_data():
    """FORMAT.md §3: a penalty leaf computes a magnitude ≥ 0, subtracted from the total — 迟报每天扣2分；投诉超过3次的，
    另扣5分: 3 days and 4 complaints are 6 + 5 = 11."""
    line = score(build(), facts(late=3, complaints=4)).line("work/lateness")
    assert line.points == -11
    assert line.explanation == (f"迟报: 3 × 2 = {MINUS}6.00; 多次投诉: complaints > 3 holds = {MINUS}5.00; "
                                f"total 11.00 → penalty {MINUS}11.00")
    assert line.steps[-2:] == [{"step": "subtotal", "points": "11"}, {"step": "penalty", "points": "-11"}]


# shortfalls (FORMAT.md §4: max(0, target − value) ÷ per × each; `whole_units`; over a count_list entry by entry) --


def test_a_shortfall_in_whole_units_says_how_many_units():
    """推荐不足100人的，每少满10人扣1分 (whole_units): 45 short is 4 whole tens, 4 points."""
    line = score(build(), facts(referrals=55)).line("work/referrals")
    assert line.points == 0
    assert line.explanation == (f"start 4.00; 推荐不足: 100 {MINUS} 55 = 45 short ÷ 10 = 4 unit(s) × 1 = {MINUS}4.00; "
                                f"4.00 {MINUS} 4.00 = 0.00")


def test_a_shortfall_over_a_list_is_counted_entry_by_entry():
    """seed 003 指标13: over a count_list the shortfall is summed entry by entry; an entry at or above the target
    counts 0. 每少2次扣1分 counts whole units per entry: (4 − 1) = 1 unit, (4 − 2) = 1 unit; 每少1次扣0.5分 counts
    every one: 5 × 0.5."""
    line = score(build(), facts(trainings=[1, 5, 2])).line("work/trainings")
    assert line.points == 0
    assert line.explanation == (
        f"start 4.00; 培训不足: per entry (4 {MINUS} 1) + 0 + (4 {MINUS} 2) = 5 short ÷ 2 (whole units) × 1 = "
        f"{MINUS}2.00; 培训缺口: per entry (4 {MINUS} 1) + 0 + (4 {MINUS} 2) = 5 short × 0.5 = {MINUS}2.50; "
        f"4.00 {MINUS} 4.50 = {MINUS}0.50, floored at 0.00 (扣完为止)")
    assert [(s["units"], s["points"]) for s in line.steps[1:3]] == [("2", "2"), ("5", "2.5")]


def test_a_shortfall_over_an_empty_list_is_none():
    """No entries in the list: nothing short, nothing deducted (FORMAT.md §4)."""
    line = score(build(), facts(trainings=[])).line("work/trainings")
    assert line.points == 4
    assert line.explanation == (f"start 4.00; 培训不足: per entry 0 = 0 short ÷ 2 (whole units) × 1 = {MINUS}0.00; "
                                f"培训缺口: per entry 0 = 0 short × 0.5 = {MINUS}0.00; 4.00 {MINUS} 0.00 = 4.00")


# vetoes (FORMAT.md §1 Vetoes: all conditions must hold; the explanation names the veto, the conditions and the
# facts read) ----------------------------------------------------------------------------------------------------


def test_a_veto_on_a_bool_names_itself_by_its_label_and_shows_yes():
    """泄露劳动力或企业数据的，立即终止合同: the veto's label, the condition, the fact as yes/no and the effect."""
    sheet = score(build(), facts(data_leak=True, workers=703))
    (hit,) = sheet.vetoes
    assert (hit.id, hit.effect) == ("leak", "terminate")
    assert hit.explanation == "泄露数据: data_leak is yes (data_leak = yes) → terminate"
    assert hit.steps == [{"step": "veto", "label": "泄露数据", "effect": "terminate",
                          "conditions": [{"fact": "data_leak", "tests": [["is", True]], "value": True}]}]
    assert sheet.result_explanation == "failed by veto: 泄露数据: data_leak is yes (data_leak = yes) → terminate"


def test_a_veto_without_a_label_is_named_by_its_id_and_shows_every_fact_it_read():
    """A veto of several conditions (all must hold) shows them joined by "and" and each fact read, in order."""
    sheet = score(build(), facts(complaints=51, credit="D"))
    (hit,) = sheet.vetoes
    assert hit.explanation == ("complaints: complaints > 50 and credit in C, D (complaints = 51, credit = D) → fail")
    assert hit.steps == [{"step": "veto", "label": "", "effect": "fail",
                          "conditions": [{"fact": "complaints", "tests": [["more_than", "50"]], "value": "51"},
                                         {"fact": "credit", "tests": [["in", ["C", "D"]]], "value": "D"}]}]


def test_a_veto_on_a_figure_the_sheet_already_derived_shows_the_figure_not_its_sources_again():
    """A derived fact is derived once per sheet (FORMAT.md §2 Derived facts; sheet.derivations shows how): a veto
    reading a figure a line has already derived shows that figure and the other facts its conditions read."""
    sheet = score(build(), facts(visited=1, households=20))
    assert sheet.derivations["visit_rate"] == "visit_rate = 1 ÷ 20 × 100 = 5"
    (hit,) = sheet.vetoes
    assert hit.explanation == "走访不足: visit_rate < 10 and households > 0 (visit_rate = 5, households = 20) → fail"


def test_vetoes_whose_facts_never_repeat_are_evaluated_afresh_with_the_same_words():
    """Issue 16: a veto whose facts differ on every sheet stops being remembered; it is then evaluated on the sheet
    itself, reading a figure an earlier veto derived (lost_days = late + absent), with the same result and words."""
    scheme = build()
    for n in range(70):
        sheet = score(scheme, facts(late=15, absent=10, complaints=n))
        expected = [] if n <= 2 else [
            f"缺勤且被投诉: lost_days > 20 and complaints > 2 (lost_days = 25, complaints = {n}) → fail"]
        assert [hit.explanation for hit in sheet.vetoes] == expected, n
    assert sheet.derivations["lost_days"] == "lost_days = 15 + 10 = 25"


QUOTA = """
[derived.quota]
meaning = "名额（测试：只由数字得出）"
op = "sum"
args = [3, 4]

[[vetoes]]
id = "quota"
label = "名额不足"
effect = "fail"
when = { fact = "quota", at_most = 7 }
clause = "名额不足8个的，考核不合格（测试）"
"""


def test_a_veto_that_reads_no_supplied_fact_is_still_evaluated():
    """FORMAT.md §2: a derived fact may be made of numeric literals only; a veto on it reads no supplied fact and
    holds (or not) for every sheet alike."""
    sheet = score(build(TOML + QUOTA), facts(workers=704))
    assert [hit.explanation for hit in sheet.vetoes] == ["名额不足: quota ≤ 7 (quota = 7) → fail"]
    assert sheet.derivations["quota"] == "quota = 3 + 4 = 7"


# rank (FORMAT.md §4 `rank`: points = max(top − (rank − 1) × step, floor)) -------------------------------------

RANK = """
[scheme]
id = "rank-mutants"
title = "排名测试"
bureau = "测试局"
document_number = "测〔2024〕8号"
effective_date = 2024-01-01
source = "test fixture"
max_total = 10

[[cycles]]
id = "annual"
label = "年度"

[result]
pass_mark = 5
clause = "5分以上合格"

[facts.bases]
meaning = "基地数"
kind = "count"
example = 3

[[categories]]
id = "work"
title = "工作"
max = 10
clause = "工作（10分）"

[[categories.items]]
id = "bases"
title = "基地"
max = 10
clause = "基地数最多的得10分，每降低一个名次减2分，减完为止"
method = "rank"
fact = "bases"
top = 10
step = 2
"""


def test_a_rank_that_lands_exactly_on_the_floor_is_not_said_to_be_floored():
    """seed 004 （二）1 每降低一个名次减分，直至减至基础分为止: the 6th of 6 gets 10 − 5 × 2 = 0, which is the floor
    itself — nothing is taken away below it, so no floor is applied."""
    scheme = build_scheme(tomllib.loads(RANK, parse_float=Decimal), file="rank-mutants.toml")
    sheets = score_cohort(scheme, {f"p{n}": {"bases": 10 * n + 3} for n in range(1, 7)}).sheets
    line = sheets["p1"].line("work/bases")
    assert line.points == 0
    assert line.explanation == f"bases 13 ranks 6 of 6 eligible: 10.00 {MINUS} (6 {MINUS} 1) × 2 = 0.00"
    assert [step["step"] for step in line.steps] == ["rank"]


# the same facts, the same line, however the engine arrives at it (issue 16) --------------------------------------


def test_a_line_shows_every_fact_it_read_including_those_behind_a_derived_requirement():
    """Line.inputs: the facts a line read — here those behind the derived visit rate its requirement reads
    (FORMAT.md §3 `requires`), the rate, and the complaints it counts, in the order read."""
    line = score(build(), facts(visited=3, households=60, complaints=2)).line("work/visits")
    assert line.explanation == f"start 4.00; 投诉: 2 × 0.5 = {MINUS}1.00; 4.00 {MINUS} 1.00 = 3.00"
    assert list(line.inputs.items()) == [("visited", 3), ("households", 60), ("visit_rate", 5), ("complaints", 2)]


def test_deductions_per_occurrence_are_right_however_many_different_sheets_were_scored():
    """Issue 16: lines whose facts never repeat stop being remembered and are scored afresh; each entry of a
    deduction item keeps its own label and rate (迟到每天扣0.5分，缺勤每天扣1分) on every sheet."""
    shared = build()
    for n in range(70):
        line = score(shared, facts(late=n, absent=n)).line("work/attendance")
        fresh = score(build(), facts(late=n, absent=n)).line("work/attendance")
        assert (line.points, line.explanation, line.steps) == (fresh.points, fresh.explanation, fresh.steps), n
    assert line.explanation == (f"start 4.00; 迟到: 69 × 0.5 = {MINUS}34.50; 缺勤: 69 × 1 = {MINUS}69.00; "
                                f"4.00 {MINUS} 103.50 = {MINUS}99.50, floored at 0.00 (扣完为止)")
