"""Violations found by the rules (their alerts live in portal.notifications)."""
from __future__ import annotations

import calendar
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Optional
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from portal.contracts.models import contract_data
from portal.db import Money, UTCDateTime, utcnow
from portal.i18n import N_

VIOLATION_STATUSES = {
    "open": N_("待整改"),
    "acknowledged": N_("已确认"),
    "waived": N_("已豁免"),
    "rectified": N_("已纠正"),
}


_SHANGHAI = ZoneInfo("Asia/Shanghai")


def period_end(period: str) -> date | None:
    """The last day of a violation's period: "2024-Q2", "2024-06", "2024" (None if it has none)."""
    if match := re.fullmatch(r"(\d{4})-Q([1-4])", period):
        year, quarter = int(match[1]), int(match[2])
        return date(year, 3 * quarter, calendar.monthrange(year, 3 * quarter)[1])
    if match := re.fullmatch(r"(\d{4})-(0[1-9]|1[0-2])", period):
        year, month = int(match[1]), int(match[2])
        return date(year, month, calendar.monthrange(year, month)[1])
    if re.fullmatch(r"\d{4}", period):
        return date(int(period), 12, 31)
    return None


class IllegalViolationChange(Exception):
    pass


@contract_data
class Violation(SQLModel, table=True):
    """One finding of a rule for one contract, stored once (by its dedup key) however often rules run."""

    __tablename__ = "violation"
    __table_args__ = (
        sa.UniqueConstraint("contract_id", "dedup_key", name="uq_violation_dedup"),
        sa.CheckConstraint("status IN ('open','acknowledged','waived','rectified')", name="ck_violation_status"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contract.id", index=True)
    bureau_id: int = Field(foreign_key="bureau.id", index=True)
    operator_id: int = Field(foreign_key="operator.id", index=True)
    station_id: Optional[int] = Field(default=None, foreign_key="station.id")
    rule_id: str = Field(max_length=80, index=True)
    dedup_key: str = Field(max_length=300)
    kind: str = Field(max_length=20)  # violation | consequence | determination | review
    severity: str = Field(max_length=10)  # info | notice | serious
    period: str = Field(default="", max_length=20)
    scheme_item: str = Field(default="", max_length=200)
    scheme_fact: str = Field(default="", max_length=100)
    clause: str = Field(max_length=500)
    message_zh: str = Field(max_length=1000)
    message_en: str = Field(max_length=1000)
    evidence: dict = Field(default_factory=dict, sa_type=sa.JSON)
    penalty_points: Optional[Decimal] = Field(default=None, sa_type=Money)  # hundredths of a point, exact
    per_occurrence: bool = True
    consequence: str = Field(default="", max_length=40)
    status: str = Field(default="open", max_length=20)
    status_reason: str = Field(default="", max_length=1000)
    status_changed_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    first_found_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_found_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    resolved_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    # Two-level sign-off (issue #6): the reviewer proposes a waiver with a reason, the approver confirms it.
    waiver_reason: str = Field(default="", max_length=1000)
    waiver_proposed_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    waiver_proposed_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)

    @property
    def waiver_pending(self) -> bool:
        return self.waiver_proposed_by_id is not None and self.status in ("open", "acknowledged")

    @property
    def status_label(self) -> str:
        return VIOLATION_STATUSES.get(self.status, self.status)

    @property
    def counts_against_score(self) -> bool:
        return self.status in ("open", "acknowledged")

    @property
    def falls_on(self) -> date:
        """Where the violation falls (the cycle it counts in, the lock that guards it): the end of its
        period, else the day the rules first found it."""
        return period_end(self.period) or self.first_found_at.astimezone(_SHANGHAI).date()

    def acknowledge(self, user_id: int) -> None:
        if self.status != "open":
            raise IllegalViolationChange(f"violation is {self.status}; only an open one can be acknowledged")
        self.status, self.status_changed_by_id = "acknowledged", user_id

    def propose_waiver(self, user_id: int, reason: str) -> None:
        """The reviewer asks for the violation to be waived; it keeps counting until the approver confirms."""
        if not reason.strip():
            raise IllegalViolationChange("a waiver needs a reason")
        if self.status not in ("open", "acknowledged"):
            raise IllegalViolationChange(f"violation is {self.status}; it cannot be waived")
        self.waiver_reason, self.waiver_proposed_by_id, self.waiver_proposed_at = reason.strip(), user_id, utcnow()

    def confirm_waiver(self, user_id: int) -> None:
        """The approver confirms the reviewer's proposal: the proposal's reason becomes the waiver's."""
        if not self.waiver_pending:
            raise IllegalViolationChange("there is no waiver proposal to confirm")
        if user_id == self.waiver_proposed_by_id:
            raise IllegalViolationChange("the person who proposed a waiver cannot also confirm it")
        self.waive(user_id, self.waiver_reason)

    def decline_waiver(self, user_id: int, reason: str) -> None:
        if not self.waiver_pending:
            raise IllegalViolationChange("there is no waiver proposal to decline")
        if not reason.strip():
            raise IllegalViolationChange("declining a waiver needs a reason")
        self.status_reason, self.status_changed_by_id = f"豁免申请未获批准：{reason.strip()}", user_id
        self.waiver_reason, self.waiver_proposed_by_id, self.waiver_proposed_at = "", None, None

    def waive(self, user_id: int, reason: str) -> None:
        if not reason.strip():
            raise IllegalViolationChange("a waiver needs a reason")
        if self.status not in ("open", "acknowledged"):
            raise IllegalViolationChange(f"violation is {self.status}; it cannot be waived")
        self.status, self.status_reason, self.status_changed_by_id = "waived", reason.strip(), user_id
        self.resolved_at = utcnow()

    def mark_rectified(self, reason: str) -> None:
        """The rules no longer find it (the late report came in, the data was corrected)."""
        if self.status in ("open", "acknowledged"):
            self.status, self.status_reason, self.resolved_at = "rectified", reason, utcnow()
