"""The ledger import queue (portal/ledgers/tasks.py and the claim in services.py): oldest first, at most
LEDGER_IMPORTS_AT_ONCE at once, a dead consumer's import restarted from the start, a lost task shown as
failed with a retry, and a run that lost its claim keeping nothing. No consumer runs here: the tests call
the task bodies themselves (call_local) where the order matters."""
from __future__ import annotations

import subprocess
import socket
from datetime import date, timedelta

import pytest
from sqlmodel import func, select

from portal.db import utcnow
from portal.ledgers import services, tasks
from portal.ledgers.models import LedgerRow, LedgerUpload
from tests.conftest import add_contract, login
from tests.portal.ledgers.ledger_builders import ID_M, good_row, xlsx
from tests.portal.test_ledger_uploads import _upload


@pytest.fixture
def app_config(app_config, tmp_path):
    # A real (SQLite) queue that no consumer reads: uploads wait until a test runs the task itself.
    return {**app_config, "TASKS_IMMEDIATE": False, "TASKS_SQLITE_PATH": str(tmp_path / "tasks.sqlite3"),
            "LEDGER_IMPORTS_AT_ONCE": 1}


@pytest.fixture
def contract(db, world):
    return add_contract(db, world, scheme_id="qianxi-2022", starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31),
                        number="QX-Q")


def _uploads(app, db, contract, count: int) -> list[int]:
    client = app.test_client()
    token = login(client, "t1-operator")
    people = [good_row(), good_row(身份证号=ID_M, 姓名="王五", 性别="男")]
    for i in range(count):
        assert _upload(client, token, contract.id, xlsx([people[i % 2]]), f"{i}.xlsx").status_code == 302
    return list(db.exec(select(LedgerUpload.id).where(LedgerUpload.contract_id == contract.id)
                        .order_by(LedgerUpload.id)).all())


def _get(db, upload_id) -> LedgerUpload:
    db.expire_all()
    return db.get(LedgerUpload, upload_id)


def test_an_upload_waits_in_line_and_says_how_many_are_ahead(app, world, db, contract):
    first, second, third = _uploads(app, db, contract, 3)
    client = app.test_client()
    login(client, "t1-operator")
    page = client.get(f"/uploads/{third}").get_data(as_text=True)
    assert 'data-state="queued"' in page and "排队中，前面还有 2 个" in page and 'hx-trigger="every 1s"' in page
    assert "排队中，即将开始检查" in client.get(f"/uploads/{first}").get_data(as_text=True)
    assert len(app.extensions["kaohe_jobs"]) == 3, "one task per upload, in the queue"


def test_imports_run_oldest_first_and_no_more_than_allowed_at_once(app, world, db, contract):
    first, second = _uploads(app, db, contract, 2)
    with app.app_context():
        assert services.claim_next_import("host:1") == first
        assert services.claim_next_import("host:2") is None, "LEDGER_IMPORTS_AT_ONCE = 1"
        assert services.import_upload(first, "host:1") == "accepted"
        assert services.claim_next_import("host:2") == second
    # A claim whose lease ran out no longer holds a place.
    with app.app_context():
        later = utcnow() + timedelta(seconds=app.config["LEDGER_IMPORT_LEASE_SECONDS"] + 1)
        assert services.claim_next_import("host:3", later) is None, "nothing else waits"


def test_one_operators_uploads_run_one_after_another_and_other_operators_run_beside_them(app, world, db, contract):
    """Each upload is checked against the rows its operator's earlier uploads kept and becomes the next
    version of the obligation: two of one operator's uploads checked side by side would miss each other
    (both kept, or one lost to the version number). Another operator's upload takes the free slot."""
    app.config["LEDGER_IMPORTS_AT_ONCE"] = 2
    first, second = _uploads(app, db, contract, 2)
    other_contract = add_contract(db, world, scheme_id="qianxi-2022", starts_on=date(2026, 1, 1),
                                  ends_on=date(2026, 12, 31), number="QX-Q2", n=2)
    client = app.test_client()
    token = login(client, "t2-operator")
    assert _upload(client, token, other_contract.id, xlsx([good_row()]), "other.xlsx").status_code == 302
    other = db.exec(select(LedgerUpload.id).where(LedgerUpload.contract_id == other_contract.id)).one()
    with app.app_context():
        assert services.claim_next_import("host:1") == first
        assert services.claim_next_import("host:2") == other, "the second of operator 1 waits; operator 2 runs"
        assert services.claim_next_import("host:3") is None, "two at once"
        assert services.import_upload(first, "host:1") == "accepted"
        assert services.claim_next_import("host:1") == second
        assert services.import_upload(second, "host:1") == "accepted"
        assert services.import_upload(other, "host:2") == "accepted"
    assert [_get(db, i).attempts for i in (first, second, other)] == [1, 1, 1]


