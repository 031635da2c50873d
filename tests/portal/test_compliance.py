"""Compliance in the portal: findings stored once, alerts in the portal and by mail, the sweep."""
from __future__ import annotations

import socket
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import func, select

from portal.auth.models import User
from portal.violations.models import Violation
from portal.notifications.models import Notification, OutboxMail
from portal.contracts.models import Contract
from portal.organisations.models import CreditGrade
from portal.reporting.models import Submission
from rules.compliance import ACTIONS
from tests.conftest import add_contract, login

SH = ZoneInfo("Asia/Shanghai")


def _count(db, model, *where) -> int:
    return db.exec(select(func.count()).select_from(model).where(*where)).one()


def _sweep(app, at: datetime):
    from portal.compliance.services import sweep

    with app.app_context():
        return sweep(at)


def _submit(db, world, period: str, at: datetime, n: int = 1) -> None:
    side = world[n]
    year, month = map(int, period.split("-"))
    db.add(Submission(contract_id=side["contract"].id, bureau_id=side["bureau"].id, operator_id=side["operator"].id,
                      obligation_key="monthly_plan_summary", period_key=period,
                      due_at=datetime(year, month, 5, 23, 59, 59, tzinfo=SH), submitted_at=at,
                      submitted_by_id=side["users"]["operator"].id, figures={}, narrative="计划"))
    db.commit()


def _violation(db, rule_id: str, period: str, contract_id: int) -> Violation | None:
    return db.exec(select(Violation).where(Violation.rule_id == rule_id, Violation.period == period,
                                           Violation.contract_id == contract_id)).first()


def test_monthly_plan_at_23_59_59_on_the_5th_is_on_time_and_a_second_later_is_late(app, world, db):
    """seed 002 第9项: 每月5日之前…不及时上报的，每次扣0.1分 — Asia/Shanghai, DOMAIN.md §6.3."""
    contract_id = world[1]["contract"].id
    _submit(db, world, "2024-05", datetime(2024, 5, 5, 23, 59, 59, tzinfo=SH))
    _submit(db, world, "2024-06", datetime(2024, 6, 6, 0, 0, 1, tzinfo=SH))
    _submit(db, world, "2024-07", datetime(2024, 7, 5, 16, 0, 1, tzinfo=timezone.utc))  # the 6th in Shanghai
    _sweep(app, datetime(2024, 8, 1, tzinfo=SH))
    assert _violation(db, "deadlines.monthly_plan_late", "2024-05", contract_id) is None
    late = _violation(db, "deadlines.monthly_plan_late", "2024-06", contract_id)
    assert late is not None and late.penalty_points == Decimal("0.10") and late.status == "open"
    assert "2024-06" in str(late.evidence) and late.clause.startswith("《凭祥产业园就业服务站及城区、镇就业服务站建设项目采购文件》")
    assert _violation(db, "deadlines.monthly_plan_late", "2024-07", contract_id) is not None


def test_a_sweep_run_twice_creates_no_duplicates(app, world, db):
    at = datetime(2024, 8, 1, tzinfo=SH)
    first = _sweep(app, at)
    counts = (_count(db, Violation), _count(db, Notification), _count(db, OutboxMail))
    second = _sweep(app, at)
    assert first.new > 0 and second.new == 0
    assert (_count(db, Violation), _count(db, Notification), _count(db, OutboxMail)) == counts


