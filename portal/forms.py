"""Validators shared by every domain's forms, and the one-time token that makes a repeated post one decision."""
from __future__ import annotations

import re
import secrets
from datetime import datetime
from typing import Optional

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, SQLModel, select
from wtforms import HiddenField
from wtforms.validators import ValidationError

from portal.db import UTCDateTime, get_session, utcnow
from rules.identifiers import InvalidIdentifier, normalise_resident_id, parse_credit_code

_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


def credit_code(form, field) -> None:
    """GB 32100: 18 characters with a MOD 31 check character; the field keeps the clean value."""
    try:
        field.data = parse_credit_code(field.data)
    except InvalidIdentifier as exc:
        raise ValidationError(str(exc)) from None


def phone(form, field) -> None:
    value = normalise_resident_id(field.data).replace("-", "")
    raw = normalise_resident_id(field.data)
    if not (_PHONE.match(value) or _PHONE.match(raw)):
        raise ValidationError(_l("电话号码格式不正确（11位手机号，或区号加座机号）"))
    field.data = raw


def strip(value):
    return value.strip() if isinstance(value, str) else value


def form_data(form, *names) -> dict:
    """The named fields' cleaned values, for a service call."""
    return {name: getattr(form, name).data for name in names}


class FormSubmission(SQLModel, table=True):
    """A one-time form token, stored when its form is acted on: a repeated post of the same form (a double
    click, a retried request) finds it and is one decision, not two. The unique key holds under concurrency."""

    __tablename__ = "form_submission"

    id: Optional[int] = Field(default=None, primary_key=True)
    token: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    user_id: int = Field(foreign_key="user_account.id", index=True)
    action: str = Field(max_length=60)  # the endpoint that acted on it
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


def new_form_token() -> str:
    return secrets.token_urlsafe(24)


class OnceForm(FlaskForm):
    """A form whose post is a decision (money, an application, an objection): it carries a one-time token
    (rendered by hidden_tag()), stored when the post is acted on, so a double click is one decision."""

    once = HiddenField(default=new_form_token)


def was_submitted(form) -> bool:
    """Whether this very form was already acted on (checked before validating it against a state the first
    post has changed, e.g. a payment line it paid off)."""
    token = (getattr(getattr(form, "once", None), "data", "") or "").strip()[:64]
    return bool(token) and get_session().exec(
        select(FormSubmission.id).where(FormSubmission.token == token)).first() is not None


class AlreadySubmitted(Exception):
    """This very form was already acted on (the token is stored)."""


def claim_once(form, user, action: str) -> None:
    """Store the form's token in the current transaction (committed with the decision, rolled back with a
    refusal). A second post of the same form fails here, also when both arrive at once: the unique key
    makes the later one wait for the first and then refuses it."""
    token = (getattr(getattr(form, "once", None), "data", "") or "").strip()[:64]
    if not token:  # a client that sends no token (a script) is not protected from its own repeats
        return
    session = get_session()
    if session.exec(select(FormSubmission.id).where(FormSubmission.token == token)).first():
        raise AlreadySubmitted(token)
    session.add(FormSubmission(token=token, user_id=user.id, action=action[:60]))
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise AlreadySubmitted(token) from None


def already_done(target: str):
    """The answer to a repeated post of a form already acted on: back to the page, said, nothing done twice."""
    from flask import flash, redirect
    from flask_babel import gettext as _

    flash(_("该表单已提交过，未重复处理"), "info")
    return redirect(target, code=303)
