"""What the rules and the score sheet read: the contract's data gathered from every domain, in one place.

rule_facts() is the input of rules.compliance.evaluate() (rules/compliance/README.md): submissions as
(kind, period) rows, attendance, the bureau's complaints, incidents and disputes, credit grades and the
approved period scores. sheet_facts() is the input of rules.scoring.score() for one cycle: the reports'
figures, the violations counted per fact, the bureau's findings (which win over both) and the credit
grades in force, each with the source it came from. This package reads the domains' models and asks a
domain for its own interpretation where it has one (findings fold their effects; reporting lays out the
calendar); it writes nothing.
"""
from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlmodel import select

from portal.activities.models import WORKING_MARKS, AttendanceSheet, StaffMember
from portal.consequences.models import RectificationNotice, shanghai_day
from portal.contracts.models import Contract, ContractStation
from portal.cycles.models import AssessmentSheet, SheetApproval
from portal.cycles.services import Cycle, cycles
from portal.db import get_session
from portal.findings import services as findings
from portal.findings.models import Finding
from portal.ledgers.models import LedgerUpload
from portal.organisations.models import CreditGrade
from portal.reporting import services as reporting
from portal.reporting.models import Submission
from portal.schemes.services import contract_scheme, duties
from portal.violations.models import Violation
from portal.cycles.services import cycle_scheme

SHANGHAI = ZoneInfo("Asia/Shanghai")


# --- the compliance rules' input --------------------------------------------------------------------

# How a portal submission reads to the compliance rules: (kind, period) rows per obligation.
# seed 002 第9项: the report for month M carries M's plan and M-1's summary, both due by the 5th of M.
_SUBMISSION_KINDS = {
    "monthly_plan_summary": lambda period: [("monthly_plan", period), ("monthly_summary", _previous_month(period))],
    "monthly_demand_report": lambda period: [("monthly_report", period)],  # seed 002 每月不准时上报报表
    "monthly_job_info": lambda period: [("job_information", period)],  # seed 000 岗位信息
    "monthly_report": lambda period: [("work_report", period)],  # seed 000 每月1次书面汇报
}


# seed 000 3（3）台账建立, 每季度末集中报送: an accepted upload of a quarterly ledger is that ledger handed in for
# the quarter. The rules know the three ledgers that carry points in 附件2 (岗位信息台账 3分, 外出务工人员信息台账 5分,
# 黔西籍创业成功人士台账 2分); the portal's ledger types that are those ledgers. The enterprises ledger carries no
# points of its own in 附件2, so no rule reads it.
_QUARTERLY_LEDGERS = {"quarterly_ledgers": {"job_postings": "jobs", "delivered_workers": "migrant_workers",
                                            "entrepreneurs": "entrepreneurs"}}


def _ledger_rows(upload) -> list[dict]:
    ledger = _QUARTERLY_LEDGERS.get(upload.obligation_key, {}).get(upload.ledger_type)
    if not ledger:
        return []
    return [{"id": f"ledger-upload-{upload.id}", "kind": "quarterly_ledger", "period": upload.period_key,
             "ledger": ledger, "submitted_at": _iso(upload.uploaded_at)}]


def _previous_month(period: str) -> str:
    year, month = map(int, period.split("-"))
    return f"{year - 1}-12" if month == 1 else f"{year:04d}-{month - 1:02d}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat()


def _compliance_rows(submission: Submission, links: dict[str, tuple[str, ...]]) -> list[dict]:
    if submission.obligation_key in links:  # the scheme's [[compliance]] names the obligation a rule judges
        rows = [(kind, submission.period_key) for kind in links[submission.obligation_key]]
    elif submission.obligation_key == "annual_summary":  # seed 000 年底报送工作总结: the year it falls due
        rows = [("annual_summary", str(submission.due_at.astimezone(SHANGHAI).year))]
    elif submission.obligation_key in _SUBMISSION_KINDS:
        rows = _SUBMISSION_KINDS[submission.obligation_key](submission.period_key)
    else:
        return []
    return [{"id": f"{submission.id}:{kind}", "kind": kind, "period": period,
             "submitted_at": _iso(submission.submitted_at), "version": submission.version}
            for kind, period in rows]


def _grade_in_force(grades: list[CreditGrade], kind: str, day) -> str | None:
    current = [g for g in grades if g.kind == kind and g.given_on <= day]
    return max(current, key=lambda g: (g.given_on, g.id)).grade if current else None


