"""Recording findings, and what they mean for the score sheet and the compliance rules.

facts_for_cycle() turns a contract's findings in a cycle into scheme facts (counts summed, the latest
value of a flag, percentage or figure); compliance_facts() gives the rules the complaints, incidents and
disputes (rules/compliance/README.md); fact_rules() says what each fact costs under the scheme, for the
form. Every write is audited and re-runs the contract's rules, as a submission does.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask import url_for
from sqlmodel import select

from portal.audit import services as audit
from portal.contracts.models import Contract, ContractStation, Station
from portal import explain
from portal.db import get_session, utcnow
from portal.findings.models import EFFECT_KINDS, Finding, FindingEffect, IllegalFindingChange, fact_value
from portal.schemes.services import scheme_for
from rules.scoring.model import Condition, FactSpec, Scheme


# --- what the findings say, for the sheet and the rules -------------------------------------------

@dataclass
class FindingFacts:
    facts: dict = field(default_factory=dict)  # fact key -> int (counts) | bool | Decimal
    sources: dict = field(default_factory=dict)  # fact key -> "findings"
    by_fact: dict = field(default_factory=dict)  # fact key -> [Finding], in date order


def _counting(contract_id: int, start: date, end: date, exclude: int | None = None):
    session = get_session()
    query = (select(Finding, FindingEffect).join(FindingEffect, FindingEffect.finding_id == Finding.id)
             .where(Finding.contract_id == contract_id, Finding.status == "recorded",
                    Finding.found_on >= start, Finding.found_on <= end)
             .order_by(Finding.found_on, Finding.id))
    if exclude is not None:
        query = query.where(Finding.id != exclude)
    return session.exec(query).all()


def _fold(scheme: Scheme, rows, extra: list[FindingEffect] = ()) -> FindingFacts:
    out = FindingFacts()
    by_fact: dict[str, list[Finding]] = defaultdict(list)
    for finding, effect in list(rows) + [(None, e) for e in extra]:
        spec = scheme.facts.get(effect.fact_key)
        if spec is None or spec.kind not in EFFECT_KINDS:
            continue  # a fact the scheme no longer has, or changed kind: it says nothing now
        if spec.kind == "count":
            out.facts[effect.fact_key] = out.facts.get(effect.fact_key, 0) + int(effect.value)
        else:  # rows come in date order: the latest in the cycle wins
            out.facts[effect.fact_key] = fact_value(spec.kind, effect.value)
        out.sources[effect.fact_key] = "findings"
        if finding is not None and finding not in by_fact[effect.fact_key]:
            by_fact[effect.fact_key].append(finding)
    out.by_fact = dict(by_fact)
    return out


def facts_for_cycle(contract: Contract, start: date, end: date, *, rows=None) -> FindingFacts:
    """The scheme facts the contract's standing findings dated start..end (inclusive) establish; `rows` are
    its (finding, effect) pairs if already read (`standing_effects`), in date order."""
    if rows is None:
        rows = _counting(contract.id, start, end)
    else:
        rows = [(f, e) for f, e in rows if start <= f.found_on <= end]
    return _fold(scheme_for(contract.scheme_id, start), rows)  # the version scoring a cycle starting then


def standing_effects(contract_ids: list[int]) -> dict[int, list]:
    """Every standing finding's effects of several contracts in one query, in date order (a page that
    projects several sheets reads them once)."""
    out: dict[int, list] = {i: [] for i in contract_ids}
    if contract_ids:
        for finding, effect in get_session().exec(
                select(Finding, FindingEffect).join(FindingEffect, FindingEffect.finding_id == Finding.id)
                .where(Finding.contract_id.in_(contract_ids), Finding.status == "recorded")
                .order_by(Finding.found_on, Finding.id)):
            out[finding.contract_id].append((finding, effect))
    return out


# --- what a fact costs under the scheme, shown where the fact is chosen ---------------------------

@dataclass
class FactUse:
    path: str
    title: str
    max: Decimal | None
    clause: str
    each: list = field(default_factory=list)  # [(label, points per occurrence)]
    tiers: list = field(default_factory=list)  # [(band text, points, label)]


@dataclass
class FactRule:
    spec: FactSpec
    uses: list = field(default_factory=list)  # [FactUse]
    vetoes: list = field(default_factory=list)  # [(label, effect, condition text, clause)]

    @property
    def key(self) -> str:
        return self.spec.key

    @property
    def meaning(self) -> str:
        return explain.reader_half(self.spec.meaning)

    @property
    def cost(self) -> str:
        """The points in short, for the option's label: "−0.1/次", "≤50%→0, …"."""
        parts = [f"−{points}/{self.spec.unit or '次'}" for use in self.uses for _, points in use.each]
        parts += [f"{text}→{points}" for use in self.uses for text, points, _ in use.tiers]
        parts += [f"{effect}: {cond}" for _, effect, cond, _ in self.vetoes]
        return "；".join(parts)


