"""Writing activities: the staff list, attendance versions, events and their evidence files.

Every write passes ensure_writable() first. Attendance feeds the compliance rules (portal/facts,
seed 000 每月不低于15天) and, where the scheme's calendar has a monthly attendance obligation, each
saved version is also that obligation's next submission, so lateness is decided like any report.
"""
from __future__ import annotations

import calendar as _calendar
import hashlib
import logging
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, select

from portal.activities import evidence
from portal.activities.models import (ATTENDANCE_MARKS, EVENT_KINDS, ActivityEvent, Attachment, AttendanceSheet,
                                      StaffMember)
from portal.audit import services as audit
from portal.contracts.models import Contract, ContractStation
from portal.db import committed_state, get_session
from portal.i18n import N_
from portal.reporting.models import Submission
from rules.identifiers import mask_name

log = logging.getLogger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class WriteRefused(Exception):
    """The contract takes no attendance, events or evidence now; the message says why."""


def today() -> date:
    return datetime.now(SHANGHAI).date()


def ensure_writable(contract: Contract, day: date) -> None:
    """The one gate of every write in this domain: refuse when the contract no longer accepts submissions.

    `day` is the day the data is about (the attendance month, the event's date), for reasons that
    depend on the period, such as an approved and locked assessment cycle.
    """
    if not contract.accepts_submissions:
        raise WriteRefused(f"合同状态为“{contract.status_label}”，不再接收考勤、活动和佐证材料 / "
                           f"the contract is {contract.status}: it takes no attendance, events or evidence")
    from portal.cycles.services import lock_reason

    if locked := lock_reason(contract.id, day):
        raise WriteRefused(locked)


# --- personal data ------------------------------------------------------------------------------

# Who needs staff names: the operator keeps the list, the reviewer certifies attendance (seed 000
# 对方人社局认可的考勤记录). Approvers and admins see masked names.
NAME_ROLES = ("operator", "reviewer")


def sees_names(user) -> bool:
    return user.role in NAME_ROLES


def shown_name(staff: StaffMember, user) -> str:
    return staff.name if sees_names(user) else mask_name(staff.name)


def _staff_snapshot(staff: StaffMember) -> dict:
    """The audit trail keeps the masked name only: it is read by roles that do not need names."""
    snap = audit.snapshot(staff)
    snap["name"] = mask_name(staff.name)
    return snap


def _name_key(name: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name or "")).upper()


# --- staff --------------------------------------------------------------------------------------

def stations_of(contract: Contract) -> list[int]:
    return list(get_session().exec(select(ContractStation.station_id).where(
        ContractStation.contract_id == contract.id).order_by(ContractStation.station_id)))


def staff_query(contract: Contract, *, active_only: bool = True):
    """The contract's staff, by station: a query (the staff page reads it a page at a time)."""
    query = select(StaffMember).where(StaffMember.contract_id == contract.id)
    if active_only:
        query = query.where(StaffMember.active)
    return query.order_by(StaffMember.station_id, StaffMember.id)


def staff_of(contract: Contract, *, active_only: bool = True) -> list[StaffMember]:
    return list(get_session().exec(staff_query(contract, active_only=active_only)))


def add_staff_member(contract: Contract, *, name: str, post: str, station_id: int, user) -> StaffMember:
    ensure_writable(contract, today())
    if station_id not in stations_of(contract):
        raise WriteRefused("该站点不属于本合同 / the station is not part of this contract")
    session = get_session()
    staff = StaffMember(contract_id=contract.id, bureau_id=contract.bureau_id, operator_id=contract.operator_id,
                        station_id=station_id, name=name.strip(), post=post.strip())
    session.add(staff)
    session.flush()
    audit.record("add_staff_member", staff, after=_staff_snapshot(staff))
    session.commit()
    return staff


def remove_staff_member(staff: StaffMember, contract: Contract, *, user) -> None:
    """Leaves the list; earlier attendance versions keep the person's days."""
    ensure_writable(contract, today())
    session = get_session()
    before = _staff_snapshot(staff)
    staff.active = False
    session.add(staff)
    audit.record("remove_staff_member", staff, before=before, after=_staff_snapshot(staff))
    session.commit()


# --- attendance ---------------------------------------------------------------------------------

