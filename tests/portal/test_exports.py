"""Exports (issue #6 §8): an approved score sheet and a contract's settlement statement, as .xlsx and as PDF
with Chinese text, each deduction with its reason; every export is an audit event."""
from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader
from sqlmodel import select

from portal.audit.models import AuditEvent
from tests.conftest import login
from tests.portal.test_payments import _approve, _schedule, approver, operator, reviewer  # noqa: F401

REASON = "抽查发现2台自助设备故障"


def _pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _rows(data: bytes, sheet: str) -> list[tuple]:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return [tuple(row) for row in book[sheet].iter_rows(values_only=True)]


def _row(rows, first: str) -> tuple:
    return next(r for r in rows if r and r[0] is not None and str(r[0]).strip() == first)


@pytest.fixture
def approved(app, world, db, reviewer, approver):  # noqa: F811
    return _approve(app, db, world, reviewer, approver)


def test_the_score_sheet_as_xlsx_has_every_line_the_total_and_each_deductions_reason(app, world, db, approved,
                                                                                      approver):  # noqa: F811
    a, _t = approver
    response = a.get(f"/approvals/{approved.id}/score-sheet.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _rows(response.data, "考核评分表")
    header = _row(rows, "考核项目")
    assert header[:6] == ("考核项目", "分值", "得分", "计算过程", "扣分原因与依据", "条款")
    items = approved.figures["items"]
    start = rows.index(header) + 1
    lines = rows[start:start + len(items)]
    assert [str(r[0]).strip() for r in lines] == [i["title"] for i in items]
    from portal.explain import explain

    with app.test_request_context():  # Chinese: the frozen steps in words, not the engine's English
        texts = [explain(item["steps"], approved.scheme_id) for item in items]
    for line, item, text in zip(lines, items, texts):
        assert Decimal(str(line[2])) == Decimal(item["points"]) and line[3] == text and item["steps"]
        assert "Σ" not in text and " of " not in text and "_" not in text
    # seed 002 第1项: the equipment found out of order on the spot check, with the reviewer's reason.
    equipment = next(r for r, i in zip(lines, items) if "equipment_findings" in i["inputs"])
    assert Decimal(str(equipment[2])) < Decimal(str(equipment[1])) and REASON in equipment[4]
    assert Decimal(str(_row(rows, "总分")[2])) == approved.total
    assert _row(rows, "结果")[2] == ("合格" if approved.passed else "不合格")
    assert Decimal(str(_row(rows, "付款比例")[2])) == approved.payment_ratio
    assert _row(rows, "付款档次")[2] == approved.figures["payment_band"]["label"]
    facts = _rows(response.data, "输入与来源")
    assert facts[0] == ("考核事实", "数值", "来源", "理由")  # facts by their label, never their key
    assert any(r[0].startswith("抽查发现设备不正常使用") and r[2] == "评估人员录入" and REASON in r[3] for r in facts)
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "export_score_sheet")).one()
    assert event.actor_name == "t1-approver" and event.object_id == approved.id and event.after["format"] == "xlsx"


def test_the_score_sheet_as_pdf_carries_the_total_and_chinese_text(app, world, db, approved, operator):  # noqa: F811
    client, _t = operator  # the operator reads its own approved sheet, and may export it
    response = client.get(f"/approvals/{approved.id}/score-sheet.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _pdf_text(response.data)
    # Text extracted only when the embedded font really has the CJK glyphs (a missing glyph extracts as nothing).
    assert "考核评分表" in text and str(approved.total) in text and "测试运营单位1" in text
    assert REASON in text.replace("\n", "")
    fonts = {str(f.get_object()["/BaseFont"]) for page in PdfReader(io.BytesIO(response.data)).pages
             for f in page["/Resources"]["/Font"].values()}
    assert any("Noto-Sans-CJK" in f for f in fonts), fonts
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "export_score_sheet")).one()
    assert event.actor_name == "t1-operator" and event.after["format"] == "pdf"
    assert event.bureau_id == world[1]["bureau"].id  # the bureau sees who exported what


def test_a_frozen_sheets_pdf_is_laid_out_once_and_read_back_after(app, world, db, approved, operator,  # noqa: F811
                                                                   monkeypatch):
    """Issue #16: the same frozen sheet downloaded again is the same file without another layout; a reader of
    another name gets a PDF of its own (the footer names who exported it); each download is audited."""
    import weasyprint

    drawn = []
    real = weasyprint.HTML.write_pdf

    def counting(self, *args, **kwargs):
        drawn.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", counting)
    client, _t = operator
    first = client.get(f"/approvals/{approved.id}/score-sheet.pdf").data
    again = client.get(f"/approvals/{approved.id}/score-sheet.pdf").data
    assert first == again and first.startswith(b"%PDF") and len(drawn) == 1
    assert list(Path(app.config["EXPORT_CACHE_DIR"]).glob("*.part")) == []
    approver = app.test_client()
    login(approver, "t1-approver")
    other = approver.get(f"/approvals/{approved.id}/score-sheet.pdf").data
    assert other != first and len(drawn) == 2 and "t1-approver" in _pdf_text(other)
    exported = db.exec(select(AuditEvent).where(AuditEvent.action == "export_score_sheet")).all()
    assert len(exported) == 3


