"""The payment schedule of a contract, payments recorded by the approver, and the exports."""
from __future__ import annotations

import io
import re

from flask import Blueprint, flash, redirect, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.cycles.models import SheetApproval
from portal.audit import services as audit
from portal.scoping import get_or_404, roles_required
from portal.contracts.models import Contract
from portal.filters import moment
from portal.db import get_session, utcnow
from portal.htmx import render
from portal.organisations.models import Bureau, Operator
from portal.payments import exports, services
from portal.payments.forms import PaymentForm, ReverseForm
from portal.payments.models import Payment

bp = Blueprint("payments", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _payment_form(schedule: services.Schedule, formdata=True) -> PaymentForm:
    form = PaymentForm() if formdata else PaymentForm(formdata=None)
    form.line.choices = [("", "—")] + [
        (line.key, f"{line.label}（{_('未付')} ¥{line.outstanding:,.2f}）")
        for line in schedule.lines if line.outstanding is not None and line.outstanding > 0]
    if not formdata:
        form.paid_on.data = services.today()
    return form


def _show(contract: Contract, schedule: services.Schedule, form: PaymentForm | None = None, status: int = 200):
    may_record = current_user.role == "approver"
    if may_record and form is None:
        form = _payment_form(schedule, formdata=False)
    reversed_ids = {p.reverses_id for p in schedule.payments if p.is_reversal}
    return render("payments/schedule.html", status=status, contract=contract, schedule=schedule,
                  plan=services.plan_rows(contract), form=form if may_record else None,
                  reverse_form=ReverseForm(formdata=None) if may_record else None, reversed_ids=reversed_ids)


@bp.get("/contracts/<int:contract_id>/payments")
@login_required
def show_schedule(contract_id: int):
    contract = get_or_404(Contract, contract_id)
    return _show(contract, services.schedule_of(contract))


@bp.post("/contracts/<int:contract_id>/payments")
@roles_required("approver")
def record_payment(contract_id: int):
    contract = get_or_404(Contract, contract_id)
    schedule = services.schedule_of(contract)
    form = _payment_form(schedule)
    if not form.validate_on_submit():
        return _show(contract, schedule, form, status=422)
    session = get_session()
    try:
        services.record_payment(contract, form.line.data, form.amount.data, form.paid_on.data,
                                form.bank_reference.data, current_user)
    except services.PaymentRefused as exc:
        session.rollback()
        getattr(form, exc.field).errors = [str(exc)]
        return _show(contract, services.schedule_of(contract), form, status=422)
    session.commit()
    flash(_("已登记付款"), "success")
    return redirect(url_for(".show_schedule", contract_id=contract.id))


@bp.post("/payments/<int:payment_id>/reverse")
@roles_required("approver")
def reverse_payment(payment_id: int):
    payment = get_or_404(Payment, payment_id)
    form = ReverseForm()
    target = url_for(".show_schedule", contract_id=payment.contract_id)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return redirect(target)
    session = get_session()
    try:
        services.reverse_payment(payment, form.reason.data, current_user)
    except services.PaymentRefused as exc:
        session.rollback()
        flash(str(exc), "error")
        return redirect(target)
    session.commit()
    flash(_("已冲正"), "success")
    return redirect(target)


# -- exports: every one is an audit event (who exported what) ----------------------------------------

def _filename(*parts: str) -> str:
    return re.sub(r"[^\w.\-]+", "_", "-".join(parts))


def _download(data: bytes, mimetype: str, name: str):
    response = send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "no-store"
    return response


def _export_approval(approval_id: int, fmt: str):
    approval = get_or_404(SheetApproval, approval_id)
    get_or_404(Contract, approval.contract_id)
    export = exports.sheet_export(approval)
    name = _filename("考核评分表", export.contract.number, approval.cycle_id, f"第{approval.number}次审批") + f".{fmt}"
    if fmt == "xlsx":
        data, mimetype = exports.sheet_xlsx(export), XLSX
    else:
        data, mimetype = exports.render_pdf("exports/score_sheet.html", export=export), "application/pdf"
    audit.record("export_score_sheet", approval, after={"format": fmt, "file": name, "approval_id": approval.id,
                                                        "total": str(approval.total)},
                 reason=f"{export.contract.number} {export.sheet_row.cycle_label} {fmt}")
    get_session().commit()
    return _download(data, mimetype, name)


@bp.get("/approvals/<int:approval_id>/score-sheet.xlsx")
@login_required
def export_score_sheet_xlsx(approval_id: int):
    return _export_approval(approval_id, "xlsx")


@bp.get("/approvals/<int:approval_id>/score-sheet.pdf")
@login_required
def export_score_sheet_pdf(approval_id: int):
    return _export_approval(approval_id, "pdf")


def _export_settlement(contract_id: int, fmt: str):
    from zoneinfo import ZoneInfo

    contract = get_or_404(Contract, contract_id)
    schedule = services.schedule_of(contract)
    session = get_session()
    operator, bureau = session.get(Operator, contract.operator_id), session.get(Bureau, contract.bureau_id)
    now = utcnow()
    generated = moment(now)
    name = _filename("结算单", contract.number, now.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d")) + f".{fmt}"
    if fmt == "xlsx":
        data, mimetype = exports.settlement_xlsx(schedule, operator, bureau, generated), XLSX
    else:
        data = exports.render_pdf("exports/settlement.html", schedule=schedule, contract=contract, operator=operator,
                                  bureau=bureau, generated=generated, name_of=exports.user_name)
        mimetype = "application/pdf"
    audit.record("export_settlement", contract, after={
        "format": fmt, "file": name, "total_due": str(schedule.total_due), "total_paid": str(schedule.total_paid),
        "total_outstanding": str(schedule.total_outstanding)}, reason=f"{contract.number} {fmt}")
    session.commit()
    return _download(data, mimetype, name)


@bp.get("/contracts/<int:contract_id>/settlement.xlsx")
@login_required
def export_settlement_xlsx(contract_id: int):
    return _export_settlement(contract_id, "xlsx")


@bp.get("/contracts/<int:contract_id>/settlement.pdf")
@login_required
def export_settlement_pdf(contract_id: int):
    return _export_settlement(contract_id, "pdf")
