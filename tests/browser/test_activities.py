"""In real Chromium: an operator records an event with a photo, sees it listed and downloads it; a bad value
shows its message next to the field before anything is submitted (htmx inline validation); the attendance
grid counts a person's days as the cells change."""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlmodel import func, select

from portal.activities.models import ActivityEvent
from tests.conftest import PASSWORD, WORLD_PNG

pytestmark = pytest.mark.browser


def _login(page, base):
    page.goto(f"{base}/login")
    page.fill("#username", "t1-operator")
    page.fill("#password", PASSWORD)
    page.click("[data-testid=login]")
    page.locator("[data-testid=contracts]").wait_for()


def test_operator_records_an_event_with_a_photo_sees_it_listed_and_downloads_it(live_server, page, world, db):
    contract = world[1]["contract"]
    _login(page, live_server)
    page.goto(f"{live_server}/contracts/{contract.id}")
    page.click("[data-testid=events-link]")
    page.select_option("#event_kind", "live_stream")
    page.fill("#held_on", "2024-06-18")
    page.fill("#place", "凭祥市就业服务中心直播间")
    page.fill("#participants", "86")
    page.fill("#description", "直播带岗，推介岗位120个")
    page.set_input_files("#evidence", files=[{"name": "直播现场.png", "mimeType": "image/png", "buffer": WORLD_PNG}])
    page.click("[data-testid=record-event]")

    page.locator("[data-testid=attachment]").wait_for()
    assert "直播现场.png" in page.locator("[data-testid=attachments]").inner_text()
    with page.expect_download() as info:
        page.click("[data-testid=download-evidence]")
    download = info.value
    assert download.suggested_filename == "直播现场.png"
    assert Path(download.path()).read_bytes() == WORLD_PNG

    page.click("[data-testid=tab-events]")
    expect(page.locator("[data-testid=event]")).to_have_count(2)  # the world's fair and this session; waits for the list
    listing = page.locator("[data-testid=events]").inner_text()
    assert "2024年6月18日" in listing and "直播带岗" in listing and "凭祥市就业服务中心直播间" in listing


def test_a_bad_value_shows_its_message_without_submitting(live_server, page, world, db):
    contract = world[1]["contract"]
    _login(page, live_server)
    url = f"{live_server}/contracts/{contract.id}/events"
    page.goto(url)
    page.fill("#participants", "-3")
    page.press("#participants", "Tab")  # the change event: htmx asks the server about this one field
    message = page.locator("[data-testid=participants-errors] .error")
    message.wait_for()
    assert "参加人数须为0至1000000之间的整数" in message.inner_text()
    page.fill("#held_on", "2023-01-05")
    page.press("#held_on", "Tab")
    page.locator("[data-testid=held_on-errors] .error").wait_for()
    assert "不在合同期限内" in page.locator("[data-testid=held_on-errors]").inner_text()

    page.fill("#participants", "40")
    page.press("#participants", "Tab")
    page.locator("[data-testid=participants-errors] .error").wait_for(state="detached")
    assert page.url == url, "nothing was submitted"
    assert db.exec(select(func.count()).select_from(ActivityEvent)).one() == 2


def test_the_attendance_grid_counts_a_persons_days_as_cells_change(live_server, page, world):
    contract, staff = world[1]["contract"], world[1]["staff"]
    _login(page, live_server)
    page.goto(f"{live_server}/contracts/{contract.id}/attendance/2024-05")
    for day in (1, 2, 3):
        page.select_option(f"#m{staff.id}_{day}", "P")
    page.select_option(f"#m{staff.id}_4", "F")
    check = page.locator(f"[data-testid=row-check-{staff.id}] b")
    expect(check).to_have_text("4")  # polls without eval (the CSP forbids it)
    page.click("[data-testid=save-attendance]")
    page.locator("[data-testid=versions]").wait_for()
    assert "v1" in page.locator("[data-testid=versions]").inner_text()
