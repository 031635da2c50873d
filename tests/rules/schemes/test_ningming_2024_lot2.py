"""宁明 lot 2 (seed 002 标项二, 宁明片区(宜景社区、三华社区)就业服务站项目质量标准表): situations → expected sheet.

Each test names the clause it checks; where lot 2 differs from lot 1 the test says so.
"""
from __future__ import annotations

import re
from decimal import Decimal

import pytest

from rules.schemes import load_scheme
from rules.scoring import score

SCHEME_ID = "ningming-2024-lot2"
CONTRACT = Decimal("1000000")  # 采购预算（元）1000000.00


@pytest.fixture(scope="module")
def scheme():
    return load_scheme(SCHEME_ID)


def perfect(**changes):
    """A payment period in which every 评分标准 is met, at the final stage (时序进度 100%)."""
    facts = {
        # 1 服务站点候工服务
        "attendance_anomaly_person_times": 0, "no_uniform_person_times": 0,
        "staff_not_matching_tender": 0, "staff_changes_unreported": 0,
        "equipment_findings": 0, "hall_untidy_findings": 0, "service_complaints": 0,
        # 2 就业推荐服务
        "jobseekers_checked_without_registration_record": 0, "village_visit_deductions": [],
        "jobseekers_under_3_recommendations": 0, "employers_without_delivery_record": 0,
        "referrals_to_park_employers": 1000, "sampled_jobseekers_without_point_to_point": 0,
        "sampled_jobseekers": 10, "sampled_jobseekers_following": 10,
        "bureau_recruitment_events_missed": 0, "own_recruitment_events": 24,
        # 3 企业用工需求调查服务
        "months_demand_not_updated": 0, "months_report_late": 0, "months_without_site_visit": 0,
        "business_contacts_missed": 0, "businesses_with_untrue_information": 0,
        # 4 重点群体就业援助服务（宜景社区搬迁劳动力）
        "quarterly_employment_notices_missed": 0, "persons_short_of_251_assistance": 0,
        # 5 平台及公众号维护和信息发布服务
        "months_vacancies_not_published": 0, "screen_publications_missed": 0,
        "sampled_online_jobseekers_not_followed_up": 0, "sampled_employers_review_over_5_days": 0,
        "assists_channel_maintenance": True, "kiosk_staff_unable_person_times": 0,
        "kiosk_malfunctions": 0, "kiosk_updates_late": 0, "kiosk_query_failures": 0,
        # 6 劳动维权接待服务
        "mediation_demand_without_record": False, "disputes_reported_timely": True,
        # 7 就业政策咨询服务
        "sampled_policy_publicity_failures": 0, "sampled_households_without_policy_material": 0,
        "policy_events_assisted": 2, "subsidy_agency_service_provided": True,
        # 8 劳务协作服务
        "labour_matching_carried_out": True, "transport_service_provided": True,
        # 9 其他人社部门要求协助开展的服务
        "tasks_failed_with_serious_consequences": 0, "enterprise_problems_reported_late": 0,
        "monthly_plans_or_summaries_late": 0,
        "schedule_progress_pct": 100,
    }
    unknown = set(changes) - set(facts)
    assert not unknown, f"not a fact of the perfect period: {unknown}"
    facts.update(changes)
    return facts


def test_nine_service_items_weighted_10_25_10_15_20_3_10_3_4(scheme):
    """标项二 项目质量标准表 分值 column: 10/25/10/15/20/3/10/3/4 = 100 (不含工作创新加分项)."""
    assert [c.max for c in scheme.categories] == [Decimal(x) for x in "10 25 10 15 20 3 10 3 4".split()]
    assert scheme.regular_max() == Decimal(100)
    assert scheme.bureau == "宁明县人力资源和社会保障局"
    assert not [n for n in scheme.leaves() if n.kind != "regular"]


def test_every_sub_item_quotes_its_points_from_the_scoring_standard(scheme):
    """评分标准 states each sub-item's points as （N分）; the scheme's max must be that number."""
    checked = 0
    for node in scheme.leaves():
        standard = node.clause.split("\n考评办法：")[0]
        if node.id == "bureau_events":  # “招聘活动(7分)。其中：年内自行组织招聘活动24场次以上。（5分)”
            parent = scheme.node("job_referral/recruitment_events")
            assert (parent.max, node.max) == (Decimal(7), Decimal(2))
            continue
        stated = re.findall(r"[（(](\d+(?:\.\d+)?)分[)）]", standard)
        assert Decimal(stated[-1]) == node.max, node.path
        checked += 1
    assert checked == 33


def test_channel_maintenance_is_worth_3_although_the_method_says_5(scheme):
    """5.5 评分标准 “协助运营维护宁明智慧人社微信公众号。(3分)” vs 考评办法 “能协助维护的，得5分”: item 5 sums to 20 only with 3."""
    node = scheme.node("online_platforms/channel_maintenance")
    assert node.max == Decimal(3) and "得5分" in node.clause
    assert score(scheme, perfect(assists_channel_maintenance=False)).total == Decimal("97.00")


