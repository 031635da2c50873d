"""Station establishment (seed 001 第二章): applications with their roster of delivered workers, the
one-off subsidies a station is granted (第十二条), and cancelled qualifications with their ban (第八条).

An application owns its life cycle: transitions raise on an illegal move.

    draft ──submit──▶ submitted ──reviewer──▶ first_review_passed ──approver──▶ approved
      ▲                  │  │                          │
      └──── returned ◀───┘  └──▶ rejected ◀────────────┘
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Optional

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from portal.contracts.models import STATION_KINDS
from portal.db import Money, UTCDateTime, utcnow
from portal.i18n import N_

# The scheme whose 第二章 and 第十二条 the applications follow (its amounts and thresholds are data there).
ESTABLISHMENT_SCHEME = "jindong-2021"

APPLICATION_STATES = {
    "draft": N_("草稿"),
    "submitted": N_("已提交，待初审"),
    "returned": N_("已退回修改"),
    "first_review_passed": N_("初审通过，待审核"),
    "approved": N_("已批准设立"),
    "rejected": N_("未通过"),
}

# seed 001 第四条: the materials an applicant hands in. Item (五), the list of delivered workers, is the
# roster uploaded with the application (附件2 累计输送劳动力名册), so it is not ticked here.
MATERIALS = {
    "business_licence": N_("（一）申请单位营业执照复印件2份（加盖公章）"),
    "hr_service_licence": N_("（二）申请单位《人力资源服务许可证》复印件2份"),
    "application_form": N_("（三）《金东区劳务协作工作站设立申请表》（附件1）原件2份"),
    "management_rules": N_("（四）《劳务协作工作站工作管理制度》（包括单位简介、劳务协作协议、务工人员管理办法等）复印件2份"),
    "office_photos": N_("（六）办公场所照片"),
    "legal_person_id": N_("（七）单位法人身份证复印件2份"),
}

ROSTER_STATES = {"none": N_("未上传"), "accepted": N_("已接收"), "rejected": N_("未接收")}


# Where each state may go (the diagram above); a module constant, since pydantic owns underscore attributes.
_TRANSITIONS = {
    "draft": {"submitted"},
    "returned": {"submitted"},
    "submitted": {"first_review_passed", "returned", "rejected"},
    "first_review_passed": {"approved", "rejected"},
    "approved": set(),
    "rejected": set(),
}


class IllegalTransition(Exception):
    """An application was asked to move to a state it cannot reach from where it is."""


class StationApplication(SQLModel, table=True):
    """One operator's application to one bureau to set up a station: the 附件1 form and its materials."""

    __tablename__ = "station_application"
    __table_args__ = (
        sa.CheckConstraint(
            "state IN ('draft','submitted','returned','first_review_passed','approved','rejected')",
            name="ck_station_application_state"),
        sa.CheckConstraint("roster_state IN ('none','accepted','rejected')", name="ck_station_application_roster"),
        sa.CheckConstraint("required_staff >= 0", name="ck_station_application_staff"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    bureau_id: int = Field(foreign_key="bureau.id", index=True)  # the bureau applied to
    operator_id: int = Field(foreign_key="operator.id", index=True)  # 申请机构（承建单位）
    scheme_id: str = Field(default=ESTABLISHMENT_SCHEME, max_length=60)
    # 附件1 金东区劳务协作工作站设立申请表
    station_name: str = Field(max_length=100)
    kind: str = Field(default="labour_cooperation", max_length=30)
    cooperation_region: str = Field(max_length=100)  # 省外劳务协作地区（省市县）
    applicant_head: str = Field(max_length=30)  # 申请机构负责人
    applicant_phone: str = Field(max_length=20)
    partner_name: str = Field(max_length=100)  # 合作机构名称
    partner_head: str = Field(max_length=30)  # 合作机构负责人
    partner_phone: str = Field(max_length=20)
    address: str = Field(max_length=200)  # 劳务协作工作站地址
    remote_office: str = Field(max_length=200)  # 第三条（二）: the office in the sending area
    liaison_person: str = Field(max_length=30)  # 第三条（二）: the person named for the liaison of both places
    required_staff: int = 0
    agreement: str = Field(max_length=500)  # 第三条（三）: the cooperation agreement with the sending area
    term_until: date  # 申请经营期限：自申请之日起至……为止
    introduction: str = Field(default="", max_length=4000)  # 劳务协作工作站简介
    commitment: bool = False  # 申请机构承诺：所填信息和提供的所有材料真实、有效、合法
    materials: list = Field(default_factory=list, sa_type=sa.JSON)  # keys of MATERIALS handed in
    materials_note: str = Field(default="", max_length=1000)
    # The roster (附件2); its rows are ApplicationWorker. The errors hold no cell values (personal data).
    roster_state: str = Field(default="none", max_length=10)
    roster_filename: str = Field(default="", max_length=255)
    roster_sha256: str = Field(default="", max_length=64)
    roster_uploaded_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    roster_total_rows: int = 0
    roster_count: int = 0  # valid distinct delivered workers kept
    roster_error_count: int = 0
    roster_summary: str = Field(default="", max_length=1000)
    roster_errors: list = Field(default_factory=list, sa_type=sa.JSON)
    # The life cycle
    state: str = Field(default="draft", max_length=30)
    created_by_id: int = Field(foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    submitted_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    review_reason: str = Field(default="", max_length=2000)  # 区就业服务中心意见 (初审)
    reviewed_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    reviewed_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    decision_reason: str = Field(default="", max_length=2000)  # 区人社局意见 (审核)
    decided_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    decided_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    station_id: Optional[int] = Field(default=None, foreign_key="station.id")  # set on approval

    @property
    def state_label(self) -> str:
        return APPLICATION_STATES.get(self.state, self.state)

    @property
    def kind_label(self) -> str:
        return STATION_KINDS.get(self.kind, self.kind)

    @property
    def roster_state_label(self) -> str:
        return ROSTER_STATES.get(self.roster_state, self.roster_state)

    @property
    def editable(self) -> bool:
        return self.state in ("draft", "returned")

    def _check(self, to: str) -> None:
        if to not in _TRANSITIONS[self.state]:
            raise IllegalTransition(f"申请当前为“{self.state_label}”，不能改为“{APPLICATION_STATES.get(to, to)}” / "
                                    "the application cannot move from its state to that one")

    @staticmethod
    def _reason(reason: str, needed: bool) -> str:
        reason = (reason or "").strip()
        if needed and not reason:
            raise IllegalTransition("退回或不予通过必须写明理由 / returning or rejecting needs a reason")
        return reason

    def submit(self) -> None:
        self._check("submitted")
        self.state, self.submitted_at = "submitted", utcnow()

    def review(self, outcome: str, reviewer_id: int, reason: str) -> None:
        """第五条: 区就业服务中心负责初审 — pass, return for changes, or reject."""
        to = {"pass": "first_review_passed", "return": "returned", "reject": "rejected"}.get(outcome)
        if to is None:
            raise IllegalTransition(f"unknown first-review outcome {outcome!r}")
        self._check(to)
        self.review_reason = self._reason(reason, needed=outcome != "pass")
        self.state, self.reviewed_by_id, self.reviewed_at = to, reviewer_id, utcnow()

    def decide(self, outcome: str, approver_id: int, reason: str) -> None:
        """第五条: 区人社局负责审核 — approve (the station is set up) or reject."""
        to = {"approve": "approved", "reject": "rejected"}.get(outcome)
        if to is None:
            raise IllegalTransition(f"unknown decision {outcome!r}")
        self._check(to)
        self.decision_reason = self._reason(reason, needed=outcome == "reject")
        self.state, self.decided_by_id, self.decided_at = to, approver_id, utcnow()


class ApplicationWorker(SQLModel, table=True):
    """One row of the accepted roster (附件2 累计输送劳动力名册). Personal data: shown masked except to the
    roles that need it, never logged, never written into audit events."""

    __tablename__ = "application_worker"
    __table_args__ = (sa.UniqueConstraint("application_id", "resident_id", name="uq_application_worker"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="station_application.id", index=True)
    bureau_id: int = Field(foreign_key="bureau.id", index=True)
    operator_id: int = Field(foreign_key="operator.id", index=True)
    row_number: int  # the row in the uploaded sheet, as Excel shows it
    name: str = Field(max_length=50)
    resident_id: str = Field(max_length=18)
    household_registration: str = Field(max_length=200)  # 户籍
    employer: str = Field(max_length=200)  # 入职企业
    hire_date: date  # 入职时间


SUBSIDY_KINDS = {"new_station": N_("新设立工作站一次性建站补贴"), "excellent_station": N_("区级优秀站点一次性奖励")}


class StationSubsidy(SQLModel, table=True):
    """A one-off grant to a station (seed 001 第十二条（一）（三）), decided once and never edited.

    Read by the payment schedule: ``amount`` is exact yuan taken from the scheme's [[subsidy.one_off]] entry
    ``kind`` at the time of the decision (``scheme_id`` says which file), ``clause`` is that entry's label,
    ``granted_on`` the day of the decision. A station gets each kind at most once (第十一条: 已认定为区级
    优秀站点的不重复评选).
    """

    __tablename__ = "station_subsidy"
    __table_args__ = (
        sa.UniqueConstraint("station_id", "kind", name="uq_station_subsidy_kind"),
        # One application is decided once: one station, one setup subsidy (NULLs, the excellent awards, differ).
        sa.UniqueConstraint("application_id", name="uq_station_subsidy_application"),
        sa.CheckConstraint("kind IN ('new_station','excellent_station')", name="ck_station_subsidy_kind"),
        sa.CheckConstraint("amount >= 0", name="ck_station_subsidy_amount"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    station_id: int = Field(foreign_key="station.id", index=True)
    bureau_id: int = Field(foreign_key="bureau.id", index=True)
    operator_id: int = Field(foreign_key="operator.id", index=True)
    kind: str = Field(max_length=30)
    amount: Decimal = Field(sa_type=Money)
    scheme_id: str = Field(max_length=60)
    clause: str = Field(max_length=500)
    granted_on: date
    decided_by_id: int = Field(foreign_key="user_account.id")
    application_id: Optional[int] = Field(default=None, foreign_key="station_application.id")  # new_station
    year: Optional[int] = None  # excellent_station: the selection year
    reason: str = Field(default="", max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def kind_label(self) -> str:
        return SUBSIDY_KINDS.get(self.kind, self.kind)


# seed 001 第八条: the grounds on which the bureau cancels a station's qualification.
CANCELLATION_GROUNDS = {
    "own_request": N_("（一）主动申请取消资格的"),
    "no_longer_qualified": N_("（二）因自身原因或不可抗力因素，不再具备设立条件的"),
    "two_failing_years": N_("（三）连续两个年度评估不合格的"),
    "fraud": N_("（四）弄虚作假、虚报冒领补贴的"),
    "serious_incident": N_("（五）发生重大安全责任事故或严重损害务工人员或企业权益受到投诉并核实的"),
}


class QualificationCancellation(SQLModel, table=True):
    """第八条: the bureau cancelled a station's qualification; its operator may not apply to that bureau
    again before ``may_apply_from`` (computed once, from the scheme's ban in force on the day)."""

    __tablename__ = "qualification_cancellation"
    __table_args__ = (
        sa.UniqueConstraint("station_id", name="uq_qualification_cancellation_station"),
        sa.CheckConstraint("may_apply_from > cancelled_on", name="ck_qualification_cancellation_ban"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    station_id: int = Field(foreign_key="station.id", index=True)
    bureau_id: int = Field(foreign_key="bureau.id", index=True)
    operator_id: int = Field(foreign_key="operator.id", index=True)
    ground: str = Field(max_length=30)
    reason: str = Field(max_length=2000)
    cancelled_on: date
    may_apply_from: date
    decided_by_id: int = Field(foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def ground_label(self) -> str:
        return CANCELLATION_GROUNDS.get(self.ground, self.ground)
