"""Writing applications, their rosters and decisions; setting up stations with their one-off subsidy;
cancelling qualifications; selecting excellent stations. Every decision leaves an audit line.

Amounts, thresholds and the ban come from the scheme file (rules/schemes/jindong-2021.toml), never from here.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app, url_for
from sqlalchemy.exc import IntegrityError
from sqlmodel import delete, select

from portal.applications.models import (
    ApplicationWorker,
    QualificationCancellation,
    StationApplication,
    StationSubsidy,
)
from portal.applications.roster import read_roster
from portal.audit import services as audit
from portal.auth.models import User
from portal.notifications.models import Notification, OutboxMail
from portal.contracts.models import Station
from portal.db import CENT, get_session, lock_row, utcnow
from rules.scoring.jindong import reapplication_allowed_from
from portal.schemes.services import scheme_for

SHANGHAI = ZoneInfo("Asia/Shanghai")
ROSTER_ERRORS_KEPT = 5000  # every error the check reports (read_ledger stops at 5,000): all downloadable
ROSTER_ERRORS_SHOWN = 200  # on the page; the rest in the download
# Roster rows are personal data: audit snapshots of an application leave out the roster errors (they quote
# the cells as written); the rows themselves are never audited, only their count.
_NOT_AUDITED = ("roster_errors",)


_ONCE = ("该站点已获得过此项一次性补贴，不重复发放（第十一条：已认定为区级优秀站点的不重复评选；第十二条） / "
         "this station already has this one-off grant")


class ApplicationRefused(Exception):
    """The application cannot be made or moved now; the message says why and cites the clause."""


def today() -> date:
    return utcnow().astimezone(SHANGHAI).date()


_MASKED_IN_AUDIT = {"applicant_phone": "phone", "partner_phone": "phone", "applicant_head": "name",
                    "partner_head": "name", "liaison_person": "name"}


def _snapshot(application: StationApplication) -> dict:
    """The application as the audit trail keeps it: contact people's names and phones masked (every bureau
    role reads the trail), the roster errors left out."""
    from rules.identifiers import mask_name, mask_phone

    data = audit.snapshot(application)
    for key in _NOT_AUDITED:
        data.pop(key, None)
    for key, kind in _MASKED_IN_AUDIT.items():
        if data.get(key):
            data[key] = mask_phone(data[key]) if kind == "phone" else mask_name(data[key])
    return data


# --- the scheme's figures -------------------------------------------------------------------------

def scheme_of(application_or_id) -> object:
    # an application is decided under the version in force today (it belongs to no cycle)
    scheme_id = getattr(application_or_id, "scheme_id", application_or_id)
    return scheme_for(scheme_id, today())


def minimum_roster(scheme) -> int:
    """第三条（四）: 已为区内企业等输送劳动力达50人以上 (以上 includes the figure)."""
    return int(scheme.extra["qualification"]["application_min_delivered"])


@dataclass(frozen=True)
class Grant:
    kind: str
    amount: Decimal
    clause: str


def one_off_grant(scheme, kind: str) -> Grant:
    """第十二条（一）（三）: the scheme's [[subsidy.one_off]] entry `kind` (new_station, excellent_station)."""
    subsidy = scheme.subsidy
    entry = next((o for o in (subsidy.one_off if subsidy else ()) if o.id == kind), None)
    if entry is None:
        raise ApplicationRefused(f"scheme {scheme.id} grants no one-off {kind}")
    return Grant(kind, Decimal(entry.amount).quantize(CENT), entry.label)


def excellent_conditions(scheme) -> dict:
    """第十条 as the scheme file states it (there is no quota: 第十一条 sets a two-yearly selection)."""
    return dict(scheme.extra["excellent_station"])


# --- the ban (第八条) --------------------------------------------------------------------------------

def ban_in_force(operator_id: int, bureau_id: int, on: date | None = None) -> QualificationCancellation | None:
    """The cancellation that still bars the operator from applying to this bureau, if any."""
    on = on or today()
    return get_session().exec(select(QualificationCancellation).where(
        QualificationCancellation.operator_id == operator_id, QualificationCancellation.bureau_id == bureau_id,
        QualificationCancellation.may_apply_from > on).order_by(QualificationCancellation.may_apply_from.desc())).first()


def ban_message(ban: QualificationCancellation) -> str:
    return (f"该单位的劳务协作工作站资格已于{ban.cancelled_on.isoformat()}被取消，2年内不得重新申报（第八条），"
            f"可于{ban.may_apply_from.isoformat()}起重新申请 / the qualification was cancelled on "
            f"{ban.cancelled_on.isoformat()}: no new application before {ban.may_apply_from.isoformat()}")


