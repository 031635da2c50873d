"""Consequences: seed 002 score below 50 → rectification → termination; seed 001 two failing years."""
import pytest

from rules.compliance import evaluate

RECTIFY = "consequences.rectification_notice"
TERMINATE = "consequences.termination_proposed"
CANCEL = "consequences.qualification_cancelled"


def _px(kit, as_of, **score):
    row = {"id": "ps1", "period": "2024-P1", "score": "49.99", "assessed_on": "2024-06-10"}
    row.update(score)
    facts = kit.facts("pingxiang-2024-lot1", as_of, period_scores=[row])
    # no contract dates: no reporting calendar, so only the consequence rules can find anything
    del facts["contract"]["starts_on"], facts["contract"]["ends_on"]
    return facts


@pytest.mark.parametrize("score,rectify", [("50.00", False), ("50", False), ("49.99", True), ("49.995", False),
                                           ("49.994", True), ("0", True)])
def test_seed002_below_50_rectification_notice_due_in_one_month(kit, score, rectify):
    """seed 002 监督考核: 考核得分低于50分……限服务方一个月内整改完毕 — 50.00 is not below 50 (49.995 rounds to 50.00)."""
    found = evaluate(_px(kit, "2024-06-10T18:00:00+08:00", score=score))
    assert kit.rule_ids(found) == ([RECTIFY] if rectify else [])
    if rectify:
        [f] = found
        assert f.penalty.consequence == "rectification" and f.penalty.due.isoformat() == "2024-07-10"
        assert f.notify_bureau and f.subject == {"contract": "PX-1", "period": "2024-P1"}


def test_seed002_one_month_from_31_january_ends_on_29_february(kit):
    """一个月内: from 31 January the month ends on the last day of February."""
    facts = _px(kit, "2024-02-01T00:00:00+08:00", assessed_on="2024-01-31")
    [f] = evaluate(facts)
    assert f.penalty.due.isoformat() == "2024-02-29"


def test_seed002_not_rectified_by_the_deadline_termination_proposed(kit):
    """seed 002: 整改不通过的，采购人有权单方解除合同 — proposed the instant the deadline day ends."""
    assert kit.rule_ids(evaluate(_px(kit, "2024-07-10T23:59:59+08:00"))) == [RECTIFY]
    found = evaluate(_px(kit, "2024-07-11T00:00:00+08:00"))
    assert kit.rule_ids(found) == [RECTIFY, TERMINATE]
    [t] = kit.only(found, TERMINATE)
    assert t.penalty.consequence == "termination_proposed" and t.notify_bureau


def test_seed002_rectified_on_the_deadline_day_is_in_time(kit):
    """seed 002: a rectification accepted on the due day (or before) stops the termination."""
    assert kit.rule_ids(evaluate(_px(kit, "2024-08-01T00:00:00+08:00", rectification_passed_on="2024-07-10"))) == [RECTIFY]
    found = evaluate(_px(kit, "2024-08-01T00:00:00+08:00", rectification_passed_on="2024-07-11"))
    assert kit.rule_ids(found) == [RECTIFY, TERMINATE]
    assert kit.only(found, TERMINATE)[0].evidence["rectification_passed_on"] == "2024-07-11"


def test_seed002_rectification_accepted_after_as_of_has_not_happened_yet(kit):
    """As of 11 July a rectification accepted on 12 July (late anyway) is not seen."""
    found = evaluate(_px(kit, "2024-07-11T10:00:00+08:00", rectification_passed_on="2024-07-12"))
    assert kit.only(found, TERMINATE)[0].evidence["rectification_passed_on"] is None


def test_seed002_a_score_assessed_after_as_of_is_not_there_yet(kit):
    assert evaluate(_px(kit, "2024-06-09T23:00:00+08:00")) == []


def _jd(kit, *rows, as_of="2025-01-31T00:00:00+08:00"):
    return kit.facts("jindong-2021", as_of, period_scores=[
        {"id": f"y{period}", "period": period, "score": score, "vetoed": vetoed} for period, score, vetoed in rows])


def test_seed001_art8_3_two_consecutive_failing_years_cancel_qualification_with_2_year_ban(kit):
    """seed 001 第八条（三）: 连续两个年度评估不合格 → 取消资格，2年内不得重新申报."""
    [f] = evaluate(_jd(kit, ("2023", "59.99", False), ("2024", "40", False)))
    assert f.rule_id == CANCEL and f.penalty.consequence == "cancel_qualification" and f.penalty.ban_years == 2
    assert f.evidence["years"] == [2023, 2024] and f.evidence["period_scores"] == ["y2023", "y2024"]


@pytest.mark.parametrize("rows", [
    [("2023", "59.99", False), ("2024", "60.00", False)],  # 60 (含) passes (seed 001 第七条)
    [("2022", "50", False), ("2024", "50", False)],  # not consecutive
    [("2022", "50", False), ("2023", "80", False), ("2024", "50", False)],
    [("2024", "10", False)],
])
def test_seed001_art8_3_no_cancellation_without_two_consecutive_failures(kit, rows):
    """seed 001 第七条/第八条（三）: 60 passes; failing years must be consecutive."""
    assert evaluate(_jd(kit, *rows)) == []


def test_seed001_art8_3_a_vetoed_year_fails_whatever_its_score(kit):
    """seed 001 附件3 一票否决，年度评估为不合格: a veto year counts as failing."""
    [f] = evaluate(_jd(kit, ("2023", "85", True), ("2024", "55", False)))
    assert f.rule_id == CANCEL and f.evidence["vetoed"] == [True, False]


def test_seed001_three_failing_years_give_two_findings_with_stable_keys(kit):
    """2022–2024 all failing: (2022, 2023) and (2023, 2024), each with its own dedup key."""
    found = evaluate(_jd(kit, ("2022", "1", False), ("2023", "1", False), ("2024", "1", False)))
    assert [f.evidence["years"] for f in found] == [[2022, 2023], [2023, 2024]]
    assert len({f.dedup_key for f in found}) == 2
