"""Issue #13, tenancy and roles: an admin binds accounts only to operators its bureau registered (the one
rule behind the form's choices); audit lines about an operator (its accounts, logins, credit grades) are seen
by every bureau the operator works with; failed logins are audited; a credit grade is recorded once."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlmodel import select

from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.contracts.models import Contract
from portal.organisations.models import CreditGrade
from tests.conftest import PASSWORD, csrf_token, login


def _share_operator_2_with_bureau_1(db, world):
    """Operator 2 (registered by bureau 2) also holds a contract in bureau 1."""
    contract = Contract(bureau_id=world[1]["bureau"].id, operator_id=world[2]["operator"].id, number="C-SHARED",
                        title="共享", scheme_id="pingxiang-2024-lot1", scheme_version="test",
                        starts_on=date(2024, 3, 1), ends_on=date(2025, 2, 28), value=Decimal("100.00"),
                        payment_plan=[])
    db.add(contract)
    db.commit()
    return contract


def _new_operator_account(client, token, operator_id, username="op-new"):
    return client.post("/users/new", data={"username": username, "display_name": "新账号", "email": "",
                                           "role": "operator", "bureau_id": "0", "operator_id": str(operator_id),
                                           "password": "a-long-password-1", "active": "y"},
                       headers={"X-CSRFToken": token})


def test_a_bureau_admin_cannot_create_an_account_for_another_bureaus_operator(app, world, db):
    _share_operator_2_with_bureau_1(db, world)
    client = app.test_client()
    token = login(client, "t1-admin")
    page = client.get("/users/new").get_data(as_text=True)
    assert world[1]["operator"].name in page and world[2]["operator"].name not in page
    response = _new_operator_account(client, token, world[2]["operator"].id)
    assert response.status_code == 200  # the form again, with the choice refused
    assert db.exec(select(User).where(User.username == "op-new")).first() is None


def test_an_operator_account_creation_is_seen_by_the_bureaus_of_that_operator(app, world, db):
    _share_operator_2_with_bureau_1(db, world)
    client = app.test_client()
    token = login(client, "t2-admin")
    assert _new_operator_account(client, token, world[2]["operator"].id).status_code == 302
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "create_user")).one()
    assert event.bureau_id == world[2]["bureau"].id and event.operator_id == world[2]["operator"].id
    for who in ("t1-approver", "t2-approver"):  # bureau 1 contracts operator 2: the account concerns it too
        other = app.test_client()
        login(other, who)
        page = other.get("/audit?action=create_user").get_data(as_text=True)
        assert f"账号 #{event.object_id}" in page, who  # the object by its label (portal/audit/labels.py)


def test_disabling_and_resetting_an_operator_account_are_audited_for_its_bureau(app, world, db):
    client = app.test_client()
    token = login(client, "t1-admin")
    account = world[1]["users"]["operator"]
    response = client.post(f"/users/{account.id}/edit", data={
        "username": account.username, "display_name": "停用", "email": "", "role": "operator", "bureau_id": "0",
        "operator_id": str(world[1]["operator"].id), "password": "another-long-password"},
        headers={"X-CSRFToken": token})
    assert response.status_code == 302
    actions = set(db.exec(select(AuditEvent.action).where(AuditEvent.object_id == account.id,
                                                          AuditEvent.object_type == "user_account")).all())
    assert {"update_user", "reset_password", "disable_user"} <= actions
    row = f"账号 #{account.id}"
    assert row in client.get("/audit?action=disable_user").get_data(as_text=True)
    foreign = app.test_client()
    login(foreign, "t2-admin")
    assert row not in foreign.get("/audit?action=disable_user").get_data(as_text=True)


def test_operator_logins_and_failed_logins_are_audited_and_seen_by_the_operators_bureau(app, world, db):
    client = app.test_client()
    token = csrf_token(client)
    response = client.post("/login", data={"username": "t1-operator", "password": "wrong-password",
                                           "csrf_token": token})
    assert response.status_code == 401
    client.post("/login", data={"username": "nobody-correct-horse", "password": "x", "csrf_token": token})
    failed = db.exec(select(AuditEvent).where(AuditEvent.action == "login_failed").order_by(AuditEvent.id)).all()
    assert len(failed) == 2
    assert failed[0].operator_id == world[1]["operator"].id and failed[0].after["username"] == "t1-operator"
    assert "correct-horse" not in str(failed[1].after)  # a mistyped password in the name field is not kept
    login(app.test_client(), "t1-operator")
    approver = app.test_client()
    login(approver, "t1-approver")
    account = world[1]["users"]["operator"]
    for action in ("login", "login_failed"):
        page = approver.get(f"/audit?action={action}").get_data(as_text=True)
        assert f"账号 #{account.id}" in page, action
    foreign = app.test_client()
    login(foreign, "t2-approver")
    assert f"账号 #{account.id}" not in foreign.get("/audit?action=login_failed").get_data(as_text=True)


def test_a_credit_grade_is_the_operators_recorded_once_and_every_bureau_sees_its_audit_line(app, world, db):
    _share_operator_2_with_bureau_1(db, world)
    client = app.test_client()
    token = login(client, "t1-approver")
    operator = world[2]["operator"]
    form = {"kind": "hr_service", "grade": "D", "given_on": "2024-06-01", "given_by": "苏州市人社局", "note": ""}
    assert client.post(f"/operators/{operator.id}/credit-grades", data=form,
                       headers={"X-CSRFToken": token}).status_code == 302
    grade = db.exec(select(CreditGrade).where(CreditGrade.operator_id == operator.id,
                                              CreditGrade.grade == "D")).one()
    assert grade.recorded_by_bureau_id == world[1]["bureau"].id
    again = client.post(f"/operators/{operator.id}/credit-grades", data=form, headers={"X-CSRFToken": token})
    assert again.status_code == 422 and "已记录" in again.get_data(as_text=True)
    other = app.test_client()
    login(other, "t2-approver")  # the operator's registering bureau, whose scores the grade also decides
    trail = other.get("/audit?action=record_credit_grade").get_data(as_text=True)
    # in words: the kind by its name and the day as people write it (once "hr_service D 2024-06-01 苏州市人社局")
    assert "人力资源服务机构诚信等级 D 2024年6月1日 苏州市人社局" in trail and "hr_service" not in trail
    assert world[1]["bureau"].name in other.get(f"/operators/{operator.id}").get_data(as_text=True)