def _refuse_if_banned(operator_id: int, bureau_id: int, on: date | None = None) -> None:
    ban = ban_in_force(operator_id, bureau_id, on)
    if ban is not None:
        raise ApplicationRefused(ban_message(ban))


# --- the operator's side ----------------------------------------------------------------------------

def save_application(application: StationApplication | None, data: dict, *, user,
                     on: date | None = None) -> StationApplication:
    """Create a draft (the ban is checked) or change a draft or returned application."""
    session = get_session()
    if application is None:
        _refuse_if_banned(user.operator_id, data["bureau_id"], on)
        application = StationApplication(operator_id=user.operator_id, created_by_id=user.id, bureau_id=data["bureau_id"])
        before = None
    else:
        if not application.editable:
            raise ApplicationRefused(f"申请当前为“{application.state}”，不能修改 / the application is "
                                     f"{application.state} and cannot be changed")
        before = _snapshot(application)
    for key, value in data.items():
        if key != "bureau_id" or before is None:  # the bureau applied to is chosen once
            setattr(application, key, value)
    session.add(application)
    session.flush()
    audit.record("create_station_application" if before is None else "update_station_application", application,
                 before=before, after=_snapshot(application))
    session.commit()
    return application


def upload_roster(application: StationApplication, *, data: bytes, filename: str, user) -> StationApplication:
    """Check the roster; keep every row, or none. An accepted roster is replaced only by another accepted
    one: a rejected upload shows its errors and leaves the accepted roster (and its workers) in place."""
    if not application.editable:
        raise ApplicationRefused("申请已提交，名册不能再更换 / the application is submitted: the roster is fixed")
    session = get_session()
    result = read_roster(data, filename)
    minimum = minimum_roster(scheme_of(application))
    errors = [_error_json(e) for e in result.errors[:ROSTER_ERRORS_KEPT]]
    error_count, summary = result.error_count, result.summary
    if result.ok and len(result.rows) < minimum:
        error_count, errors = 1, [{"row": None, "column": "", "header": "", "value": "",
                                   "problem": f"名册中有效且不重复的输送劳动力为{len(result.rows)}人，少于{minimum}人"
                                              f"（第三条（四）：已为区内企业等输送劳动力达{minimum}人以上）",
                                   "fix": "请补全名册后重新上传"}]
        summary = f"共{result.total_rows}行，全部通过检查，但不足{minimum}人，未接收。"
    accepted = result.ok and error_count == 0
    if not accepted and application.roster_state == "accepted":
        before = _snapshot(application)
        application.roster_error_count, application.roster_errors = error_count, errors
        application.roster_summary = (f"新上传的名册“{filename[:100]}”未通过检查（{summary}），未替换；"
                                      f"仍为此前已接收的名册“{application.roster_filename}”，共{application.roster_count}人。")[:1000]
        session.add(application)
        audit.record("upload_application_roster", application, before=before, after=_snapshot(application),
                     reason=f"{filename[:100]} ({len(data)} bytes): refused, {error_count} errors; "
                            f"the accepted roster of {application.roster_count} workers is kept")
        session.commit()
        return application
    session.exec(delete(ApplicationWorker).where(ApplicationWorker.application_id == application.id))
    if accepted:
        for number, row in zip(result.row_numbers, result.rows):
            session.add(ApplicationWorker(
                application_id=application.id, bureau_id=application.bureau_id, operator_id=application.operator_id,
                row_number=number, name=row["name"], resident_id=row["resident_id"],
                household_registration=row["household_registration"], employer=row["employer"],
                hire_date=row["hire_date"]))
    before = _snapshot(application)
    application.roster_state = "accepted" if accepted else "rejected"
    application.roster_filename, application.roster_sha256 = filename[:255], hashlib.sha256(data).hexdigest()
    application.roster_uploaded_at, application.roster_total_rows = utcnow(), result.total_rows
    application.roster_count = len(result.rows) if accepted else 0
    application.roster_error_count, application.roster_errors = error_count, errors
    application.roster_summary = summary[:1000]
    session.add(application)
    audit.record("upload_application_roster", application, before=before, after=_snapshot(application),
                 reason=f"{filename[:100]} ({len(data)} bytes): {application.roster_count} workers, "
                        f"{error_count} errors")
    session.commit()
    return application


