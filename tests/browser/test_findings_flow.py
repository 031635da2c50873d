"""In real Chromium: a reviewer records a spot check, sees what the chosen fact costs, and the projected
score sheet line changes and links back to the finding."""
from __future__ import annotations

from decimal import Decimal

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

LINE = "[data-path='waiting_service/attendance_uniform']"


def test_a_recorded_spot_check_changes_the_score_sheet_line(live_server, page, world):
    """seed 002 项目质量标准表 1 按时在岗、穿工作服（3分）: 每月抽查一周…每人次扣0.1分."""
    contract = world[1]["contract"]
    page.goto(f"{live_server}/login")
    page.fill("#username", "t1-reviewer")
    page.fill("#password", PASSWORD)
    page.click("[data-testid=login]")
    page.locator("[data-testid=contracts]").wait_for()

    page.goto(f"{live_server}/contracts/{contract.id}/score?cycle=stage_1")
    assert "missing" in page.locator(LINE).get_attribute("class")  # attendance not yet checked

    page.goto(f"{live_server}/contracts/{contract.id}")
    page.click("[data-testid=findings-link]")
    page.click("[data-testid=record-finding]")
    page.select_option("#finding_kind", "spot_check")
    page.fill("#found_on", "2024-06-12")
    page.fill("#description", "抽查6月第二周考勤与着装：考勤正常，2人未穿工作服")
    page.fill("#people", "检查员甲、检查员乙")
    page.select_option("#effects-0-fact_key", "attendance_anomaly_person_times")
    page.locator("#rule-0 [data-testid=cost]").wait_for()  # htmx brought the clause and the cost
    assert "每人次扣0.1分" in page.locator("#rule-0").inner_text()
    page.fill("#effects-0-value", "0")
    page.fill("#effects-0-reason", "抽查一周考勤正常")
    page.select_option("#effects-1-fact_key", "no_uniform_person_times")
    page.fill("#effects-1-value", "2")
    page.fill("#effects-1-reason", "2人未穿工作服")
    page.click("[data-testid=save-finding]")
    page.locator("[data-testid=finding-status]").wait_for()
    assert "2人未穿工作服" in page.locator("[data-testid=effects]").inner_text()

    page.goto(f"{live_server}/contracts/{contract.id}/score?cycle=stage_1")
    line = page.locator(LINE)
    assert "missing" not in line.get_attribute("class")
    assert Decimal(line.locator("td.num").nth(1).inner_text()) == Decimal("2.7")  # 3 − (0 + 1 + 2) × 0.1
    line.locator("[data-testid=finding-link]").last.click()
    assert "抽查6月第二周" in page.locator("[data-testid=description]").inner_text()
