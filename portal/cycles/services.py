"""A contract's cycles, their sheets' sign-off state, and the lock an approval puts on a cycle's data.

The scheme's cycles are laid on the contract's term (`cycles()`); each has at most one `AssessmentSheet`
(models.py) whose approval freezes a `SheetApproval`. While a cycle's sheet is approved its data is
locked: `lock_reason()` says why, in the words the user reads, and every domain that changes a cycle's
data asks it first. This package sits low so every domain may use it; it knows nothing of scoring.
"""
from __future__ import annotations

import calendar as _calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from flask import has_request_context
from sqlmodel import select

from portal.cycles.models import AssessmentSheet, SheetApproval
from portal.db import get_session
from portal.schemes.services import contract_scheme, scheme_for
from rules.scoring.model import Scheme

if TYPE_CHECKING:  # a contract is the aggregate that has cycles: this package sits below it
    from portal.contracts.models import Contract

_SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Cycle:
    id: str
    label: str
    start: date
    end: date  # inclusive


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, _calendar.monthrange(year, month + 1)[1]))


def cycles(contract: Contract) -> list[Cycle]:
    """The scheme's cycles laid on the contract's term, one after another (the last ends with the term).
    The calendar is the one of the version in force on the contract's first day (the contract was signed
    under it; a later version's calendar would move cycles already assessed)."""
    scheme = contract_scheme(contract)
    out, start = [], contract.starts_on
    for n, cycle in enumerate(scheme.cycles):
        last = n == len(scheme.cycles) - 1
        end = contract.ends_on if last or not cycle.months else _add_months(start, cycle.months) - timedelta(days=1)
        out.append(Cycle(cycle.id, cycle.label, start, min(end, contract.ends_on)))
        start = end + timedelta(days=1)
    return out


def cycle_scheme(contract: Contract, cycle: Cycle) -> Scheme:
    """The version that scores a cycle: the published version in force on the cycle's first day."""
    return scheme_for(contract.scheme_id, cycle.start)


def current_cycle(contract: Contract, today: date) -> Cycle:
    all_cycles = cycles(contract)
    return next((c for c in all_cycles if c.start <= today <= c.end), all_cycles[-1 if today > contract.ends_on else 0])


def find_cycle(contract: Contract, cycle_id: str) -> Cycle | None:
    return next((c for c in cycles(contract) if c.id == cycle_id), None)


def sheet_of(contract: Contract, cycle: Cycle) -> AssessmentSheet | None:
    return get_session().exec(select(AssessmentSheet).where(AssessmentSheet.contract_id == contract.id,
                                                            AssessmentSheet.cycle_id == cycle.id)).first()


def approvals_of(sheet: AssessmentSheet) -> list[SheetApproval]:
    return list(get_session().exec(select(SheetApproval).where(SheetApproval.sheet_id == sheet.id)
                                   .order_by(SheetApproval.number)))


def current_approval(sheet: AssessmentSheet | None) -> SheetApproval | None:
    if sheet is None or sheet.state != "approved":
        return None
    return get_session().exec(select(SheetApproval).where(SheetApproval.sheet_id == sheet.id)
                              .order_by(SheetApproval.number.desc())).first()


# -- locking ------------------------------------------------------------------------------------------

def lock_reason(contract_id: int, day: date) -> str | None:
    """Why data of `day` can no longer change: the cycle it falls in has an approved assessment."""
    session = get_session()
    sheet = session.exec(select(AssessmentSheet).where(
        AssessmentSheet.contract_id == contract_id, AssessmentSheet.state == "approved",
        AssessmentSheet.cycle_start <= day, AssessmentSheet.cycle_end >= day)).first()
    if sheet is None:
        return None
    approval = current_approval(sheet)
    if has_request_context():  # a page or an export: the reader's language, dates as people write them
        from flask_babel import gettext

        from portal.filters import day

        return gettext("%(cycle)s（%(start)s至%(end)s）的考核已于%(when)s审批通过，该周期数据已锁定，不能再修改；"
                       "如需更正，请联系局方审批人重新开启考核。", cycle=sheet.cycle_label, start=day(sheet.cycle_start),
                       end=day(sheet.cycle_end), when=day(approval.approved_at) if approval else "")
    when = approval.approved_at.astimezone(_SHANGHAI).strftime("%Y-%m-%d") if approval else ""
    return (f"{sheet.cycle_label}（{sheet.cycle_start}至{sheet.cycle_end}）的考核已于{when}审批通过，该周期数据已锁定，"
            f"不能再修改；如需更正，请联系局方审批人重新开启考核。 / The assessment of this cycle "
            f"({sheet.cycle_start} to {sheet.cycle_end}) was approved on {when}; its data is locked. Ask the "
            f"bureau's approver to reopen the assessment to correct it.")


def cycle_overview(contract: Contract) -> list[tuple[Cycle, AssessmentSheet | None, SheetApproval | None]]:
    """Every cycle of the contract with its sheet (if started) and its approval in force (if approved)."""
    out = []
    for cycle in cycles(contract):
        sheet = sheet_of(contract, cycle)
        out.append((cycle, sheet, current_approval(sheet)))
    return out
