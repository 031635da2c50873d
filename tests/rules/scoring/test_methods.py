"""Each scoring method on a small inline scheme: edges, caps, floors, missing facts, explanations.

The scheme below is a fixture written for these tests (FORMAT.md §4); the clauses it quotes are the
seed documents' wording for the rule each method implements.
"""
from __future__ import annotations

import tomllib
from decimal import Decimal

import pytest

from rules.scoring import FactsError, score
from rules.scoring.loader import build_scheme

TOML = """
[scheme]
id = "methods-test"
title = "方法测试"
bureau = "测试局"
document_number = "测〔2024〕1号"
effective_date = 2024-01-01
source = "test fixture"
max_total = 60

[[cycles]]
id = "annual"
label = "年度"

[result]
pass_mark = 30
pass_inclusive = true
clause = "30分（含）以上为合格"
bonus_cap = 6

[[vetoes]]
id = "leak"
effect = "terminate"
when = { fact = "data_leak", is = true }
clause = "泄露劳动力或企业数据的，立即终止合同"

[facts.agreements]
meaning = "协议家数"
kind = "count"
example = 3
[facts.workers]
meaning = "务工人员数"
kind = "count"
example = 700
[facts.satisfaction]
meaning = "满意度"
kind = "percent"
example = 60
[facts.ledger]
meaning = "台账"
kind = "choice"
choices = ["none", "built", "complete"]
example = "built"
[facts.complaints]
meaning = "投诉"
kind = "count"
example = 1
[facts.referrals]
meaning = "推荐人数"
kind = "count"
example = 1950
[facts.accuracy]
meaning = "准确率"
kind = "percent"
example = 88.5
[facts.failed_targets]
meaning = "未达标事项扣分"
kind = "judgement_list"
min = 0.5
max = 1
example = [{ value = 0.5, reason = "培训少1次" }]
[facts.has_plan]
meaning = "有计划"
kind = "bool"
example = true
[facts.innovation]
meaning = "创新"
kind = "judgement"
min = 0
max = 5
example = { value = 3, reason = "新做法" }
[facts.media_reports]
meaning = "媒体报道篇数"
kind = "count"
example = 1
[facts.lost_disputes]
meaning = "败诉件数"
kind = "count"
example = 0
[facts.data_leak]
meaning = "数据泄露"
kind = "bool"
example = false
[facts.visited]
meaning = "走访人数"
kind = "count"
example = 0
[facts.households]
meaning = "户数"
kind = "count"
example = 0

[derived.visit_rate]
meaning = "走访率"
op = "percent"
args = ["visited", "households"]

[[categories]]
id = "a"
title = "甲"
max = 30
clause = "甲（30分）"

[[categories.items]]
id = "agreements"
title = "协议"
max = 5
clause = "每与1家企业签订合作协议得1分"
method = "per_unit"
fact = "agreements"
points_per_unit = 1

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
id = "satisfaction"
title = "满意度"
max = 5
clause = "50%以下不得分，50%以上至75%的得3分，75%以上的得5分"
method = "tiers"
fact = "satisfaction"
tiers = [
  { min = 50, max = 75, max_inclusive = true, points = 3 },
  { min = 75, min_inclusive = false, points = 5 },
]

[[categories.items]]
id = "ledger"
title = "台账"
max = 5
clause = "已建立得3分，记录完整得5分"
method = "levels"
fact = "ledger"
points = { none = 0, built = 3, complete = 5 }

[[categories]]
id = "b"
title = "乙"
max = 30
clause = "乙（30分）"

[[categories.items]]
id = "service"
title = "服务"
max = 20
clause = "服务（20分）"

[[categories.items.subitems]]
id = "complaints"
title = "投诉"
max = 5
clause = "被投诉的，每次扣0.5分，扣完为止"
method = "deductions"
deductions = [{ label = "投诉", fact = "complaints", each = 0.5 }]

[[categories.items.subitems]]
id = "referrals"
title = "推荐"
max = 5
clause = "服务期内推荐求职人员共2000人，每少一人扣0.01分"
method = "deductions"
deductions = [{ label = "推荐不足", fact = "referrals", target = 2000, each = 0.01 }]

[[categories.items.subitems]]
id = "accuracy"
title = "准确率"
max = 5
clause = "准确率低于90%时，每下降1个百分点扣0.5分"
method = "deductions"
deductions = [
  { label = "准确率不足", fact = "accuracy", target = 90, each = 0.5 },
  { label = "未达标事项", fact = "failed_targets", judged = true },
]

[[categories.items.subitems]]
id = "plan"
title = "计划"
max = 5
clause = "有年度计划，否则扣5分"
requires = { fact = "visit_rate", at_least = 0 }
method = "deductions"
deductions = [{ label = "无计划", when = { fact = "has_plan", is = false }, points = 5 }]

[[categories.items.subitems]]
id = "media"
title = "加分：媒体报道"
kind = "bonus"
cap = 10
clause = "每多1篇加5分"
method = "per_unit"
fact = "media_reports"
points_per_unit = 5

[[categories.items.subitems]]
id = "disputes"
title = "减分：败诉"
kind = "penalty"
clause = "每件扣10分"
method = "per_unit"
fact = "lost_disputes"
points_per_unit = 10

[[categories.items]]
id = "innovation"
title = "创新"
max = 5
clause = "创新工作做法"
method = "judgement"
fact = "innovation"

[[categories.items]]
id = "bonus_check"
title = "检查"
max = 5
clause = "有计划得5分"
method = "checklist"
entries = [{ label = "有计划", points = 5, when = { fact = "has_plan", is = true } }]
"""


