"""凭祥 lot 1 (seed 002 标项一, 项目质量标准表): situations → expected sheet, one case per clause.

Each test names the clause it checks. Facts are what the bureau records for one payment period.
"""
from __future__ import annotations

import re
from decimal import Decimal

import pytest

from rules.schemes import load_scheme
from rules.scoring import FactsError, score

SCHEME_ID = "pingxiang-2024-lot1"
CONTRACT = Decimal("1885000")  # 采购预算（元）1885000.00


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
        "referrals_to_park_employers": 2000, "sampled_jobseekers_without_point_to_point": 0,
        "sampled_jobseekers": 10, "sampled_jobseekers_following": 10,
        "bureau_recruitment_events_missed": 0, "own_recruitment_events": 50,
        # 3 企业用工需求调查服务
        "months_demand_not_updated": 0, "months_report_late": 0, "months_without_site_visit": 0,
        "business_contacts_missed": 0, "businesses_with_untrue_information": 0,
        # 4 重点群体就业援助服务
        "persons_short_of_251_assistance": 0, "graduates_short_of_1131_assistance": 0,
        "graduate_employment_by_dec_20": "not_due", "campus_fairs_attended": 10,
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
        # 监督考核: 每个考核周期得分按考核指标时序进度完成情况逐项累加合计
        "schedule_progress_pct": 100,
    }
    unknown = set(changes) - set(facts)
    assert not unknown, f"not a fact of the perfect period: {unknown}"
    facts.update(changes)
    return facts


# -- the table itself ---------------------------------------------------------------------------


def test_nine_service_items_weighted_10_20_10_20_15_3_10_10_2(scheme):
    """项目质量标准表 分值 column: 10/20/10/20/15/3/10/10/2 = 100 (不含工作创新加分项)."""
    assert [c.max for c in scheme.categories] == [Decimal(x) for x in "10 20 10 20 15 3 10 10 2".split()]
    assert [c.title for c in scheme.categories] == [
        "服务站点候工服务", "就业推荐服务", "企业用工需求调查服务", "重点群体就业援助服务",
        "广西“数智人社”—淘就业平台及零工市场公众号的维护和信息发布服务", "劳动维权接待服务",
        "就业政策咨询服务", "劳务协作服务", "其他人社部门要求协助开展的服务"]
    assert scheme.regular_max() == Decimal(100) == scheme.max_total
    assert not [n for n in scheme.leaves() if n.kind != "regular"], "the table defines no bonus item"


def test_every_sub_item_quotes_its_points_from_the_scoring_standard(scheme):
    """评分标准 states each sub-item's points as （N分）; the scheme's max must be that number."""
    checked = 0
    for node in scheme.nodes():
        if node.level == "category" or not node.clause.startswith("评分标准："):
            continue
        if node.id == "bureau_events":  # “招聘活动(5分)。其中：…自行组织…（3分)” — the bureau part is the other 2
            parent = scheme.node("job_referral/recruitment_events")
            assert parent.max == 5 and node.max == parent.max - scheme.node(f"{parent.path}/own_events").max
            continue
        standard = node.clause.split("\n考评办法：")[0]
        stated = re.findall(r"[（(](\d+(?:\.\d+)?)分[)）]", standard)
        assert stated, node.path
        assert Decimal(stated[-1]) == node.max, f"{node.path}: document says {stated[-1]}, scheme has {node.max}"
        checked += 1
    assert checked == 34  # every scored line but bureau_events states its own points


def test_every_scored_line_quotes_the_method_clause(scheme):
    """考评办法扣分项及分值 is quoted on every line, except 2.2 which the document leaves without one."""
    without = [n.path for n in scheme.leaves() if "考评办法：" not in n.clause]
    assert without == ["job_referral/village_visits"]
    assert all(n.clause.strip() for n in scheme.nodes())


def test_perfect_period_scores_100_and_pays_in_full(scheme):
    """考核得分在90分（含）以上，全额支付该期服务费用."""
    sheet = score(scheme, perfect())
    assert sheet.complete, sheet.missing_facts
    assert sheet.total == Decimal("100.00")
    assert sheet.payment_ratio == Decimal("1.00")
    assert sheet.passed is True


