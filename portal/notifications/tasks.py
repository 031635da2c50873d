"""The outbox on the queue: delivered every minute, and freed at once of the claims of a consumer that died."""
from __future__ import annotations

import logging

from portal import jobs
from portal.notifications import services

log = logging.getLogger(__name__)


@jobs.periodic_task(jobs.crontab(minute="*"))
def deliver_outbox() -> None:
    result = services.deliver_outbox()
    if result.sent or result.failed or result.dead:
        log.info("mail sent %s, failed %s, dead %s", result.sent, result.failed, result.dead)


@jobs.on_consumer_start
def release_dead_claims() -> None:
    if released := services.release_dead_claims():
        log.warning("mail claims of %s stopped consumer(s) released", released)