@dataclass
class RuleInputs:
    """What rule_facts() reads of one contract, as plain rows: rule_inputs() loads them for many contracts in
    a few queries (the sweep), and for one contract the same way (after a submission)."""

    grades: list = field(default_factory=list)  # the operator's credit grades
    submissions: list = field(default_factory=list)  # every version, by id
    ledgers: list = field(default_factory=list)  # accepted ledger uploads handed in for an obligation, by id
    findings: list = field(default_factory=list)  # recorded complaints, incidents and disputes, by id
    station_of: dict = field(default_factory=dict)  # staff member id -> station id (former staff too)
    sheets: dict = field(default_factory=dict)  # month -> latest attendance version saved by as_of
    stations: list = field(default_factory=list)  # station ids, ascending
    sheet_of_cycle: dict = field(default_factory=dict)  # cycle id -> (sheet id, state)
    approvals: dict = field(default_factory=dict)  # sheet id -> its latest approval
    notices: list = field(default_factory=list)  # rectification notices

    @property
    def submitted(self) -> set[tuple[str, str]]:
        """(obligation key, period key) of every instance with at least one version."""
        return {(s.obligation_key, s.period_key) for s in self.submissions}


def rule_inputs(contracts: list[Contract], as_of: datetime) -> dict[int, RuleInputs]:
    """Everything rule_facts() reads for these contracts as of `as_of`, in one query per table."""
    session = get_session()
    ids = [c.id for c in contracts]
    out = {c.id: RuleInputs() for c in contracts}
    by_operator: dict[int, list] = defaultdict(list)
    for g in session.execute(select(CreditGrade.operator_id, CreditGrade.id, CreditGrade.kind, CreditGrade.grade,
                                    CreditGrade.given_on)
                             .where(CreditGrade.operator_id.in_({c.operator_id for c in contracts}))
                             .order_by(CreditGrade.id)):
        by_operator[g.operator_id].append(g)
    for c in contracts:
        out[c.id].grades = by_operator[c.operator_id]
    for s in session.execute(select(Submission.contract_id, Submission.id, Submission.obligation_key,
                                    Submission.period_key, Submission.due_at, Submission.submitted_at,
                                    Submission.version).where(Submission.contract_id.in_(ids)).order_by(Submission.id)):
        out[s.contract_id].submissions.append(s)
    for u in session.execute(select(LedgerUpload.contract_id, LedgerUpload.id, LedgerUpload.obligation_key,
                                    LedgerUpload.period_key, LedgerUpload.ledger_type, LedgerUpload.uploaded_at)
                             .where(LedgerUpload.contract_id.in_(ids), LedgerUpload.state == "accepted",
                                    LedgerUpload.obligation_key.in_(tuple(_QUARTERLY_LEDGERS)))
                             .order_by(LedgerUpload.id)):
        out[u.contract_id].ledgers.append(u)
    for f in session.execute(select(Finding.contract_id, Finding.id, Finding.kind, Finding.found_on, Finding.verified,
                                    Finding.serious, Finding.station_id, Finding.collective, Finding.outcome).where(
            Finding.contract_id.in_(ids), Finding.status == "recorded",
            Finding.kind.in_(("complaint", "incident", "dispute"))).order_by(Finding.id)):
        out[f.contract_id].findings.append(f)
    for staff in session.execute(select(StaffMember.contract_id, StaffMember.id, StaffMember.station_id)
                                 .where(StaffMember.contract_id.in_(ids))):
        out[staff.contract_id].station_of[staff.id] = staff.station_id
    for sheet in session.execute(select(AttendanceSheet.contract_id, AttendanceSheet.id, AttendanceSheet.month,
                                        AttendanceSheet.marks)
                                 .where(AttendanceSheet.contract_id.in_(ids), AttendanceSheet.submitted_at <= as_of)
                                 .order_by(AttendanceSheet.month, AttendanceSheet.version)):
        out[sheet.contract_id].sheets[sheet.month] = sheet  # the latest version of the month wins
    for link in session.execute(select(ContractStation.contract_id, ContractStation.station_id)
                                .where(ContractStation.contract_id.in_(ids)).order_by(ContractStation.station_id)):
        out[link.contract_id].stations.append(link.station_id)
    for sheet in session.execute(select(AssessmentSheet.contract_id, AssessmentSheet.id, AssessmentSheet.cycle_id,
                                        AssessmentSheet.state).where(AssessmentSheet.contract_id.in_(ids))
                                 .order_by(AssessmentSheet.id)):
        out[sheet.contract_id].sheet_of_cycle.setdefault(sheet.cycle_id, (sheet.id, sheet.state))
    for approval in session.execute(select(SheetApproval.contract_id, SheetApproval.id, SheetApproval.sheet_id,
                                           SheetApproval.total, SheetApproval.figures, SheetApproval.approved_at)
                                    .where(SheetApproval.contract_id.in_(ids)).order_by(SheetApproval.number)):
        out[approval.contract_id].approvals[approval.sheet_id] = approval  # the highest number wins
    for notice in session.execute(select(RectificationNotice.contract_id, RectificationNotice.approval_id,
                                         RectificationNotice.state, RectificationNotice.closed_at)
                                  .where(RectificationNotice.contract_id.in_(ids))):
        out[notice.contract_id].notices.append(notice)
    return out


