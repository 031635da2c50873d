"""Writing consequences (each write leaves an audit line and tells the people concerned), the ranked table
of a bureau's cycle, and the period scores the compliance rules read from approved sheets."""
from __future__ import annotations

import calendar as _calendar
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import url_for
from sqlmodel import select

from portal.cycles.models import AssessmentSheet, SheetApproval
from portal.audit import services as audit
from portal.consequences.models import (IllegalConsequenceChange, RectificationNotice, TerminationProposal,
                                        shanghai_day)
from portal.contracts.models import Contract, IllegalTransition
from portal.filters import day, scheme_cite, zh
from portal.db import get_session, utcnow

# seed 002 服务内容 4.监督考核（标项一、标项二）
CLAUSE_002 = ("《凭祥产业园就业服务站及城区、镇就业服务站建设项目采购文件》服务内容 4.监督考核：考核得分低于50分以下的将不支付该期的服务费用，并限服务方一个月内整改完毕，"
              "整改不通过的，采购人有权单方解除合同，由此造成损失和责任由成交供应商自行承担。")

# The clause each scheme's own document gives for ending the contract (shown as the proposal's default).
TERMINATION_CLAUSES = {
    "pingxiang-2024-lot1": CLAUSE_002,
    "ningming-2024-lot2": CLAUSE_002,
    "qianxi-2022": "《黔西市驻浙江省、福建省劳务协作工作站开展就业服务工作的考核实施细则》5、附则：如我市驻浙江省、福建省劳务协作工作站开展就业服务工作未达到考核实施细则相关要求的，"
                   "我局有权终止与购买服务人力资源机构的协议。",
    "jindong-2021": "金东人社〔2021〕14号《金东区省外劳务协作工作站设立与管理办法（试行）》第八条：有下列情形之一的，由区人社局取消劳务协作工作站资格并予以公布，"
                    "被取消的劳务协作工作站2年内不得重新申报：……（三）连续两个年度评估不合格的；（四）弄虚作假、虚报冒领补贴的；"
                    "（五）发生重大安全责任事故或严重损害务工人员或企业权益受到投诉并核实的。",
    "xingan": "《新干县县乡村三级就业之家运营服务外包项目》3.4结果运用：当成交供应商出现以下情况之一，采购人可直接解除与成交供应商签订的外包合同。（一）成交供应商"
              "不履行合同或无效履行合同……（二）……敏感信息泄密，造成不良影响的；（三）……出现舆情造成社会恶劣影响的。",
    "wujiang-2022": "吴人社就〔2022〕15号《2022年“乐业吴江”就业协作联盟运营单位绩效考核细则》四、（五）负面影响：……当年度考核等次列为不合格，取消“乐业吴江”就业协作联盟运营单位资格；"
                    "人力资源服务机构信用等级评价为D级的，取消“乐业吴江”就业协作联盟运营单位资格。",
}


def today(at: datetime | None = None) -> date:
    return shanghai_day(at or utcnow())


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or that month's last day (seed 002 一个月内: 1-31 → 2-28/29)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, _calendar.monthrange(year, month + 1)[1]))


def _bureau_users(contract: Contract, roles=("reviewer", "approver")) -> list:
    from portal.notifications.services import recipients

    return [u for u in recipients(contract, bureau_too=True) if u.bureau_id is not None and u.role in roles]


def _operator_users(contract: Contract) -> list:
    from portal.notifications.services import recipients

    return recipients(contract, bureau_too=False)


def _notify(users, contract: Contract, key: str, subject: str, body: str, link: str) -> None:
    from portal.notifications.services import notify

    notify(users, contract=contract, kind="consequence", dedup_key=key, subject=subject[:300], body=body, link=link)


# -- rectification notices ------------------------------------------------------------------------------

def notices_of(contract: Contract) -> list[RectificationNotice]:
    return list(get_session().exec(select(RectificationNotice).where(RectificationNotice.contract_id == contract.id)
                                   .order_by(RectificationNotice.issued_on.desc(), RectificationNotice.id.desc())))


