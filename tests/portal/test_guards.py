"""The guards at the service level, whatever the routes and roles in front of them (issue #18).

- Issue #6 §4 (DHIS2's "approval locks data", DOMAIN.md §4): once a cycle's assessment is approved, every
  action on its data is refused with the lock's own reason — reports and their review, attendance, events,
  findings, violations (acknowledging, proposing, confirming and declining a waiver) and the sheet itself.
- Issue #6 §4 (two signatures): whoever submitted a sheet may not approve it, even after an admin made
  that person an approver.
"""
from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from portal.cycles.models import AssessmentSheet, IllegalSheetChange, SheetApproval
from portal.audit.models import AuditEvent
from portal.violations.models import IllegalViolationChange, Violation
from tests.conftest import login
from tests.portal.sheets import STAGE_1, _fill, _revision, _url

LOCKED = "数据已锁定"  # the lock's reason: "…的考核已于…审批通过，该周期数据已锁定…"


def _submit(app, db, world):
    """t1-reviewer fills and submits stage 1 (2024-03-01 … 2024-07-31) over HTTP."""
    reviewer = app.test_client()
    token = login(reviewer, "t1-reviewer")
    _fill(app, reviewer, token, db, world)
    assert reviewer.post(_url(world, action="/submit"), data={"revision": _revision(db, world)},
                         headers={"X-CSRFToken": token}).status_code == 302


def _approve(app, db, world):
    _submit(app, db, world)
    approver = app.test_client()
    token = login(approver, "t1-approver")
    assert approver.post(_url(world, action="/approve"), data={"revision": _revision(db, world), "note": "同意"},
                         headers={"X-CSRFToken": token}).status_code == 302


def test_the_submitter_cannot_approve_even_after_becoming_an_approver(app, db, world):
    """Issue #6 §4, two signatures: the approval is refused because the same person submitted, whatever that
    person's role is now (an admin may change it between the two steps); nothing is approved or locked."""
    from portal.assessment import services
    from portal.cycles import services as cycle_services
    from portal.auth.models import User
    from portal.contracts.models import Contract
    from portal.db import get_session

    _submit(app, db, world)
    submitter = db.get(User, world[1]["users"]["reviewer"].id)
    submitter.role = "approver"  # as the bureau admin's account form would
    db.add(submitter)
    db.commit()
    with app.test_request_context():
        session = get_session()
        contract = session.get(Contract, world[1]["contract"].id)
        cycle = cycle_services.find_cycle(contract, STAGE_1)
        sheet = cycle_services.sheet_of(contract, cycle)
        user = session.get(User, submitter.id)
        assert user.role == "approver" and sheet.submitted_by_id == user.id
        with pytest.raises(IllegalSheetChange, match="提交人不能审批自己提交的考核表"):
            services.approve_sheet(contract, cycle, sheet, user, sheet.revision)
        session.rollback()
        # Another approver may.
        other = session.get(User, world[1]["users"]["approver"].id)
        approval = services.approve_sheet(contract, cycle, sheet, other, sheet.revision)
        assert approval.approved_by_id == other.id and approval.submitted_by_id == user.id
    # Over HTTP too: the promoted submitter passes the role gate and is still refused.
    client = app.test_client()
    token = login(client, "t1-reviewer")
    db.expire_all()
    assert db.exec(select(AssessmentSheet).where(AssessmentSheet.cycle_id == STAGE_1)).one().state == "submitted"
    response = client.post(_url(world, action="/approve"), data={"revision": _revision(db, world)},
                           headers={"X-CSRFToken": token}, follow_redirects=True)
    assert "提交人不能审批" in response.get_data(as_text=True)
    assert db.exec(select(SheetApproval).where(SheetApproval.cycle_id == STAGE_1)).first() is None


