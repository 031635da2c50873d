"""What only people know: the bureau's spot checks, verified complaints, incidents, surveys and disputes.

A finding is recorded by the bureau and feeds two places: its effects set or add to scheme facts on the
score sheet, and complaints, incidents and disputes go to the compliance rules. A finding is never deleted:
it is withdrawn with a reason, and the history stays.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Optional

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from portal.db import Money, UTCDateTime, utcnow
from portal.i18n import N_

FINDING_KINDS = {
    "spot_check": N_("抽查"),
    "complaint": N_("投诉（经核实）"),
    "incident": N_("安全事故"),
    "survey": N_("满意度调查"),
    "dispute": N_("劳动争议"),
}

# seed 004 四（五）4–5: a dispute counts against the operator once it is lost.
DISPUTE_OUTCOMES = {"lost": N_("败诉"), "won": N_("胜诉"), "pending": N_("审理中"), "settled": N_("调解结案")}

FINDING_STATUSES = {"recorded": N_("有效"), "withdrawn": N_("已撤回")}

# The scheme fact kinds a finding can set: counts add, the others take the latest value in the cycle.
EFFECT_KINDS = ("count", "bool", "percent", "number")


class IllegalFindingChange(Exception):
    pass


class Finding(SQLModel, table=True):
    __tablename__ = "finding"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('spot_check','complaint','incident','survey','dispute')", name="ck_finding_kind"),
        sa.CheckConstraint("status IN ('recorded','withdrawn')", name="ck_finding_status"),
        sa.CheckConstraint("outcome IN ('','lost','won','pending','settled')", name="ck_finding_outcome"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contract.id", index=True)
    bureau_id: int = Field(foreign_key="bureau.id", index=True)
    operator_id: int = Field(foreign_key="operator.id", index=True)
    station_id: Optional[int] = Field(default=None, foreign_key="station.id")
    kind: str = Field(max_length=20)
    found_on: date  # the day of the check, the complaint's receipt, the incident, the survey or the judgment
    description: str = Field(max_length=4000)  # what was checked and what was found
    people: str = Field(default="", max_length=300)  # bureau staff present (free text)
    verified: bool = True  # complaint: verified by the bureau (seed 001 投诉经核实)
    serious: bool = False  # complaint: serious harm (seed 001 第八条（五）); incident: major (seed 004 重大事件)
    collective: bool = False  # dispute: a collective labour dispute (seed 004 四（五）4)
    outcome: str = Field(default="", max_length=10)  # dispute: lost | won | pending | settled
    status: str = Field(default="recorded", max_length=10)
    recorded_by_id: int = Field(foreign_key="user_account.id")
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    withdrawn_reason: str = Field(default="", max_length=1000)
    withdrawn_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    withdrawn_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)

    @property
    def kind_label(self) -> str:
        return FINDING_KINDS.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        return FINDING_STATUSES.get(self.status, self.status)

    @property
    def outcome_label(self) -> str:
        return DISPUTE_OUTCOMES.get(self.outcome, self.outcome)

    @property
    def counts(self) -> bool:
        return self.status == "recorded"

    def ensure_editable(self) -> None:
        if self.status != "recorded":
            raise IllegalFindingChange(f"finding {self.id} is {self.status}; it can no longer be changed")

    def withdraw(self, user_id: int, reason: str) -> None:
        if not reason.strip():
            raise IllegalFindingChange("a withdrawal needs a reason")
        self.ensure_editable()
        self.status, self.withdrawn_reason, self.withdrawn_by_id = "withdrawn", reason.strip(), user_id
        self.withdrawn_at = utcnow()


class FindingEffect(SQLModel, table=True):
    """What one finding does to one scheme fact: a count adds its value; a flag or a figure is set to it."""

    __tablename__ = "finding_effect"
    __table_args__ = (sa.UniqueConstraint("finding_id", "fact_key", name="uq_finding_effect_fact"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    finding_id: int = Field(foreign_key="finding.id", index=True)
    fact_key: str = Field(max_length=100)
    fact_kind: str = Field(max_length=10)  # the scheme's kind when recorded: count | bool | percent | number
    value: Decimal = Field(sa_type=Money)  # exact, two places; a flag is 1 (true) or 0 (false)
    reason: str = Field(max_length=1000)

    @property
    def fact_value(self):
        """The value as the scoring engine reads it."""
        return fact_value(self.fact_kind, self.value)


def fact_value(kind: str, value: Decimal):
    """A stored effect value as the scoring engine reads it: a count is an int, a flag a bool."""
    if kind == "bool":
        return value != 0
    if kind == "count":
        return int(value)
    return Decimal(int(value)) if value == value.to_integral_value() else value
