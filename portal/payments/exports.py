"""Exports: an approved score sheet and a contract's settlement statement, as .xlsx and as PDF.

The score sheet is the frozen approval (`SheetApproval.figures`), every line with its maximum, points,
arithmetic and clause, and for each line that lost points the inputs that made it lose them with their
reasons: the reviewer's entries (as they stood when the sheet was approved, from the audit trail), the
judgements' own reasons, the violations counted. PDFs are rendered by WeasyPrint from templates/exports/
with static/css/print.css; the Chinese font is the system's Noto Sans CJK (fonts-noto-cjk), never fetched.
"""
from __future__ import annotations

import hashlib
import io
import os
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from flask import current_app, render_template
from flask_babel import gettext as _
from sqlmodel import select

from portal.cycles.models import AssessmentSheet, SheetApproval
from portal.assessment.services import project
from portal.cycles.services import current_approval, find_cycle
from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.contracts.models import Contract
from portal.db import get_session
from portal.explain import explain, fact_label, fact_value, veto_effect
from portal.filters import day, moment, scheme_cite
from portal.i18n import N_
from portal.organisations.models import Bureau, Operator
from portal.payments.services import Schedule

SOURCE_LABELS = {
    "reports": N_("月度报送"),
    "violations": N_("违规记录"),
    "assessment": N_("评估人员录入"),
    "credit grades": N_("信用等级"),
}


@dataclass
class SheetExport:
    approval: SheetApproval
    contract: Contract
    operator: Operator
    bureau: Bureau
    sheet_row: AssessmentSheet
    approved_by: str
    submitted_by: str
    superseded: bool  # the sheet was reopened (or approved again) since: this approval is history
    lines: list[dict] = field(default_factory=list)  # figures["items"] + depth, deduction, reasons
    facts: list[dict] = field(default_factory=list)  # key, meaning, value, source, reasons

    @property
    def figures(self) -> dict:
        return self.approval.figures

    @property
    def result_label(self) -> str:
        return {True: _("合格"), False: _("不合格"), None: "—"}[self.approval.passed]


def user_name(user_id: int | None) -> str:
    user = get_session().get(User, user_id) if user_id else None
    return f"{user.display_name}（{user.username}）" if user else ""


def entries_at_approval(approval: SheetApproval) -> dict:
    """The reviewer's entries as they stood when this approval was made: replayed from the audit trail up to
    the approval's own event (the working sheet may have changed since a reopening)."""
    session = get_session()
    mark = session.exec(select(AuditEvent.id).where(AuditEvent.action == "approve_assessment",
                                                    AuditEvent.object_type == "sheet_approval",
                                                    AuditEvent.object_id == approval.id)).first()
    if mark is None:  # no trail (data loaded from elsewhere): the working sheet, only while it is this approval
        sheet = session.get(AssessmentSheet, approval.sheet_id)
        current = current_approval(sheet)
        return dict(sheet.entries) if current is not None and current.id == approval.id else {}
    entries: dict = {}
    for event in session.exec(select(AuditEvent).where(
            AuditEvent.object_type == "assessment_sheet", AuditEvent.object_id == approval.sheet_id,
            AuditEvent.action.in_(("assessment_entry", "assessment_entry_removed")), AuditEvent.id < mark)
            .order_by(AuditEvent.id)):
        fact = (event.after or {}).get("fact")
        if event.action == "assessment_entry":
            entries[fact] = (event.after or {}).get("entry") or {}
        else:
            entries.pop(fact, None)
    return entries


def fact_reasons(approval: SheetApproval, contract: Contract) -> dict[str, list[str]]:
    """Why each frozen fact has its value: judgement reasons, entry reasons, the violations counted."""
    reasons: dict[str, list[str]] = defaultdict(list)
    for key, value in approval.facts.items():
        if isinstance(value, dict) and value.get("reason"):
            reasons[key].append(value["reason"])
        elif isinstance(value, list):
            reasons[key] += [f"{v['value']} {v['reason']}" for v in value if isinstance(v, dict) and v.get("reason")]
    for key, entry in entries_at_approval(approval).items():
        reason = (entry or {}).get("reason", "")
        if approval.sources.get(key) == "assessment" and reason and reason not in reasons[key]:
            reasons[key].append(f"{reason}（{entry.get('by', '')} {moment(entry['at']) if entry.get('at') else ''}）")
    cycle = find_cycle(contract, approval.cycle_id)
    if cycle is not None and "violations" in approval.sources.values():
        # The cycle is locked while approved, so the violations counted then are the ones counted now.
        for key, found in project(contract, cycle).violations_by_fact.items():
            if approval.sources.get(key) == "violations":
                reasons[key] += [f"#{v.id} {v.period} {v.message_zh}" for v in found]
    return dict(reasons)