def _error_json(error) -> dict:
    """A roster error as stored: the cell's value masked when it is a name or an ID number (personal data
    is stored only in the accepted rows, never in error lists)."""
    import re

    from rules.identifiers import mask_name, mask_resident_id

    value = "" if error.value is None else str(error.value)[:100]
    if re.fullmatch(r"[0-9]{14,17}[0-9Xx]", value.strip()):
        value = mask_resident_id(value.strip())
    elif "姓名" in (error.header or ""):
        value = mask_name(value)
    return {"row": error.row, "column": error.column or "", "header": error.header or "",
            "value": value, "problem": error.problem, "fix": error.fix}


def submit_application(application: StationApplication, *, user, on: date | None = None) -> StationApplication:
    scheme = scheme_of(application)
    minimum = minimum_roster(scheme)
    _refuse_if_banned(application.operator_id, application.bureau_id, on)
    if application.roster_state != "accepted" or application.roster_count < minimum:
        raise ApplicationRefused(f"请先上传通过检查的输送劳动力名册（不少于{minimum}人，第三条（四）、附件2） / "
                                 f"upload a roster of at least {minimum} delivered workers first")
    if not application.commitment:
        raise ApplicationRefused("请勾选申请机构承诺（附件1） / tick the applicant's commitment first")
    before = _snapshot(application)
    application.submit()
    get_session().add(application)
    audit.record("submit_station_application", application, before=before, after=_snapshot(application))
    get_session().commit()
    return application


# --- the bureau's side ------------------------------------------------------------------------------

def review_application(application: StationApplication, *, outcome: str, reason: str, user) -> StationApplication:
    """第五条: the employment service centre's first review."""
    session = get_session()
    application = lock_row(StationApplication, application.id)  # two reviewers at once: the second sees the first
    before = _snapshot(application)
    application.review(outcome, user.id, reason)
    session.add(application)
    action = {"pass": "pass_first_review", "return": "return_station_application",
              "reject": "reject_station_application"}[outcome]
    audit.record(action, application, before=before, after=_snapshot(application), reason=application.review_reason)
    verdict = {"pass": "初审通过，待人社局审核", "return": "初审退回修改", "reject": "初审未通过"}[outcome]
    _notify_operator(application, f"review|{application.id}|{outcome}|{application.reviewed_at.isoformat()}",
                     subject=f"【站点申请】{application.station_name}：{verdict}",
                     body=f"初审意见 / first review: {application.review_reason or verdict}")
    session.commit()
    return application


def decide_application(application: StationApplication, *, outcome: str, reason: str, user,
                       on: date | None = None) -> StationApplication:
    """第五条: the bureau's approval. Approving sets up the station and grants 第十二条（一）'s subsidy."""
    session = get_session()
    on = on or today()
    # Two decisions at once (a double click, two tabs): the second waits, then finds the application decided.
    application = lock_row(StationApplication, application.id)
    before = _snapshot(application)
    application.decide(outcome, user.id, reason)
    if outcome == "approve":
        station = Station(bureau_id=application.bureau_id, operator_id=application.operator_id,
                          name=application.station_name, kind=application.kind, address=application.address,
                          required_staff=application.required_staff, status="active", established_on=on)
        session.add(station)
        session.flush()
        audit.record("create_station", station, reason=f"station application {application.id} approved")
        application.station_id = station.id
        grant_subsidy(station, "new_station", scheme_of(application), user=user, on=on,
                      application_id=application.id, reason=f"station application {application.id}")
    session.add(application)
    audit.record("approve_station_application" if outcome == "approve" else "reject_station_application",
                 application, before=before, after=_snapshot(application), reason=application.decision_reason)
    verdict = "已批准设立" if outcome == "approve" else "未通过审核"
    _notify_operator(application, f"decision|{application.id}|{outcome}",
                     subject=f"【站点申请】{application.station_name}：{verdict}",
                     body=f"审核意见 / decision: {application.decision_reason or verdict}")
    session.commit()
    return application


def grant_subsidy(station: Station, kind: str, scheme, *, user, on: date, application_id: int | None = None,
                  year: int | None = None, reason: str = "") -> StationSubsidy:
    grant = one_off_grant(scheme, kind)
    session = get_session()
    if session.exec(select(StationSubsidy.id).where(StationSubsidy.station_id == station.id,
                                                    StationSubsidy.kind == kind)).first():
        raise ApplicationRefused(_ONCE)
    subsidy = StationSubsidy(station_id=station.id, bureau_id=station.bureau_id, operator_id=station.operator_id,
                             kind=kind, amount=grant.amount, scheme_id=scheme.id, clause=grant.clause, granted_on=on,
                             decided_by_id=user.id, application_id=application_id, year=year, reason=reason)
    session.add(subsidy)
    try:
        session.flush()
    except IntegrityError:  # the same decision sent twice at once: the other request granted it
        session.rollback()
        raise ApplicationRefused(_ONCE) from None
    audit.record("grant_station_subsidy", subsidy, reason=grant.clause)
    return subsidy


