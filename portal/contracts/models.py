"""Stations and contracts. A contract owns its life cycle: transitions raise on an illegal move."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Optional

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from portal.db import Money, UTCDateTime, utcnow
from portal.i18n import N_

# DOMAIN.md §1: the kinds of station an operator may run.
STATION_KINDS = {
    "labour_cooperation": N_("劳务协作工作站"),
    "employment_service": N_("就业服务站"),
    "gig_market": N_("零工市场"),
    "employment_home": N_("就业之家"),
    "alliance_operator": N_("联盟运营单位"),
}


class Station(SQLModel, table=True):
    __tablename__ = "station"
    __table_args__ = (
        sa.CheckConstraint("required_staff >= 0", name="ck_station_required_staff"),
        sa.CheckConstraint("status IN ('active','closed')", name="ck_station_status"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    bureau_id: int = Field(foreign_key="bureau.id", index=True)
    operator_id: int = Field(foreign_key="operator.id", index=True)
    name: str = Field(max_length=100)
    kind: str = Field(max_length=30)
    address: str = Field(max_length=200)
    required_staff: int = 0
    opening_hours: str = Field(default="", max_length=200)
    status: str = Field(default="active", max_length=10)
    established_on: Optional[date] = None

    @property
    def kind_label(self) -> str:
        return STATION_KINDS.get(self.kind, self.kind)


class ContractStation(SQLModel, table=True):
    __tablename__ = "contract_station"

    contract_id: int = Field(foreign_key="contract.id", primary_key=True)
    station_id: int = Field(foreign_key="station.id", primary_key=True)


# Models whose rows are what was handed in or found under a contract; once a contract has any, its owners,
# scheme and term are fixed (contracts.services.has_data). Each domain marks its own with @contract_data.
CONTRACT_DATA: list[type] = []


def contract_data(model: type) -> type:
    CONTRACT_DATA.append(model)
    return model


class IllegalTransition(Exception):
    """A contract was asked to move to a status it cannot reach from where it is."""


CONTRACT_STATUSES = {
    "active": N_("履行中"),
    "rectification": N_("整改中"),
    "terminated": N_("已终止"),
    "expired": N_("已到期"),
}


# Module-level: a pydantic private attribute would be missing on a contract loaded from the database.
_TRANSITIONS = {
    "active": {"rectification", "terminated", "expired"},
    "rectification": {"active", "terminated", "expired"},
    "terminated": set(),
    "expired": set(),
}


class Contract(SQLModel, table=True):
    __tablename__ = "contract"
    __table_args__ = (
        sa.CheckConstraint("ends_on > starts_on", name="ck_contract_dates"),
        sa.CheckConstraint("value >= 0", name="ck_contract_value"),
        sa.CheckConstraint(
            "status IN ('active','rectification','terminated','expired')", name="ck_contract_status"
        ),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    bureau_id: int = Field(foreign_key="bureau.id", index=True)
    operator_id: int = Field(foreign_key="operator.id", index=True)
    number: str = Field(max_length=60)  # the procurement contract's own number
    title: str = Field(max_length=200)
    scheme_id: str = Field(max_length=60)
    scheme_version: str = Field(max_length=100)  # document number + effective date of the version
    starts_on: date
    ends_on: date
    value: Decimal = Field(sa_type=Money)  # yuan, exact
    # Stages as data: [{"key": "advance", "label": "预付款", "share": "0.40", "due": "签订后30个工作日内"}, ...]
    payment_plan: list = Field(default_factory=list, sa_type=sa.JSON)
    status: str = Field(default="active", max_length=20)
    status_reason: str = Field(default="", max_length=500)
    status_changed_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    terminated_on: Optional[date] = None  # the termination's effective date (解除合同之日)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def status_label(self) -> str:
        return CONTRACT_STATUSES.get(self.status, self.status)

    @property
    def accepts_submissions(self) -> bool:
        return self.status in ("active", "rectification")

    def _move(self, to: str, reason: str) -> None:
        if to not in _TRANSITIONS[self.status]:
            raise IllegalTransition(f"contract {self.number}: {self.status} → {to} is not allowed")
        if not reason.strip():
            raise IllegalTransition("a status change needs a reason")
        self.status, self.status_reason, self.status_changed_at = to, reason.strip(), utcnow()

    def start_rectification(self, reason: str) -> None:
        self._move("rectification", reason)

    def end_rectification(self, reason: str) -> None:
        self._move("active", reason)

    def terminate(self, reason: str, effective_on: date | None = None) -> None:
        self._move("terminated", reason)
        self.terminated_on = effective_on

    def expire(self, reason: str = "合同期满") -> None:
        self._move("expired", reason)
