"""In real Chromium (issue #6): a cycle assessed by the reviewer, approved and locked by the approver; the
operator's report for a month of that cycle is refused with the lock's reason; the approver downloads the
approved score sheet as PDF, which opens and carries the total."""
from __future__ import annotations

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlmodel import select

from portal.cycles.models import SheetApproval
from tests.conftest import PASSWORD, login
from tests.portal.test_payments import STAGE_1, _fill

pytestmark = pytest.mark.browser


def _login(page, base, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("[data-testid=login]")
    page.locator("[data-testid=who]").wait_for()


def _logout(page) -> None:
    page.click("[data-testid=logout]")
    page.locator("#username").wait_for()


def test_a_cycle_is_assessed_approved_locked_and_exported_to_pdf(app, live_server, page, world, db, tmp_path):
    contract_id = world[1]["contract"].id
    sheet_url = f"{live_server}/contracts/{contract_id}/cycles/{STAGE_1}/assessment"
    # Setup through HTTP: the reviewer enters every fact the data does not give (seed 002 examples).
    client = app.test_client()
    _fill(app, client, login(client, "t1-reviewer"), db, world)

    # The reviewer makes the last entry in the browser — a spot-check finding with its reason, typed into the
    # sheet's form where the fact is — and submits after the confirmation step.
    _login(page, live_server, "t1-reviewer")
    page.goto(sheet_url)
    page.fill("#fact-equipment_findings-value", "2")
    page.fill("#fact-equipment_findings-reason", "抽查发现2台自助设备故障")  # seed 002 考评办法3: 每项扣0.5分
    page.press("#fact-equipment_findings-reason", "Enter")
    page.locator("#fact-equipment_findings [data-testid=fact-saved]", has_text="抽查发现2台自助设备故障").wait_for()
    # The fact form posts on change and on submit (Enter sends both); the click on "submit" waits behind them
    # (hx-sync) and is not dropped when their answers swap the figures (test_sheet_form: ..._in_flight_...).
    page.click("[data-testid=submit-sheet]")
    page.click("[data-testid=confirm-submit]")
    page.locator("[data-testid=sheet-state]", has_text="待审批").wait_for()
    _logout(page)

    # The approver approves after the confirmation step: the sheet is frozen and the cycle locked.
    _login(page, live_server, "t1-approver")
    page.goto(sheet_url)
    page.click("[data-testid=approve-sheet]")
    page.fill("#note", "同意")
    page.click("[data-testid=confirm-approve]")
    page.locator("[data-testid=sheet-state]", has_text="已审批").wait_for()
    _logout(page)
    approval = db.exec(select(SheetApproval).where(SheetApproval.contract_id == contract_id)
                       .order_by(SheetApproval.id.desc())).first()
    assert approval.cycle_id == STAGE_1 and approval.facts["equipment_findings"] == 2

    # The operator tries to report May 2024 (inside the locked cycle) and is told why it cannot.
    _login(page, live_server, "t1-operator")
    page.goto(f"{live_server}/contracts/{contract_id}/calendar")
    page.click("[data-key='monthly_plan_summary:2024-05'] a")
    refusal = page.locator("[data-testid=refusal]")
    refusal.wait_for()
    assert "考核已于" in refusal.inner_text() and "数据已锁定" in refusal.inner_text()
    assert page.locator("[data-testid=submit-report]").count() == 0
    _logout(page)

    # The approver opens the approved sheet from the contract page and downloads it as PDF.
    _login(page, live_server, "t1-approver")
    page.goto(f"{live_server}/contracts/{contract_id}")
    page.click(f"[data-testid=approval-link-{STAGE_1}]")
    shown = page.locator("[data-testid=total] b").inner_text()
    assert Decimal(shown) == approval.total
    with page.expect_download() as download:
        page.click("[data-testid=export-pdf]")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.suffix == ".pdf"
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert shown in text and "考核评分表" in text and "抽查发现2台自助设备故障" in text.replace("\n", "")
