"""黔西 2022 (seed 000, 附件2 评分细则; 正文 4 考核及补贴拨付标准): worked examples at every edge."""
from __future__ import annotations

from decimal import Decimal

import pytest

from rules.schemes import load_scheme
from rules.scoring import FactsError, render_sheet, score, sheet_to_dict

D = Decimal


@pytest.fixture(scope="module")
def scheme():
    return load_scheme("qianxi-2022")


def full(**over):
    """A station network that met every standard: 100 points."""
    facts = {
        "signboard_ok": True, "site_suitable": True, "guide_sign": True, "staff_work_log": True,
        "staff_months_below_15_days": 0, "cooperation_agreements": 10, "quarters_with_visit": 4,
        "job_info_months_missed": 0, "workers_registered": 1500, "labour_ledger_persons": 600,
        "job_retention_judgement": {"value": "10", "reason": "全年跟踪稳岗，失业风险人员均再就业"},
        "skills_training_deliveries": 2, "job_ledger": "complete_bound", "migrant_ledger": "complete_bound",
        "entrepreneur_ledger_complete": True, "monthly_reports_missing": 0, "year_end_summary_submitted": True,
        "stations_without_media_report": 0,
    }
    facts.update(over)
    return facts


def retention(value):
    return {"value": str(value), "reason": "稳岗工作评审"}


def test_full_marks_are_100_and_pay_100_percent(scheme):
    sheet = score(scheme, full())
    assert sheet.total == D("100.00") and sheet.passed and sheet.payment_ratio == 1


def test_document_and_version(scheme):
    assert scheme.bureau == "黔西市人力资源和社会保障局"
    assert scheme.effective_date.year == 2022 and scheme.pass_mark == 70 and not scheme.pass_inclusive


# 正文 4（1）: 分值91-100分拨付补贴的100%；81-90分 95%；71-80分 85%；70分及以下不合格 — DOMAIN.md §6.1 half-open


@pytest.mark.parametrize("agreements, judged, total, ratio, passed", [
    (10, "10", "100.00", "1.00", True),
    (10, "0.5", "90.50", "1.00", True),     # 90.5 → 100%
    (10, "0.01", "90.01", "1.00", True),
    (10, "0", "90.00", "0.95", True),       # 90 → 95%
    (0, "0.01", "80.01", "0.95", True),
    (0, "0", "80.00", "0.85", True),        # 80 → 85%
    (0, "5.01", "70.01", "0.85", True),     # with workers_registered 0 below
    (0, "5", "70.00", "0", False),          # 70 → fails, remaining 60% not paid
])
def test_payment_band_edges(scheme, agreements, judged, total, ratio, passed):
    """正文 4（1）: 91-100 → 100%, 81-90 → 95%, 71-80 → 85%, 70分及以下不合格."""
    over = {"cooperation_agreements": agreements, "job_retention_judgement": retention(judged)}
    if D(total) <= 75:
        over["workers_registered"] = 0  # −15
    sheet = score(scheme, full(**over))
    assert sheet.total == D(total)
    assert sheet.payment_ratio == D(ratio)
    assert sheet.passed is passed


def test_90_5_pays_100_percent_and_90_pays_95_percent(scheme):
    """DOMAIN.md §6.1 on 正文 4（1）: bands are (90,100], (80,90] — 90.5 → 100%, 90 → 95%."""
    assert score(scheme, full(job_retention_judgement=retention("0.5"))).payment_ratio == 1
    assert score(scheme, full(job_retention_judgement=retention("0"))).payment_ratio == D("0.95")


def test_payment_due_advance_40_and_remaining_60_by_score(scheme):
    """正文 4（二）: 预拨总款项的40%，剩余60%的款项将根据……考核结果进行结算."""
    sheet = score(scheme, full(job_retention_judgement=retention("0")))  # 90 → 95%
    assert sheet.payment_due("1000000", "advance") == D("400000.00")
    assert sheet.payment_due(D("1000000"), "final") == D("570000.00")
    assert "× 60%" in sheet.payment_explanation_for(1000000, "final")
    failed = score(scheme, full(job_retention_judgement=retention("5"), cooperation_agreements=0, workers_registered=0))
    assert failed.payment_due(1000000, "final") == 0 and failed.payment_due(1000000, "advance") == D("400000.00")


