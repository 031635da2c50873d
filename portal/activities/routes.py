"""Staff list, monthly attendance (grid or sheet upload), events and evidence downloads of a contract."""
from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlmodel import func
from werkzeug.datastructures import MultiDict

from portal.activities import evidence, services
from portal.activities.forms import (CHECKED_EVENT_FIELDS, AttendanceUploadForm, EventForm, EvidenceForm, StaffForm,
                                     attendance_form, cell_name, row_codes)
from portal.activities.models import ATTENDANCE_MARKS, ActivityEvent, Attachment, StaffMember
from portal.scoping import get_or_404, roles_required, scoped
from portal.contracts.models import Contract, Station
from portal.db import get_session
from portal.htmx import render
from portal.paging import page_of

bp = Blueprint("activities", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _refused(exc: Exception) -> str:
    return exc.message if isinstance(exc, evidence.EvidenceRefused) else str(exc)


# --- staff --------------------------------------------------------------------------------------

def _staff_form(contract: Contract) -> StaffForm:
    form = StaffForm()
    stations = get_session().exec(scoped(Station).where(Station.id.in_(services.stations_of(contract)))
                                  .order_by(Station.id)).all()
    form.station_id.choices = [(s.id, s.name) for s in stations]
    return form


def _staff_page(contract: Contract, form: StaffForm, status: int = 200):
    stations = dict(form.station_id.choices)
    page = page_of(services.staff_query(contract))
    return render("activities/staff.html", status=status, contract=contract, form=form, staff=page.items, page=page,
                  stations=stations, shown_name=services.shown_name, refusal=_refusal(contract))


def _refusal(contract: Contract) -> str | None:
    try:
        services.ensure_writable(contract, services.today())
    except services.WriteRefused as exc:
        return str(exc)
    return None


@bp.get("/contracts/<int:contract_id>/staff")
@login_required
def list_staff(contract_id: int):
    contract = get_or_404(Contract, contract_id)
    return _staff_page(contract, _staff_form(contract))


@bp.post("/contracts/<int:contract_id>/staff")
@roles_required("operator")
def add_staff_member(contract_id: int):
    contract = get_or_404(Contract, contract_id)
    form = _staff_form(contract)
    if not form.validate_on_submit():
        return _staff_page(contract, form, 422)
    try:
        services.add_staff_member(contract, name=form.name.data, post=form.post.data,
                                  station_id=form.station_id.data, user=current_user)
    except services.WriteRefused as exc:
        form.name.errors = [str(exc)]
        return _staff_page(contract, form, 422)
    flash(_("已添加"), "success")
    return redirect(url_for(".list_staff", contract_id=contract.id))


@bp.post("/staff/<int:staff_id>/remove")
@roles_required("operator")
def remove_staff_member(staff_id: int):
    staff = get_or_404(StaffMember, staff_id)
    contract = get_or_404(Contract, staff.contract_id)
    try:
        services.remove_staff_member(staff, contract, user=current_user)
    except services.WriteRefused as exc:
        flash(str(exc), "error")
    else:
        flash(_("已移出人员名单"), "success")
    return redirect(url_for(".list_staff", contract_id=contract.id))


# --- attendance ---------------------------------------------------------------------------------

def _month_or_404(contract: Contract, month: str) -> str:
    if month not in services.contract_months(contract):
        abort(404)
    return month


@bp.get("/contracts/<int:contract_id>/attendance")
@login_required
def list_attendance(contract_id: int):
    contract = get_or_404(Contract, contract_id)
    staff = services.staff_of(contract, active_only=False)
    latest = services.latest_sheets(contract)
    months = list(reversed(services.contract_months(contract)))
    return render("activities/attendance_months.html", contract=contract, months=months, latest=latest,
                  staff={s.id: s for s in staff}, shown_name=services.shown_name)


def _attendance_page(contract: Contract, month: str, form, upload_form, *, status: int = 200, problems=None,
                     upload_errors=None, upload_summary: str = ""):
    sheets = services.versions(contract, month)
    staff_by_id = {s.id: s for s in services.staff_of(contract, active_only=False)}
    return render("activities/attendance.html", status=status, contract=contract, month=month, form=form,
                  upload_form=upload_form, versions=sheets, latest=sheets[-1] if sheets else None,
                  staff_by_id=staff_by_id, marks=ATTENDANCE_MARKS, ndays=services.days_in(month),
                  problems=problems or {}, upload_errors=upload_errors or [], upload_summary=upload_summary,
                  shown_name=services.shown_name, cell_name=cell_name, refusal=_refusal(contract),
                  obligation=services.obligation_for(contract, month))


def _grid(contract: Contract, month: str, *, submitted: bool):
    """The grid as sent (submitted) or, on a fresh page, filled from the latest version (a correction starts there)."""
    staff = services.staff_of(contract)
    form = attendance_form(staff, services.days_in(month), formdata=request.form if submitted else MultiDict())
    if not submitted:
        sheets = services.versions(contract, month)
        for person in staff:
            for day, code in enumerate(sheets[-1].marks.get(str(person.id), "") if sheets else "", start=1):
                form[cell_name(person.id, day)].data = code
    return form


@bp.route("/contracts/<int:contract_id>/attendance/<month>", methods=["GET", "POST"])
@login_required
def record_attendance(contract_id: int, month: str):
    contract = get_or_404(Contract, contract_id)
    _month_or_404(contract, month)
    form = _grid(contract, month, submitted=request.method == "POST")
    if request.method != "POST":
        return _attendance_page(contract, month, form, AttendanceUploadForm())
    if current_user.role != "operator":
        abort(403)
    marks = {person.id: row_codes(form, person.id) for person in form.staff}
    problems = {sid: p for sid, codes in marks.items() if (p := services.row_problems(codes, month))}
    if not form.validate() or problems:
        return _attendance_page(contract, month, form, AttendanceUploadForm(), status=422, problems=problems)
    try:
        sheet = services.save_attendance(contract, month, marks, user=current_user)
    except services.WriteRefused as exc:
        flash(str(exc), "error")
        return _attendance_page(contract, month, form, AttendanceUploadForm(), status=422)
    flash(_("已保存%(month)s考勤第%(v)d版", month=month, v=sheet.version), "success")
    return redirect(url_for(".record_attendance", contract_id=contract.id, month=month))


@bp.post("/contracts/<int:contract_id>/attendance/<month>/check/<int:staff_id>")  # POST: typed values stay out of URLs
@login_required
def check_attendance_row(contract_id: int, month: str, staff_id: int):
    """htmx: one person's row, checked while the grid is filled in (days counted, future days refused)."""
    contract = get_or_404(Contract, contract_id)
    _month_or_404(contract, month)
    person = get_or_404(StaffMember, staff_id)
    if person.contract_id != contract.id:
        abort(404)
    staff = {person.id: person}
    form = attendance_form([staff[staff_id]], services.days_in(month), formdata=request.form, meta={"csrf": False})
    form.validate()
    codes = row_codes(form, staff_id)
    problems = services.row_problems(codes, month)
    if any(form[cell_name(staff_id, d)].errors for d in range(1, form.ndays + 1)):
        problems.append(_("有无法识别的考勤代码"))
    return render("activities/_attendance_row_check.html", staff_id=staff_id, problems=problems,
                  days=sum(c in ("P", "F") for c in codes), contract=contract)


@bp.post("/contracts/<int:contract_id>/attendance/<month>/upload")
@roles_required("operator")
def upload_attendance(contract_id: int, month: str):
    contract = get_or_404(Contract, contract_id)
    _month_or_404(contract, month)
    upload_form = AttendanceUploadForm()
    grid = _grid(contract, month, submitted=False)
    if not upload_form.validate_on_submit():
        return _attendance_page(contract, month, grid, upload_form, status=422)
    data = upload_form.sheet.data.read()
    filename = upload_form.sheet.data.filename or "upload"
    reading = services.read_attendance_upload(contract, month, data, filename,
                                               services.staff_of(contract, active_only=False))
    if reading.marks is None:
        return _attendance_page(contract, month, grid, upload_form, status=422, upload_errors=reading.errors,
                                upload_summary=reading.summary)
    try:
        sheet = services.save_attendance(contract, month, reading.marks, user=current_user, source="upload",
                                         filename=filename, data=data)
    except services.WriteRefused as exc:
        upload_form.sheet.errors = [str(exc)]
        return _attendance_page(contract, month, grid, upload_form, status=422)
    flash(_("已保存%(month)s考勤第%(v)d版", month=month, v=sheet.version), "success")
    return redirect(url_for(".record_attendance", contract_id=contract.id, month=month))


@bp.get("/contracts/<int:contract_id>/attendance/<month>/template.xlsx")
@login_required
def download_attendance_template(contract_id: int, month: str):
    contract = get_or_404(Contract, contract_id)
    _month_or_404(contract, month)
    name = f"考勤表{month}.xlsx"
    return Response(services.attendance_template(contract, month, services.staff_of(contract)), mimetype=XLSX,
                    headers={"Content-Disposition": f"attachment; filename=\"attendance-{month}.xlsx\"; "
                                                    f"filename*=UTF-8''{quote(name)}"})


# --- events -------------------------------------------------------------------------------------

def _event_form(contract: Contract) -> EventForm:
    form = EventForm()
    form.contract = contract
    return form


def _events_page(contract: Contract, form: EventForm, status: int = 200):
    page = page_of(scoped(ActivityEvent).where(ActivityEvent.contract_id == contract.id)
                   .order_by(ActivityEvent.held_on.desc(), ActivityEvent.id.desc()))
    # the evidence files of this page's events, counted by the database
    counts = dict(get_session().execute(
        scoped(Attachment).where(Attachment.contract_id == contract.id, Attachment.owner_type == "activity_event",
                                 Attachment.owner_id.in_([e.id for e in page.items]))
        .with_only_columns(Attachment.owner_id, func.count()).group_by(Attachment.owner_id)).all())
    return render("activities/events.html", status=status, contract=contract, form=form, events=page.items,
                  page=page, counts=counts, refusal=_refusal(contract), checked=CHECKED_EVENT_FIELDS)


@bp.get("/contracts/<int:contract_id>/events")
@login_required
def list_events(contract_id: int):
    contract = get_or_404(Contract, contract_id)
    return _events_page(contract, _event_form(contract))


@bp.post("/contracts/<int:contract_id>/events")
@roles_required("operator")
def record_event(contract_id: int):
    contract = get_or_404(Contract, contract_id)
    form = _event_form(contract)
    if not form.validate_on_submit():
        return _events_page(contract, form, 422)
    try:
        event = services.record_event(contract, kind=form.event_kind.data, held_on=form.held_on.data,
                                      place=form.place.data, participants=form.participants.data,
                                      description=form.description.data or "", files=form.checked_files,
                                      user=current_user)
    except services.WriteRefused as exc:
        form.held_on.errors = [str(exc)]
        return _events_page(contract, form, 422)
    flash(_("活动已登记"), "success")
    return redirect(url_for(".show_event", event_id=event.id))


@bp.post("/contracts/<int:contract_id>/events/check/<field>")  # POST: typed values stay out of URLs
@login_required
def check_event_field(contract_id: int, field: str):
    """htmx inline validation: the error fragment of one field of the event form, as it is now."""
    contract = get_or_404(Contract, contract_id)
    if field not in CHECKED_EVENT_FIELDS:
        abort(404)
    form = EventForm(formdata=request.form, meta={"csrf": False})
    form.contract = contract
    target = form[field]
    inline = getattr(type(form), f"validate_{field}", None)  # called as inline(form, field), as Form.validate does
    target.validate(form, [inline] if inline else [])
    return render("activities/_field_errors.html", field=target)


@bp.get("/events/<int:event_id>")
@login_required
def show_event(event_id: int):
    event = get_or_404(ActivityEvent, event_id)
    contract = get_or_404(Contract, event.contract_id)
    return _event_page(event, contract, EvidenceForm())


def _event_page(event: ActivityEvent, contract: Contract, form: EvidenceForm, status: int = 200):
    return render("activities/event.html", status=status, event=event, contract=contract, form=form,
                  attachments=services.attachments_of(event), refusal=_refusal(contract),
                  max_mb=services.max_evidence_bytes() // evidence.MB)


@bp.post("/events/<int:event_id>/evidence")
@roles_required("operator")
def attach_evidence(event_id: int):
    event = get_or_404(ActivityEvent, event_id)
    contract = get_or_404(Contract, event.contract_id)
    form = EvidenceForm()
    if not form.validate_on_submit():
        return _event_page(event, contract, form, 422)
    try:
        services.save(form.checked_files[0], event, user=current_user, day=event.held_on, contract=contract)
    except services.WriteRefused as exc:
        form.evidence.errors = [str(exc)]
        return _event_page(event, contract, form, 422)
    flash(_("佐证材料已上传"), "success")
    return redirect(url_for(".show_event", event_id=event.id))


@bp.get("/evidence/<int:attachment_id>")
@login_required
def download_evidence(attachment_id: int):
    """Evidence only through the scope, always as a download, never sniffed or rendered by the browser."""
    attachment = get_or_404(Attachment, attachment_id)
    path = services.path_of(attachment)
    if not path.is_file():
        current_app.logger.error("evidence file of attachment %s is missing", attachment.id)
        abort(404)
    response = send_file(path, mimetype=attachment.content_type, as_attachment=True,
                         download_name=attachment.filename, conditional=False, max_age=0, etag=False)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
