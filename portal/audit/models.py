"""The audit trail: append-only. The ORM refuses updates and deletes; so do database triggers."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy import event
from sqlmodel import Field, SQLModel

from portal.db import UTCDateTime, utcnow


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"

    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    actor_name: str = Field(max_length=60)  # kept even if the account is later renamed
    action: str = Field(max_length=60, index=True)  # verb_noun, e.g. create_contract, terminate_contract
    object_type: str = Field(max_length=40)
    object_id: Optional[int] = None
    bureau_id: Optional[int] = Field(default=None, foreign_key="bureau.id", index=True)
    operator_id: Optional[int] = Field(default=None, foreign_key="operator.id", index=True)
    before: Optional[dict] = Field(default=None, sa_type=sa.JSON)
    after: Optional[dict] = Field(default=None, sa_type=sa.JSON)
    reason: str = Field(default="", max_length=1000)


class AppendOnlyViolation(Exception):
    pass


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(mapper, connection, target):
    raise AppendOnlyViolation("audit events are append-only")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise AppendOnlyViolation("audit events are append-only")
