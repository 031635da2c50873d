"""Payments recorded against a contract's schedule: append-only, a correction is a reversing entry.

A `Payment` is one transfer the bureau made for one line of the schedule (the advance, a stage, a subsidy),
with the amount due for that line when it was recorded and the approved sheet that justified it. Rows are
never updated or deleted (the ORM refuses and, in the database, triggers refuse); a mistaken payment is
cancelled by a reversal: a new row with the opposite amount, pointing at it, with a reason.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Optional

import sqlalchemy as sa
from sqlalchemy import event
from sqlmodel import Field, SQLModel

from portal.db import Money, UTCDateTime, utcnow


class Payment(SQLModel, table=True):
    __tablename__ = "payment"
    __table_args__ = (
        # A payment is positive; its reversal is the exact negative and names the payment it cancels.
        sa.CheckConstraint("(reverses_id IS NULL AND amount > 0) OR (reverses_id IS NOT NULL AND amount < 0)",
                           name="ck_payment_sign"),
        sa.UniqueConstraint("reverses_id", name="uq_payment_reverses"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contract.id", index=True)
    bureau_id: int = Field(foreign_key="bureau.id", index=True)
    operator_id: int = Field(foreign_key="operator.id", index=True)
    line_key: str = Field(max_length=60)  # "advance", a stage id of the scheme, "subsidy:<cycle id>"
    line_label: str = Field(max_length=200)
    amount: Decimal = Field(sa_type=Money)  # yuan, exact; negative for a reversal
    due_when_recorded: Optional[Decimal] = Field(default=None, sa_type=Money)
    approval_id: Optional[int] = Field(default=None, foreign_key="sheet_approval.id")  # the sheet that justified it
    paid_on: date
    bank_reference: str = Field(max_length=100)
    reverses_id: Optional[int] = Field(default=None, foreign_key="payment.id")
    reason: str = Field(default="", max_length=1000)  # why a reversal was made
    recorded_by_id: int = Field(foreign_key="user_account.id")
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None


class AppendOnlyPayment(Exception):
    pass


@event.listens_for(Payment, "before_update")
def _no_update(mapper, connection, target):
    raise AppendOnlyPayment("payments are append-only; record a reversing entry with a reason")


@event.listens_for(Payment, "before_delete")
def _no_delete(mapper, connection, target):
    raise AppendOnlyPayment("payments are append-only; record a reversing entry with a reason")


class ExportFile(SQLModel, table=True):
    """A PDF export rendered by the task consumer, not inside the request: the page waits for it and then
    offers it for download (to the users who may see its contract)."""

    __tablename__ = "export_file"
    __table_args__ = (sa.CheckConstraint("state IN ('queued','done','failed')", name="ck_export_file_state"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)  # score_sheet (object: a sheet approval) | settlement (object: a contract)
    object_id: int
    contract_id: int = Field(foreign_key="contract.id", index=True)
    bureau_id: int = Field(foreign_key="bureau.id", index=True)
    operator_id: int = Field(foreign_key="operator.id", index=True)
    filename: str = Field(max_length=255)
    locale: str = Field(default="zh", max_length=10)
    requested_by_id: int = Field(foreign_key="user_account.id")
    requested_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    state: str = Field(default="queued", max_length=10)
    data: Optional[bytes] = Field(default=None, sa_type=sa.LargeBinary)
    finished_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
