"""Ledger imports on the queue: each upload adds one task; a task imports the oldest waiting upload, then
the next, while fewer than LEDGER_IMPORTS_AT_ONCE run (the others wait, in order, and say so)."""
from __future__ import annotations

import logging

from flask import current_app

from portal import jobs
from portal.ledgers import services

log = logging.getLogger(__name__)


@jobs.task()
def import_next() -> int:
    """Import waiting uploads one after the other until none waits or every import slot is taken."""
    owner, done = jobs.worker_id(), 0
    while (upload_id := services.claim_next_import(owner)) is not None:
        services.import_upload(upload_id, owner)
        done += 1
    return done


@jobs.on_consumer_start
@jobs.periodic_task(jobs.crontab(minute="*"))
def recover_imports() -> None:
    """Every minute and when a consumer starts: restart the imports of a consumer that died, and give the
    uploads still waiting a task (one that was lost is replaced; a spare one finds nothing)."""
    result = services.recover_imports()
    if result.requeued or result.failed:
        log.warning("ledger imports recovered: %s restarted, %s failed", result.requeued, result.failed)
    for _ in range(min(result.waiting, current_app.config["LEDGER_IMPORTS_AT_ONCE"])):
        import_next()
