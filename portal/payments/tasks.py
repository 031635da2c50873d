"""PDF exports on the queue: WeasyPrint takes seconds per document, so the consumer renders them, in the
language and with the name of the user who asked (the file is the same one the request used to make)."""
from __future__ import annotations

import logging

from flask import current_app, g
from flask_babel import force_locale

from portal import jobs
from portal.auth.models import User
from portal.db import get_session, utcnow
from portal.payments.exports import render_export_file
from portal.payments.models import ExportFile

log = logging.getLogger(__name__)


@jobs.task(retries=2, retry_delay=30)
def render_export(export_id: int) -> None:
    session = get_session()
    export = session.get(ExportFile, export_id)
    if export is None or export.state != "queued":
        return
    user = session.get(User, export.requested_by_id)
    try:
        with current_app.test_request_context(), force_locale(export.locale):
            g._login_user = user  # the footer names who exported it
            data = render_export_file(export)
    except Exception as exc:
        log.error("export %s failed: %s", export_id, type(exc).__name__)
        session.rollback()
        export = session.get(ExportFile, export_id)
        export.state, export.finished_at = "failed", utcnow()
        session.commit()
        return
    export.data, export.state, export.finished_at = data, "done", utcnow()
    session.commit()
