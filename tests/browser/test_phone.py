"""The operator's pages on a phone (issue #12 §8): at 390×844 the header is compact, tables scroll inside their
own box or become cards, and no page scrolls sideways."""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def operator_pages(contract_id: int) -> list[str]:
    return ["/", f"/contracts/{contract_id}", f"/contracts/{contract_id}/calendar",
            f"/contracts/{contract_id}/violations", f"/contracts/{contract_id}/score?cycle=stage_1",
            f"/contracts/{contract_id}/score?cycle=stage_2", f"/contracts/{contract_id}/attendance",
            f"/contracts/{contract_id}/events", f"/contracts/{contract_id}/findings",
            f"/contracts/{contract_id}/payments", "/notifications", "/contracts", "/stations", "/publications"]


@pytest.fixture
def phone(browser):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=PHONE,
                                  device_scale_factor=1, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def overflow(page) -> int:
    """How far the page reaches beyond the screen's width (0: it does not scroll sideways)."""
    return page.evaluate("() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
                         " - window.innerWidth")


def test_no_operator_page_scrolls_sideways_on_a_phone(live_server, phone, world):
    page = phone
    page.goto(f"{live_server}/login")
    assert overflow(page) <= 0
    page.fill("#username", "t1-operator")
    page.fill("#password", PASSWORD)
    page.click("[data-testid=login]")
    page.locator("[data-testid=who]").wait_for()
    header = page.locator("header.topbar").bounding_box()
    assert header["height"] <= 120, f"the header takes {header['height']} px of 844"
    wide = {}
    for path in operator_pages(world[1]["contract"].id):
        response = page.goto(f"{live_server}{path}")
        assert response.status == 200, path
        if overflow(page) > 0:
            wide[path] = overflow(page)
        # a status pill or a column heading never wraps letter by letter (a table scrolls in its box instead)
        for cell in page.locator(".badge, .st, table th").all()[:40]:
            box = cell.bounding_box()
            if box:
                assert box["height"] < 48, (path, cell.inner_text(), box["height"])
    assert wide == {}, f"pages wider than the phone (px beyond 390): {wide}"
