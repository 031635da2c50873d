"""Importing a ledger: check in the background with progress, then keep every row or none.

The pure checking is in excel.py (no Flask, no database); this module stores uploads and rows,
and turns an accepted upload for a calendar obligation into a submission, so lateness and the
calendar treat ledgers like every other report.
"""
from __future__ import annotations

import hashlib
import logging
import threading
from datetime import date
from decimal import Decimal

from flask import current_app
from sqlmodel import Session, select

from portal.audit import services as audit
from portal.contracts.models import Contract
from portal.db import get_engine, get_session, utcnow
from portal.ledgers.excel import read_ledger
from portal.ledgers.ledger_types import ColumnType, get_ledger_type
from portal.ledgers.models import LedgerRow, LedgerUpload
from portal.reporting.models import Submission

log = logging.getLogger(__name__)
ERRORS_SHOWN = 500


def _json_value(value):
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _restored(data: dict, ledger_type) -> dict:
    """A stored row back in the types the checker produced, so its duplicate key compares equal."""
    out = dict(data)
    for column in ledger_type.columns:
        value = out.get(column.key)
        if value in (None, ""):
            continue
        if column.type in (ColumnType.DATE, ColumnType.MONTH):
            out[column.key] = date.fromisoformat(value)
        elif column.type == ColumnType.DECIMAL:
            out[column.key] = Decimal(value)
    return out


def _key_text(key: tuple) -> str:
    return "|".join(str(_json_value(part)) for part in key)


def existing_keys(session: Session, operator_id: int, ledger_type) -> frozenset:
    rows = session.exec(select(LedgerRow.data).where(LedgerRow.operator_id == operator_id,
                                                     LedgerRow.ledger_type == ledger_type.key))
    keys = (ledger_type.row_key(_restored(data, ledger_type)) for data in rows)
    return frozenset(k for k in keys if k is not None)


def ledger_types_for(contract: Contract) -> list:
    from portal.reporting.services import calendar

    seen: list[str] = []
    for obligation in calendar(contract):
        for key in obligation.spec.ledger_types:
            if key not in seen:
                seen.append(key)
    return [get_ledger_type(key) for key in seen]


def start_upload(contract: Contract, *, ledger_type: str, data: bytes, filename: str, user,
                 obligation_key: str = "", period_key: str = "") -> LedgerUpload:
    session = get_session()
    upload = LedgerUpload(contract_id=contract.id, bureau_id=contract.bureau_id, operator_id=contract.operator_id,
                          ledger_type=ledger_type, obligation_key=obligation_key, period_key=period_key,
                          filename=filename[:255], size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                          uploaded_by_id=user.id)
    session.add(upload)
    session.flush()
    audit.record("upload_ledger", upload, reason=f"{filename} ({len(data)} bytes)")
    session.commit()
    app = current_app._get_current_object()
    if app.config.get("LEDGER_IMPORT_INLINE"):
        import_upload(app, upload.id, data)
    else:  # a 50,000-row file must not freeze the page: check in the background, the page polls
        threading.Thread(target=import_upload, args=(app, upload.id, data), daemon=True,
                         name=f"ledger-import-{upload.id}").start()
    return upload


def import_upload(app, upload_id: int, data: bytes) -> None:
    """Check the file and keep all its rows, or none of them. Runs in its own session."""
    with app.app_context(), Session(get_engine(), expire_on_commit=False) as session:
        upload = session.get(LedgerUpload, upload_id)
        ledger_type = get_ledger_type(upload.ledger_type)

        def progress(done: int, total: int) -> None:
            upload.progress_done, upload.progress_total = done, total
            session.commit()

        try:
            result = read_ledger(data, upload.filename, ledger_type,
                                 existing_keys(session, upload.operator_id, ledger_type), progress=progress)
            upload.total_rows, upload.error_count, upload.summary = result.total_rows, result.error_count, result.summary
            if not result.ok:
                upload.state = "rejected"
                upload.errors = [_error_json(e) for e in result.errors[:ERRORS_SHOWN]]
                upload.errors_xlsx = result.errors_xlsx()
            else:
                for number, row in zip(result.row_numbers, result.rows):
                    key = ledger_type.row_key(row)
                    session.add(LedgerRow(upload_id=upload.id, contract_id=upload.contract_id,
                                          bureau_id=upload.bureau_id, operator_id=upload.operator_id,
                                          ledger_type=upload.ledger_type, row_number=number,
                                          row_key=_key_text(key) if key else f"row:{upload.id}:{number}",
                                          data={k: _json_value(v) for k, v in row.items()}))
                upload.state = "accepted"
                _record_submission(session, upload, len(result.rows))
            upload.finished_at = utcnow()
            session.commit()
        except Exception as exc:  # nothing half-written: roll back the rows, keep the upload as rejected
            session.rollback()
            # The error text can quote row values (a duplicate key holds a resident ID): log its type only.
            log.error("ledger import %s failed: %s", upload_id, type(exc).__name__)
            upload = session.get(LedgerUpload, upload_id)
            upload.state, upload.finished_at = "rejected", utcnow()
            upload.summary = f"导入失败，未接收任何数据（{type(exc).__name__}）。请重新上传；如反复出现，请联系管理员。"
            session.commit()
            return
    if upload.state == "accepted" and upload.obligation_key:
        _run_rules(app, upload.contract_id)


def _error_json(error) -> dict:
    return {"sheet": error.sheet, "row": error.row, "column": error.column, "header": error.header,
            "value": "" if error.value is None else str(error.value)[:100], "problem": error.problem, "fix": error.fix}


def _record_submission(session: Session, upload: LedgerUpload, rows: int) -> None:
    """An accepted upload for a calendar obligation is that obligation's next submitted version."""
    if not upload.obligation_key:
        return
    from rules.reporting import build_calendar

    contract = session.get(Contract, upload.contract_id)
    obligation = next((o for o in build_calendar(contract.scheme_id, contract.starts_on, contract.ends_on)
                       if o.spec.key == upload.obligation_key and o.period.key == upload.period_key), None)
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


def _run_rules(app, contract_id: int) -> None:
    from portal.compliance.services import run_rules_after_submission

    with app.app_context():
        run_rules_after_submission(get_session().get(Contract, contract_id))
