"""Run the compliance rules on a contract's data and keep what they find.

run_rules() gathers the contract's facts (portal/facts), evaluates them (rules/compliance) and has
portal/violations keep each finding once (notifying the new ones). sweep() does that for every running
contract as of a moment, plus the reminders three days before each deadline; it is idempotent.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import select

from portal.auth.models import User
from portal.contracts.models import Contract
from portal.db import get_session, own_session, utcnow
from portal.facts.services import rule_facts, rule_inputs
from portal.notifications.models import Notification
from portal.notifications.services import link, notify, recipients
from portal.reporting.models import Submission
from portal.reporting.services import calendar, versions_by_obligation
from portal.violations.services import StoreResult, store_findings, violations_of
from rules.compliance import evaluate
from rules.reporting import DUE_SOON

log = logging.getLogger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")

def remind_deadlines(contract: Contract, at: datetime, submitted: set[tuple[str, str]] | None = None,
                     sent: set[tuple[int, str]] | None = None, users: list | None = None) -> int:
    """Three days ahead of every deadline still open: remind the operator once (issue 4).

    The sweep passes what it loaded for a batch of contracts: `submitted` (obligation, period) instances with
    a version, `sent` (user id, dedup key) reminders already made, `users` the operator's recipients."""
    if submitted is None:
        submitted = set(versions_by_obligation(contract.id))
    made = 0
    for obligation in calendar(contract):
        if (obligation.spec.key, obligation.period.key) in submitted or not (at < obligation.due_at <= at + DUE_SOON):
            continue
        dedup_key = f"reminder|{contract.id}|{obligation.key}"
        to = recipients(contract, bureau_too=False) if users is None else users
        if sent is not None:
            to = [u for u in to if (u.id, dedup_key) not in sent]
            if not to:
                continue  # everyone has it already: no query
        due = obligation.due_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
        made += notify(
            to, contract=contract, kind="reminder", dedup_key=dedup_key,
            subject=f"【考核】{contract.number}：{obligation.spec.label}（{obligation.period.key}）将于{due}截止",
            body=f"{obligation.spec.label}（{obligation.period.key}）截止时间：{due}（北京时间）。\n"
                 f"{obligation.spec.label_en} ({obligation.period.key}) is due {due} Beijing time.\n"
                 f"依据 / clause: {obligation.spec.clause}",
            link=link("reporting.submit_report", contract_id=contract.id, obligation_key=obligation.spec.key,
                       period_key=obligation.period.key))
    return made


def run_rules(contract: Contract, as_of: datetime | None = None) -> StoreResult:
    """Evaluate one contract's data and store what the rules find (the caller commits)."""
    as_of = as_of or utcnow()
    return store_findings(contract, evaluate(rule_facts(contract, as_of)), as_of)


def run_rules_after_submission(contract: Contract) -> None:
    """Rules run whenever data is submitted. The submission is already saved; a rule that fails is
    logged loudly with its id and the nightly sweep will fail on it too, instead of losing the data."""
    contract_id = contract.id  # read before anything can fail: the handler must not touch the database
    # A session of its own: if the database drops now, what the caller saved stays loaded for its answer (issue #17).
    with own_session() as session:
        try:
            run_rules(session.get(Contract, contract_id))
            session.commit()
        except Exception as exc:
            # Name the rule, not the data: an error's text can quote the facts it choked on.
            log.error("compliance rules failed after a submission to contract %s: %s %s", contract_id,
                      type(exc).__name__, getattr(exc, "rule_id", ""))


@dataclass
class SweepResult:
    contracts: int = 0
    new: int = 0
    updated: int = 0
    rectified: int = 0
    reminders: int = 0


def _reminder_inputs(batch: list[Contract]) -> tuple[dict[int, list[User]], set[tuple[int, str]]]:
    """The operators' recipients and the reminders already made, for a batch of contracts."""
    session = get_session()
    users: dict[int, list[User]] = {c.operator_id: [] for c in batch}
    for user in session.exec(select(User).where(User.operator_id.in_(users), User.active)):
        users[user.operator_id].append(user)
    sent = {(user_id, key) for user_id, key in session.exec(select(Notification.user_id, Notification.dedup_key).where(
        Notification.contract_id.in_([c.id for c in batch]), Notification.kind == "reminder"))}
    return users, sent


def remind_all(at: datetime) -> int:
    """The reminders of every running contract (the 09:00 task), a batch at a time like the sweep."""
    session = get_session()
    contracts = session.exec(select(Contract).where(Contract.status.in_(("active", "rectification")))
                             .order_by(Contract.id)).all()
    made = 0
    for start in range(0, len(contracts), SWEEP_BATCH):
        batch = contracts[start:start + SWEEP_BATCH]
        submitted: dict[int, set] = {c.id: set() for c in batch}
        for contract_id, obligation_key, period_key in session.exec(select(
                Submission.contract_id, Submission.obligation_key, Submission.period_key).distinct()
                .where(Submission.contract_id.in_(submitted))):
            submitted[contract_id].add((obligation_key, period_key))
        users, sent = _reminder_inputs(batch)
        for contract in batch:
            made += remind_deadlines(contract, at, submitted[contract.id], sent, users[contract.operator_id])
    return made


SWEEP_BATCH = 200  # contracts whose inputs are loaded together: a few queries per batch, not per contract


def sweep(at: datetime | None = None) -> SweepResult:
    """Run every running contract's rules as of `at`, store the findings, send reminders. Idempotent.
    A rule that raises aborts the sweep (nothing of it is committed) with the rule's id in the error.

    Contracts go in batches: what the rules read (portal/facts rule_inputs), the stored violations, the
    operators' recipients and the reminders already made are loaded once per batch (issue #16: a province's
    2,000 contracts in seconds, not a dozen queries each); a finding found again as it was writes nothing."""
    at = at or utcnow()
    session = get_session()
    total = SweepResult()
    contracts = session.exec(select(Contract).where(Contract.status.in_(("active", "rectification")))
                             .order_by(Contract.id)).all()
    try:
        for start in range(0, len(contracts), SWEEP_BATCH):
            batch = contracts[start:start + SWEEP_BATCH]
            ids = [c.id for c in batch]
            inputs = rule_inputs(batch, at)
            existing = violations_of(ids)
            users, sent = _reminder_inputs(batch)
            for contract in batch:
                facts = rule_facts(contract, at, inputs[contract.id])
                stored = store_findings(contract, evaluate(facts), at, existing=existing[contract.id])
                total.contracts += 1
                total.new += len(stored.new)
                total.updated += stored.updated
                total.rectified += stored.rectified
                total.reminders += remind_deadlines(contract, at, inputs[contract.id].submitted, sent,
                                                    users[contract.operator_id])
        session.commit()
    except Exception:
        session.rollback()
        raise
    return total
