"""Database engine, per-request sessions, and the column types every domain shares."""
from __future__ import annotations

import logging
from contextlib import contextmanager
from datetime import date, datetime, timezone
from decimal import Decimal, ROUND_HALF_UP

import sqlalchemy as sa
from flask import current_app, g, has_app_context
from sqlalchemy import event
from sqlmodel import Session
from sqlalchemy.types import TypeDecorator
from zoneinfo import ZoneInfo

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


BEIJING = ZoneInfo("Asia/Shanghai")


def local_today() -> date:
    """Today in Beijing (Asia/Shanghai), whatever the server's own zone: the day the bureaus live in (DOMAIN.md
    §6.3). From 16:00 UTC it is already tomorrow there; `date.today()` would still say the server's day."""
    return utcnow().astimezone(BEIJING).date()


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out; stored naive UTC on SQLite and PostgreSQL alike."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: give a time zone (timestamps are stored in UTC)")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=timezone.utc)


CENT = Decimal("0.01")


class Money(TypeDecorator):
    """Yuan as Decimal with two places, stored as a whole number of fen: exact on every database."""

    impl = sa.BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, float) or not isinstance(value, (Decimal, int)):
            raise TypeError(f"money must be Decimal, not {type(value).__name__}")
        value = Decimal(value)
        if value != value.quantize(CENT):
            raise ValueError(f"money has more than two decimal places: {value}")
        return int(value * 100)

    def process_result_value(self, value, dialect):
        return None if value is None else (Decimal(value) / 100).quantize(CENT, ROUND_HALF_UP)


def make_engine(url: str) -> sa.Engine:
    kwargs: dict = {"future": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        kwargs.update(pool_pre_ping=True, pool_size=5, max_overflow=10)
    engine = sa.create_engine(url, **kwargs)
    if url.startswith("sqlite"):

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

    return engine


def init_app(app) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["kaohe_engine"] = engine

    @event.listens_for(engine, "commit")
    def _commit_sent(_conn):  # the request's COMMIT leaves: until it is answered, its data may or may not be stored
        if has_app_context() and g.get("db_committing"):
            g.db_commit_unanswered = True

    @app.teardown_appcontext
    def _close_session(exc):
        session = g.pop("db_session", None)
        if session is not None:
            end_quietly(session, rollback=exc is not None)


def end_quietly(session: Session, *, rollback: bool = True) -> None:
    """Roll back and close without raising: with the database gone, ending a request's session must not turn an
    answer already decided (a saved report, a 503 page) into an error. A broken connection is discarded."""
    try:
        if rollback:
            session.rollback()
        session.close()
    except Exception as exc:
        log.warning("database session could not be ended cleanly: %s", type(exc).__name__)
        try:
            session.invalidate()
        except Exception:
            pass


@contextmanager
def own_session():
    """The request's session replaced by a new one for a step after the request's commit: a failure in that step
    rolls back (and expires) only its own objects, never those the request has loaded and answers from."""
    outer = g.pop("db_session", None)
    try:
        yield get_session()
    finally:
        inner = g.pop("db_session", None)
        if inner is not None:
            end_quietly(inner)
        if outer is not None:
            g.db_session = outer


def committed_state() -> str:
    """What this request did to the database: "saved" (a commit was answered), "unknown" (a COMMIT went out
    and no answer came back) or "not_saved" (nothing was committed)."""
    if g.get("db_commit_unanswered"):
        return "unknown"
    return "saved" if g.get("db_committed") else "not_saved"


def get_engine() -> sa.Engine:
    return current_app.extensions["kaohe_engine"]


def get_session() -> Session:
    """The request's session (one per app context), closed at teardown."""
    if "db_session" not in g:
        g.db_session = _RequestSession(get_engine(), expire_on_commit=False)
    return g.db_session


def lock_row(model, pk: int):
    """`model` row `pk`, re-read and locked until the transaction ends, so two requests deciding on the same
    row (a payment line, an application, an objection) run one after the other and the second sees the first.

    PostgreSQL: SELECT … FOR UPDATE. SQLite has no row locks: a no-op UPDATE of the row takes the database's
    write lock (what BEGIN IMMEDIATE would), and the row is then read again inside that transaction.
    """
    from sqlmodel import select

    session = get_session()
    if session.get_bind().dialect.name == "sqlite":
        table = model.__table__
        session.execute(sa.update(table).where(table.c.id == pk).values(id=table.c.id))
    return session.exec(select(model).where(model.id == pk).with_for_update()
                        .execution_options(populate_existing=True)).one()


def _committing(_session) -> None:
    g.db_committing = True


def _commit_answered(_session) -> None:
    g.db_committed = True
    g.db_committing = g.db_commit_unanswered = False


class _RequestSession(Session):
    """get_session()'s sessions: their commits are followed for committed_state() (listened to once, on the
    class, rather than on every new session: issue #16)."""


event.listen(_RequestSession, "before_commit", _committing)
event.listen(_RequestSession, "after_commit", _commit_answered)
