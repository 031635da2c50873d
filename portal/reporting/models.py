"""Submissions: one row per version. Content is frozen once submitted; a correction is a new version."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy import event
from sqlmodel import Field, SQLModel

from portal.db import UTCDateTime, utcnow
from portal.i18n import N_

SUBMISSION_STATES = {
    "submitted": N_("已提交，待审核"),
    "accepted": N_("已接收"),
    "returned": N_("已退回修改"),
}


class IllegalReview(Exception):
    """A review that the submission's state does not allow."""


class FrozenSubmission(Exception):
    """An attempt to change what was submitted."""


class Submission(SQLModel, table=True):
    __tablename__ = "submission"
    __table_args__ = (
        sa.UniqueConstraint("contract_id", "obligation_key", "period_key", "version", name="uq_submission_version"),
        sa.CheckConstraint("version >= 1", name="ck_submission_version"),
        sa.CheckConstraint("state IN ('submitted','accepted','returned')", name="ck_submission_state"),
        sa.Index("uq_submission_form_key", "contract_id", "form_key", unique=True),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contract.id", index=True)
    # Denormalised owners, so tenancy scoping needs no join.
    bureau_id: int = Field(foreign_key="bureau.id", index=True)
    operator_id: int = Field(foreign_key="operator.id", index=True)
    obligation_key: str = Field(max_length=60)
    period_key: str = Field(max_length=20)
    due_at: datetime = Field(sa_type=UTCDateTime)  # the due moment in force when submitted
    version: int = 1
    submitted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    submitted_by_id: int = Field(foreign_key="user_account.id")
    figures: dict = Field(default_factory=dict, sa_type=sa.JSON)  # fact key -> number as a string
    narrative: str = Field(default="", max_length=20000)
    state: str = Field(default="submitted", max_length=20)
    review_reason: str = Field(default="", max_length=2000)
    reviewed_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    reviewed_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    # The one-time key of the form it was sent from: the same form sent again (no answer came, the user pressed
    # again) finds this version instead of making another (issue #17). Unique per contract (migration 0009).
    form_key: Optional[str] = Field(default=None, max_length=32)

    @property
    def state_label(self) -> str:
        return SUBMISSION_STATES.get(self.state, self.state)

    @property
    def on_time(self) -> bool:
        return self.submitted_at <= self.due_at

    def accept(self, reviewer_id: int, reason: str = "") -> None:
        self._review("accepted", reviewer_id, reason)

    def return_for_changes(self, reviewer_id: int, reason: str) -> None:
        if not reason.strip():
            raise IllegalReview("returning a submission needs a reason")
        self._review("returned", reviewer_id, reason)

    def _review(self, state: str, reviewer_id: int, reason: str) -> None:
        if self.state != "submitted":
            raise IllegalReview(f"version {self.version} is already {self.state}")
        self.state, self.reviewed_by_id, self.review_reason, self.reviewed_at = state, reviewer_id, reason.strip(), utcnow()


_FROZEN = ("contract_id", "obligation_key", "period_key", "due_at", "version", "submitted_at", "submitted_by_id",
           "figures", "narrative", "bureau_id", "operator_id")


@event.listens_for(Submission, "before_update")
def _refuse_content_change(mapper, connection, target):
    state = sa.inspect(target)
    changed = [name for name in _FROZEN if state.attrs[name].history.has_changes()]
    if changed:
        raise FrozenSubmission(f"a submitted version cannot change ({', '.join(changed)}); submit a new version")


@event.listens_for(Submission, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise FrozenSubmission("submissions are never deleted")