def cancel_qualification(station: Station, *, ground: str, reason: str, cancelled_on: date, user,
                         scheme_id: str) -> QualificationCancellation:
    """第八条: the bureau cancels the station's qualification; its operator may not re-apply for 2 years."""
    station = lock_row(Station, station.id)
    if station.status != "active":
        raise ApplicationRefused("站点已关闭，资格无需再取消 / the station is already closed")
    session = get_session()
    cancellation = QualificationCancellation(
        station_id=station.id, bureau_id=station.bureau_id, operator_id=station.operator_id, ground=ground,
        reason=reason.strip(), cancelled_on=cancelled_on,
        may_apply_from=reapplication_allowed_from(scheme_for(scheme_id, cancelled_on), cancelled_on), decided_by_id=user.id)
    before = audit.snapshot(station)
    station.status = "closed"
    session.add_all([station, cancellation])
    session.flush()
    audit.record("close_station", station, before=before, reason=reason.strip())
    audit.record("cancel_station_qualification", cancellation, reason=reason.strip())
    _notify_station_operator(station, f"cancel|{station.id}",
                             subject=f"【站点资格】{station.name}：劳务协作工作站资格已取消",
                             body=f"{reason.strip()}\n{ban_message(cancellation)}")
    session.commit()
    return cancellation


def select_excellent(station: Station, *, year: int, reason: str, user, scheme_id: str,
                     on: date | None = None) -> StationSubsidy:
    """第十条: the approver, having checked the four conditions, names the station excellent for `year`,
    which grants 第十二条（三）'s one-off award."""
    on = on or today()
    station = lock_row(Station, station.id)
    if station.status != "active":
        raise ApplicationRefused("站点已关闭，不能评为优秀站点 / a closed station cannot be selected")
    scheme = scheme_for(scheme_id, on)
    min_years = int(excellent_conditions(scheme)["min_years"])
    if station.established_on is not None and station.established_on.year + min_years > year:
        raise ApplicationRefused(f"站点设立于{station.established_on.isoformat()}，到{year}年底承担劳务协作工作不满"
                                 f"{min_years}年（第十条（一）） / fewer than {min_years} years of service by the end of {year}")
    subsidy = grant_subsidy(station, "excellent_station", scheme, user=user, on=on, year=year, reason=reason.strip())
    audit.record("select_excellent_station", station, reason=f"{year}: {reason.strip()}")
    _notify_station_operator(station, f"excellent|{station.id}",
                             subject=f"【站点资格】{station.name}：被评为{year}年度区级优秀站点",
                             body=f"{subsidy.clause}：{subsidy.amount}元")
    get_session().commit()
    return subsidy


# --- notifications (in the portal, and by mail through the outbox) -----------------------------------

def _notify_operator(application: StationApplication, dedup_key: str, *, subject: str, body: str) -> None:
    _notify(application.operator_id, application.bureau_id, dedup_key, subject=subject, body=body,
            link=url_for("applications.show_application", application_id=application.id))


def _notify_station_operator(station: Station, dedup_key: str, *, subject: str, body: str) -> None:
    _notify(station.operator_id, station.bureau_id, dedup_key, subject=subject, body=body,
            link=url_for("applications.show_station_qualification", station_id=station.id))


def _notify(operator_id: int, bureau_id: int, dedup_key: str, *, subject: str, body: str, link: str) -> None:
    session = get_session()
    users = session.exec(select(User).where(User.operator_id == operator_id, User.active)).all()
    base = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/")
    for user in users:
        if session.exec(select(Notification.id).where(Notification.user_id == user.id,
                                                      Notification.dedup_key == dedup_key)).first():
            continue
        note = Notification(user_id=user.id, bureau_id=bureau_id, operator_id=operator_id, dedup_key=dedup_key,
                            kind="review", subject=subject[:300], body=body[:4000], link=link)
        session.add(note)
        session.flush()
        if user.email:
            session.add(OutboxMail(notification_id=note.id, to_address=user.email, subject=subject[:300],
                                   body=f"{body}\n\n{base}{link}"[:4000]))
