"""The lock's reason where no reader is known, and a lock whose approval record is missing (issue #18: survivors of
the guards' mutation run in `portal.cycles.services.lock_reason`, and the `decimal` filter's refusal of a float).

Issue #6 §4 (DHIS2's "approval locks data", DOMAIN.md §4): once a cycle is approved its data is locked, and every
refusal says why — which cycle, from when to when, approved on which day in Beijing time. Outside a request (the
task queue's consumer, a command) there is no reader's language, so the reason is written in both languages with
the days as the database holds them; the day of approval is Beijing's, not the server's (the test runs the server
in a zone whose date differs from Beijing's at that moment). Money is Decimal, never float (the brief): the `decimal` filter
refuses a float by name.
"""
from __future__ import annotations

import time
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from portal.cycles.models import SheetApproval
from portal.cycles.services import lock_reason
from portal.filters import decimal
from tests.portal.sheets import STAGE_1
from tests.portal.test_guards import _approve

CYCLE = "第一阶段验收（合同签订5个月后）"


@pytest.fixture
def server_zone_other_than_beijings_day(monkeypatch):
    """Run the server in a time zone whose date differs from Beijing's at the moment given (so a day taken in the
    server's zone cannot pass for Beijing's)."""
    def set_for(moment: datetime) -> None:
        beijing_hour = moment.astimezone(ZoneInfo("Asia/Shanghai")).hour
        monkeypatch.setenv("TZ", "Etc/GMT+12" if beijing_hour < 20 else "Etc/GMT-14")  # UTC-12 / UTC+14
        time.tzset()

    yield set_for
    monkeypatch.undo()
    time.tzset()


def test_outside_a_request_the_reason_is_in_both_languages_with_beijings_day_of_approval(
        app, db, world, server_zone_other_than_beijings_day):
    _approve(app, db, world)
    approved_at = db.exec(select(SheetApproval).where(SheetApproval.cycle_id == STAGE_1)).one().approved_at
    server_zone_other_than_beijings_day(approved_at)
    beijing = approved_at.astimezone(ZoneInfo("Asia/Shanghai")).date()
    assert approved_at.astimezone().date() != beijing
    contract_id = world[1]["contract"].id
    with app.app_context():
        assert lock_reason(contract_id, date(2024, 5, 1)) == (
            f"{CYCLE}（2024-03-01至2024-07-31）的考核已于{beijing:%Y-%m-%d}审批通过，该周期数据已锁定，不能再修改；"
            "如需更正，请联系局方审批人重新开启考核。 / The assessment of this cycle (2024-03-01 to 2024-07-31) was "
            f"approved on {beijing:%Y-%m-%d}; its data is locked. Ask the bureau's approver to reopen the assessment "
            "to correct it.")
        assert lock_reason(contract_id, date(2024, 8, 1)) is None
    with app.test_request_context():
        assert lock_reason(contract_id, date(2024, 5, 1)) == (
            f"{CYCLE}（2024年3月1日至2024年7月31日）的考核已于{beijing.year}年{beijing.month}月{beijing.day}日审批通过，"
            "该周期数据已锁定，不能再修改；如需更正，请联系局方审批人重新开启考核。")


def test_the_decimal_filter_refuses_a_float_by_name_and_takes_everything_else_exactly():
    with pytest.raises(TypeError) as refused:
        decimal(0.1)
    assert str(refused.value) == "float where a Decimal is required"
    assert decimal(Decimal("0.10")) == Decimal("0.10") and str(decimal(Decimal("0.10"))) == "0.10"
    assert decimal(3) == Decimal(3) and decimal("1000.25") == Decimal("1000.25")