def parse_month(month: str) -> tuple[int, int] | None:
    match = MONTH.match(month or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


def days_in(month: str) -> int:
    year, mo = parse_month(month)
    return _calendar.monthrange(year, mo)[1]


def contract_months(contract: Contract, until: date | None = None) -> list[str]:
    """The months of the contract's term that have begun (attendance is recorded for those only)."""
    until = min(until or today(), contract.ends_on)
    months, year, mo = [], contract.starts_on.year, contract.starts_on.month
    while (year, mo) <= (until.year, until.month):
        months.append(f"{year:04d}-{mo:02d}")
        year, mo = (year + 1, 1) if mo == 12 else (year, mo + 1)
    return months


def versions(contract: Contract, month: str) -> list[AttendanceSheet]:
    return list(get_session().exec(select(AttendanceSheet).where(
        AttendanceSheet.contract_id == contract.id, AttendanceSheet.month == month).order_by(AttendanceSheet.version)))


def latest_sheets(contract: Contract, as_of: datetime | None = None) -> dict[str, AttendanceSheet]:
    query = select(AttendanceSheet).where(AttendanceSheet.contract_id == contract.id)
    if as_of is not None:
        query = query.where(AttendanceSheet.submitted_at <= as_of)
    latest: dict[str, AttendanceSheet] = {}
    for sheet in get_session().exec(query.order_by(AttendanceSheet.month, AttendanceSheet.version)):
        latest[sheet.month] = sheet
    return latest


def row_problems(codes: str, month: str, on: date | None = None) -> list[str]:
    """What is wrong with one person's row of codes (one per day of the month)."""
    on = on or today()
    year, mo = parse_month(month)
    problems = []
    if len(codes) != days_in(month):
        problems.append(f"应有{days_in(month)}天，收到{len(codes)}天 / expected {days_in(month)} days")
    unknown = sorted({c for c in codes if c not in ATTENDANCE_MARKS})
    if unknown:
        problems.append(f"无法识别的考勤代码 {''.join(unknown)} / unknown codes")
    future = [d for d, code in enumerate(codes, start=1) if code != "-" and (day := _day(year, mo, d)) and day > on]
    if future:
        problems.append(f"{mo}月{future[0]}日及以后尚未到来，不能登记考勤 / days from {month}-{future[0]:02d} "
                        "are in the future")
    return problems


def _day(year: int, mo: int, d: int) -> date | None:
    try:
        return date(year, mo, d)
    except ValueError:
        return None


def obligation_for(contract: Contract, month: str):
    """The calendar's monthly attendance obligation for the month (seed 000 monthly_attendance), if any."""
    from portal.reporting.services import calendar

    return next((o for o in calendar(contract) if o.spec.kind == "attendance" and o.spec.frequency == "monthly"
                 and o.period.key == month), None)


def save_attendance(contract: Contract, month: str, marks: dict[int, str], *, user, source: str = "form",
                    filename: str = "", data: bytes = b"") -> AttendanceSheet:
    """Freeze a new version of the month's attendance; all-or-nothing, then run the rules."""
    year, mo = parse_month(month)
    ensure_writable(contract, date(year, mo, 1))
    bad = {staff_id: p for staff_id, codes in marks.items() if (p := row_problems(codes, month))}
    if bad:
        raise WriteRefused("; ".join(p for problems in bad.values() for p in problems))
    session = get_session()
    previous = versions(contract, month)
    sheet = AttendanceSheet(contract_id=contract.id, bureau_id=contract.bureau_id, operator_id=contract.operator_id,
                            month=month, version=(previous[-1].version + 1) if previous else 1, source=source,
                            filename=filename[:255], sha256=hashlib.sha256(data).hexdigest() if data else "",
                            marks={str(k): v for k, v in sorted(marks.items())}, submitted_by_id=user.id)
    obligation = obligation_for(contract, month)
    if obligation is not None:
        last = session.exec(select(Submission.version).where(
            Submission.contract_id == contract.id, Submission.obligation_key == obligation.spec.key,
            Submission.period_key == obligation.period.key).order_by(Submission.version.desc())).first()
        submission = Submission(contract_id=contract.id, bureau_id=contract.bureau_id, operator_id=contract.operator_id,
                                obligation_key=obligation.spec.key, period_key=obligation.period.key,
                                due_at=obligation.due_at, version=(last or 0) + 1, submitted_at=sheet.submitted_at,
                                submitted_by_id=user.id, figures={"staff": str(len(marks))},
                                narrative=f"考勤表第{sheet.version}版（{'上传' if source == 'upload' else '在线填报'}），"
                                          f"{len(marks)}人")
        session.add(submission)
        session.flush()
        sheet.submission_id = submission.id
    session.add(sheet)
    try:
        session.flush()
    except IntegrityError:  # the same month saved twice at once: the other request took this version
        session.rollback()
        raise WriteRefused("该版本已由另一次提交保存，请刷新页面 / this version was just saved; reload the page") from None
    how = "上传" if source == "upload" else "在线填报"  # on the trail in words: 2024年6月 考勤表第2版（上传：考勤.xlsx）
    audit.record("submit_attendance", sheet,
                 reason=f"{month} 考勤表第{sheet.version}版（{how}{'：' + filename if filename else ''}）")
    session.commit()
    from portal import jobs

    jobs.after_commit("rules", contract.id)  # a month under 15 days shows at once (seed 000)
    return sheet


# --- attendance sheets (upload) -----------------------------------------------------------------

_UPLOAD_MARKS = {"在岗": "P", "外勤": "F", "请假": "L", "缺勤": "A", "休息": "R"}
_MARK_ALIASES = {"√": "在岗", "✓": "在岗", "✔": "在岗", "出勤": "在岗", "上班": "在岗", "P": "在岗",
                 "外": "外勤", "出差": "外勤", "走访": "外勤", "F": "外勤",
                 "假": "请假", "事假": "请假", "病假": "请假", "年假": "请假", "L": "请假",
                 "×": "缺勤", "✗": "缺勤", "X": "缺勤", "旷工": "缺勤", "A": "缺勤",
                 "休": "休息", "公休": "休息", "R": "休息"}


def attendance_ledger_type(contract: Contract, month: str, staff: list[StaffMember], on: date | None = None):
    """The attendance sheet as a ledger type the shared reader checks: 姓名, 岗位, 1日…31日.

    Row checks: the name is on the contract's staff list (once; people removed from the list during
    the month still count), no day beyond the month's end, no day in the future.
    """
    from portal.ledgers.ledger_types import Column, ColumnType, LedgerType

    on = on or today()
    year, mo = parse_month(month)
    ndays = days_in(month)
    by_name: dict[str, list[StaffMember]] = {}
    for person in staff:
        by_name.setdefault(_name_key(person.name), []).append(person)

    def on_the_list(row):
        found = by_name.get(_name_key(row.get("name") or ""), [])
        if not row.get("name"):
            return []
        if not found:
            return [("name", "不在本合同的人员名单中", "请先在“人员名单”中添加该人员，或核对姓名是否写错")]
        if len(found) > 1:
            return [("name", "人员名单中有同名人员，无法区分", "请改用网页表格登记本月考勤")]
        return []

    def within_month(row):
        out = []
        for d in range(1, 32):
            if row.get(f"d{d}") and d > ndays:
                out.append((f"d{d}", f"{year}年{mo}月只有{ndays}天", "请清空该格"))
            elif row.get(f"d{d}") and d <= ndays and date(year, mo, d) > on:
                out.append((f"d{d}", "该日尚未到来，不能登记考勤", "请清空今天以后的格子"))
        return out

    day_columns = tuple(
        Column(f"d{d}", f"{d}日", ColumnType.ENUM, aliases=(str(d), f"{d}.0", f"{d}号"),
               choices=tuple(_UPLOAD_MARKS), choice_aliases=_MARK_ALIASES, width=5)
        for d in range(1, 32))
    return LedgerType(
        key="attendance", title=N_("考勤表"),
        columns=(Column("name", "姓名", required=True, aliases=("人员姓名", "驻站人员", "员工姓名"), max_length=50,
                        width=10),
                 Column("post", "岗位", aliases=("职务",), max_length=50, width=10)) + day_columns,
        identity=("name",), description=N_("考勤：每人一行，每天一格"),
        checks=(on_the_list, within_month))


@dataclass
class SheetReading:
    marks: dict[int, str] | None  # None when the file has errors (nothing is kept)
    errors: list  # portal.ledgers.excel.CellError
    summary: str


def read_attendance_upload(contract: Contract, month: str, data: bytes, filename: str,
                           staff: list[StaffMember]) -> SheetReading:
    """Check a whole .xlsx/.xls/.csv attendance sheet with the ledger reader (hostile-file checks included)."""
    from portal.ledgers.excel import read_ledger

    ledger = attendance_ledger_type(contract, month, staff)
    result = read_ledger(data, filename, ledger)
    if not result.ok:
        return SheetReading(None, result.errors, result.summary)
    by_name = {_name_key(s.name): s for s in staff}
    ndays = days_in(month)
    marks = {s.id: "-" * ndays for s in staff}
    for row in result.rows:
        person = by_name[_name_key(row["name"])]
        marks[person.id] = "".join(_UPLOAD_MARKS.get(row.get(f"d{d}") or "", "-") for d in range(1, ndays + 1))
    return SheetReading(marks, [], result.summary)


def attendance_template(contract: Contract, month: str, staff: list[StaffMember]) -> bytes:
    from portal.ledgers.template import build_template

    from flask_babel import gettext

    return build_template(attendance_ledger_type(contract, month, staff), _=gettext)


# --- events -------------------------------------------------------------------------------------

def record_event(contract: Contract, *, kind: str, held_on: date, place: str, participants: int,
                 description: str, files: list, user) -> ActivityEvent:
    """Save an event and its evidence files together (files already checked by the form)."""
    ensure_writable(contract, held_on)
    session = get_session()
    event = ActivityEvent(contract_id=contract.id, bureau_id=contract.bureau_id, operator_id=contract.operator_id,
                          kind=kind, held_on=held_on, place=place.strip(), participants=participants,
                          description=(description or "").strip(), created_by_id=user.id)
    session.add(event)
    session.flush()
    # in words on the trail: 招聘会 2024年6月12日 (the date worded by the trail's dates_in_words), not the kind's key
    audit.record("record_event", event, reason=f"{EVENT_KINDS.get(kind, kind)} {held_on.isoformat()}")
    commit_with_files(event, files, user=user)
    return event


# --- evidence storage ---------------------------------------------------------------------------

def max_evidence_bytes() -> int:
    return int(current_app.config.get("EVIDENCE_MAX_BYTES") or evidence.DEFAULT_MAX_BYTES)


def evidence_dir() -> Path:
    return Path(current_app.config.get("EVIDENCE_DIR") or Path(current_app.instance_path) / "evidence")


def read_upload(storage) -> evidence.EvidenceFile:
    """Read a browser upload (never more than the limit + 1 byte) and check it; EvidenceRefused if bad."""
    limit = max_evidence_bytes()
    data = storage.stream.read(limit + 1)
    return evidence.check(storage.filename or "", data, max_bytes=limit)


def path_of(attachment: Attachment) -> Path:
    return evidence_dir() / attachment.stored_name


def save(file, owner: SQLModel, *, user, day: date | None = None, contract: Contract | None = None) -> Attachment:
    """Store and commit one evidence file for an activity of a contract, once the contract takes it.

    `day` is the day the evidence is about (the event's date), today if not given: a cycle approved
    and locked, or a contract that no longer takes submissions, refuses it (ensure_writable).
    """
    contract = contract or get_session().get(Contract, owner.contract_id)
    ensure_writable(contract, day or today())
    return commit_with_files(owner, [file], user=user)[0]


def commit_with_files(owner: SQLModel, files: list, *, user) -> list[Attachment]:
    """Store `files` for `owner` (already added to the session) and commit them together, or nothing.

    The caller has decided that the owner takes files now: ensure_writable() for activities, the notice
    period for an objection. On any failure the session is rolled back and the files written are removed.
    """
    session = get_session()
    written: list[Attachment] = []
    try:
        for file in files:
            written.append(_store(file, owner, user=user))
        session.commit()
    except Exception:
        # Names first: the rollback may fail too (the database gone) and must not keep the files on disk.
        paths = [path_of(attachment) for attachment in written]
        try:
            session.rollback()
        finally:
            # A COMMIT sent and never answered may have stored the rows: then keep the files (an orphan file
            # costs space; a row without its file loses evidence).
            if committed_state() != "unknown":
                for path in paths:
                    _remove_path(path)
        raise
    return written


def _store(file, owner: SQLModel, *, user) -> Attachment:
    """Write one file for `owner` (any object with contract, bureau and operator ids) and add its row.

    `file` is a werkzeug FileStorage or an already checked evidence.EvidenceFile. The bytes go under
    EVIDENCE_DIR with a random name (never the uploader's); the row records the sha256.
    """
    checked = file if isinstance(file, evidence.EvidenceFile) else read_upload(file)
    folder = evidence_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stored_name = secrets.token_hex(16)
    partial = folder / f".{stored_name}.part"
    try:
        with open(partial, "xb") as out:
            out.write(checked.data)
        os.replace(partial, folder / stored_name)
    except BaseException:
        _remove_path(partial)  # a full disk (ENOSPC) leaves no partial file behind
        raise
    attachment = Attachment(contract_id=owner.contract_id, bureau_id=owner.bureau_id, operator_id=owner.operator_id,
                            owner_type=owner.__tablename__, owner_id=owner.id, filename=checked.filename,
                            content_type=checked.content_type, size=len(checked.data),
                            sha256=hashlib.sha256(checked.data).hexdigest(), stored_name=stored_name,
                            uploaded_by_id=user.id)
    session = get_session()
    session.add(attachment)
    try:
        session.flush()
        audit.record("upload_evidence", attachment, reason=f"{owner.__tablename__} {owner.id}")
    except Exception:
        _remove_file(attachment)
        raise
    return attachment


def _remove_file(attachment: Attachment) -> None:
    _remove_path(path_of(attachment))


def _remove_path(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("could not remove evidence file of a failed save: %s", type(exc).__name__)


def attachments_of(owner: SQLModel) -> list[Attachment]:
    return list(get_session().exec(select(Attachment).where(
        Attachment.owner_type == owner.__tablename__, Attachment.owner_id == owner.id).order_by(Attachment.id)))

