"""The payment schedule of a contract, payments recorded by the approver, and the exports."""
from __future__ import annotations

import io
import logging
import re

from flask import Blueprint, abort, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.cycles.models import SheetApproval
from portal.audit import services as audit
from portal.scoping import get_or_404, roles_required
from portal.contracts.models import Contract
from portal.filters import moment
from portal.db import get_session, utcnow
from portal.htmx import is_htmx, render
from portal.organisations.models import Bureau, Operator
from portal.paging import page_in
from portal.payments import exports, services
from portal.payments.forms import PaymentForm, ReverseForm
from portal.payments.models import ExportFile, Payment
from portal.forms import AlreadySubmitted, already_done, claim_once, was_submitted

bp = Blueprint("payments", __name__)
log = logging.getLogger(__name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _payment_form(schedule: services.Schedule, formdata=True) -> PaymentForm:
    form = PaymentForm() if formdata else PaymentForm(formdata=None)
    form.line.choices = [("", "—")] + [
        (line.key, f"{_(line.label) if line.translatable else line.label}（{_('未付')} ¥{line.outstanding:,.2f}）")
        for line in schedule.lines if line.outstanding is not None and line.outstanding > 0]
    if not formdata:
        form.paid_on.data = services.today()
    return form


def _show(contract: Contract, schedule: services.Schedule, form: PaymentForm | None = None, status: int = 200):
    may_record = current_user.role == "approver"
    if may_record and form is None:
        form = _payment_form(schedule, formdata=False)
    reversed_ids = {p.reverses_id for p in schedule.payments if p.is_reversal}
    # the totals need every payment (read once by schedule_of); the record shows them a page at a time
    return render("payments/schedule.html", status=status, contract=contract, schedule=schedule,
                  page=page_in(schedule.payments), plan=services.plan_rows(contract), form=form if may_record else None,
                  reverse_form=ReverseForm(formdata=None) if may_record else None, reversed_ids=reversed_ids)


@bp.get("/contracts/<int:contract_id>/payments")
@login_required
def show_schedule(contract_id: int):
    contract = get_or_404(Contract, contract_id)
    return _show(contract, services.schedule_of(contract))


@bp.get("/contracts/<int:contract_id>/payments/confirm")
@roles_required("approver")
def confirm_payment_step(contract_id: int):
    """What recording the payment typed into the form does, stated before it is done (an htmx fragment)."""
    contract = get_or_404(Contract, contract_id)
    schedule = services.schedule_of(contract)
    form = PaymentForm(formdata=request.args, meta={"csrf": False})
    form.line.choices = _payment_form(schedule, formdata=False).line.choices
    line = next((x for x in schedule.lines if x.key == form.line.data), None)
    valid = form.validate()
    return render("payments/confirm_payment.html", "payments/_confirm_payment.html", contract=contract, form=form,
                  line=line, valid=valid and line is not None)


@bp.post("/contracts/<int:contract_id>/payments")
@roles_required("approver")
def record_payment(contract_id: int):
    contract = get_or_404(Contract, contract_id)
    schedule = services.schedule_of(contract)
    form = _payment_form(schedule)
    if was_submitted(form):
        return already_done(url_for(".show_schedule", contract_id=contract.id))
    if not form.validate_on_submit():
        return _show(contract, schedule, form, status=422)
    session = get_session()
    try:
        claim_once(form, current_user, "record_payment")
        services.record_payment(contract, form.line.data, form.amount.data, form.paid_on.data,
                                form.bank_reference.data, current_user)
    except AlreadySubmitted:
        return already_done(url_for(".show_schedule", contract_id=contract.id))
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
        claim_once(form, current_user, "reverse_payment")
        services.reverse_payment(payment, form.reason.data, current_user)
    except AlreadySubmitted:
        return already_done(target)
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
    # the cycle by its name in the document (never its key), as the file is saved and the export page shows it
    name = _filename("考核评分表", export.contract.number, export.sheet_row.cycle_label,
                     f"第{approval.number}次审批") + f".{fmt}"
    audit.record("export_score_sheet", approval, after={"format": fmt, "file": name, "approval_id": approval.id,
                                                        "total": str(approval.total)},
                 reason=f"{export.contract.number} {export.sheet_row.cycle_label} {fmt}")
    get_session().commit()
    if fmt == "pdf":
        return _render_later("score_sheet", approval.id, export.contract, name, export=export)
    return _download(exports.sheet_xlsx(export), XLSX, name)


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
    audit.record("export_settlement", contract, after={
        "format": fmt, "file": name, "total_due": str(schedule.total_due), "total_paid": str(schedule.total_paid),
        "total_outstanding": str(schedule.total_outstanding)}, reason=f"{contract.number} {fmt}")
    session.commit()
    if fmt == "pdf":
        return _render_later("settlement", contract.id, contract, name, requested_at=now)
    return _download(exports.settlement_xlsx(schedule, operator, bureau, generated), XLSX, name)


def _render_later(kind: str, object_id: int, contract: Contract, name: str, requested_at=None,
                  export: exports.SheetExport | None = None):
    """A PDF is rendered by the task consumer; the page waits for it (done at once when tasks run inline).
    A PDF drawn before for the same HTML (an unchanged frozen sheet, the same reader) is sent at once from the
    export cache: nothing queued, nothing laid out again (issue #16)."""
    from flask_babel import get_locale

    requested_at = requested_at or utcnow()
    data = exports.cached_pdf(exports.export_html(kind, object_id, requested_at, export))
    if data is not None:
        return _download(data, "application/pdf", name)
    session = get_session()
    export = ExportFile(kind=kind, object_id=object_id, contract_id=contract.id, bureau_id=contract.bureau_id,
                        operator_id=contract.operator_id, filename=name, locale=str(get_locale() or "zh"),
                        requested_by_id=current_user.id, requested_at=requested_at)
    session.add(export)
    session.commit()
    from portal.payments import tasks

    try:
        tasks.render_export(export.id)
    except Exception as exc:  # the queue is down: the page says the export waits
        log.error("could not queue export %s: %s", export.id, type(exc).__name__)
    session.refresh(export)
    if export.state == "done":
        return _download(export.data, "application/pdf", name)
    return redirect(url_for(".show_export", export_id=export.id))


@bp.get("/exports/<int:export_id>")
@login_required
def show_export(export_id: int):
    export = get_or_404(ExportFile, export_id)
    return render("exports/export.html", fragment="exports/_export_status.html" if is_htmx() else None, export=export)


@bp.get("/exports/<int:export_id>/file")
@login_required
def download_export(export_id: int):
    export = get_or_404(ExportFile, export_id)
    if export.state != "done":
        abort(404)
    return _download(export.data, "application/pdf", export.filename)


@bp.get("/contracts/<int:contract_id>/settlement.xlsx")
@login_required
def export_settlement_xlsx(contract_id: int):
    return _export_settlement(contract_id, "xlsx")


@bp.get("/contracts/<int:contract_id>/settlement.pdf")
@login_required
def export_settlement_pdf(contract_id: int):
    return _export_settlement(contract_id, "pdf")