def _roots(scheme: Scheme, key: str) -> set[str]:
    """The supplied facts a fact or derived fact is computed from."""
    if key in scheme.facts:
        return {key}
    derived = scheme.derived.get(key)
    if derived is None:
        return set()
    return set().union(*(_roots(scheme, a) for a in derived.args if isinstance(a, str))) if derived.args else set()


def _condition_roots(scheme: Scheme, conds: tuple[Condition, ...]) -> set[str]:
    return set().union(*(_roots(scheme, c.fact) for c in conds)) if conds else set()


def _node_roots(scheme: Scheme, node) -> set[str]:
    p, keys = node.params, _condition_roots(scheme, node.requires)
    if node.method == "checklist":
        for entry in p["entries"]:
            keys |= _condition_roots(scheme, entry.when)
    elif node.method == "deductions":
        for e in p["deductions"]:
            keys |= _roots(scheme, e.fact) if e.fact else _condition_roots(scheme, e.when)
            if isinstance(e.target, str):
                keys |= _roots(scheme, e.target)
    elif node.method == "rank":
        keys |= _roots(scheme, p["fact"]) | _condition_roots(scheme, p["eligible"])
    elif node.method != "fixed":
        keys |= _roots(scheme, p["fact"])
    return keys


def fact_rules(scheme: Scheme) -> dict[str, FactRule]:
    """Every fact a finding may set (count, bool, percent, number), with the items and vetoes it feeds."""
    rules = {key: FactRule(spec) for key, spec in scheme.facts.items() if spec.kind in EFFECT_KINDS}
    for node in scheme.leaves():
        for key in _node_roots(scheme, node) & rules.keys():
            use = FactUse(node.path, node.title, node.max, node.clause)
            if node.method == "deductions":
                use.each = [(e.label, e.each) for e in node.params["deductions"]
                            if e.kind == "each" and e.fact == key]
            elif node.method == "tiers" and node.params["fact"] == key:
                use.tiers = [(t.describe(), t.value, t.label) for t in node.params["tiers"]]
                use.tiers.append((explain.OTHERWISE, node.params["otherwise"], ""))
            rules[key].uses.append(use)
    for veto in scheme.vetoes:
        for key in _condition_roots(scheme, veto.when) & rules.keys():
            rules[key].vetoes.append((veto.label or veto.id, explain.veto_effect(veto.effect),
                                      explain.conditions(veto.when, scheme.id), veto.clause))
    return rules


# --- reading ------------------------------------------------------------------------------------

def stations_of(contract: Contract) -> list[Station]:
    return list(get_session().exec(select(Station).join(ContractStation, ContractStation.station_id == Station.id)
                                   .where(ContractStation.contract_id == contract.id).order_by(Station.id)))


def effects_of(finding_ids: list[int]) -> dict[int, list[FindingEffect]]:
    out: dict[int, list[FindingEffect]] = defaultdict(list)
    if finding_ids:
        for effect in get_session().exec(select(FindingEffect).where(FindingEffect.finding_id.in_(finding_ids))
                                         .order_by(FindingEffect.id)):
            out[effect.finding_id].append(effect)
    return out


def check_cycle_totals(contract: Contract, found_on: date, effects: list[FindingEffect],
                       exclude: int | None = None) -> None:
    """The cycle's facts with these effects added must still be valid for the scheme (ranges, sums,
    one figure never above another); raises rules.scoring.FactsError naming the fact."""
    from portal.cycles.services import cycles

    cycle = next((c for c in cycles(contract) if c.start <= found_on <= c.end), None)
    if cycle is None:
        return
    scheme = scheme_for(contract.scheme_id, cycle.start)
    folded = _fold(scheme, _counting(contract.id, cycle.start, cycle.end, exclude), effects)
    scheme.validate_facts(folded.facts)


# --- writing ------------------------------------------------------------------------------------