def test_the_task_imports_the_oldest_waiting_upload_then_queues_the_next(app, world, db, contract):
    first, second = _uploads(app, db, contract, 2)
    queue = app.extensions["kaohe_jobs"]
    queue.flush()
    with app.app_context():
        assert tasks.import_next.call_local() == first
    assert (_get(db, first).state, _get(db, second).state) == ("accepted", "queued")
    assert len(queue) == 1, "a task for the next one"
    with app.app_context():
        assert tasks.import_next.call_local() == second
        assert tasks.import_next.call_local() is None, "nothing waits"
    assert db.exec(select(func.count()).select_from(LedgerRow)).one() == 2


def test_a_run_that_lost_its_claim_keeps_nothing(app, world, db, contract):
    (upload_id,) = _uploads(app, db, contract, 1)
    with app.app_context():
        assert services.claim_next_import("host:1") == upload_id
    upload = _get(db, upload_id)
    upload.claimed_by = "host:2"  # its lease ran out, the upload was requeued and another run took it
    db.add(upload)
    db.commit()
    with app.app_context():
        assert services.import_upload(upload_id, "host:1") == "lost"
    assert db.exec(select(func.count()).select_from(LedgerRow)).one() == 0
    assert _get(db, upload_id).state == "processing" and _get(db, upload_id).claimed_by == "host:2"


def test_a_dead_consumers_import_starts_again_and_fails_after_too_many_attempts(app, world, db, contract):
    (upload_id,) = _uploads(app, db, contract, 1)
    dead = subprocess.Popen(["true"])
    dead.wait()
    owner = f"{socket.gethostname()}:{dead.pid}"
    with app.app_context():
        assert services.claim_next_import(owner) == upload_id
        # The lease is still good, but its process is gone: back in the queue at once.
        result = services.recover_imports()
    assert (result.requeued, result.failed, result.waiting) == (1, 0, 1)
    assert _get(db, upload_id).state == "queued" and _get(db, upload_id).attempts == 1

    with app.app_context():
        for attempt in range(2, app.config["LEDGER_IMPORT_ATTEMPTS"] + 1):
            assert services.claim_next_import("elsewhere:1") == upload_id
            expired = utcnow() + timedelta(seconds=app.config["LEDGER_IMPORT_LEASE_SECONDS"] + 1)
            services.recover_imports(expired)
    upload = _get(db, upload_id)
    assert upload.state == "failed" and upload.attempts == 3 and "未接收任何数据" in upload.summary
    client = app.test_client()
    token = login(client, "t1-operator")
    page = client.get(f"/uploads/{upload_id}").get_data(as_text=True)
    assert 'data-state="failed"' in page and 'data-testid="retry"' in page and "hx-trigger" not in page
    assert client.post(f"/uploads/{upload_id}/retry", headers={"X-CSRFToken": token}).status_code == 302
    assert _get(db, upload_id).state == "queued" and _get(db, upload_id).attempts == 0
    with app.app_context():
        tasks.import_next.call_local()
    assert _get(db, upload_id).state == "accepted"
    assert client.post(f"/uploads/{upload_id}/retry", headers={"X-CSRFToken": token}).status_code == 409


def test_an_upload_no_consumer_looked_at_is_shown_failed_with_a_retry(app, world, db, contract):
    (upload_id,) = _uploads(app, db, contract, 1)
    upload = _get(db, upload_id)
    upload.queue_seen_at = utcnow() - timedelta(seconds=app.config["LEDGER_QUEUE_TIMEOUT_SECONDS"] + 1)
    db.add(upload)
    db.commit()
    client = app.test_client()
    token = login(client, "t1-operator")
    page = client.get(f"/uploads/{upload_id}").get_data(as_text=True)
    assert 'data-state="failed"' in page and "后台服务未在运行" in page and 'data-testid="retry"' in page
    reviewer = app.test_client()
    login(reviewer, "t1-reviewer")
    assert 'data-testid="retry"' not in reviewer.get(f"/uploads/{upload_id}").get_data(as_text=True)
    assert client.post(f"/uploads/{upload_id}/retry", headers={"X-CSRFToken": token}).status_code == 302
    assert "排队中" in client.get(f"/uploads/{upload_id}").get_data(as_text=True)


def test_the_minute_check_marks_waiting_uploads_seen_and_gives_them_a_task(app, world, db, contract):
    (upload_id,) = _uploads(app, db, contract, 1)
    queue = app.extensions["kaohe_jobs"]
    queue.flush()  # the upload's task is lost (say the queue's file was deleted)
    before = _get(db, upload_id).queue_seen_at
    with app.app_context():
        tasks.recover_imports.call_local()
    assert _get(db, upload_id).queue_seen_at > before
    assert len(queue) == 1, "a new task for the waiting upload"
