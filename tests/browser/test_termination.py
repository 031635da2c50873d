"""In real Chromium: the reviewer proposes terminating a contract, the approver confirms it, the contract
shows 已终止 and the operator's report form refuses (seed 002: 整改不通过的，采购人有权单方解除合同)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.conftest import PASSWORD, add_contract

pytestmark = pytest.mark.browser


def _login(page, base, username):
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("[data-testid=login]")
    page.locator("[data-testid=contracts]").wait_for()


def _logout(page):
    page.click("[data-testid=logout]")
    page.locator("#username").wait_for()


def test_reviewer_proposes_approver_confirms_and_the_operator_can_no_longer_report(live_server, page, world, db):
    today = date.today()
    contract = add_contract(db, world, scheme_id="pingxiang-2024-lot1", starts_on=today.replace(day=1) - timedelta(days=60),
                            ends_on=today + timedelta(days=300), number="NOW-TERM")
    nxt = (today.replace(day=1) + timedelta(days=32)).replace(day=1)

    _login(page, live_server, "t1-reviewer")
    page.goto(f"{live_server}/contracts/{contract.id}")
    page.click("[data-testid=consequences-link]")
    assert "建设项目采购文件》" in page.input_value("#clause")  # the scheme's own clause is offered
    page.fill("#reason", "整改期满仍不合格，服务站长期无人值守")
    page.click("[data-testid=propose-termination]")
    assert page.locator("[data-testid=proposal-state]").inner_text() == "待审批人确认"
    proposal_url = page.url
    assert page.locator("[data-testid=confirm-termination]").count() == 0  # the reviewer cannot confirm
    _logout(page)

    _login(page, live_server, "t1-approver")
    page.goto(proposal_url)
    page.click("[data-testid=confirm-termination-step]")  # first what it does, then the button that does it
    assert "不能撤销" in page.locator("[data-testid=consequences]").inner_text()
    page.click("[data-testid=confirm-termination]")
    page.locator("[data-testid=contract-number]").wait_for()
    assert page.locator(".badge.status-terminated").inner_text() == "已终止"
    assert "整改期满仍不合格" in page.content()
    _logout(page)

    _login(page, live_server, "t1-operator")
    page.goto(f"{live_server}/contracts/{contract.id}/reports/monthly_plan_summary/{nxt:%Y-%m}")
    refusal = page.locator("[data-testid=refusal]")
    assert "已终止" in refusal.inner_text() and "不再接收报送" in refusal.inner_text()
    assert page.locator("[data-testid=submit-report]").count() == 0
