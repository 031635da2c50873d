"""In real Chromium: an operator logs in, sees its contract, switches language, logs out."""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_operator_logs_in_sees_its_contract_switches_language_and_logs_out(live_server, page, world):
    page.goto(f"{live_server}/")
    assert page.url.endswith("/login?next=%2F") or "/login" in page.url
    page.fill("#username", "t1-operator")
    page.fill("#password", PASSWORD)
    page.click("[data-testid=login]")

    contracts = page.locator("[data-testid=contracts]")
    contracts.wait_for()
    assert "C-1" in contracts.inner_text()
    assert "C-2" not in page.content(), "another operator's contract never shows"
    assert page.locator("h2", has_text="合同").count() >= 1
    assert page.locator("[data-testid=workspace]").count() == 1, "the operator's workspace shows its running contract"

    page.click("[data-testid=lang-en]")
    page.locator("text=Contracts").first.wait_for()
    assert page.locator("html").get_attribute("lang") == "en"

    page.click("a[href^='/contracts/']")
    assert page.locator("[data-testid=contract-number]").inner_text() == "C-1"
    assert page.locator("[data-testid=contract-value]").inner_text() == "¥1,885,000.00"

    page.click("[data-testid=logout]")
    page.locator("#username").wait_for()
    page.goto(f"{live_server}/contracts")
    assert "/login" in page.url, "after logout the pages need a login again"


def test_htmx_is_the_vendored_2_0_build_and_loads_under_the_csp(live_server, page, world):
    page.goto(f"{live_server}/login")
    page.wait_for_function("window.htmx !== undefined")
    assert page.evaluate("htmx.version").startswith("2.0.")
