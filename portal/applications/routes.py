"""Station establishment (seed 001 第二章): the operator applies, the centre reviews, the bureau approves;
station qualifications: one-off subsidies, excellent stations (第十条), cancellation with its ban (第八条)."""
from flask import Blueprint, Response, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlmodel import func, select

from portal.applications import services
from portal.applications.forms import (
    APPLICATION_FIELDS,
    ApplicationForm,
    CancellationForm,
    DecisionForm,
    ExcellentForm,
    ReviewForm,
    RosterForm,
    SubmitForm,
)
from portal.applications.models import (
    APPLICATION_STATES,
    ESTABLISHMENT_SCHEME,
    MATERIALS,
    ApplicationWorker,
    IllegalTransition,
    QualificationCancellation,
    StationApplication,
    StationSubsidy,
)
from portal.applications.roster import ROSTER
from portal.scoping import get_or_404, roles_required, scoped
from portal.contracts.models import Station
from portal.db import get_session
from portal.forms import AlreadySubmitted, already_done, claim_once, form_data
from portal.htmx import render
from portal.paging import page_of
from portal.organisations.models import Bureau, Operator
from rules.identifiers import mask_name, mask_resident_id

bp = Blueprint("applications", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROWS_SHOWN = 500
# 第五条: the centre's first review checks the workers one by one (insurance records), so the reviewer sees
# the roster in full; the operator sees what it uploaded; everyone else sees it masked.
FULL_ROSTER_ROLES = ("reviewer", "operator")


def _names(model, ids) -> dict[int, str]:
    """Names of the bureaus or operators the visible applications name (the rows were loaded in scope)."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(get_session().exec(select(model.id, model.name).where(model.id.in_(ids))).all())


@bp.get("/applications")
@login_required
def list_applications():
    state = request.args.get("state", "")
    query = scoped(StationApplication)
    if state in APPLICATION_STATES:
        query = query.where(StationApplication.state == state)
    page = page_of(query.order_by(StationApplication.id.desc()))
    applications = page.items
    counts = dict(get_session().execute(scoped(StationApplication).with_only_columns(
        StationApplication.state, func.count()).group_by(StationApplication.state)).all())
    return render("applications/applications.html", fragment="applications/_table.html", applications=applications,
                  state=state, counts=counts, states=APPLICATION_STATES, page=page,
                  bureaus=_names(Bureau, (a.bureau_id for a in applications)),
                  operators=_names(Operator, (a.operator_id for a in applications)))


def _application_form(application: StationApplication | None) -> ApplicationForm:
    form = ApplicationForm(obj=application)
    # An operator may apply to any bureau: the list of bureaus is public, so it is read outside the scope.
    form.bureau_id.choices = [(b.id, b.name) for b in get_session().exec(select(Bureau).order_by(Bureau.id))]
    if application is not None:
        form.bureau_id.choices = [c for c in form.bureau_id.choices if c[0] == application.bureau_id]
    return form


def _bans():
    return get_session().exec(scoped(QualificationCancellation).where(
        QualificationCancellation.may_apply_from > services.today())).all()


@bp.route("/applications/new", methods=["GET", "POST"])
@roles_required("operator")
def create_application():
    form = _application_form(None)
    if form.validate_on_submit():
        try:
            application = services.save_application(
                None, {"bureau_id": form.bureau_id.data, **form_data(form, *APPLICATION_FIELDS)}, user=current_user)
        except services.ApplicationRefused as exc:
            form.bureau_id.errors.append(str(exc))
        else:
            flash(_("已保存申请草稿；请上传输送劳动力名册后提交"), "success")
            return redirect(url_for(".show_application", application_id=application.id))
    bans = _bans()
    return render("applications/application_form.html", status=422 if form.errors else 200, form=form,
                  application=None, bans=bans, bureaus=_names(Bureau, (b.bureau_id for b in bans)))


def _detail(application: StationApplication, status: int = 200, *, error: str = "", **forms):
    session = get_session()
    workers = session.exec(scoped(ApplicationWorker).where(ApplicationWorker.application_id == application.id)
                           .order_by(ApplicationWorker.row_number).limit(ROWS_SHOWN)).all()
    role = current_user.role
    defaults = {
        "roster_form": RosterForm() if role == "operator" and application.editable else None,
        "submit_form": SubmitForm() if role == "operator" and application.editable else None,
        "review_form": ReviewForm() if role == "reviewer" and application.state == "submitted" else None,
        "decision_form": DecisionForm() if role == "approver" and application.state == "first_review_passed" else None,
    }
    defaults.update(forms)
    scheme = services.scheme_of(application)
    return render("applications/application.html", status=status, application=application, workers=workers,
                  full_roster=role in FULL_ROSTER_ROLES, mask=_mask, errors_shown=services.ROSTER_ERRORS_SHOWN, materials=MATERIALS, error=error,
                  bureau=session.get(Bureau, application.bureau_id),
                  operator=session.get(Operator, application.operator_id),
                  minimum=services.minimum_roster(scheme), grant=services.one_off_grant(scheme, "new_station"),
                  ban=services.ban_in_force(application.operator_id, application.bureau_id)
                  if application.editable else None, **defaults)


def _mask(value: str, kind: str) -> str:
    return mask_resident_id(value) if kind == "resident_id" else mask_name(value)


@bp.get("/applications/<int:application_id>")
@login_required
def show_application(application_id: int):
    return _detail(get_or_404(StationApplication, application_id))


# The routes below are kept in the order of the life cycle (edit, roster, submit, review, decide).

@bp.route("/applications/<int:application_id>/edit", methods=["GET", "POST"])
@roles_required("operator")
def edit_application(application_id: int):
    application = get_or_404(StationApplication, application_id)
    if not application.editable:
        return _detail(application, 409, error=_("申请已提交，不能再修改"))
    form = _application_form(application)
    if form.validate_on_submit():
        try:
            services.save_application(application, form_data(form, *APPLICATION_FIELDS), user=current_user)
        except services.ApplicationRefused as exc:
            return _detail(application, 409, error=str(exc))
        flash(_("已保存"), "success")
        return redirect(url_for(".show_application", application_id=application.id))
    return render("applications/application_form.html", status=422 if form.errors else 200, form=form,
                  application=application, bans=[], bureaus={})


@bp.post("/applications/<int:application_id>/roster")
@roles_required("operator")
def upload_roster(application_id: int):
    application = get_or_404(StationApplication, application_id)
    form = RosterForm()
    if not form.validate_on_submit():
        return _detail(application, 422, roster_form=form)
    try:
        services.upload_roster(application, data=form.file.data.read(), filename=form.file.data.filename or "roster",
                               user=current_user)
    except services.ApplicationRefused as exc:
        return _detail(application, 409, error=str(exc))
    if application.roster_state == "accepted" and application.roster_error_count:
        flash(_("新名册未通过检查，未替换此前已接收的名册；请按错误清单修改后重新上传"), "error")
    elif application.roster_state == "accepted":
        flash(_("名册已接收：%(n)d人", n=application.roster_count), "success")
    else:
        flash(_("名册未接收，请按错误清单修改后重新上传"), "error")
    return redirect(url_for(".show_application", application_id=application.id))


@bp.get("/applications/<int:application_id>/roster-errors.xlsx")
@login_required
def download_roster_errors(application_id: int):
    """Every problem of the last roster check, as a workbook (the page lists the first ROSTER_ERRORS_SHOWN)."""
    from urllib.parse import quote

    from portal.ledgers.excel import CellError, errors_to_xlsx

    application = get_or_404(StationApplication, application_id)
    full = current_user.role in FULL_ROSTER_ROLES
    errors = [CellError("", e.get("row"), e.get("column") or None, e.get("header") or None,
                        e.get("value", "") if full else "—", e.get("problem", ""), e.get("fix", ""))
              for e in application.roster_errors or []]
    note = _("共%(n)d处问题", n=application.roster_error_count)
    data = errors_to_xlsx(errors, title=_("输送劳动力名册错误清单"), note=note)
    return Response(data, mimetype=XLSX, headers={
        "Content-Disposition": f"attachment; filename=\"roster-errors.xlsx\"; filename*=UTF-8''"
                               f"{quote(_('名册错误清单') + '.xlsx')}", "Cache-Control": "no-store"})


@bp.get("/applications/roster-template.xlsx")
@login_required
def download_roster_template():
    from urllib.parse import quote

    from portal.ledgers.template import build_template, template_filename

    return Response(build_template(ROSTER, _=_), mimetype=XLSX, headers={
        "Content-Disposition": f"attachment; filename=\"roster.xlsx\"; filename*=UTF-8''{quote(template_filename(ROSTER))}"})


@bp.post("/applications/<int:application_id>/submit")
@roles_required("operator")
def submit_application(application_id: int):
    application = get_or_404(StationApplication, application_id)
    if not SubmitForm().validate_on_submit():
        return _detail(application, 400)
    try:
        services.submit_application(application, user=current_user)
    except (services.ApplicationRefused, IllegalTransition) as exc:
        get_session().rollback()
        return _detail(application, 409, error=str(exc))
    flash(_("已提交，等待区就业服务中心初审"), "success")
    return redirect(url_for(".show_application", application_id=application.id))


@bp.post("/applications/<int:application_id>/review")
@roles_required("reviewer")
def review_application(application_id: int):
    application = get_or_404(StationApplication, application_id)
    form = ReviewForm()
    if not form.validate_on_submit():
        return _detail(application, 422, review_form=form)
    try:
        services.review_application(application, outcome=form.outcome.data, reason=form.reason.data or "",
                                    user=current_user)
    except IllegalTransition as exc:
        get_session().rollback()
        return _detail(application, 409, error=str(exc))
    flash(_("已保存初审意见"), "success")
    return redirect(url_for(".show_application", application_id=application.id))


@bp.post("/applications/<int:application_id>/decide")
@roles_required("approver")
def decide_application(application_id: int):
    application = get_or_404(StationApplication, application_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _detail(application, 422, decision_form=form)
    try:
        claim_once(form, current_user, "decide_application")
        services.decide_application(application, outcome=form.outcome.data, reason=form.reason.data or "",
                                    user=current_user)
    except AlreadySubmitted:
        return already_done(url_for(".show_application", application_id=application_id))
    except (services.ApplicationRefused, IllegalTransition) as exc:
        get_session().rollback()
        return _detail(get_or_404(StationApplication, application_id), 409, error=str(exc))
    if application.station_id:
        flash(_("已批准设立，站点已建立并登记一次性建站补贴"), "success")
    else:
        flash(_("已保存审核意见"), "success")
    return redirect(url_for(".show_application", application_id=application.id))


# --- station qualifications -------------------------------------------------------------------------

def _scheme_id(station: Station) -> str:
    """The scheme the station was set up under (its application's), else the establishment scheme."""
    scheme_id = get_session().exec(select(StationApplication.scheme_id).where(
        StationApplication.station_id == station.id)).first()
    return scheme_id or ESTABLISHMENT_SCHEME


def _by_station(model, station_ids) -> dict[int, list]:
    out: dict[int, list] = {}
    if station_ids:
        for row in get_session().exec(scoped(model).where(model.station_id.in_(station_ids)).order_by(model.id)):
            out.setdefault(row.station_id, []).append(row)
    return out


@bp.get("/station-qualifications")
@login_required
def list_station_qualifications():
    page = page_of(scoped(Station).order_by(Station.id))
    stations = page.items
    ids = [s.id for s in stations]
    return render("applications/stations.html", stations=stations, page=page, subsidies=_by_station(StationSubsidy, ids),
                  cancellations=_by_station(QualificationCancellation, ids))


def _station_page(station: Station, status: int = 200, *, error: str = "", **forms):
    session = get_session()
    scheme = services.scheme_of(_scheme_id(station))
    approver = current_user.role == "approver" and station.status == "active"
    defaults = {"excellent_form": ExcellentForm() if approver else None,
                "cancel_form": CancellationForm() if approver else None}
    defaults.update(forms)
    conditions = services.excellent_conditions(scheme)
    return render("applications/station.html", status=status, station=station, error=error,
                  bureau=session.get(Bureau, station.bureau_id), operator=session.get(Operator, station.operator_id),
                  subsidies=_by_station(StationSubsidy, [station.id]).get(station.id, []),
                  cancellations=_by_station(QualificationCancellation, [station.id]).get(station.id, []),
                  conditions=[c for c in conditions["clause"].split("；") if c],
                  every_years=conditions.get("every_years"),
                  excellent_grant=services.one_off_grant(scheme, "excellent_station"), **defaults)


@bp.get("/stations/<int:station_id>/qualification")
@login_required
def show_station_qualification(station_id: int):
    return _station_page(get_or_404(Station, station_id))


@bp.post("/stations/<int:station_id>/excellent")
@roles_required("approver")
def select_excellent_station(station_id: int):
    station = get_or_404(Station, station_id)
    form = ExcellentForm()
    if not form.validate_on_submit():
        return _station_page(station, 422, excellent_form=form)
    try:
        claim_once(form, current_user, "select_excellent_station")
        services.select_excellent(station, year=form.year.data, reason=form.reason.data, user=current_user,
                                  scheme_id=_scheme_id(station))
    except AlreadySubmitted:
        return already_done(url_for(".show_station_qualification", station_id=station_id))
    except services.ApplicationRefused as exc:
        get_session().rollback()
        return _station_page(station, 409, error=str(exc))
    flash(_("已评为优秀站点并登记一次性奖励"), "success")
    return redirect(url_for(".show_station_qualification", station_id=station.id))


@bp.post("/stations/<int:station_id>/cancel-qualification")
@roles_required("approver")
def cancel_station_qualification(station_id: int):
    station = get_or_404(Station, station_id)
    form = CancellationForm()
    if not form.validate_on_submit():
        return _station_page(station, 422, cancel_form=form)
    try:
        services.cancel_qualification(station, ground=form.ground.data, reason=form.reason.data,
                                      cancelled_on=form.cancelled_on.data, user=current_user,
                                      scheme_id=_scheme_id(station))
    except services.ApplicationRefused as exc:
        get_session().rollback()
        return _station_page(station, 409, error=str(exc))
    flash(_("已取消该站点资格"), "success")
    return redirect(url_for(".show_station_qualification", station_id=station.id))
