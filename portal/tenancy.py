"""Who may see what: the tenancy rule of every tenant-owned model, in one file.

Each rule takes the user and returns the SQL condition for the rows that user may reach; the mechanism
that applies them (`scoped()`, `get_or_404()`, 404 for a foreign object) is `portal/scoping.py`. This
module reads every domain's models, so it sits at the top with the app factory, which imports it;
tests/portal/test_tenancy.py checks that no table is missing and walks every route.
"""
from __future__ import annotations

from typing import Callable

import sqlalchemy as sa
from sqlmodel import select

from portal.cycles.models import AssessmentSheet, SheetApproval
from portal.applications.models import (ApplicationWorker, QualificationCancellation, StationApplication,
                                        StationSubsidy)
from portal.activities.models import ActivityEvent, Attachment, AttendanceSheet, StaffMember
from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.auth.services import account_operators
from portal.violations.models import Violation
from portal.notifications.models import Notification, OutboxMail
from portal.consequences.models import RectificationNotice, TerminationProposal
from portal.contracts.models import Contract, ContractStation, Station
from portal.findings.models import Finding, FindingEffect
from portal.forms import FormSubmission
from portal.ledgers.models import LedgerRow, LedgerUpload, LedgerUploadFile
from portal.organisations.models import Bureau, CreditGrade, Operator
from portal.payments.models import ExportFile, Payment
from portal.publication.models import Objection, Publication, PublishedResult
from portal.reporting.models import Submission
from portal.schemes.models import SchemeVersion

from portal.scoping import NOTHING as _NOTHING, register_rules


def _operators_of_bureau(bureau_id: int):
    return sa.or_(
        Operator.registered_by_bureau_id == bureau_id,
        Operator.id.in_(select(Contract.operator_id).where(Contract.bureau_id == bureau_id)),
        Operator.id.in_(select(Station.operator_id).where(Station.bureau_id == bureau_id)),
    )


def _bureau(user):
    if user.is_bureau_user:
        return Bureau.id == user.bureau_id
    if user.is_operator_user:
        return Bureau.id.in_(select(Contract.bureau_id).where(Contract.operator_id == user.operator_id))
    return _NOTHING


def _operator(user):
    if user.is_operator_user:
        return Operator.id == user.operator_id
    if user.is_bureau_user:
        return _operators_of_bureau(user.bureau_id)
    return _NOTHING


def _credit_grade(user):
    return CreditGrade.operator_id.in_(select(Operator.id).where(_operator(user)))


def _by_owner(model) -> Callable:
    def rule(user):
        if user.is_operator_user:
            return model.operator_id == user.operator_id
        if user.is_bureau_user:
            return model.bureau_id == user.bureau_id
        return _NOTHING

    return rule


def _contract_station(user):
    return ContractStation.contract_id.in_(select(Contract.id).where(_by_owner(Contract)(user)))


def _user(user):
    if user.is_bureau_user and user.role == "admin":
        return sa.or_(User.bureau_id == user.bureau_id,
                      User.operator_id.in_(account_operators(user).with_only_columns(Operator.id)))
    return User.id == user.id


def _outbox_mail(user):
    # A bureau admin sees the mail of the accounts it manages (to retry what failed); others none of it.
    if user.is_bureau_user and user.role == "admin":
        return OutboxMail.notification_id.in_(select(Notification.id).where(
            Notification.user_id.in_(select(User.id).where(_user(user)))))
    return _NOTHING


def _station_application(user):
    # An operator sees its own applications; the bureau applied to sees them once submitted (a draft is
    # the operator's own work in progress).
    if user.is_operator_user:
        return StationApplication.operator_id == user.operator_id
    if user.is_bureau_user:
        return sa.and_(StationApplication.bureau_id == user.bureau_id, StationApplication.state != "draft")
    return _NOTHING


def _application_worker(user):
    return ApplicationWorker.application_id.in_(
        select(StationApplication.id).where(_station_application(user)))


def _publication(user):
    # Logged in, a bureau sees its own publications and an operator those it appears in; the public pages
    # under /public read published snapshots without this scope (they are public by design).
    if user.is_bureau_user:
        return Publication.bureau_id == user.bureau_id
    if user.is_operator_user:
        return Publication.id.in_(select(PublishedResult.publication_id).where(
            PublishedResult.operator_id == user.operator_id))
    return _NOTHING


# Audit rows about an operator itself rather than one bureau's dealings with it: its accounts (created,
# changed, logging in), its credit grades (the issuing authority's, recorded once for every bureau), its
# register entry. Every bureau the operator works with sees them, whichever bureau (or none) they name.
OPERATOR_WIDE_AUDIT = ("user_account", "credit_grade", "operator")


def _audit_event(user):
    if user.is_bureau_user:
        return sa.or_(AuditEvent.bureau_id == user.bureau_id,
                      sa.and_(AuditEvent.object_type.in_(OPERATOR_WIDE_AUDIT),
                              AuditEvent.operator_id.in_(select(Operator.id).where(
                                  _operators_of_bureau(user.bureau_id)))))
    return _NOTHING


def _scheme_version(user):
    # A bureau's staff see the platform-wide versions (the shipped schemes) and their own bureau's, drafts
    # included; operators read schemes only through their contracts' pages, never this table.
    if user.is_bureau_user:
        return sa.or_(SchemeVersion.bureau_id.is_(None), SchemeVersion.bureau_id == user.bureau_id)
    return _NOTHING


# Every tenant-owned model must appear here; tests/portal/test_tenancy.py checks that none is missing.
RULES: dict[type, Callable] = {
    Bureau: _bureau,
    Operator: _operator,
    CreditGrade: _credit_grade,
    Station: _by_owner(Station),
    Contract: _by_owner(Contract),
    ContractStation: _contract_station,
    User: _user,
    AuditEvent: _audit_event,
    FormSubmission: lambda user: FormSubmission.user_id == user.id,
    Submission: _by_owner(Submission),
    Violation: _by_owner(Violation),
    LedgerUpload: _by_owner(LedgerUpload),
    LedgerRow: _by_owner(LedgerRow),
    LedgerUploadFile: lambda user: LedgerUploadFile.upload_id.in_(
        select(LedgerUpload.id).where(_by_owner(LedgerUpload)(user))),
    Notification: lambda user: Notification.user_id == user.id,
    OutboxMail: _outbox_mail,
    AssessmentSheet: _by_owner(AssessmentSheet),
    SheetApproval: _by_owner(SheetApproval),
    StationApplication: _station_application,
    ApplicationWorker: _application_worker,
    StationSubsidy: _by_owner(StationSubsidy),
    QualificationCancellation: _by_owner(QualificationCancellation),
    Finding: _by_owner(Finding),
    FindingEffect: lambda user: FindingEffect.finding_id.in_(select(Finding.id).where(_by_owner(Finding)(user))),
    StaffMember: _by_owner(StaffMember),
    AttendanceSheet: _by_owner(AttendanceSheet),
    ActivityEvent: _by_owner(ActivityEvent),
    Attachment: _by_owner(Attachment),
    Payment: _by_owner(Payment),
    ExportFile: _by_owner(ExportFile),
    RectificationNotice: _by_owner(RectificationNotice),
    TerminationProposal: _by_owner(TerminationProposal),
    Publication: _publication,
    PublishedResult: _by_owner(PublishedResult),
    Objection: _by_owner(Objection),
    SchemeVersion: _scheme_version,
}

register_rules(RULES)
