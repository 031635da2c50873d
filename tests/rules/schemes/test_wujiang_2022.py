"""吴江 2022 (seed 004, 吴人社就〔2022〕15号): relative points, ties, negatives, vetoes, grade quotas."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from rules.schemes import load_scheme
from rules.scoring import cohort_to_dict, competition_ranks, render_cohort, score, score_cohort

D = Decimal


@pytest.fixture(scope="module")
def scheme():
    return load_scheme("wujiang-2022")


def op(**over):
    """An operator meeting every absolute standard, no bonuses, no negatives."""
    facts = {
        "labour_bases": 3, "trips_offline": 2, "trips_online": 0, "poor_ratings_per_trip": [0, 0],
        "trip_records_complete": True, "insured_arrivals": 100, "interns": 0, "stable_arrivals": 60,
        "stable_interns": 0, "express_deliveries": 4, "platform_rating": D("3.5"), "arrangements_ok": True,
        "accident_insured": 50, "monthly_statistics_reported": True, "major_incident": False,
        "licence_revoked": False, "labour_credit_grade": "not_applicable", "hr_credit_grade": "A",
        "collective_disputes_lost": 0, "individual_disputes_lost": 0, "complaints": 0,
    }
    facts.update(over)
    return facts


def test_document_replaces_the_trial_rules(scheme):
    """六、执行时间: 自发文之日起执行，同时《…（试行）》（吴人社就〔2022〕1号）废止。"""
    assert scheme.document_number == "吴人社就〔2022〕15号"
    assert scheme.replaces == "吴人社就〔2022〕1号"
    assert scheme.effective_date == date(2022, 9, 1)


def test_alone_a_sheet_is_incomplete_until_the_cohort_is_scored(scheme):
    sheet = score(scheme, op())
    assert not sheet.complete and sheet.passed is None
    assert sheet.line("hr_services/headcount").needs_cohort
    assert "score_cohort" in sheet.line("hr_services/headcount").explanation


def test_single_operator_cohort_gets_full_relative_points(scheme):
    result = score_cohort(scheme, {"solo": op()})
    sheet = result.sheets["solo"]
    assert sheet.complete and sheet.total == D("100.00") and sheet.rank == 1


# （二）1 人数总和: top 25, −1.5 a rank, never below base 5; < 50 → 0 ------------------------------------------


def test_headcount_ties_rank_1_1_3(scheme):
    """DOMAIN.md §6.4 on （二）1: ties share the better rank and the next is skipped: 1, 1, 3."""
    result = score_cohort(scheme, {
        "a": op(insured_arrivals=200, stable_arrivals=120, accident_insured=100),
        "b": op(insured_arrivals=200, stable_arrivals=120, accident_insured=100),
        "c": op(insured_arrivals=150, stable_arrivals=90, accident_insured=75),
    })
    lines = {w: s.line("hr_services/headcount") for w, s in result.sheets.items()}
    assert [lines[w].points for w in "abc"] == [25, 25, 22]
    assert "ranks 3 of 3" in lines["c"].explanation
    assert [w for w, _ in result.rank_tables["hr_services/headcount"]] == ["a", "b", "c"]
    assert [i.rank for _, i in result.rank_tables["hr_services/headcount"]] == [1, 1, 3]


def test_headcount_points_never_below_the_base_5(scheme):
    """（二）1: 每降低一个名次减1.5分，直至减至基础分为止 — rank 15: 25 − 14 × 1.5 = 4 → 5."""
    cohort = {f"op{i:02d}": op(insured_arrivals=300 - i * 10, stable_arrivals=0, accident_insured=150)
              for i in range(15)}
    result = score_cohort(scheme, cohort)
    points = [result.sheets[f"op{i:02d}"].line("hr_services/headcount").points for i in range(15)]
    assert points[:3] == [D("25"), D("23.5"), D("22")]
    assert points[13] == D("5.5") and points[14] == 5
    assert "not below 5.00" in result.sheets["op14"].line("hr_services/headcount").explanation


def test_headcount_below_50_scores_0_and_is_not_ranked(scheme):
    """（二）1: 人数总和低于50的运营单位均得0分; DOMAIN.md §6.4 only eligible participants are ranked."""
    result = score_cohort(scheme, {
        "big": op(insured_arrivals=60, stable_arrivals=40, accident_insured=30),
        "small": op(insured_arrivals=30, interns=19, stable_arrivals=20, stable_interns=10, accident_insured=15),
        "mid": op(insured_arrivals=50, stable_arrivals=30, accident_insured=25),
    })
    assert result.sheets["small"].line("hr_services/headcount").points == 0
    assert "headcount ≥ 50 fails (is 49)" in result.sheets["small"].line("hr_services/headcount").explanation
    assert result.sheets["mid"].line("hr_services/headcount").points == D("23.5")  # rank 2 of 2 eligible


def test_headcount_is_arrivals_plus_interns(scheme):
    """（二）1: 输送劳动力参保人数与促成就业见习（岗位实习）人数总和."""
    result = score_cohort(scheme, {"x": op(insured_arrivals=30, interns=20, stable_arrivals=20, stable_interns=10,
                                           accident_insured=15)})
    assert result.sheets["x"].line("hr_services/headcount").points == 25
    assert result.sheets["x"].derivations["headcount"] == "headcount = 30 + 20 = 50"


# （二）2 稳定情况: value = share × stable; share ≥ 50 % → base 5; best 15, −1 a rank -------------------------------


def test_stability_value_is_share_times_stable_count(scheme):
    result = score_cohort(scheme, {
        "a": op(insured_arrivals=100, stable_arrivals=60),   # 0.6 × 60 = 36
        "b": op(insured_arrivals=200, stable_arrivals=100),  # 0.5 × 100 = 50
        "c": op(insured_arrivals=100, stable_arrivals=49),   # 49 % → 0
    })
    sheets = result.sheets
    assert sheets["a"].derivations["stability_value"].endswith("= 36")
    assert sheets["b"].line("hr_services/stability").points == 15
    assert sheets["a"].line("hr_services/stability").points == 14
    assert sheets["c"].line("hr_services/stability").points == 0
    assert "stable_pct ≥ 50 fails" in sheets["c"].line("hr_services/stability").explanation


def test_stability_floor_is_the_base_5(scheme):
    cohort = {f"s{i:02d}": op(insured_arrivals=100, stable_arrivals=99 - i) for i in range(14)}
    result = score_cohort(scheme, cohort)
    assert result.sheets["s00"].line("hr_services/stability").points == 15
    assert result.sheets["s10"].line("hr_services/stability").points == 5
    assert result.sheets["s13"].line("hr_services/stability").points == 5


# （一） 年度指标 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bases, points, bonus", [(0, 0, 0), (2, 8, 0), (3, 12, 0), (4, 12, 4), (6, 12, 12), (8, 12, 12)])
def test_labour_bases_4_each_to_12_then_bonus_4_each_to_12(scheme, bases, points, bonus):
    """（一）1: 每建立1个…加4分，总分12分。加分：在建立3个…的基础上，每额外建立1个加4分，加分上限12分。"""
    sheet = score_cohort(scheme, {"x": op(labour_bases=bases)}).sheets["x"]
    assert sheet.line("annual_targets/labour_bases/established").points == points
    assert sheet.line("annual_targets/labour_bases/extra_bases").points == bonus


@pytest.mark.parametrize("offline, online, points, bonus", [
    (0, 0, 0, 0), (1, 0, 4, 0), (1, 1, 8, 0), (0, 2, 4, 0), (1, 2, 8, 0), (3, 0, 8, 4), (3, 1, 8, 8), (6, 1, 8, 8)])
def test_trips_4_each_to_8_one_may_be_online_extra_offline_bonus(scheme, offline, online, points, bonus):
    """（一）2: 每次至少带5家吴江企业（其中一次可以采取线上模式）…加分：额外组织（须为线下模式）…每次加4分，上限8分。"""
    sheet = score_cohort(scheme, {"x": op(trips_offline=offline, trips_online=online)}).sheets["x"]
    assert sheet.line("annual_targets/recruitment_trips/trips").points == points
    assert sheet.line("annual_targets/recruitment_trips/extra_trips").points == bonus


@pytest.mark.parametrize("ratings, penalty", [([], 0), ([0, 1], -1), ([5, 0], -5), ([7, 2], -7), ([9, 9, 9], -15)])
def test_poor_ratings_minus_1_each_at_most_5_per_trip(scheme, ratings, penalty):
    """（一）2 减分: 出现1次总评为差的，扣1分，每次赴外招聘最多扣5分。"""
    sheet = score_cohort(scheme, {"x": op(poor_ratings_per_trip=ratings)}).sheets["x"]
    assert sheet.line("annual_targets/recruitment_trips/poor_ratings").points == penalty


# （三） 用工速递 ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n, points, bonus", [(0, 0, 0), (3, 15, 0), (4, 20, 0), (5, 20, 2), (9, 20, 10), (12, 20, 10)])
def test_express_deliveries_5_each_to_20_then_2_each_to_10(scheme, n, points, bonus):
    """（三）1: 完成1次劳动力输送…得5分，总分20分。加分（1）: 在完成4次的基础上，额外…1次加2分，加分上限10分。"""
    sheet = score_cohort(scheme, {"x": op(express_deliveries=n)}).sheets["x"]
    assert sheet.line("express_delivery/platform_use/deliveries").points == points
    assert sheet.line("express_delivery/platform_use/extra_deliveries").points == bonus


def test_platform_rating_bonus_best_10_minus_1_a_rank_none_below_4(scheme):
    """（三）加分（2）: 平台综合评分得分最高的运营单位加10分，每降低一个名次减1分，直至加0分为止（综合评分4分以下…不享受加分）。"""
    ratings = {"r1": "4.9", "r2": "4.9", "r3": "4.5", "r4": "4.0", "r5": "3.99"}
    result = score_cohort(scheme, {w: op(platform_rating=D(r)) for w, r in ratings.items()})
    got = {w: s.line("express_delivery/platform_use/rating_rank").points for w, s in result.sheets.items()}
    assert got == {"r1": 10, "r2": 10, "r3": 8, "r4": 7, "r5": 0}


def test_platform_rating_bonus_down_to_zero(scheme):
    cohort = {f"p{i:02d}": op(platform_rating=D("5") - D(i) / 100) for i in range(12)}
    result = score_cohort(scheme, cohort)
    assert result.sheets["p10"].line("express_delivery/platform_use/rating_rank").points == 0
    assert result.sheets["p11"].line("express_delivery/platform_use/rating_rank").points == 0


# （四） 组织管理 ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("insured, expected", [(100, "3"), (50, "3"), (49, "2.92"), (45, "2.60"), (13, "0.04"), (12, "0"), (0, "0")])
def test_accident_insurance_50_percent_then_minus_0_08_per_point(scheme, insured, expected):
    """（四）2: 人数达到输入总人数50%以上的，得3分。每减1个百分点减0.08分。 (of 100 arrivals)"""
    sheet = score_cohort(scheme, {"x": op(accident_insured=insured)}).sheets["x"]
    assert sheet.line("organisation/accident_insurance").points == D(expected)


# （五） 负面影响 and vetoes -------------------------------------------------------------------------------------


@pytest.mark.parametrize("over, penalty", [
    (dict(collective_disputes_lost=1), -10), (dict(individual_disputes_lost=2), -10),
    (dict(complaints=4), 0), (dict(complaints=5), -5), (dict(complaints=12), -5),
])
def test_negative_items(scheme, over, penalty):
    """（五）4–6: 集体劳动争议败诉每件扣10分; 非集体每件扣5分; 被投诉累计5次及以上的，扣5分。"""
    sheet = score_cohort(scheme, {"x": op(**over)}).sheets["x"]
    assert sheet.penalty_total == -penalty and sheet.total == 100 + penalty


def test_total_never_below_zero(scheme):
    """（五）: 分数减完为止; DOMAIN.md §6.2."""
    sheet = score_cohort(scheme, {"x": op(collective_disputes_lost=12)}).sheets["x"]
    assert sheet.total == 0 and sheet.passed is False


@pytest.mark.parametrize("over, effect, veto", [
    (dict(major_incident=True), "disqualify", "major_incident"),
    (dict(licence_revoked=True), "disqualify", "licence_revoked"),
    (dict(labour_credit_grade="C"), "fail", "dispatch_credit_c"),
    (dict(hr_credit_grade="C"), "fail", "hr_credit_c"),
    (dict(hr_credit_grade="D"), "disqualify", "hr_credit_d"),
])
def test_vetoes_fail_or_expel_and_grade_e(scheme, over, effect, veto):
    """（五）1–3: 重大事件/吊销许可证 → 不合格并取消资格; 信用C级 → 不合格; 人力资源机构D级 → 取消资格."""
    result = score_cohort(scheme, {"x": op(**over), "y": op()})
    sheet = result.sheets["x"]
    assert sheet.total == 100 and sheet.passed is False
    assert [v.id for v in sheet.vetoes] == [veto] and sheet.vetoes[0].effect == effect
    assert sheet.disqualified is (effect == "disqualify")
    assert sheet.grade == "E"


def test_credit_grade_b_is_no_veto(scheme):
    sheet = score_cohort(scheme, {"x": op(hr_credit_grade="B", labour_credit_grade="B")}).sheets["x"]
    assert sheet.passed and not sheet.vetoes


@pytest.mark.parametrize("insured, statistics, total, passed", [
    (25, False, "60.00", True),    # 100 − 8 − 8 − 20 − 2 − (3 − 25 × 0.08 = 1 → −2) = 60
    (24, False, "59.92", False),   # insurance 3 − 26 × 0.08 = 0.92
    (100, True, "64.00", True),
])
def test_pass_mark_60(scheme, insured, statistics, total, passed):
    """（五）7: 运营单位考核总分低于60分的，当年度考核等次列为不合格。"""
    facts = op(labour_bases=1, trips_offline=0, express_deliveries=0, accident_insured=insured,
               monthly_statistics_reported=statistics)
    sheet = score_cohort(scheme, {"x": facts}).sheets["x"]
    assert sheet.total == D(total) and sheet.passed is passed
    assert sheet.grade == ("D" if passed else "E")


# 五、考核结果运用: grades by quota — DOMAIN.md §6.5 -------------------------------------------------------------


def cohort_of_totals(scheme, totals):
    """Operators whose totals differ only by disputes lost (each −5), in the order given."""
    cohort = {}
    for i, total in enumerate(totals):
        lost = (100 - total) // 5
        cohort[f"op{i:02d}"] = op(individual_disputes_lost=lost)
    return score_cohort(scheme, cohort)


def test_grade_quotas_for_ten_participants(scheme):
    """A ≤ floor(10% × 10) = 1, B ≤ 2, C ≤ 3, the rest D; failed (< 60) → E."""
    result = cohort_of_totals(scheme, [100, 95, 90, 85, 80, 75, 70, 65, 60, 55])
    grades = [result.sheets[f"op{i:02d}"].grade for i in range(10)]
    assert grades == ["A", "B", "B", "C", "C", "C", "D", "D", "D", "E"]
    ranks = [result.sheets[f"op{i:02d}"].rank for i in range(10)]
    assert ranks == list(range(1, 11))


def test_tied_group_is_not_split_across_a_quota(scheme):
    """Two tied at the top but only one A place: neither gets A; both take the B places."""
    result = cohort_of_totals(scheme, [100, 100, 90, 85, 80, 75, 70, 65, 60, 60])
    grades = [result.sheets[f"op{i:02d}"].grade for i in range(10)]
    ranks = [result.sheets[f"op{i:02d}"].rank for i in range(10)]
    assert ranks[:3] == [1, 1, 3] and ranks[-2:] == [9, 9]
    assert grades == ["B", "B", "C", "C", "C", "D", "D", "D", "D", "D"]


def test_small_cohorts_have_no_a(scheme):
    """floor(10% × 9) = 0: nobody can be A in a cohort of 9; floor(20% × 9) = 1 B; floor(30% × 9) = 2 C."""
    result = cohort_of_totals(scheme, [100, 95, 90, 85, 80, 75, 70, 65, 60])
    grades = [result.sheets[f"op{i:02d}"].grade for i in range(9)]
    assert grades == ["B", "C", "C", "D", "D", "D", "D", "D", "D"]


def test_failed_participants_are_e_even_with_quota_left(scheme):
    result = cohort_of_totals(scheme, [55, 50, 45, 40, 35, 30, 25, 20, 15, 10])
    assert {s.grade for s in result.sheets.values()} == {"E"}


def test_competition_ranks():
    assert competition_ranks({"a": D(5), "b": D(5), "c": D(3), "d": D(3), "e": D(1)}) == {
        "a": 1, "b": 1, "c": 3, "d": 3, "e": 5}
    assert competition_ranks({"a": D(1), "b": D(2)}, descending=False) == {"a": 1, "b": 2}


def test_incomplete_participant_is_not_ranked_and_flags_the_cohort(scheme):
    facts = op()
    del facts["complaints"]
    result = score_cohort(scheme, {"x": facts, "y": op()})
    assert not result.complete
    assert result.sheets["x"].rank is None and result.sheets["x"].grade is None
    assert result.sheets["y"].rank == 1


# a realistic year -----------------------------------------------------------------------------------------


def test_realistic_alliance_year(scheme):
    """Six operators of the 2022 alliance with mixed results; every figure explained."""
    cohort = {
        "苏州甲人力": op(labour_bases=5, trips_offline=3, trips_online=1, poor_ratings_per_trip=[0, 1, 0, 0],
                     insured_arrivals=260, interns=40, stable_arrivals=170, stable_interns=30,
                     express_deliveries=7, platform_rating=D("4.8"), accident_insured=200),
        "吴江乙服务": op(labour_bases=3, trips_offline=2, insured_arrivals=180, interns=20, stable_arrivals=100,
                     stable_interns=10, express_deliveries=4, platform_rating=D("4.6"), accident_insured=80,
                     complaints=5),
        "丙劳务派遣": op(labour_bases=2, trips_offline=1, trips_online=1, insured_arrivals=90, stable_arrivals=40,
                     express_deliveries=2, platform_rating=D("4.1"), accident_insured=30,
                     labour_credit_grade="C"),
        "丁人才": op(labour_bases=4, trips_offline=2, insured_arrivals=300, stable_arrivals=200,
                   express_deliveries=5, platform_rating=D("4.6"), accident_insured=150),
        "戊咨询": op(labour_bases=1, trips_offline=1, insured_arrivals=40, stable_arrivals=10,
                   express_deliveries=1, platform_rating=D("3.2"), accident_insured=10, trip_records_complete=False,
                   individual_disputes_lost=1),
        "己人力": op(labour_bases=3, trips_offline=2, insured_arrivals=120, stable_arrivals=70,
                   express_deliveries=4, platform_rating=D("4.3"), accident_insured=70),
    }
    result = score_cohort(scheme, cohort)
    assert result.complete
    s = result.sheets
    # headcount: 丁 300 (25), 甲 300 (25), 乙 200 (22), 己 120 (20.5), 丙 90 (19), 戊 40 (0)
    assert [s[w].line("hr_services/headcount").points for w in ("丁人才", "苏州甲人力", "吴江乙服务", "己人力", "丙劳务派遣", "戊咨询")] == [
        25, 25, 22, D("20.5"), 19, 0]
    # 甲: 25 + 40 (25 + 15?) …: check the published figures are internally consistent
    for sheet in s.values():
        leaves = [l for l in sheet.lines if l.method != "sum"]
        assert sheet.total_exact == max(D(0), sum(l.points for l in leaves))
        assert all(l.explanation for l in sheet.lines)
    assert s["丙劳务派遣"].grade == "E" and s["戊咨询"].grade == "E"
    assert s["戊咨询"].passed is False  # below 60
    assert s["苏州甲人力"].rank == 1
    data = cohort_to_dict(result)
    assert [p["participant"] for p in data["participants"]][0] == "苏州甲人力"
    assert {"total", "rank", "grade"} <= set(data["participants"][0])
    assert "苏州甲人力" in render_cohort(result)