def test_a_sweep_that_finds_nothing_new_writes_no_violation_row(app, world, db):
    """Issue #16: a re-run that finds the same violations leaves their rows untouched (no UPDATE, no row
    lock queueing a submission to the same contract); a later day that changes nothing changes nothing."""
    import sqlalchemy as sa

    _sweep(app, datetime(2024, 8, 1, tzinfo=SH))
    db.expire_all()
    before = {v.id: (v.last_found_at, v.status) for v in db.exec(select(Violation))}
    assert before, "the world has open violations to find again"
    updates: list[str] = []

    def count_updates(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE VIOLATION"):
            updates.append(statement)

    with app.app_context():
        from portal.db import get_session

        engine = get_session().get_bind()
        sa.event.listen(engine, "before_cursor_execute", count_updates)
        try:
            from portal.compliance.services import sweep

            again = sweep(datetime(2024, 8, 1, 6, tzinfo=SH))
        finally:
            sa.event.remove(engine, "before_cursor_execute", count_updates)
    assert (again.new, again.updated, again.rectified) == (0, 0, 0)
    assert updates == []
    db.expire_all()
    assert {v.id: (v.last_found_at, v.status) for v in db.exec(select(Violation))} == before


def test_a_missing_report_handed_in_late_stays_one_finding_and_changes_from_missing_to_late(app, world, db):
    contract_id = world[1]["contract"].id
    _sweep(app, datetime(2024, 8, 1, tzinfo=SH))
    missing = _violation(db, "deadlines.monthly_plan_late", "2024-06", contract_id)
    assert missing is not None and "missing" in str(missing.evidence)
    _submit(db, world, "2024-06", datetime(2024, 8, 2, 9, tzinfo=SH))
    _sweep(app, datetime(2024, 8, 3, tzinfo=SH))
    db.expire_all()
    again = db.exec(select(Violation).where(Violation.rule_id == "deadlines.monthly_plan_late",
                                            Violation.period == "2024-06", Violation.contract_id == contract_id)).all()
    assert len(again) == 1 and "late" in str(again[0].evidence)


def test_a_rule_that_raises_makes_the_sweep_fail_naming_the_rule_and_stores_nothing(app, world, db, monkeypatch):
    def boom(act, ev):
        raise ZeroDivisionError("division by zero inside the rule")

    key = "deadlines.monthly_plan_late#plan_missing"
    assert key in ACTIONS, "the rule's action moved; point the test at it"
    monkeypatch.setitem(ACTIONS, key, boom)
    result = app.test_cli_runner().invoke(args=["sweep", "--at", "2024-08-01T00:00:00+08:00"])
    assert result.exit_code != 0
    assert "deadlines.monthly_plan_late" in result.output and "nothing stored" in result.output
    assert _count(db, Violation) == 2  # only the two the test world started with


def test_sweep_command_reports_what_it_did(app, world):
    result = app.test_cli_runner().invoke(args=["sweep", "--at", "2024-08-01T00:00:00"])
    assert result.exit_code == 0, result.output
    assert "swept 2 contracts" in result.output


def test_rules_command_lists_every_rule_with_clause_and_penalty(app):
    result = app.test_cli_runner().invoke(args=["rules"])
    assert result.exit_code == 0
    assert "deadlines.monthly_plan_late" in result.output and "建设项目采购文件》" in result.output and "−0.1" in result.output


def test_credit_grade_c_fails_the_year_and_d_disqualifies(app, world, db):
    """seed 004 负面影响: 人力资源服务机构诚信等级C级的，考核不合格；D级的，取消联盟运营单位资格."""
    contract = db.get(Contract, world[1]["contract"].id)
    contract.scheme_id = "wujiang-2022"
    db.add(contract)
    db.add(CreditGrade(operator_id=world[1]["operator"].id, kind="hr_service", grade="C",
                       given_on=date(2024, 6, 1), given_by="苏州市人社局"))
    db.commit()
    _sweep(app, datetime(2024, 7, 1, tzinfo=SH))
    assert _count(db, Violation, Violation.rule_id == "conduct.credit_grade_c_fail") == 1
    db.add(CreditGrade(operator_id=world[1]["operator"].id, kind="hr_service", grade="D",
                       given_on=date(2024, 9, 1), given_by="苏州市人社局"))
    db.commit()
    _sweep(app, datetime(2024, 10, 1, tzinfo=SH))
    assert _count(db, Violation, Violation.rule_id == "conduct.credit_grade_d_disqualified") == 1
    # The serious finding reaches the bureau as well as the operator.
    approver = world[1]["users"]["approver"].id
    assert _count(db, Notification, Notification.user_id == approver) >= 1


def test_a_submission_runs_the_rules_at_once(app, world, db):
    client = app.test_client()
    token = login(client, "t1-operator")
    contract_id = world[1]["contract"].id
    client.post(f"/contracts/{contract_id}/reports/monthly_plan_summary/2024-06", headers={"X-CSRFToken": token},
                data={"narrative": "补报", "fact_referrals_to_park_employers": "1", "fact_own_recruitment_events": "0",
                      "fact_campus_fairs_attended": "0", "fact_policy_events_assisted": "0"})
    late = _violation(db, "deadlines.monthly_plan_late", "2024-06", contract_id)
    assert late is not None and "late" in str(late.evidence)
    page = client.get(f"/contracts/{contract_id}/violations").get_data(as_text=True)
    assert "deadlines.monthly_plan_late" in page and "建设项目采购文件》" in page
    assert client.get("/notifications").status_code == 200


def _current_contract(db, world) -> Contract:
    return add_contract(db, world, scheme_id="pingxiang-2024-lot1", starts_on=date(2026, 11, 1),
                        ends_on=date(2027, 10, 31), number="PX-NOW")


def test_a_reminder_goes_out_three_days_before_a_deadline_and_only_once(app, world, db):
    contract = _current_contract(db, world)
    due = datetime(2026, 12, 5, 23, 59, 59, tzinfo=SH)  # the December plan (seed 002 第9项)
    key = f"reminder|{contract.id}|monthly_plan_summary:2026-12"
    _sweep(app, due - timedelta(days=3, seconds=1))
    assert _count(db, Notification, Notification.dedup_key == key) == 0
    _sweep(app, due - timedelta(days=2))
    _sweep(app, due - timedelta(days=1))
    assert _count(db, Notification, Notification.dedup_key == key) == 1  # one operator user, once


def test_the_morning_reminders_go_a_batch_at_a_time_once_and_not_for_what_was_handed_in(app, world, db,
                                                                                     monkeypatch):
    """The 09:00 task (compliance.remind_all) reminds like the sweep: in batches (here of one contract), once
    per user and deadline, and not for an instance that already has a version."""
    import portal.compliance.services as compliance

    contract = _current_contract(db, world)
    other = add_contract(db, world, scheme_id="pingxiang-2024-lot1", starts_on=date(2026, 11, 1),
                         ends_on=date(2027, 10, 31), number="PX-NOW-2")
    due = datetime(2026, 12, 5, 23, 59, 59, tzinfo=SH)
    operator = db.exec(select(User).where(User.operator_id == other.operator_id)).first()
    db.add(Submission(contract_id=other.id, bureau_id=other.bureau_id, operator_id=other.operator_id,
                      obligation_key="monthly_plan_summary", period_key="2026-12", due_at=due,
                      submitted_at=due - timedelta(days=4), submitted_by_id=operator.id))
    db.commit()
    monkeypatch.setattr(compliance, "SWEEP_BATCH", 1)
    with app.app_context():
        from portal.db import get_session

        made = compliance.remind_all(due - timedelta(days=2))
        again = compliance.remind_all(due - timedelta(days=1))
        get_session().commit()
    key = "reminder|{}|monthly_plan_summary:2026-12"
    assert _count(db, Notification, Notification.dedup_key == key.format(contract.id)) == 1
    assert _count(db, Notification, Notification.dedup_key == key.format(other.id)) == 0
    assert made >= 1 and again == 0


# --- mail over a real SMTP server on loopback ------------------------------------------------

class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_port():
    return _free_port()


def _with_mail(app, db, world, port):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=3)
    user = db.get(User, world[1]["users"]["operator"].id)
    user.email = "operator1@example.test"
    db.add(user)
    db.commit()