def test_perfect_period_scores_100_and_pays_in_full(scheme):
    """考核得分在90分（含）以上，全额支付该期服务费用."""
    sheet = score(scheme, perfect())
    assert sheet.complete and sheet.total == Decimal("100.00") and sheet.payment_ratio == Decimal("1.00")


MINUS_10 = {"persons_short_of_251_assistance": 1000}  # 4.2 “251”: 10
MINUS_20 = {**MINUS_10, "referrals_to_park_employers": 500,  # 2.4: 500 short × 0.01 = 5
            "months_vacancies_not_published": 10}  # 5.1: 10 × 0.5 = 5
MINUS_30 = {**MINUS_20, "sampled_online_jobseekers_not_followed_up": 10,  # 5.3: 5
            "months_demand_not_updated": 10}  # 3.1: 5
MINUS_40 = {**MINUS_30, "businesses_with_untrue_information": 5,  # 3.2: 5
            "quarterly_employment_notices_missed": 5}  # 4.1: 5
MINUS_50 = {**MINUS_40, "own_recruitment_events": 14,  # 2.7 own: 10 short × 0.5 = 5
            "sampled_employers_review_over_5_days": 10,  # 5.4: 5 → floored at its 3
            "tasks_failed_with_serious_consequences": 2}  # 9.1: 2 × 1 = 2
ONE_CENT = {"jobseekers_under_3_recommendations": 1}


@pytest.mark.parametrize("changes, total, ratio", [
    pytest.param(MINUS_10, "90.00", "1.00", id="90分（含）以上 全额支付"),
    pytest.param({**MINUS_10, **ONE_CENT}, "89.99", "0.90", id="80（含）—89.99 90%: 89.99"),
    pytest.param(MINUS_20, "80.00", "0.90", id="80（含）—89.99 90%: 80"),
    pytest.param({**MINUS_20, **ONE_CENT}, "79.99", "0.80", id="70（含）—79.99 80%: 79.99"),
    pytest.param(MINUS_30, "70.00", "0.80", id="70（含）—79.99 80%: 70"),
    pytest.param({**MINUS_30, **ONE_CENT}, "69.99", "0.70", id="60（含）-69.99 70%: 69.99"),
    pytest.param(MINUS_40, "60.00", "0.70", id="60（含）-69.99 70%: 60"),
    pytest.param({**MINUS_40, **ONE_CENT}, "59.99", "0.60", id="50（含）—59.99 60%: 59.99"),
    pytest.param(MINUS_50, "50.00", "0.60", id="50（含）—59.99 60%: 50"),
    pytest.param({**MINUS_50, **ONE_CENT}, "49.99", "0", id="低于50分 不支付: 49.99"),
])
def test_payment_band_edges(scheme, changes, total, ratio):
    """监督考核 (标项二): the same six bands as lot 1."""
    sheet = score(scheme, perfect(**changes))
    assert sheet.total == Decimal(total)
    assert sheet.payment_ratio == Decimal(ratio)


def test_below_50_pays_nothing_and_gives_one_month_to_rectify(scheme):
    """考核得分低于50分以下的将不支付该期的服务费用，并限服务方一个月内整改完毕."""
    sheet = score(scheme, perfect(**MINUS_50, **ONE_CENT))
    assert sheet.passed is False and sheet.payment_due(CONTRACT, "stage_3") == Decimal("0.00")
    assert sheet.payment_band.rectify_within_months == 1 and "整改" in sheet.payment_explanation


def test_stage_1_at_85_pays_20_percent_times_90_percent(scheme):
    """经费说明: 第一阶段 20% × 90% of ¥1,000,000 = ¥180,000.00; advance 40% = ¥400,000.00."""
    sheet = score(scheme, perfect(**MINUS_10, months_demand_not_updated=10))
    assert sheet.total == Decimal("85.00")
    assert sheet.payment_due(CONTRACT, "stage_1") == Decimal("180000.00")
    assert sheet.payment_due(CONTRACT, "advance") == Decimal("400000.00")
    assert scheme.extra["contract"]["budget"] == Decimal("1000000.00")


def test_referrals_short_of_1000_cost_0_01_per_person(scheme):
    """2.4 服务期内推荐求职人员给园区用工企业1000人以上，每少一人扣0.01分 (5分)."""
    assert score(scheme, perfect(referrals_to_park_employers=880)).line(
        "job_referral/park_referrals").points == Decimal("3.8")
    assert score(scheme, perfect(referrals_to_park_employers=300)).line(
        "job_referral/park_referrals").points == Decimal("0")


