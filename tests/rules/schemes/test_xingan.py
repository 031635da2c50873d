"""新干 (seed 003 考核细则表): 100 points less deductions, plus bonuses, with termination vetoes.

Each test names the clause it checks. Judged deductions are {"value", "reason"}: the assessor picks a
value inside the range the 评分标准 allows and writes why (DOMAIN.md §6.6).
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from rules.schemes import load_scheme
from rules.scoring import FactsError, score

SCHEME_ID = "xingan"
INDICATORS = [  # 考核细则表 序号1–14, in order
    "county_home_operation", "township_village_homes", "online_platform", "publicity", "online_recruitment",
    "team", "industrial_survey", "demand_survey", "employer_needs", "labour_survey", "returning_workers",
    "priority_groups", "tea_meetings", "other_tasks",
]

JUDGED_ONE = [  # “一项不达标视情况扣0.5-1分”
    "county_home_failures", "township_village_home_failures", "online_platform_failures", "publicity_failures",
    "online_recruitment_failures", "industrial_survey_failures", "demand_survey_failures",
    "returning_workers_failures", "priority_groups_failures",
]
JUDGED_THREE = ["team_failures", "employer_needs_failures"]  # indicators 6 and 9: 0.5-3


@pytest.fixture(scope="module")
def scheme():
    return load_scheme(SCHEME_ID)


def clean(**changes):
    """A cycle in which every target is met, nothing is leaked, and no bonus is earned."""
    facts = {key: [] for key in JUDGED_ONE + JUDGED_THREE}
    facts.update({
        "labour_survey_accuracy_pct": 95,
        "tea_meeting_companies": [10, 12],  # two quarters in this cycle
        "other_task_incidents": [],
        "city_rank": "other",
        "central_provincial_media_reports": 1,  # the one indicator 6 requires
        "sensitive_data_leaked": False,
        "public_opinion_incident": False,
        "contract_not_performed": False,
        "other_statutory_ground": False,
    })
    unknown = set(changes) - set(facts)
    assert not unknown, f"not a fact of the scheme: {unknown}"
    facts.update(changes)
    return facts


def j(value, reason="未达标"):
    return {"value": value, "reason": reason}


# -- the table itself ---------------------------------------------------------------------------------


def test_one_hundred_points_less_fourteen_indicators(scheme):
    """3.1 考核总分为100分，日常考核、年度考核采取扣分制，同时考核设置了加分项目; 考核细则表 序号1–14."""
    assert scheme.max_total == Decimal(100) == scheme.regular_max()
    base = scheme.node("base/base_points")
    assert (base.method, base.max) == ("fixed", Decimal(100))
    indicators = scheme.node("indicators")
    assert [n.id for n in indicators.children] == INDICATORS
    assert all(n.kind == "penalty" and n.max is None for n in indicators.children)  # no per-indicator points or cap
    # 3.1 “日常考核+年度考核”相结合, 总分100分: one sheet per service year (DOMAIN conventions; note 9)
    assert [(c.id, c.months) for c in scheme.cycles] == [("annual", 12)]
    bonuses = [n for n in scheme.leaves() if n.kind == "bonus"]
    assert [b.id for b in bonuses] == ["city_ranking", "media_reports"]


def test_every_indicator_quotes_its_content_and_standard(scheme):
    """考核细则表: 指标项 / 考核内容 / 评分标准 quoted for each of the fourteen indicators."""
    nodes = {n.id: n for n in scheme.node("indicators").children}
    for node in nodes.values():
        content, standard = node.clause.split("\n")
        assert content.startswith("考核内容：") and len(content) > 20, node.id
        assert standard.startswith("评分标准：") and "扣" in standard, node.id
    assert nodes["county_home_operation"].title == "县级就业之家日常运营"
    assert "企业岗位信息收集每月不少于50家" in nodes["county_home_operation"].clause
    assert nodes["labour_survey"].clause.endswith("评分标准：准确率低于90%时，每下降1个百分点扣0.5分")
    assert nodes["tea_meetings"].clause.endswith("评分标准：未举办不得分，每季度企业少一家扣0.5分")
    assert nodes["team"].clause.endswith("评分标准：一项不达标视情况扣0.5-3分")
    assert nodes["other_tasks"].clause.endswith("评分标准：发生一件未完成或未达标事项视情况扣0.5-2分")


def test_judged_ranges_are_the_documents(scheme):
    """评分标准: 0.5-1分; 指标6、9 0.5-3分; 指标14 每件0.5-2分."""
    ranges = {k: (scheme.facts[k].min, scheme.facts[k].max) for k in JUDGED_ONE + JUDGED_THREE + ["other_task_incidents"]}
    assert all(ranges[k] == (Decimal("0.5"), Decimal("1")) for k in JUDGED_ONE)
    assert all(ranges[k] == (Decimal("0.5"), Decimal("3")) for k in JUDGED_THREE)
    assert ranges["other_task_incidents"] == (Decimal("0.5"), Decimal("2"))
    for key, targets in scheme.extra["targets"].items():
        assert targets and key in scheme.facts


def test_clean_cycle_scores_100(scheme):
    sheet = score(scheme, clean())
    assert sheet.complete, sheet.missing_facts
    assert sheet.total == Decimal("100.00")
    assert sheet.passed is True and not sheet.vetoed


# -- judged deductions --------------------------------------------------------------------------------


def test_failed_target_costs_what_the_assessor_judges_within_0_5_to_1(scheme):
    """指标1 上述一项不达标视情况扣0.5-1分: two failed targets judged 0.5 and 1."""
    sheet = score(scheme, clean(county_home_failures=[
        j("0.5", "3月企业岗位信息收集42家，未达每月50家"), j("1", "全年零工信息仅610条，未达1000条")]))
    assert sheet.total == Decimal("98.50")
    line = sheet.line("indicators/county_home_operation")
    assert line.points == Decimal("-1.5") and "42家" in line.explanation


@pytest.mark.parametrize("fact, value", [
    ("county_home_failures", "0.4"), ("county_home_failures", "1.5"),
    ("team_failures", "3.5"), ("employer_needs_failures", "0.25"), ("other_task_incidents", "2.5"),
])
def test_a_judgement_outside_the_range_is_refused(scheme, fact, value):
    """DOMAIN §6.6: judgement items accept only values inside the scheme's range (0.5-1 / 0.5-3 / 0.5-2)."""
    with pytest.raises(FactsError) as err:
        score(scheme, clean(**{fact: [j(value)]}))
    assert err.value.key == fact