def proposals_of(contract: Contract) -> list[TerminationProposal]:
    return list(get_session().exec(select(TerminationProposal).where(TerminationProposal.contract_id == contract.id)
                                   .order_by(TerminationProposal.proposed_at.desc(), TerminationProposal.id.desc())))


@dataclass
class Candidate:
    """An approved sheet whose payment band says rectification (seed 002 <50), with the deadline it implies."""

    cycle: object
    approval: SheetApproval
    consequence: str
    months: int | None
    noticed: bool  # a notice was already issued for it


def rectification_candidates(contract: Contract) -> list[Candidate]:
    from portal.cycles.services import cycle_overview

    noticed = {n.approval_id for n in notices_of(contract)}
    out = []
    for cycle, _sheet, approval in cycle_overview(contract):
        band = (approval.figures.get("payment_band") or {}) if approval else {}
        if approval and (band.get("rectify_within_months") or band.get("consequence")):
            out.append(Candidate(cycle, approval, band.get("consequence") or band.get("label", ""),
                                 band.get("rectify_within_months"), approval.id in noticed))
    return out


def rule_findings(contract: Contract) -> list:
    """What the compliance rules concluded from the approved scores (consequences.*), still open."""
    from portal.violations.models import Violation

    return list(get_session().exec(select(Violation).where(
        Violation.contract_id == contract.id, Violation.rule_id.startswith("consequences."),
        Violation.status.in_(("open", "acknowledged"))).order_by(Violation.id)))


def issue_notice(contract: Contract, *, user, findings: str, clause: str = "", due_on: date | None = None,
                 approval: SheetApproval | None = None, at: datetime | None = None) -> RectificationNotice:
    """Issue a notice; the contract goes under rectification and the operator is told at once."""
    at = at or utcnow()
    issued_on = today(at)
    if contract.status not in ("active", "rectification"):
        raise IllegalConsequenceChange(f"合同状态为“{contract.status_label}”，不能下发整改通知 / "
                                       "the contract's status does not allow a notice")
    if not findings.strip():
        raise IllegalConsequenceChange("请写明需要整改的内容 / say what must be rectified")
    if approval is not None:
        if approval.contract_id != contract.id:
            raise IllegalConsequenceChange("该考核表不属于本合同 / the approval is not this contract's")
        band = approval.figures.get("payment_band") or {}
        if due_on is None and band.get("rectify_within_months"):
            due_on = add_months(issued_on, int(band["rectify_within_months"]))  # seed 002: 限一个月内整改完毕
        clause = clause.strip() or f"{band.get('label', '')}（{scheme_cite(approval.scheme_version)}）"
    if due_on is None:
        raise IllegalConsequenceChange("请填写整改期限 / enter the deadline")
    if due_on < issued_on:
        raise IllegalConsequenceChange("整改期限不能早于下发日期 / the deadline cannot be before the day of issue")
    if not clause.strip():
        raise IllegalConsequenceChange("请写明依据条款 / cite the clause")
    session = get_session()
    notice = RectificationNotice(contract_id=contract.id, bureau_id=contract.bureau_id,
                                 operator_id=contract.operator_id, approval_id=approval.id if approval else None,
                                 clause=clause.strip(), findings=findings.strip(), issued_on=issued_on, due_on=due_on,
                                 issued_by_id=user.id, issued_at=at)
    session.add(notice)
    session.flush()
    before = audit.snapshot(contract)
    if contract.status == "active":
        # shown as it stands beside the contract's status: the date in words (notify() words only mails)
        contract.start_rectification(f"整改通知 #{notice.id}，限{zh(day, due_on)}前整改完毕")
        audit.record("start_rectification", contract, before=before, reason=f"整改通知 #{notice.id}")
    audit.record("issue_rectification_notice", notice, reason=findings.strip()[:1000])
    _notify(_operator_users(contract), contract, f"notice|{notice.id}",
            f"【整改通知】{contract.number}：请于{due_on.isoformat()}前整改完毕",  # notify() words the dates
            f"需整改内容：{notice.findings}\n依据：{notice.clause}\n整改期限：{due_on.isoformat()}（北京时间当日24时前）。\n"
            f"Rectification notice: rectify by {due_on.isoformat()} (Beijing time) and answer with a report.",
            url_for("consequences.show_notice", notice_id=notice.id))
    return notice


