"""Rectification notices and termination proposals. Each owns its life cycle: a move its state does not
allow raises, so a route cannot skip a step.

seed 002 服务内容 4.监督考核: 考核得分低于50分以下的…限服务方一个月内整改完毕，整改不通过的，采购人有权单方解除合同。
A notice is issued with its clause and deadline, the operator answers with a rectification report, the bureau
closes it as rectified or records it failed (the way towards termination). Termination is decided with two
signatures: the reviewer proposes (reason, clause, effective date), the approver confirms or declines.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from portal.db import UTCDateTime, utcnow
from portal.i18n import N_

SHANGHAI = ZoneInfo("Asia/Shanghai")  # deadlines are Shanghai days (DOMAIN.md §6.3)


def shanghai_day(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


class IllegalConsequenceChange(Exception):
    """A notice or proposal was asked to do something its state does not allow."""


NOTICE_STATES = {
    "issued": N_("待整改"),
    "answered": N_("已提交整改报告"),
    "rectified": N_("整改通过"),
    "failed": N_("整改不通过"),
}


class RectificationNotice(SQLModel, table=True):
    __tablename__ = "rectification_notice"
    __table_args__ = (
        sa.CheckConstraint("state IN ('issued','answered','rectified','failed')", name="ck_rectification_notice_state"),
        sa.CheckConstraint("due_on >= issued_on", name="ck_rectification_notice_due"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contract.id", index=True)
    bureau_id: int = Field(foreign_key="bureau.id", index=True)
    operator_id: int = Field(foreign_key="operator.id", index=True)
    approval_id: Optional[int] = Field(default=None, foreign_key="sheet_approval.id")  # the sheet it follows from
    clause: str = Field(max_length=1000)
    findings: str = Field(max_length=2000)  # what must be rectified
    issued_on: date
    due_on: date  # inclusive: rectified by 23:59:59 on this day, Asia/Shanghai
    state: str = Field(default="issued", max_length=10)
    issued_by_id: int = Field(foreign_key="user_account.id")
    issued_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    report: str = Field(default="", max_length=4000)  # the operator's rectification report
    answered_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    answered_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    closed_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    closed_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    closing_reason: str = Field(default="", max_length=1000)

    @property
    def state_label(self) -> str:
        return NOTICE_STATES.get(self.state, self.state)

    @property
    def is_open(self) -> bool:
        return self.state in ("issued", "answered")

    def overdue(self, at: datetime | None = None) -> bool:
        """Still open after its deadline day has ended in Shanghai (the deadline day itself is on time)."""
        return self.is_open and shanghai_day(at or utcnow()) > self.due_on

    @property
    def answered_late(self) -> bool:
        return self.answered_at is not None and shanghai_day(self.answered_at) > self.due_on

    def answer(self, user_id: int, report: str, at: datetime | None = None) -> None:
        if self.state != "issued":
            raise IllegalConsequenceChange(f"整改通知当前状态为“{self.state_label}”，不能再提交整改报告 / "
                                           "the notice no longer takes a report")
        if not report.strip():
            raise IllegalConsequenceChange("整改报告不能为空 / the rectification report is empty")
        self.report, self.answered_by_id, self.answered_at = report.strip(), user_id, at or utcnow()
        self.state = "answered"

    def close(self, user_id: int, rectified: bool, reason: str, at: datetime | None = None) -> None:
        """The bureau's finding: rectified (only after a report) or failed (with or without a report)."""
        if not reason.strip():
            raise IllegalConsequenceChange("结论必须写明理由 / closing a notice needs a reason")
        if rectified and self.state != "answered":
            raise IllegalConsequenceChange("运营单位尚未提交整改报告，不能认定整改通过 / no rectification report yet")
        if not self.is_open:
            raise IllegalConsequenceChange(f"整改通知已结束（{self.state}） / the notice is already closed")
        self.state = "rectified" if rectified else "failed"
        self.closed_by_id, self.closed_at, self.closing_reason = user_id, at or utcnow(), reason.strip()


PROPOSAL_STATES = {
    "proposed": N_("待审批人确认"),
    "confirmed": N_("已确认终止"),
    "declined": N_("未予确认"),
}


class TerminationProposal(SQLModel, table=True):
    __tablename__ = "termination_proposal"
    __table_args__ = (
        sa.CheckConstraint("state IN ('proposed','confirmed','declined')", name="ck_termination_proposal_state"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contract.id", index=True)
    bureau_id: int = Field(foreign_key="bureau.id", index=True)
    operator_id: int = Field(foreign_key="operator.id", index=True)
    notice_id: Optional[int] = Field(default=None, foreign_key="rectification_notice.id")  # a failed rectification
    reason: str = Field(max_length=1000)
    clause: str = Field(max_length=1000)
    effective_on: date
    state: str = Field(default="proposed", max_length=10)
    proposed_by_id: int = Field(foreign_key="user_account.id")
    proposed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    decided_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    decision_reason: str = Field(default="", max_length=1000)

    @property
    def state_label(self) -> str:
        return PROPOSAL_STATES.get(self.state, self.state)

    def _decide(self, user_id: int) -> None:
        if self.state != "proposed":
            raise IllegalConsequenceChange(f"终止建议已处理（{self.state}） / the proposal was already decided")
        if user_id == self.proposed_by_id:
            raise IllegalConsequenceChange("提出终止建议的人不能自己确认 / the proposer cannot decide their own proposal")
        self.decided_by_id, self.decided_at = user_id, utcnow()

    def confirm(self, user_id: int) -> None:
        self._decide(user_id)
        self.state = "confirmed"

    def decline(self, user_id: int, reason: str) -> None:
        if not reason.strip():
            raise IllegalConsequenceChange("不予确认必须写明理由 / declining needs a reason")
        self._decide(user_id)
        self.state, self.decision_reason = "declined", reason.strip()
