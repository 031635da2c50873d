"""Alerts in the portal, and the mail outbox that carries them to users with an address."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from portal.db import UTCDateTime, utcnow
from portal.i18n import N_

MAIL_STATES = {"waiting": N_("待发送"), "failed": N_("发送失败，将重试"), "dead": N_("无法投递"),
               "sent": N_("已发送")}


class Notification(SQLModel, table=True):
    """An alert shown in the portal to one user; mailed through the outbox when the user has an address."""

    __tablename__ = "notification"
    __table_args__ = (sa.UniqueConstraint("user_id", "dedup_key", name="uq_notification_dedup"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    bureau_id: Optional[int] = Field(default=None, foreign_key="bureau.id")
    operator_id: Optional[int] = Field(default=None, foreign_key="operator.id")
    contract_id: Optional[int] = Field(default=None, foreign_key="contract.id")
    dedup_key: str = Field(max_length=300)
    kind: str = Field(max_length=20)  # violation | reminder | review
    subject: str = Field(max_length=300)
    body: str = Field(max_length=4000)
    link: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    read_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)


class OutboxMail(SQLModel, table=True):
    """Mail waiting to go out. A mail server that is down loses nothing: the row stays and is retried.

    A delivery run claims a mail (claimed_by, claimed_until) before sending it, so two runs never send the
    same one; a run that dies leaves a claim that runs out. A permanent refusal (5xx) or too many attempts
    makes it dead: kept, shown to the bureau admin, sent again only by hand."""

    __tablename__ = "outbox_mail"

    id: Optional[int] = Field(default=None, primary_key=True)
    notification_id: int = Field(foreign_key="notification.id", sa_column_kwargs={"unique": True})
    to_address: str = Field(max_length=200)
    subject: str = Field(max_length=300)
    body: str = Field(max_length=4000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    attempts: int = 0
    last_error: str = Field(default="", max_length=500)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    sent_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    message_id: str = Field(default="", max_length=200)  # fixed at the first attempt: a resend is the same mail
    claimed_by: str = Field(default="", max_length=100)
    claimed_until: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    dead_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)

    @property
    def state(self) -> str:
        if self.sent_at is not None:
            return "sent"
        if self.dead_at is not None:
            return "dead"
        return "failed" if self.last_error else "waiting"

    @classmethod
    def state_sql(cls):
        """The same state as a SQL expression, for counts and filters."""
        return sa.case((cls.sent_at.is_not(None), "sent"), (cls.dead_at.is_not(None), "dead"),
                       (cls.last_error != "", "failed"), else_="waiting")

    @property
    def state_label(self) -> str:
        return MAIL_STATES[self.state]
