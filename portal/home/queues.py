"""What waits for the person at home (GOV.UK task lists): grouped by what they must do, each with a count and
the oldest first. Counts are aggregated in SQL and lists limited, so the number of queries does not grow with
the data; only the few sheets shown are scored to say how many facts they still miss."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import url_for
from flask_babel import get_locale, lazy_gettext as _l
from sqlmodel import func

from portal.contracts.models import Contract
from portal.cycles.models import AssessmentSheet
from portal.db import get_session
from portal.filters import day, period
from portal.scoping import scoped

LIMIT = 8
SHEETS_SCORED = 5  # the sheets listed with their missing facts counted (each is scored)


@dataclass
class Item:
    label: str
    link: str
    detail: str = ""


@dataclass
class Queue:
    key: str
    title: object
    count: int
    items: list = field(default_factory=list)
    more: str = ""  # where the whole list is


def _count(query) -> int:
    return get_session().exec(query.with_only_columns(func.count()).order_by(None)).one()


def _numbers(contract_ids) -> dict[int, str]:
    ids = sorted(set(contract_ids))
    if not ids:
        return {}
    rows = get_session().execute(scoped(Contract).where(Contract.id.in_(ids))
                                 .with_only_columns(Contract.id, Contract.number)).all()
    return dict(rows)


def submissions_to_review() -> Queue:
    from portal.reporting.models import Submission
    from portal.reporting.services import find_obligation

    query = scoped(Submission).where(Submission.state == "submitted")
    rows = get_session().exec(query.order_by(Submission.submitted_at, Submission.id).limit(LIMIT)).all()
    contracts = {c.id: c for c in get_session().exec(scoped(Contract).where(
        Contract.id.in_({r.contract_id for r in rows})))} if rows else {}

    def title(s) -> str:
        obligation = find_obligation(contracts[s.contract_id], s.obligation_key, s.period_key)
        if obligation is None:
            return s.obligation_key
        return obligation.spec.label_en if str(get_locale()).startswith("en") else obligation.spec.label

    return Queue("submissions", _l("待审核的报送"), _count(query), [
        Item(f"{contracts[s.contract_id].number} · {title(s)} {period(s.period_key)}",
             url_for("reporting.submit_report", contract_id=s.contract_id, obligation_key=s.obligation_key,
                     period_key=s.period_key), day(s.submitted_at)) for s in rows])


def sheets_to_fill(today: date) -> Queue:
    """Cycles that have ended without a sheet sent for approval: the reviewer's to assess."""
    from portal.assessment.services import assess
    from portal.cycles.services import cycles
    from portal.facts.services import rows_of

    session = get_session()
    contracts = session.exec(scoped(Contract).where(Contract.status.in_(("active", "rectification", "expired")))
                             .order_by(Contract.id)).all()
    sent = {(contract_id, cycle_id) for contract_id, cycle_id in session.execute(
        scoped(AssessmentSheet).where(AssessmentSheet.state.in_(("submitted", "approved")))
        .with_only_columns(AssessmentSheet.contract_id, AssessmentSheet.cycle_id)).all()}
    waiting = sorted(((cycle.end, contract, cycle) for contract in contracts for cycle in cycles(contract)
                      if cycle.end < today and (contract.id, cycle.id) not in sent), key=lambda t: (t[0], t[1].id))
    if not waiting:
        return Queue("sheets", _l("待评分的考核表"), 0)
    drafts = {(s.contract_id, s.cycle_id): s for s in session.exec(scoped(AssessmentSheet).where(
        AssessmentSheet.state == "draft", AssessmentSheet.contract_id.in_([c.id for _, c, _ in waiting[:LIMIT]])))}
    rows = rows_of(list({c.id: c for _, c, _ in waiting[:SHEETS_SCORED]}.values()))  # four queries for all
    items = []
    for n, (_, contract, cycle) in enumerate(waiting[:LIMIT]):
        detail = ""
        if n < SHEETS_SCORED:
            missing = len(assess(contract, cycle, drafts.get((contract.id, cycle.id)), rows[contract.id]).sheet.missing_facts)
            detail = str(_l("%(n)s项待录入", n=missing)) if missing else str(_l("可提交审批"))
        items.append(Item(f"{contract.number} · {cycle.label}（{day(cycle.start)} – {day(cycle.end)}）",
                          url_for("assessment.show_sheet", contract_id=contract.id, cycle_id=cycle.id), detail))
    return Queue("sheets", _l("待评分的考核表"), len(waiting), items)


