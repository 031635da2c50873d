"""The projected score sheet of a contract's current (or chosen) cycle."""
from flask import Blueprint, abort, request
from flask_login import login_required

from portal.assessment import services
from portal.cycles import services as cycle_services
from portal.scoping import get_or_404
from portal.contracts.models import Contract
from portal.db import utcnow
from portal.htmx import render

bp = Blueprint("assessment", __name__)


@bp.get("/contracts/<int:contract_id>/score")
@login_required
def show_projection(contract_id: int):
    from zoneinfo import ZoneInfo

    contract = get_or_404(Contract, contract_id)
    all_cycles = cycle_services.cycles(contract)
    wanted = request.args.get("cycle")
    if wanted:
        cycle = next((c for c in all_cycles if c.id == wanted), None)
        if cycle is None:
            abort(404)
    else:
        cycle = cycle_services.current_cycle(contract, utcnow().astimezone(ZoneInfo("Asia/Shanghai")).date())
    projection = services.project(contract, cycle)
    return render("assessment/projection.html", contract=contract, cycles=all_cycles, projection=projection,
                  sheet=projection.sheet)


# -- the bureau's sheet of a cycle --------------------------------------------------------------------

from flask import flash, redirect, url_for  # noqa: E402
from flask_babel import gettext as _  # noqa: E402
from flask_login import current_user  # noqa: E402

from portal.assessment.forms import ApproveForm, EntryForm, ReasonForm, RemoveEntryForm, SubmitForm  # noqa: E402
from portal.cycles.models import EditConflict, IllegalSheetChange, SheetApproval  # noqa: E402
from portal.scoping import roles_required  # noqa: E402
from portal.db import get_session  # noqa: E402
from rules.scoring import FactsError  # noqa: E402

BUREAU_ROLES = ("reviewer", "approver", "admin")


def _contract_cycle(contract_id: int, cycle_id: str):
    contract = get_or_404(Contract, contract_id)
    cycle = cycle_services.find_cycle(contract, cycle_id)
    if cycle is None:
        abort(404)
    return contract, cycle


def _entry_form(contract, sheet_row) -> EntryForm:
    from rules.schemes import load_scheme

    form = EntryForm()
    scheme = load_scheme(contract.scheme_id)
    form.fact.choices = [("", "—")] + [(key, f"{spec.meaning.split(' / ')[0]}（{key}）")
                                        for key, spec in scheme.facts.items()]
    if sheet_row is not None and form.revision.data is None:
        form.revision.data = sheet_row.revision
    return form


def _show_sheet(contract, cycle, status: int = 200, entry_form=None, conflict: str = ""):
    from rules.schemes import load_scheme

    session = get_session()
    sheet_row = cycle_services.sheet_of(contract, cycle)
    result = services.assess(contract, cycle, sheet_row)
    revision = sheet_row.revision if sheet_row else 0
    forms = {name: cls(formdata=None, revision=revision) for name, cls in
             (("submit", SubmitForm), ("approve", ApproveForm), ("return", ReasonForm), ("reopen", ReasonForm),
              ("remove", RemoveEntryForm))}
    entry_form = entry_form or _entry_form(contract, sheet_row)
    entry_form.revision.data = revision
    approvals = cycle_services.approvals_of(sheet_row) if sheet_row else []
    session.commit()
    return render("assessment/sheet.html", status=status, contract=contract,
                  cycles=cycle_services.cycles(contract), cycle=cycle, sheet_row=sheet_row, result=result,
                  sheet=result.sheet, projection=result.projection, scheme=load_scheme(contract.scheme_id),
                  forms=forms, entry_form=entry_form, approvals=approvals, conflict=conflict)


@bp.get("/contracts/<int:contract_id>/cycles/<cycle_id>/assessment")
@roles_required(*BUREAU_ROLES)
def show_sheet(contract_id: int, cycle_id: str):
    contract, cycle = _contract_cycle(contract_id, cycle_id)
    return _show_sheet(contract, cycle)


def _conflict(contract, cycle, sheet_row):
    get_session().rollback()
    current = cycle_services.sheet_of(contract, cycle)
    message = _("此考核表已被他人修改（现为第%(rev)s版），您的修改没有保存，以免覆盖他人的修改。请查看最新内容后重新操作。",
                rev=current.revision if current else "?")
    return _show_sheet(contract, cycle, status=409, conflict=message)