def sheet_export(approval: SheetApproval) -> SheetExport:
    session = get_session()
    contract = session.get(Contract, approval.contract_id)
    sheet_row = session.get(AssessmentSheet, approval.sheet_id)
    current = current_approval(sheet_row)
    export = SheetExport(approval, contract, session.get(Operator, contract.operator_id),
                         session.get(Bureau, contract.bureau_id), sheet_row, user_name(approval.approved_by_id),
                         user_name(approval.submitted_by_id), current is None or current.id != approval.id)
    reasons = fact_reasons(approval, contract)
    scheme_id = approval.scheme_id
    for item in approval.figures.get("items", []):
        points = Decimal(item["points"])
        lost = (item["max"] is not None and points < Decimal(item["max"])) or (item["kind"] == "penalty" and points < 0)
        why = []
        if lost:
            for key, value in item.get("inputs", {}).items():
                source = _(SOURCE_LABELS[approval.sources[key]]) if approval.sources.get(key) in SOURCE_LABELS else ""
                text = (f"{fact_label(key, scheme_id)} = {fact_value(value, key, scheme_id)}"
                        + (f"（{source}）" if source else ""))
                why.append(text + "".join(f"；{r}" for r in reasons.get(key, [])))
        export.lines.append({**item, "depth": item["path"].count("/"), "deduction": lost, "reasons": why,
                             "text": explain(item.get("steps"), scheme_id, item.get("explanation", ""))})
    for key, value in approval.facts.items():
        source = approval.sources.get(key, "")
        export.facts.append({"key": key, "meaning": fact_label(key, scheme_id), "value": fact_value(value, key, scheme_id),
                             "source": _(SOURCE_LABELS[source]) if source in SOURCE_LABELS else source,
                             "reasons": reasons.get(key, [])})
    return export


# -- .xlsx --------------------------------------------------------------------------------------------

class _Book:
    """A small XlsxWriter helper: text cells never become formulas, numbers stay Decimal until written."""

    def __init__(self):
        import xlsxwriter

        self.buffer = io.BytesIO()
        self.book = xlsxwriter.Workbook(self.buffer, {"in_memory": True, "strings_to_formulas": False,
                                                      "strings_to_numbers": False, "strings_to_urls": False})
        self.title = self.book.add_format({"bold": True, "font_size": 14})
        self.head = self.book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                                          "valign": "top"})
        self.label = self.book.add_format({"bold": True, "valign": "top"})
        self.wrap = self.book.add_format({"text_wrap": True, "valign": "top"})
        self.points = self.book.add_format({"num_format": "0.00", "valign": "top"})
        self.money = self.book.add_format({"num_format": "#,##0.00", "valign": "top"})
        self.share = self.book.add_format({"num_format": "0.00%", "valign": "top"})

    def cell(self, sheet, row: int, col: int, value, fmt=None) -> None:
        # Excel keeps numbers as binary doubles; Decimals go in as written (XlsxWriter prints them itself).
        if value is None or value == "":
            sheet.write_blank(row, col, None, fmt)
        elif isinstance(value, Decimal):
            sheet.write_number(row, col, value, fmt or self.points)
        else:
            sheet.write_string(row, col, str(value), fmt or self.wrap)

    def close(self) -> bytes:
        self.book.close()
        return self.buffer.getvalue()


