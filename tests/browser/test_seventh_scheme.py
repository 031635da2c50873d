"""Issue #15 in real Chromium: a seventh scheme, written by following only the guide (docs/schemes.zh.md's worked
example, DB12/T 3009—2024 表B.1: Pi = F × Wi, Z = ΣPi), uploaded by the platform admin with its test cases,
the cases passing, published; a contract entered under it by the bureau admin, assessed by the reviewer and
approved by the approver; the approval frozen with the uploaded version's sha256."""
from __future__ import annotations

import hashlib

from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import select

from portal.contracts.models import Contract
from portal.cycles.models import AssessmentSheet, SheetApproval
from portal.schemes.models import SchemeVersion
from tests.browser.test_assessment_to_pdf import _login, _logout
from tests.conftest import login
from tests.portal.test_admin import _contract_form

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SCHEME_ID = "hr-agency-recruitment-2024"
SCHEME_FILE = ROOT / "docs" / "schemes" / f"{SCHEME_ID}.toml"
CASES_FILE = ROOT / "docs" / "schemes" / f"{SCHEME_ID}.cases.toml"
# 表B.1 weights Wi of the eight factors: 3, 4, 4, 5, 5, 3, 3, 1 (Σ = 28); every factor graded F = 4 → Z = 112.
FACTORS = ["staff_grade", "premises_grade", "equipment_grade", "jobseeker_services_grade",
           "recruiter_services_grade", "safety_grade", "records_grade", "complaints_grade"]


def test_a_seventh_scheme_is_uploaded_tested_published_and_a_contract_approved_under_it(app, live_server, page,
                                                                                        world, db):
    # The platform admin uploads the guide's example file and its cases: checked, the cases run, then published.
    _login(page, live_server, "t-platform")
    page.goto(f"{live_server}/schemes/upload")
    page.set_input_files("#scheme_file", str(SCHEME_FILE))
    page.set_input_files("#cases_file", str(CASES_FILE))
    page.click("button[type=submit].primary")
    summary = page.locator("[data-testid=case-summary]")
    summary.wait_for()
    cases = summary.inner_text()
    assert "个用例通过" in cases
    passed, total = cases.split("个用例通过")[0].split("/")
    assert passed == total and int(total) >= 4, cases
    assert page.locator("[data-testid=rubric], table").count() > 0
    page.click("[data-testid=publish-version]")
    page.locator("[data-testid=version-state]", has_text="已发布").wait_for()
    _logout(page)
    db.expire_all()
    version = db.exec(select(SchemeVersion).where(SchemeVersion.scheme_id == SCHEME_ID)).one()
    assert version.sha256 == hashlib.sha256(SCHEME_FILE.read_bytes()).hexdigest()

    # The bureau admin enters a contract under it (the contract form offers the published scheme).
    admin = app.test_client()
    form = _contract_form(world, number="HR-7", scheme_id=SCHEME_ID, starts_on="2025-01-01", ends_on="2025-12-31",
                          value="100,000.00", payment_plan="服务费, 100%")
    response = admin.post("/contracts/new", data=form, headers={"X-CSRFToken": login(admin, "t1-admin")})
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    contract = db.exec(select(Contract).where(Contract.number == "HR-7")).one()
    sheet_url = f"/contracts/{contract.id}/cycles/assessment/assessment"

    # The reviewer grades the eight factors (F = 4 each) on the sheet, then submits it in the browser.
    reviewer = app.test_client()
    token = login(reviewer, "t1-reviewer")
    for fact in FACTORS:
        db.expire_all()
        sheet = db.exec(select(AssessmentSheet).where(AssessmentSheet.contract_id == contract.id)).first()
        response = reviewer.post(f"{sheet_url}/entries", headers={"X-CSRFToken": token}, data={
            "fact": fact, "value": "4", "reason": "现场评定", "revision": sheet.revision if sheet else 0})
        assert response.status_code == 302, (fact, response.get_data(as_text=True)[-2000:])
    _login(page, live_server, "t1-reviewer")
    page.goto(live_server + sheet_url)
    assert page.locator("[data-testid=total] b").inner_text() == "112.00"
    page.click("[data-testid=submit-sheet]")
    page.click("[data-testid=confirm-submit]")
    page.locator("[data-testid=sheet-state]", has_text="待审批").wait_for()
    _logout(page)

    _login(page, live_server, "t1-approver")
    page.goto(live_server + sheet_url)
    page.click("[data-testid=approve-sheet]")
    page.fill("#note", "同意")
    page.click("[data-testid=confirm-approve]")
    page.locator("[data-testid=sheet-state]", has_text="已审批").wait_for()
    db.expire_all()
    approval = db.exec(select(SheetApproval).where(SheetApproval.contract_id == contract.id)).one()
    assert (approval.scheme_id, approval.scheme_sha256) == (SCHEME_ID, version.sha256)
    assert approval.total == Decimal("112.00") and approval.facts["staff_grade"] == "4"