def test_an_unchanged_pdf_is_sent_from_the_cache_without_queueing_or_laying_out(app, world, db, approved,  # noqa: F811
                                                                                 approver, monkeypatch):
    """Issue #16: the second download of the same frozen sheet is answered by the request from the export
    cache (no export row queued, no layout) with the same bytes and the same headers; every download is still
    audited."""
    import weasyprint

    from portal.payments.models import ExportFile

    drawn = []
    real = weasyprint.HTML.write_pdf
    monkeypatch.setattr(weasyprint.HTML, "write_pdf", lambda self, *a, **k: drawn.append(1) or real(self, *a, **k))
    a, _t = approver
    first = a.get(f"/approvals/{approved.id}/score-sheet.pdf")
    assert first.status_code == 200 and len(drawn) == 1 and len(db.exec(select(ExportFile)).all()) == 1
    again = a.get(f"/approvals/{approved.id}/score-sheet.pdf")
    assert again.status_code == 200 and again.data == first.data and len(drawn) == 1
    assert len(db.exec(select(ExportFile)).all()) == 1, "nothing queued for a PDF already drawn"
    for name in ("Content-Type", "Content-Disposition", "Cache-Control"):
        assert again.headers[name] == first.headers[name]
    assert again.headers["Cache-Control"] == "no-store"  # every download passes the audit, none a browser cache
    assert again.headers["Content-Type"] == "application/pdf" and "stage_1" not in again.headers["Content-Disposition"]
    assert len(db.exec(select(AuditEvent).where(AuditEvent.action == "export_score_sheet")).all()) == 2


def test_the_pdf_shows_every_line_its_points_and_clause_and_the_approval(app, world, db, approved,  # noqa: F811
                                                                          approver):
    """Fixed table layout (issue #16) draws every line of the frozen sheet: its title, maximum, points and
    clause, the approval's number and approver, and the facts."""
    a, _t = approver
    text = _pdf_text(a.get(f"/approvals/{approved.id}/score-sheet.pdf").data)
    flat = "".join(text.split())
    for item in approved.figures["items"]:
        assert "".join(item["title"].split()) in flat, item["title"]
        assert str(item["points"]) in text and (item["max"] is None or str(item["max"]) in text)
        if item.get("clause"):
            assert "".join(item["clause"].split())[:40] in flat, item["clause"]
    assert f"第{approved.number}次审批" in flat and "approver1（t1-approver）" in flat
    assert "抽查发现设备不正常使用" in flat and str(approved.total) in text


def test_the_approval_page_offers_both_exports(app, world, approved, approver):  # noqa: F811
    a, _t = approver
    page = a.get(f"/approvals/{approved.id}").get_data(as_text=True)
    assert f"/approvals/{approved.id}/score-sheet.xlsx" in page and f"/approvals/{approved.id}/score-sheet.pdf" in page


def test_a_superseded_approval_exports_with_the_reasons_it_was_approved_with(app, world, db, approved, reviewer,
                                                                            approver):  # noqa: F811
    from tests.portal.test_payments import _enter, _revision, _url

    a, at = approver
    r, rt = reviewer
    assert a.post(_url(world, action="/reopen"), data={"revision": _revision(db, world), "reason": "异议成立"},
                  headers={"X-CSRFToken": at}).status_code == 302
    assert _enter(r, rt, db, world, "equipment_findings", "0", reason="复核：设备均正常").status_code == 302
    rows = _rows(a.get(f"/approvals/{approved.id}/score-sheet.xlsx").data, "考核评分表")
    text = "\n".join(str(c) for row in rows for c in row if c is not None)
    assert REASON in text and "复核：设备均正常" not in text and "仅作历史保留" in text


def test_the_settlement_statement_as_xlsx_and_pdf(app, world, db, approved, approver):  # noqa: F811
    a, at = approver
    assert a.post(f"/contracts/{world[1]['contract'].id}/payments", data={
        "line": "stage_1", "amount": "1000.00", "paid_on": "2024-08-20", "bank_reference": "HX-STAGE1"},
        headers={"X-CSRFToken": at}).status_code == 302
    schedule = _schedule(app, world[1]["contract"].id)
    stage = schedule.line("stage_1")
    response = a.get(f"/contracts/{world[1]['contract'].id}/settlement.xlsx")
    assert response.status_code == 200
    rows = _rows(response.data, "结算单")
    assert _row(rows, "款项")[:7] == ("款项", "比例", "依据", "计算说明", "应付金额", "已付金额", "未付金额")
    line = _row(rows, stage.label)
    assert Decimal(str(line[4])) == stage.due and Decimal(str(line[5])) == Decimal("1000.00")
    assert Decimal(str(line[6])) == stage.due - Decimal("1000.00") and f"第{approved.number}次审批" in line[2]
    assert _row(rows, "第二阶段验收（合同签订9个月后）：采购合同总金额20%")[4] == "待考核审批"
    total = _row(rows, "合计")
    assert Decimal(str(total[4])) == schedule.total_due == Decimal("754000.00") + stage.due
    assert Decimal(str(total[5])) == Decimal("1000.10")
    log = _rows(response.data, "付款记录")
    assert any(r[3] == "HX-STAGE1" and Decimal(str(r[2])) == Decimal("1000.00") for r in log)

    text = _pdf_text(a.get(f"/contracts/{world[1]['contract'].id}/settlement.pdf").data)
    assert "付款计划与结算单" in text and f"¥{schedule.total_due:,.2f}" in text and "待考核审批" in text
    assert "HX-STAGE1" in text and f"¥{stage.due:,.2f}" in text
    assert "北京时间" in text and not re.search(r"\d{4}-\d{2}-\d{2}", text), "generated: a date as people read it"
    events = db.exec(select(AuditEvent).where(AuditEvent.action == "export_settlement").order_by(AuditEvent.id)).all()
    assert [e.after["format"] for e in events] == ["xlsx", "pdf"]
    assert events[0].after["total_due"] == str(schedule.total_due)


def test_exports_of_another_tenant_are_missing(app, world, approved):
    other = app.test_client()
    login(other, "t2-approver")
    for url in (f"/approvals/{approved.id}/score-sheet.pdf", f"/contracts/{world[1]['contract'].id}/settlement.xlsx"):
        assert other.get(url).status_code == 404
