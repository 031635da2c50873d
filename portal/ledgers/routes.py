"""Ledgers of a contract: templates, uploads checked in the background, errors, accepted rows."""
from flask import Blueprint, Response, abort, redirect, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user, login_required
from sqlmodel import func

from portal.scoping import get_or_404, roles_required, scoped
from portal.contracts.models import Contract
from portal.db import get_session
from portal.htmx import is_htmx, render
from portal.paging import page_of
from portal.ledgers import services, tasks
from portal.ledgers.forms import UploadForm
from portal.ledgers.ledger_types import LEDGER_TYPES, get_ledger_type
from portal.ledgers.models import LedgerRow, LedgerUpload
from portal.ledgers.template import build_template, template_filename
from rules.identifiers import mask_name, mask_phone, mask_resident_id

bp = Blueprint("ledgers", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _form(contract: Contract) -> UploadForm:
    from portal.reporting.services import calendar

    form = UploadForm()
    from portal.filters import period

    english = str(get_locale()).startswith("en")
    form.ledger_type.choices = [(t.key, _(t.title)) for t in services.ledger_types_for(contract)]
    form.obligation.choices = [("", _("不对应报送事项（补充台账）"))] + [
        (o.key, f"{o.spec.label_en if english else o.spec.label} {period(o.period.key)}")
        for o in calendar(contract) if o.spec.ledger_types]
    return form


def _page(contract: Contract, form: UploadForm, status: int = 200):
    session = get_session()
    query = scoped(LedgerUpload).where(LedgerUpload.contract_id == contract.id)
    if (ledger_type := request.args.get("type", "")) and ledger_type in {t.key for t in services.ledger_types_for(contract)}:
        query = query.where(LedgerUpload.ledger_type == ledger_type)
    page = page_of(query.order_by(LedgerUpload.id.desc()))  # every upload, a page at a time (filter in the URL)
    counts = dict(session.execute(scoped(LedgerRow).where(LedgerRow.contract_id == contract.id)
                                  .with_only_columns(LedgerRow.ledger_type, func.count())
                                  .group_by(LedgerRow.ledger_type)).all())
    return render("ledgers/ledgers.html", status=status, contract=contract, form=form, uploads=page.items,
                  page=page, ledger_type=ledger_type, counts=counts, types=services.ledger_types_for(contract))


@bp.get("/contracts/<int:contract_id>/ledgers")
@login_required
def list_ledgers(contract_id: int):
    contract = get_or_404(Contract, contract_id)
    return _page(contract, _form(contract))


def _data_day(contract, obligation_value: str):
    """The day an upload's data belongs to: its obligation's period end, else today (Asia/Shanghai)."""
    from zoneinfo import ZoneInfo

    from portal.db import utcnow
    from portal.reporting.services import find_obligation

    obligation_key, _sep, period_key = obligation_value.partition(":")
    obligation = find_obligation(contract, obligation_key, period_key) if obligation_key else None
    return obligation.period.end if obligation else utcnow().astimezone(ZoneInfo("Asia/Shanghai")).date()


@bp.post("/contracts/<int:contract_id>/ledgers")
@roles_required("operator")
def upload_ledger(contract_id: int):
    from portal.reporting.services import refusal_reason

    contract = get_or_404(Contract, contract_id)
    form = _form(contract)
    refusal = refusal_reason(contract, _data_day(contract, form.obligation.data or ""))
    if refusal:
        form.file.errors = [refusal]
        return _page(contract, form, 422)
    if not form.validate_on_submit():
        return _page(contract, form, 422)
    obligation_key, _sep, period_key = (form.obligation.data or "").partition(":")
    upload = services.start_upload(contract, ledger_type=form.ledger_type.data, data=form.file.data.read(),
                                   filename=form.file.data.filename or "upload", user=current_user,
                                   obligation_key=obligation_key, period_key=period_key)
    tasks.wake_importer()  # stored and committed: a consumer checks it (never this web worker)
    return redirect(url_for(".show_upload", upload_id=upload.id))


@bp.get("/uploads/<int:upload_id>")
@login_required
def show_upload(upload_id: int):
    upload = get_or_404(LedgerUpload, upload_id)
    rows = []
    if upload.state == "accepted":
        rows = get_session().exec(scoped(LedgerRow).where(LedgerRow.upload_id == upload.id)
                                  .order_by(LedgerRow.row_number).limit(200)).all()
    return render("ledgers/upload.html", fragment="ledgers/_upload_status.html" if is_htmx() else None,
                  upload=upload, rows=rows, ledger_type=get_ledger_type(upload.ledger_type), mask=_mask,
                  **_waiting(upload))


def _waiting(upload: LedgerUpload) -> dict:
    """Where a waiting upload stands: its place in the queue, or lost (no consumer ran it: retry)."""
    from flask import current_app

    from portal.db import utcnow

    lost = upload.lost(utcnow(), current_app.config["LEDGER_QUEUE_TIMEOUT_SECONDS"])
    ahead = services.queue_position(upload) if upload.state == "queued" and not lost else 0
    return {"lost": lost, "ahead": ahead}


@bp.post("/uploads/<int:upload_id>/retry")
@roles_required("operator")
def retry_upload(upload_id: int):
    upload = get_or_404(LedgerUpload, upload_id)
    try:
        services.retry_upload(upload, user=current_user)
    except ValueError:
        abort(409)
    tasks.wake_importer()
    return redirect(url_for(".show_upload", upload_id=upload.id))


@bp.get("/uploads/<int:upload_id>/errors.xlsx")
@login_required
def download_upload_errors(upload_id: int):
    upload = get_or_404(LedgerUpload, upload_id)
    if not upload.errors_xlsx:
        abort(404)
    return Response(upload.errors_xlsx, mimetype=XLSX, headers={
        "Content-Disposition": f"attachment; filename=errors-{upload.id}.xlsx"})


@bp.get("/ledgers/templates/<ledger_type>.xlsx")
@login_required
def download_template(ledger_type: str):
    if ledger_type not in LEDGER_TYPES:
        abort(404)
    from urllib.parse import quote

    name = template_filename(ledger_type)
    return Response(build_template(ledger_type, _=_), mimetype=XLSX, headers={
        "Content-Disposition": f"attachment; filename=\"{ledger_type}.xlsx\"; filename*=UTF-8''{quote(name)}"})


def _mask(column, value):
    """A cell as the page shows it: personal data masked (the full values stay in the database and the exports),
    dates, months and yes/no in the reader's words (the row holds them as 2024-03-05 and true)."""
    from portal.filters import day, month
    from portal.ledgers.ledger_types import ColumnType

    if value in (None, ""):
        return ""
    if column.type == ColumnType.RESIDENT_ID:
        return mask_resident_id(str(value))
    if column.type == ColumnType.PHONE:
        return mask_phone(str(value))
    if column.key == "name":
        return mask_name(str(value))
    if column.type == ColumnType.DATE:
        return day(value)
    if column.type == ColumnType.MONTH:
        return month(value)
    if column.type == ColumnType.BOOL:
        return _("是") if value else _("否")
    return value
