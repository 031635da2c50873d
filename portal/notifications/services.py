"""Who is told about a contract, the notification itself, and the outbox that mails it.

notify() writes one notification per user (never twice for the same dedup key) and, for a user with an
address, one outbox mail in the same transaction; deliver_outbox() claims what is due, sends each mail
once with a stable Message-ID, keeps a failed mail for a retry with a growing delay, and moves a mail
refused for good to dead, where the bureau admin sees it and can send it again (tasks.py runs it every
minute).
"""
from __future__ import annotations

import logging
import smtplib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import gettext as _
from sqlmodel import func, select

from portal import jobs
from portal.audit import services as audit
from rules.dates import dates_in_words
from portal.auth.models import User
from portal.contracts.models import Contract
from portal.db import get_session, utcnow
from portal.notifications.models import Notification, OutboxMail

log = logging.getLogger(__name__)


def recipients(contract: Contract, bureau_too: bool) -> list[User]:
    session = get_session()
    users = list(session.exec(select(User).where(User.operator_id == contract.operator_id, User.active)))
    if bureau_too:
        users += list(session.exec(select(User).where(User.bureau_id == contract.bureau_id, User.active,
                                                      User.role.in_(("reviewer", "approver")))))
    return users


def notify(users: list[User], *, contract: Contract, kind: str, dedup_key: str, subject: str, body: str,
           link: str) -> int:
    """One notification per user (never twice for the same key), and a mail for those with an address."""
    session = get_session()
    made = 0
    # mails are read by people: no ISO dates in them, in either of their languages
    subject, body = dates_in_words(subject), dates_in_words(body)
    for user in users:
        exists = session.exec(select(Notification.id).where(Notification.user_id == user.id,
                                                            Notification.dedup_key == dedup_key)).first()
        if exists:
            continue
        note = Notification(user_id=user.id, bureau_id=contract.bureau_id, operator_id=contract.operator_id,
                            contract_id=contract.id, dedup_key=dedup_key, kind=kind, subject=subject, body=body,
                            link=link)
        session.add(note)
        session.flush()
        if user.email:
            base = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/")
            session.add(OutboxMail(notification_id=note.id, to_address=user.email, subject=subject,
                                   body=f"{body}\n\n{base}{link}"))
        made += 1
    return made


def link(endpoint: str, **values) -> str:
    """A path in the portal (the mail adds PUBLIC_BASE_URL in front)."""
    with current_app.test_request_context():
        return url_for(endpoint, **values)


# --- mail ------------------------------------------------------------------------------------

class PermanentFailure(Exception):
    """The server refused the mail for good (a 5xx reply): sending it again would be refused again."""


def _message(mail: OutboxMail) -> EmailMessage:
    cfg = current_app.config
    message = EmailMessage()
    message["From"] = cfg["MAIL_FROM"]
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(mail.created_at)
    message["Message-ID"] = mail.message_id
    message.set_content(mail.body)
    return message


