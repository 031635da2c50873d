"""Ledger uploads and the rows they brought in. An upload is all-or-nothing: rejected ones keep only
their error report; accepted ones keep every row, never edited (a correction is a new upload)."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from portal.contracts.models import contract_data
from portal.db import UTCDateTime, utcnow
from portal.i18n import N_

UPLOAD_STATES = {"queued": N_("排队中"), "processing": N_("正在检查"), "accepted": N_("已接收"),
                 "rejected": N_("未接收"), "failed": N_("检查中断")}


@contract_data
class LedgerUpload(SQLModel, table=True):
    __tablename__ = "ledger_upload"
    __table_args__ = (sa.CheckConstraint("state IN ('queued','processing','accepted','rejected','failed')",
                                         name="ck_ledger_upload_state"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contract.id", index=True)
    bureau_id: int = Field(foreign_key="bureau.id", index=True)
    operator_id: int = Field(foreign_key="operator.id", index=True)
    ledger_type: str = Field(max_length=40)
    obligation_key: str = Field(default="", max_length=60)
    period_key: str = Field(default="", max_length=20)
    filename: str = Field(max_length=255)
    size: int
    sha256: str = Field(max_length=64)
    uploaded_by_id: int = Field(foreign_key="user_account.id")
    uploaded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # queued -> processing -> accepted | rejected; a processing upload whose consumer died goes back to
    # queued (from the start, nothing of it kept), and after too many attempts or a lost task to failed.
    state: str = Field(default="queued", max_length=20, index=True)
    attempts: int = 0
    claimed_by: str = Field(default="", max_length=100)  # the consumer (host:pid) running it
    lease_until: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    queue_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)  # last seen waiting by a consumer
    progress_done: int = 0
    progress_total: int = 0
    total_rows: int = 0
    error_count: int = 0
    summary: str = Field(default="", max_length=1000)
    errors: list = Field(default_factory=list, sa_type=sa.JSON)  # the first errors, for the page
    errors_xlsx: Optional[bytes] = Field(default=None, sa_type=sa.LargeBinary)
    finished_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)

    @property
    def waiting(self) -> bool:
        return self.state in ("queued", "processing")

    def lost(self, now: datetime, queue_timeout_seconds: int) -> bool:
        """Still waiting, but nothing can be running it: its claim ran out, or no consumer took it in time."""
        if self.state == "processing":
            return self.lease_until is not None and self.lease_until < now
        if self.state == "queued":
            return (now - self.queue_seen_at).total_seconds() > queue_timeout_seconds
        return False

    @property
    def state_label(self) -> str:
        return UPLOAD_STATES.get(self.state, self.state)

    @property
    def percent(self) -> int:
        return int(100 * self.progress_done / self.progress_total) if self.progress_total else 0


class LedgerRow(SQLModel, table=True):
    __tablename__ = "ledger_row"
    __table_args__ = (sa.UniqueConstraint("operator_id", "ledger_type", "row_key", name="uq_ledger_row_key"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    upload_id: int = Field(foreign_key="ledger_upload.id", index=True)
    contract_id: int = Field(foreign_key="contract.id", index=True)
    bureau_id: int = Field(foreign_key="bureau.id", index=True)
    operator_id: int = Field(foreign_key="operator.id", index=True)
    ledger_type: str = Field(max_length=40)
    row_number: int  # the row in the uploaded sheet, as Excel shows it
    row_key: str = Field(max_length=300)  # duplicate detection across uploads (operator, type, key)
    data: dict = Field(default_factory=dict, sa_type=sa.JSON)


class LedgerUploadFile(SQLModel, table=True):
    """The uploaded bytes, kept apart from the upload's row (lists never load them): an import that died
    with its consumer starts again from them."""

    __tablename__ = "ledger_upload_file"

    upload_id: int = Field(foreign_key="ledger_upload.id", primary_key=True)
    data: bytes = Field(sa_type=sa.LargeBinary)
