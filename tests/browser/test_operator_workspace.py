"""In real Chromium: an operator submits a monthly report and watches the calendar turn from due to
submitted; uploads a ledger with errors, sees the row errors, fixes the file, uploads again, sees the rows."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.contracts.models import Contract
from tests.conftest import PASSWORD, add_contract
from tests.portal.ledgers.ledger_builders import ID_M, good_row, xlsx

pytestmark = pytest.mark.browser


def _running_contract(db, world, scheme_id: str) -> Contract:
    """A contract running today, whatever day the suite runs."""
    today = date.today()
    return add_contract(db, world, scheme_id=scheme_id, starts_on=today.replace(day=1) - timedelta(days=60),
                        ends_on=today + timedelta(days=300), number=f"NOW-{scheme_id}")


def _login(page, base):
    page.goto(f"{base}/login")
    page.fill("#username", "t1-operator")
    page.fill("#password", PASSWORD)
    page.click("[data-testid=login]")
    page.locator("[data-testid=contracts]").wait_for()


def test_operator_submits_a_monthly_report_and_the_calendar_turns_to_submitted(live_server, page, world, db):
    contract = _running_contract(db, world, "pingxiang-2024-lot1")
    nxt = (date.today().replace(day=1) + timedelta(days=32)).replace(day=1)
    cell = f"[data-key='monthly_plan_summary:{nxt:%Y-%m}']"
    _login(page, live_server)
    page.goto(f"{live_server}/contracts/{contract.id}/calendar")
    assert page.locator(cell).get_attribute("data-status") in ("upcoming", "due_soon")

    page.click(f"{cell} a")
    page.fill("#fact_referrals_to_park_employers", "12")
    page.fill("#fact_own_recruitment_events", "1")
    page.fill("#fact_campus_fairs_attended", "0")
    page.fill("#fact_policy_events_assisted", "0")
    page.fill("#narrative", "走访园区企业8家，推荐求职者12人。")
    page.click("[data-testid=submit-report]")
    page.locator("[data-testid=versions]").wait_for()
    assert "v1" in page.locator("[data-testid=versions]").inner_text()

    page.goto(f"{live_server}/contracts/{contract.id}/calendar")
    assert page.locator(cell).get_attribute("data-status") == "submitted_on_time"


def test_operator_fixes_a_ledger_after_seeing_its_row_errors(live_server, page, world, db):
    contract = _running_contract(db, world, "qianxi-2022")
    _login(page, live_server)
    page.goto(f"{live_server}/contracts/{contract.id}/ledgers")

    bad = xlsx([good_row(), good_row(身份证号=ID_M[:-1] + "0", 姓名="李四")])
    page.select_option("#ledger_type", "delivered_workers")
    page.set_input_files("#file", files=[{"name": "输送劳动力台账.xlsx", "buffer": bad,
                                           "mimeType": "application/octet-stream"}])
    page.click("[data-testid=upload]")
    page.locator("[data-testid=upload-status][data-state=rejected]").wait_for()
    errors = page.locator("[data-testid=errors]").inner_text()
    assert "3" in errors and "身份证号" in errors and "校验码" in errors  # row 3 of the sheet, the ID column
    assert "未接收任何数据" in page.locator("[data-testid=summary]").inner_text()

    page.goto(f"{live_server}/contracts/{contract.id}/ledgers")
    good = xlsx([good_row(), good_row(身份证号=ID_M, 姓名="李四", 性别="男")])
    page.select_option("#ledger_type", "delivered_workers")
    page.set_input_files("#file", files=[{"name": "输送劳动力台账.xlsx", "buffer": good,
                                           "mimeType": "application/octet-stream"}])
    page.click("[data-testid=upload]")
    page.locator("[data-testid=upload-status][data-state=accepted]").wait_for()
    rows = page.locator("[data-testid=rows]").inner_text()
    assert "李*" in rows and ID_M not in rows  # names and IDs shown masked
    assert page.locator("[data-testid=rows] tbody tr").count() == 2
