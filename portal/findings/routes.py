"""A contract's findings: the bureau records, edits and withdraws them; the operator reads them."""
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.scoping import get_or_404, roles_required, scoped
from portal.contracts.models import Contract
from portal.db import get_session, local_today
from portal.explain import fact_problem
from portal.findings import services
from portal.findings.forms import EFFECT_ROWS, EditFindingForm, FindingForm, WithdrawFindingForm
from portal.findings.models import FINDING_KINDS, Finding, FindingEffect, IllegalFindingChange
from portal.htmx import render
from portal.paging import page_of
from portal.schemes.services import scheme_for
from rules.scoring import FactsError

bp = Blueprint("findings", __name__)

_DATA = ("found_on", "station_id", "description", "people", "verified", "serious", "collective", "outcome")


def _may_record(contract: Contract) -> bool:
    return current_user.role in ("reviewer", "approver") and current_user.bureau_id == contract.bureau_id


def _form(form_class, contract: Contract, **kwargs):
    # a finding is recorded now: the facts of the version in force today
    rules = services.fact_rules(scheme_for(contract.scheme_id, local_today()))
    return form_class(**kwargs).setup(contract, rules, services.stations_of(contract))


def _valid(form: FindingForm, contract: Contract, finding: Finding | None = None) -> bool:
    """The form's own checks, then the cycle's totals with these effects (ranges of sums, one figure
    never above another): the error goes next to the effect that breaks it."""
    if not form.validate_on_submit():
        return False
    from portal.cycles.services import lock_reason

    # An approved cycle is locked for the bureau too: its findings (new, moved into it or out of it) wait
    # for the approver to reopen the assessment.
    for day in {form.found_on.data, finding.found_on if finding else None} - {None}:
        if locked := lock_reason(contract.id, day):
            form.found_on.errors.append(locked)
            return False
    try:
        services.check_cycle_totals(contract, form.found_on.data, [FindingEffect(**e) for e in form.effect_rows()],
                                    exclude=finding.id if finding else None)
    except FactsError as exc:
        rows = [entry for entry in form.effects if entry.fact_key.data == exc.key] or list(form.effects)[:1]
        rows[0].value.errors.append(_("加上本次后，本考核周期合计不符合该指标的要求：%(why)s",
                                      why=fact_problem(exc, contract.scheme_id)))
        return False
    return True


def _data(form: FindingForm) -> dict:
    data = {name: getattr(form, name).data for name in _DATA}
    data["kind"] = form.finding_kind.data
    return data


@bp.get("/contracts/<int:contract_id>/findings")
@login_required
def list_findings(contract_id: int):
    contract = get_or_404(Contract, contract_id)
    kind = request.args.get("kind") or None
    if kind is not None and kind not in FINDING_KINDS:
        abort(404)
    query = scoped(Finding).where(Finding.contract_id == contract.id)
    if kind:
        query = query.where(Finding.kind == kind)
    page = page_of(query.order_by(Finding.found_on.desc(), Finding.id.desc()))  # the kind filter kept in the URL
    return render("findings/findings.html", "findings/_table.html", contract=contract, findings=page.items,
                  page=page, kind=kind, kinds=FINDING_KINDS, effects=services.effects_of([f.id for f in page.items]),
                  may_record=_may_record(contract))


@bp.route("/contracts/<int:contract_id>/findings/new", methods=["GET", "POST"])
@roles_required("reviewer", "approver")
def record_finding(contract_id: int):
    contract = get_or_404(Contract, contract_id)
    if not _may_record(contract):
        abort(403)
    wanted = request.args.get("kind")
    form = _form(FindingForm, contract, **({"finding_kind": wanted} if wanted in FINDING_KINDS else {}))
    if _valid(form, contract):
        finding = services.record_finding(contract, _data(form), form.effect_rows(), current_user)
        flash(_("已记录"), "success")
        return redirect(url_for(".show_finding", finding_id=finding.id))
    return render("findings/finding_form.html", status=422 if form.is_submitted() else 200, contract=contract,
                  form=form, finding=None)


@bp.get("/contracts/<int:contract_id>/findings/fact-rule")
@login_required
def show_fact_rule(contract_id: int):
    """What a chosen fact costs under the scheme (the form asks for it when a fact is chosen)."""
    contract = get_or_404(Contract, contract_id)
    key = next((v for k, v in request.args.items() if k.endswith("fact_key")), "")
    rule = services.fact_rules(scheme_for(contract.scheme_id, local_today())).get(key)
    return render("findings/_fact_rule.html", rule=rule)


@bp.get("/findings/<int:finding_id>")
@login_required
def show_finding(finding_id: int):
    finding = get_or_404(Finding, finding_id)
    session = get_session()
    contract = session.get(Contract, finding.contract_id)
    rules = services.fact_rules(scheme_for(contract.scheme_id, finding.found_on))  # the version of its day
    station = next((s for s in services.stations_of(contract) if s.id == finding.station_id), None)
    return render("findings/finding.html", finding=finding, contract=contract, station=station, rules=rules,
                  effects=services.effects_of([finding.id])[finding.id], may_record=_may_record(contract),
                  withdraw_form=WithdrawFindingForm())


@bp.route("/findings/<int:finding_id>/edit", methods=["GET", "POST"])
@roles_required("reviewer", "approver")
def edit_finding(finding_id: int):
    finding = get_or_404(Finding, finding_id)
    contract = get_session().get(Contract, finding.contract_id)
    if not _may_record(contract):
        abort(403)
    if finding.status != "recorded":
        flash(_("已撤回的记录不能修改"), "error")
        return redirect(url_for(".show_finding", finding_id=finding.id))
    effects = services.effects_of([finding.id])[finding.id]
    rows = [{"fact_key": e.fact_key, "value": _shown(e), "reason": e.reason} for e in effects]
    rows += [{"fact_key": "", "value": "", "reason": ""}] * (len(rows) >= EFFECT_ROWS)  # room for one more
    form = _form(EditFindingForm, contract, obj=finding, finding_kind=finding.kind, effects=rows)
    if _valid(form, contract, finding):
        try:
            services.edit_finding(finding, _data(form), form.effect_rows(), form.reason.data, current_user)
        except IllegalFindingChange as exc:
            flash(str(exc), "error")
        else:
            flash(_("已保存"), "success")
        return redirect(url_for(".show_finding", finding_id=finding.id))
    return render("findings/finding_form.html", status=422 if form.is_submitted() else 200, contract=contract,
                  form=form, finding=finding)


def _shown(effect) -> str:
    if effect.fact_kind == "bool":
        return "是" if effect.value else "否"
    return f"{effect.fact_value}"


@bp.post("/findings/<int:finding_id>/withdraw")
@roles_required("reviewer", "approver")
def withdraw_finding(finding_id: int):
    finding = get_or_404(Finding, finding_id)
    contract = get_session().get(Contract, finding.contract_id)
    if not _may_record(contract):
        abort(403)
    form = WithdrawFindingForm()
    if not form.validate_on_submit():
        for error in form.reason.errors:
            flash(error, "error")
        return redirect(url_for(".show_finding", finding_id=finding.id))
    try:
        services.withdraw_finding(finding, form.reason.data, current_user)
    except IllegalFindingChange as exc:
        flash(str(exc), "error")
    else:
        flash(_("已撤回"), "success")
    return redirect(url_for(".show_finding", finding_id=finding.id))
