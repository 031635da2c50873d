"""Tenancy, in one place. Every query for a tenant's object goes through `scoped()`.

An operator user reaches only its operator's objects, a bureau user only its bureau's; a platform
admin (an admin bound to no bureau) reaches everything. A foreign object is indistinguishable
from a missing one: both answer 404.
"""
from __future__ import annotations

from typing import Callable, TypeVar

import sqlalchemy as sa
from flask import abort
from flask_login import current_user
from sqlmodel import SQLModel, select

from portal.assessment.models import AssessmentSheet, SheetApproval
from portal.applications.models import (ApplicationWorker, QualificationCancellation, StationApplication,
                                        StationSubsidy)
from portal.activities.models import ActivityEvent, Attachment, AttendanceSheet, StaffMember
from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.compliance.models import Violation
from portal.notifications.models import Notification, OutboxMail
from portal.consequences.models import RectificationNotice, TerminationProposal
from portal.contracts.models import Contract, ContractStation, Station
from portal.db import get_session
from portal.findings.models import Finding, FindingEffect
from portal.ledgers.models import LedgerRow, LedgerUpload, LedgerUploadFile
from portal.organisations.models import Bureau, CreditGrade, Operator
from portal.payments.models import ExportFile, Payment
from portal.publication.models import Objection, Publication, PublishedResult
from portal.reporting.models import Submission

T = TypeVar("T", bound=SQLModel)

_NOTHING = sa.false()
_EVERYTHING = sa.true()


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
    # A bureau admin manages its own accounts and those of the operators it registered; an operator
    # shared with other bureaus (through contracts or stations) is not its to take over.
    if user.is_bureau_user and user.role == "admin":
        return sa.or_(User.bureau_id == user.bureau_id,
                      User.operator_id.in_(select(Operator.id).where(
                          Operator.registered_by_bureau_id == user.bureau_id)))
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


def _audit_event(user):
    if user.is_bureau_user:
        return AuditEvent.bureau_id == user.bureau_id
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
}


def visible(model: type, user=None):
    """The SQL condition for the rows of `model` that `user` (default: the current user) may reach."""
    user = user if user is not None else current_user
    if not user or not user.is_authenticated:
        return _NOTHING
    if user.is_platform_admin:
        return _EVERYTHING
    try:
        rule = RULES[model]
    except KeyError:
        raise LookupError(f"{model.__name__} has no tenancy rule in portal/auth/scoping.py") from None
    return rule(user)


def scoped(model: type[T], user=None):
    """`select(model)` restricted to what the user may see."""
    return select(model).where(visible(model, user))


def get_or_404(model: type[T], pk: int, user=None) -> T:
    """Load one object through the scope; a foreign object answers 404 exactly like a missing one."""
    obj = get_session().exec(scoped(model, user).where(model.id == pk)).first()
    if obj is None:
        abort(404)
    return obj


def roles_required(*roles: str):
    """Route decorator: the user must be logged in and hold one of `roles` (else 403, for any id)."""
    from functools import wraps

    from flask_login import login_required

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def bureau_scope_id() -> int | None:
    """The bureau the current user acts for (None for a platform admin or an operator)."""
    return current_user.bureau_id if current_user.is_authenticated else None
