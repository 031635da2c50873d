"""Consequences of a contract (rectification notices, termination) and the bureau's ranked table.

Two signatures where the documents put a decision with the bureau's leadership: the reviewer proposes a
termination, the approver confirms or declines it; the approver issues and closes rectification notices;
the operator answers a notice with its rectification report.
"""
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.cycles.models import SheetApproval
from portal.scoping import get_or_404, roles_required
from portal.consequences import services
from portal.consequences.forms import AnswerForm, CloseNoticeForm, DeclineForm, NoticeForm, ProposalForm
from portal.consequences.models import IllegalConsequenceChange, RectificationNotice, TerminationProposal
from portal.contracts.models import Contract
from portal.db import get_session
from portal.htmx import render
from portal.organisations.models import Bureau

bp = Blueprint("consequences", __name__)

BUREAU_ROLES = ("reviewer", "approver", "admin")


def _notice_form(contract: Contract, candidates) -> NoticeForm:
    form = NoticeForm()
    form.approval_id.choices = [("", _("不依据考核结果（手动下发）"))] + [
        (str(c.approval.id), f"{c.cycle.label} · {c.approval.total} · {c.consequence}") for c in candidates]
    return form


def _proposal_form(contract: Contract, notices) -> ProposalForm:
    form = ProposalForm()
    form.notice_id.choices = [("", "—")] + [
        (str(n.id), f"#{n.id} {n.issued_on.isoformat()} {_(n.state_label)}") for n in notices if n.state == "failed"]
    if not form.is_submitted():
        form.clause.data = services.TERMINATION_CLAUSES.get(contract.scheme_id, "")
        form.effective_on.data = services.today()
        failed = [n for n in notices if n.state == "failed"]
        if failed:
            form.notice_id.data = str(failed[0].id)
    return form


def _page(contract: Contract, status: int = 200, notice_form=None, proposal_form=None):
    notices = services.notices_of(contract)
    candidates = services.rectification_candidates(contract) if current_user.role != "operator" else []
    return render("consequences/consequences.html", status=status, contract=contract, notices=notices,
                  proposals=services.proposals_of(contract), candidates=candidates,
                  findings=services.rule_findings(contract), pending=services.pending_proposal(contract),
                  notice_form=notice_form or _notice_form(contract, candidates),
                  proposal_form=proposal_form or _proposal_form(contract, notices), now=services.utcnow())


@bp.get("/contracts/<int:contract_id>/consequences")
@login_required
def list_consequences(contract_id: int):
    return _page(get_or_404(Contract, contract_id))


@bp.post("/contracts/<int:contract_id>/notices")
@roles_required("approver")
def issue_notice(contract_id: int):
    contract = get_or_404(Contract, contract_id)
    candidates = services.rectification_candidates(contract)
    form = _notice_form(contract, candidates)
    if not form.validate_on_submit():
        return _page(contract, 422, notice_form=form)
    approval = get_or_404(SheetApproval, int(form.approval_id.data)) if form.approval_id.data else None
    session = get_session()
    try:
        notice = services.issue_notice(contract, user=current_user, findings=form.findings.data,
                                       clause=form.clause.data or "", due_on=form.due_on.data, approval=approval)
    except (IllegalConsequenceChange, ValueError) as exc:
        session.rollback()
        form.findings.errors = [str(exc)]
        return _page(contract, 422, notice_form=form)
    session.commit()
    flash(_("已下发整改通知，整改期限 %(due)s", due=notice.due_on.isoformat()), "success")
    return redirect(url_for(".show_notice", notice_id=notice.id))


def _notice_page(notice: RectificationNotice, status: int = 200, answer_form=None, close_form=None):
    contract = get_or_404(Contract, notice.contract_id)
    approval = get_session().get(SheetApproval, notice.approval_id) if notice.approval_id else None
    from portal.reporting.services import refusal_reason

    return render("consequences/notice.html", status=status, notice=notice, contract=contract, approval=approval,
                  answer_form=answer_form or AnswerForm(formdata=None),
                  close_form=close_form or CloseNoticeForm(formdata=None), refusal=refusal_reason(contract),
                  now=services.utcnow())


@bp.get("/notices/<int:notice_id>")
@login_required
def show_notice(notice_id: int):
    return _notice_page(get_or_404(RectificationNotice, notice_id))