def objections_to_answer() -> Queue:
    from portal.publication.models import Objection

    query = scoped(Objection).where(Objection.state == "open")
    rows = get_session().exec(query.order_by(Objection.filed_at, Objection.id).limit(LIMIT)).all()
    numbers = _numbers(o.contract_id for o in rows)
    whole = _l("整体结果")
    return Queue("objections", _l("待答复的异议"), _count(query), [
        Item(f"{numbers.get(o.contract_id, '')} · {o.target_title or whole}",
             url_for("publication.show_publication", publication_id=o.publication_id) + f"#objection-{o.id}",
             day(o.filed_at)) for o in rows])


def operators_overdue() -> Queue:
    """Contracts with open deadline violations (a report late or missing), the most first."""
    from portal.violations.models import Violation

    condition = (Violation.rule_id.like("deadlines.%"), Violation.status.in_(("open", "acknowledged")))
    session = get_session()
    total = session.exec(scoped(Violation).where(*condition)
                         .with_only_columns(func.count(func.distinct(Violation.contract_id))).order_by(None)).one()
    rows = session.execute(scoped(Violation).where(*condition)
                           .with_only_columns(Violation.contract_id, func.count().label("n"))
                           .group_by(Violation.contract_id).order_by(func.count().desc(), Violation.contract_id)
                           .limit(LIMIT)).all()
    numbers = _numbers(contract_id for contract_id, _ in rows)
    return Queue("overdue", _l("逾期未报送的运营单位"), total, [
        Item(numbers.get(contract_id, ""), url_for("violations.list_violations", contract_id=contract_id),
             str(_l("%(n)s项逾期", n=n))) for contract_id, n in rows])


def sheets_to_approve() -> Queue:
    query = scoped(AssessmentSheet).where(AssessmentSheet.state == "submitted")
    rows = get_session().exec(query.order_by(AssessmentSheet.submitted_at, AssessmentSheet.id).limit(LIMIT)).all()
    numbers = _numbers(s.contract_id for s in rows)
    return Queue("approve", _l("待审批的考核表"), _count(query), [
        Item(f"{numbers.get(s.contract_id, '')} · {s.cycle_label}",
             url_for("assessment.show_sheet", contract_id=s.contract_id, cycle_id=s.cycle_id),
             day(s.submitted_at) if s.submitted_at else "") for s in rows])


def waivers_to_confirm() -> Queue:
    from portal.violations.models import Violation
    from portal.violations.services import violation_url

    query = scoped(Violation).where(Violation.waiver_proposed_by_id.is_not(None),
                                    Violation.status.in_(("open", "acknowledged")))
    rows = get_session().exec(query.order_by(Violation.id).limit(LIMIT)).all()
    numbers = _numbers(v.contract_id for v in rows)
    return Queue("waivers", _l("待确认的豁免"), _count(query), [
        Item(f"{numbers.get(v.contract_id, '')} · {v.message_zh}",
             violation_url(v),
             v.waiver_reason) for v in rows])


def terminations_to_confirm() -> Queue:
    from portal.consequences.models import TerminationProposal

    query = scoped(TerminationProposal).where(TerminationProposal.state == "proposed")
    rows = get_session().exec(query.order_by(TerminationProposal.proposed_at, TerminationProposal.id)
                              .limit(LIMIT)).all()
    numbers = _numbers(p.contract_id for p in rows)
    return Queue("terminations", _l("待确认的终止合同"), _count(query), [
        Item(numbers.get(p.contract_id, ""), url_for("consequences.show_proposal", proposal_id=p.id), p.reason)
        for p in rows])


def queues_for(user, today: date) -> list[Queue]:
    if user.role == "reviewer":
        return [submissions_to_review(), sheets_to_fill(today), objections_to_answer(), operators_overdue()]
    if user.role == "approver":
        return [sheets_to_approve(), waivers_to_confirm(), terminations_to_confirm()]
    return []