def _act(contract_id: int, cycle_id: str, form_class, action):
    """Run one change on the sheet: a stale revision is a conflict, an illegal move an error; all or nothing."""
    contract, cycle = _contract_cycle(contract_id, cycle_id)
    session = get_session()
    form = form_class() if form_class is not EntryForm else _entry_form(contract, None)
    created = cycle_services.sheet_of(contract, cycle) is None
    sheet_row = services.open_sheet(contract, cycle)
    if not form.validate_on_submit():
        session.rollback()
        for name, errors in form.errors.items():
            for error in errors:
                flash(f"{getattr(form, name).label.text}：{error}" if name != "revision" else error, "error")
        if form_class is EntryForm:
            return _show_sheet(contract, cycle, status=422, entry_form=form)
        return redirect(url_for(".show_sheet", contract_id=contract.id, cycle_id=cycle.id))
    if created and form.revision.data == 0:  # the page showed no sheet yet; this request starts it
        form.revision.data = sheet_row.revision
    try:
        action(contract, cycle, sheet_row, form)
    except EditConflict:
        return _conflict(contract, cycle, sheet_row)
    except (IllegalSheetChange, ValueError, FactsError) as exc:
        session.rollback()
        flash(str(exc), "error")
        if form_class is EntryForm:
            form.value.errors = [str(exc)]
            return _show_sheet(contract, cycle, status=422, entry_form=form)
        return redirect(url_for(".show_sheet", contract_id=contract.id, cycle_id=cycle.id))
    session.commit()
    flash(_("已保存"), "success")
    return redirect(url_for(".show_sheet", contract_id=contract.id, cycle_id=cycle.id))


@bp.post("/contracts/<int:contract_id>/cycles/<cycle_id>/assessment/entries")
@roles_required("reviewer")
def save_entry(contract_id: int, cycle_id: str):
    return _act(contract_id, cycle_id, EntryForm, lambda c, cy, s, f: services.save_entry(
        c, s, f.fact.data, f.value.data, f.reason.data, current_user, f.revision.data))


@bp.post("/contracts/<int:contract_id>/cycles/<cycle_id>/assessment/entries/remove")
@roles_required("reviewer")
def remove_entry(contract_id: int, cycle_id: str):
    return _act(contract_id, cycle_id, RemoveEntryForm, lambda c, cy, s, f: services.clear_entry(
        s, f.fact.data, f.reason.data, f.revision.data))


@bp.post("/contracts/<int:contract_id>/cycles/<cycle_id>/assessment/submit")
@roles_required("reviewer")
def submit_sheet(contract_id: int, cycle_id: str):
    return _act(contract_id, cycle_id, SubmitForm, lambda c, cy, s, f: services.submit_sheet(
        c, cy, s, current_user, f.revision.data))


@bp.post("/contracts/<int:contract_id>/cycles/<cycle_id>/assessment/return")
@roles_required("approver")
def return_sheet(contract_id: int, cycle_id: str):
    return _act(contract_id, cycle_id, ReasonForm, lambda c, cy, s, f: services.return_sheet(
        s, current_user, f.reason.data, f.revision.data))


@bp.post("/contracts/<int:contract_id>/cycles/<cycle_id>/assessment/approve")
@roles_required("approver")
def approve_sheet(contract_id: int, cycle_id: str):
    return _act(contract_id, cycle_id, ApproveForm, lambda c, cy, s, f: services.approve_sheet(
        c, cy, s, current_user, f.revision.data, f.note.data or ""))


@bp.post("/contracts/<int:contract_id>/cycles/<cycle_id>/assessment/reopen")
@roles_required("approver")
def reopen_sheet(contract_id: int, cycle_id: str):
    return _act(contract_id, cycle_id, ReasonForm, lambda c, cy, s, f: services.reopen_sheet(
        s, current_user, f.reason.data, f.revision.data))


@bp.get("/approvals/<int:approval_id>")
@login_required
def show_approval(approval_id: int):
    """A frozen sheet, as approved; recomputed from its stored inputs to show the figures still hold."""
    approval = get_or_404(SheetApproval, approval_id)
    contract = get_or_404(Contract, approval.contract_id)
    figures, differences = services.recompute(approval)
    return render("assessment/approval.html", approval=approval, contract=contract, figures=approval.figures,
                  differences=differences, sheet_row=get_session().get(services.AssessmentSheet, approval.sheet_id))