@pytest.fixture(scope="module")
def scheme():
    return build_scheme(tomllib.loads(TOML, parse_float=Decimal), file="methods-test.toml")


def full(**over):
    facts = {
        "agreements": 5, "workers": 1500, "satisfaction": Decimal(80), "ledger": "complete", "complaints": 0,
        "referrals": 2000, "accuracy": Decimal(95), "failed_targets": [], "has_plan": True,
        "innovation": {"value": Decimal(5), "reason": "显著创新"}, "media_reports": 0, "lost_disputes": 0,
        "data_leak": False, "visited": 0, "households": 0,
    }
    facts.update(over)
    return facts


def pts(sheet, path):
    return sheet.line(path).points


def test_full_marks_add_up_to_max_total(scheme):
    sheet = score(scheme, full())
    assert sheet.complete and sheet.total == Decimal("60.00") and sheet.passed is True


# per_unit ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("count, expected", [(0, "0"), (3, "3"), (5, "5"), (9, "5")])
def test_per_unit_one_point_each_capped_at_max(scheme, count, expected):
    """seed 000 附件2: 每与1家企业签订合作协议得1分 (cap at the item's max)."""
    line = score(scheme, full(agreements=count)).line("a/agreements")
    assert line.points == Decimal(expected)
    if count > 5:
        assert "capped at 5.00" in line.explanation


# base_steps ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("workers, expected", [
    (0, 0), (499, 0), (500, 5), (599, 5), (600, 6), (1_450, 14), (1_499, 14), (1_500, 15), (10_000, 15),
])
def test_base_steps_500_gives_5_plus_1_per_100_up_to_15(scheme, workers, expected):
    """seed 000 附件2 工作成效: 少于500人不得分，满500人得5分，每增加100人加1分，得满15分为止。"""
    assert pts(score(scheme, full(workers=workers)), "a/workers") == expected


def test_base_steps_explains_the_steps(scheme):
    text = score(scheme, full(workers=1250)).line("a/workers").explanation
    assert text == "workers 1,250 ≥ 500: base 5.00 + floor((1,250 − 500) ÷ 100) = 7 step(s) × 1 = 12.00"


# tiers ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("pct, expected", [("0", 0), ("49.99", 0), ("50", 3), ("75", 3), ("75.01", 5), ("100", 5)])
def test_percentage_bands_edges(scheme, pct, expected):
    """seed 001 附件3: 50%以下不得分，50%以上至75%的得3分，75%以上的得5分。"""
    assert pts(score(scheme, full(satisfaction=Decimal(pct))), "a/satisfaction") == expected