def answer_notice(notice: RectificationNotice, contract: Contract, *, user, report: str,
                  at: datetime | None = None) -> None:
    """The operator's rectification report; a contract that no longer takes submissions refuses it."""
    from portal.reporting.services import refusal_reason

    if reason := refusal_reason(contract):
        raise IllegalConsequenceChange(reason)
    before = audit.snapshot(notice)
    notice.answer(user.id, report, at)
    audit.record("answer_rectification_notice", notice, before=before, reason=report.strip()[:1000])
    _notify(_bureau_users(contract), contract, f"notice-answered|{notice.id}",
            f"【整改报告】{contract.number}：运营单位已提交整改报告（整改通知 #{notice.id}）",
            f"{notice.report}\n\nThe operator answered rectification notice #{notice.id}.",
            url_for("consequences.show_notice", notice_id=notice.id))


def close_notice(notice: RectificationNotice, contract: Contract, *, user, rectified: bool, reason: str) -> None:
    """The bureau's conclusion. Rectified: once no notice is open the contract is back to active. Failed: the
    notice stays on record as the ground for proposing termination (seed 002: 整改不通过的…有权单方解除合同)."""
    if contract.status in ("terminated", "expired"):
        raise IllegalConsequenceChange(f"合同状态为“{contract.status_label}” / the contract's status does not allow this")
    before = audit.snapshot(notice)
    notice.close(user.id, rectified, reason)
    audit.record("close_rectification_notice" if rectified else "fail_rectification_notice", notice, before=before,
                 reason=reason.strip())
    session = get_session()
    session.flush()
    still_open = [n for n in notices_of(contract) if n.is_open]
    if rectified and not still_open and contract.status == "rectification":
        contract_before = audit.snapshot(contract)
        contract.end_rectification(f"整改通知 #{notice.id} 整改通过：{reason.strip()}")
        audit.record("end_rectification", contract, before=contract_before, reason=reason.strip())
    outcome = "整改通过 / rectified" if rectified else "整改不通过 / not rectified"
    _notify(_operator_users(contract), contract, f"notice-closed|{notice.id}",
            f"【整改结论】{contract.number}：{outcome}（整改通知 #{notice.id}）",
            f"{outcome}\n{reason.strip()}", url_for("consequences.show_notice", notice_id=notice.id))


# -- termination: the reviewer proposes, the approver decides ------------------------------------------------

def pending_proposal(contract: Contract) -> TerminationProposal | None:
    return get_session().exec(select(TerminationProposal).where(
        TerminationProposal.contract_id == contract.id, TerminationProposal.state == "proposed")).first()