def test_a_judgement_needs_a_written_reason(scheme):
    """DOMAIN §6.6: every judged deduction carries its reason."""
    with pytest.raises(FactsError):
        score(scheme, clean(publicity_failures=[{"value": "1", "reason": " "}]))


def test_team_and_employer_needs_allow_up_to_3_per_failed_target(scheme):
    """指标6 运营团队建设及成效、指标9 基本满足企业用工需求: 一项不达标视情况扣0.5-3分."""
    sheet = score(scheme, clean(team_failures=[j("3", "运营团队仅8人，不足12人")],
                                employer_needs_failures=[j("2.5", "全年入职3个月以上新员工1120人，不足1500人")]))
    assert sheet.total == Decimal("94.50")


def test_other_tasks_cost_0_5_to_2_per_incident(scheme):
    """指标14 发生一件未完成或未达标事项视情况扣0.5-2分: three incidents."""
    sheet = score(scheme, clean(other_task_incidents=[j("2", "未组建暑期志愿者队伍"), j("0.5", "临时任务延误1天"),
                                                      j("1", "未配合完成专项调度")]))
    assert sheet.total == Decimal("96.50")


# -- computed deductions -------------------------------------------------------------------------------


@pytest.mark.parametrize("accuracy, total", [
    pytest.param("90", "100.00", id="90% no deduction"),
    pytest.param("89.5", "100.00", id="half a point below: no full point"),
    pytest.param("89", "99.50", id="1 point below: -0.5"),
    pytest.param("87.5", "99.00", id="2.5 points below: 2 full points -1"),
    pytest.param("80", "95.00", id="10 points below: -5"),
])
def test_survey_accuracy_below_90_costs_0_5_per_percentage_point(scheme, accuracy, total):
    """指标10 准确率低于90%时，每下降1个百分点扣0.5分 (whole percentage points)."""
    assert score(scheme, clean(labour_survey_accuracy_pct=accuracy)).total == Decimal(total)


def test_tea_meeting_costs_0_5_per_missing_company_per_quarter(scheme):
    """指标13 邀请企业法人或企业高管每季度举办1次餐（茶）叙会，参会企业每次10家 / 每季度企业少一家扣0.5分."""
    sheet = score(scheme, clean(tea_meeting_companies=[8, 9, 15, 10]))  # 2 + 1 short; 15 does not offset
    assert sheet.line("indicators/tea_meetings").points == Decimal("-1.5")
    assert sheet.total == Decimal("98.50")


def test_tea_meeting_not_held_counts_all_ten_companies(scheme):
    """指标13 未举办不得分: a quarter without a meeting (0 companies) = 10 missing = −5."""
    assert score(scheme, clean(tea_meeting_companies=[0, 10])).total == Decimal("95.00")