def rule_facts(contract: Contract, as_of: datetime, inputs: RuleInputs | None = None) -> dict:
    """The contract's data as the compliance rules read it (rules/compliance/README.md); `inputs` as
    rule_inputs() loaded them for the same `as_of` (loaded here when not given)."""
    if inputs is None:
        inputs = rule_inputs([contract], as_of)[contract.id]
    day = as_of.astimezone(SHANGHAI).date()
    grades = inputs.grades
    operator: dict = {"id": str(contract.operator_id), "is_hr": True,
                      "is_dispatch": any(g.kind == "labour_dispatch" for g in grades)}
    for kind, key in (("hr_service", "credit_grade"), ("labour_dispatch", "labour_credit_grade")):
        grade = _grade_in_force(grades, kind, day)
        if grade:
            operator[key] = grade
    calendar, compliance = duties(contract_scheme(contract))
    links = _links(compliance or ())
    return {
        "as_of": _iso(as_of),
        "contract": {"id": str(contract.id), "scheme": contract.scheme_id,
                     "starts_on": contract.starts_on.isoformat(), "ends_on": contract.ends_on.isoformat()},
        # the rules in force and their parameters: the [[compliance]] of the version the contract was signed under
        **({} if compliance is None else {"compliance": _compliance(compliance, calendar)}),
        "operator": operator,
        "submissions": [row for s in inputs.submissions for row in _compliance_rows(s, links)]
        + [row for u in inputs.ledgers for row in _ledger_rows(u)],
        **_findings(inputs),  # complaints, incidents, disputes the bureau recorded
        **_attendance(inputs),  # stations and monthly attendance days
        "period_scores": _period_scores(contract, as_of, inputs),  # approved sheets (seeds 002, 001)
    }


def _compliance(compliance: tuple, calendar: tuple) -> list[dict]:
    return [dict(use) for use in _uses(compliance, calendar)]


@functools.lru_cache(maxsize=256)
def _uses(compliance: tuple, calendar: tuple) -> tuple:
    """The scheme's [[compliance]] as the rules read it; a deadline rule linked to a calendar obligation is due
    on the obligation's day unless the line says its own (the checker holds the two to one day)."""
    from rules.compliance import RULES

    days = {spec.key: spec.day for spec in calendar if spec.due in ("day_of_period", "day_of_next_period")}
    out = []
    for use in compliance:
        fact = use.as_fact()
        if use.obligation and use.due_day is None and use.obligation in days and RULES[use.rule].due_day:
            fact["due_day"] = min(days[use.obligation], 28)
        out.append(fact)
    return tuple(out)


@functools.lru_cache(maxsize=256)
def _links(compliance: tuple) -> dict[str, tuple[str, ...]]:
    """calendar obligation -> the submission kinds its hand-ins are for the rules that judge it."""
    from rules.compliance.deadlines import MONTHLY_KINDS

    out: dict[str, tuple[str, ...]] = {}
    for use in compliance:
        if use.obligation and use.rule in MONTHLY_KINDS:
            out[use.obligation] = out.get(use.obligation, ()) + (MONTHLY_KINDS[use.rule],)
    return out