def propose_termination(contract: Contract, *, user, reason: str, clause: str, effective_on: date,
                        notice: RectificationNotice | None = None, at: datetime | None = None) -> TerminationProposal:
    if contract.status not in ("active", "rectification"):
        raise IllegalConsequenceChange(f"合同状态为“{contract.status_label}”，不能终止 / "
                                       "the contract's status does not allow a termination")
    if pending_proposal(contract) is not None:
        raise IllegalConsequenceChange("本合同已有待确认的终止建议 / a proposal is already waiting for the approver")
    if not reason.strip() or not clause.strip():
        raise IllegalConsequenceChange("终止必须写明理由和依据条款 / a termination needs a reason and a clause")
    if not contract.starts_on <= effective_on <= contract.ends_on:
        raise IllegalConsequenceChange("生效日期必须在合同期限内 / the effective date must fall within the contract's term")
    if effective_on > today(at):
        # The contract is terminated when the approver confirms: a later effective date would contradict it.
        raise IllegalConsequenceChange("生效日期不能晚于今天 / the effective date cannot be in the future")
    if notice is not None and notice.contract_id != contract.id:
        raise IllegalConsequenceChange("该整改通知不属于本合同 / the notice is not this contract's")
    proposal = TerminationProposal(contract_id=contract.id, bureau_id=contract.bureau_id,
                                   operator_id=contract.operator_id, notice_id=notice.id if notice else None,
                                   reason=reason.strip(), clause=clause.strip(), effective_on=effective_on,
                                   proposed_by_id=user.id, proposed_at=at or utcnow())
    session = get_session()
    session.add(proposal)
    session.flush()
    audit.record("propose_termination", proposal, reason=reason.strip())
    _notify(_bureau_users(contract, roles=("approver",)), contract, f"termination-proposed|{proposal.id}",
            f"【终止建议】{contract.number}：待您确认",
            f"理由：{proposal.reason}\n依据：{proposal.clause}\n生效日期：{effective_on.isoformat()}\n"
            f"A termination was proposed and waits for your decision.",
            url_for("consequences.show_proposal", proposal_id=proposal.id))
    return proposal


def confirm_termination(proposal: TerminationProposal, contract: Contract, *, user) -> None:
    """The second signature: the contract is terminated; the operator can no longer submit; the data stays."""
    before = audit.snapshot(proposal)
    proposal.confirm(user.id)
    contract_before = audit.snapshot(contract)
    try:
        contract.terminate(f"{proposal.reason}（依据：{proposal.clause}）"[:500], proposal.effective_on)
    except IllegalTransition as exc:
        raise IllegalConsequenceChange(str(exc)) from None
    audit.record("confirm_termination", proposal, before=before, reason=proposal.reason)
    audit.record("terminate_contract", contract, before=contract_before,
                 reason=f"{proposal.reason}；生效日期 {zh(day, proposal.effective_on)}")
    _notify(_operator_users(contract) + _bureau_users(contract), contract, f"terminated|{proposal.id}",
            f"【合同终止】{contract.number}：自{proposal.effective_on.isoformat()}起解除合同",
            f"理由：{proposal.reason}\n依据：{proposal.clause}\n合同已终止，不再接收报送；已报送的数据由人社局保存。\n"
            f"The contract is terminated from {proposal.effective_on.isoformat()}; no further submissions.",
            url_for("consequences.show_proposal", proposal_id=proposal.id))


def decline_termination(proposal: TerminationProposal, *, user, reason: str) -> None:
    before = audit.snapshot(proposal)
    proposal.decline(user.id, reason)
    audit.record("decline_termination", proposal, before=before, reason=reason.strip())


# -- the ranked table (seed 004 五、考核结果运用) ----------------------------------------------------------------

@dataclass
class RankedRow:
    contract: Contract
    approval: SheetApproval
    sheet: object  # rules.scoring.ScoreSheet, scored with the cohort
    tied: bool
    stale: bool  # the scheme file changed since the approval


@dataclass
class Ranking:
    scheme: object
    cycle_key: str
    cycle_label: str
    rows: list[RankedRow] = field(default_factory=list)
    awaiting: list[tuple] = field(default_factory=list)  # (contract, cycle, sheet or None) not approved yet
    error: str = ""

    @property
    def participants(self) -> int:
        return len(self.rows)


def _cycle_key(cycle) -> str:
    return f"{cycle.id}@{cycle.end.year}"