def test_total_never_below_zero(scheme):
    """DOMAIN §6.2: the total is never below 0, however many deductions."""
    sheet = score(scheme, clean(labour_survey_accuracy_pct=0, tea_meeting_companies=[0, 0, 0, 0],
                                other_task_incidents=[j("2", f"事项{i}") for i in range(20)]))
    assert sheet.penalty_total == Decimal("105")  # 45 + 20 + 40
    assert sheet.total == Decimal("0.00")
    with_bonus = score(scheme, clean(labour_survey_accuracy_pct=0, tea_meeting_companies=[0, 0, 0, 0],
                                     other_task_incidents=[j("2", f"事项{i}") for i in range(20)], city_rank="first"))
    assert with_bonus.total == Decimal("0.00")  # 100 + 5 − 105 = 0


# -- bonuses ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("rank, bonus", [("first", "5"), ("second", "3"), ("other", "0")])
def test_city_ranking_first_plus_5_second_plus_3(scheme, rank, bonus):
    """加分项目1 就业之家年度考核全市排名: 考核全市前2名分别加5分、3分."""
    sheet = score(scheme, clean(city_rank=rank))
    assert sheet.line("bonus/city_ranking").points == Decimal(bonus)
    assert sheet.total == Decimal(100) + Decimal(bonus)


@pytest.mark.parametrize("reports, bonus", [(0, "0"), (1, "0"), (2, "5"), (4, "15")])
def test_media_reports_plus_5_for_each_additional_report(scheme, reports, bonus):
    """加分项目2 中央、省部级媒体报道每多1篇加5分 — each beyond the one indicator 6 requires (其中…至少1条)."""
    assert score(scheme, clean(central_provincial_media_reports=reports)).bonus_total == Decimal(bonus)


def test_bonuses_take_the_total_above_100(scheme):
    """3.1 同时考核设置了加分项目: 100 + 5 (全市第1名) + 10 (2 additional reports) = 115."""
    sheet = score(scheme, clean(city_rank="first", central_provincial_media_reports=3))
    assert sheet.total == Decimal("115.00")


# -- termination (一票否决) ------------------------------------------------------------------------------


@pytest.mark.parametrize("fact, veto", [
    ("sensitive_data_leaked", "data_leak"),
    ("public_opinion_incident", "public_opinion_incident"),
    ("contract_not_performed", "non_performance"),
    ("other_statutory_ground", "statutory_ground"),
])
def test_termination_grounds_veto_the_cycle(scheme, fact, veto):
    """3.4 结果运用 (一)–(四): 采购人可直接解除与成交供应商签订的外包合同 — a perfect score does not save it."""
    sheet = score(scheme, clean(city_rank="first", **{fact: True}))
    assert sheet.terminated and sheet.passed is False
    assert [v.id for v in sheet.vetoes] == [veto]
    assert sheet.total == Decimal("105.00")  # the figures stay visible; the veto decides


def test_data_leak_clause_is_quoted(scheme):
    """3.4（二）敏感信息泄密，造成不良影响的."""
    leak = next(v for v in scheme.vetoes if v.id == "data_leak")
    assert leak.effect == "terminate" and "敏感信息泄密" in leak.clause


def test_a_veto_fact_not_recorded_leaves_the_sheet_incomplete(scheme):
    facts = clean()
    del facts["sensitive_data_leaked"]
    sheet = score(scheme, facts)
    assert not sheet.complete and sheet.passed is None


# -- one realistic year ----------------------------------------------------------------------------------


def test_realistic_annual_assessment(scheme):
    """年度考核: several targets missed, accuracy 86.4%, one quarter's tea meeting with 7 companies, ranked 2nd,
    two media reports: 100 − 9.5 + 3 + 5 = 98.50."""
    facts = clean(
        county_home_failures=[j("0.5", "2月企业岗位信息收集38家（春节）")],
        online_platform_failures=[j("1", "全年好评仅146条，未达200条")],
        online_recruitment_failures=[j("0.5", "国庆假期未直播"), j("1", "直播带岗全年44场")],
        team_failures=[j("1.5", "项目负责人无人力资源管理资质")],
        employer_needs_failures=[j("2", "同一企业二次缺工诉求：某箱包企业")],
        labour_survey_accuracy_pct="86.4",  # 3.6 below → 3 full points → −1.5
        tea_meeting_companies=[10, 7, 11, 10],  # −1.5
        other_task_incidents=[],
        city_rank="second",
        central_provincial_media_reports=2,
    )
    sheet = score(scheme, facts)
    assert sheet.complete
    assert sheet.penalty_total == Decimal("9.5")  # 0.5 + 1 + 1.5 + 1.5 + 2 + 1.5 + 1.5
    assert sheet.line("indicators/labour_survey").points == Decimal("-1.5")
    assert sheet.bonus_total == Decimal("8")
    assert sheet.total == Decimal("98.50")
    assert sheet.passed is True
