"""Alerts in the portal, and the mail outbox that carries them to users with an address."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from portal.db import UTCDateTime, utcnow


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
    """Mail waiting to go out. A mail server that is down loses nothing: the row stays and is retried."""

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