def sheet_xlsx(export: SheetExport) -> bytes:
    book = _Book()
    approval, figures = export.approval, export.figures
    ws = book.book.add_worksheet(_("考核评分表"))
    ws.write_string(0, 0, f"{_('考核评分表')} · {export.contract.number}", book.title)
    info = [
        (_("合同编号"), export.contract.number), (_("合同名称"), export.contract.title),
        (_("运营单位"), export.operator.name), (_("人社局"), export.bureau.name),
        (_("考核周期"), f"{export.sheet_row.cycle_label}（{day(export.sheet_row.cycle_start)} – {day(export.sheet_row.cycle_end)}）"),
        (_("考核方案"), f"{scheme_cite(approval.scheme_version)} · sha256 {approval.scheme_sha256[:16]}"),
        (_("审批"), _("第%(n)s次审批", n=approval.number) + " · " + moment(approval.approved_at)),
        (_("审批人"), export.approved_by), (_("评估人员"), export.submitted_by),
    ]
    if export.superseded:
        info.append((_("注意"), _("该考核已重新开启，本审批记录仅作历史保留。")))
    row = 1
    for label, value in info:
        book.cell(ws, row, 0, label, book.label)
        book.cell(ws, row, 1, value)
        row += 1
    row += 1
    headers = [_("考核项目"), _("分值"), _("得分"), _("计算过程"), _("扣分原因与依据"), _("条款")]
    for col, text in enumerate(headers):
        ws.write_string(row, col, text, book.head)
    ws.freeze_panes(row + 1, 0)
    for line in export.lines:
        row += 1
        book.cell(ws, row, 0, "　" * line["depth"] + line["title"])
        book.cell(ws, row, 1, Decimal(line["max"]) if line["max"] is not None else "")
        book.cell(ws, row, 2, Decimal(line["points"]))
        book.cell(ws, row, 3, line["text"])
        book.cell(ws, row, 4, "\n".join(line["reasons"]))
        book.cell(ws, row, 5, line["clause"])
    row += 2
    band = figures.get("payment_band") or {}
    summary = [
        (_("总分"), approval.total, explain(figures.get("total_steps"), approval.scheme_id, figures.get("total_explanation", ""))),
        (_("结果"), export.result_label, explain(figures.get("result_steps"), approval.scheme_id,
                                                figures.get("result_explanation", ""))),
        (_("付款档次"), band.get("label", "—"), band.get("consequence", "")),
        (_("付款比例"), approval.payment_ratio if approval.payment_ratio is not None else "—",
         explain(figures.get("payment_steps"), approval.scheme_id, figures.get("payment_explanation", ""))),
    ]
    summary += [(_("一票否决"), veto_effect(v["effect"]),
                 f"{explain(v.get('steps'), approval.scheme_id, v['explanation'])}（{v['clause']}）")
                for v in figures.get("vetoes", [])]
    for label, value, text in summary:
        book.cell(ws, row, 0, label, book.label)
        book.cell(ws, row, 2, value, book.share if label == _("付款比例") and isinstance(value, Decimal) else None)
        book.cell(ws, row, 3, text)
        row += 1
    for col, width in enumerate((34, 8, 8, 60, 60, 50)):
        ws.set_column(col, col, width)

    inputs = book.book.add_worksheet(_("输入与来源"))
    for col, text in enumerate((_("考核事实"), _("数值"), _("来源"), _("理由"))):
        inputs.write_string(0, col, text, book.head)
    for n, fact in enumerate(export.facts, start=1):
        for col, value in enumerate((fact["meaning"], fact["value"], fact["source"],
                                     "\n".join(fact["reasons"]))):
            book.cell(inputs, n, col, value)
    for col, width in enumerate((50, 14, 14, 60)):
        inputs.set_column(col, col, width)
    return book.close()


def settlement_xlsx(schedule: Schedule, operator: Operator, bureau: Bureau, generated: str) -> bytes:
    book = _Book()
    contract = schedule.contract
    ws = book.book.add_worksheet(_("结算单"))
    ws.write_string(0, 0, f"{_('付款计划与结算单')} · {contract.number}", book.title)
    info = [(_("合同编号"), contract.number), (_("合同名称"), contract.title), (_("运营单位"), operator.name),
            (_("人社局"), bureau.name), (_("合同金额"), contract.value),
            (_("考核方案"), scheme_cite(contract.scheme_version)), (_("生成时间"), generated)]
    row = 1
    for label, value in info:
        book.cell(ws, row, 0, label, book.label)
        book.cell(ws, row, 1, value, book.money if isinstance(value, Decimal) else None)
        row += 1
    row += 1
    headers = [_("款项"), _("比例"), _("依据"), _("计算说明"), _("应付金额"), _("已付金额"), _("未付金额")]
    for col, text in enumerate(headers):
        ws.write_string(row, col, text, book.head)
    ws.freeze_panes(row + 1, 0)
    for line in schedule.lines:
        row += 1
        book.cell(ws, row, 0, _(line.label) if line.translatable else line.label)
        book.cell(ws, row, 1, line.share, book.share)
        book.cell(ws, row, 2, basis(line))
        book.cell(ws, row, 3, explain(line.steps, contract.scheme_id, line.explanation) or line.problem)
        book.cell(ws, row, 4, line.due if line.due is not None else _("待考核审批"), book.money)
        book.cell(ws, row, 5, line.paid, book.money)
        book.cell(ws, row, 6, line.outstanding, book.money)
    row += 1
    book.cell(ws, row, 0, _("合计"), book.label)
    book.cell(ws, row, 4, schedule.total_due, book.money)
    book.cell(ws, row, 5, schedule.total_paid, book.money)
    book.cell(ws, row, 6, schedule.total_outstanding, book.money)
    if schedule.awaiting:
        row += 2
        book.cell(ws, row, 0, _("尚待考核审批的款项不计入合计：%(lines)s", lines="、".join(
            _(l.label) if l.translatable else l.label for l in schedule.awaiting)))
    for col, width in enumerate((40, 8, 36, 60, 16, 16, 16)):
        ws.set_column(col, col, width)

    log = book.book.add_worksheet(_("付款记录"))
    for col, text in enumerate((_("付款日期"), _("款项"), _("金额"), _("银行流水号"), _("登记人"), _("登记时间"),
                                _("冲正理由"))):
        log.write_string(0, col, text, book.head)
    for n, payment in enumerate(schedule.payments, start=1):
        values = (day(payment.paid_on), payment.line_label, payment.amount, payment.bank_reference,
                  user_name(payment.recorded_by_id), moment(payment.recorded_at),
                  (_("冲正第%(id)s号付款", id=payment.reverses_id) + "：" + payment.reason) if payment.is_reversal else "")
        for col, value in enumerate(values):
            book.cell(log, n, col, value, book.money if isinstance(value, Decimal) else None)
    for col, width in enumerate((12, 40, 16, 24, 24, 20, 40)):
        log.set_column(col, col, width)
    return book.close()