def ranking_choices(bureau_id: int) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(scheme id, scheme title, [(cycle key, label)]) for the schemes the bureau's contracts use."""
    from portal.cycles.services import cycles
    from portal.schemes.services import scheme_for

    contracts = get_session().exec(select(Contract).where(Contract.bureau_id == bureau_id)
                                   .order_by(Contract.scheme_id, Contract.id)).all()
    out: dict[str, dict[str, str]] = {}
    for contract in contracts:
        try:
            found = cycles(contract)
        except (KeyError, FileNotFoundError, ValueError):
            continue  # a contract under a scheme this deployment no longer has
        for cycle in found:
            out.setdefault(contract.scheme_id, {})[_cycle_key(cycle)] = f"{cycle.label}（{cycle.end.year}）"
    return [(sid, scheme_for(sid, today()).title, sorted(keys.items())) for sid, keys in out.items()]


def ranking(bureau_id: int, scheme_id: str, cycle_key: str) -> Ranking:
    """All the bureau's approved sheets of one scheme and cycle, scored together from their frozen facts:
    rank-based points, the overall rank (ties share the better rank, DOMAIN.md §6.4) and grades by the
    scheme's quotas (seed 004: A ≤10%, B ≤20%, C ≤30%, the rest D/E; DOMAIN.md §6.5). Only approved sheets
    take part; the others are listed as awaiting approval."""
    from portal.cycles.services import cycles
    from portal.schemes.services import scheme_for
    from rules.scoring import FactsError, score_cohort

    session = get_session()
    contracts = session.exec(select(Contract).where(Contract.bureau_id == bureau_id, Contract.scheme_id == scheme_id)
                             .order_by(Contract.number, Contract.id)).all()
    approved: dict[str, tuple[Contract, SheetApproval]] = {}
    in_cycle = [(contract, cycle) for contract in contracts
                for cycle in [next((c for c in cycles(contract) if _cycle_key(c) == cycle_key), None)] if cycle]
    # ranked together under one version: the one in force when the cohort's cycle starts
    scheme = scheme_for(scheme_id, min((cycle.start for _c, cycle in in_cycle), default=today()))
    result = Ranking(scheme, cycle_key, "")
    # every sheet and approval in force in two queries, whatever the number of contracts
    sheets = {(s.contract_id, s.cycle_id): s for s in session.exec(select(AssessmentSheet).where(
        AssessmentSheet.contract_id.in_([c.id for c, _cycle in in_cycle])))} if in_cycle else {}
    approvals: dict[int, SheetApproval] = {}
    if approved_ids := [s.id for s in sheets.values() if s.state == "approved"]:
        for a in session.exec(select(SheetApproval).where(SheetApproval.sheet_id.in_(approved_ids))
                              .order_by(SheetApproval.number)):
            approvals[a.sheet_id] = a  # the highest number: the approval in force (cycles.current_approval)
    for contract, cycle in in_cycle:
        result.cycle_label = f"{cycle.label}（{cycle.end.year}）"
        sheet = sheets.get((contract.id, cycle.id))
        approval = approvals.get(sheet.id) if sheet is not None and sheet.state == "approved" else None
        if approval is None:
            result.awaiting.append((contract, cycle, sheet))
            continue
        key = contract.number if contract.number not in approved else f"{contract.number} #{contract.id}"
        approved[key] = (contract, approval)
    if not approved:
        return result
    try:
        cohort = score_cohort(scheme, {key: dict(approval.facts) for key, (_c, approval) in approved.items()})
    except FactsError as exc:  # an approval's frozen facts do not fit the version the cohort is ranked under
        from flask_babel import gettext as _

        from portal.explain import fact_label, fact_problem

        result.error = _("合同%(contract)s审批时的“%(fact)s”%(problem)s，不能按现行版本与其他合同一起排名",
                         contract=approved[exc.participant][0].number if exc.participant in approved else "",
                         fact=fact_label(exc.key, scheme_id), problem=fact_problem(exc, scheme_id))
        return result
    ranks = [s.rank for s in cohort.sheets.values() if s.rank is not None]
    for sheet in cohort.ranking():
        contract, approval = approved[sheet.participant]
        result.rows.append(RankedRow(contract, approval, sheet, tied=sheet.rank is not None and ranks.count(sheet.rank) > 1,
                                     stale=approval.scheme_sha256 != scheme.sha256))
    return result
