"""The outbox's delivery guarantees (#17) over a real SMTP server on loopback (aiosmtpd): two runs at once
send each mail once; a 250 is a delivery whatever QUIT answers and however late it comes; a permanent
refusal is dead, shown to the bureau admin (its accounts only) and sent again only by hand."""
from __future__ import annotations

import asyncio
import email
import socket
import threading
from email import policy

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import func, select

from portal.notifications.models import Notification, OutboxMail
from tests.conftest import login


class Inbox:
    """Accepts every mail; optionally slow over recipients or data, or refusing, or rude on QUIT."""

    def __init__(self, rcpt_delay=0.0, data_delay=0.0, rcpt_reply="250 OK", quit_reply=None, data_reply="250 OK queued"):
        self.rcpt_delay, self.data_delay, self.rcpt_reply, self.quit_reply = rcpt_delay, data_delay, rcpt_reply, quit_reply
        self.data_reply = data_reply
        self.messages: list[email.message.EmailMessage] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        await asyncio.sleep(self.rcpt_delay)
        if self.rcpt_reply.startswith("250"):
            envelope.rcpt_tos.append(address)
        return self.rcpt_reply

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.data_delay)
        if self.data_reply.startswith("250"):
            self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return self.data_reply

    async def handle_QUIT(self, server, session, envelope):
        return self.quit_reply or "221 Bye"

    @property
    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.messages]


@pytest.fixture
def smtp(app):
    servers = []

    def start(inbox: Inbox, **config) -> Inbox:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        servers.append(controller)
        app.config.update({"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_TIMEOUT": 3, **config})
        return inbox

    yield start
    for controller in servers:
        controller.stop()


def _queue(db, user, count: int, prefix: str = "m") -> list[int]:
    ids = []
    for i in range(count):
        note = Notification(user_id=user.id, dedup_key=f"{prefix}|{i}", kind="violation",
                            subject=f"【考核】提醒 {i}", body=f"正文 {i}", link="/")
        db.add(note)
        db.flush()
        mail = OutboxMail(notification_id=note.id, to_address=f"{user.username}@example.test", subject=note.subject,
                          body=note.body)
        db.add(mail)
        db.flush()
        ids.append(mail.id)
    db.commit()
    return ids


def _deliver(app, **kwargs):
    from portal.notifications.services import deliver_outbox

    with app.app_context():
        return deliver_outbox(**kwargs)


def _mails(db) -> list[OutboxMail]:
    db.expire_all()
    return db.exec(select(OutboxMail).order_by(OutboxMail.id)).all()


