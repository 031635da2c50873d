"""Importing a ledger: the upload is stored and queued; a consumer checks it with progress, then keeps
every row or none.

The pure checking is in excel.py (no Flask, no database); this module stores uploads and rows, claims
the next upload for a consumer (at most LEDGER_IMPORTS_AT_ONCE at once, oldest first), recovers the
imports of a consumer that died, and turns an accepted upload for a calendar obligation into a
submission, so lateness and the calendar treat ledgers like every other report. The tasks that call it
are in tasks.py.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Callable, Iterable

import sqlalchemy as sa
from flask import current_app
from sqlmodel import Session, func, select

from portal import jobs
from portal.audit import services as audit
from portal.contracts.models import Contract
from portal.db import get_session, utcnow
from portal.ledgers.excel import RereadMismatch, accepted_rows, read_ledger
from portal.ledgers.ledger_types import get_ledger_type
from portal.ledgers.models import LedgerRow, LedgerUpload, LedgerUploadFile
from portal.reporting.models import Submission

log = logging.getLogger(__name__)
ERRORS_SHOWN = 500
ROW_BATCH = 2000  # rows inserted per statement; the import holds no more rows than this at once


def _json_value(value):
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _key_text(key: tuple) -> str:
    return "|".join(str(_json_value(part)) for part in key)


def existing_keys(session: Session, operator_id: int, ledger_type) -> Callable[[list[tuple]], list[tuple]]:
    """For read_ledger: which of a batch of duplicate keys the operator's earlier uploads of this ledger hold,
    asked of the database (the unique row_key index) a batch at a time, so no list of them is loaded."""
    def found(keys: list[tuple]) -> list[tuple]:
        texts = {_key_text(key): key for key in keys}
        hits = session.exec(select(LedgerRow.row_key).where(
            LedgerRow.operator_id == operator_id, LedgerRow.ledger_type == ledger_type.key,
            LedgerRow.row_key.in_(list(texts)))).all()
        return [texts[text] for text in hits]
    return found


def ledger_types_for(contract: Contract) -> list:
    from portal.reporting.services import calendar

    seen: list[str] = []
    for obligation in calendar(contract):
        for key in obligation.spec.ledger_types:
            if key not in seen:
                seen.append(key)
    from portal.ledgers.ledger_types import LEDGER_TYPES

    return [get_ledger_type(key) for key in seen if key in LEDGER_TYPES]  # a type the portal reads


def start_upload(contract: Contract, *, ledger_type: str, data: bytes, filename: str, user,
                 obligation_key: str = "", period_key: str = "") -> LedgerUpload:
    """Keep the file and queue its check: the consumer imports it, never the web worker that took it."""
    session = get_session()
    upload = LedgerUpload(contract_id=contract.id, bureau_id=contract.bureau_id, operator_id=contract.operator_id,
                          ledger_type=ledger_type, obligation_key=obligation_key, period_key=period_key,
                          filename=filename[:255], size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                          uploaded_by_id=user.id, state="queued")
    session.add(upload)
    session.flush()
    session.add(LedgerUploadFile(upload_id=upload.id, data=data))
    audit.record("upload_ledger", upload, reason=f"{filename}（{len(data):,}字节）")
    session.commit()
    return upload


def retry_upload(upload: LedgerUpload, *, user) -> LedgerUpload:
    """Check again, from the start, an upload whose check was interrupted or whose task was lost."""
    if not (upload.state == "failed" or upload.lost(utcnow(), current_app.config["LEDGER_QUEUE_TIMEOUT_SECONDS"])):
        raise ValueError("only an interrupted check is retried")
    session = get_session()
    upload.state, upload.attempts, upload.claimed_by, upload.lease_until = "queued", 0, "", None
    upload.queue_seen_at, upload.summary, upload.finished_at = utcnow(), "", None
    upload.progress_done = upload.progress_total = 0
    audit.record("retry_ledger_upload", upload, after={"state": "queued", "filename": upload.filename},
                 reason=upload.filename)
    session.commit()
    return upload


def queue_position(upload: LedgerUpload) -> int:
    """How many uploads wait before this one (all bureaus: a count, nothing else of them)."""
    return get_session().exec(select(func.count()).select_from(LedgerUpload).where(
        LedgerUpload.state == "queued", LedgerUpload.id < upload.id)).one()


# --- the consumer's side -------------------------------------------------------------------

class ClaimLost(Exception):
    """This run no longer holds the upload (its lease ran out and another run took it): keep nothing."""


_CLAIM_LOCK = 0x4B414F48  # pg_advisory_xact_lock key: one claim at a time, so the limit holds


def claim_next_import(owner: str, now: datetime | None = None) -> int | None:
    """Take the oldest queued upload when fewer than LEDGER_IMPORTS_AT_ONCE imports run; None otherwise.

    One operator's uploads are imported one after another, oldest first: each is checked against the rows
    the earlier ones kept (duplicates across uploads) and becomes the obligation's next version, so two of
    them checked side by side would both miss each other. Different operators' uploads run side by side."""
    now = now or utcnow()
    cfg = current_app.config
    session = get_session()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CLAIM_LOCK})
    running = (select(func.count()).select_from(LedgerUpload)
               .where(LedgerUpload.state == "processing", LedgerUpload.lease_until >= now).scalar_subquery())
    busy = (select(LedgerUpload.operator_id)
            .where(LedgerUpload.state == "processing", LedgerUpload.lease_until >= now))
    oldest = (select(LedgerUpload.id).where(LedgerUpload.state == "queued", LedgerUpload.operator_id.not_in(busy))
              .order_by(LedgerUpload.id).limit(1).scalar_subquery())
    # One statement: SQLite runs it under its single writer, PostgreSQL under the advisory lock above.
    claimed = session.execute(
        sa.update(LedgerUpload)
        .where(LedgerUpload.id == oldest, LedgerUpload.state == "queued", running < cfg["LEDGER_IMPORTS_AT_ONCE"])
        .values(state="processing", claimed_by=owner, attempts=LedgerUpload.attempts + 1,
                lease_until=now + timedelta(seconds=cfg["LEDGER_IMPORT_LEASE_SECONDS"]),
                progress_done=0, progress_total=0)
        .returning(LedgerUpload.id)).scalar_one_or_none()
    session.commit()
    return claimed