def _snapshot(finding: Finding, effects: list[FindingEffect]) -> dict:
    """The finding and its effects as one audit record (people's names are bureau staff, not residents)."""
    data = audit.snapshot(finding)
    data["effects"] = [{"fact_key": e.fact_key, "fact_kind": e.fact_kind, "value": str(e.value), "reason": e.reason}
                       for e in effects]
    return data


_FIELDS = ("kind", "found_on", "station_id", "description", "people", "verified", "serious", "collective", "outcome")


def _apply(finding: Finding, data: dict) -> None:
    for name in _FIELDS:
        setattr(finding, name, data[name])
    # Flags that do not belong to the kind are kept at their defaults, so the rules never misread them.
    if finding.kind != "complaint":
        finding.verified = True
    if finding.kind not in ("complaint", "incident"):
        finding.serious = False
    if finding.kind != "dispute":
        finding.collective, finding.outcome = False, ""


def _replace_effects(finding: Finding, effects: list[dict]) -> list[FindingEffect]:
    session = get_session()
    for old in session.exec(select(FindingEffect).where(FindingEffect.finding_id == finding.id)):
        session.delete(old)
    session.flush()
    made = [FindingEffect(finding_id=finding.id, **e) for e in effects]
    session.add_all(made)
    return made


def _after_change(contract: Contract) -> None:
    from portal import jobs

    jobs.after_commit("rules", contract.id)  # a complaint or incident shows as a violation at once


def _notify(contract: Contract, finding: Finding, subject: str) -> None:
    from portal.notifications.services import notify, recipients

    notify(recipients(contract, bureau_too=False), contract=contract, kind="finding",
           dedup_key=f"finding|{finding.id}|{finding.status}", subject=subject[:300],
           body=f"{finding.found_on.isoformat()} {finding.description}"[:4000],
           link=url_for("findings.show_finding", finding_id=finding.id))


def _refuse_if_locked(contract_id: int, *days: date) -> None:
    """An approved cycle is locked for the bureau's findings too (issue #6 §4): new, moved in or moved out."""
    from portal.cycles.services import lock_reason

    for day in dict.fromkeys(days):
        if locked := lock_reason(contract_id, day):
            raise IllegalFindingChange(locked)


def record_finding(contract: Contract, data: dict, effects: list[dict], user) -> Finding:
    _refuse_if_locked(contract.id, data["found_on"])
    session = get_session()
    finding = Finding(contract_id=contract.id, bureau_id=contract.bureau_id, operator_id=contract.operator_id,
                      recorded_by_id=user.id, **{k: data[k] for k in ("kind", "found_on", "description")})
    _apply(finding, data)
    session.add(finding)
    session.flush()
    made = _replace_effects(finding, effects)
    audit.record("record_finding", finding, after=_snapshot(finding, made), reason=finding.description[:1000])
    _notify(contract, finding, f"【考核】{contract.number}：人社局记录了{finding.found_on.isoformat()}的检查发现 / "
                               f"the bureau recorded a finding")
    session.commit()
    _after_change(contract)
    return finding


def edit_finding(finding: Finding, data: dict, effects: list[dict], reason: str, user) -> Finding:
    finding.ensure_editable()
    _refuse_if_locked(finding.contract_id, finding.found_on, data.get("found_on", finding.found_on))
    session = get_session()
    before = _snapshot(finding, effects_of([finding.id])[finding.id])
    _apply(finding, data)
    finding.updated_at = utcnow()
    made = _replace_effects(finding, effects)
    audit.record("edit_finding", finding, before=before, after=_snapshot(finding, made), reason=reason)
    session.commit()
    _after_change(session.get(Contract, finding.contract_id))
    return finding


def withdraw_finding(finding: Finding, reason: str, user) -> Finding:
    _refuse_if_locked(finding.contract_id, finding.found_on)
    session = get_session()
    before = _snapshot(finding, effects_of([finding.id])[finding.id])
    finding.withdraw(user.id, reason)
    audit.record("withdraw_finding", finding, before=before,
                 after=_snapshot(finding, effects_of([finding.id])[finding.id]), reason=finding.withdrawn_reason)
    contract = session.get(Contract, finding.contract_id)
    _notify(contract, finding, f"【考核】{contract.number}：人社局撤回了{finding.found_on.isoformat()}的检查发现 / "
                               f"the bureau withdrew a finding")
    session.commit()
    _after_change(contract)
    return finding
