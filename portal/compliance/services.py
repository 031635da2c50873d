"""Run the compliance rules on a contract's data and keep what they find.

gather_facts() turns the database into the input of rules.compliance.evaluate(); store_findings()
keeps each finding once (by its dedup key), updates it on a re-run, and marks it rectified when the
rules stop finding it; every new finding notifies the operator (and the bureau, when serious) in the
portal and through the mail outbox. sweep() does all of that for every running contract as of a
moment, plus the reminders three days before each deadline; it is idempotent.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from sqlmodel import select

from portal.activities.services import attendance_facts
from portal.consequences import services as _consequences
from portal.compliance.models import IllegalViolationChange, Violation
from portal.contracts.models import Contract
from portal.db import get_session, utcnow
from portal.notifications.services import link, notify, recipients
from portal.findings.services import compliance_facts as findings_compliance_facts
from portal.organisations.models import CreditGrade
from portal.reporting.models import Submission
from rules.compliance import evaluate
from rules.reporting import DUE_SOON

log = logging.getLogger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")

# How a portal submission reads to the compliance rules: (kind, period) rows per obligation.
# seed 002 第9项: the report for month M carries M's plan and M-1's summary, both due by the 5th of M.
_SUBMISSION_KINDS = {
    "monthly_plan_summary": lambda period: [("monthly_plan", period), ("monthly_summary", _previous_month(period))],
    "monthly_demand_report": lambda period: [("monthly_report", period)],  # seed 002 每月不准时上报报表
    "monthly_job_info": lambda period: [("job_information", period)],  # seed 000 岗位信息
    "monthly_report": lambda period: [("work_report", period)],  # seed 000 每月1次书面汇报
}


def _previous_month(period: str) -> str:
    year, month = map(int, period.split("-"))
    return f"{year - 1}-12" if month == 1 else f"{year:04d}-{month - 1:02d}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat()


def _compliance_rows(submission: Submission) -> list[dict]:
    if submission.obligation_key == "annual_summary":  # seed 000 年底报送工作总结: the year it falls due
        rows = [("annual_summary", str(submission.due_at.astimezone(SHANGHAI).year))]
    elif submission.obligation_key in _SUBMISSION_KINDS:
        rows = _SUBMISSION_KINDS[submission.obligation_key](submission.period_key)
    else:
        return []
    return [{"id": f"{submission.id}:{kind}", "kind": kind, "period": period,
             "submitted_at": _iso(submission.submitted_at), "version": submission.version}
            for kind, period in rows]


def _grade_in_force(grades: list[CreditGrade], kind: str, day) -> str | None:
    current = [g for g in grades if g.kind == kind and g.given_on <= day]
    return max(current, key=lambda g: (g.given_on, g.id)).grade if current else None


def gather_facts(contract: Contract, as_of: datetime) -> dict:
    """The contract's data as the compliance rules read it (rules/compliance/README.md)."""
    session = get_session()
    day = as_of.astimezone(SHANGHAI).date()
    grades = list(session.exec(select(CreditGrade).where(CreditGrade.operator_id == contract.operator_id)))
    operator: dict = {"id": str(contract.operator_id), "is_hr": True,
                      "is_dispatch": any(g.kind == "labour_dispatch" for g in grades)}
    for kind, key in (("hr_service", "credit_grade"), ("labour_dispatch", "labour_credit_grade")):
        grade = _grade_in_force(grades, kind, day)
        if grade:
            operator[key] = grade
    submissions = session.exec(select(Submission).where(Submission.contract_id == contract.id)
                               .order_by(Submission.id))
    return {
        "as_of": _iso(as_of),
        "contract": {"id": str(contract.id), "scheme": contract.scheme_id,
                     "starts_on": contract.starts_on.isoformat(), "ends_on": contract.ends_on.isoformat()},
        "operator": operator,
        "submissions": [row for s in submissions for row in _compliance_rows(s)],
        **findings_compliance_facts(contract),  # complaints, incidents, disputes the bureau recorded
        **attendance_facts(contract, as_of),  # stations and monthly attendance days (portal/activities)
        "period_scores": _consequences.period_scores(contract, as_of),  # approved sheets (seeds 002, 001)
    }


@dataclass
class StoreResult:
    new: list[Violation] = field(default_factory=list)
    updated: int = 0
    rectified: int = 0
    reminders: int = 0


