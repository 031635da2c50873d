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
    approval = cycle_services.current_approval(cycle_services.sheet_of(contract, cycle))
    projection = services.project(contract, cycle)
    return render("assessment/projection.html", contract=contract, cycles=all_cycles, projection=projection,
                  sheet=projection.sheet, approval=approval)


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


def _entry_form(contract, cycle, sheet_row) -> EntryForm:
    form = EntryForm()
    scheme = cycle_services.cycle_scheme(contract, cycle)
    form.fact.choices = [("", "—")] + [(key, f"{spec.meaning.split(' / ')[0]}（{key}）")
                                        for key, spec in scheme.facts.items()]
    if sheet_row is not None and form.revision.data is None:
        form.revision.data = sheet_row.revision
    return form


def _show_sheet(contract, cycle, status: int = 200, entry_form=None, conflict: str = ""):
    session = get_session()
    sheet_row = cycle_services.sheet_of(contract, cycle)
    result = services.assess(contract, cycle, sheet_row)
    revision = sheet_row.revision if sheet_row else 0
    forms = {name: cls(formdata=None, revision=revision) for name, cls in
             (("submit", SubmitForm), ("approve", ApproveForm), ("return", ReasonForm), ("reopen", ReasonForm),
              ("remove", RemoveEntryForm))}
    entry_form = entry_form or _entry_form(contract, cycle, sheet_row)
    entry_form.revision.data = revision
    approvals = cycle_services.approvals_of(sheet_row) if sheet_row else []
    session.commit()
    return render("assessment/sheet.html", status=status, contract=contract,
                  cycles=cycle_services.cycles(contract), cycle=cycle, sheet_row=sheet_row, result=result,
                  sheet=result.sheet, projection=result.projection, scheme=result.projection.scheme,
                  forms=forms, entry_form=entry_form, approvals=approvals, conflict=conflict,
                  sections=services.sections(result), revision=revision, editable=_editable(sheet_row))


def _editable(sheet_row) -> bool:
    return current_user.role == "reviewer" and (sheet_row is None or sheet_row.state == "draft")


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


def _act(contract_id: int, cycle_id: str, form_class, action, done: str = ""):
    """Run one change on the sheet: a stale revision is a conflict, an illegal move an error; all or nothing."""
    contract, cycle = _contract_cycle(contract_id, cycle_id)
    session = get_session()
    form = form_class() if form_class is not EntryForm else _entry_form(contract, cycle, None)
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
    flash(done or _("已保存"), "success")
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
        c, cy, s, current_user, f.revision.data), done=_("已提交审批，已通知审批人"))


@bp.post("/contracts/<int:contract_id>/cycles/<cycle_id>/assessment/return")
@roles_required("approver")
def return_sheet(contract_id: int, cycle_id: str):
    return _act(contract_id, cycle_id, ReasonForm, lambda c, cy, s, f: services.return_sheet(
        c, cy, s, current_user, f.reason.data, f.revision.data), done=_("已退回审核人，已通知审核人"))


@bp.post("/contracts/<int:contract_id>/cycles/<cycle_id>/assessment/approve")
@roles_required("approver")
def approve_sheet(contract_id: int, cycle_id: str):
    return _act(contract_id, cycle_id, ApproveForm, lambda c, cy, s, f: services.approve_sheet(
        c, cy, s, current_user, f.revision.data, f.note.data or ""),
        done=_("已审批通过，该周期数据已锁定，已通知运营单位"))


@bp.post("/contracts/<int:contract_id>/cycles/<cycle_id>/assessment/reopen")
@roles_required("approver")
def reopen_sheet(contract_id: int, cycle_id: str):
    return _act(contract_id, cycle_id, ReasonForm, lambda c, cy, s, f: services.reopen_sheet(
        s, current_user, f.reason.data, f.revision.data), done=_("已重新开启，该周期数据已解锁"))


@bp.get("/approvals/<int:approval_id>")
@login_required
def show_approval(approval_id: int):
    """A frozen sheet, as approved; recomputed from its stored inputs to show the figures still hold."""
    approval = get_or_404(SheetApproval, approval_id)
    contract = get_or_404(Contract, approval.contract_id)
    figures, differences = services.recompute(approval)
    return render("assessment/approval.html", approval=approval, contract=contract, figures=approval.figures,
                  differences=differences, sheet_row=get_session().get(services.AssessmentSheet, approval.sheet_id))


# -- the sheet as a form: one fact saved in place (htmx), a decision confirmed first --------------------


