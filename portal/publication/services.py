"""Publishing results (公示), the notice period, objections and their answers, and what the public reads.

The public reads published snapshots only: every public page, file and chart is built from
`Publication` and `PublishedResult` rows (and the status and answer of objections), never from live
contracts, sheets or submissions. A snapshot is taken once, when the approver publishes.
"""
from __future__ import annotations

import csv
import functools
import io
import weakref
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from time import monotonic
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.orm import Session, object_session
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from portal import privacy
from portal.ledgers.cells import neutral
from portal.activities import services as activities
from portal.assessment import services as assessment
from portal.cycles import services as cycle_services
from portal.cycles.models import AssessmentSheet, SheetApproval
from portal.audit import services as audit
from portal.contracts.models import Contract
from portal.contracts.services import stations_of
from portal.db import get_engine, get_session, lock_row, utcnow
from portal.i18n import N_
from portal.organisations.models import Bureau, Operator
from portal.publication.models import IllegalObjection, Objection, Publication, PublishedResult
from portal.schemes.services import approval_scheme
from rules.scoring import competition_ranks, score_cohort
from rules.workdays import add_working_days

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEFAULT_NOTICE_DAYS = 5  # issue #7: a notice period of 5 working days unless the approver sets another


class PublishRefused(Exception):
    """Publishing is not possible now; the message says why."""


