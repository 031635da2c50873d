"""Every model module, imported once: Alembic's env.py and the tests use this to see the whole schema."""
from portal.cycles.models import AssessmentSheet, SheetApproval  # noqa: F401
from portal.applications.models import (  # noqa: F401
    ApplicationWorker, QualificationCancellation, StationApplication, StationSubsidy)
from portal.activities.models import ActivityEvent, Attachment, AttendanceSheet, StaffMember  # noqa: F401
from portal.audit.models import AuditEvent  # noqa: F401
from portal.auth.models import User  # noqa: F401
from portal.forms import FormSubmission  # noqa: F401
from portal.violations.models import Violation  # noqa: F401
from portal.notifications.models import Notification, OutboxMail  # noqa: F401
from portal.consequences.models import RectificationNotice, TerminationProposal  # noqa: F401
from portal.contracts.models import Contract, ContractStation, Station  # noqa: F401
from portal.findings.models import Finding, FindingEffect  # noqa: F401
from portal.ledgers.models import LedgerRow, LedgerUpload  # noqa: F401
from portal.organisations.models import Bureau, CreditGrade, Operator  # noqa: F401
from portal.payments.models import Payment  # noqa: F401
from portal.publication.models import Objection, Publication, PublishedResult  # noqa: F401
from portal.reporting.models import Submission  # noqa: F401
from portal.schemes.models import SchemeVersion  # noqa: F401
from sqlmodel import SQLModel

metadata = SQLModel.metadata