def test_every_action_on_a_locked_cycle_is_refused_with_its_reason_at_the_service_level(app, db, world):
    """Issue #6 §4: after approval, each write about a day of the cycle is refused by the service with the lock's
    reason; the violation (period 2024-04, in stage 1) keeps its status and its pending waiver; the next cycle
    stays open."""
    from portal.activities import services as activities
    from portal.assessment import services as assessment
    from portal.cycles import services as cycle_services
    from portal.auth.models import User
    from portal.violations.services import VIOLATION_ACTIONS, act_on_violation
    from portal.contracts.models import Contract
    from portal.db import get_session
    from portal.findings import services as findings
    from portal.findings.models import Finding, IllegalFindingChange
    from portal.reporting import services as reporting
    from portal.reporting.models import IllegalReview, Submission

    violation_id = world[1]["violation"].id
    users = {role: world[1]["users"][role].id for role in ("operator", "reviewer", "approver")}
    with app.test_request_context():  # a waiver proposed before the approval, still pending after it
        session = get_session()
        act_on_violation(session.get(Violation, violation_id), "propose_waiver", session.get(User, users["reviewer"]),
                         "停电导致系统无法登录")
        session.commit()
    _approve(app, db, world)
    audit_lines = len(db.exec(select(AuditEvent)).all())

    with app.test_request_context():
        session = get_session()
        contract = session.get(Contract, world[1]["contract"].id)
        operator, reviewer, approver = (session.get(User, users[r]) for r in ("operator", "reviewer", "approver"))

        # Violations: every action, by the role that may take it.
        violation = session.get(Violation, violation_id)
        for action, user, reason in (("acknowledge_violation", operator, None),
                                     ("propose_waiver", reviewer, "复核后再次申请"),
                                     ("waive_violation", approver, None),
                                     ("decline_waiver", approver, "经查系统当日正常")):
            with pytest.raises(IllegalViolationChange, match=LOCKED):
                act_on_violation(violation, action, user, reason)
        assert set(VIOLATION_ACTIONS) == {"acknowledge_violation", "propose_waiver", "waive_violation",
                                          "decline_waiver"}
        assert (violation.status, violation.waiver_reason) == ("open", "停电导致系统无法登录")

        # Reports: a new version for May, and the review of April's.
        may = reporting.find_obligation(contract, "monthly_plan_summary", "2024-05")
        with pytest.raises(reporting.SubmissionRefused, match=LOCKED):
            reporting.submit(contract, may, figures={"own_recruitment_events": 1}, narrative="补报", user=operator)
        with pytest.raises(IllegalReview, match=LOCKED):
            reporting.review(session.get(Submission, world[1]["submission"].id), accept=False, reason="补充材料",
                             user=reviewer)

        # Attendance and events.
        with pytest.raises(activities.WriteRefused, match=LOCKED):
            activities.save_attendance(contract, "2024-05", {}, user=operator)
        with pytest.raises(activities.WriteRefused, match=LOCKED):
            activities.record_event(contract, kind="recruitment_fair", held_on=date(2024, 6, 1), place="园区",
                                    participants=10, description="", files=[], user=operator)

        # Findings: new in the cycle, moved into it, withdrawn from it.
        data = {"kind": "spot_check", "found_on": date(2024, 6, 12), "description": "抽查着装", "people": "检查员乙",
                "station_id": world[1]["station"].id, "outcome": "", "verified": True, "serious": False,
                "collective": False}
        with pytest.raises(IllegalFindingChange, match=LOCKED):
            findings.record_finding(contract, data, [], reviewer)
        finding = session.get(Finding, world[1]["finding"].id)
        with pytest.raises(IllegalFindingChange, match=LOCKED):
            findings.edit_finding(finding, {**data, "found_on": date(2024, 8, 12)}, [], "改期", reviewer)
        with pytest.raises(IllegalFindingChange, match=LOCKED):
            findings.withdraw_finding(finding, "误记", reviewer)

        # The approved sheet itself takes no entry until it is reopened.
        sheet = cycle_services.sheet_of(contract, cycle_services.find_cycle(contract, STAGE_1))
        with pytest.raises(IllegalSheetChange, match="不能进行此操作"):
            assessment.save_entry(contract, sheet, "equipment_findings", "3", "复核", reviewer, sheet.revision)
        session.rollback()

        # The next cycle is open.
        activities.ensure_writable(contract, date(2024, 8, 1))
    db.expire_all()
    assert db.get(Violation, violation_id).status == "open"
    assert db.get(Finding, world[1]["finding"].id).withdrawn_at is None
    assert len(db.exec(select(AuditEvent)).all()) == audit_lines  # nothing was recorded as done