def _hold(session: Session, upload_id: int, owner: str, **values) -> None:
    """Renew this run's claim (and write `values`); raise ClaimLost when the upload is no longer ours."""
    lease = timedelta(seconds=current_app.config["LEDGER_IMPORT_LEASE_SECONDS"])
    done = session.execute(sa.update(LedgerUpload).where(
        LedgerUpload.id == upload_id, LedgerUpload.state == "processing", LedgerUpload.claimed_by == owner)
        .values(lease_until=utcnow() + lease, **values))
    if done.rowcount != 1:
        raise ClaimLost(upload_id)


def import_upload(upload_id: int, owner: str) -> str:
    """Check the claimed upload's file and keep all its rows, or none of them. Returns the final state.

    The rows, the submission and the final state are one transaction, and that transaction first checks
    the claim is still this run's: a run that died wrote nothing, and a run that lost its claim keeps
    nothing, so an upload is imported once however often it is started."""
    session = get_session()
    upload = session.get(LedgerUpload, upload_id)
    stored = session.get(LedgerUploadFile, upload_id)
    ledger_type = get_ledger_type(upload.ledger_type)

    def progress(done: int, total: int) -> None:
        _hold(session, upload_id, owner, progress_done=done, progress_total=total)
        session.commit()

    try:
        if stored is None:
            raise FileNotFoundError("the uploaded file is not stored")
        # First pass: check every row, keeping none (a hash per duplicate key and the first errors).
        result = read_ledger(stored.data, upload.filename, ledger_type,
                             existing_keys(session, upload.operator_id, ledger_type), progress=progress,
                             keep_rows=False)
        values = dict(total_rows=result.total_rows, error_count=result.error_count, summary=result.summary,
                      finished_at=utcnow())
        if not result.ok:
            _hold(session, upload_id, owner, state="rejected", errors_xlsx=result.errors_xlsx(),
                  errors=[_error_json(e) for e in result.errors[:ERRORS_SHOWN]], **values)
        else:
            # Second pass, in the same transaction as the state and the submission: the rows read again from
            # the file and inserted ROW_BATCH at a time. Any failure rolls back every batch.
            _hold(session, upload_id, owner, state="accepted", **values)
            stored_rows = insert_rows(session, upload, ledger_type,
                                      accepted_rows(stored.data, upload.filename, ledger_type))
            if stored_rows != result.total_rows:
                raise RereadMismatch(f"{stored_rows} rows read again, {result.total_rows} checked")
            _record_submission(session, upload, stored_rows)
        session.commit()
    except ClaimLost:
        session.rollback()
        log.warning("ledger import %s: claim lost, nothing kept by this run", upload_id)
        return "lost"
    except Exception as exc:  # nothing half-written: roll back the rows, keep the upload as rejected
        session.rollback()
        # The error text can quote row values (a duplicate key holds a resident ID): log its type only.
        log.error("ledger import %s failed: %s", upload_id, type(exc).__name__)
        try:
            _hold(session, upload_id, owner, state="rejected", finished_at=utcnow(),
                  summary=f"导入失败，未接收任何数据（{type(exc).__name__}）。请重新上传；如反复出现，请联系管理员。")
            session.commit()
        except ClaimLost:
            session.rollback()
            return "lost"
        return "rejected"
    session.expire_all()
    upload = session.get(LedgerUpload, upload_id)
    if upload.state == "accepted" and upload.obligation_key:
        jobs.after_commit("rules", upload.contract_id)  # portal/compliance/tasks.py runs the rules
    return upload.state


