"""In real Chromium (issue #7): the approver publishes seed 002's first stage → the public page (no login)
lists the result → the operator objects with an evidence file → the bureau answers → the public page shows the outcome; and the
public active search narrows the list as one types (htmx), without a page load."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tests.portal.test_activities_events import PDF
from tests.portal.test_publication import _approve, _client

pytestmark = pytest.mark.browser


def _login(page, base, username):
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("[data-testid=login]")
    page.locator("[data-testid=who]").wait_for()


def _logout(page):
    page.click("[data-testid=logout]")
    page.locator("#username").wait_for()


def test_publish_object_answer_and_the_public_page_shows_the_outcome(live_server, page, browser, app, db, world):
    _approve(app, db, world[1]["contract"].id, _client(app, "t1-reviewer"), _client(app, "t1-approver"))

    # The approver publishes with the default notice period of 5 working days.
    _login(page, live_server, "t1-approver")
    page.goto(f"{live_server}/publications")
    page.click("[data-testid='publish-pingxiang-2024-lot1-stage_1']")
    page.wait_for_load_state()  # the next button is htmx's alone (type=button): a click before htmx has run does nothing
    assert page.input_value("#notice_days") == "5"
    page.click("[data-testid=publish-step]")  # first what publishing does, then the button that does it
    assert "异议截止日期" in page.locator("[data-testid=consequences]").inner_text()
    page.click("[data-testid=publish]")
    deadline = page.locator("[data-testid=deadline]").inner_text()
    publication_url = page.url
    public_url = live_server + page.locator("[data-testid=public-page]").get_attribute("href")
    _logout(page)

    # The public, in a browser that never logged in, sees the result listed.
    public = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai").new_page()
    public.goto(public_url)
    row = public.locator("[data-testid=result-row][data-operator='测试运营单位1']")
    assert row.count() == 1
    assert "合格" in row.inner_text() and deadline in row.inner_text()
    assert row.locator("[data-testid=objection-status]").inner_text() == "无异议"
    assert public.locator("[data-testid=histogram]").count() == 1  # the chart is in the page, no script needed
    assert "/login" not in public.url and public.locator("[data-testid=logout]").count() == 0

    # The operator objects to one line, with its evidence: a description and the notice as a PDF file.
    _login(page, live_server, "t1-operator")
    page.goto(publication_url)
    form = page.locator("[data-testid=objection-form]")
    form.locator("select[name=target]").select_option(index=4)
    form.locator("textarea[name=text]").fill("5月抽查时服务大厅闭馆装修，不应扣分。")
    form.locator("textarea[name=evidence]").fill("闭馆公告（2024年5月）")
    form.locator("input[name=evidence_files]").set_input_files(files=[
        {"name": "闭馆公告.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    form.locator("[data-testid=object]").click()
    page.locator("[data-testid=objections] tr[data-state=open]").wait_for()
    assert page.locator("[data-testid=evidence-file]").inner_text() == "闭馆公告.pdf"
    _logout(page)

    public.reload()
    assert public.locator("[data-testid=objection-status]").inner_text() == "异议处理中"

    # The bureau's reviewer reads the evidence file, then answers: dismissed, with reasons.
    _login(page, live_server, "t1-reviewer")
    page.goto(publication_url)
    with page.expect_download() as info:
        page.click("[data-testid=evidence-file]")
    assert info.value.suggested_filename == "闭馆公告.pdf" and Path(info.value.path()).read_bytes() == PDF
    form = page.locator("[data-testid=answer-form]")
    form.locator("select").select_option("dismissed")
    form.locator("textarea").fill("抽查记录显示当日正常开放，维持原结果。")
    form.locator("[data-testid=answer]").click()
    page.locator("[data-testid=objections] tr[data-state=dismissed]").wait_for()

    public.reload()
    assert public.locator("[data-testid=objection-status]").inner_text() == "异议已驳回"
    public.click("[data-testid=result-row] [data-testid=total]")
    outcome = public.locator("[data-testid=objections]").inner_text()
    assert "抽查记录显示当日正常开放，维持原结果。" in outcome and "不成立" in outcome
    assert "闭馆装修，不应扣分" not in public.content()  # the objection's text is not public
    assert "闭馆公告" not in public.content() and "/evidence/" not in public.content()  # nor its evidence
    public.context.close()


def test_public_active_search_narrows_as_one_types(live_server, page, world):
    page.goto(f"{live_server}/public/")
    page.fill("[data-testid=search]", "站点2")
    page.locator("[data-testid=search-results] li").first.wait_for()
    results = page.locator("[data-testid=search-results]").inner_text()
    assert "站点2" in results and "站点1" not in results
    assert page.url.endswith("/public/search?q=%E7%AB%99%E7%82%B92")  # the result is a bookmarkable GET