def basis(line) -> str:
    if line.approval is not None and not line.awaiting:
        return f"{line.cycle.label} · " + _("第%(n)s次审批", n=line.approval.number) + f" · {line.approval.total}"
    if line.kind == "advance":
        return _("合同签订")
    if line.cycle is not None:
        return f"{line.cycle.label} · " + _("待考核审批")
    return ""


# -- PDF ----------------------------------------------------------------------------------------------

def _no_fetch(url: str, *args, **kwargs):
    """WeasyPrint must fetch nothing: no network fonts, no remote images; the stylesheet is passed directly."""
    raise ValueError(f"exports fetch no resources ({url[:60]})")


def _cache_key(html: str) -> tuple[str, Path, bytes]:
    import weasyprint

    css_path = Path(current_app.static_folder) / "css" / "print.css"
    css = css_path.read_bytes()
    key = hashlib.sha256(b"\0".join((weasyprint.__version__.encode(), css, html.encode("utf-8")))).hexdigest()
    return key, css_path, css


def cached_pdf(html: str) -> bytes | None:
    """The PDF of `html` if it was drawn before (EXPORT_CACHE_DIR), else None."""
    key, _path, _css = _cache_key(html)
    try:
        return (Path(current_app.config["EXPORT_CACHE_DIR"]) / f"{key}.pdf").read_bytes()
    except OSError:
        return None


def render_pdf(template: str, **context) -> bytes:
    """The PDF of `template` (see pdf_of)."""
    return pdf_of(render_template(template, basis=basis, **context))


def pdf_of(html: str) -> bytes:
    """The PDF of `html` (a template of templates/exports/, e.g. from `export_html`). What WeasyPrint draws
    depends only on the HTML and the stylesheet, so a PDF is kept under the sha256 of both (EXPORT_CACHE_DIR)
    and a second download of the same frozen sheet by the same user is read back, not laid out again (issue
    #16); any change to what it shows is a new file."""
    import weasyprint

    key, css_path, css = _cache_key(html)
    cache = Path(current_app.config["EXPORT_CACHE_DIR"])
    cached = cache / f"{key}.pdf"
    try:
        return cached.read_bytes()
    except OSError:
        pass
    data = weasyprint.HTML(string=html, url_fetcher=_no_fetch).write_pdf(
        stylesheets=[weasyprint.CSS(string=css.decode("utf-8"), base_url=str(css_path))])
    part = cache / f".{key}.{secrets.token_hex(4)}.part"
    try:  # written whole under another name, then renamed: a reader never sees half a PDF
        cache.mkdir(parents=True, exist_ok=True)
        part.write_bytes(data)
        os.replace(part, cached)
    except OSError:  # a full or read-only disk costs the next download a render, never this one
        part.unlink(missing_ok=True)
    return data


def export_html(kind: str, object_id: int, requested_at, export: SheetExport | None = None) -> str:
    """The HTML of a PDF export (`kind` score_sheet: a sheet approval; settlement: a contract), in the
    current language, naming the current user: the same whether the request or the task consumer asks, so
    the request can find an unchanged PDF in the cache without queueing anything. `export`: the score
    sheet's SheetExport when the caller has it already."""
    from portal.payments import services

    session = get_session()
    if kind == "score_sheet":
        export = export or sheet_export(session.get(SheetApproval, object_id))
        return render_template("exports/score_sheet.html", basis=basis, export=export)
    contract = session.get(Contract, object_id)
    return render_template("exports/settlement.html", basis=basis, schedule=services.schedule_of(contract),
                           contract=contract, operator=session.get(Operator, contract.operator_id),
                           bureau=session.get(Bureau, contract.bureau_id), generated=moment(requested_at),
                           name_of=user_name)


def render_export_file(export) -> bytes:
    """The PDF an ExportFile asks for, as the request would have rendered it (run by payments/tasks.py)."""
    return pdf_of(export_html(export.kind, export.object_id, export.requested_at))
