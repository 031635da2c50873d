"""金东 (seed 001): the verdicts beyond one year's sheet say every reason, word for word (STYLE.md: "every line
explained"; the portal shows these reasons to the bureau and the operator as they are).

The numbers are written out here: 520101199001011233 is a Guizhou man born 1 January 1990, 330101197203011245
a Zhejiang woman born 1 March 1972 (GB 11643: 17th character odd = male, even = female).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from rules.schemes import load_scheme
from rules.scoring.jindong import (StationYear, WorkerRecord, excellent_station, is_delivered_worker,
                                   qualification_cancelled, reapplication_allowed_from)

GUIZHOU_MAN = "520101199001011233"
ZHEJIANG_WOMAN = "330101197203011245"


@pytest.fixture(scope="module")
def scheme():
    return load_scheme("jindong-2021")


def test_the_ids_written_out_here_are_valid():
    from rules.identifiers import parse_resident_id

    assert parse_resident_id(GUIZHOU_MAN).sex == "M" and parse_resident_id(ZHEJIANG_WOMAN).sex == "F"


def test_a_delivered_worker_is_explained_condition_by_condition():
    """第一条: 在金东参加社会保险且连续缴纳2个月以上的法定劳动年龄段省外户籍务工人员，不含劳务派遣人员。"""
    verdict = is_delivered_worker(WorkerRecord(GUIZHOU_MAN, date(2022, 3, 1), 2, False))
    assert verdict.ok and verdict.failures == ()
    assert verdict.reasons == (
        "✓ 省外户籍: province 52 (贵州)",
        "✓ 法定劳动年龄: 32 at hire (male, 16 to 60)",
        "✓ 在金东连续缴纳社保2个月以上: 2 month(s)",
        "✓ 不含劳务派遣人员: not dispatched",
    )


def test_a_worker_failing_every_condition_is_told_each_one():
    """第一条 and DOMAIN.md §6.7 (women retire at 50): a Zhejiang woman of 50, insured one month, dispatched."""
    verdict = is_delivered_worker(WorkerRecord(ZHEJIANG_WOMAN, date(2022, 3, 1), 1, True))
    assert not verdict.ok
    assert verdict.reasons == (
        "✗ 省外户籍: province 33 (浙江)",
        "✗ 法定劳动年龄: 50 at hire (female, 16 to 50)",
        "✗ 在金东连续缴纳社保2个月以上: 1 month(s)",
        "✗ 不含劳务派遣人员: dispatched",
    )
    assert verdict.failures == tuple(r[2:] for r in verdict.reasons)
    assert verdict.explanation == "; ".join(verdict.reasons)


def test_an_invalid_id_is_the_one_reason():
    verdict = is_delivered_worker(WorkerRecord("520101199001011234", date(2022, 1, 1), 3, False))
    message = "身份证号校验码错误（末位应为3） / resident ID check character is wrong (expected 3)"
    assert (verdict.ok, verdict.reasons, verdict.failures) == (False, (f"✗ invalid resident ID: {message}",),
                                                              (message,))


def test_cancellation_names_the_two_failing_years_and_the_ban(scheme):
    """第八条（三）: 连续两个年度评估不合格的……被取消的劳务协作工作站2年内不得重新申报."""
    verdict = qualification_cancelled(scheme, [(2023, False), (2021, True), (2022, False), (2024, False)])
    assert verdict.ok
    assert verdict.reasons == ("连续2个年度评估不合格 (2022、2023): qualification cancelled; "
                               "no re-application for 2 years (第八条)",)


@pytest.mark.parametrize("results", [
    [(2021, False), (2023, False)],  # not consecutive calendar years
    [(2021, False), (2022, True), (2023, False)],
    [],
])
def test_no_cancellation_says_so(scheme, results):
    verdict = qualification_cancelled(scheme, results)
    assert (verdict.ok, verdict.reasons) == (False, ("no 2 consecutive failing years",))


@pytest.mark.parametrize("cancelled_on, allowed_from", [
    (date(2024, 5, 10), date(2026, 5, 11)),
    (date(2024, 2, 29), date(2026, 3, 1)),  # no 29 February in 2026: the period ends on the 28th
    (date(2023, 12, 31), date(2026, 1, 1)),
])
def test_reapplication_opens_the_day_after_the_two_year_ban(scheme, cancelled_on, allowed_from):
    """第八条: 被取消的劳务协作工作站2年内不得重新申报; 《民法典》第二百零一条、第二百零二条 count the years."""
    assert reapplication_allowed_from(scheme, cancelled_on) == allowed_from


def test_the_excellent_station_test_is_explained_year_by_year(scheme):
    """第十条: （一）2年以上、每年不低于80分；（二）每年300人以上，技术技能人才不低于10%；（三）留用率不低于60%；（四）台账完备."""
    verdict = excellent_station(scheme, [
        {"year": 2022, "score": "80", "delivered": 0, "skilled": 0, "retained_6_months": 0, "ledgers_complete": False},
        StationYear(2021, Decimal("91.5"), 300, 30, 180, True),
    ])
    assert verdict.reasons == (
        "✓ （一）承担劳务协作工作2年以上: 2 evaluated year(s), need ≥ 2",
        "✓ 2021（一）每年评估得分不低于80分: 91.50",
        "✓ 2021（二）输送劳动力300人以上: 300",
        "✓ 2021（二）技术技能人才占比不低于10%: 30 ÷ 300 = 10%",
        "✓ 2021（三）6个月后留用率不低于60%: 180 ÷ 300 = 60%",
        "✓ 2021（四）劳务协作工作台账完备: yes",
        "✓ 2022（一）每年评估得分不低于80分: 80.00",
        "✗ 2022（二）输送劳动力300人以上: 0",
        "✗ 2022（二）技术技能人才占比不低于10%: 0 ÷ 0 = 0%",
        "✗ 2022（三）6个月后留用率不低于60%: 0 ÷ 0 = 0%",
        "✗ 2022（四）劳务协作工作台账完备: no",
    )
    assert not verdict.ok and len(verdict.failures) == 4


def test_a_station_year_refuses_an_inexact_score():
    """DOMAIN.md §6.1: scores are exact decimals; the message names the field."""
    with pytest.raises(TypeError, match="^score: floats are not accepted"):
        StationYear.from_mapping({"year": 2021, "score": 85.5, "delivered": 300, "skilled": 30,
                                  "retained_6_months": 180, "ledgers_complete": True})
