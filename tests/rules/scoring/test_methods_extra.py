"""Features asked for by the other schemes (seed 002 时序进度 targets and payment bands, seed 003 扣分制):
a shortfall target that is a fact, shortfalls over a per-quarter list, a fixed base with penalty
deductions, an uncapped bonus, payment-band consequences, and payment stages tied to cycles."""
from __future__ import annotations

import tomllib
from decimal import Decimal

import pytest

from rules.scoring import SchemeError, score
from rules.scoring.loader import build_scheme

TOML = """
[scheme]
id = "extra-test"
title = "扣分制测试"
bureau = "测试局"
document_number = ""
effective_date = 2024-01-01
source = "test fixture"
max_total = 100

[[cycles]]
id = "stage_1"
label = "第一期"
[[cycles]]
id = "stage_2"
label = "第二期"

[result]
pass_mark = 50
clause = "低于50分不支付"

[payment]
advance_share = 0.4
clause = "预付40%"
[[payment.stages]]
id = "stage_1"
cycle = "stage_1"
label = "第5个月后"
share = 0.3
clause = "服务满5个月后支付20%"
[[payment.stages]]
id = "stage_2"
cycle = "stage_2"
label = "期末"
share = 0.3
[[payment.bands]]
min = 90
ratio = 1
label = "90分（含）以上全额支付"
[[payment.bands]]
min = 50
max = 90
ratio = 0.6
label = "50分（含）—89.99分支付60%"
[[payment.bands]]
max = 50
ratio = 0
label = "低于50分不支付"
consequence = "限服务方一个月内整改完毕，整改不通过的，采购人有权单方解除合同"
rectify_within_months = 1

[facts.progress_pct]
meaning = "时序进度"
kind = "percent"
example = 50
[facts.events_held]
meaning = "宣传活动场次"
kind = "count"
example = 1
[facts.tea_meeting_companies]
meaning = "每季度参会企业数"
kind = "count_list"
example = [10, 8]
[facts.failed_targets]
meaning = "未达标扣分"
kind = "judgement_list"
min = 0.5
max = 1
example = []
[facts.media_reports]
meaning = "媒体报道"
kind = "count"
example = 0

[derived.events_due]
meaning = "应举办场次 = 2 × 时序进度"
op = "product"
args = [2, "progress_pct", 0.01]

[[categories]]
id = "base"
title = "基础分"
max = 100
clause = "考核总分为100分，采取扣分制"

[[categories.items]]
id = "points"
title = "基础分"
max = 100
clause = "考核总分为100分"
method = "fixed"

[[categories.items]]
id = "events"
title = "政策宣传活动"
kind = "penalty"
clause = "服务期内协助举办两场以上就业政策宣传活动。每少1次，扣0.5分。"
method = "deductions"
deductions = [{ label = "少举办", fact = "events_held", target = "events_due", each = 0.5, whole_units = true }]

[[categories.items]]
id = "tea"
title = "餐（茶）叙会"
kind = "penalty"
max = 20
clause = "未举办不得分，每季度企业少一家扣0.5分"
method = "deductions"
deductions = [
  { label = "参会企业不足10家", fact = "tea_meeting_companies", target = 10, each = 0.5 },
  { label = "一项不达标", fact = "failed_targets", judged = true },
]

[[categories.items]]
id = "media"
title = "媒体报道加分"
kind = "bonus"
uncapped = true
clause = "中央、省部级媒体报道每多1篇加5分"
method = "per_unit"
fact = "media_reports"
points_per_unit = 5
"""


@pytest.fixture(scope="module")
def scheme():
    return build_scheme(tomllib.loads(TOML, parse_float=Decimal), file="extra-test.toml")


def facts(**over):
    base = {"progress_pct": Decimal(100), "events_held": 2, "tea_meeting_companies": [10, 10, 10, 10],
            "failed_targets": [], "media_reports": 0}
    base.update(over)
    return base


def test_fixed_base_awards_the_full_points(scheme):
    sheet = score(scheme, facts())
    assert sheet.line("base/points").points == 100 and sheet.total == 100


@pytest.mark.parametrize("progress, held, penalty", [
    ("100", 2, "0"), ("100", 1, "-0.5"), ("100", 0, "-1"),
    ("75", 1, "0"),      # 1.5 due, 1 held: 0.5 short is no whole event (每少1次)
    ("75", 0, "-0.5"),   # 1.5 short → 1 whole event
    ("50", 1, "0"),
])
def test_shortfall_against_a_time_progress_target_counts_whole_events(scheme, progress, held, penalty):
    """seed 002 监督考核 时序进度: targets due by the period; 每少1次，扣0.5分 counts whole events."""
    sheet = score(scheme, facts(progress_pct=Decimal(progress), events_held=held))
    assert sheet.line("base/events").points == Decimal(penalty)
    assert "events_due" in sheet.line("base/events").explanation


def test_shortfall_summed_quarter_by_quarter(scheme):
    """seed 003 指标13: 未举办不得分，每季度企业少一家扣0.5分 — (10 − 8) + 0 + (10 − 0) + (10 − 9) = 13 × 0.5."""
    sheet = score(scheme, facts(tea_meeting_companies=[8, 10, 0, 9]))
    line = sheet.line("base/tea")
    assert line.points == Decimal("-6.5")
    assert "13 short" in line.explanation


def test_penalty_deductions_add_judged_entries_and_respect_the_cap(scheme):
    judged = [{"value": "1", "reason": "直播不足"}] * 3
    sheet = score(scheme, facts(tea_meeting_companies=[0, 0, 0, 0], failed_targets=judged))
    assert sheet.line("base/tea").points == -20  # 20 + 3 = 23, at most 20
    assert sheet.total == 80


def test_uncapped_bonus(scheme):
    """seed 003 加分: 每多1篇加5分 — the document sets no cap."""
    assert score(scheme, facts(media_reports=5)).total == 125


def test_payment_below_50_pays_nothing_and_asks_for_rectification():
    text = TOML.replace('max = 20\nclause = "未举办', 'max = 60\nclause = "未举办')
    scheme = build_scheme(tomllib.loads(text, parse_float=Decimal), file="extra-test.toml")
    sheet = score(scheme, facts(tea_meeting_companies=[0] * 12))  # −60 → 40
    assert sheet.total == 40 and sheet.payment_ratio == 0 and sheet.passed is False
    assert sheet.payment_band.rectify_within_months == 1
    assert "一个月内整改" in sheet.payment_explanation
    assert sheet.payment_due(100000, "stage_1") == 0
    assert sheet.payment_due(100000, "advance") == Decimal("40000.00")


def test_stage_must_name_a_known_cycle():
    with pytest.raises(SchemeError, match=r"payment.stages\[1\].cycle: unknown cycle 'stage_9'"):
        build_scheme(tomllib.loads(TOML.replace('cycle = "stage_2"', 'cycle = "stage_9"'), parse_float=Decimal),
                     file="extra-test.toml")


def test_bonus_without_cap_must_say_so():
    with pytest.raises(SchemeError, match="uncapped = true"):
        build_scheme(tomllib.loads(TOML.replace("uncapped = true\n", ""), parse_float=Decimal), file="extra-test.toml")


def test_penalty_deductions_refuse_a_start():
    text = TOML.replace('method = "deductions"\ndeductions = [{ label = "少举办"',
                        'method = "deductions"\nstart = 3\ndeductions = [{ label = "少举办"')
    with pytest.raises(SchemeError, match="no start or floor"):
        build_scheme(tomllib.loads(text, parse_float=Decimal), file="extra-test.toml")