def test_levels(scheme):
    assert [pts(score(scheme, full(ledger=v)), "a/ledger") for v in ("none", "built", "complete")] == [0, 3, 5]


# deductions ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("complaints, expected", [(0, "5"), (1, "4.5"), (9, "0.5"), (10, "0"), (11, "0"), (40, "0")])
def test_deduction_per_occurrence_floored_at_the_sub_item(scheme, complaints, expected):
    """seed 002: 每次扣0.5分 … 该项分扣完为止（指扣单项分）: never below 0 for that sub-item."""
    sheet = score(scheme, full(complaints=complaints))
    assert pts(sheet, "b/service/complaints") == Decimal(expected)
    # the floor is the sub-item's: the other sub-items keep their points
    assert pts(sheet, "b/service/referrals") == 5


def test_floor_is_explained(scheme):
    text = score(scheme, full(complaints=11)).line("b/service/complaints").explanation
    assert "floored at 0.00 (扣完为止)" in text and "11 × 0.5 = −5.50" in text


@pytest.mark.parametrize("referrals, expected", [(2000, "5"), (2500, "5"), (1999, "4.99"), (1950, "4.5"), (1500, "0"), (0, "0")])
def test_shortfall_per_person_short_of_2000(scheme, referrals, expected):
    """seed 002 标项一: 服务期内推荐求职人员给园区用工企业共2000人，每少一人扣0.01分。"""
    assert pts(score(scheme, full(referrals=referrals)), "b/service/referrals") == Decimal(expected)


def test_shortfall_arithmetic_in_words(scheme):
    text = score(scheme, full(referrals=1950)).line("b/service/referrals").explanation
    assert "2,000 − 1,950 = 50 short × 0.01 = −0.50" in text


def test_percentage_point_shortfall_and_judged_deductions(scheme):
    """seed 003: 准确率低于90%时，每下降1个百分点扣0.5分; 一项不达标视情况扣0.5-1分."""
    sheet = score(scheme, full(accuracy=Decimal("88.5"), failed_targets=[
        {"value": "0.5", "reason": "培训少1次"}, {"value": Decimal("1"), "reason": "直播不足50场"}]))
    line = sheet.line("b/service/accuracy")
    assert line.points == Decimal("5") - Decimal("0.75") - Decimal("1.5")
    assert "直播不足50场" in line.explanation and "1.5 short × 0.5 = −0.75" in line.explanation


def test_conditional_deduction(scheme):
    """seed 001 附件3 工作计划: 否则扣5分."""
    assert pts(score(scheme, full(has_plan=False)), "b/service/plan") == 0
    assert pts(score(scheme, full(has_plan=True)), "b/service/plan") == 5


# judgement -----------------------------------------------------------------------------------------


def test_judgement_value_and_reason_are_on_the_line(scheme):
    line = score(scheme, full(innovation={"value": "3.5", "reason": "首创线上对接"})).line("b/innovation")
    assert line.points == Decimal("3.5") and "首创线上对接" in line.explanation


@pytest.mark.parametrize("value", ["5.01", "-0.5", "6"])
def test_judgement_outside_range_is_refused_naming_the_key(scheme, value):
    """DOMAIN.md §6.6: judgement items accept only values inside the scheme's range."""
    with pytest.raises(FactsError) as err:
        score(scheme, full(innovation={"value": value, "reason": "x"}))
    assert err.value.key == "innovation" and "innovation" in str(err.value)


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_judgement_needs_a_written_reason(scheme, reason):
    with pytest.raises(FactsError, match="reason"):
        score(scheme, full(innovation={"value": "2", "reason": reason}))


def test_each_judged_deduction_is_range_checked(scheme):
    with pytest.raises(FactsError, match="failed_targets"):
        score(scheme, full(failed_targets=[{"value": "1.5", "reason": "超出范围"}]))


