"""A cycle's assessment: the sheet the bureau works on, and the frozen approvals it produces.

`AssessmentSheet` is the working copy, one per contract and cycle: the judgement and other values only
people can give (each with a reason), its state (draft → submitted by the reviewer → approved by the
approver) and a revision number that makes a stale save fail instead of overwriting someone else's.

`SheetApproval` is what an approval freezes: the scheme version and its file's sha256, every input fact
and the full sheet as computed. Rows are never updated or deleted (the ORM refuses and, in the database,
triggers refuse). Reopening an approved sheet sends it back to draft with a reason; the approval stays as
history and a later approval is a new row with the next number.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Optional

import sqlalchemy as sa
from sqlalchemy import event
from sqlmodel import Field, SQLModel

from portal.db import UTCDateTime, utcnow
from portal.i18n import N_

SHEET_STATES = {
    "draft": N_("评分中"),
    "submitted": N_("待审批"),
    "approved": N_("已审批（已锁定）"),
}


class IllegalSheetChange(Exception):
    """A sheet was asked to do something its state does not allow."""


class EditConflict(Exception):
    """The sheet changed since the user loaded it; their save would overwrite someone else's."""


class AssessmentSheet(SQLModel, table=True):
    __tablename__ = "assessment_sheet"
    __table_args__ = (
        sa.UniqueConstraint("contract_id", "cycle_id", name="uq_assessment_sheet_cycle"),
        sa.CheckConstraint("state IN ('draft','submitted','approved')", name="ck_assessment_sheet_state"),
        sa.CheckConstraint("revision >= 1", name="ck_assessment_sheet_revision"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contract.id", index=True)
    bureau_id: int = Field(foreign_key="bureau.id", index=True)
    operator_id: int = Field(foreign_key="operator.id", index=True)
    cycle_id: str = Field(max_length=30)
    cycle_label: str = Field(max_length=100)
    cycle_start: date
    cycle_end: date
    state: str = Field(default="draft", max_length=10)
    # fact key -> {"value": JSON value, "reason": str, "by": username, "by_name": display name, "at": ISO timestamp}
    entries: dict = Field(default_factory=dict, sa_type=sa.JSON)
    revision: int = 1
    submitted_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    submitted_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    reopen_reason: str = Field(default="", max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def state_label(self) -> str:
        return SHEET_STATES.get(self.state, self.state)

    @property
    def locked(self) -> bool:
        return self.state == "approved"

    def check_revision(self, seen: int | None) -> None:
        """Refuse a save made on an older revision than the stored one (optimistic locking)."""
        if seen is None or int(seen) != self.revision:
            raise EditConflict(f"sheet {self.id} is at revision {self.revision}, the form was for {seen}")

    def touch(self) -> None:
        self.revision += 1
        self.updated_at = utcnow()


class SheetApproval(SQLModel, table=True):
    __tablename__ = "sheet_approval"
    __table_args__ = (sa.UniqueConstraint("sheet_id", "number", name="uq_sheet_approval_number"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    sheet_id: int = Field(foreign_key="assessment_sheet.id", index=True)
    number: int  # 1 for the first approval of the sheet, 2 after a reopening, …
    contract_id: int = Field(foreign_key="contract.id", index=True)
    bureau_id: int = Field(foreign_key="bureau.id", index=True)
    operator_id: int = Field(foreign_key="operator.id", index=True)
    cycle_id: str = Field(max_length=30)
    scheme_id: str = Field(max_length=60)
    scheme_version: str = Field(max_length=100)
    scheme_sha256: str = Field(max_length=64)
    facts: dict = Field(default_factory=dict, sa_type=sa.JSON)  # every input, JSON (Decimals as strings)
    sources: dict = Field(default_factory=dict, sa_type=sa.JSON)  # fact key -> where it came from
    figures: dict = Field(default_factory=dict, sa_type=sa.JSON)  # rules.scoring.sheet_to_dict(sheet)
    total: Decimal = Field(sa_type=sa.Numeric(8, 2))
    passed: Optional[bool] = None
    payment_ratio: Optional[Decimal] = Field(default=None, sa_type=sa.Numeric(6, 4))
    submitted_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    approved_by_id: int = Field(foreign_key="user_account.id")
    approved_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    note: str = Field(default="", max_length=1000)


class FrozenApproval(Exception):
    pass


@event.listens_for(SheetApproval, "before_update")
def _no_update(mapper, connection, target):
    raise FrozenApproval("an approved sheet is frozen; reopen the assessment and approve again")


@event.listens_for(SheetApproval, "before_delete")
def _no_delete(mapper, connection, target):
    raise FrozenApproval("an approved sheet is frozen; it is never deleted")