def test_a_violation_of_an_open_cycle_can_be_acted_on_and_each_action_is_audited(app, db, world):
    """The same service on an open cycle: the actions go through, each with its audit line (issue #6 §4)."""
    from portal.auth.models import User
    from portal.violations.services import act_on_violation
    from portal.db import get_session

    violation_id = world[1]["violation"].id
    with app.test_request_context():
        session = get_session()
        violation = session.get(Violation, violation_id)
        act_on_violation(violation, "acknowledge_violation", session.get(User, world[1]["users"]["operator"].id))
        reviewer = session.get(User, world[1]["users"]["reviewer"].id)
        act_on_violation(violation, "propose_waiver", reviewer, "系统故障")
        act_on_violation(violation, "waive_violation", session.get(User, world[1]["users"]["approver"].id))
        with pytest.raises(ValueError, match="unknown action"):
            act_on_violation(violation, "delete_violation", session.get(User, world[1]["users"]["approver"].id))
        session.commit()
    db.expire_all()
    assert db.get(Violation, violation_id).status == "waived"
    events = db.exec(select(AuditEvent).where(AuditEvent.object_id == violation_id, AuditEvent.action.in_(
        ("acknowledge_violation", "propose_waiver", "waive_violation"))).order_by(AuditEvent.id)).all()
    assert [(e.action, e.actor_name) for e in events] == [
        ("acknowledge_violation", "t1-operator"), ("propose_waiver", "t1-reviewer"), ("waive_violation", "t1-approver")]
    assert events[1].reason == "系统故障" and events[2].reason == "系统故障"  # the confirmed waiver keeps its reason


@pytest.mark.parametrize("period, end", [
    ("2024-Q1", date(2024, 3, 31)), ("2024-Q2", date(2024, 6, 30)), ("2024-Q3", date(2024, 9, 30)),
    ("2024-Q4", date(2024, 12, 31)), ("2024-02", date(2024, 2, 29)), ("2023-02", date(2023, 2, 28)),
    ("2024-12", date(2024, 12, 31)), ("2024", date(2024, 12, 31)),
    ("2024-13", None), ("2024-Q5", None), ("", None), ("Y1", None),
])
def test_a_violations_period_ends_on_its_last_day(period, end):
    """Issue #6 §4: a violation belongs to the cycle its period ends in (a quarter, a month, a year)."""
    from portal.violations.models import period_end

    assert period_end(period) == end


def test_a_violation_without_a_period_falls_on_the_day_it_was_found_in_shanghai():
    """DOMAIN.md §6.3 (Asia/Shanghai): found at 16:30 UTC on 31 July is 1 August in Shanghai — the next cycle."""
    from datetime import datetime, timezone

    found = datetime(2024, 7, 31, 16, 30, tzinfo=timezone.utc)
    assert Violation(period="", first_found_at=found).falls_on == date(2024, 8, 1)
    assert Violation(period="2024-04", first_found_at=found).falls_on == date(2024, 4, 30)


def test_the_lock_reason_names_the_cycle_and_the_day_of_approval(app, db, world):
    """DHIS2's "the specific reason for a lock" (STYLE.md): which cycle, from when to when, approved on which day
    (Asia/Shanghai), and what to do; a day outside the cycle, or of another contract, is not locked."""
    from portal.cycles.services import lock_reason

    _approve(app, db, world)
    approval = db.exec(select(SheetApproval).where(SheetApproval.cycle_id == STAGE_1)).one()
    from zoneinfo import ZoneInfo

    day = approval.approved_at.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d")
    contract_id = world[1]["contract"].id
    with app.test_request_context():
        reason = lock_reason(contract_id, date(2024, 3, 1))
        y, m, d = (int(x) for x in day.split("-"))  # inside a request: the reader's language, days in words
        assert reason == (
            f"第一阶段验收（合同签订5个月后）（2024年3月1日至2024年7月31日）的考核已于{y}年{m}月{d}日审批通过，"
            f"该周期数据已锁定，不能再修改；如需更正，请联系局方审批人重新开启考核。")
        assert lock_reason(contract_id, date(2024, 7, 31)) == reason
        assert lock_reason(contract_id, date(2024, 2, 29)) is None
        assert lock_reason(contract_id, date(2024, 8, 1)) is None
        assert lock_reason(world[2]["contract"].id, date(2024, 5, 1)) is None
