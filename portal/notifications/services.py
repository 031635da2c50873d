"""Who is told about a contract, the notification itself, and the outbox that mails it.

notify() writes one notification per user (never twice for the same dedup key) and, for a user with an
address, one outbox mail in the same transaction; deliver_outbox() sends what is due and keeps a failed
mail for a retry with a growing delay.
"""
from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import current_app, url_for
from sqlmodel import select

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

def _send(mail: OutboxMail) -> None:
    cfg = current_app.config
    message = EmailMessage()
    message["From"] = cfg["MAIL_FROM"]
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message.set_content(mail.body)
    with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=cfg["MAIL_TIMEOUT"]) as smtp:
        if cfg["MAIL_USE_TLS"]:
            smtp.starttls()
        if cfg["MAIL_USERNAME"]:
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
        smtp.send_message(message)


@dataclass
class DeliveryResult:
    sent: int = 0
    failed: int = 0
    waiting: int = 0


def deliver_outbox(now: datetime | None = None, limit: int = 200) -> DeliveryResult:
    """Send what is due; a failure keeps the mail and schedules a retry with a growing delay."""
    now = now or utcnow()
    session = get_session()
    result = DeliveryResult()
    if not current_app.config.get("MAIL_SERVER"):
        result.waiting = len(session.exec(select(OutboxMail.id).where(OutboxMail.sent_at.is_(None))).all())
        return result
    due = session.exec(select(OutboxMail).where(OutboxMail.sent_at.is_(None), OutboxMail.next_attempt_at <= now)
                       .order_by(OutboxMail.id).limit(limit)).all()
    for mail in due:
        try:
            _send(mail)
        except Exception as exc:  # any failure of one mail (server down, a bad header) keeps it for a retry
            mail.attempts += 1
            mail.last_error = f"{type(exc).__name__}: {exc}"[:500]
            mail.next_attempt_at = now + timedelta(minutes=min(2 ** mail.attempts, 360))
            result.failed += 1
            log.warning("mail %s not sent (attempt %s): %s", mail.id, mail.attempts, type(exc).__name__)
        else:
            mail.attempts += 1
            mail.sent_at, mail.last_error = now, ""
            result.sent += 1
        session.commit()
    return result