@bp.post("/contracts/<int:contract_id>/cycles/<cycle_id>/assessment/facts/<key>")
@roles_required("reviewer")
def save_fact(contract_id: int, cycle_id: str, key: str):
    """Save one fact of the form; answer with the fact's component and the sheet's summary (out of band)."""
    from portal.assessment.forms import fact_input
    from portal.explain import fact_label
    from portal.htmx import is_htmx

    contract, cycle = _contract_cycle(contract_id, cycle_id)
    spec = cycle_services.cycle_scheme(contract, cycle).facts.get(key)
    if spec is None:
        abort(404)
    session = get_session()
    raw, reason, seen, error = fact_input(spec, request.form)
    created = cycle_services.sheet_of(contract, cycle) is None
    sheet_row = services.open_sheet(contract, cycle)
    if created and seen == 0:  # the page showed no sheet yet; this save starts it
        seen = sheet_row.revision
    conflict = ""
    if not error:
        try:
            services.save_entry(contract, sheet_row, key, raw, reason, current_user, seen)
        except EditConflict:
            session.rollback()
            current = cycle_services.sheet_of(contract, cycle)
            conflict = _("此考核表已被他人修改（现为第%(rev)s版），您的修改没有保存，以免覆盖他人的修改。"
                         "下面是最新内容，请核对后重新填写。", rev=current.revision if current else "?")
        except (IllegalSheetChange, ValueError, FactsError) as exc:
            session.rollback()
            error = str(exc)
        else:
            session.commit()
    else:
        session.rollback()
    if not is_htmx():
        if error or conflict:
            flash(f"{fact_label(key, contract.scheme_id)}：{error or conflict}", "error")
        else:
            flash(_("已保存"), "success")
        return redirect(url_for(".show_sheet", contract_id=contract.id, cycle_id=cycle.id) + f"#fact-{key}")
    sheet_row = cycle_services.sheet_of(contract, cycle)
    result = services.assess(contract, cycle, sheet_row)
    field = next(f for s in services.sections(result) for f in s.fields if f.key == key)
    # htmx: the answer is always swapped in (200); the component itself says saved, refused or conflicting
    response = render("assessment/_fact_saved.html", contract=contract, cycle=cycle,
                      sheet_row=sheet_row, result=result, sheet=result.sheet, projection=result.projection,
                      sections=services.sections(result), f=field, error=error, conflict=conflict,
                      revision=sheet_row.revision if sheet_row else 0, editable=_editable(sheet_row))
    session.commit()
    return response


_DECISIONS = {"submit": ("reviewer", "draft"), "approve": ("approver", "submitted")}


@bp.get("/contracts/<int:contract_id>/cycles/<cycle_id>/assessment/confirm/<decision>")
@roles_required("reviewer", "approver")
def confirm_decision(contract_id: int, cycle_id: str, decision: str):
    """What a decision that cannot be undone will do, stated before it is taken (page or htmx fragment)."""
    if decision not in _DECISIONS:
        abort(404)
    contract, cycle = _contract_cycle(contract_id, cycle_id)
    role, state = _DECISIONS[decision]
    if current_user.role != role:
        abort(403)
    sheet_row = cycle_services.sheet_of(contract, cycle)
    refused = ""
    if (sheet_row.state if sheet_row else "draft") != state:
        refused = _("考核表当前状态为“%(state)s”，不能进行此操作。", state=_(sheet_row.state_label) if sheet_row else _("未开始"))
    result = services.assess(contract, cycle, sheet_row)
    consequences = services.consequences(contract, cycle, result, decision)
    revision = sheet_row.revision if sheet_row else 0
    form = (ApproveForm if decision == "approve" else SubmitForm)(formdata=None, revision=revision)
    get_session().commit()
    return render("assessment/confirm.html", "assessment/_confirm.html", contract=contract, cycle=cycle,
                  decision=decision, result=result, sheet=result.sheet, consequences=consequences, form=form,
                  refused=refused)


@bp.get("/schemes/versions/<int:version_id>/dry-run")
@roles_required("admin", "reviewer", "approver")
def show_dry_run(version_id: int):
    """The bureau's approved sheets whose cycles would fall under this version, scored again from their frozen
    facts: what would change (total, band, payment). Nothing is written; the approvals stay as they are."""
    from portal.schemes import services as scheme_services
    from portal.schemes.models import SchemeVersion
    from portal.scoping import scoped

    version = get_or_404(SchemeVersion, version_id)
    scheme = scheme_services.version_scheme(version)
    rows = services.dry_run(version, scheme, scoped(Contract))
    return render("assessment/dry_run.html", version=version, scheme=scheme, rows=rows,
                  until=scheme_services.next_version_day(version),
                  changed=[r for r in rows if r.changed])