# -- payment bands, every edge ------------------------------------------------------------------

# deductions that each empty one sub-item exactly (扣完为止), used to build exact totals
MINUS_10 = {"persons_short_of_251_assistance": 1000}  # 4.1 “251”: 1000 × 0.01 = 10 = its 10 points
MINUS_18 = {**MINUS_10, "graduates_short_of_1131_assistance": 800}  # + 4.2 “1131”: 8
MINUS_20 = {**MINUS_18, "campus_fairs_attended": 6}  # + 4.3: 4 fairs short × 0.5 = 2
MINUS_30 = {**MINUS_20, "labour_matching_carried_out": False, "transport_service_provided": False}  # + 8
MINUS_40 = {**MINUS_30, "subsidy_agency_service_provided": False,  # + 7.4: 5
            "sampled_online_jobseekers_not_followed_up": 10}  # + 5.3: 10 × 0.5 = 5
MINUS_50 = {**MINUS_40, "months_demand_not_updated": 10,  # + 3.1: 10 × 0.5 = 5 → floored at 5
            "businesses_with_untrue_information": 5}  # + 3.2: 5 × 1 = 5
ONE_CENT = {"jobseekers_under_3_recommendations": 1}  # 2.3: 1 × 0.01


@pytest.mark.parametrize("changes, total, ratio", [
    pytest.param(MINUS_10, "90.00", "1.00", id="90分（含）以上 全额支付"),
    pytest.param({**MINUS_10, **ONE_CENT}, "89.99", "0.90", id="80分（含）—89.99分 90%: 89.99"),
    pytest.param(MINUS_20, "80.00", "0.90", id="80分（含）—89.99分 90%: 80"),
    pytest.param({**MINUS_20, **ONE_CENT}, "79.99", "0.80", id="70分（含）—79.99分 80%: 79.99"),
    pytest.param(MINUS_30, "70.00", "0.80", id="70分（含）—79.99分 80%: 70"),
    pytest.param({**MINUS_30, **ONE_CENT}, "69.99", "0.70", id="60分（含）-69.99 70%: 69.99"),
    pytest.param(MINUS_40, "60.00", "0.70", id="60分（含）-69.99 70%: 60"),
    pytest.param({**MINUS_40, **ONE_CENT}, "59.99", "0.60", id="50分（含）—59.99分 60%: 59.99"),
    pytest.param(MINUS_50, "50.00", "0.60", id="50分（含）—59.99分 60%: 50"),
    pytest.param({**MINUS_50, **ONE_CENT}, "49.99", "0", id="低于50分 不支付: 49.99"),
])
def test_payment_band_edges(scheme, changes, total, ratio):
    """监督考核: 90分（含）以上全额；80（含）—89.99 90%；70（含）—79.99 80%；60（含）-69.99 70%；
    50（含）—59.99 60%；低于50分不支付该期的服务费用."""
    sheet = score(scheme, perfect(**changes))
    assert sheet.complete
    assert sheet.total == Decimal(total)
    assert sheet.payment_ratio == Decimal(ratio)


def test_below_50_pays_nothing_and_gives_one_month_to_rectify(scheme):
    """考核得分低于50分以下的将不支付该期的服务费用，并限服务方一个月内整改完毕，整改不通过的，采购人有权单方解除合同."""
    sheet = score(scheme, perfect(**MINUS_50, **ONE_CENT))
    assert sheet.total == Decimal("49.99")
    assert sheet.passed is False  # pass_mark 50 marks the rectification line
    assert sheet.payment_due(CONTRACT, "stage_2") == Decimal("0.00")
    assert sheet.payment_band.rectify_within_months == 1
    assert "一个月内整改完毕" in sheet.payment_explanation and "单方解除合同" in sheet.payment_explanation
    at_50 = score(scheme, perfect(**MINUS_50))
    assert at_50.passed is True and at_50.payment_ratio == Decimal("0.60")
    assert at_50.payment_band.rectify_within_months is None


