"""What waits for the person at home (GOV.UK task lists): grouped by what they must do, each with a count and
the oldest first. Counts are aggregated in SQL and lists limited, so the number of queries does not grow with
the data; only the few sheets shown are scored to say how many facts they still miss. A queue's first rows, its
count (a window count over all its rows, computed before the limit) and its contracts' numbers (joined through the
user's scope) come in one statement (issue #16)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask import url_for
from flask_babel import get_locale, lazy_gettext as _l
from sqlmodel import func

from portal.contracts.models import Contract
from portal.cycles.models import AssessmentSheet
from portal.db import get_session
from portal.filters import day, period
from portal.scoping import scoped, visible

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


def _first(query, contract_id, *order, contract=None) -> tuple[list, int]:
    """The first LIMIT rows of `query` (a scoped select of one model) in `order`, each as (object, its contract's
    number or "" when the user's scope holds no such contract), and the number of all its rows — one statement.
    With `contract` (a Contract entity) the whole contract instead of its number (None when out of scope)."""
    joined = sa.and_(Contract.id == contract_id, visible(Contract))
    query = query.add_columns(contract if contract is not None else Contract.number,
                              func.count().over().label("total")).outerjoin(Contract, joined)
    rows = get_session().execute(query.order_by(*order).limit(LIMIT)).all()
    total = rows[0].total if rows else 0
    return [(row[0], row[1] if contract is not None else row[1] or "") for row in rows], total


def submissions_to_review() -> Queue:
    from portal.reporting.models import Submission
    from portal.reporting.services import find_obligation

    query = scoped(Submission).where(Submission.state == "submitted")
    found, total = _first(query, Submission.contract_id, Submission.submitted_at, Submission.id, contract=Contract)
    rows = [s for s, _c in found]
    contracts = {c.id: c for _s, c in found if c is not None}

    def title(s) -> str:
        obligation = find_obligation(contracts[s.contract_id], s.obligation_key, s.period_key)
        if obligation is None:
            return s.obligation_key
        return obligation.spec.label_en if str(get_locale()).startswith("en") else obligation.spec.label

    return Queue("submissions", _l("待审核的报送"), total, [
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
    rows, total = _first(query, Objection.contract_id, Objection.filed_at, Objection.id)
    whole = _l("整体结果")
    return Queue("objections", _l("待答复的异议"), total, [
        Item(f"{number} · {o.target_title or whole}",
             url_for("publication.show_publication", publication_id=o.publication_id) + f"#objection-{o.id}",
             day(o.filed_at)) for o, number in rows])


def operators_overdue() -> Queue:
    """Contracts with open deadline violations (a report late or missing), the most first."""
    from portal.violations.models import Violation

    condition = (Violation.rule_id.like("deadlines.%"), Violation.status.in_(("open", "acknowledged")))
    # One row per contract (the window counts the groups: the contracts with any), its number through the scope.
    rows = get_session().execute(
        scoped(Violation).where(*condition)
        .with_only_columns(Violation.contract_id, func.count().label("n"), Contract.number,
                           func.count().over().label("total"))
        .outerjoin(Contract, sa.and_(Contract.id == Violation.contract_id, visible(Contract)))
        .group_by(Violation.contract_id, Contract.number).order_by(func.count().desc(), Violation.contract_id)
        .limit(LIMIT)).all()
    total = rows[0].total if rows else 0
    return Queue("overdue", _l("逾期未报送的运营单位"), total, [
        Item(number or "", url_for("violations.list_violations", contract_id=contract_id),
             str(_l("%(n)s项逾期", n=n))) for contract_id, n, number, _total in rows])


def sheets_to_approve() -> Queue:
    query = scoped(AssessmentSheet).where(AssessmentSheet.state == "submitted")
    rows, total = _first(query, AssessmentSheet.contract_id, AssessmentSheet.submitted_at, AssessmentSheet.id)
    return Queue("approve", _l("待审批的考核表"), total, [
        Item(f"{number} · {s.cycle_label}",
             url_for("assessment.show_sheet", contract_id=s.contract_id, cycle_id=s.cycle_id),
             day(s.submitted_at) if s.submitted_at else "") for s, number in rows])


def waivers_to_confirm() -> Queue:
    from portal.violations.models import Violation
    from portal.violations.services import violation_url

    query = scoped(Violation).where(Violation.waiver_proposed_by_id.is_not(None),
                                    Violation.status.in_(("open", "acknowledged")))
    rows, total = _first(query, Violation.contract_id, Violation.id)
    return Queue("waivers", _l("待确认的豁免"), total, [
        Item(f"{number} · {v.message_zh}",
             violation_url(v),
             v.waiver_reason) for v, number in rows])


def terminations_to_confirm() -> Queue:
    from portal.consequences.models import TerminationProposal

    query = scoped(TerminationProposal).where(TerminationProposal.state == "proposed")
    rows, total = _first(query, TerminationProposal.contract_id, TerminationProposal.proposed_at,
                         TerminationProposal.id)
    return Queue("terminations", _l("待确认的终止合同"), total, [
        Item(number, url_for("consequences.show_proposal", proposal_id=p.id), p.reason) for p, number in rows])


def queues_for(user, today: date) -> list[Queue]:
    if user.role == "reviewer":
        return [submissions_to_review(), sheets_to_fill(today), objections_to_answer(), operators_overdue()]
    if user.role == "approver":
        return [sheets_to_approve(), waivers_to_confirm(), terminations_to_confirm()]
    return []
