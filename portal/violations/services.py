"""Keeping what the rules find: each finding stored once (by its dedup key), updated on a re-run, marked
rectified when the rules stop finding it, and every new one notified; the changes people make to a
violation (acknowledge, propose and confirm a waiver), each refused while its cycle is locked.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import select

from portal.audit import services as audit
from portal.contracts.models import Contract
from portal.cycles.services import lock_reason
from portal.db import get_session
from portal.notifications.services import link, notify, recipients
from portal.paging import ITEM, item_url
from portal.violations.models import IllegalViolationChange, Violation


@dataclass
class StoreResult:
    new: list[Violation] = field(default_factory=list)
    updated: int = 0
    rectified: int = 0
    reminders: int = 0


def violation_values(finding) -> dict:
    """A rule's finding as the columns of its violation (besides owners, dedup key, status and times)."""
    return dict(
        rule_id=finding.rule_id, kind=finding.kind, severity=finding.severity,
        period=str(finding.subject.get("period") or finding.subject.get("month") or ""),
        scheme_item=finding.scheme_item, scheme_fact=finding.scheme_fact, clause=finding.clause,
        message_zh=finding.message_zh, message_en=finding.message_en,
        evidence=finding.to_dict()["evidence"], penalty_points=finding.penalty.points,
        per_occurrence=finding.penalty.per_occurrence, consequence=finding.penalty.consequence or "",
    )


def violations_of(contract_ids: list[int]) -> dict[int, list[Violation]]:
    """Every violation of these contracts, in one query (the sweep reads them a batch at a time)."""
    out: dict[int, list[Violation]] = {cid: [] for cid in contract_ids}
    for v in get_session().exec(select(Violation).where(Violation.contract_id.in_(contract_ids))):
        out[v.contract_id].append(v)
    return out


def store_findings(contract: Contract, findings, as_of: datetime,
                   existing: list[Violation] | None = None) -> StoreResult:
    """Keep what the rules found; `existing`: the contract's violations if the caller has them loaded."""
    session = get_session()
    if existing is None:
        existing = violations_of([contract.id])[contract.id]
    existing = {v.dedup_key: v for v in existing}
    result, seen = StoreResult(), set()
    for finding in findings:
        seen.add(finding.dedup_key)
        values = violation_values(finding)
        violation = existing.get(finding.dedup_key)
        if violation is None:
            violation = Violation(contract_id=contract.id, bureau_id=contract.bureau_id,
                                  operator_id=contract.operator_id, dedup_key=finding.dedup_key,
                                  first_found_at=as_of, last_found_at=as_of, **values)
            session.add(violation)
            result.new.append(violation)
            continue
        changed = {key: value for key, value in values.items() if not _same(key, getattr(violation, key), value)}
        if not changed and violation.status != "rectified":
            continue  # found again as it was: the row is left untouched (no write, no lock, issue #16)
        for key, value in changed.items():
            setattr(violation, key, value)
        violation.last_found_at = as_of
        if violation.status == "rectified":  # found again: it is open again
            violation.status, violation.status_reason, violation.resolved_at = "open", "", None
        result.updated += 1
    for key, violation in existing.items():
        if key not in seen and violation.counts_against_score:
            violation.mark_rectified("规则复核时已不再发现该问题 / the rules no longer find it")
            result.rectified += 1
    session.flush()
    for violation in result.new:
        notify_violation(contract, violation)
    return result


def notify_violation(contract: Contract, violation: Violation) -> None:
    penalty = f"扣{violation.penalty_points}分" if violation.penalty_points is not None else violation.consequence
    notify(recipients(contract, bureau_too=violation.severity == "serious"), contract=contract, kind="violation",
           dedup_key=f"violation|{contract.id}|{violation.dedup_key}",
           subject=f"【考核】{contract.number}：{violation.message_zh}"[:300],
           body=(f"{violation.message_zh}\n{violation.message_en}\n依据 / clause: {violation.clause}\n"
                 f"影响 / effect: {penalty or '—'}"),
           link=link("violations.list_violations", contract_id=contract.id, **{ITEM: violation.id},
                     _anchor=f"violation-{violation.id}"))


def _same(key: str, stored, found) -> bool:
    """A finding found again as it was: the evidence's `as_of` (the moment of the run) is not a change."""
    if key == "evidence" and isinstance(stored, dict) and isinstance(found, dict):
        return {k: v for k, v in stored.items() if k != "as_of"} == {k: v for k, v in found.items() if k != "as_of"}
    return stored == found


def lock_reason_for_violation(violation: Violation) -> str | None:
    """Why the violation can no longer change: the cycle it falls in was approved (and so locked)."""
    return lock_reason(violation.contract_id, violation.falls_on)


VIOLATION_ACTIONS = ("acknowledge_violation", "propose_waiver", "waive_violation", "decline_waiver")


def act_on_violation(violation: Violation, action: str, user, reason: str | None = None) -> None:
    """Acknowledge, propose a waiver, confirm it or decline it, with its audit line; the caller commits.
    Refused with the lock's own reason once the cycle the violation falls in is approved (issue #6 §4),
    whatever the action and role; an illegal move for the violation's state raises IllegalViolationChange."""
    if action not in VIOLATION_ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if locked := lock_reason_for_violation(violation):
        raise IllegalViolationChange(locked)
    before = audit.snapshot(violation)
    if action == "acknowledge_violation":
        violation.acknowledge(user.id)
    elif action == "propose_waiver":
        violation.propose_waiver(user.id, reason or "")
    elif action == "waive_violation":
        violation.confirm_waiver(user.id)
    else:
        violation.decline_waiver(user.id, reason or "")
    audit.record(action, violation, before=before, reason=reason if reason is not None else violation.status_reason,
                 actor=user)


def notify_waiver_proposed(violation: Violation) -> int:
    """The hand-off of a waiver: the approvers of the bureau are told a proposal waits for them."""
    contract = get_session().get(Contract, violation.contract_id)
    approvers = [u for u in recipients(contract, bureau_too=True)
                 if u.bureau_id == contract.bureau_id and u.role == "approver"]
    return notify(approvers, contract=contract, kind="violation",
                  dedup_key=f"waiver-proposed|{violation.id}|{violation.waiver_proposed_at.isoformat()}",
                  subject=f"【考核】{contract.number}：豁免待确认：{violation.message_zh}"[:300],
                  body=f"审核人提出豁免，理由：{violation.waiver_reason}。请确认或不予确认。",
                  link=link("violations.list_violations", contract_id=contract.id, **{ITEM: violation.id},
                            _anchor=f"violation-{violation.id}"))


def violation_url(violation: Violation) -> str:
    """The contract's violations (a paged list) at the page holding this one, scrolled to it: every link to
    one violation (score lines, the projection, homes, queues) is made here."""
    return item_url("violations.list_violations", violation.id, f"violation-{violation.id}",
                    contract_id=violation.contract_id)