# bonus, penalty, total floor, vetoes ----------------------------------------------------------------


def test_bonus_is_capped_per_item_and_scheme_wide(scheme):
    """seed 003 加分: 每多1篇加5分; the scheme's bonus_cap (6) limits the sum of bonuses."""
    sheet = score(scheme, full(media_reports=1))
    assert sheet.bonus_total == 5 and sheet.total == Decimal("65.00")
    sheet = score(scheme, full(media_reports=3))  # 15 → item cap 10 → scheme cap 6
    assert pts(sheet, "b/service/media") == 10
    assert sheet.bonus_total == 6 and sheet.total == Decimal("66.00")
    assert "capped at 6.00" in sheet.total_explanation


def test_bonus_takes_total_above_max(scheme):
    """DOMAIN.md §6.2: bonuses may take the total above 100 (here above max_total)."""
    assert score(scheme, full(media_reports=1)).total > scheme.max_total


def test_penalty_is_subtracted_and_total_never_below_zero(scheme):
    """seed 004 负面影响: 每件扣10分 … 分数减完为止; DOMAIN.md §6.2 total never below 0."""
    sheet = score(scheme, full(lost_disputes=1))
    assert pts(sheet, "b/service/disputes") == -10 and sheet.total == Decimal("50.00")
    sheet = score(scheme, full(lost_disputes=9))
    assert sheet.total == Decimal("0.00") and sheet.total_exact == 0
    assert "never below 0.00" in sheet.total_explanation


def test_veto_fails_whatever_the_score(scheme):
    sheet = score(scheme, full(data_leak=True))
    assert sheet.total == Decimal("60.00") and sheet.passed is False
    assert sheet.terminated and [v.id for v in sheet.vetoes] == ["leak"]
    assert "泄露" in sheet.vetoes[0].clause


# missing facts, derived, fact validation -------------------------------------------------------------


def test_missing_fact_is_reported_not_taken_as_zero(scheme):
    facts = full()
    del facts["referrals"]
    sheet = score(scheme, facts)
    assert not sheet.complete and sheet.passed is None
    assert sheet.missing_facts == ["referrals"]
    line = sheet.line("b/service/referrals")
    assert line.missing == ["referrals"] and "missing" in line.explanation


def test_missing_veto_fact_makes_the_sheet_incomplete(scheme):
    facts = full()
    del facts["data_leak"]
    assert score(scheme, facts).missing_facts == ["data_leak"]


def test_none_means_unknown(scheme):
    assert score(scheme, full(workers=None)).missing_facts == ["workers"]


def test_derived_division_by_zero_is_said(scheme):
    sheet = score(scheme, full(visited=0, households=0))
    assert "division by zero" in sheet.derivations["visit_rate"]


def test_requirement_gate_needs_its_facts(scheme):
    facts = full()
    del facts["households"]
    assert score(scheme, facts).line("b/service/plan").missing == ["households"]


@pytest.mark.parametrize("key, value, words", [
    ("nonsense", 1, "unknown fact"),
    ("workers", -1, "negative"),
    ("workers", 1.5, "float"),
    ("satisfaction", 80.0, "float"),
    ("satisfaction", Decimal("100.5"), "above"),
    ("workers", "12.5", "whole number"),
    ("ledger", "maybe", "not one of"),
    ("has_plan", 1, "true or false"),
    ("visit_rate", 5, "derived"),
])
def test_invalid_facts_raise_naming_the_key(scheme, key, value, words):
    with pytest.raises(FactsError) as err:
        score(scheme, full(**{key: value}))
    assert err.value.key == key and words in str(err.value)


def test_strings_are_accepted_as_exact_numbers(scheme):
    assert score(scheme, full(satisfaction="75.01")).line("a/satisfaction").points == 5


def test_every_line_explains_itself(scheme):
    for facts in (full(), full(workers=0, complaints=20, referrals=3, has_plan=False, media_reports=2)):
        for line in score(scheme, facts).lines:
            assert line.explanation.strip(), line.path
