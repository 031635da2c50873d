"""The calendar of a contract and its submissions: derive statuses, submit versions, review them."""
from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from portal.audit import services as audit
from portal.contracts.models import Contract
from portal.db import get_session, utcnow
from portal.reporting.models import Submission
from rules.reporting import STATUSES, Obligation, build_calendar, obligation_status

# The worst status of the instances in a grid cell decides its colour.
_SEVERITY = ["missing", "returned", "late", "due_soon", "upcoming", "submitted_on_time"]


class SubmissionRefused(Exception):
    """The contract or period does not accept a submission now; the message says why."""


@dataclass
class CalendarEntry:
    obligation: Obligation
    status: str
    versions: list[Submission]

    @property
    def first(self) -> Submission | None:
        return self.versions[0] if self.versions else None

    @property
    def latest(self) -> Submission | None:
        return self.versions[-1] if self.versions else None


def calendar(contract: Contract) -> list[Obligation]:
    from portal.schemes.services import contract_scheme, duties

    return list(_built(duties(contract_scheme(contract))[0], contract.starts_on, contract.ends_on))


@functools.lru_cache(maxsize=4096)
def _built(specs: tuple, starts_on, ends_on) -> tuple[Obligation, ...]:
    """build_calendar is a pure function of the obligations and the term, and its obligations are frozen: a page
    listing many contracts of a few terms builds each calendar once per process (issue #16)."""
    return tuple(build_calendar(specs, starts_on, ends_on)) if specs else ()


def find_obligation(contract: Contract, obligation_key: str, period_key: str) -> Obligation | None:
    return next((o for o in calendar(contract)
                 if o.spec.key == obligation_key and o.period.key == period_key), None)


def versions_by_obligation(contract_id: int) -> dict[tuple[str, str], list[Submission]]:
    rows = get_session().exec(select(Submission).where(Submission.contract_id == contract_id)
                              .order_by(Submission.obligation_key, Submission.period_key, Submission.version))
    index: dict[tuple[str, str], list[Submission]] = defaultdict(list)
    for row in rows:
        index[(row.obligation_key, row.period_key)].append(row)
    return index


def versions_of(contract_id: int, obligation_key: str, period_key: str) -> list[Submission]:
    """One obligation's versions, oldest first (the report page: not every version of the contract)."""
    return list(get_session().exec(select(Submission).where(
        Submission.contract_id == contract_id, Submission.obligation_key == obligation_key,
        Submission.period_key == period_key).order_by(Submission.version)))


def versions_by_contract(contract_ids: list[int]) -> dict[int, dict[tuple[str, str], list]]:
    """`versions_by_obligation` of several contracts in one query (a page showing several calendars' statuses):
    each version as a row of the columns a status is derived from (version, submitted_at, state), not the
    whole submission with its figures and narrative (issue #16: a home page reads hundreds of them)."""
    out: dict[int, dict[tuple[str, str], list]] = {i: defaultdict(list) for i in contract_ids}
    if contract_ids:
        for row in get_session().exec(
                select(Submission.contract_id, Submission.obligation_key, Submission.period_key, Submission.version,
                       Submission.submitted_at, Submission.state)
                .where(Submission.contract_id.in_(contract_ids))
                .order_by(Submission.obligation_key, Submission.period_key, Submission.version)):
            out[row.contract_id][(row.obligation_key, row.period_key)].append(row)
    return out


def entries(contract: Contract, now: datetime | None = None, *,
            index: dict[tuple[str, str], list[Submission]] | None = None) -> list[CalendarEntry]:
    """The contract's calendar with each obligation's status; `index` = its versions if already read."""
    now = now or utcnow()
    index = versions_by_obligation(contract.id) if index is None else index
    out = []
    for obligation in calendar(contract):
        versions = index.get((obligation.spec.key, obligation.period.key), [])
        status = obligation_status(obligation, first_submitted_at=versions[0].submitted_at if versions else None,
                                   returned=bool(versions) and versions[-1].state == "returned", now=now)
        out.append(CalendarEntry(obligation, status, versions))
    return out


@dataclass
class GridCell:
    entries: list[CalendarEntry]

    @property
    def status(self) -> str | None:
        if not self.entries:
            return None
        return min((e.status for e in self.entries), key=_SEVERITY.index)

    @property
    def label(self) -> str:
        if len(self.entries) <= 1:
            return ""
        done = sum(e.status in ("submitted_on_time", "late") for e in self.entries)
        return f"{done}/{len(self.entries)}"


def grid(all_entries: list[CalendarEntry]) -> tuple[list[str], list, dict]:
    """Months × obligations, like DHIS2's reporting-rate view: (months, specs, cells[(spec key, month)])."""
    months = sorted({e.obligation.period.month for e in all_entries})
    specs, seen = [], set()
    cells: dict[tuple[str, str], GridCell] = defaultdict(lambda: GridCell([]))
    for entry in all_entries:
        spec = entry.obligation.spec
        if spec.key not in seen:
            seen.add(spec.key)
            specs.append(spec)
        cells[(spec.key, entry.obligation.period.month)].entries.append(entry)
    return months, specs, cells


