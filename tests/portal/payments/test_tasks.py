"""PDF exports rendered by the task consumer, not in the request (issue #14): the request queues the export
and the page waits for it; the rendered file is downloaded by users who may see its contract."""
from __future__ import annotations

import pytest
from sqlmodel import select

from portal.payments import tasks
from portal.payments.models import ExportFile
from tests.conftest import login
from tests.portal.test_exports import _pdf_text, approved  # noqa: F401
from tests.portal.test_payments import approver, operator, reviewer  # noqa: F401


@pytest.fixture
def app_config(app_config, tmp_path):
    # A real (SQLite) queue that no consumer reads: the test runs the task itself.
    return {**app_config, "TASKS_IMMEDIATE": False, "TASKS_SQLITE_PATH": str(tmp_path / "tasks.sqlite3")}


def test_a_pdf_export_waits_for_the_consumer_then_downloads(app, world, db, approved, approver):  # noqa: F811
    a, _token = approver
    response = a.get(f"/approvals/{approved.id}/score-sheet.pdf")
    assert response.status_code == 302, "the request does not render the PDF"
    export = db.exec(select(ExportFile)).one()
    assert response.headers["Location"].endswith(f"/exports/{export.id}")
    page = a.get(f"/exports/{export.id}").get_data(as_text=True)
    assert 'data-state="queued"' in page and "正在生成" in page and 'hx-trigger="every 1s"' in page
    assert a.get(f"/exports/{export.id}/file").status_code == 404, "nothing to download yet"
    assert len(app.extensions["kaohe_jobs"]) == 1

    with app.app_context():
        tasks.render_export.call_local(export.id)
    page = a.get(f"/exports/{export.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'data-state="done"' in page and 'data-testid="export-download"' in page and "hx-trigger" not in page
    pdf = a.get(f"/exports/{export.id}/file")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and "attachment" in pdf.headers[
        "Content-Disposition"]
    text = _pdf_text(pdf.data)
    assert str(approved.total) in text and "approver1" in text, "the footer names who exported it"

    other = app.test_client()
    login(other, "t2-approver")
    assert other.get(f"/exports/{export.id}").status_code == 404
    assert other.get(f"/exports/{export.id}/file").status_code == 404


def test_an_export_is_rendered_in_the_language_of_whoever_asked(app, world, db, approved, approver):  # noqa: F811
    a, _token = approver
    with a.session_transaction() as session:
        session["lang"] = "en"
    assert a.get(f"/contracts/{world[1]['contract'].id}/settlement.pdf").status_code == 302
    export = db.exec(select(ExportFile)).one()
    assert export.locale == "en" and export.filename.endswith(".pdf")
    with app.app_context():
        tasks.render_export.call_local(export.id)
    db.refresh(export)
    assert export.state == "done"
    text = _pdf_text(export.data)
    assert "Payment schedule and settlement" in text and "付款计划与结算单" not in text