def test_unknown_payment_stage_is_refused(scheme):
    with pytest.raises(ValueError, match="unknown payment stage"):
        score(scheme, full()).payment_due(100, "month5")


# 基础建设 -------------------------------------------------------------------------------------------


def test_signboard_7(scheme):
    """基础建设 有统一挂牌 7: 经过认定、标识规范、醒目."""
    assert score(scheme, full(signboard_ok=False)).line("infrastructure/signboard").points == 0


@pytest.mark.parametrize("site, sign, expected", [(True, True, 4), (True, False, 2), (False, True, 2), (False, False, 0)])
def test_site_2_plus_guide_sign_2(scheme, site, sign, expected):
    """基础建设: 服务场所选址恰当得2分，有明显的引导标牌得2份。"""
    assert score(scheme, full(site_suitable=site, guide_sign=sign)).line("infrastructure/site").points == expected


@pytest.mark.parametrize("months_short, log, expected", [(0, True, 4), (1, True, 0), (0, False, 0)])
def test_staff_attendance_at_least_15_days_every_month(scheme, months_short, log, expected):
    """基础建设 专职人员: 提供工作日志，对方人社局认可的每月不低于15天的考勤记录。"""
    line = score(scheme, full(staff_months_below_15_days=months_short, staff_work_log=log)).line("infrastructure/staff")
    assert line.points == expected


# 工作成效 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n, expected", [(0, 0), (1, 1), (9, 9), (10, 10), (11, 10), (25, 10)])
def test_agreements_one_point_each_max_10(scheme, n, expected):
    """工作成效: 每与1家企业签订合作协议得1分 (10分)."""
    assert score(scheme, full(cooperation_agreements=n)).line("effectiveness/agreements").points == expected


@pytest.mark.parametrize("quarters, expected", [(0, 0), (3, 3), (4, 4)])
def test_visits_each_quarter(scheme, quarters, expected):
    """工作成效: 每季度至少走访1次，每季度4分 (read: 1 per quarter visited)."""
    assert score(scheme, full(quarters_with_visit=quarters)).line("effectiveness/visits").points == expected


def test_visits_beyond_four_quarters_are_refused(scheme):
    with pytest.raises(FactsError, match="quarters_with_visit"):
        score(scheme, full(quarters_with_visit=5))


@pytest.mark.parametrize("missed, expected", [(0, 6), (1, 0), (12, 0)])
def test_job_information_every_month_or_nothing(scheme, missed, expected):
    """工作成效: 每月至少提供1次岗位信息，未按时提供信息不得分。"""
    assert score(scheme, full(job_info_months_missed=missed)).line("effectiveness/job_information").points == expected


@pytest.mark.parametrize("workers, expected", [
    (0, 0), (499, 0), (500, 5), (599, 5), (600, 6), (1234, 12), (1499, 14), (1500, 15), (1600, 15), (9999, 15)])
def test_workers_registered_500_gives_5_then_1_per_100_up_to_15(scheme, workers, expected):
    """工作成效 统计驻地黔西籍务工人员信息: 少于500人不得分，满500人得5分，每增加100人加1分，得满15分为止。"""
    assert score(scheme, full(workers_registered=workers)).line("effectiveness/workers_registered").points == expected


@pytest.mark.parametrize("persons, expected", [
    (0, 0), (1, 5), (100, 5), (149, 5), (150, 6), (199, 6), (200, 7), (599, 14), (600, 15), (5000, 15)])
def test_labour_ledger_100_gives_5_then_1_per_50_up_to_15(scheme, persons, expected):
    """工作成效 劳动力信息台账: 100人（含100人）以内得5分，每增加50人得1分，得满15分为止。"""
    assert score(scheme, full(labour_ledger_persons=persons)).line("effectiveness/labour_ledger").points == expected


@pytest.mark.parametrize("value", ["0", "7.5", "10"])
def test_job_retention_is_judged_0_to_10(scheme, value):
    """工作成效 稳岗就业 10: assessor's judgement with a reason (DOMAIN.md §6.6)."""
    line = score(scheme, full(job_retention_judgement=retention(value))).line("effectiveness/job_retention")
    assert line.points == D(value) and "稳岗工作评审" in line.explanation


