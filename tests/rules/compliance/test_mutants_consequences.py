"""Consequences of scores, pinned (issue #18, survivors of rules.compliance.consequences).

seed 002 服务内容 4.监督考核: 考核得分低于50分以下的将不支付该期的服务费用，并限服务方一个月内整改完毕，整改不通过的，
采购人有权单方解除合同. seed 001 金东人社〔2021〕14号 第七条 (60分（含）以上为合格) and 第八条（三）: 连续两个年度评估不合格的，
由区人社局取消劳务协作工作站资格并予以公布，被取消的劳务协作工作站2年内不得重新申报.
"""
import os
import time

import pytest

from rules.compliance import InvalidFacts, evaluate

RECTIFY = "consequences.rectification_notice"
TERMINATE = "consequences.termination_proposed"
CANCEL = "consequences.qualification_cancelled"


def _px(as_of: str, *rows: dict) -> dict:
    """凭祥 lot 1 (seed 002) with these period scores; no contract dates, so no reporting calendar."""
    return {"as_of": as_of, "contract": {"id": "PX-1", "scheme": "pingxiang-2024-lot1"}, "operator": {"id": "OP-1"},
            "period_scores": list(rows)}


def _score(**changes) -> dict:
    row = {"id": "ps1", "period": "2024-P1", "score": "49.99", "assessed_on": "2024-06-10"}
    row.update(changes)
    return {k: v for k, v in row.items() if v is not None}


def _jd(*rows: dict, as_of: str = "2025-01-31T00:00:00+08:00") -> dict:
    """金东 (seed 001) with these annual evaluations."""
    return {"as_of": as_of, "contract": {"id": "JD-1", "scheme": "jindong-2021", "starts_on": "2024-01-01",
                                         "ends_on": "2024-12-31"},
            "operator": {"id": "OP-1"}, "period_scores": list(rows)}


def _year(period: str, score: str, vetoed: bool = False, station: str | None = None, **more) -> dict:
    row = {"id": f"y{period}{station or ''}", "period": period, "score": score, "vetoed": vetoed, **more}
    if station is not None:
        row["station"] = station
    return row