def local_day(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


def version_effective_day(version: str) -> date | None:
    """The effective day a stored version text names ("<id> (<number>, effective <date>)"), or None."""
    import re

    m = re.search(r"effective (\d{4}-\d{2}-\d{2})\)$", version or "")
    return date.fromisoformat(m.group(1)) if m else None


# -- personal data never goes public ------------------------------------------------------------------

def _public_text(text: str, what: tuple[str, str], bureau_id: int | None) -> str:
    """Free text that will be shown to the public: refused if it carries an ID or phone number or the name of
    a person (portal.privacy: the one normaliser for every public text). `what`: the text's name, zh and en."""
    text = (text or "").strip()
    if text and (hits := privacy.personal_data_in(text, privacy.known_names(bureau_id))):
        raise PublishRefused(f"{what[0]}将公开，不得包含身份证号、手机号或人名（发现{privacy.describe(hits)}） / "
                             f"the {what[1]} is public: no ID numbers, phone numbers or names of people "
                             f"(found {privacy.describe_en(hits)})")
    return text


# -- what can be published ----------------------------------------------------------------------------

@dataclass
class Candidate:
    """One contract of a bureau+scheme+cycle with its sheet state and the approval in force."""

    contract: Contract
    operator: Operator
    cycle: assessment.Cycle
    approval: SheetApproval | None
    sheet_state: str | None


@dataclass
class CycleGroup:
    scheme_id: str
    cycle_id: str
    cycle_label: str
    candidates: list[Candidate] = field(default_factory=list)
    latest: Publication | None = None

    @property
    def approved(self) -> int:
        return sum(1 for c in self.candidates if c.approval is not None)


def candidates(bureau_id: int, scheme_id: str, cycle_id: str) -> list[Candidate]:
    return _candidates(bureau_id, scheme_id).get((scheme_id, cycle_id), [])


def _candidates(bureau_id: int, scheme_id: str | None = None) -> dict[tuple[str, str], list[Candidate]]:
    """The candidates of every scheme+cycle of the bureau's contracts (of one scheme if given), in four
    queries whatever the number of contracts: the contracts, their sheets, the approvals in force, the
    operators."""
    session = get_session()
    query = select(Contract).where(Contract.bureau_id == bureau_id).order_by(Contract.id)
    if scheme_id is not None:
        query = query.where(Contract.scheme_id == scheme_id)
    contracts = session.exec(query).all()
    out: dict[tuple[str, str], list[Candidate]] = {}
    if not contracts:
        return out
    ids = [c.id for c in contracts]
    sheets = {(s.contract_id, s.cycle_id): s for s in session.exec(
        select(AssessmentSheet).where(AssessmentSheet.contract_id.in_(ids)))}
    approved = [s.id for s in sheets.values() if s.state == "approved"]
    approvals: dict[int, SheetApproval] = {}
    if approved:
        for a in session.exec(select(SheetApproval).where(SheetApproval.sheet_id.in_(approved))
                              .order_by(SheetApproval.number)):
            approvals[a.sheet_id] = a  # the highest number wins: the approval in force
    operators = {o.id: o for o in session.exec(select(Operator).where(
        Operator.id.in_({c.operator_id for c in contracts})))}
    for contract in contracts:
        for cycle in cycle_services.cycles(contract):
            sheet = sheets.get((contract.id, cycle.id))
            out.setdefault((contract.scheme_id, cycle.id), []).append(Candidate(
                contract, operators[contract.operator_id], cycle, approvals.get(sheet.id) if sheet else None,
                sheet.state if sheet else None))
    return out


def cycle_groups(bureau_id: int) -> list[CycleGroup]:
    """Every scheme+cycle of the bureau's contracts, with how many are approved and the latest publication
    (five queries whatever the number of contracts and cycles)."""
    groups: dict[tuple[str, str], CycleGroup] = {}
    for (scheme_id, cycle_id), found in _candidates(bureau_id).items():
        groups[(scheme_id, cycle_id)] = CycleGroup(scheme_id, cycle_id, found[0].cycle.label, found)
    latest: dict[tuple[str, str], Publication] = {}
    for p in get_session().exec(select(Publication).where(Publication.bureau_id == bureau_id)
                                .order_by(Publication.version)):
        latest[(p.scheme_id, p.cycle_id)] = p
    for key, group in groups.items():
        group.latest = latest.get(key)
    return list(groups.values())


def latest_version(bureau_id: int, scheme_id: str, cycle_id: str) -> Publication | None:
    return get_session().exec(select(Publication).where(
        Publication.bureau_id == bureau_id, Publication.scheme_id == scheme_id, Publication.cycle_id == cycle_id)
        .order_by(Publication.version.desc())).first()


def _ranks_and_grades(schemes: dict, approvals: dict[int, SheetApproval]) -> dict[int, tuple[int | None, str | None]]:
    """Rank and grade of each contract among those published, from the frozen facts (`schemes`: sha256 -> the
    version each approval froze).

    Where the scheme ranks (seed 004: rank-based points and grades by quota) the cohort is scored again from
    the approvals' facts; otherwise the published totals are ranked, ties sharing the better rank (DOMAIN.md
    §6.4: 1, 1, 3), and the grade is what the approval says (none, for schemes without grades). A cohort is
    scored by one rubric: approvals frozen under different versions of a ranking scheme are not published
    together (the bureau publishes each version's contracts, leaving the others out with the reason)."""
    def ranks_by(scheme) -> bool:
        return scheme.grades is not None or any(leaf.method == "rank" for leaf in scheme.leaves())

    if any(ranks_by(s) for s in schemes.values()):
        if len(schemes) > 1:
            used = "、".join(sorted({a.scheme_version for a in approvals.values()}))
            raise PublishRefused(
                f"所选审批结果按不同版本的考核细则评分（{used}），而该细则按名次或比例评定等次，不能排在同一名次表中；"
                "不能合并排名：请只公示按同一版本评分的合同，其余合同写明不公示的理由 / the approvals were scored by "
                "different versions of a ranking scheme: publish the contracts of one version, leave the others out "
                "with the reason")
        scheme = next(iter(schemes.values()))
        cohort = score_cohort(scheme, {str(cid): dict(a.facts) for cid, a in approvals.items()})
        return {cid: (cohort.sheets[str(cid)].rank, cohort.sheets[str(cid)].grade) for cid in approvals}
    ranks = competition_ranks({cid: Decimal(a.total) for cid, a in approvals.items()})
    return {cid: (ranks[cid], a.figures.get("grade")) for cid, a in approvals.items()}


def _lines(figures: dict) -> list[dict]:
    # Points only: explanations can quote a reviewer's reasons, which are not for the public.
    return [{"path": i["path"], "title": i["title"], "level": i["level"], "kind": i["kind"], "max": i["max"],
             "points": i["points"], "clause": i["clause"]} for i in figures.get("items", [])]


def _timeliness(contract: Contract, cycle: assessment.Cycle, now: datetime) -> dict:
    """The reporting-timeliness grid of the cycle (obligations × months), frozen at publishing."""
    from portal.reporting.services import entries, grid

    within = [e for e in entries(contract, now=now) if cycle.start <= e.obligation.period.end <= cycle.end]
    months, specs, cells = grid(within)
    rows = [{"key": spec.key, "label": spec.label, "label_en": spec.label_en,
             "cells": {m: cells[(spec.key, m)].status for m in months if (spec.key, m) in cells}} for spec in specs]
    return {"months": months, "rows": rows}


_COMPARED = ("total", "passed", "band", "grade", "rank")


def _value(row: PublishedResult, name: str):
    value = getattr(row, name)
    return str(value) if isinstance(value, Decimal) else value


def diff(before: list[PublishedResult], after: list[PublishedResult]) -> list[dict]:
    """What a corrected version changes against the previous one, per operator and figure."""
    old = {r.contract_id: r for r in before}
    new = {r.contract_id: r for r in after}
    changes = []
    for cid in sorted(set(old) | set(new)):
        name = (new.get(cid) or old.get(cid)).operator_name
        if cid not in old:
            changes.append({"operator": name, "field": "row", "before": None, "after": "added"})
        elif cid not in new:
            changes.append({"operator": name, "field": "row", "before": "present", "after": None})
        else:
            for f in _COMPARED:
                if _value(old[cid], f) != _value(new[cid], f):
                    changes.append({"operator": name, "field": f, "before": _value(old[cid], f),
                                    "after": _value(new[cid], f)})
            old_lines = {line["path"]: line["points"] for line in old[cid].lines}
            for line in new[cid].lines:
                if old_lines.get(line["path"]) != line["points"]:
                    changes.append({"operator": name, "field": f"line:{line['path']}", "title": line["title"],
                                    "before": old_lines.get(line["path"]), "after": line["points"]})
    return changes


def publish(bureau: Bureau, scheme_id: str, cycle_id: str, user, *, notice_days: int = DEFAULT_NOTICE_DAYS,
            left_out: dict[int, str] | None = None, change_note: str = "", now: datetime | None = None) -> Publication:
    """The approver publishes the cycle's approved results: a frozen snapshot with a notice period.

    Every contract of the bureau+scheme+cycle must be approved, or be left out with a stated reason. A
    cycle already published can only be corrected: a new version, with the reason and the changes."""
    session = get_session()
    now = now or utcnow()
    left_out = {int(k): (v or "").strip() for k, v in (left_out or {}).items()}
    if not 1 <= int(notice_days) <= 30:
        raise PublishRefused("公示期须为1至30个工作日 / the notice period is 1 to 30 working days")
    group = candidates(bureau.id, scheme_id, cycle_id)
    if not group:
        raise PublishRefused("该周期没有合同 / no contract has this cycle")
    unexplained = [c.contract.number for c in group if c.approval is None and not left_out.get(c.contract.id)]
    if unexplained:
        raise PublishRefused("以下合同的考核尚未审批，须审批后公示或写明不公示的理由：" + "、".join(unexplained)
                             + " / these contracts are not approved: approve them or say why they are left out")
    included = [c for c in group if c.approval is not None and c.contract.id not in left_out]
    if not included:
        raise PublishRefused("没有可公示的已审批结果 / no approved result to publish")
    previous = latest_version(bureau.id, scheme_id, cycle_id)
    note = _public_text(change_note, ("更正说明", "correction note"), bureau.id)
    if previous is not None and not note:
        raise PublishRefused("该周期已公示；更正须写明理由 / already published: a correction needs its reason")
    # the versions the approvals froze: one, or several where the cycles start on either side of an amendment
    frozen = {c.approval.scheme_sha256: approval_scheme(c.approval) for c in included}
    used = sorted({c.approval.scheme_sha256: c.approval.scheme_version for c in included}.items(),
                  key=lambda item: (frozen[item[0]].effective_date, item[1]))
    versions = list(dict.fromkeys(version for _sha, version in used))
    cycle = included[0].cycle
    published_on = local_day(now)
    publication = Publication(
        bureau_id=bureau.id, bureau_name=bureau.name, scheme_id=scheme_id, scheme_versions=versions,
        scheme_version=versions[0], cycle_id=cycle_id, cycle_label=cycle.label,
        cycle_start=min(c.cycle.start for c in included), cycle_end=max(c.cycle.end for c in included),
        version=(previous.version + 1) if previous else 1, supersedes_id=previous.id if previous else None,
        change_note=note, notice_days=int(notice_days),
        objection_deadline=add_working_days(published_on, int(notice_days)), published_at=now,
        published_by_id=user.id,
        left_out=[{"operator": c.operator.name, "contract": c.contract.number,
                   "reason": _public_text(left_out[c.contract.id], ("不公示理由", "reason for leaving it out"),
                                             c.contract.bureau_id)}
                  for c in group if c.contract.id in left_out])
    ranks = _ranks_and_grades(frozen, {c.contract.id: c.approval for c in included})
    rows = []
    for c in included:
        figures = c.approval.figures
        band = figures.get("payment_band") or {}
        rank, grade = ranks[c.contract.id]
        rows.append(PublishedResult(
            bureau_id=bureau.id, operator_id=c.operator.id, contract_id=c.contract.id, approval_id=c.approval.id,
            scheme_version=c.approval.scheme_version, operator_name=c.operator.name,
            station_names=[s.name for s in stations_of(c.contract.id)],
            total=Decimal(c.approval.total), passed=c.approval.passed, band=band.get("label") or "",
            consequence=band.get("consequence") or "", grade=grade, rank=rank, lines=_lines(figures),
            timeliness=_timeliness(c.contract, c.cycle, now)))
    if previous is not None:
        publication.changes = diff(results_of(previous), rows)
        if not publication.changes:
            raise PublishRefused("与上一版相比没有任何变化，无需发布更正 / nothing changed against the previous version")
    session.add(publication)
    session.flush()
    for row in rows:
        row.publication_id = publication.id
        session.add(row)
    session.flush()
    if previous is not None:  # the upheld objections against the previous version are now corrected
        for objection in session.exec(select(Objection).where(Objection.publication_id == previous.id,
                                                              Objection.state == "upheld",
                                                              Objection.corrected_in_id.is_(None))):
            objection.corrected_in_id = publication.id
    audit.record("publish", publication, reason=(
        f"{publication.cycle_label} 第{publication.version}版 {len(rows)}家 公示期{notice_days}个工作日至"
        f"{publication.objection_deadline}" + (f"；更正理由：{note}" if note else "")))
    _notify_published(publication, rows)
    return publication


def _notify_published(publication: Publication, rows: list[PublishedResult]) -> None:
    from flask import url_for

    from portal.notifications.services import notify, recipients

    for row in rows:
        contract = get_session().get(Contract, row.contract_id)
        notify(recipients(contract, bureau_too=False), contract=contract, kind="review",
               dedup_key=f"published|{publication.id}|{row.id}",
               subject=f"【公示】{publication.cycle_label}考核结果已公示（第{publication.version}版）",
               # a line per language, so that notify() words each line's dates in its own (rules.dates)
               body=(f"总分 {row.total}。如有异议，请于{publication.objection_deadline}（含当日）前提出。\nThe result "
                     f"is published; objections until {publication.objection_deadline} (inclusive)."),
               link=url_for("publication.show_publication", publication_id=publication.id))


def results_of(publication: Publication) -> list[PublishedResult]:
    return list(get_session().exec(select(PublishedResult).where(PublishedResult.publication_id == publication.id)
                                   .order_by(PublishedResult.rank.is_(None), PublishedResult.rank,
                                             PublishedResult.operator_name)))


def versions_of(publication: Publication) -> list[Publication]:
    return list(get_session().exec(select(Publication).where(
        Publication.bureau_id == publication.bureau_id, Publication.scheme_id == publication.scheme_id,
        Publication.cycle_id == publication.cycle_id).order_by(Publication.version)))


def is_current(publication: Publication) -> bool:
    return versions_of(publication)[-1].id == publication.id


# -- the objection window -----------------------------------------------------------------------------

def window_open(publication: Publication, now: datetime | None = None) -> bool:
    """Objections are taken until the end of the deadline day, Asia/Shanghai (DOMAIN.md §6.3)."""
    return local_day(now or utcnow()) <= publication.objection_deadline


def objection_refusal(result: PublishedResult, user, now: datetime | None = None) -> str | None:
    """Why `user` may not object to `result` now (not its operator's, a corrected version, the notice
    period over), or None. The route asks first, so the refusal is said even where the form is gone."""
    publication = get_session().get(Publication, result.publication_id)
    if user.operator_id != result.operator_id:
        return "只能对本单位的结果提出异议 / only the operator assessed may object"
    if not is_current(publication):
        return "该版本已被更正，请对最新版本提出异议 / this version was corrected: object to the latest"
    if not window_open(publication, now):
        return (f"公示期已于{publication.objection_deadline}结束，不能再提出异议 / the notice period ended on "
                f"{publication.objection_deadline}")
    return None


def file_objection(result: PublishedResult, user, *, target: str, text: str, evidence: str = "",
                   files: list = (), now: datetime | None = None) -> Objection:
    """The operator objects to its result or to one line of it, once per target, within the window.

    `files` are evidence files (checked `EvidenceFile`s or browser uploads). This commits: the objection
    and its files are kept together, or nothing is. The contract's own state does not matter here (an
    objection concerns an approved, locked cycle, perhaps of a terminated contract): the notice period does.
    """
    session = get_session()
    publication = session.get(Publication, result.publication_id)
    if refusal := objection_refusal(result, user, now):
        raise IllegalObjection(refusal)
    target = (target or "").strip()
    line = result.line(target) if target else None
    if target and line is None:
        raise IllegalObjection("异议对象不是该结果中的评分项 / the target is not a line of this result")
    if not (text or "").strip():
        raise IllegalObjection("请写明异议内容 / state the objection")
    if session.exec(select(Objection.id).where(Objection.result_id == result.id, Objection.target == target)).first():
        raise IllegalObjection("对同一对象只能提出一次异议 / one objection per target")
    objection = Objection(result_id=result.id, publication_id=publication.id, bureau_id=result.bureau_id,
                          operator_id=result.operator_id, contract_id=result.contract_id, target=target,
                          target_title=line["title"] if line else "", text=text.strip(),
                          evidence=(evidence or "").strip(), filed_by_id=user.id, filed_at=now or utcnow())
    session.add(objection)
    try:
        session.flush()
    except IntegrityError:  # the same objection filed twice at once: uq_objection_target kept the first
        session.rollback()
        raise IllegalObjection("对同一对象只能提出一次异议 / one objection per target") from None
    audit.record("object", objection, reason=f"{publication.cycle_label} 第{publication.version}版 "
                 f"{objection.target_title or '总体结果'}" + (f"，证据文件{len(files)}份" if files else ""))
    _notify_objection(objection, publication)  # the hand-off: the bureau answers (in the same transaction)
    activities.commit_with_files(objection, list(files), user=user)
    return objection


def _notify_objection(objection: Objection, publication: Publication) -> int:
    """The bureau's reviewers and approvers are told an objection waits for an answer."""
    from portal.notifications.services import link, notify, recipients

    contract = get_session().get(Contract, objection.contract_id)
    bureau = [u for u in recipients(contract, bureau_too=True) if u.bureau_id == contract.bureau_id]
    return notify(bureau, contract=contract, kind="objection", dedup_key=f"objection|{objection.id}",
                  subject=f"【公示异议】{contract.number}：{publication.cycle_label} {objection.target_title or '总体结果'}"[:300],
                  body=f"运营单位对公示结果提出异议，请在答复期限内答复。\n{objection.text}",
                  link=link("publication.show_publication", publication_id=publication.id)
                  + f"#objection-{objection.id}")


def evidence_refusal(objection: Objection, user, now: datetime | None = None) -> str | None:
    """Why `user` may not add evidence files to `objection` now, or None: only its operator, only while it
    is open and the notice period of the version it was filed against runs (that version may since have
    been corrected: an open objection still waits for its answer, and may still be argued)."""
    publication = get_session().get(Publication, objection.publication_id)
    if user.operator_id != objection.operator_id:
        return "只能为本单位的异议补充证据 / only the objecting operator adds evidence"
    if objection.state != "open":
        return "该异议已答复，不能再补充证据 / the objection has been answered"
    if not window_open(publication, now):
        return (f"公示期已于{publication.objection_deadline}结束，不能再补充证据 / the notice period ended on "
                f"{publication.objection_deadline}")
    return None


def add_evidence(objection: Objection, user, files: list, *, now: datetime | None = None) -> list:
    """More evidence files for an open objection (see evidence_refusal); commits them, or nothing."""
    if refusal := evidence_refusal(objection, user, now):
        raise IllegalObjection(refusal)
    if not files:
        raise IllegalObjection("请选择要上传的文件 / choose a file")
    return activities.commit_with_files(objection, list(files), user=user)


def answer_objection(objection: Objection, user, *, upheld: bool, reason: str) -> Objection:
    """The bureau answers: dismissed with reasons, or upheld (the approver then corrects and republishes)."""
    try:
        reason = _public_text(reason, ("答复", "answer"), objection.bureau_id)
    except PublishRefused as exc:
        raise IllegalObjection(str(exc)) from None
    objection = lock_row(Objection, objection.id)  # answered once, also when two answers arrive at once
    before = audit.snapshot(objection)
    objection.answer_with(upheld, reason, user)
    audit.record("answer_objection", objection, before=before,
                 reason=("成立" if upheld else "驳回") + f"：{objection.answer}")
    return objection


def objections_for(row: PublishedResult) -> list[Objection]:
    """Objections about this operator's result in this version and the versions it corrects."""
    session = get_session()
    publication = session.get(Publication, row.publication_id)
    ids = [p.id for p in versions_of(publication) if p.version <= publication.version]
    return list(session.exec(select(Objection).join(PublishedResult, PublishedResult.id == Objection.result_id)
                             .where(Objection.publication_id.in_(ids),
                                    PublishedResult.contract_id == row.contract_id).order_by(Objection.id)))


def public_objections(row: PublishedResult) -> list[dict]:
    """What the public sees of objections: the target, the status, the bureau's answer (never the text)."""
    session = get_session()
    out = []
    for o in objections_for(row):
        corrected = session.get(Publication, o.corrected_in_id) if o.corrected_in_id else None
        out.append({"target": o.target_title, "state": o.state, "state_label": o.state_label, "answer": o.answer,
                    "corrected_in": corrected.version if corrected else None,
                    "answered_on": local_day(o.answered_at).isoformat() if o.answered_at else ""})
    return out


def _summary(objections: list[tuple[str, int | None]]) -> str:
    """One word for the table and the open data from (state, corrected_in_id) pairs: none, open, dismissed,
    upheld (not yet corrected), corrected (upheld and published corrected)."""
    states = [state for state, _corrected in objections]
    if not states:
        return "none"
    if "open" in states:
        return "open"
    if any(state == "upheld" and corrected is None for state, corrected in objections):
        return "upheld"
    return "corrected" if "upheld" in states else "dismissed"


def objection_summary(row: PublishedResult) -> str:
    return objection_summaries([(get_session().get(Publication, row.publication_id), row)])[row.id]


def objection_summaries(pairs: list[tuple[Publication, PublishedResult]]) -> dict[int, str]:
    """objection_summary() of many rows in two queries, whatever their number (issue #16): the versions of
    every cycle involved, then every objection about those contracts in those versions."""
    if not pairs:
        return {}
    session = get_session()
    groups = {(p.bureau_id, p.scheme_id, p.cycle_id) for p, _row in pairs}
    versions = session.exec(select(Publication.id, Publication.bureau_id, Publication.scheme_id,
                                   Publication.cycle_id, Publication.version).where(
        sa.tuple_(Publication.bureau_id, Publication.scheme_id, Publication.cycle_id).in_(list(groups)))).all()
    group_of = {v.id: ((v.bureau_id, v.scheme_id, v.cycle_id), v.version) for v in versions}
    contracts = {row.contract_id for _p, row in pairs}
    found: dict[tuple, list[tuple[int, str, int | None]]] = defaultdict(list)
    for publication_id, contract_id, state, corrected in session.exec(
            select(Objection.publication_id, PublishedResult.contract_id, Objection.state, Objection.corrected_in_id)
            .join(PublishedResult, PublishedResult.id == Objection.result_id)
            .where(Objection.publication_id.in_(list(group_of)), PublishedResult.contract_id.in_(list(contracts)))
            .order_by(Objection.id)):
        group, version = group_of[publication_id]
        found[(group, contract_id)].append((version, state, corrected))
    out = {}
    for publication, row in pairs:
        group = (publication.bureau_id, publication.scheme_id, publication.cycle_id)
        out[row.id] = _summary([(state, corrected) for version, state, corrected in found[(group, row.contract_id)]
                                if version <= publication.version])
    return out


RESULT_STATES = {
    "notice": N_("公示中"),
    "awaiting_answer": N_("异议待答复"),
    "awaiting_correction": N_("异议成立，待发布更正"),
    "superseded": N_("已被更正版本取代"),
    "final": N_("结果已确定"),
}


def result_states(publication: Publication, rows: list[PublishedResult], now: datetime | None = None, *,
                  summaries: dict[int, str] | None = None, current: bool | None = None) -> dict[int, str]:
    """Where each published result stands (DOMAIN.md §4.6: published for a stated period, objections
    answered, then the result becomes final): superseded by a corrected version; an objection awaiting the
    bureau's answer or an upheld one awaiting its corrected version; the notice period still running; else
    final. `summaries` are the rows' objection_summary() where the caller has them already."""
    current = is_current(publication) if current is None else current
    running = window_open(publication, now)
    if summaries is None:
        summaries = objection_summaries([(publication, row) for row in rows])
    states = {}
    for row in rows:
        summary = summaries[row.id]
        if not current:
            states[row.id] = "superseded"
        elif summary == "open":
            states[row.id] = "awaiting_answer"
        elif summary == "upheld":
            states[row.id] = "awaiting_correction"
        else:
            states[row.id] = "notice" if running else "final"
    return states


def result_state(publication: Publication, row: PublishedResult, now: datetime | None = None) -> str:
    return result_states(publication, [row], now)[row.id]


def publication_state(states) -> str:
    """A publication's state from its results' states: final only when every result is; else the least
    settled one's."""
    states = set(states)
    return next((s for s in ("superseded", "awaiting_answer", "awaiting_correction", "notice") if s in states),
                "final")


# -- what the public reads ---------------------------------------------------------------------------

def published_bureaus() -> list[tuple[Bureau, int]]:
    """Every bureau with published results and how many cycles it published, in one query."""
    cycles = select(Publication.bureau_id, Publication.scheme_id, Publication.cycle_id).distinct().subquery()
    per_bureau = (select(cycles.c.bureau_id, sa.func.count().label("n")).group_by(cycles.c.bureau_id).subquery())
    return [(bureau, n) for bureau, n in get_session().exec(
        select(Bureau, per_bureau.c.n).join(per_bureau, per_bureau.c.bureau_id == Bureau.id).order_by(Bureau.id))]


def current_publications(bureau_id: int) -> list[Publication]:
    """The latest version of each published cycle of the bureau, newest first."""
    return [versions[-1] for versions in published_versions(bureau_id)]


def published_versions(bureau_id: int) -> list[list[Publication]]:
    """Every published cycle of the bureau as its versions (oldest first), newest cycle first: one query."""
    by_cycle: dict[tuple[str, str], list[Publication]] = defaultdict(list)
    for p in get_session().exec(select(Publication).where(Publication.bureau_id == bureau_id)
                                .order_by(Publication.version)):
        by_cycle[(p.scheme_id, p.cycle_id)].append(p)
    return sorted(by_cycle.values(), key=lambda versions: (versions[-1].published_at, versions[-1].id), reverse=True)


def operator_history(operator_id: int) -> list[tuple[Publication, PublishedResult]]:
    """The operator's rows in the latest version of every published cycle, oldest cycle first (two queries)."""
    session = get_session()
    pairs = session.exec(select(Publication, PublishedResult)
                         .join(PublishedResult, PublishedResult.publication_id == Publication.id)
                         .where(PublishedResult.operator_id == operator_id)).all()
    if not pairs:
        return []
    groups = {(p.bureau_id, p.scheme_id, p.cycle_id) for p, _row in pairs}
    latest = {
        (b, sc, c): v for b, sc, c, v in session.exec(
            select(Publication.bureau_id, Publication.scheme_id, Publication.cycle_id, sa.func.max(Publication.version))
            .where(sa.tuple_(Publication.bureau_id, Publication.scheme_id, Publication.cycle_id).in_(list(groups)))
            .group_by(Publication.bureau_id, Publication.scheme_id, Publication.cycle_id))}
    out = [(p, row) for p, row in pairs if latest[(p.bureau_id, p.scheme_id, p.cycle_id)] == p.version]
    return sorted(out, key=lambda pr: (pr[0].cycle_end, pr[0].id))


def search(query: str, limit: int = 30) -> list[dict]:
    """Operators and stations in published results whose names contain `query` (published data only)."""
    query = (query or "").strip()
    if not query:
        return []
    session = get_session()
    found: dict[tuple[str, int, str], dict] = {}
    for row in session.exec(select(PublishedResult).order_by(PublishedResult.id)):
        if query in row.operator_name:
            found.setdefault(("operator", row.operator_id, row.operator_name),
                             {"kind": "operator", "name": row.operator_name, "operator_id": row.operator_id})
        for station in row.station_names:
            if query in station:
                found.setdefault(("station", row.operator_id, station),
                                 {"kind": "station", "name": station, "operator_id": row.operator_id,
                                  "operator_name": row.operator_name})
    return list(found.values())[:limit]


def row_dict(publication: Publication, row: PublishedResult, state: str | None = None,
             summary: str | None = None) -> dict:
    summary = summary if summary is not None else objection_summary(row)
    return {
        "operator": row.operator_name, "stations": list(row.station_names), "total": str(row.total),
        "passed": row.passed, "payment_band": row.band, "consequence": row.consequence, "grade": row.grade,
        "rank": row.rank, "published_on": local_day(publication.published_at).isoformat(),
        "objection_deadline": publication.objection_deadline.isoformat(), "version": publication.version,
        "scheme_version": row.scheme_version or publication.scheme_version, "objection_status": summary,
        "status": state or result_states(publication, [row], summaries={row.id: summary})[row.id],
        "cycle": publication.cycle_label,
    }


def publication_dict(publication: Publication) -> dict:
    rows = results_of(publication)
    summaries = objection_summaries([(publication, row) for row in rows])
    states = result_states(publication, rows, summaries=summaries)
    return {
        "bureau": publication.bureau_name, "scheme": publication.scheme_id,
        "scheme_version": publication.scheme_version, "scheme_versions": publication.versions_used,
        "cycle_id": publication.cycle_id,
        "cycle": publication.cycle_label, "cycle_start": publication.cycle_start.isoformat(),
        "cycle_end": publication.cycle_end.isoformat(), "version": publication.version,
        "supersedes": publication.supersedes_id, "change_note": publication.change_note,
        "changes": publication.changes, "left_out": publication.left_out,
        "published_on": local_day(publication.published_at).isoformat(),
        "notice_working_days": publication.notice_days,
        "objection_deadline": publication.objection_deadline.isoformat(),
        "status": publication_state(states.values()),
        "results": [row_dict(publication, r, states[r.id], summaries[r.id]) for r in rows],
    }


CSV_COLUMNS = ["operator", "stations", "total", "passed", "payment_band", "grade", "rank", "published_on",
               "objection_deadline", "objection_status", "status", "version", "cycle"]


def to_csv(rows: list[dict]) -> str:
    """UTF-8 with a byte-order mark, so Excel opens the Chinese names correctly."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for r in rows:
        row = {**r, "stations": "；".join(r["stations"]), "passed": {True: _("合格"), False: _("不合格"), None: ""}[r["passed"]]}
        writer.writerow({key: neutral(value) for key, value in row.items()})
    return "\ufeff" + out.getvalue()


# -- charts, drawn on the server as SVG ----------------------------------------------------------------

def histogram(rows: list[PublishedResult]) -> list[dict]:
    """Totals in 10-point bins [0,10) … [80,90), [90,100], and "above 100" where bonuses took a total there."""
    bins = [{"label": f"{lo}–{lo + 10}" if lo < 90 else "90–100", "count": 0} for lo in range(0, 100, 10)]
    above = {"label": ">100", "count": 0}
    for row in rows:
        total = Decimal(row.total)
        if total > 100:
            above["count"] += 1
        else:
            bins[min(int(total // 10), 9)]["count"] += 1
    return bins + ([above] if above["count"] else [])


HEAT_COLOURS = {"submitted_on_time": "#2e7d4f", "late": "#e0a030", "missing": "#c0392b", "returned": "#8e44ad",
                "due_soon": "#f1d36b", "upcoming": "#c9ced6"}
HEAT_SYMBOLS = {"submitted_on_time": "✓", "late": "!", "missing": "✗", "returned": "↩", "due_soon": "…",
                "upcoming": "·"}


def counts_by_status(timeliness: dict) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for row in timeliness.get("rows", []):
        for status in row["cells"].values():
            counts[status] += 1
    return dict(counts)


# -- what makes a public page change: its validator (ETag, Last-Modified) -------------------------------

def public_stamp(scope: str | None = None, key: int | None = None) -> tuple[str, datetime | None]:
    """One query: what the public pages of a scope's publications (STAMP_SCOPES: the versions of one cycle, of
    a published result's cycle, a bureau's; None = every publication) are built from beyond the frozen rows:
    how many versions there are and when the last was published, and how many objections were filed and
    answered and when. A published snapshot never changes, so this identifies its page's content; returns
    (a token, the latest of these times). Every public answer asks it, so its statement is built once per
    scope (issue #16: building it took more of a cached answer's time than running it), and its answer is
    kept PUBLIC_STAMP_SECONDS in this process (forgotten at once when this process commits a change to a
    publication, a published result or an objection: see _forget_stamps)."""
    engine = get_engine()
    stamps = _STAMPS.setdefault(engine, {})
    now = monotonic()
    kept = stamps.get((scope, key))
    if kept is not None and kept[0] > now:
        return kept[1], kept[2]
    row = get_session().connection().execute(_stamp_query(scope), {"key": key}).one()
    times = [t for t in (row[2], row[5], row[6]) if t is not None]
    changed = max(t if t.tzinfo else t.replace(tzinfo=timezone.utc) for t in times) if times else None
    token = "|".join(str(v) for v in row)
    if len(stamps) >= _STAMPS_KEPT:
        stamps.clear()
    stamps[(scope, key)] = (now + current_app.config["PUBLIC_STAMP_SECONDS"], token, changed)
    return token, changed


# public_stamp's answers by engine (one per app; a test's app never sees another's), then by (scope, id)
_STAMPS: "weakref.WeakKeyDictionary[sa.Engine, dict]" = weakref.WeakKeyDictionary()
_STAMPS_KEPT = 20_000


def _note_public_change(_mapper, _connection, target) -> None:
    """A publication, a published result or an objection written: the commit of its session forgets the stamps
    (a mapper event: flushes of other rows pay nothing)."""
    session = object_session(target)
    if session is not None:
        session.info["public_changed"] = True


for _model in (Publication, PublishedResult, Objection):
    for _written in ("after_insert", "after_update", "after_delete"):
        event.listen(_model, _written, _note_public_change)


@event.listens_for(Session, "after_commit")
def _forget_stamps(session) -> None:
    if session.info.pop("public_changed", False) and session.bind is not None:
        forget_stamps(getattr(session.bind, "engine", session.bind))


def forget_stamps(engine: sa.Engine) -> None:
    """Every public stamp this process keeps for the database of `engine`: the next public answer reads its own."""
    stamps = _STAMPS.get(engine)
    if stamps is not None:
        stamps.clear()


@event.listens_for(Session, "after_rollback")
def _nothing_changed(session) -> None:
    session.info.pop("public_changed", None)


@functools.cache
def _stamp_query(scope: str | None):
    """public_stamp's statement for a scope, its publication chosen by the bound parameter `key`."""
    pub = select(sa.func.count(Publication.id), sa.func.max(Publication.id), sa.func.max(Publication.published_at))
    obj = select(sa.func.count(Objection.id), sa.func.max(Objection.id), sa.func.max(Objection.filed_at),
                 sa.func.max(Objection.answered_at), sa.func.count(Objection.answered_at))
    if scope is not None:
        publications = STAMP_SCOPES[scope](sa.bindparam("key", type_=sa.Integer))
        pub = pub.where(Publication.id.in_(publications))
        obj = obj.where(Objection.publication_id.in_(publications))
    p, o = pub.subquery(), obj.subquery()
    return select(p, o).select_from(p.join(o, sa.true()))


def group_of(publication_id: int):
    """The ids of every version of a publication's cycle (the page names the latest), as a SELECT."""
    this = sa.orm.aliased(Publication)
    return (select(Publication.id).join(this, sa.and_(this.bureau_id == Publication.bureau_id,
                                                      this.scheme_id == Publication.scheme_id,
                                                      this.cycle_id == Publication.cycle_id))
            .where(this.id == publication_id))


def result_group(result_id: int):
    """The versions of a published result's cycle, as a SELECT."""
    this = sa.orm.aliased(Publication)
    return (select(Publication.id)
            .join(this, sa.and_(this.bureau_id == Publication.bureau_id, this.scheme_id == Publication.scheme_id,
                                this.cycle_id == Publication.cycle_id))
            .join(PublishedResult, PublishedResult.publication_id == this.id)
            .where(PublishedResult.id == result_id))


def bureau_publications(bureau_id: int):
    return select(Publication.id).where(Publication.bureau_id == bureau_id)


# the publications a public page is built from, by scope (see public_stamp): each a SELECT of ids, given the id
# the page is named by
STAMP_SCOPES = {"group": group_of, "result": result_group, "bureau": bureau_publications}
