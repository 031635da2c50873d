"""Publishing a cycle's results (公示, seed 001 第七条 "评估结果予以公示"; seed 004 grades by rank).

`Publication` is one published version of a bureau's results for one scheme and cycle, with its notice
period: the objection deadline. `PublishedResult` is one frozen row of it, copied from the approval in
force when publishing: names of organisations, the total, pass/fail, payment band, grade, rank and the
item lines (points only: no explanations, which may quote what reviewers typed). Both are never updated
or deleted (the ORM refuses and, in the database, triggers refuse); a correction is a new version that
supersedes the previous one and records what changed and why.

`Objection` is an operator's objection against its row or one line of it, filed within the notice
period with its evidence (a description and files); the bureau answers it (dismissed or upheld, always
with a reason). Its text and evidence are not public: only its status and the bureau's answer are.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Optional

import sqlalchemy as sa
from sqlalchemy import event
from sqlmodel import Field, SQLModel

from portal.db import UTCDateTime, utcnow
from portal.i18n import N_

OBJECTION_STATES = {
    "open": N_("异议处理中"),
    "dismissed": N_("异议不成立（已驳回）"),
    "upheld": N_("异议成立"),
}


class FrozenPublication(Exception):
    """A published version is never changed; a correction is a new version."""


class IllegalObjection(Exception):
    """An objection or an answer the rules do not allow (window closed, duplicate, already answered…)."""


class Publication(SQLModel, table=True):
    __tablename__ = "publication"
    __table_args__ = (
        sa.UniqueConstraint("bureau_id", "scheme_id", "cycle_id", "version", name="uq_publication_version"),
        sa.CheckConstraint("version >= 1", name="ck_publication_version"),
        sa.CheckConstraint("notice_days >= 1", name="ck_publication_notice_days"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    bureau_id: int = Field(foreign_key="bureau.id", index=True)
    bureau_name: str = Field(max_length=200)
    scheme_id: str = Field(max_length=60)
    scheme_version: str = Field(max_length=200)  # the earliest of `scheme_versions` (the only one, usually)
    # every scheme version the published approvals froze, by effective date: cycles of one id starting on either
    # side of a mid-year amendment are scored by different versions, and each row says which (PublishedResult)
    scheme_versions: list = Field(default_factory=list, sa_type=sa.JSON)
    cycle_id: str = Field(max_length=30)
    cycle_label: str = Field(max_length=100)
    cycle_start: date
    cycle_end: date
    version: int = 1
    supersedes_id: Optional[int] = Field(default=None, foreign_key="publication.id")
    change_note: str = Field(default="", max_length=2000)  # why this version replaces the previous one
    changes: list = Field(default_factory=list, sa_type=sa.JSON)  # [{operator, field, before, after}]
    left_out: list = Field(default_factory=list, sa_type=sa.JSON)  # [{operator, contract, reason}]
    notice_days: int = 5
    objection_deadline: date  # the last day objections are taken (Asia/Shanghai, to 23:59:59)
    published_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    published_by_id: int = Field(foreign_key="user_account.id")

    @property
    def title(self) -> str:
        return f"{self.cycle_label}（{self.cycle_start}至{self.cycle_end}）"

    @property
    def versions_used(self) -> list[str]:
        """The scheme versions its rows were scored by (a publication made before rows kept theirs: its one)."""
        return list(self.scheme_versions or [self.scheme_version])


class PublishedResult(SQLModel, table=True):
    __tablename__ = "published_result"
    __table_args__ = (sa.UniqueConstraint("publication_id", "contract_id", name="uq_published_result_contract"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    publication_id: int = Field(foreign_key="publication.id", index=True)
    bureau_id: int = Field(foreign_key="bureau.id", index=True)
    operator_id: int = Field(foreign_key="operator.id", index=True)
    contract_id: int = Field(foreign_key="contract.id", index=True)
    approval_id: int = Field(foreign_key="sheet_approval.id")
    # the scheme version its approval froze ("": published before rows kept it, the publication's one)
    scheme_version: str = Field(default="", max_length=100)
    operator_name: str = Field(max_length=200)
    station_names: list = Field(default_factory=list, sa_type=sa.JSON)
    total: Decimal = Field(sa_type=sa.Numeric(8, 2))
    passed: Optional[bool] = None
    band: str = Field(default="", max_length=300)  # the payment band's label, "" where the scheme has none
    consequence: str = Field(default="", max_length=500)  # what follows from the band (e.g. rectification)
    grade: Optional[str] = Field(default=None, max_length=5)
    rank: Optional[int] = None
    lines: list = Field(default_factory=list, sa_type=sa.JSON)  # [{path, title, level, kind, max, points, clause}]
    timeliness: dict = Field(default_factory=dict, sa_type=sa.JSON)  # {months: [...], rows: [{label, cells}]}

    @property
    def result_label(self) -> str:
        return {True: N_("合格"), False: N_("不合格"), None: "—"}[self.passed]

    def line(self, path: str) -> dict | None:
        return next((line for line in self.lines if line["path"] == path), None)


class Objection(SQLModel, table=True):
    __tablename__ = "objection"
    __table_args__ = (
        sa.UniqueConstraint("result_id", "target", name="uq_objection_target"),
        sa.CheckConstraint("state IN ('open','dismissed','upheld')", name="ck_objection_state"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    result_id: int = Field(foreign_key="published_result.id", index=True)
    publication_id: int = Field(foreign_key="publication.id", index=True)
    bureau_id: int = Field(foreign_key="bureau.id", index=True)
    operator_id: int = Field(foreign_key="operator.id", index=True)
    contract_id: int = Field(foreign_key="contract.id", index=True)  # the result's contract: its evidence files'
    target: str = Field(default="", max_length=200)  # "" = the whole result, else a line path of the figures
    target_title: str = Field(default="", max_length=300)
    text: str = Field(max_length=4000)  # not public
    evidence: str = Field(default="", max_length=4000)  # a description of the evidence offered; not public
    # Evidence files are evidence_attachment rows owned by the objection (owner_type "objection"): taken
    # while it is open and the notice period runs, downloaded only through the tenancy scope, never public.
    filed_by_id: int = Field(foreign_key="user_account.id")
    filed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    state: str = Field(default="open", max_length=10)
    answer: str = Field(default="", max_length=2000)  # public: the bureau's reasons
    answered_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    answered_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    corrected_in_id: Optional[int] = Field(default=None, foreign_key="publication.id")

    @property
    def state_label(self) -> str:
        return OBJECTION_STATES.get(self.state, self.state)

    def answer_with(self, upheld: bool, reason: str, user) -> None:
        """The bureau's answer; an objection is answered once."""
        if self.state != "open":
            raise IllegalObjection("该异议已答复 / the objection has already been answered")
        if not reason.strip():
            raise IllegalObjection("答复必须写明理由 / an answer needs its reasons")
        self.state = "upheld" if upheld else "dismissed"
        self.answer, self.answered_by_id, self.answered_at = reason.strip(), user.id, utcnow()


@event.listens_for(Publication, "before_update")
@event.listens_for(PublishedResult, "before_update")
def _no_update(mapper, connection, target):
    raise FrozenPublication("a published version is frozen; publish a corrected version instead")


@event.listens_for(Publication, "before_delete")
@event.listens_for(PublishedResult, "before_delete")
def _no_delete(mapper, connection, target):
    raise FrozenPublication("a published version is frozen; it is never deleted")