def store_findings(contract: Contract, findings, as_of: datetime) -> StoreResult:
    session = get_session()
    existing = {v.dedup_key: v for v in session.exec(select(Violation).where(Violation.contract_id == contract.id))}
    result, seen = StoreResult(), set()
    for finding in findings:
        seen.add(finding.dedup_key)
        values = dict(
            rule_id=finding.rule_id, kind=finding.kind, severity=finding.severity,
            period=str(finding.subject.get("period") or finding.subject.get("month") or ""),
            scheme_item=finding.scheme_item, scheme_fact=finding.scheme_fact, clause=finding.clause,
            message_zh=finding.message_zh, message_en=finding.message_en,
            evidence=finding.to_dict()["evidence"], penalty_points=finding.penalty.points,
            per_occurrence=finding.penalty.per_occurrence, consequence=finding.penalty.consequence or "",
        )
        violation = existing.get(finding.dedup_key)
        if violation is None:
            violation = Violation(contract_id=contract.id, bureau_id=contract.bureau_id,
                                  operator_id=contract.operator_id, dedup_key=finding.dedup_key,
                                  first_found_at=as_of, last_found_at=as_of, **values)
            session.add(violation)
            result.new.append(violation)
            continue
        for key, value in values.items():
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
        _notify_violation(contract, violation)
    return result


def _notify_violation(contract: Contract, violation: Violation) -> None:
    penalty = f"扣{violation.penalty_points}分" if violation.penalty_points is not None else violation.consequence
    notify(recipients(contract, bureau_too=violation.severity == "serious"), contract=contract, kind="violation",
           dedup_key=f"violation|{contract.id}|{violation.dedup_key}",
           subject=f"【考核】{contract.number}：{violation.message_zh}"[:300],
           body=(f"{violation.message_zh}\n{violation.message_en}\n依据 / clause: {violation.clause}\n"
                 f"影响 / effect: {penalty or '—'}"),
           link=link("compliance.list_violations", contract_id=contract.id))


def remind_deadlines(contract: Contract, at: datetime) -> int:
    """Three days ahead of every deadline still open: remind the operator once (issue 4)."""
    from portal.reporting.services import entries

    made = 0
    for entry in entries(contract, now=at):
        obligation = entry.obligation
        if entry.versions or not (at < obligation.due_at <= at + DUE_SOON):
            continue
        due = obligation.due_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
        made += notify(
            recipients(contract, bureau_too=False), contract=contract, kind="reminder",
            dedup_key=f"reminder|{contract.id}|{obligation.key}",
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
    return store_findings(contract, evaluate(gather_facts(contract, as_of)), as_of)


def run_rules_after_submission(contract: Contract) -> None:
    """Rules run whenever data is submitted. The submission is already saved; a rule that fails is
    logged loudly with its id and the nightly sweep will fail on it too, instead of losing the data."""
    try:
        run_rules(contract)
        get_session().commit()
    except Exception as exc:
        get_session().rollback()
        # Name the rule, not the data: an error's text can quote the facts it choked on.
        log.error("compliance rules failed after a submission to contract %s: %s %s", contract.id,
                  type(exc).__name__, getattr(exc, "rule_id", ""))


@dataclass
class SweepResult:
    contracts: int = 0
    new: int = 0
    updated: int = 0
    rectified: int = 0
    reminders: int = 0


def sweep(at: datetime | None = None) -> SweepResult:
    """Run every running contract's rules as of `at`, store the findings, send reminders. Idempotent.
    A rule that raises aborts the sweep (nothing of it is committed) with the rule's id in the error."""
    at = at or utcnow()
    session = get_session()
    total = SweepResult()
    contracts = session.exec(select(Contract).where(Contract.status.in_(("active", "rectification")))
                             .order_by(Contract.id)).all()
    try:
        for contract in contracts:
            stored = run_rules(contract, at)
            total.contracts += 1
            total.new += len(stored.new)
            total.updated += stored.updated
            total.rectified += stored.rectified
            total.reminders += remind_deadlines(contract, at)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return total


# -- what people do with a violation -------------------------------------------------------------------

VIOLATION_ACTIONS = ("acknowledge_violation", "propose_waiver", "waive_violation", "decline_waiver")


def act_on_violation(violation: Violation, action: str, user, reason: str | None = None) -> None:
    """Acknowledge, propose a waiver, confirm it or decline it, with its audit line. Refused with the lock's
    own reason once the cycle the violation falls in is approved (issue #6 §4), whatever the action and role."""
    from portal.assessment.services import lock_reason_for_violation
    from portal.audit import services as audit

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