@bp.post("/notices/<int:notice_id>/answer")
@roles_required("operator")
def answer_notice(notice_id: int):
    notice = get_or_404(RectificationNotice, notice_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        return _notice_page(notice, 422, answer_form=form)
    session = get_session()
    try:
        services.answer_notice(notice, get_or_404(Contract, notice.contract_id), user=current_user,
                               report=form.report.data)
    except IllegalConsequenceChange as exc:
        session.rollback()
        flash(str(exc), "error")
    else:
        session.commit()
        flash(_("已提交整改报告"), "success")
    return redirect(url_for(".show_notice", notice_id=notice.id))


@bp.post("/notices/<int:notice_id>/close")
@roles_required("approver")
def close_notice(notice_id: int):
    notice = get_or_404(RectificationNotice, notice_id)
    form = CloseNoticeForm()
    if not form.validate_on_submit():
        return _notice_page(notice, 422, close_form=form)
    session = get_session()
    try:
        services.close_notice(notice, get_or_404(Contract, notice.contract_id), user=current_user,
                              rectified=form.outcome.data == "rectified", reason=form.reason.data)
    except IllegalConsequenceChange as exc:
        session.rollback()
        flash(str(exc), "error")
    else:
        session.commit()
        flash(_("已保存"), "success")
    return redirect(url_for(".show_notice", notice_id=notice.id))


@bp.post("/contracts/<int:contract_id>/terminations")
@roles_required("reviewer")
def propose_termination(contract_id: int):
    contract = get_or_404(Contract, contract_id)
    notices = services.notices_of(contract)
    form = _proposal_form(contract, notices)
    if not form.validate_on_submit():
        return _page(contract, 422, proposal_form=form)
    notice = get_or_404(RectificationNotice, int(form.notice_id.data)) if form.notice_id.data else None
    session = get_session()
    try:
        proposal = services.propose_termination(contract, user=current_user, reason=form.reason.data,
                                                clause=form.clause.data, effective_on=form.effective_on.data,
                                                notice=notice)
    except IllegalConsequenceChange as exc:
        session.rollback()
        form.reason.errors = [str(exc)]
        return _page(contract, 422, proposal_form=form)
    session.commit()
    flash(_("已提出终止建议，待审批人确认"), "success")
    return redirect(url_for(".show_proposal", proposal_id=proposal.id))


def _proposal_page(proposal: TerminationProposal, status: int = 200, decline_form=None):
    contract = get_or_404(Contract, proposal.contract_id)
    notice = get_session().get(RectificationNotice, proposal.notice_id) if proposal.notice_id else None
    return render("consequences/proposal.html", status=status, proposal=proposal, contract=contract, notice=notice,
                  decline_form=decline_form or DeclineForm(formdata=None))


@bp.get("/terminations/<int:proposal_id>")
@login_required
def show_proposal(proposal_id: int):
    return _proposal_page(get_or_404(TerminationProposal, proposal_id))


@bp.get("/terminations/<int:proposal_id>/confirm")
@roles_required("approver")
def confirm_termination_step(proposal_id: int):
    """What confirming the termination does, stated before it is done (an htmx fragment or a page)."""
    from portal.consequences.services import _bureau_users, _operator_users

    proposal = get_or_404(TerminationProposal, proposal_id)
    contract = get_or_404(Contract, proposal.contract_id)
    told = [u.display_name for u in _operator_users(contract) + _bureau_users(contract)]
    return render("consequences/confirm_termination.html", "consequences/_confirm_termination.html",
                  proposal=proposal, contract=contract, told=told)


@bp.post("/terminations/<int:proposal_id>/confirm")
@roles_required("approver")
def confirm_termination(proposal_id: int):
    proposal = get_or_404(TerminationProposal, proposal_id)
    session = get_session()
    try:
        services.confirm_termination(proposal, get_or_404(Contract, proposal.contract_id), user=current_user)
    except IllegalConsequenceChange as exc:
        session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".show_proposal", proposal_id=proposal.id))
    session.commit()
    flash(_("合同已终止"), "success")
    return redirect(url_for("contracts.show_contract", contract_id=proposal.contract_id))


@bp.post("/terminations/<int:proposal_id>/decline")
@roles_required("approver")
def decline_termination(proposal_id: int):
    proposal = get_or_404(TerminationProposal, proposal_id)
    form = DeclineForm()
    if not form.validate_on_submit():
        return _proposal_page(proposal, 422, decline_form=form)
    session = get_session()
    try:
        services.decline_termination(proposal, user=current_user, reason=form.reason.data)
    except IllegalConsequenceChange as exc:
        session.rollback()
        flash(str(exc), "error")
    else:
        session.commit()
        flash(_("已不予确认"), "success")
    return redirect(url_for(".show_proposal", proposal_id=proposal.id))


@bp.get("/bureaus/<int:bureau_id>/ranking")
@roles_required(*BUREAU_ROLES)
def show_ranking(bureau_id: int):
    """seed 004 五、考核结果运用: the bureau's approved sheets of one scheme and cycle, ranked and graded."""
    bureau = get_or_404(Bureau, bureau_id)
    choices = services.ranking_choices(bureau.id)
    scheme_id = request.args.get("scheme") or (choices[0][0] if choices else "")
    cycles = next((keys for sid, _t, keys in choices if sid == scheme_id), None)
    if choices and cycles is None:
        abort(404)
    cycle_key = request.args.get("cycle") or (cycles[-1][0] if cycles else "")
    if cycles and cycle_key not in dict(cycles):
        abort(404)
    result = services.ranking(bureau.id, scheme_id, cycle_key) if cycles else None
    return render("consequences/ranking.html", bureau=bureau, choices=choices, scheme_id=scheme_id,
                  cycle_key=cycle_key, cycles=cycles or [], ranking=result)
