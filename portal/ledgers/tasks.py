"""Ledger imports on the queue: each upload adds one task; a task imports the oldest waiting upload while
fewer than LEDGER_IMPORTS_AT_ONCE run, then queues the next (the others wait, in order, and say so)."""
from __future__ import annotations

import logging

from flask import current_app

from portal import jobs
from portal.ledgers import services

log = logging.getLogger(__name__)


@jobs.task()
def import_next() -> int | None:
    """Import the oldest waiting upload if an import slot is free, then queue a task for the next one (a
    task of its own: a consumer stopping gracefully waits for one import, not for the whole queue)."""
    owner = jobs.worker_id()
    upload_id = services.claim_next_import(owner)
    if upload_id is None:
        return None
    services.import_upload(upload_id, owner)
    import_next()
    return upload_id


def wake_importer() -> None:
    """After an upload is stored (or retried) and committed: one more import task. A spare one finds nothing
    and ends; a lost one is replaced by the consumer's minute check (recover_imports), so a failure here only
    costs time, never the upload."""
    try:
        import_next()
    except Exception as exc:
        log.error("could not queue a ledger import: %s", type(exc).__name__)


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
