"""In real Chromium (seed 001 第五条): an operator applies with a roster file, the centre passes the first
review, the bureau approves, and the station exists with its one-off setup subsidy."""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.portal.applications.roster_builders import roster_xlsx

pytestmark = pytest.mark.browser


def _login(page, base, username):
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("[data-testid=login]")
    page.locator("[data-testid=application-links]").wait_for()


def _logout(page):
    page.click("[data-testid=logout]")
    page.locator("#username").wait_for()


def test_application_first_review_approval_and_the_station_exists(live_server, page, world):
    _login(page, live_server, "t1-operator")
    page.click("[data-testid=application-links] >> text=申请设立工作站")
    page.select_option("#bureau_id", str(world[1]["bureau"].id))
    page.fill("#station_name", "金东—黔西劳务协作工作站")
    page.fill("#cooperation_region", "贵州省毕节市黔西市")
    page.fill("#applicant_head", "王经理")
    page.fill("#applicant_phone", "13812345678")
    page.fill("#partner_name", "黔西市公共就业服务中心")
    page.fill("#partner_head", "李主任")
    page.fill("#partner_phone", "13912345678")
    page.fill("#address", "金东区多湖街道某路8号")
    page.fill("#remote_office", "黔西市锦星镇某路2号")
    page.fill("#liaison_person", "张专员")
    page.fill("#required_staff", "3")
    page.fill("#agreement", "2024年1月与黔西市人社局签订劳务协作协议")
    page.fill("#term_until", "2030-12-31")
    page.check("input[name=materials][value=business_licence]")
    page.check("#commitment")
    page.click("[data-testid=save-application]")
    page.locator("[data-testid=state][data-state=draft]").wait_for()

    page.set_input_files("#file", files=[{"name": "累计输送劳动力名册.xlsx", "buffer": roster_xlsx(50),
                                           "mimeType": "application/octet-stream"}])
    page.click("[data-testid=upload-roster]")
    page.locator("[data-testid=roster][data-roster-state=accepted]").wait_for()
    assert page.locator("[data-testid=roster-count]").inner_text() == "50"
    page.click("[data-testid=submit-application]")
    page.locator("[data-testid=state][data-state=submitted]").wait_for()
    url = page.url
    _logout(page)

    _login(page, live_server, "t1-reviewer")
    page.goto(f"{live_server}/applications")
    page.click("[data-testid=filter-submitted]")  # htmx swaps the table in place
    page.locator("[data-testid=applications] tr[data-state=submitted]").wait_for()
    page.click("[data-testid=applications] >> text=金东—黔西劳务协作工作站")
    assert "50" in page.locator("[data-testid=roster-count]").inner_text()
    page.check("input[name=outcome][value=pass]")
    page.fill("#reason", "材料齐全，名册核实50人")
    page.click("[data-testid=review]")
    page.locator("[data-testid=state][data-state=first_review_passed]").wait_for()
    _logout(page)

    _login(page, live_server, "t1-approver")
    page.goto(url)
    assert "工人000" not in page.locator("[data-testid=roster-rows]").inner_text()  # masked for the approver
    page.check("input[name=outcome][value=approve]")
    page.fill("#reason", "同意设立")
    page.click("[data-testid=decide]")
    page.locator("[data-testid=state][data-state=approved]").wait_for()
    page.click("[data-testid=station-created] a")
    assert "10000.00" in page.locator("[data-testid=subsidies]").inner_text()

    page.goto(f"{live_server}/stations")
    assert "金东—黔西劳务协作工作站" in page.locator("[data-testid=stations]").inner_text()
    page.goto(f"{live_server}/station-qualifications")
    row = page.locator("[data-testid=station-qualifications] tr", has_text="金东—黔西劳务协作工作站")
    assert "10000.00" in row.inner_text()