def insert_rows(session: Session, upload: LedgerUpload, ledger_type, rows: Iterable[tuple[int, dict]]) -> int:
    """Insert (Excel row, row) pairs as LedgerRows, ROW_BATCH per statement, in the caller's transaction."""
    common = dict(upload_id=upload.id, contract_id=upload.contract_id, bureau_id=upload.bureau_id,
                  operator_id=upload.operator_id, ledger_type=upload.ledger_type)
    batch: list[dict] = []
    count = 0
    for number, row in rows:
        batch.append(dict(common, row_number=number, row_key=_row_key(ledger_type, row, upload.id, number),
                          data={k: _json_value(v) for k, v in row.items()}))
        if len(batch) >= ROW_BATCH:
            count += _insert_batch(session, batch)
            batch = []
    if batch:
        count += _insert_batch(session, batch)
    return count


def _insert_batch(session: Session, batch: list[dict]) -> int:
    session.execute(sa.insert(LedgerRow), batch)
    return len(batch)


def _row_key(ledger_type, row: dict, upload_id: int, number: int) -> str:
    key = ledger_type.row_key(row)
    return _key_text(key) if key else f"row:{upload_id}:{number}"


@dataclass
class Recovery:
    requeued: int = 0
    failed: int = 0
    waiting: int = 0


def recover_imports(now: datetime | None = None) -> Recovery:
    """Uploads whose consumer died start again from the beginning (or fail after too many attempts); every
    upload still queued is marked as seen by a consumer, so the page can tell a wait from a lost task."""
    now = now or utcnow()
    cfg = current_app.config
    session = get_session()
    result = Recovery()
    running = session.exec(select(LedgerUpload).where(LedgerUpload.state == "processing")).all()
    for upload in running:
        if not ((upload.lease_until is not None and upload.lease_until < now) or jobs.claim_is_dead(upload.claimed_by)):
            continue
        if upload.attempts >= cfg["LEDGER_IMPORT_ATTEMPTS"]:
            values = dict(state="failed", finished_at=now,
                          summary=f"检查被中断{upload.attempts}次，未接收任何数据。请点击“重新检查”，或重新上传。")
            result.failed += 1
        else:
            values = dict(state="queued", queue_seen_at=now)
            result.requeued += 1
        # Only if it is still the dead run's claim (the run may have finished meanwhile).
        session.execute(sa.update(LedgerUpload).where(
            LedgerUpload.id == upload.id, LedgerUpload.state == "processing",
            LedgerUpload.claimed_by == upload.claimed_by, LedgerUpload.attempts == upload.attempts)
            .values(claimed_by="", lease_until=None, progress_done=0, progress_total=0, **values))
    session.execute(sa.update(LedgerUpload).where(LedgerUpload.state == "queued").values(queue_seen_at=now))
    session.commit()
    result.waiting = session.exec(select(func.count()).select_from(LedgerUpload)
                                  .where(LedgerUpload.state == "queued")).one()
    return result


def _error_json(error) -> dict:
    return {"sheet": error.sheet, "row": error.row, "column": error.column, "header": error.header,
            "value": "" if error.value is None else str(error.value)[:100], "problem": error.problem, "fix": error.fix}


def _record_submission(session: Session, upload: LedgerUpload, rows: int) -> None:
    """An accepted upload for a calendar obligation is that obligation's next submitted version."""
    if not upload.obligation_key:
        return
    from portal.reporting.services import find_obligation

    contract = session.get(Contract, upload.contract_id)
    obligation = find_obligation(contract, upload.obligation_key, upload.period_key)
    if obligation is None:
        return
    previous = session.exec(select(Submission.version).where(
        Submission.contract_id == contract.id, Submission.obligation_key == upload.obligation_key,
        Submission.period_key == upload.period_key).order_by(Submission.version.desc())).first()
    session.add(Submission(contract_id=contract.id, bureau_id=contract.bureau_id, operator_id=contract.operator_id,
                           obligation_key=upload.obligation_key, period_key=upload.period_key,
                           due_at=obligation.due_at, version=(previous or 0) + 1, submitted_at=upload.uploaded_at,
                           submitted_by_id=upload.uploaded_by_id, figures={},
                           narrative=f"台账上传：{upload.filename}，{rows}行（上传编号 {upload.id}）"))