def _send(mail: OutboxMail) -> None:
    """One SMTP transaction. Returns once the server answered 250 to the data: the mail is delivered then,
    whatever happens afterwards (a 421 or a dropped line on QUIT changes nothing)."""
    cfg = current_app.config
    smtp = smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=cfg["MAIL_TIMEOUT"])
    try:
        smtp.ehlo_or_helo_if_needed()
        if cfg["MAIL_USE_TLS"]:
            smtp.starttls()
            smtp.ehlo()
        if cfg["MAIL_USERNAME"]:
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
        code, reply = smtp.mail(cfg["MAIL_FROM"])
        if code != 250:
            raise smtplib.SMTPSenderRefused(code, reply, cfg["MAIL_FROM"])
        code, reply = smtp.rcpt(mail.to_address)
        if code not in (250, 251):
            raise smtplib.SMTPRecipientsRefused({mail.to_address: (code, reply)})
        # RFC 5321 4.5.3.2.6: the reply to the end of the data may take minutes; a short timeout here would
        # call a delivered mail failed and send it twice.
        smtp.sock.settimeout(cfg["MAIL_DATA_TIMEOUT"])
        message = _message(mail)
        # smtplib's data() raises only when DATA itself is refused; the reply to the end of the data (a 451 or
        # a 554 there is common) it returns: anything but 250 is not a delivery.
        code, reply = smtp.data(message.as_bytes(policy=message.policy.clone(linesep="\r\n")))
        if code != 250:
            raise smtplib.SMTPDataError(code, reply)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _reply in exc.recipients.values()]
        if codes and all(500 <= code < 600 for code in codes):
            raise PermanentFailure(f"{codes[0]} {exc.recipients[mail.to_address][1]!r}") from exc
        raise
    except smtplib.SMTPResponseException as exc:
        if 500 <= exc.smtp_code < 600:
            raise PermanentFailure(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
        raise
    finally:
        try:
            smtp.quit()
        except Exception:  # after a 250 the mail is delivered; a failed goodbye is not a failed mail
            smtp.close()


def describe_error(last_error: str) -> str:
    """A stored delivery error in words for the admin page (the raw text stays in the row and the log)."""
    kind, _sep, detail = last_error.partition(": ")
    digits = detail.lstrip("(")[:3]  # "451 ..." or smtplib's "(451, b'...')"
    code = digits if digits.isdigit() else ""
    if kind == "PermanentFailure":
        return _("邮件服务器拒收（%(code)s），不再自动重试", code=code or "5xx")
    if kind.startswith("SMTP"):
        return _("邮件服务器暂时拒收（%(code)s）", code=code) if code else _("邮件服务器中断了会话")
    if kind in ("TimeoutError", "timeout"):
        return _("邮件服务器无响应")
    if kind in ("ConnectionRefusedError", "ConnectionResetError", "OSError", "gaierror"):
        return _("无法连接邮件服务器")
    return _("发送出错") if last_error else ""


@dataclass
class DeliveryResult:
    """What one run did, and the outbox as it stands after it."""

    sent: int = 0
    failed: int = 0
    dead: int = 0
    counts: "OutboxCounts" = None  # type: ignore[assignment]

    @property
    def waiting(self) -> int:
        return self.counts.waiting


@dataclass
class OutboxCounts:
    waiting: int = 0
    failed: int = 0  # failed at least once, retried later
    dead: int = 0  # refused for good, or too many attempts: retried only by hand
    sent: int = 0


def outbox_counts(where=None) -> OutboxCounts:
    """The outbox by state (optionally only the mails matching `where`, e.g. a tenant scope)."""
    state = OutboxMail.state_sql()
    query = select(state, func.count()).select_from(OutboxMail).group_by(state)
    if where is not None:
        query = query.where(where)
    return OutboxCounts(**dict(get_session().execute(query).all()))


def _claim(token: str, now: datetime, limit: int, due_only: bool) -> list[int]:
    """Take up to `limit` mails for this run, counting the attempt in the same statement. PostgreSQL skips
    the rows another run has locked; SQLite has one writer; on both the claim column keeps a mail taken
    until the claim runs out (a run that died with it)."""
    session = get_session()
    session.commit()  # start a fresh transaction: the claim is its first statement
    cfg = current_app.config
    free = [OutboxMail.sent_at.is_(None), OutboxMail.dead_at.is_(None),
            sa.or_(OutboxMail.claimed_until.is_(None), OutboxMail.claimed_until < now)]
    if due_only:
        free.append(OutboxMail.next_attempt_at <= now)
    candidates = (select(OutboxMail.id).where(*free).order_by(OutboxMail.id).limit(limit)
                  .with_for_update(skip_locked=True))
    ids = session.execute(
        sa.update(OutboxMail).where(OutboxMail.id.in_(candidates), *free)
        .values(claimed_by=token, claimed_until=now + timedelta(seconds=cfg["MAIL_CLAIM_SECONDS"]),
                attempts=OutboxMail.attempts + 1)
        .returning(OutboxMail.id)).scalars().all()
    session.commit()
    return sorted(ids)


def _finish(mail_id: int, token: str, **values) -> bool:
    """Record the outcome and let go of the claim, if the claim is still this run's."""
    session = get_session()
    done = session.execute(sa.update(OutboxMail).where(OutboxMail.id == mail_id, OutboxMail.claimed_by == token)
                           .values(claimed_by="", claimed_until=None, **values))
    session.commit()
    return done.rowcount == 1


def deliver_outbox(now: datetime | None = None, limit: int = 200, *, due_only: bool = True) -> DeliveryResult:
    """Send what is due (everything not dead with due_only=False); a failure keeps the mail and schedules a
    retry with a growing delay; a permanent refusal or the last attempt makes it dead. Safe to run twice
    at once: each run sends only the mails it claimed."""
    now = now or utcnow()
    cfg = current_app.config
    result = DeliveryResult()
    if cfg.get("MAIL_SERVER"):
        token = f"{jobs.worker_id()}/{uuid.uuid4().hex[:12]}"
        domain = cfg["MAIL_FROM"].rpartition("@")[2] or "kaohe"
        session = get_session()
        # A run killed on this host (a `flask mail` or a sweep from cron) left its batch claimed until the claim
        # runs out (MAIL_CLAIM_SECONDS); its process is gone, so the mails are free now.
        if released := release_dead_claims():
            log.warning("mail claims of %s stopped delivery run(s) released", released)
        for mail_id in _claim(token, now, limit, due_only):
            mail = session.get(OutboxMail, mail_id, populate_existing=True)
            if not mail.message_id:
                mail.message_id = make_msgid(idstring=f"outbox{mail.id}", domain=domain)
                session.commit()
            try:
                _send(mail)
            except Exception as exc:  # any failure of one mail (server down, a bad header) keeps it
                error = f"{type(exc).__name__}: {exc}"[:500]
                if isinstance(exc, PermanentFailure) or mail.attempts >= cfg["MAIL_MAX_ATTEMPTS"]:
                    _finish(mail.id, token, last_error=error, dead_at=utcnow())
                    result.dead += 1
                else:
                    _finish(mail.id, token, last_error=error,
                            next_attempt_at=now + timedelta(minutes=min(2 ** mail.attempts, 360)))
                    result.failed += 1
                log.warning("mail %s not sent (attempt %s): %s", mail.id, mail.attempts, type(exc).__name__)
            else:
                _finish(mail.id, token, sent_at=utcnow(), last_error="")
                result.sent += 1
    result.counts = outbox_counts()
    return result


def release_dead_claims() -> int:
    """Mails claimed by a consumer of this host that no longer runs are free again at once (on start)."""
    session = get_session()
    owners = session.exec(select(OutboxMail.claimed_by).where(OutboxMail.claimed_by != "").distinct()).all()
    dead = [owner for owner in owners if jobs.claim_is_dead(owner)]
    if dead:
        session.execute(sa.update(OutboxMail).where(OutboxMail.claimed_by.in_(dead))
                        .values(claimed_by="", claimed_until=None))
    session.commit()
    return len(dead)


def retry_mail(mail: OutboxMail, *, user) -> OutboxMail:
    """Send a failed or dead mail at the next run, with its attempts counted afresh (by hand, audited)."""
    if mail.sent_at is not None:
        raise ValueError("a sent mail is not sent again")
    session = get_session()
    mail.dead_at, mail.next_attempt_at, mail.attempts = None, utcnow(), 0
    note = session.get(Notification, mail.notification_id)
    audit.record("retry_mail", mail, reason=f"{mail.to_address}: {mail.last_error}"[:500], actor=user,
                 bureau_id=note.bureau_id if note else None, operator_id=note.operator_id if note else None)
    session.commit()
    return mail
