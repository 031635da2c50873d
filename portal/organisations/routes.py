"""Bureaus and operators: platform admins manage bureaus; bureau admins their operators."""
from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlmodel import select

from portal.scoping import get_or_404, roles_required, scoped
from portal.db import get_session
from portal.forms import form_data
from portal.htmx import render
from portal.paging import page_of, search_terms
from portal.organisations import services
from portal.organisations.forms import BureauForm, CreditGradeForm, OperatorForm
from portal.organisations.models import CREDIT_KINDS, Bureau, Operator

bp = Blueprint("organisations", __name__)


def _require_platform_admin():
    from flask import abort

    if not current_user.is_platform_admin:
        abort(403)


@bp.get("/bureaus")
@login_required
def list_bureaus():
    page = page_of(scoped(Bureau).order_by(Bureau.id))
    return render("organisations/bureaus.html", bureaus=page.items, page=page)


@bp.get("/bureaus/<int:bureau_id>")
@login_required
def show_bureau(bureau_id: int):
    bureau = get_or_404(Bureau, bureau_id)
    return render("organisations/bureau.html", bureau=bureau)


@bp.route("/bureaus/new", methods=["GET", "POST"])
@roles_required("admin")
def create_bureau():
    _require_platform_admin()
    form = BureauForm()
    if form.validate_on_submit():
        bureau = services.save_bureau(None, form_data(form, "name", "short_name", "region", "service_centre"))
        flash(_("已创建人社局：%(name)s", name=bureau.name), "success")
        return redirect(url_for(".show_bureau", bureau_id=bureau.id))
    return render("organisations/bureau_form.html", form=form, bureau=None)


@bp.route("/bureaus/<int:bureau_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def edit_bureau(bureau_id: int):
    bureau = get_or_404(Bureau, bureau_id)
    form = BureauForm(obj=bureau)
    if form.validate_on_submit():
        services.save_bureau(bureau, form_data(form, "name", "short_name", "region", "service_centre"))
        flash(_("已保存"), "success")
        return redirect(url_for(".show_bureau", bureau_id=bureau.id))
    return render("organisations/bureau_form.html", form=form, bureau=bureau)


@bp.get("/operators")
@login_required
def list_operators():
    """The operators, a page at a time, searched by name or credit code (in the URL)."""
    query = scoped(Operator)
    if q := search_terms():
        query = query.where(Operator.name.contains(q, autoescape=True) | Operator.credit_code.contains(q, autoescape=True))
    page = page_of(query.order_by(Operator.id))
    return render("organisations/operators.html", operators=page.items, page=page, q=q)


@bp.get("/operators/<int:operator_id>")
@login_required
def show_operator(operator_id: int):
    operator = get_or_404(Operator, operator_id)
    may_grade = current_user.is_bureau_user and current_user.role in ("approver", "admin")
    return _operator_page(operator, CreditGradeForm() if may_grade else None)


def _operator_page(operator: Operator, grade_form, status: int = 200):
    session = get_session()
    grades = services.credit_grades(operator.id)
    recorder_ids = {g.recorded_by_bureau_id for g in grades if g.recorded_by_bureau_id}
    recorders = {b.id: b.name for b in session.exec(select(Bureau).where(Bureau.id.in_(recorder_ids)))} \
        if recorder_ids else {}
    return render(
        "organisations/operator.html", status=status, operator=operator, grades=grades,
        in_force={kind: services.grade_in_force(grades, kind) for kind in CREDIT_KINDS},
        credit_kinds=CREDIT_KINDS, recorders=recorders,
        grade_form=grade_form,
    )


def _operator_form_valid(form: OperatorForm, exclude_id=None) -> bool:
    if not form.validate_on_submit():
        return False
    if services.credit_code_taken(form.credit_code.data, exclude_id):
        form.credit_code.errors.append(_("该统一社会信用代码已登记"))
        return False
    return True


_OPERATOR_FIELDS = ("name", "credit_code", "licence_no", "contact_name", "contact_phone", "address")


@bp.route("/operators/new", methods=["GET", "POST"])
@roles_required("admin")
def create_operator():
    form = OperatorForm()
    if _operator_form_valid(form):
        operator = services.save_operator(None, form_data(form, *_OPERATOR_FIELDS),
                                          registered_by_bureau_id=current_user.bureau_id)
        flash(_("已登记运营单位：%(name)s", name=operator.name), "success")
        return redirect(url_for(".show_operator", operator_id=operator.id))
    return render("organisations/operator_form.html", form=form, operator=None)


@bp.route("/operators/<int:operator_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def edit_operator(operator_id: int):
    operator = get_or_404(Operator, operator_id)
    if not (current_user.is_platform_admin or operator.registered_by_bureau_id == current_user.bureau_id):
        abort(403)  # an operator shared with other bureaus is edited by the bureau that registered it
    form = OperatorForm(obj=operator)
    if _operator_form_valid(form, exclude_id=operator.id):
        services.save_operator(operator, form_data(form, *_OPERATOR_FIELDS),
                               registered_by_bureau_id=operator.registered_by_bureau_id,
                               audit_bureau_id=current_user.bureau_id)
        flash(_("已保存"), "success")
        return redirect(url_for(".show_operator", operator_id=operator.id))
    return render("organisations/operator_form.html", form=form, operator=operator)


@bp.post("/operators/<int:operator_id>/credit-grades")
@roles_required("approver", "admin")  # seed 004: C fails the year, D expels — not a first-level decision
def record_credit_grade(operator_id: int):
    operator = get_or_404(Operator, operator_id)
    form = CreditGradeForm()
    if form.validate_on_submit():
        try:
            services.add_credit_grade(operator, form_data(form, "kind", "grade", "given_on", "given_by", "note"),
                                      bureau_id=current_user.bureau_id, user=current_user)
        except services.GradeRecorded:
            form.given_on.errors.append(_("该类别在这一评定日期的等级已记录，各合作人社局共用同一记录"))
            return _operator_page(operator, form, status=422)
        flash(_("已记录信用等级"), "success")
        return redirect(url_for(".show_operator", operator_id=operator.id))
    return _operator_page(operator, form, status=422)