def test_recruitment_events_minus_0_5_per_missing_event(scheme):
    """2.7 年内自行组织招聘活动24场次以上（5分）/ 考评办法6 每少1场次，扣0.5分，扣完为止 (lot 2 has no 1.5 rate)."""
    sheet = score(scheme, perfect(own_recruitment_events=20, bureau_recruitment_events_missed=1))
    assert sheet.line("job_referral/recruitment_events/own_events").points == Decimal("3")
    assert sheet.line("job_referral/recruitment_events/bureau_events").points == Decimal("1.5")
    assert sheet.line("job_referral/recruitment_events").points == Decimal("4.5")


def test_quarterly_public_notice_of_relocated_labour_minus_1_each(scheme):
    """4.1 查阅每个季度对社区劳动力就业情况公示一次，每少一次，扣1分 (5分)."""
    assert score(scheme, perfect(quarterly_employment_notices_missed=2)).line(
        "priority_groups/relocated_labour_notice").points == Decimal("3")


def test_251_assistance_for_relocated_labour_floored_at_10(scheme):
    """4.2 对有就业意愿未就业的搬迁劳动力做好“251”就业帮扶，不达推荐次数的，每人扣0.01分,扣完为止."""
    assert score(scheme, perfect(persons_short_of_251_assistance=250)).line(
        "priority_groups/assistance_251").points == Decimal("7.5")
    assert score(scheme, perfect(persons_short_of_251_assistance=5000)).line(
        "priority_groups/assistance_251").points == Decimal("0")


def test_assigned_task_failures_cost_1_each_in_lot_2(scheme):
    """9.1 不完成且产生较严重后果的，每发现一例扣1分，扣完为止 (lot 1: 0.5)."""
    assert score(scheme, perfect(tasks_failed_with_serious_consequences=1)).line(
        "other_tasks/assigned_tasks").points == Decimal("1")
    assert score(scheme, perfect(tasks_failed_with_serious_consequences=3)).line(
        "other_tasks/assigned_tasks").points == Decimal("0")


def test_monthly_plan_by_the_5th_minus_0_1_each(scheme):
    """9.3 每月5日之前做好当月工作计划及上个月工作总结…不及时上报的，每次扣0.1分 (1分)."""
    assert score(scheme, perfect(monthly_plans_or_summaries_late=3)).line(
        "other_tasks/monthly_plan").points == Decimal("0.7")


def test_station_staffing(scheme):
    """人员管理: 宜景小区服务站、城中镇三华社区服务站各配置3名专职工作人员；1.1 各站点至少1人以上（含1人）在岗."""
    stations = scheme.extra["stations"]
    assert [(s["name"], s["full_time_staff"]) for s in stations["list"]] == [
        ("宜景小区服务站", 3), ("城中镇三华社区服务站", 3)]
    assert stations["min_staff_on_duty"] == 1


def test_realistic_second_stage(scheme):
    """第二阶段验收 at 时序进度 75%: 750 referrals and 18 own events due; an operator with lapses in most items → 80.90, 90%."""
    facts = perfect(
        schedule_progress_pct=75,
        attendance_anomaly_person_times=6, equipment_findings=1, service_complaints=2,
        jobseekers_checked_without_registration_record=1,
        village_visit_deductions=[{"value": "2", "reason": "5月、6月入户走访均不足50户次"}],
        jobseekers_under_3_recommendations=62, employers_without_delivery_record=3,
        referrals_to_park_employers=690, sampled_jobseekers_without_point_to_point=2,
        sampled_jobseekers_following=5, own_recruitment_events=15,
        months_report_late=2, months_without_site_visit=1, business_contacts_missed=14,
        quarterly_employment_notices_missed=1, persons_short_of_251_assistance=88,
        screen_publications_missed=6, sampled_online_jobseekers_not_followed_up=3, kiosk_updates_late=1,
        sampled_households_without_policy_material=2, policy_events_assisted=1,  # 1.5 due: no whole event short
        transport_service_provided=False, monthly_plans_or_summaries_late=2,
    )
    sheet = score(scheme, facts)
    assert sheet.complete
    by_category = {l.id: l.points for l in sheet.lines if l.level == "category"}
    assert by_category == {
        "waiting_service": Decimal("7.9"),  # 2.4 + 3 + 1 + 1 + 0.5
        "job_referral": Decimal("16.98"),  # 1 + 3 + 1.08 + 4.4 (60 short) + 2 + 0 (50% < 60%) + (2 + 3.5: 3 short × 0.5)
        "demand_survey": Decimal("7.1"),  # 3.5 + 3.6
        "priority_groups": Decimal("13.12"),  # 4 + 9.12
        "online_platforms": Decimal("17.4"),  # 5 + 1.4 + 3.5 + 3 + 3 + 1.5
        "rights_protection": Decimal("3"),
        "policy_advice": Decimal("9.6"),  # 3 + 2.6 + 3 + 1
        "labour_cooperation": Decimal("2"),
        "other_tasks": Decimal("3.8"),
    }
    assert sheet.total == Decimal("80.90")
    assert sheet.payment_ratio == Decimal("0.90")
    assert sheet.payment_due(CONTRACT, "stage_2") == Decimal("180000.00")