def refusal_reason(contract: Contract, day=None) -> str | None:
    """Why the contract takes no submission now (None when it does); with `day`, also whether the cycle
    that day falls in was approved and locked (issue #6: edits are refused with that specific reason)."""
    if not contract.accepts_submissions:
        return f"合同状态为“{contract.status_label}”，不再接收报送 / the contract no longer takes submissions"
    if day is not None:
        from portal.cycles.services import lock_reason

        return lock_reason(contract.id, day)
    return None


class AlreadySubmitted(Exception):
    """This very form was stored before (its answer may never have arrived): `submission` is that version."""

    def __init__(self, submission: Submission):
        super().__init__(f"form already stored as version {submission.version}")
        self.submission = submission


def submit(contract: Contract, obligation: Obligation, *, figures: dict, narrative: str, user,
           form_token: str | None = None) -> Submission:
    """Freeze a new version. Lateness is decided later from the first version (DOMAIN.md §6.3).

    The same form posted again (its one-time token: a double click, a retried request after no answer, two at
    once) makes nothing new: AlreadySubmitted carries the version it made the first time (issues #16, #17).
    Two different reports at the same instant both become versions, one after the other."""
    reason = refusal_reason(contract, obligation.period.end)
    if reason:
        raise SubmissionRefused(reason)
    session = get_session()
    contract_id, bureau_id, operator_id = contract.id, contract.bureau_id, contract.operator_id
    token = (form_token or "").strip()[:64] or None
    if token and (made := _made_by(token, contract_id, obligation)):
        raise AlreadySubmitted(made)
    for _attempt in range(20):
        previous = session.exec(select(Submission.version).where(
            Submission.contract_id == contract_id, Submission.obligation_key == obligation.spec.key,
            Submission.period_key == obligation.period.key).order_by(Submission.version.desc())).first()
        submission = Submission(
            contract_id=contract_id, bureau_id=bureau_id, operator_id=operator_id,
            obligation_key=obligation.spec.key, period_key=obligation.period.key, due_at=obligation.due_at,
            version=(previous or 0) + 1, submitted_by_id=user.id, form_token=token,
            figures={k: str(v) for k, v in figures.items()}, narrative=narrative.strip())
        session.add(submission)
        try:
            session.flush()
        except IntegrityError:  # another request took this version number, or this very form
            session.rollback()
            if token and (made := _made_by(token, contract_id, obligation)):
                raise AlreadySubmitted(made) from None  # the same form posted twice at once
            continue  # another report of the same period: the next number
        break
    else:
        raise SubmissionRefused("同一时间提交的版本过多，请稍后重试 / too many versions at once; try again")
    # on the trail in words: 月度计划及总结 2024年6月 第2版 (the period worded by the trail's dates_in_words)
    audit.record("submit_report", submission,
                 reason=f"{obligation.spec.label} {obligation.period.key} 第{submission.version}版")
    session.commit()
    from portal import jobs

    jobs.after_commit("rules", contract_id)  # violations show the moment the data shows them
    return submission


def _made_by(token: str, contract_id: int, obligation: Obligation) -> Submission | None:
    """The version this form already made (a token is never taken for another contract's or period's)."""
    return get_session().exec(select(Submission).where(
        Submission.form_token == token, Submission.contract_id == contract_id,
        Submission.obligation_key == obligation.spec.key, Submission.period_key == obligation.period.key)).first()


def review(submission: Submission, *, accept: bool, reason: str, user) -> Submission:
    """Accept, or return for changes with a reason. Only the latest version is reviewed."""
    from portal.reporting.models import IllegalReview

    session = get_session()
    latest = session.exec(select(Submission.version).where(
        Submission.contract_id == submission.contract_id, Submission.obligation_key == submission.obligation_key,
        Submission.period_key == submission.period_key).order_by(Submission.version.desc())).first()
    if latest != submission.version:
        raise IllegalReview(f"version {latest} supersedes version {submission.version}; review the latest")
    contract = session.get(Contract, submission.contract_id)
    obligation = find_obligation(contract, submission.obligation_key, submission.period_key)
    if obligation is not None:
        from portal.cycles.services import lock_reason

        if locked := lock_reason(contract.id, obligation.period.end):
            raise IllegalReview(locked)
    before = audit.snapshot(submission)
    if accept:
        submission.accept(user.id, reason)
    else:
        submission.return_for_changes(user.id, reason)
    session.add(submission)
    audit.record("accept_submission" if accept else "return_submission", submission, before=before, reason=reason)
    if not accept:
        _notify_returned(submission, reason)
    session.commit()
    return submission


def _notify_returned(submission: Submission, reason: str) -> None:
    """The operator learns at once that a version came back, and why (in the portal and by mail)."""
    from flask import url_for

    from portal.notifications.services import notify, recipients

    contract = get_session().get(Contract, submission.contract_id)
    obligation = find_obligation(contract, submission.obligation_key, submission.period_key)
    label = obligation.spec.label if obligation else submission.obligation_key
    notify(recipients(contract, bureau_too=False), contract=contract, kind="review",
           dedup_key=f"returned|{submission.id}",
           subject=f"【考核】{contract.number}：{label}（{submission.period_key}）第{submission.version}版被退回修改",
           body=f"退回理由 / reason: {reason}\n请修改后提交新版本 / please submit a corrected version.",
           link=url_for("reporting.submit_report", contract_id=contract.id, obligation_key=submission.obligation_key,
                        period_key=submission.period_key))


def status_label(status: str, locale: str) -> str:
    zh, en = STATUSES[status]
    return en if locale == "en" else zh
