"""An upload made in Chromium waits in the queue while no consumer runs, then a real consumer process
(`flask --app portal worker`) checks it while the page polls: the web server never runs the import."""
from __future__ import annotations

import os
import socket

import pytest
from sqlmodel import select

from portal.ledgers.models import LedgerUpload
from tests.browser.test_operator_workspace import _login, _running_contract
from tests.portal.jobs.consumer import Consumer
from tests.portal.ledgers.ledger_builders import ID_M, good_row, xlsx

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config(app_config, tmp_path):
    return {**app_config, "TASKS_IMMEDIATE": False, "TASKS_SQLITE_PATH": str(tmp_path / "tasks.sqlite3")}


def test_an_upload_waits_in_the_queue_and_the_consumer_checks_it(app, live_server, page, world, db, tmp_path):
    contract = _running_contract(db, world, "qianxi-2022")
    _login(page, live_server)
    page.goto(f"{live_server}/contracts/{contract.id}/ledgers")
    page.select_option("#ledger_type", "delivered_workers")
    rows = xlsx([good_row(), good_row(身份证号=ID_M, 姓名="李四", 性别="男")])
    page.set_input_files("#file", files=[{"name": "输送劳动力台账.xlsx", "buffer": rows,
                                           "mimeType": "application/octet-stream"}])
    page.click("[data-testid=upload]")
    page.locator("[data-testid=upload-status][data-state=queued]").wait_for()
    assert "排队中" in page.locator("[data-testid=queue]").inner_text()

    consumer = Consumer(app, tmp_path).start()
    try:
        page.locator("[data-testid=upload-status][data-state=accepted]").wait_for(timeout=60_000)
    finally:
        consumer.stop()
    assert page.locator("[data-testid=rows] tbody tr").count() == 2
    upload = db.exec(select(LedgerUpload).where(LedgerUpload.contract_id == contract.id)).one()
    # The claim names the process that ran the import: the consumer's, not this (the web server's).
    assert upload.claimed_by == f"{socket.gethostname()}:{consumer.process.pid}" != f"{socket.gethostname()}:{os.getpid()}"