# -- the 40 / 20 / 20 / 20 schedule ---------------------------------------------------------------


def test_stage_1_at_85_pays_20_percent_times_90_percent(scheme):
    """经费说明: 第一阶段验收 支付采购合同总金额20%, scaled by the period's band: 85 → 90% → ¥339,300.00."""
    sheet = score(scheme, perfect(**MINUS_10, subsidy_agency_service_provided=False))
    assert sheet.total == Decimal("85.00")
    assert sheet.payment_due(CONTRACT, "stage_1") == Decimal("339300.00")
    assert "339,300.00" in sheet.payment_explanation_for(CONTRACT, "stage_1")


def test_schedule_is_40_percent_advance_then_three_20_percent_stages(scheme):
    """采购合同签订之日起30个工作日内…拨付采购合同总金额的40%作为预付款；余下合同款分3期考核付款 (20%/20%/20%)."""
    payment = scheme.payment
    assert payment.advance_share == Decimal("0.40")
    assert [(s.id, s.share) for s in payment.stages] == [
        ("stage_1", Decimal("0.20")), ("stage_2", Decimal("0.20")), ("stage_3", Decimal("0.20"))]
    assert [c.id for c in scheme.cycles] == ["stage_1", "stage_2", "stage_3"]
    assert [s.cycle for s in payment.stages] == ["stage_1", "stage_2", "stage_3"]
    assert "5个月后" in payment.stages[0].clause and "9个月后" in payment.stages[1].clause
    full = score(scheme, perfect())
    advance = full.payment_due(CONTRACT, "advance")
    stages = [full.payment_due(CONTRACT, s) for s in ("stage_1", "stage_2", "stage_3")]
    assert advance == Decimal("754000.00")
    assert stages == [Decimal("377000.00")] * 3
    assert advance + sum(stages) == CONTRACT
    assert all(isinstance(x, Decimal) for x in [advance, *stages])
    assert scheme.extra["contract"]["budget"] == Decimal("1885000.00")


def test_each_stage_is_scaled_by_its_own_period_score(scheme):
    """余下合同款分3期考核付款: stage 1 at 72 (80%), stage 2 at 95 (100%), stage 3 at 55 (60%)."""
    stage_1 = score(scheme, perfect(**MINUS_20, labour_matching_carried_out=False))  # 100 − 20 − 8 = 72
    stage_2 = score(scheme, perfect(subsidy_agency_service_provided=False))  # 95
    stage_3 = score(scheme, perfect(**MINUS_40, months_demand_not_updated=10))  # 100 − 40 − 5 = 55
    assert (stage_1.total, stage_2.total, stage_3.total) == (Decimal("72.00"), Decimal("95.00"), Decimal("55.00"))
    paid = [stage_1.payment_due(CONTRACT, "stage_1"), stage_2.payment_due(CONTRACT, "stage_2"),
            stage_3.payment_due(CONTRACT, "stage_3")]
    assert paid == [Decimal("301600.00"), Decimal("377000.00"), Decimal("226200.00")]


# -- deductions, floors (扣完为止，指扣单项分) ---------------------------------------------------------


def test_attendance_and_uniform_cost_0_1_per_person_time_floored_at_the_sub_item(scheme):
    """1.1 每月抽查一周，发现有不正常上班现象的、上班不穿工作服的，每1人/次扣0.1分，该项分扣完为止（指扣单项分，下同）."""
    sheet = score(scheme, perfect(attendance_anomaly_person_times=3, no_uniform_person_times=2))
    assert sheet.line("waiting_service/attendance_uniform").points == Decimal("2.5")
    floored = score(scheme, perfect(attendance_anomaly_person_times=40, no_uniform_person_times=5))
    assert floored.line("waiting_service/attendance_uniform").points == Decimal("0")
    # the other sub-items of item 1 are untouched: 扣单项分, not the whole item
    assert floored.line("waiting_service").points == Decimal("7")
    assert floored.total == Decimal("97.00")


