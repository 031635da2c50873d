"""The projected score sheet of a contract's cycle, from what the database knows so far.

Facts come from two places: the figures in the operator's reports (cumulative counts, summed from the
contract's start to the end of the cycle, as the schemes count them: 累计) and the stored violations
(each open or acknowledged violation counts once towards the scheme fact its rule feeds, within the
cycle). What only people can know stays missing, and the sheet says so: it is never taken as zero.
"""
from __future__ import annotations

import calendar as _calendar
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlmodel import select

from portal.compliance.models import Violation
from portal.contracts.models import Contract
from portal.db import get_session
from portal.organisations.models import CreditGrade
from portal.reporting.models import Submission
from portal.reporting.services import calendar
from rules.schemes import load_scheme
from rules.scoring import ScoreSheet, score


@dataclass(frozen=True)
class Cycle:
    id: str
    label: str
    start: date
    end: date  # inclusive


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, _calendar.monthrange(year, month + 1)[1]))


def cycles(contract: Contract) -> list[Cycle]:
    """The scheme's cycles laid on the contract's term, one after another (the last ends with the term)."""
    from datetime import timedelta

    scheme = load_scheme(contract.scheme_id)
    out, start = [], contract.starts_on
    for n, cycle in enumerate(scheme.cycles):
        last = n == len(scheme.cycles) - 1
        end = contract.ends_on if last or not cycle.months else _add_months(start, cycle.months) - timedelta(days=1)
        out.append(Cycle(cycle.id, cycle.label, start, min(end, contract.ends_on)))
        start = end + timedelta(days=1)
    return out


def current_cycle(contract: Contract, today: date) -> Cycle:
    all_cycles = cycles(contract)
    return next((c for c in all_cycles if c.start <= today <= c.end), all_cycles[-1 if today > contract.ends_on else 0])


def _period_end(period: str) -> date | None:
    """The last day of a violation's period: "2024-Q2", "2024-06", "2024" (None if it has none)."""
    if match := re.fullmatch(r"(\d{4})-Q([1-4])", period):
        year, quarter = int(match[1]), int(match[2])
        return date(year, 3 * quarter, _calendar.monthrange(year, 3 * quarter)[1])
    if match := re.fullmatch(r"(\d{4})-(0[1-9]|1[0-2])", period):
        year, month = int(match[1]), int(match[2])
        return date(year, month, _calendar.monthrange(year, month)[1])
    if re.fullmatch(r"\d{4}", period):
        return date(int(period), 12, 31)
    return None


def _violation_day(violation: Violation) -> date:
    """Where a violation falls: the end of its period, else the day the rules first found it."""
    from zoneinfo import ZoneInfo

    return _period_end(violation.period) or violation.first_found_at.astimezone(ZoneInfo("Asia/Shanghai")).date()


@dataclass
class Projection:
    contract: Contract
    cycle: Cycle
    sheet: ScoreSheet
    facts: dict
    sources: dict = field(default_factory=dict)  # fact key -> "reports" | "violations" | "credit grades"
    violations_by_fact: dict = field(default_factory=dict)  # fact key -> [Violation]
    fact_meanings: dict = field(default_factory=dict)  # fact key -> the scheme's wording (Chinese part)
    findings_by_fact: dict = field(default_factory=dict)  # fact key -> [Finding] (portal/findings)

    @property
    def leaf_lines(self) -> list:
        parents = {line.path.rsplit("/", 1)[0] for line in self.sheet.lines if "/" in line.path}
        return [line for line in self.sheet.lines if line.path not in parents]

    @property
    def scored_lines(self) -> int:
        return sum(1 for line in self.leaf_lines if not line.missing)

    @property
    def points_lost_so_far(self) -> Decimal:
        """What the lines that can be scored now have lost against their maximum, on the data so far."""
        return sum((line.max - line.points for line in self.leaf_lines
                    if not line.missing and line.max is not None and line.points < line.max), Decimal(0))


# seed 000 年底报送工作总结: the rule reports a missing summary; the scheme asks whether it was submitted.
_INVERTED_FLAGS = {"deadlines.annual_summary_missing": "year_end_summary_submitted"}


def project(contract: Contract, cycle: Cycle) -> Projection:
    session = get_session()
    scheme = load_scheme(contract.scheme_id)
    facts: dict = {}
    sources: dict = {}

    # Reports: the latest version not returned for changes, of every instance due by the cycle's end.
    due_by_end = {o.key for o in calendar(contract) if o.period.end <= cycle.end}
    latest: dict[tuple[str, str], Submission] = {}
    for s in session.exec(select(Submission).where(Submission.contract_id == contract.id,
                                                   Submission.state != "returned").order_by(Submission.version)):
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
    for v in session.exec(select(Violation).where(Violation.contract_id == contract.id).order_by(Violation.id)):
        if not v.counts_against_score or not cycle.start <= _violation_day(v) <= cycle.end:
            continue
        if v.rule_id in _INVERTED_FLAGS:
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
    from portal.findings.services import facts_for_cycle

    from_findings = facts_for_cycle(contract, cycle.start, cycle.end)
    for key, value in from_findings.facts.items():
        replaced = sources.get(key)
        facts[key], sources[key] = value, f"findings over {replaced}" if replaced else "findings"

    # Credit grades in force at the cycle's end (seed 004 负面影响).
    grades = session.exec(select(CreditGrade).where(CreditGrade.operator_id == contract.operator_id,
                                                    CreditGrade.given_on <= cycle.end)
                          .order_by(CreditGrade.given_on, CreditGrade.id)).all()
    for kind, key in (("hr_service", "hr_credit_grade"), ("labour_dispatch", "labour_credit_grade")):
        current = [g for g in grades if g.kind == kind]
        if current and key in scheme.facts:
            facts[key], sources[key] = current[-1].grade, "credit grades"

    sheet = score(scheme, facts)
    meanings = {key: spec.meaning.split(" / ")[0] for key, spec in scheme.facts.items()}
    return Projection(contract, cycle, sheet, facts, sources, dict(by_fact), meanings,
                      findings_by_fact=from_findings.by_fact)
