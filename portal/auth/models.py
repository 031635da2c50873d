"""Accounts. A user is bound to one operator or one bureau; a platform admin to neither."""
from __future__ import annotations

import secrets
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from portal.db import UTCDateTime, utcnow
from portal.i18n import N_

ROLES = {
    "operator": N_("运营单位"),
    "reviewer": N_("初审（就业服务中心）"),
    "approver": N_("审核（人社局）"),
    "admin": N_("管理员"),
}
BUREAU_ROLES = ("reviewer", "approver", "admin")


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(SQLModel, table=True):
    __tablename__ = "user_account"
    __table_args__ = (
        sa.CheckConstraint(
            "(role = 'operator' AND operator_id IS NOT NULL AND bureau_id IS NULL)"
            " OR (role IN ('reviewer','approver') AND bureau_id IS NOT NULL AND operator_id IS NULL)"
            " OR (role = 'admin' AND operator_id IS NULL)",
            name="ck_user_binding",
        ),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    username: str = Field(max_length=60, sa_column_kwargs={"unique": True})
    display_name: str = Field(max_length=60)
    email: str = Field(default="", max_length=200)
    role: str = Field(max_length=20)
    bureau_id: Optional[int] = Field(default=None, foreign_key="bureau.id", index=True)
    operator_id: Optional[int] = Field(default=None, foreign_key="operator.id", index=True)
    password_hash: str = Field(max_length=200)
    # Rotated on logout and password change: every cookie carrying the old value is refused.
    session_token: str = Field(default_factory=new_session_token, max_length=64)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_login_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_platform_admin(self) -> bool:
        return self.role == "admin" and self.bureau_id is None

    @property
    def is_bureau_user(self) -> bool:
        return self.bureau_id is not None

    @property
    def is_operator_user(self) -> bool:
        return self.role == "operator"

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)


class FormSubmission(SQLModel, table=True):
    """A one-time form token, stored when its form is acted on: a repeated post of the same form (a double
    click, a retried request) finds it and is one decision, not two. The unique key holds under concurrency."""

    __tablename__ = "form_submission"

    id: Optional[int] = Field(default=None, primary_key=True)
    token: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    user_id: int = Field(foreign_key="user_account.id", index=True)
    action: str = Field(max_length=60)  # the endpoint that acted on it
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
