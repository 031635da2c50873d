"""Writing the audit trail: every decision is one appended row with who, when, what and why."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_login import current_user
from sqlmodel import SQLModel

from portal.audit.models import AuditEvent
from portal.db import get_session


def snapshot(obj: SQLModel | None) -> dict | None:
    """The object's columns as JSON-safe values (dates ISO, money as a string: never float)."""
    if obj is None:
        return None
    out: dict[str, Any] = {}
    for column in obj.__table__.columns:
        if column.key in ("password_hash", "session_token"):
            continue
        value = getattr(obj, column.key)
        if isinstance(value, (date, datetime)):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        out[column.key] = value
    return out


def record(action: str, obj: SQLModel | None = None, *, before: dict | None = None,
           after: dict | None = None, reason: str = "", actor=None, bureau_id=None,
           operator_id=None) -> AuditEvent:
    """Add an audit event to the current session (committed with the change it describes)."""
    actor = actor if actor is not None else (current_user if current_user and current_user.is_authenticated else None)
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        actor_name=getattr(actor, "username", None) or "system",
        action=action,
        object_type=obj.__tablename__ if obj is not None else "",
        object_id=getattr(obj, "id", None),
        bureau_id=bureau_id if bureau_id is not None else getattr(obj, "bureau_id", None),
        operator_id=operator_id if operator_id is not None else getattr(obj, "operator_id", None),
        before=before,
        after=after if after is not None else snapshot(obj),
        reason=reason,
    )
    get_session().add(event)
    return event
