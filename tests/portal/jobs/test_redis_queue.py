"""REDIS_URL: several app servers share one queue. Two real consumer processes on one Redis server (started
here on loopback) take the uploads of the same queue; each upload is imported once."""
from __future__ import annotations

import shutil
import socket
import subprocess
import time
from datetime import date

import pytest
from sqlmodel import func, select

from portal.ledgers.models import LedgerRow, LedgerUpload
from tests.conftest import add_contract
from tests.portal.jobs.consumer import Consumer, wait
from tests.portal.ledgers.test_tasks import _uploads

REDIS = shutil.which("redis-server") or "/usr/bin/redis-server"


@pytest.fixture
def redis_url(tmp_path):
    if not shutil.which("redis-server"):
        pytest.fail("redis-server is missing: apt-get install redis-server (make test does it)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                               "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def app_config(app_config, tmp_path, redis_url):
    return {**app_config, "TASKS_IMMEDIATE": False, "REDIS_URL": redis_url,
            "TASKS_SQLITE_PATH": str(tmp_path / "never-used.sqlite3"), "LEDGER_IMPORTS_AT_ONCE": 2}


def test_two_consumers_share_one_redis_queue_and_import_each_upload_once(app, world, db, tmp_path, redis_url):
    from huey.storage import RedisStorage

    assert isinstance(app.extensions["kaohe_jobs"].storage, RedisStorage)
    contract = add_contract(db, world, scheme_id="qianxi-2022", starts_on=date(2026, 1, 1),
                            ends_on=date(2026, 12, 31), number="QX-R")
    ids = _uploads(app, db, contract, 6)  # alternately the same two people: the 1st imports, the rest are duplicates
    assert len(app.extensions["kaohe_jobs"]) == 6, "six tasks wait in Redis"

    def finished():
        db.expire_all()
        return all(db.get(LedgerUpload, i).state in ("accepted", "rejected") for i in ids)

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    consumers = [Consumer(app, tmp_path / "a", LEDGER_IMPORTS_AT_ONCE=2).start(),
                 Consumer(app, tmp_path / "b", LEDGER_IMPORTS_AT_ONCE=2).start()]
    try:
        wait(finished, 90, "both consumers", consumers[0])
    finally:
        for consumer in consumers:
            consumer.stop()
    states = [db.get(LedgerUpload, i).state for i in ids]
    assert states[:2] == ["accepted", "accepted"] and states[2:] == ["rejected"] * 4, "oldest first, each once"
    assert db.exec(select(func.count()).select_from(LedgerRow)).one() == 2
    assert all(db.get(LedgerUpload, i).attempts == 1 for i in ids), "no upload taken twice"
    assert not (tmp_path / "never-used.sqlite3").exists(), "the queue is in Redis"
