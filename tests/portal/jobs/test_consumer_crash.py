"""Issue #14 item 2: kill a real consumer process (SIGKILL) in the middle of a 50,000-row import and in the
middle of the outbox, start another, and look at what the database and the mail server hold.

The consumer is `flask --app portal worker`, a separate process on the test's database (SQLite file or
PostgreSQL) and a SQLite task queue in tmp_path. With KAOHE_BENCH_OUT set, the figures are written there
as JSON (bench/bench_recovery.py puts them in docs/benchmarks.md).
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import func, select

from portal.ledgers.models import LedgerRow, LedgerUpload
from portal.notifications.models import Notification, OutboxMail
from portal.reporting.models import Submission
from tests.conftest import add_contract, login
from tests.portal.jobs.consumer import Consumer, wait as _wait
from tests.portal.test_ledger_uploads import _upload

ROWS = 50_000


@pytest.fixture
def app_config(app_config, tmp_path):
    return {**app_config, "TASKS_IMMEDIATE": False, "TASKS_SQLITE_PATH": str(tmp_path / "tasks.sqlite3")}


def _record(key: str, figures: dict) -> None:
    out = os.environ.get("KAOHE_BENCH_OUT")
    if out:
        path = Path(out)
        data = json.loads(path.read_text()) if path.exists() else {}
        data[key] = figures
        path.write_text(json.dumps(data, indent=2))


def test_a_consumer_killed_while_it_writes_a_50000_row_import_leaves_nothing_and_the_next_imports_it_once(
        app, world, db, tmp_path):
    from datetime import date

    from bench.bench_ledgers import generate

    contract = add_contract(db, world, scheme_id="qianxi-2022", starts_on=date(2026, 1, 1),
                            ends_on=date(2026, 12, 31), number="QX-CRASH")
    data = generate(ROWS)
    client = app.test_client()
    token = login(client, "t1-operator")
    response = _upload(client, token, contract.id, data, "输送劳动力.xlsx", obligation="quarterly_ledgers:2026-Q1")
    assert response.status_code == 302
    upload_id = db.exec(select(LedgerUpload.id).where(LedgerUpload.contract_id == contract.id)).one()
    assert "排队中" in client.get(f"/uploads/{upload_id}").get_data(as_text=True), "no consumer yet: it waits"

    def upload():
        db.expire_all()
        return db.get(LedgerUpload, upload_id)

    def rows() -> int:
        return db.exec(select(func.count()).select_from(LedgerRow).where(LedgerRow.upload_id == upload_id)).one()

    first = Consumer(app, tmp_path).start()
    try:
        # Every row checked: the consumer is now writing the 50,000 rows in one transaction. Kill it there.
        _wait(lambda: upload().state == "processing" and upload().progress_done == ROWS, 120, "the check", first)
        first.kill()
    finally:
        first.stop()
    killed = upload()
    assert killed.state == "processing" and killed.attempts == 1, "the dead run's claim is still there"
    assert rows() == 0, "never half-written"
    assert db.exec(select(func.count()).select_from(Submission).where(Submission.contract_id == contract.id)).one() == 0

    second = Consumer(app, tmp_path)
    started = time.monotonic()
    second.start()
    try:
        _wait(lambda: upload().state in ("accepted", "rejected"), 240, "the second import", second)
        recovered = time.monotonic() - started
    finally:
        second.stop()
    done = upload()
    assert done.state == "accepted" and done.attempts == 2 and done.total_rows == ROWS
    assert rows() == ROWS, "imported once: every row, no row twice"
    submissions = db.exec(select(Submission).where(Submission.contract_id == contract.id)).all()
    assert len(submissions) == 1 and f"{ROWS}行" in submissions[0].narrative
    page = client.get(f"/uploads/{upload_id}").get_data(as_text=True)
    assert 'data-state="accepted"' in page
    _record("import", {"rows": ROWS, "recover_seconds": round(recovered, 1),
                       "database": db.get_bind().dialect.name})


class _SlowInbox:
    """An SMTP server that takes its time over each recipient (like one checking it), then accepts."""

    def __init__(self, delay: float):
        self.delay = delay
        self.messages: list[str] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        import asyncio

        await asyncio.sleep(self.delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content.decode("utf-8", "replace"))
        return "250 OK"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_consumer_killed_in_the_middle_of_the_outbox_loses_no_mail_and_sends_none_twice(app, world, db, tmp_path):
    import email
    from email import policy

    mails = 30
    user = world[1]["users"]["operator"]
    for i in range(mails):
        note = Notification(user_id=user.id, contract_id=world[1]["contract"].id, dedup_key=f"crash|{i}",
                            kind="violation", subject=f"【考核】通知 {i}", body=f"第 {i} 封", link="/")
        db.add(note)
        db.flush()
        db.add(OutboxMail(notification_id=note.id, to_address="operator1@example.test", subject=note.subject,
                          body=note.body))
    db.commit()

    port = _free_port()
    inbox = _SlowInbox(delay=0.25)
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    env = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_TIMEOUT": 5}

    def sent() -> int:
        return db.exec(select(func.count()).select_from(OutboxMail).where(OutboxMail.sent_at.is_not(None))).one()

    try:
        first = Consumer(app, tmp_path, **env).start()
        try:
            _wait(lambda: sent() >= 5, 60, "the first mails", first)
            first.kill()
        finally:
            first.stop()
        sent_before = sent()
        assert sent_before < mails, "killed in the middle"
        second = Consumer(app, tmp_path, **env)
        started = time.monotonic()
        second.start()
        try:
            _wait(lambda: sent() == mails, 120, "the rest of the outbox", second)
            recovered = time.monotonic() - started
        finally:
            second.stop()
    finally:
        controller.stop()

    ids = [email.message_from_string(raw, policy=policy.default)["Message-ID"] for raw in inbox.messages]
    stored = set(db.exec(select(OutboxMail.message_id)).all())
    assert set(ids) == stored and len(stored) == mails, "no mail lost, each with its own Message-ID"
    # SMTP has no two-phase commit: only a kill between the server's 250 and the row's commit (a few ms) could
    # resend one, and then with the same Message-ID. With the kill anywhere else, each mail arrives once.
    duplicates = len(ids) - len(set(ids))
    assert duplicates <= 1
    assert db.exec(select(func.count()).select_from(OutboxMail).where(OutboxMail.claimed_by != "")).one() == 0
    _record("outbox", {"mails": mails, "sent_before_kill": sent_before, "duplicates": duplicates,
                       "recover_seconds": round(recovered, 1), "database": db.get_bind().dialect.name})