@pytest.mark.parametrize("value", ["10.01", "-1"])
def test_job_retention_outside_0_10_is_refused(scheme, value):
    with pytest.raises(FactsError, match="job_retention_judgement"):
        score(scheme, full(job_retention_judgement=retention(value)))


@pytest.mark.parametrize("times, expected", [(0, 0), (1, 5), (3, 5)])
def test_skills_training_at_least_once(scheme, times, expected):
    """工作成效: 不少于1次……技能等级工种培训后输送就业 → 5."""
    assert score(scheme, full(skills_training_deliveries=times)).line("effectiveness/skills_training").points == expected


# 台账建立 / 信息报送 ----------------------------------------------------------------------------------


@pytest.mark.parametrize("level, expected", [("none", 0), ("established", 2), ("complete_bound", 3)])
def test_job_ledger(scheme, level, expected):
    """台账建立: 已建立《岗位信息台账》得2分，已建立台账且记录完整、按月装订成册得3分。"""
    assert score(scheme, full(job_ledger=level)).line("ledgers/job_ledger").points == expected


@pytest.mark.parametrize("level, expected", [("none", 0), ("established_updated", 3), ("complete_bound", 5)])
def test_migrant_ledger(scheme, level, expected):
    """台账建立: 已建立并定期更新得3分，已建立并记录完整且按月装订成册得5分。"""
    assert score(scheme, full(migrant_ledger=level)).line("ledgers/migrant_ledger").points == expected


@pytest.mark.parametrize("missing, summary, expected", [(0, True, 5), (1, True, 0), (0, False, 0)])
def test_monthly_report_and_year_end_summary_or_nothing(scheme, missing, summary, expected):
    """信息报送: 每月1次书面汇报，年底报送工作总结；未按要求报送，不得分。"""
    sheet = score(scheme, full(monthly_reports_missing=missing, year_end_summary_submitted=summary))
    assert sheet.line("reporting/reports").points == expected


@pytest.mark.parametrize("stations, expected", [(0, 5), (1, 0), (3, 0)])
def test_media_coverage_for_every_station(scheme, stations, expected):
    """信息报送: 每个站点至少提供素材获得毕节市级主流媒体宣传报道，未提供不得分。"""
    assert score(scheme, full(stations_without_media_report=stations)).line("reporting/media").points == expected


# a realistic year ---------------------------------------------------------------------------------


def test_realistic_year(scheme):
    """A plausible 2022: 8 agreements, a visit missed in Q3, 1,250 workers, 320 on the ledger,
    retention judged 8, one station-month short of attendance, migrant ledger not bound, Putian without media."""
    facts = full(
        cooperation_agreements=8, quarters_with_visit=3, workers_registered=1250, labour_ledger_persons=320,
        job_retention_judgement={"value": "8", "reason": "跟踪稳岗到位，个别失业人员未及时培训"},
        staff_months_below_15_days=1, migrant_ledger="established_updated", stations_without_media_report=1,
    )
    sheet = score(scheme, facts)
    # 15 − 4 (staff) = 11; 8 + 3 + 6 + 12 + 9 + 8 + 5 = 51; 3 + 3 + 2 = 8; 5 + 0 = 5 → 75
    assert sheet.line("infrastructure").points == 11
    assert sheet.line("effectiveness").points == 51
    assert sheet.line("ledgers").points == 8
    assert sheet.line("reporting").points == 5
    assert sheet.total == D("75.00") and sheet.passed and sheet.payment_ratio == D("0.85")
    assert sheet.payment_due(D("900000"), "final") == D("459000.00")
    assert sheet.line("effectiveness/labour_ledger").explanation == (
        "labour_ledger_persons 320 ≥ 1: base 5.00 + floor((320 − 100) ÷ 50) = 4 step(s) × 1 = 9.00")
    text = render_sheet(sheet)
    assert "统计驻地黔西籍务工人员信息" in text and "75.00" in text
    data = sheet_to_dict(sheet)
    assert data["total"] == "75.00" and data["passed"] is True and data["payment_ratio"] == "0.85"
    for line in sheet.lines:
        assert line.explanation, line.path
