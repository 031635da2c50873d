"""Bureaus (人社局) and the operators (运营单位) they contract, with operators' credit grades."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from portal.db import UTCDateTime, utcnow
from portal.i18n import N_


class Bureau(SQLModel, table=True):
    __tablename__ = "bureau"

    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, sa_column_kwargs={"unique": True})  # 黔西市人力资源和社会保障局
    short_name: str = Field(max_length=30)  # 黔西
    region: str = Field(max_length=100)  # 贵州省毕节市黔西市
    # The employment service centre that does first reviews (初审).
    service_centre: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


CREDIT_GRADES = ("A", "B", "C", "D")
# seed 004 负面影响: HR-service credit grade and labour-dispatch credit grade are graded separately.
CREDIT_KINDS = {"hr_service": N_("人力资源服务机构诚信等级"), "labour_dispatch": N_("劳务派遣单位劳动保障信用等级")}


class Operator(SQLModel, table=True):
    __tablename__ = "operator"

    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    credit_code: str = Field(max_length=18, sa_column_kwargs={"unique": True})  # GB 32100, checked
    licence_no: str = Field(max_length=50)  # 人力资源服务许可证编号
    contact_name: str = Field(max_length=30)
    contact_phone: str = Field(max_length=20)
    address: str = Field(default="", max_length=200)
    registered_by_bureau_id: Optional[int] = Field(default=None, foreign_key="bureau.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CreditGrade(SQLModel, table=True):
    """A credit grade given to an operator on a date by its issuing authority (`given_by`); the latest by
    date is in force.

    The grade is the operator's, not one bureau's view of it (seed 004 负面影响: 信用等级评价 is made by the
    credit authority, and a C or D there fails or expels the operator at 吴江 whoever contracts it): it is
    recorded once, by an approver or admin of any bureau the operator works with, and every such bureau sees
    it, who recorded it, and its audit line. The same grading (kind and date) cannot be recorded twice.
    """

    __tablename__ = "credit_grade"
    __table_args__ = (
        sa.CheckConstraint("grade IN ('A','B','C','D')", name="ck_credit_grade_grade"),
        sa.CheckConstraint("kind IN ('hr_service','labour_dispatch')", name="ck_credit_grade_kind"),
        sa.UniqueConstraint("operator_id", "kind", "given_on", name="uq_credit_grade_once"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operator.id", index=True)
    kind: str = Field(max_length=20)
    grade: str = Field(max_length=1)
    given_on: date
    given_by: str = Field(max_length=100)  # the authority that graded it
    note: str = Field(default="", max_length=200)
    recorded_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    recorded_by_bureau_id: Optional[int] = Field(default=None, foreign_key="bureau.id")
