"""Violations of a contract with their evidence; acknowledging, waiving (each refused while the cycle is locked)."""
from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.scoping import get_or_404, roles_required, scoped
from portal.violations import services
from portal.violations.forms import WaiveForm
from portal.violations.models import IllegalViolationChange, Violation
from portal.contracts.models import Contract
from portal.db import get_session
from portal.htmx import render
from portal.paging import page_of

bp = Blueprint("violations", __name__)


@bp.get("/contracts/<int:contract_id>/violations")
@login_required
def list_violations(contract_id: int):
    """The contract's violations a page at a time; `?item=<id>` (services.violation_url) opens the page holding
    that violation."""
    contract = get_or_404(Contract, contract_id)
    page = page_of(scoped(Violation).where(Violation.contract_id == contract.id)
                   .order_by(Violation.status, Violation.first_found_at.desc(), Violation.id))
    return render("violations/violations.html", contract=contract, violations=page.items, page=page,
                  waive_form=WaiveForm())


def _change(violation_id: int, action: str, reason: str | None = None, then=None, done: str = "") -> object:
    """One of violations.services.VIOLATION_ACTIONS; a locked cycle's refusal is shown with its reason; `then`
    tells the next person (in the same transaction), `done` says what happened."""
    violation = get_or_404(Violation, violation_id)
    try:
        services.act_on_violation(violation, action, current_user, reason)
        if then:
            then(violation)
    except IllegalViolationChange as exc:
        get_session().rollback()
        flash(str(exc), "error")
    else:
        get_session().commit()
        flash(done or _("已保存"), "success")
    return redirect(services.violation_url(violation))


def _form_refused(violation_id: int, form: WaiveForm):
    """The reason is missing or too long: said, nothing changed."""
    violation = get_or_404(Violation, violation_id)
    for error in form.reason.errors:
        flash(error, "error")
    return redirect(services.violation_url(violation))


@bp.post("/violations/<int:violation_id>/acknowledge")
@roles_required("operator")
def acknowledge_violation(violation_id: int):
    return _change(violation_id, "acknowledge_violation")


@bp.post("/violations/<int:violation_id>/waive")
@roles_required("reviewer")
def waive_violation(violation_id: int):
    """The reviewer proposes a waiver with a reason; it takes effect only when the approver confirms."""
    form = WaiveForm()
    if not form.validate_on_submit():
        return _form_refused(violation_id, form)
    return _change(violation_id, "propose_waiver", reason=form.reason.data, then=services.notify_waiver_proposed,
                   done=_("已提出豁免，已通知审批人确认"))


@bp.post("/violations/<int:violation_id>/waiver/confirm")
@roles_required("approver")
def confirm_waiver(violation_id: int):
    return _change(violation_id, "waive_violation")


@bp.post("/violations/<int:violation_id>/waiver/decline")
@roles_required("approver")
def decline_waiver(violation_id: int):
    form = WaiveForm()
    if not form.validate_on_submit():
        return _form_refused(violation_id, form)
    return _change(violation_id, "decline_waiver", reason=form.reason.data)


@bp.app_context_processor
def _remedies():
    """What the operator must do about a violation (rules/compliance: every rule's remedy), in the page's language."""
    from flask_babel import get_locale

    from rules.compliance import list_rules

    english = str(get_locale()) == "en"
    remedies = {rule.id: rule.remedy for rule in list_rules() if rule.remedy}

    def remedy_text(rule_id: str) -> str:
        remedy = remedies.get(rule_id)
        return "" if remedy is None else (remedy.en if english else remedy.zh)

    return {"remedy_text": remedy_text, "violation_url": services.violation_url}
