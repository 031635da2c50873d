"""Station staff, monthly attendance sheets, events held, and evidence attachments.

Attendance sheets are versions like submissions: frozen once saved, a correction is a new version.
Staff names are personal data: they live only in staff_member.name, never in sheets, facts or logs.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy import event
from sqlmodel import Field, SQLModel

from portal.db import UTCDateTime, utcnow
from portal.i18n import N_

# One code per day in a sheet's marks. seed 000 附件2 counts days at the station: present and field
# work (走访、对接 away from the desk) count; leave, absence, rest days and blanks do not.
ATTENDANCE_MARKS = {
    "P": N_("在岗"),
    "F": N_("外勤"),
    "L": N_("请假"),
    "A": N_("缺勤"),
    "R": N_("休息"),
    "-": N_("未记录"),
}
WORKING_MARKS = ("P", "F")

EVENT_KINDS = {
    "recruitment_fair": N_("招聘会"),
    "live_stream": N_("直播带岗"),
    "visit": N_("走访"),
    "training": N_("培训"),
}


class FrozenAttendance(Exception):
    """An attempt to change a saved attendance version."""


class StaffMember(SQLModel, table=True):
    """A member of a station's staff under one contract, kept by the operator (name, post)."""

    __tablename__ = "staff_member"

    id: Optional[int] = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contract.id", index=True)
    bureau_id: int = Field(foreign_key="bureau.id", index=True)
    operator_id: int = Field(foreign_key="operator.id", index=True)
    station_id: int = Field(foreign_key="station.id")
    name: str = Field(max_length=50)  # personal data: masked for roles that do not need it, never logged
    post: str = Field(max_length=50)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AttendanceSheet(SQLModel, table=True):
    """One version of a contract's attendance for one month: a code per staff member and day."""

    __tablename__ = "attendance_sheet"
    __table_args__ = (
        sa.UniqueConstraint("contract_id", "month", "version", name="uq_attendance_sheet_version"),
        sa.CheckConstraint("version >= 1", name="ck_attendance_sheet_version"),
        sa.CheckConstraint("source IN ('form','upload')", name="ck_attendance_sheet_source"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contract.id", index=True)
    bureau_id: int = Field(foreign_key="bureau.id", index=True)
    operator_id: int = Field(foreign_key="operator.id", index=True)
    month: str = Field(max_length=7)  # YYYY-MM
    version: int = 1
    source: str = Field(max_length=10)  # form | upload
    filename: str = Field(default="", max_length=255)
    sha256: str = Field(default="", max_length=64)
    # {staff id: one ATTENDANCE_MARKS code per day of the month}, e.g. {"3": "PPPPPRR…"}
    marks: dict = Field(default_factory=dict, sa_type=sa.JSON)
    submitted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    submitted_by_id: int = Field(foreign_key="user_account.id")
    # The calendar submission this version counts as (seed 000 monthly_attendance), if any.
    submission_id: Optional[int] = Field(default=None, foreign_key="submission.id")

    def days_worked(self, staff_id: int) -> int:
        return sum(code in WORKING_MARKS for code in self.marks.get(str(staff_id), ""))


@event.listens_for(AttendanceSheet, "before_update")
def _refuse_change(mapper, connection, target):
    raise FrozenAttendance("an attendance version cannot change; save a new version")


@event.listens_for(AttendanceSheet, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise FrozenAttendance("attendance versions are never deleted")


class ActivityEvent(SQLModel, table=True):
    """An event the operator held: recruitment fair, live-stream session, visit, training."""

    __tablename__ = "activity_event"
    __table_args__ = (
        sa.CheckConstraint("participants >= 0", name="ck_activity_event_participants"),
        sa.CheckConstraint("kind IN ('recruitment_fair','live_stream','visit','training')",
                           name="ck_activity_event_kind"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contract.id", index=True)
    bureau_id: int = Field(foreign_key="bureau.id", index=True)
    operator_id: int = Field(foreign_key="operator.id", index=True)
    kind: str = Field(max_length=30)
    held_on: date
    place: str = Field(max_length=200)
    participants: int = 0
    description: str = Field(default="", max_length=4000)
    created_by_id: int = Field(foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def kind_label(self) -> str:
        return EVENT_KINDS.get(self.kind, self.kind)


class Attachment(SQLModel, table=True):
    """An evidence file (photo or PDF) stored outside static/ under a random name; owned by one object."""

    __tablename__ = "evidence_attachment"
    __table_args__ = (
        sa.CheckConstraint("content_type IN ('image/jpeg','image/png','application/pdf')",
                           name="ck_evidence_attachment_type"),
        sa.Index("ix_evidence_attachment_owner", "owner_type", "owner_id"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contract.id", index=True)
    bureau_id: int = Field(foreign_key="bureau.id", index=True)
    operator_id: int = Field(foreign_key="operator.id", index=True)
    owner_type: str = Field(max_length=30)  # e.g. activity_event
    owner_id: int
    filename: str = Field(max_length=255)  # as uploaded, cleaned; the extension follows the real type
    content_type: str = Field(max_length=40)  # sniffed from the bytes
    size: int
    sha256: str = Field(max_length=64)
    stored_name: str = Field(max_length=64, sa_column_kwargs={"unique": True})  # secrets.token_hex
    uploaded_by_id: int = Field(foreign_key="user_account.id")
    uploaded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