def _findings(inputs: RuleInputs) -> dict:
    """Complaints, incidents and disputes as rules/compliance reads them; withdrawn findings are gone."""
    out: dict = {"complaints": [], "incidents": [], "disputes": []}
    for f in inputs.findings:
        fid = f"finding-{f.id}"
        if f.kind == "complaint":
            out["complaints"].append({"id": fid, "received_on": f.found_on.isoformat(), "verified": f.verified,
                                      "serious": f.serious, "station": str(f.station_id or "")})
        elif f.kind == "incident":
            out["incidents"].append({"id": fid, "occurred_on": f.found_on.isoformat(), "major": f.serious})
        else:
            out["disputes"].append({"id": fid, "collective": f.collective, "outcome": f.outcome or "pending",
                                    "decided_on": f.found_on.isoformat()})
    return out


def _days_worked(marks: dict, staff_id: int) -> int:
    return sum(code in WORKING_MARKS for code in marks.get(str(staff_id), ""))


def _attendance(inputs: RuleInputs) -> dict:
    """Stations and certified monthly days per staff member, as rules/compliance/attendance.py reads them.

    Only the latest version of each month saved by `as_of` counts. Staff and stations are ids, never names.
    """
    station_of = inputs.station_of
    rows = []
    for sheet in inputs.sheets.values():
        for staff_id, codes in sorted(sheet.marks.items()):
            if int(staff_id) in station_of:
                rows.append({"id": f"{sheet.id}:{staff_id}", "station": str(station_of[int(staff_id)]),
                             "staff": staff_id, "month": sheet.month, "days": _days_worked(sheet.marks, int(staff_id))})
    return {"stations": [{"id": str(s)} for s in inputs.stations], "attendance": rows}


_ANNUAL_BY_YEAR = ("jindong-2021",)  # seed 001 第七条: evaluated once a year; the period is the year


def _period_scores(contract: Contract, as_of: datetime, inputs: RuleInputs) -> list[dict]:
    """Every cycle's approval in force, as the consequences rules read it: seed 002 with the day it was
    assessed and the day a rectification of it was accepted; seed 001 by year with its veto."""
    rectified: dict[int, date] = {}
    for notice in inputs.notices:
        if notice.state == "rectified" and notice.approval_id and notice.closed_at:
            day = shanghai_day(notice.closed_at)
            rectified[notice.approval_id] = min(day, rectified.get(notice.approval_id, day))
    rows = []
    for cycle in cycles(contract):
        sheet_id, state = inputs.sheet_of_cycle.get(cycle.id, (None, None))
        approval = inputs.approvals.get(sheet_id) if state == "approved" else None
        if approval is None or approval.approved_at > as_of:
            continue
        row = {"id": str(approval.id), "score": str(approval.total)}
        if contract.scheme_id in _ANNUAL_BY_YEAR:
            row.update(period=str(cycle.end.year), vetoed=bool(approval.figures.get("vetoes")))
        else:
            row.update(period=cycle.id, assessed_on=shanghai_day(approval.approved_at).isoformat())
            if approval.id in rectified:
                row["rectification_passed_on"] = rectified[approval.id].isoformat()
        rows.append(row)
    return rows


# --- one cycle's score sheet input --------------------------------------------------------------------

# seed 000 年底报送工作总结: the rule reports a missing summary; the scheme asks whether it was submitted.
_INVERTED_FLAGS = {"deadlines.annual_summary_missing": "year_end_summary_submitted"}


@dataclass
class SheetFacts:
    facts: dict = field(default_factory=dict)  # fact key -> value, as rules.scoring reads it
    sources: dict = field(default_factory=dict)  # fact key -> "reports" | "violations" | "findings…" | "credit grades"
    violations_by_fact: dict = field(default_factory=dict)  # fact key -> [Violation]
    findings_by_fact: dict = field(default_factory=dict)  # fact key -> [Finding]


@dataclass
class ContractRows:
    """What `sheet_facts` reads of one contract, when a page reads it for several contracts at once."""
    submissions: list = field(default_factory=list)  # not returned, by version
    violations: list = field(default_factory=list)  # by id
    findings: list = field(default_factory=list)  # standing (finding, effect) pairs, by date
    grades: list = field(default_factory=list)  # the operator's credit grades, by date