@pytest.fixture
def machine_in_utc():
    """The machine's own time zone set to UTC for the test (the rules must not depend on it)."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


# --- seed 002: the score below 50 ------------------------------------------------------------------------------

@pytest.mark.parametrize("score,shown", [("-5.5", "-5.50"), ("-0.5", "-0.50"), ("-0.05", "-0.05"), ("0", "0.00"),
                                         ("7.1", "7.10")])
def test_a_score_below_zero_is_shown_with_its_minus_sign_and_two_decimals(score, shown):
    """seed 002: a period score below 50 — even below 0 — is written as the sheet writes it: -5.50, not -6.50."""
    [finding] = evaluate(_px("2024-06-20T09:00:00+08:00", _score(score=score)))
    assert finding.rule_id == RECTIFY
    assert finding.evidence["score"] == shown
    assert finding.message_en == f"Period 2024-P1 scored {shown}, below 50: no payment for the period; rectify by 10 Jul 2024"
    assert finding.message_zh == f"2024-P1考核得分{shown}分，低于50分：不支付该期服务费，限于2024年7月10日前整改完毕"


def test_a_score_not_assessed_yet_does_not_hide_the_periods_after_it():
    """A period assessed after as_of is not there yet, and the periods listed after it are judged all the same."""
    found = evaluate(_px("2024-06-20T09:00:00+08:00",
                         _score(id="later", period="2024-P2", assessed_on="2024-08-01"),
                         _score(id="ps1", score="40")))
    assert [(f.rule_id, f.subject["period"], f.evidence["score"]) for f in found] == [(RECTIFY, "2024-P1", "40.00")]


def test_the_day_of_as_of_is_shanghais_whatever_the_machines_time_zone(machine_in_utc):
    """DOMAIN.md §6.3: every day is a Shanghai day. As of 16:30 UTC on 9 June (00:30 on 10 June in Shanghai) a score
    assessed on 10 June is there; as of 15:59 UTC (23:59 on 9 June in Shanghai) it is not yet."""
    [finding] = evaluate(_px("2024-06-09T16:30:00Z", _score()))
    assert finding.rule_id == RECTIFY and finding.evidence["assessed_on"] == "2024-06-10"
    assert evaluate(_px("2024-06-09T15:59:00Z", _score())) == []


def test_a_rectification_accepted_on_the_as_of_day_has_happened_and_is_late():
    """seed 002 整改不通过的，采购人有权单方解除合同: due 10 July; accepted on 11 July and evaluated later that day, the
    rectification is seen (on 11 July), late, so termination is proposed naming the day it was accepted."""
    found = evaluate(_px("2024-07-11T10:00:00+08:00", _score(rectification_passed_on="2024-07-11")))
    assert [f.rule_id for f in found] == [RECTIFY, TERMINATE]
    terminate = found[1]
    assert terminate.evidence == {"period_score": "ps1", "period": "2024-P1", "score": "49.99",
                                  "assessed_on": "2024-06-10", "rectification_due": "2024-07-10",
                                  "rectification_passed_on": "2024-07-11"}
    assert terminate.penalty.due.isoformat() == "2024-07-10"


@pytest.mark.parametrize("row,message", [
    (_score(period=None), "period_scores[ps1]: period is required"),
    (_score(score=None), "period_scores[ps1]: score is required"),
    (_score(score="forty"), "period_scores[ps1].score: 'forty' is not a number"),
    (_score(vetoed="no"), "period_scores[ps1]: vetoed must be true or false, got 'no'"),
    (_score(assessed_on=None), "period_scores[ps1]: assessed_on is required"),
    (_score(assessed_on="10/06/2024"), "period_scores[ps1].assessed_on: '10/06/2024' is not a date (YYYY-MM-DD)"),
    (_score(rectification_passed_on="soon"),
     "period_scores[ps1].rectification_passed_on: 'soon' is not a date (YYYY-MM-DD)"),
])
def test_a_bad_period_score_is_refused_naming_the_row_and_the_field(row, message):
    """Malformed input is refused before any rule runs, naming the row (period_scores[<id>]) and the field."""
    with pytest.raises(InvalidFacts) as refused:
        evaluate(_px("2024-07-20T10:00:00+08:00", row))
    assert str(refused.value) == message


# --- seed 001: two failing years -------------------------------------------------------------------------------

def test_two_failing_years_of_one_station_cancel_that_stations_qualification():
    """seed 001 第八条（三）: the cancellation names the contract and the station, with a 2-year ban; a vetoed year fails
    (附件3 一票否决) and 59.99 is below 60 (第七条)."""
    [finding] = evaluate(_jd(_year("2023", "59.99", station="ST-A"), _year("2024", "40", vetoed=True, station="ST-A")))
    assert finding.to_dict() == {
        "rule_id": CANCEL,
        "kind": "consequence",
        "scheme": "jindong-2021",
        "scheme_item": "extra/qualification",
        "scheme_fact": "",
        "clause": "金东人社〔2021〕14号《金东区省外劳务协作工作站设立与管理办法（试行）》第八条（三）",
        "subject": {"contract": "JD-1", "station": "ST-A"},
        "evidence": {"period_scores": ["y2023ST-A", "y2024ST-A"], "scores": ["59.99", "40.00"],
                     "vetoed": [False, True], "years": [2023, 2024]},
        "penalty": {"points": None, "per_occurrence": True, "consequence": "cancel_qualification", "ban_years": 2,
                    "due": None},
        "severity": "serious",
        "notify_bureau": True,
        "message_zh": "2023、2024连续两个年度评估不合格，取消劳务协作工作站资格，2年内不得重新申报",
        "message_en": "Failed the annual evaluation in 2023 and 2024: qualification cancelled, no re-application for 2 years",
        "dedup_key": "consequences.qualification_cancelled|contract=JD-1|station=ST-A|2023|2024",
    }


def test_failing_years_of_two_different_stations_do_not_add_up():
    """seed 001 第八条（三） cancels a 劳务协作工作站's qualification: station A failing 2023 and station B failing 2024
    are not two consecutive failing years of one station."""
    assert evaluate(_jd(_year("2023", "50", station="ST-A"), _year("2024", "50", station="ST-B"),
                        _year("2024", "90", station="ST-A"), _year("2023", "90", station="ST-B"))) == []
    [finding] = evaluate(_jd(_year("2023", "50", station="ST-A"), _year("2024", "50", station="ST-A"),
                             _year("2024", "50", station="ST-B")))
    assert finding.subject == {"contract": "JD-1", "station": "ST-A"}


@pytest.mark.parametrize("years,cancelled", [
    ([("2023", "59.99", False), ("2024", "60.00", False)], False),  # 60 (含) passes
    ([("2023", "60", False), ("2024", "59.99", False)], False),
    ([("2023", "59.99", False), ("2024", "59.99", False)], True),
    ([("2023", "85", True), ("2024", "90", True)], True),  # vetoed years fail whatever the score
    ([("2023", "85", True), ("2024", "55", False)], True),
    ([("2023", "80", False), ("2024", "80", False)], False),  # two passing years
    ([("2023", "80", False), ("2024", "100", True)], False),
])
def test_a_year_fails_below_60_or_when_vetoed(years, cancelled):
    """seed 001 第七条: 60分（含）以上为合格; 附件3 一票否决: a vetoed year is 不合格 whatever its score."""
    found = evaluate(_jd(*[_year(p, s, vetoed=v) for p, s, v in years]))
    assert [f.rule_id for f in found] == ([CANCEL] if cancelled else [])


@pytest.mark.parametrize("period", ["2023-1", "23", "abcd", "20234", "Y202", "202²", "２０２３", "٢٠٢٣"])
def test_an_annual_evaluation_whose_period_is_not_a_year_is_refused(period):
    """seed 001 evaluates a station once a year: its period must be four digits (YYYY), ASCII digits only (a
    superscript "²" used to pass the check and fail in int() with Python's own words; full-width digits were read
    as a year)."""
    with pytest.raises(InvalidFacts) as refused:
        evaluate(_jd({"id": "y1", "period": period, "score": "50"}))
    assert str(refused.value) == f"period_scores[y1]: the annual evaluation's period must be a year (YYYY), got {period!r}"
