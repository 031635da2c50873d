"""金东 2021 (seed 001 金东人社〔2021〕14号; 附件3 评估表, 第一条, 第七条, 第八条, 第十条, 第十二条)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from rules.identifiers import resident_id_check_char
from rules.schemes import load_scheme
from rules.scoring import FactsError, score
from rules.scoring.jindong import (
    StationYear,
    WorkerRecord,
    excellent_station,
    is_delivered_worker,
    qualification_cancelled,
)

D = Decimal


@pytest.fixture(scope="module")
def scheme():
    return load_scheme("jindong-2021")


def judged(value, reason="评审意见"):
    return {"value": str(value), "reason": reason}


def full(**over):
    """A station meeting every standard: 100 points."""
    facts = {
        "has_management_rules": True, "has_cooperation_agreement": True, "offices_in_both_places": True,
        "has_responsible_person": True, "unreported_person_changes": 0, "verified_complaints": 0,
        "safety_incidents": 0, "has_annual_plan": True, "delivered_without_contract": 0, "missing_ledgers": 0,
        "worker_satisfaction_pct": D("80"), "enterprise_satisfaction_pct": D("90"), "matching_events": 2,
        "delivered_workers": 350, "skilled_workers": 40, "skilled_workers_judgement": judged(5),
        "retained_6_months": 245, "innovation_judgement": judged(10),
    }
    facts.update(over)
    return facts


def test_document(scheme):
    assert scheme.document_number == "金东人社〔2021〕14号"
    assert scheme.effective_date == date(2021, 1, 1) and scheme.pass_mark == 60 and scheme.pass_inclusive


def test_full_marks_100_and_top_subsidy(scheme):
    sheet = score(scheme, full())
    assert sheet.total == D("100.00") and sheet.passed and sheet.subsidy == 70000


# 第七条 合格线 and 第十二条（二） subsidy bands: [60,70) 4万, [70,80) 5万, [80,90) 6万, ≥90 7万 ---------------


@pytest.mark.parametrize("over, innovation, total, subsidy, passed", [
    ({}, "0", "90.00", 70000, True),
    ({"matching_events": 0}, "9.99", "89.99", 60000, True),
    ({"matching_events": 0}, "0", "80.00", 60000, True),
    ({"matching_events": 0, "worker_satisfaction_pct": D(10)}, "4.99", "79.99", 50000, True),
    ({"matching_events": 0, "worker_satisfaction_pct": D(10), "enterprise_satisfaction_pct": D(10)}, "0", "70.00", 50000, True),
    ({"matching_events": 0, "worker_satisfaction_pct": D(10), "enterprise_satisfaction_pct": D(10),
      "offices_in_both_places": False}, "4.99", "69.99", 40000, True),
    ({"matching_events": 0, "worker_satisfaction_pct": D(10), "enterprise_satisfaction_pct": D(10),
      "offices_in_both_places": False, "has_annual_plan": False}, "0", "60.00", 40000, True),
    ({"matching_events": 0, "worker_satisfaction_pct": D(10), "enterprise_satisfaction_pct": D(10),
      "offices_in_both_places": False, "has_annual_plan": False, "has_management_rules": False}, "4.99", "59.99", 0, False),
])
def test_pass_mark_and_subsidy_band_edges(scheme, over, innovation, total, subsidy, passed):
    """第七条: 60分（含）以上为合格; 第十二条（二）: 60以上（含）70以下 4万 … 90以上（含） 7万."""
    sheet = score(scheme, full(innovation_judgement=judged(innovation), **over))
    assert sheet.total == D(total)
    assert sheet.passed is passed
    assert sheet.subsidy == subsidy


def test_new_station_and_excellent_station_one_offs(scheme):
    """第十二条（一）新设立一次性1万元; （三）优秀站点再给予一次性2万元."""
    sheet = score(scheme, full())
    total, text = sheet.subsidy_total(["new_station"])
    assert total == 80000 and "建站补贴" in text
    assert sheet.subsidy_total(["new_station", "excellent_station"])[0] == 100000
    with pytest.raises(ValueError, match="unknown one-off"):
        sheet.subsidy_total(["bonus"])


# 站点管理 --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rules, agreement, expected", [(True, True, 5), (False, True, 0), (True, False, 0)])
def test_management_rules_and_agreement_or_nothing(scheme, rules, agreement, expected):
    """建立管理制度: 制定健全的…管理制度，与劳务输出地区达成…协议。否则不得分。"""
    sheet = score(scheme, full(has_management_rules=rules, has_cooperation_agreement=agreement))
    assert sheet.line("station_management/management_rules").points == expected


@pytest.mark.parametrize("person, changes, expected", [(True, 0, 5), (True, 1, 3), (True, 2, 1), (True, 3, 0), (False, 0, 0)])
def test_responsible_person_minus_2_per_unreported_change(scheme, person, changes, expected):
    """专人负责制: 设有专人…否则不得分。负责人员变动应及时上报，发现未落实一例扣2分。"""
    sheet = score(scheme, full(has_responsible_person=person, unreported_person_changes=changes))
    assert sheet.line("station_management/responsible_person").points == expected


def test_no_responsible_person_needs_no_change_count(scheme):
    facts = full(has_responsible_person=False)
    del facts["unreported_person_changes"]
    line = score(scheme, facts).line("station_management/responsible_person")
    assert line.points == 0 and not line.missing and "requirement not met" in line.explanation


@pytest.mark.parametrize("complaints, incidents, points, vetoed", [
    (0, 0, 5, False), (1, 0, 3, False), (2, 0, 1, False), (0, 2, 5, False),
    (3, 0, 0, True), (1, 2, 3, True), (0, 3, 5, True), (2, 1, 1, True),
])
def test_complaints_minus_2_and_three_incidents_or_complaints_veto(scheme, complaints, incidents, points, vetoed):
    """处理意外责任事故及投诉: 投诉经核实一例扣2分。发生安全责任事故或投诉3次以上，一票否决，年度评估为不合格。"""
    sheet = score(scheme, full(verified_complaints=complaints, safety_incidents=incidents))
    assert sheet.line("station_management/incidents_complaints").points == points
    assert sheet.vetoed is vetoed
    if vetoed:
        assert sheet.passed is False and sheet.total > 60 and sheet.subsidy == 0
        assert "一票否决" in sheet.vetoes[0].clause and "incidents_and_complaints" in sheet.vetoes[0].explanation
    else:
        assert sheet.passed is True


# 工作管理 --------------------------------------------------------------------------------------------


def test_no_annual_plan_minus_5(scheme):
    """工作计划: 有详细的、切实可行的年度…计划。否则扣5分。"""
    assert score(scheme, full(has_annual_plan=False)).line("work_management/annual_plan").points == 0


@pytest.mark.parametrize("n, expected", [(0, 5), (1, 4), (4, 1), (5, 0), (7, 0)])
def test_minus_1_per_delivered_worker_without_contract(scheme, n, expected):
    """签订合同: 输送劳动力与用人单位签订劳动合同。发现未落实一例扣1分。(floored at 0)"""
    assert score(scheme, full(delivered_without_contract=n)).line("work_management/labour_contracts").points == expected


@pytest.mark.parametrize("n, expected", [(0, 10), (1, 7), (3, 1), (4, 0), (5, 0)])
def test_minus_3_per_missing_ledger(scheme, n, expected):
    """建立台账: 缺少一项扣3分。"""
    assert score(scheme, full(missing_ledgers=n)).line("work_management/ledgers").points == expected


def test_more_than_five_missing_ledgers_is_refused(scheme):
    with pytest.raises(FactsError, match="missing_ledgers"):
        score(scheme, full(missing_ledgers=6))


# 协作效果 --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("pct, expected", [("0", 0), ("49.99", 0), ("50", 3), ("62", 3), ("75", 3), ("75.01", 5), ("100", 5)])
def test_satisfaction_bands(scheme, pct, expected):
    """输送人员意见 / 企业意见: 50%以下不得分，50%以上至75%的得3分，75%以上的得5分。"""
    sheet = score(scheme, full(worker_satisfaction_pct=D(pct), enterprise_satisfaction_pct=D(pct)))
    assert sheet.line("cooperation_results/worker_opinion").points == expected
    assert sheet.line("cooperation_results/enterprise_opinion").points == expected


@pytest.mark.parametrize("events, expected", [(0, 0), (1, 5), (2, 10), (6, 10)])
def test_matching_events(scheme, events, expected):
    """劳务对接活动: 没有组织不得分，组织一场5分，组织两次（含）以上10分。"""
    assert score(scheme, full(matching_events=events)).line("cooperation_results/matching_events").points == expected


@pytest.mark.parametrize("delivered, expected", [(0, 0), (99, 0), (100, 3), (200, 3), (201, 8), (300, 8), (301, 10), (1000, 10)])
def test_delivered_count_tiers(scheme, delivered, expected):
    """输送人数: 100-200人（含）得3分；200人-300人（含）得8分；300人以上得10分，其余不得分。"""
    sheet = score(scheme, full(delivered_workers=delivered, skilled_workers=0, retained_6_months=0))
    assert sheet.line("cooperation_results/delivered/count").points == expected


def test_skilled_workers_below_10_score_nothing_without_a_judgement(scheme):
    """输送技术技能人才10人（含）以上得2-5分: 9 → 0, and no judgement is needed."""
    facts = full(skilled_workers=9)
    del facts["skilled_workers_judgement"]
    sheet = score(scheme, facts)
    assert sheet.complete and sheet.line("cooperation_results/delivered/skilled").points == 0


def test_skilled_workers_from_10_are_judged_2_to_5(scheme):
    sheet = score(scheme, full(skilled_workers=10, skilled_workers_judgement=judged(3, "持证焊工10人")))
    assert sheet.line("cooperation_results/delivered/skilled").points == 3
    assert sheet.line("cooperation_results/delivered").points == 13
    facts = full(skilled_workers=10)
    del facts["skilled_workers_judgement"]
    assert score(scheme, facts).missing_facts == ["skilled_workers_judgement"]
    with pytest.raises(FactsError, match="below the allowed minimum 2"):
        score(scheme, full(skilled_workers_judgement=judged("1.5")))


@pytest.mark.parametrize("retained, expected", [
    (0, 0), (79, 0), (80, 5), (100, 5), (101, 10), (120, 10), (121, 15), (200, 15)])
def test_retention_bands_of_200_delivered(scheme, retained, expected):
    """留用率: 40%-50%（含）得5分，50%-60%（含）得10分，60%以上得15分，其余不得分。 (of 200 delivered)"""
    sheet = score(scheme, full(delivered_workers=200, skilled_workers=20, retained_6_months=retained))
    assert sheet.line("cooperation_results/retention").points == expected
    assert "retention_pct = " in sheet.derivations["retention_pct"]


def test_retention_cannot_exceed_delivered(scheme):
    with pytest.raises(FactsError, match="cannot exceed delivered_workers"):
        score(scheme, full(delivered_workers=100, retained_6_months=101))


def test_no_delivered_workers_gives_zero_retention_and_says_why(scheme):
    sheet = score(scheme, full(delivered_workers=0, skilled_workers=0, retained_6_months=0))
    assert sheet.line("cooperation_results/retention").points == 0
    assert "division by zero" in sheet.derivations["retention_pct"]


# a realistic year -----------------------------------------------------------------------------------


def test_realistic_year(scheme):
    """A station in its second year: 260 delivered (8), 12 skilled judged 3, 150 retained (57.69% → 10),
    one verified complaint (3), two contracts missing (3), one ledger missing (7), satisfaction 72% / 80%,
    one matching event (5), innovation 4."""
    facts = full(
        verified_complaints=1, delivered_without_contract=2, missing_ledgers=1,
        worker_satisfaction_pct=D("72"), enterprise_satisfaction_pct=D("80"), matching_events=1,
        delivered_workers=260, skilled_workers=12, skilled_workers_judgement=judged(3, "技能人才12人"),
        retained_6_months=150, innovation_judgement=judged(4, "与输出地共建培训基地"),
    )
    sheet = score(scheme, facts)
    assert sheet.line("station_management").points == 18
    assert sheet.line("work_management").points == 15
    assert sheet.line("cooperation_results").points == 3 + 5 + 5 + 11 + 10
    assert sheet.total == D("71.00") and sheet.passed and sheet.subsidy == 50000
    assert all(line.explanation for line in sheet.lines)


# 第十条 excellent station, 第八条 cancellation, 第一条 delivered worker ---------------------------------------


def year(y, score_=85, delivered=320, skilled=40, retained=200, ledgers=True):
    return StationYear(year=y, score=D(score_), delivered=delivered, skilled=skilled,
                       retained_6_months=retained, ledgers_complete=ledgers)


def test_excellent_station_meets_every_condition(scheme):
    """第十条: 2年以上、每年≥80分；每年输送≥300人且技能人才≥10%；留用率≥60%；台账完备。"""
    verdict = excellent_station(scheme, [year(2021), year(2022)])
    assert verdict.ok and not verdict.failures and all(r.startswith("✓") for r in verdict.reasons)


def test_excellent_station_at_the_exact_thresholds(scheme):
    verdict = excellent_station(scheme, [year(2021, 80, 300, 30, 180), {"year": 2022, "score": "80", "delivered": 300,
                                                                          "skilled": 30, "retained_6_months": 180,
                                                                          "ledgers_complete": True}])
    assert verdict.ok, verdict.failures


@pytest.mark.parametrize("bad, words", [
    (dict(score_="79.99"), "不低于80分"),
    (dict(delivered=299, skilled=30, retained=180), "300人以上"),
    (dict(delivered=320, skilled=31), "技术技能人才占比不低于10%"),  # 31 ÷ 320 = 9.69 %
    (dict(retained=191), "留用率不低于60%"),  # 191 ÷ 320 = 59.69 %
    (dict(ledgers=False), "台账完备"),
])
def test_excellent_station_fails_on_any_condition(scheme, bad, words):
    """第十条 (一)–(四): any one condition failing in any year fails the test, and says which."""
    verdict = excellent_station(scheme, [year(2021), year(2022, **bad)])
    assert not verdict.ok
    assert any(words in f and f.startswith("2022") for f in verdict.failures), verdict.failures


def test_excellent_station_needs_two_years(scheme):
    verdict = excellent_station(scheme, [year(2022)])
    assert not verdict.ok and "2年以上" in verdict.failures[0]


@pytest.mark.parametrize("results, cancelled", [
    ([(2021, False), (2022, False)], True),
    ([(2021, True), (2022, False), (2023, False)], True),
    ([(2021, False), (2022, True), (2023, False)], False),
    ([(2021, False), (2023, False)], False),
    ([(2022, False)], False),
])
def test_two_consecutive_failing_years_cancel_the_qualification(scheme, results, cancelled):
    """第八条（三）: 连续两个年度评估不合格的 → 取消资格，2年内不得重新申报。"""
    verdict = qualification_cancelled(scheme, results)
    assert verdict.ok is cancelled
    if cancelled:
        assert "2 years" in verdict.explanation


def make_id(province="52", born="19900101", seq="123"):
    first17 = f"{province}0101{born}{seq}"
    return first17 + resident_id_check_char(first17)


@pytest.mark.parametrize("rid, hire, months, dispatched, ok, words", [
    (make_id(), date(2022, 3, 1), 2, False, True, None),
    (make_id(province="33"), date(2022, 3, 1), 6, False, False, "省外户籍"),
    (make_id(), date(2022, 3, 1), 1, False, False, "连续缴纳社保2个月以上"),
    (make_id(), date(2022, 3, 1), 6, True, False, "劳务派遣"),
    (make_id(born="20060302"), date(2022, 3, 1), 6, False, False, "法定劳动年龄"),   # 15 at hire
    (make_id(born="20060301"), date(2022, 3, 1), 6, False, True, None),              # 16 on the hire day
    (make_id(born="19720301", seq="124"), date(2022, 3, 1), 6, False, False, "法定劳动年龄"),  # woman (even 17th) aged 50
    (make_id(born="19720301", seq="123"), date(2022, 3, 1), 6, False, True, None),   # man aged 50
])
def test_delivered_worker_definition(rid, hire, months, dispatched, ok, words):
    """第一条: 在金东参加社会保险且连续缴纳2个月以上的法定劳动年龄段省外户籍务工人员，不含劳务派遣人员。"""
    verdict = is_delivered_worker(WorkerRecord(rid, hire, months, dispatched))
    assert verdict.ok is ok, verdict.reasons
    if words:
        assert any(words in f for f in verdict.failures)


def test_delivered_worker_with_invalid_id_is_refused():
    verdict = is_delivered_worker(WorkerRecord("520101199001011230", date(2022, 1, 1), 3, False))
    assert not verdict.ok and "invalid resident ID" in verdict.reasons[0]