def test_staff_not_matching_tender_minus_1_each_unreported_change_minus_0_5(scheme):
    """1.2 提供服务人员与招标内容不符的，每人扣1分，人员调整未提前报告，每发现1人，扣0.5分."""
    sheet = score(scheme, perfect(staff_not_matching_tender=1, staff_changes_unreported=1))
    assert sheet.line("waiting_service/staff_roster").points == Decimal("1.5")
    assert score(scheme, perfect(staff_not_matching_tender=4)).line("waiting_service/staff_roster").points == 0


def test_referrals_short_of_2000_cost_0_01_per_person(scheme):
    """2.4 服务期内推荐求职人员给园区用工企业共2000人，每少一人扣0.01分 (3分)."""
    assert score(scheme, perfect(referrals_to_park_employers=1950)).line(
        "job_referral/park_referrals").points == Decimal("2.5")
    assert score(scheme, perfect(referrals_to_park_employers=2400)).line(
        "job_referral/park_referrals").points == Decimal("3")
    assert score(scheme, perfect(referrals_to_park_employers=0)).line(
        "job_referral/park_referrals").points == Decimal("0")


def test_targets_follow_the_schedule_progress_of_the_period(scheme):
    """监督考核: 每个考核周期得分按考核指标时序进度完成情况逐项累加合计 — at 40% progress 2000 → 800 due."""
    sheet = score(scheme, perfect(schedule_progress_pct=40, referrals_to_park_employers=760,
                                  own_recruitment_events=20, campus_fairs_attended=4, policy_events_assisted=1))
    assert sheet.line("job_referral/park_referrals").points == Decimal("2.6")  # 40 short × 0.01
    assert sheet.line("job_referral/recruitment_events/own_events").points == Decimal("3")  # 20 of 20 due
    assert sheet.line("priority_groups/campus_fairs").points == Decimal("2")  # 4 of 4 due


def test_schedule_targets_count_whole_people_and_events_short(scheme):
    """2.4 每少一人扣0.01分 / 7.3 协助举办政策宣传活动，每少1次，扣0.5分 — at 时序进度 75% 1,500 referrals and 1.5 events are due."""
    sheet = score(scheme, perfect(schedule_progress_pct=75, referrals_to_park_employers=1450,
                                  own_recruitment_events=38, campus_fairs_attended=8, policy_events_assisted=1))
    assert sheet.line("job_referral/park_referrals").points == Decimal("2.5")  # 50 short
    assert sheet.line("policy_advice/policy_events").points == Decimal("2")  # 0.5 short: no whole event
    assert sheet.line("job_referral/recruitment_events/own_events").points == Decimal("3")  # 37.5 due, 38 held
    assert sheet.line("priority_groups/campus_fairs").points == Decimal("2")  # 7.5 due, 8 held
    behind = score(scheme, perfect(schedule_progress_pct=75, policy_events_assisted=0))
    assert behind.line("policy_advice/policy_events").points == Decimal("1.5")  # 1.5 short: one whole event


def test_recruitment_events_bureau_minus_0_5_own_minus_1_5_each(scheme):
    """2.7 (5分，其中自行组织3分) / 考评办法6: 人社部门招聘会每少1场次扣0.5分；未自行组织招聘活动，每少1场次扣1.5分，扣完为止."""
    sheet = score(scheme, perfect(bureau_recruitment_events_missed=1, own_recruitment_events=49))
    assert sheet.line("job_referral/recruitment_events/bureau_events").points == Decimal("1.5")
    assert sheet.line("job_referral/recruitment_events/own_events").points == Decimal("1.5")
    assert sheet.line("job_referral/recruitment_events").points == Decimal("3")
    emptied = score(scheme, perfect(own_recruitment_events=40))  # 10 short × 1.5 = 15 > 3
    assert emptied.line("job_referral/recruitment_events/own_events").points == Decimal("0")
    assert emptied.line("job_referral/recruitment_events/bureau_events").points == Decimal("2")