def _deliver(app, now=None):
    from portal.notifications.services import deliver_outbox

    with app.app_context():
        return deliver_outbox(now)


def test_violation_mail_is_delivered_through_a_real_smtp_server(app, world, db, smtp_port):
    _with_mail(app, db, world, smtp_port)
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        _sweep(app, datetime(2024, 8, 1, tzinfo=SH))
        result = _deliver(app)
    finally:
        controller.stop()
    assert result.sent == _count(db, OutboxMail) > 0 and result.failed == 0
    assert all(rcpt == ["operator1@example.test"] for rcpt, _ in inbox.messages)
    assert len(inbox.messages) == result.sent
    import email
    from email import policy

    parsed = [email.message_from_string(raw, policy=policy.default) for _, raw in inbox.messages]
    assert all(m["Subject"].startswith("【考核】C-1：") for m in parsed)
    late = [m for m in parsed if "2024年6月" in m["Subject"] or "2024年6月" in m.get_content()]  # dates in words
    assert late and "建设项目采购文件》" in late[0].get_content() and "依据 / clause" in late[0].get_content()
    assert _count(db, OutboxMail, OutboxMail.sent_at.is_(None)) == 0


def test_a_mail_server_that_is_down_loses_nothing_and_the_mail_is_retried(app, world, db, smtp_port):
    _with_mail(app, db, world, smtp_port)
    _sweep(app, datetime(2024, 8, 1, tzinfo=SH))
    queued = _count(db, OutboxMail)
    failed = _deliver(app)  # nothing listens on the port
    assert failed.failed == queued and failed.sent == 0
    db.expire_all()
    mails = db.exec(select(OutboxMail)).all()
    assert all(m.sent_at is None and m.attempts == 1 and m.last_error for m in mails)
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        assert _deliver(app).sent == 0, "not before the retry time"
        later = datetime.now(timezone.utc) + timedelta(hours=1)
        assert _deliver(app, later).sent == queued
    finally:
        controller.stop()
    assert len(inbox.messages) == queued
