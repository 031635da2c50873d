"""Screenshots for the README's tour (issue #12): the sheet as a form, the queues, a confirmation step and the
operator's pages on a phone. Re-run with KAOHE_SCREENSHOTS=docs/screenshots to refresh the committed PNGs;
otherwise they go to a temporary directory and the test only checks that every screen renders."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.test_sheet_form import _login, _logout, fill_fact
from tests.conftest import login
from tests.portal.sheets import STAGE_1, _fill, _revision, _url
from rules.schemes import load_scheme

pytestmark = pytest.mark.browser


@pytest.fixture
def shots(tmp_path) -> Path:
    out = Path(os.environ.get("KAOHE_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    return out


def _shot(page, path: Path) -> None:
    page.screenshot(path=str(path))  # the viewport only: small files
    assert path.stat().st_size > 5_000


def test_the_tour_screens(app, live_server, browser, db, world, shots):
    scheme = load_scheme("pingxiang-2024-lot1")
    desktop = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1100, "height": 760})
    page = desktop.new_page()
    page.set_default_timeout(15_000)
    sheet_url = f"{live_server}{_url(world)}"

    _login(page, live_server, "t1-reviewer")
    _shot(page, shots / "queues-reviewer.png")
    page.goto(sheet_url)
    for key in ("village_visit_deductions", "assists_channel_maintenance", "graduate_employment_by_dec_20"):
        fill_fact(page, key, scheme.facts[key])
    page.locator("#fact-village_visit_deductions").scroll_into_view_if_needed()
    page.evaluate("() => window.scrollBy(0, -220)")
    _shot(page, shots / "sheet-form.png")
    _logout(page)

    client = app.test_client()
    token = login(client, "t1-reviewer")
    _fill(app, client, token, db, world)
    assert client.post(_url(world, action="/submit"), data={"revision": _revision(db, world)},
                       headers={"X-CSRFToken": token}).status_code == 302
    _login(page, live_server, "t1-approver")
    _shot(page, shots / "queues-approver.png")
    page.goto(sheet_url)
    page.click("[data-testid=approve-sheet]")
    page.locator("[data-testid=consequences]").wait_for()
    page.locator("[data-testid=confirm]").scroll_into_view_if_needed()
    _shot(page, shots / "confirm-approve.png")
    desktop.close()

    phone = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 390, "height": 844},
                                is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.set_default_timeout(15_000)
    _login(page, live_server, "t1-operator")
    _shot(page, shots / "phone-home.png")
    page.goto(f"{live_server}/contracts/{world[1]['contract'].id}/score?cycle={STAGE_1}")
    _shot(page, shots / "phone-projection.png")
    phone.close()
