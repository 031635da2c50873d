"""Compliance on the queue: the rules after a submission (asked for by the lower domains through
`jobs.after_commit("rules", contract_id)`), the nightly sweep, and the deadline reminders."""
from __future__ import annotations

import logging

from portal import jobs
from portal.compliance import services
from portal.contracts.models import Contract
from portal.db import get_session, utcnow

log = logging.getLogger(__name__)
_SWEEP = jobs.lock("compliance-sweep")  # created at import, so a consumer's start flushes a dead one's lock


@jobs.handler("rules")
def run_rules_after_submission(contract_id: int) -> None:
    """The submission is already saved; a rule that fails is logged with its id and the task is retried
    (the nightly sweep would fail on it too), never turning the operator's saved data into an error."""
    session = get_session()
    try:  # reading the contract fails too when the database has gone: logged the same way
        contract = session.get(Contract, contract_id)
        if contract is None:
            return
        services.run_rules(contract)
        session.commit()
    except Exception as exc:
        session.rollback()
        # Name the rule, not the data: an error's text can quote the facts it choked on.
        rule = getattr(exc, "rule_id", "")
        log.error("compliance rules failed after a submission to contract %s: %s %s", contract_id,
                  type(exc).__name__, rule)
        raise RuntimeError(f"rules failed on contract {contract_id}: {type(exc).__name__} {rule}") from None  # retried


# 00:05 Asia/Shanghai (16:05 UTC) every day: nightly, and so just after each deadline day ends.
@jobs.periodic_task(jobs.crontab(minute="5", hour="16"), retries=3, retry_delay=600)
def nightly_sweep() -> None:
    with _SWEEP:
        result = services.sweep()
    log.info("sweep: %s contracts, %s new, %s rectified, %s reminders", result.contracts, result.new,
             result.rectified, result.reminders)


# 09:00 Asia/Shanghai: reminders three days ahead also for deadlines that fall between two sweeps.
@jobs.periodic_task(jobs.crontab(minute="0", hour="1"), retries=3, retry_delay=600)
def deadline_reminders() -> None:
    session = get_session()
    made = services.remind_all(utcnow())
    session.commit()
    log.info("deadline reminders: %s", made)