def test_follow_rate_of_60_percent_or_more_scores_else_nothing(scheme):
    """2.6 随机抽查10名求职者…关注率达到60%以上的得分,否则不得分."""
    assert score(scheme, perfect(sampled_jobseekers_following=6)).line("job_referral/platform_follow").points == 1
    assert score(scheme, perfect(sampled_jobseekers_following=5)).line("job_referral/platform_follow").points == 0


def test_village_visit_shortfall_is_judged_with_a_reason_within_the_sub_item(scheme):
    """2.2 每月到村（社区）进行入户走访或电话访问至少500人（5分）— no rate in 考评办法: judged, reason required."""
    sheet = score(scheme, perfect(village_visit_deductions=[{"value": "1", "reason": "3月仅访问320人"},
                                                             {"value": "0.5", "reason": "4月仅访问450人"}]))
    assert sheet.line("job_referral/village_visits").points == Decimal("3.5")
    floored = score(scheme, perfect(village_visit_deductions=[{"value": "5", "reason": "全期未走访"},
                                                               {"value": "2", "reason": "重复"}]))
    assert floored.line("job_referral/village_visits").points == 0
    with pytest.raises(FactsError):
        score(scheme, perfect(village_visit_deductions=[{"value": "1", "reason": ""}]))


def test_monthly_demand_update_report_and_visit_each_minus_0_5_per_month(scheme):
    """3.1 每少一个月不更新，扣0.5分；每月不准时上报报表的，每个月扣0.5分；每少一个月不上门服务的，每个月扣0.5分."""
    sheet = score(scheme, perfect(months_demand_not_updated=1, months_report_late=2, months_without_site_visit=1))
    assert sheet.line("demand_survey/park_demand").points == Decimal("3")


def test_graduate_employment_rate_below_90_by_20_december_minus_5(scheme):
    """4.2 至当年12月20日前就业率未达到90%以上，扣5分 (8分, floored with the “1131” deductions)."""
    line = "priority_groups/graduates_1131"
    assert score(scheme, perfect(graduate_employment_by_dec_20="below_90")).line(line).points == Decimal("3")
    assert score(scheme, perfect(graduate_employment_by_dec_20="reached")).line(line).points == Decimal("8")
    both = score(scheme, perfect(graduate_employment_by_dec_20="below_90", graduates_short_of_1131_assistance=400))
    assert both.line(line).points == Decimal("0")  # 5 + 4 > 8: 扣完为止


def test_campus_fairs_short_of_10_minus_0_5_each(scheme):
    """4.3 服务期内，参加高校、技术学院等校园招聘会10场次以上（2分）/ 少参加一次扣0.5分."""
    assert score(scheme, perfect(campus_fairs_attended=9)).line("priority_groups/campus_fairs").points == Decimal("1.5")
    assert score(scheme, perfect(campus_fairs_attended=0)).line("priority_groups/campus_fairs").points == 0


def test_all_or_nothing_sub_items(scheme):
    """5.5 能协助维护的，得2分；不参与维护的，不得分. 6.1 群众有调解需求，但无调解记录的，不得分. 8.1 未开展，不得分."""
    sheet = score(scheme, perfect(assists_channel_maintenance=False, mediation_demand_without_record=True,
                                  labour_matching_carried_out=False))
    assert sheet.line("online_platforms/channel_maintenance").points == 0
    assert sheet.line("rights_protection/mediation").points == 0
    assert sheet.line("labour_cooperation/outbound_recruitment").points == 0
    assert sheet.total == Decimal("88.00")


def test_monthly_plan_by_the_5th_and_same_day_problem_reports_minus_0_1_each(scheme):
    """9.3 每月5日之前做好当月工作计划及上个月工作总结…不及时上报的，每次扣0.1分；9.2 企业反映的问题应于当天上报，每次扣0.1分."""
    sheet = score(scheme, perfect(monthly_plans_or_summaries_late=2, enterprise_problems_reported_late=1))
    assert sheet.line("other_tasks/monthly_plan").points == Decimal("0.3")
    assert sheet.line("other_tasks/problem_reporting").points == Decimal("0.4")
    floored = score(scheme, perfect(monthly_plans_or_summaries_late=12))
    assert floored.line("other_tasks/monthly_plan").points == 0
    assert scheme.extra["reporting"]["monthly_plan_due_day"] == 5


