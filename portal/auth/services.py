"""Accounts: argon2 hashes, login, logout and password change that end every earlier session."""
from __future__ import annotations

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import current_user
from sqlmodel import select

from portal.audit import services as audit
from portal.auth.models import User, new_session_token
from portal.db import get_session, utcnow
from portal.organisations.models import Bureau, Operator

_hasher = PasswordHasher()
# Verifying against this when the account does not exist keeps the timing of both cases alike. Written out
# (argon2id with the hasher's default parameters, of "not-a-real-password") rather than hashed at import:
# hashing costs every process ~0.1–0.5 s of start-up, the CLI's included (issue #15). A test checks that
# the parameters are still the hasher's.
_DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$EPgjDnhKELxORpPCqsriXg$rbkSI6wKJmtQEEzgclRQkYbmMIKGI9CFRpQZyWVPhM0"

MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(user: User | None, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash if user else _DUMMY_HASH, password) and user is not None
    except (VerificationError, InvalidHashError):
        return False


def authenticate(username: str, password: str) -> User | None:
    session = get_session()
    user = session.exec(select(User).where(User.username == username.strip())).first()
    if not verify_password(user, password) or not user.active:
        _record_failed_login(username, user)
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    audit.record("login", user, actor=user, after={"username": user.username})
    session.commit()
    return user


def _record_failed_login(username: str, user: User | None) -> None:
    """A refused login is an audit line: the account's bureau (or its operator's bureaus) see attempts on it;
    attempts on names that do not exist are seen by the platform admin."""
    from flask import has_request_context, request

    address = request.remote_addr if has_request_context() else None
    event = audit.record("login_failed", user, actor=None, before=None, reason=address or "",
                         after={"username": username.strip()[:60] if user is not None else _unknown(username),
                                "address": address,
                                "why": "inactive" if user is not None and not user.active else "password"})
    if user is None:
        event.object_type = "user_account"
    get_session().commit()


def login_throttled(username: str, address: str | None, config) -> bool:
    """Whether refused logins from this address (LOGIN_LIMIT_PER_ADDRESS), or at this account from this
    address (LOGIN_LIMIT_PER_ACCOUNT), already fill their window. Counted from the audit trail's
    login_failed lines, so every worker process sees the same count (Flask-Limiter's memory:// does not)."""
    from datetime import timedelta

    from limits import parse
    from sqlmodel import func

    from portal.audit.models import AuditEvent

    session = get_session()
    now = utcnow()

    def failures(window: int, *where) -> int:
        return session.exec(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "login_failed", AuditEvent.at >= now - timedelta(seconds=window),
            AuditEvent.reason == (address or ""), *where)).one()

    per_address = parse(config["LOGIN_LIMIT_PER_ADDRESS"])
    if failures(per_address.get_expiry()) >= per_address.amount:
        return True
    user_id = session.exec(select(User.id).where(User.username == (username or "").strip())).first()
    if user_id is None:
        return False
    per_account = parse(config["LOGIN_LIMIT_PER_ACCOUNT"])
    return failures(per_account.get_expiry(), AuditEvent.object_type == "user_account",
                    AuditEvent.object_id == user_id) >= per_account.amount


def _unknown(username: str) -> str:
    """A name no account has, as the trail keeps it: its first two characters and length (people type their
    password into the name field)."""
    name = username.strip()
    return f"{name[:2]}…({len(name)})"


def start_session_clock(session) -> None:
    """A login's start and last request, in its signed cookie (seconds since the epoch)."""
    now = int(utcnow().timestamp())
    session["login_at"] = session["seen_at"] = now


def session_expired(session, config) -> bool:
    """Whether this login has been idle too long, or lived too long; else it is marked seen now.
    A cookie from before these clocks existed starts its clocks now."""
    now = int(utcnow().timestamp())
    started, seen = session.get("login_at"), session.get("seen_at")
    if not isinstance(started, int) or not isinstance(seen, int):
        start_session_clock(session)
        return False
    if now - seen > config["SESSION_IDLE_MINUTES"] * 60 or now - started > config["SESSION_MAX_HOURS"] * 3600:
        return True
    if now - seen >= 30:  # write the cookie again at most every half minute
        session["seen_at"] = now
    return False


def end_sessions(user: User) -> None:
    """Rotate the session token: cookies issued before now no longer load the user."""
    user.session_token = new_session_token()


def logout(user: User) -> None:
    session = get_session()
    end_sessions(user)
    audit.record("logout", user, actor=user, after={"username": user.username})
    session.commit()


def change_password(user: User, new_password: str) -> None:
    session = get_session()
    user.password_hash = hash_password(new_password)
    end_sessions(user)
    audit.record("change_password", user, actor=user, after={"username": user.username})
    session.commit()


def load_user(user_id: str) -> User | None:
    """Flask-Login loader: the id carries the session token, which must still be current."""
    try:
        raw_id, token = user_id.split(":", 1)
        pk = int(raw_id)
    except (ValueError, AttributeError):
        return None
    user = get_session().get(User, pk)
    if user is None or not user.active or user.session_token != token:
        return None
    return user


# -- whom an admin may bind an account to -------------------------------------------------------------

def account_operators(user=None):
    """The operators `user` (an admin) may bind accounts to: a bureau admin those its bureau registered (an
    operator shared with other bureaus through contracts or stations is not its to take over: an account
    reads every bureau's data of its operator); the platform admin every operator. The one rule behind the
    account form's choices and the accounts an admin may manage."""
    user = user if user is not None else current_user
    query = select(Operator).order_by(Operator.id)
    if user.is_platform_admin:
        return query
    if user.is_bureau_user and user.role == "admin":
        return query.where(Operator.registered_by_bureau_id == user.bureau_id)
    return query.where(sa.false())


def account_bureaus(user=None):
    """The bureaus `user` (an admin) may bind accounts to: its own; the platform admin any."""
    user = user if user is not None else current_user
    query = select(Bureau).order_by(Bureau.id)
    if user.is_platform_admin:
        return query
    if user.is_bureau_user and user.role == "admin":
        return query.where(Bureau.id == user.bureau_id)
    return query.where(sa.false())