def rows_of(contracts: list[Contract]) -> dict[int, ContractRows]:
    """`sheet_facts`' rows of several contracts in four queries, whatever their number."""
    session = get_session()
    ids = [c.id for c in contracts]
    out = {i: ContractRows() for i in ids}
    if not ids:
        return out
    for s in session.exec(select(Submission).where(Submission.contract_id.in_(ids), Submission.state != "returned")
                          .order_by(Submission.version)):
        out[s.contract_id].submissions.append(s)
    for v in session.exec(select(Violation).where(Violation.contract_id.in_(ids)).order_by(Violation.id)):
        out[v.contract_id].violations.append(v)
    for contract_id, pairs in findings.standing_effects(ids).items():
        out[contract_id].findings = pairs
    grades: dict[int, list] = defaultdict(list)
    for g in session.exec(select(CreditGrade).where(CreditGrade.operator_id.in_({c.operator_id for c in contracts}))
                          .order_by(CreditGrade.given_on, CreditGrade.id)):
        grades[g.operator_id].append(g)
    for c in contracts:
        out[c.id].grades = grades[c.operator_id]
    return out


def sheet_facts(contract: Contract, cycle: Cycle, rows: ContractRows | None = None) -> SheetFacts:
    """What the data says for the cycle's sheet (the bureau's entries are added by portal/assessment);
    `rows` = the contract's rows if already read (`rows_of`)."""
    session = get_session()
    scheme = cycle_scheme(contract, cycle)
    facts: dict = {}
    sources: dict = {}

    # Reports: the latest version not returned for changes, of every instance due by the cycle's end.
    due_by_end = {o.key for o in reporting.calendar(contract) if o.period.end <= cycle.end}
    latest: dict[tuple[str, str], Submission] = {}
    for s in (rows.submissions if rows else session.exec(
            select(Submission).where(Submission.contract_id == contract.id, Submission.state != "returned")
            .order_by(Submission.version))):
        if f"{s.obligation_key}:{s.period_key}" in due_by_end:
            latest[(s.obligation_key, s.period_key)] = s
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for s in latest.values():
        for key, value in s.figures.items():
            if key in scheme.facts:
                totals[key] += Decimal(value)
    for key, value in totals.items():
        facts[key], sources[key] = value, "reports"

    # Violations within the cycle, counted per fact they feed (waived and rectified ones do not count).
    by_fact: dict[str, list[Violation]] = defaultdict(list)
    for v in (rows.violations if rows else
              session.exec(select(Violation).where(Violation.contract_id == contract.id).order_by(Violation.id))):
        if not v.counts_against_score or not cycle.start <= v.falls_on <= cycle.end:
            continue
        if v.rule_id in _INVERTED_FLAGS and _INVERTED_FLAGS[v.rule_id] in scheme.facts:
            by_fact[_INVERTED_FLAGS[v.rule_id]].append(v)
        elif v.scheme_fact in scheme.facts and scheme.facts[v.scheme_fact].kind == "count" and v.kind == "violation":
            by_fact[v.scheme_fact].append(v)
    for key, found in by_fact.items():
        if scheme.facts[key].kind == "bool":
            facts[key] = False
        else:
            facts[key] = Decimal(len(found))
        sources[key] = "violations"

    # The bureau's findings in the cycle (spot checks, complaints, incidents, surveys): what people saw
    # wins over reports and violations for the same fact, and the source says what it replaced.
    from_findings = findings.facts_for_cycle(contract, cycle.start, cycle.end, rows=rows.findings if rows else None)
    for key, value in from_findings.facts.items():
        replaced = sources.get(key)
        facts[key], sources[key] = value, f"findings over {replaced}" if replaced else "findings"

    # Credit grades in force at the cycle's end (seed 004 负面影响).
    if rows:
        grades = [g for g in rows.grades if g.given_on <= cycle.end]
    else:
        grades = session.exec(select(CreditGrade).where(CreditGrade.operator_id == contract.operator_id,
                                                        CreditGrade.given_on <= cycle.end)
                              .order_by(CreditGrade.given_on, CreditGrade.id)).all()
    for kind, key in (("hr_service", "hr_credit_grade"), ("labour_dispatch", "labour_credit_grade")):
        current = [g for g in grades if g.kind == kind]
        if current and key in scheme.facts:
            facts[key], sources[key] = current[-1].grade, "credit grades"

    return SheetFacts(facts, sources, dict(by_fact), from_findings.by_fact)