def test_missing_fact_leaves_the_sheet_incomplete_not_zero(scheme):
    """A fact not recorded is not a zero: the sheet is incomplete and no payment is computed."""
    facts = perfect()
    del facts["referrals_to_park_employers"]
    sheet = score(scheme, facts)
    assert not sheet.complete and "referrals_to_park_employers" in sheet.missing_facts
    assert sheet.payment_ratio is None
    with pytest.raises(ValueError):
        sheet.payment_due(CONTRACT, "stage_1")


def test_station_staffing_and_opening_hours_are_recorded(scheme):
    """1.1 在岗人员各4人（产业园站、人力资源市场），其余站点2人；周一至周五9:00－18:00，周六9:00－17:30."""
    stations = scheme.extra["stations"]["list"]
    assert [s["staff_on_duty"] for s in stations] == [4, 4, 2, 2, 2]
    hours = scheme.extra["opening_hours"]
    assert (hours["weekday"], hours["saturday"], hours["saturday_min_staff"]) == ("09:00-18:00", "09:00-17:30", 1)


# -- one realistic period ---------------------------------------------------------------------------


def test_realistic_first_stage(scheme):
    """第一阶段验收 after 5 months at 时序进度 40%: a typical operator with small lapses everywhere → 87.26, 90%."""
    facts = perfect(
        schedule_progress_pct=40,
        attendance_anomaly_person_times=3, no_uniform_person_times=2, staff_changes_unreported=1,
        hall_untidy_findings=2, service_complaints=1,
        village_visit_deductions=[{"value": "1", "reason": "2月春节期间仅访问210人"}],
        jobseekers_under_3_recommendations=37, employers_without_delivery_record=2,
        referrals_to_park_employers=760, sampled_jobseekers_without_point_to_point=1,
        sampled_jobseekers_following=7, bureau_recruitment_events_missed=1, own_recruitment_events=17,
        months_report_late=1, business_contacts_missed=6,
        persons_short_of_251_assistance=45, graduates_short_of_1131_assistance=12, campus_fairs_attended=3,
        screen_publications_missed=3, sampled_online_jobseekers_not_followed_up=2,
        sampled_employers_review_over_5_days=1, kiosk_malfunctions=1,
        sampled_policy_publicity_failures=2, sampled_households_without_policy_material=1, policy_events_assisted=1,
        enterprise_problems_reported_late=1, monthly_plans_or_summaries_late=1,
    )
    sheet = score(scheme, facts)
    assert sheet.complete
    by_category = {l.id: l.points for l in sheet.lines if l.level == "category"}
    assert by_category == {
        "waiting_service": Decimal("8.3"),  # 2.5 + 2.5 + 1.5 + 0.8 + 1.0
        "job_referral": Decimal("14.03"),  # 2 + 4 + 1.43 + 2.6 + 1.5 + 1 + (1.5 + 0: 3 own events short × 1.5 = 4.5 > 3)
        "demand_survey": Decimal("8.9"),
        "priority_groups": Decimal("18.93"),  # 9.55 + 7.88 + 1.5 (3 of 4 fairs due)
        "online_platforms": Decimal("12.7"),
        "rights_protection": Decimal("3"),
        "policy_advice": Decimal("9.6"),
        "labour_cooperation": Decimal("10"),
        "other_tasks": Decimal("1.8"),
    }
    assert sheet.total == Decimal("87.26")
    assert sheet.payment_ratio == Decimal("0.90")
    assert sheet.payment_due(CONTRACT, "stage_1") == Decimal("339300.00")
    own = sheet.line("job_referral/recruitment_events/own_events")
    assert "扣完为止" in own.explanation