def test_two_delivery_runs_at_once_send_each_mail_once(app, world, db, smtp):
    inbox = smtp(Inbox(rcpt_delay=0.05))
    _queue(db, world[1]["users"]["operator"], 12)
    results, barrier = [], threading.Barrier(3)

    def run():
        barrier.wait()
        results.append(_deliver(app, limit=4))  # each run claims four at a time: they interleave

    def runs():
        barrier.wait()
        while len(results) < 2 or any(r.sent for r in results[-2:]):
            results.append(_deliver(app, limit=4))

    threads = [threading.Thread(target=run), threading.Thread(target=run), threading.Thread(target=runs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sum(r.sent for r in results) == 12 and not any(r.failed for r in results)
    assert len(inbox.messages) == 12 and len(set(inbox.message_ids)) == 12, "each mail once"
    mails = _mails(db)
    assert all(m.sent_at and m.attempts == 1 and m.claimed_by == "" for m in mails), "attempts counted exactly"
    assert {m.message_id for m in mails} == set(inbox.message_ids)


def test_a_250_followed_by_an_error_on_quit_is_delivered_once(app, world, db, smtp):
    inbox = smtp(Inbox(quit_reply="421 4.3.2 service shutting down"))
    _queue(db, world[1]["users"]["operator"], 2)
    result = _deliver(app)
    assert result.sent == 2 and result.failed == 0
    assert all(m.sent_at and not m.last_error for m in _mails(db))
    assert _deliver(app, due_only=False).sent == 0, "nothing is sent again, even when forced"
    assert len(inbox.messages) == 2


def test_a_250_that_comes_after_the_connection_timeout_is_still_a_delivery(app, world, db, smtp):
    # The server takes 1.5 s to answer the data; MAIL_TIMEOUT (connect, commands) is 0.5 s.
    inbox = smtp(Inbox(data_delay=1.5), MAIL_TIMEOUT=0.5)
    _queue(db, world[1]["users"]["operator"], 1)
    result = _deliver(app)
    assert result.sent == 1 and result.failed == 0 and len(inbox.messages) == 1
    assert _deliver(app, due_only=False).sent == 0 and len(inbox.messages) == 1


def test_a_refusal_at_the_end_of_the_data_is_not_a_delivery(app, world, db, smtp):
    # smtplib's data() returns the reply to the end of the data instead of raising: a 451 (greylisting) or a
    # 554 (content refused) there must not be recorded as sent.
    inbox = smtp(Inbox(data_reply="451 4.7.1 greylisted, try again later"))
    _queue(db, world[1]["users"]["operator"], 2)
    result = _deliver(app)
    assert (result.sent, result.failed) == (0, 2)
    assert all(m.sent_at is None and "451" in m.last_error and m.state == "failed" for m in _mails(db))
    from portal.notifications.services import describe_error

    with app.test_request_context():
        assert describe_error(_mails(db)[0].last_error) == "邮件服务器暂时拒收（451）"
    inbox.data_reply = "554 5.7.1 message refused"
    assert _deliver(app, due_only=False).dead == 2
    assert all(m.dead_at and "554" in m.last_error for m in _mails(db))
    inbox.data_reply = "250 OK queued"
    for mail in _mails(db):
        mail.dead_at = None
    db.commit()
    assert _deliver(app, due_only=False).sent == 2 and len(inbox.messages) == 2


def test_a_mail_carries_a_stable_message_id_across_retries(app, world, db, smtp):
    _queue(db, world[1]["users"]["operator"], 1)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_TIMEOUT=1)  # nothing listens: it fails
    assert _deliver(app).failed == 1
    first = _mails(db)[0]
    assert first.message_id.startswith("<") and first.message_id.endswith(">") and first.last_error
    inbox = smtp(Inbox())
    assert _deliver(app, due_only=False).sent == 1
    assert inbox.message_ids == [first.message_id] and _mails(db)[0].attempts == 2


def test_a_permanent_refusal_is_dead_not_retried_and_the_bureau_admin_sends_it_again(app, world, db, smtp):
    inbox = smtp(Inbox(rcpt_reply="550 5.1.1 no such user"))
    reviewer1, reviewer2 = world[1]["users"]["reviewer"], world[2]["users"]["reviewer"]
    (mine,) = _queue(db, reviewer1, 1, "r1")
    (theirs,) = _queue(db, reviewer2, 1, "r2")
    result = _deliver(app)
    assert result.dead == 2 and result.sent == result.failed == 0
    assert result.counts.dead == 2 and result.counts.waiting == 0
    assert _deliver(app, due_only=False).dead == 0, "dead mail is not retried, even when forced"
    dead = db.get(OutboxMail, mine)
    db.refresh(dead)
    assert dead.dead_at and "550" in dead.last_error

    client = app.test_client()
    token = login(client, "t1-admin")
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "r1" not in page and "t1-reviewer@example.test" in page and "t2-reviewer" not in page, "its accounts only"
    assert "邮件服务器拒收（550）" in page and "SMTPRecipientsRefused" not in page, "words, not engine text"
    assert 'data-testid="count-dead">无法投递 1<' in page
    assert "t1-reviewer@example.test" in client.get("/admin/outbox?state=dead").get_data(as_text=True)
    assert "t1-reviewer@example.test" not in client.get("/admin/outbox?state=sent").get_data(as_text=True)
    assert client.post(f"/admin/outbox/{theirs}/retry", headers={"X-CSRFToken": token}).status_code == 404
    assert client.post(f"/admin/outbox/{mine}/retry", headers={"X-CSRFToken": token}).status_code == 302
    db.refresh(dead)
    assert dead.dead_at is None and dead.attempts == 0

    inbox.rcpt_reply = "250 OK"
    assert _deliver(app).sent == 1 and len(inbox.messages) == 1
    operator = app.test_client()
    login(operator, "t1-operator")
    assert operator.get("/admin/outbox").status_code == 403
    platform = app.test_client()
    login(platform, "t-platform")
    everything = platform.get("/admin/outbox").get_data(as_text=True)
    assert "t1-reviewer@example.test" in everything and "t2-reviewer@example.test" in everything


def test_flask_mail_reports_what_waits_failed_and_died(app, world, db):
    _queue(db, world[1]["users"]["operator"], 3)
    runner = app.test_cli_runner()
    out = runner.invoke(args=["mail"]).output
    assert "not sent (no MAIL_SERVER)" in out and "waiting 3," in out
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_TIMEOUT=1)
    out = runner.invoke(args=["mail"]).output
    assert "failed 3," in out and "waiting 0, failed 3 (retried later)" in out
    # A mail that failed a moment ago can be retried by hand at once.
    out = runner.invoke(args=["mail"]).output
    assert "mail sent 0, failed 0" in out, "not due yet"
    out = runner.invoke(args=["mail", "--now"]).output
    assert "failed 3," in out
    assert db.exec(select(func.max(OutboxMail.attempts))).one() == 2


def test_a_run_that_died_on_this_host_leaves_no_claim_the_next_run_must_wait_for(app, world, db, smtp):
    import socket
    import subprocess
    import sys
    from datetime import timedelta

    from portal.db import utcnow

    inbox = smtp(Inbox())
    ids = _queue(db, world[1]["users"]["operator"], 3)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    for mail in _mails(db):  # a `flask mail` killed mid-batch: its claims would hold for MAIL_CLAIM_SECONDS
        mail.claimed_by, mail.claimed_until = f"{socket.gethostname()}:{gone.stdout.strip()}/abc", utcnow() + timedelta(minutes=15)
        mail.attempts = 1
    alive = db.get(OutboxMail, ids[0])
    alive.claimed_by = f"{socket.gethostname()}:1/def"  # pid 1 runs: a live run's claim is left alone
    db.commit()
    result = _deliver(app)
    assert result.sent == 2 and len(inbox.messages) == 2
    assert [m.state for m in _mails(db)] == ["waiting", "sent", "sent"]
