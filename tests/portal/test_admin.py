"""Admins manage bureaus, operators, stations, contracts and users through validated forms."""
from __future__ import annotations

from decimal import Decimal

from sqlmodel import func, select

from portal.audit.models import AuditEvent
from portal.contracts.models import Contract, ContractStation
from portal.organisations.models import CreditGrade, Operator
from rules.identifiers import credit_code_check_char
from tests.conftest import login

VALID_CODE = "91450100MA5K00009" + credit_code_check_char("91450100MA5K00009")


def _count(db, model) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


def _operator_form(**overrides) -> dict:
    return {"name": "新运营单位", "credit_code": VALID_CODE, "licence_no": "L-9", "contact_name": "张三",
            "contact_phone": "13912345678", "address": "", **overrides}


def test_a_bad_credit_code_gets_an_error_next_to_the_field_and_nothing_is_saved(app, world, db):
    client = app.test_client()
    token = login(client, "t1-admin")
    before = _count(db, Operator)
    wrong_check = VALID_CODE[:17] + ("0" if VALID_CODE[17] != "0" else "1")
    for bad, expected in ((wrong_check, "校验码错误"), ("91450100MA5K0000", "应为18位"),
                          ("91450100MA5K0000I1", "不允许的字符")):
        response = client.post("/operators/new", data=_operator_form(credit_code=bad),
                               headers={"X-CSRFToken": token})
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert 'id="credit_code-error"' in html and expected in html, bad
    assert _count(db, Operator) == before


def test_a_valid_operator_is_saved_with_an_audit_line(app, world, db):
    client = app.test_client()
    token = login(client, "t1-admin")
    response = client.post("/operators/new", data=_operator_form(credit_code=VALID_CODE.lower()),
                           headers={"X-CSRFToken": token})
    assert response.status_code == 302
    operator = db.exec(select(Operator).where(Operator.credit_code == VALID_CODE)).one()
    assert operator.registered_by_bureau_id == world[1]["bureau"].id
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "create_operator")).one()
    assert event.actor_name == "t1-admin" and event.after["credit_code"] == VALID_CODE


def test_a_duplicate_credit_code_is_refused(app, world, db):
    client = app.test_client()
    token = login(client, "t1-admin")
    response = client.post("/operators/new", data=_operator_form(credit_code=world[1]["operator"].credit_code),
                           headers={"X-CSRFToken": token})
    assert "该统一社会信用代码已登记" in response.get_data(as_text=True)


def _contract_form(world, **overrides) -> dict:
    side = world[1]
    return {"bureau_id": side["bureau"].id, "operator_id": side["operator"].id, "number": "PX-NEW",
            "title": "新合同", "scheme_id": "pingxiang-2024-lot1", "starts_on": "2024-03-01",
            "ends_on": "2025-02-28", "value": "1,885,000.00", "station_ids": str(side["station"].id),
            "payment_plan": "预付款, 40%\n第一阶段, 20%\n第二阶段, 20%\n第三阶段, 20%", **overrides}


def test_a_contract_is_saved_with_exact_money_and_its_stations(app, world, db):
    client = app.test_client()
    token = login(client, "t1-admin")
    response = client.post("/contracts/new", data=_contract_form(world), headers={"X-CSRFToken": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    contract = db.exec(select(Contract).where(Contract.number == "PX-NEW")).one()
    assert contract.value == Decimal("1885000.00") and isinstance(contract.value, Decimal)
    assert [s["share"] for s in contract.payment_plan] == ["0.4", "0.2", "0.2", "0.2"]
    assert contract.scheme_version.startswith("pingxiang-2024-lot1")
    links = db.exec(select(ContractStation).where(ContractStation.contract_id == contract.id)).all()
    assert [link.station_id for link in links] == [world[1]["station"].id]
    page = client.get(f"/contracts/{contract.id}").get_data(as_text=True)
    assert "¥1,885,000.00" in page and "¥754,000.00" in page  # the 40% advance, to the fen


def test_contract_form_errors_stand_next_to_their_fields(app, world, db):
    client = app.test_client()
    token = login(client, "t1-admin")
    before = _count(db, Contract)
    cases = [
        ({"payment_plan": "预付款, 40%\n结算, 50%"}, "payment_plan", "合计为90%"),
        ({"ends_on": "2024-01-01"}, "ends_on", "结束日期必须晚于开始日期"),
        ({"value": "100.005"}, "value", "金额最多两位小数"),
        ({"station_ids": str(world[2]["station"].id)}, "station_ids", ""),
    ]
    for overrides, field, message in cases:
        response = client.post("/contracts/new", data=_contract_form(world, **overrides),
                               headers={"X-CSRFToken": token})
        html = response.get_data(as_text=True)
        assert f'id="{field}-error"' in html, (field, html[-2000:])
        assert message in html
    assert _count(db, Contract) == before


def test_a_bureau_admin_cannot_place_a_contract_in_another_bureau(app, world, db):
    client = app.test_client()
    token = login(client, "t1-admin")
    response = client.post("/contracts/new", data=_contract_form(world, bureau_id=world[2]["bureau"].id),
                           headers={"X-CSRFToken": token})
    assert 'id="bureau_id-error"' in response.get_data(as_text=True)
    assert db.exec(select(Contract).where(Contract.number == "PX-NEW")).first() is None


def test_approvers_record_credit_grades_and_the_latest_is_in_force(app, world, db):
    """seed 004: grade C fails the year and D expels, so a first-level reviewer may not record one."""
    operator_id = world[1]["operator"].id
    grade = {"kind": "hr_service", "grade": "C", "given_on": "2024-09-01", "given_by": "某市人社局", "note": ""}
    reviewer = app.test_client()
    token = login(reviewer, "t1-reviewer")
    assert reviewer.post(f"/operators/{operator_id}/credit-grades", headers={"X-CSRFToken": token},
                         data=grade).status_code == 403
    client = app.test_client()
    token = login(client, "t1-approver")
    response = client.post(f"/operators/{operator_id}/credit-grades", headers={"X-CSRFToken": token}, data=grade)
    assert response.status_code == 302
    page = client.get(f"/operators/{operator_id}").get_data(as_text=True)
    assert "grade-C" in page
    assert _count(db, CreditGrade) == 3


def test_roles_that_may_not_administer_get_403(app, world):
    for role in ("operator", "reviewer", "approver"):
        client = app.test_client()
        login(client, f"t1-{role}")
        for path in ("/contracts/new", "/operators/new", "/stations/new", "/users/new", "/bureaus/new"):
            assert client.get(path).status_code == 403, (role, path)


def test_only_the_platform_admin_creates_bureaus(app, world):
    client = app.test_client()
    login(client, "t1-admin")
    assert client.get("/bureaus/new").status_code == 403
    platform = app.test_client()
    token = login(platform, "t-platform")
    response = platform.post("/bureaus/new", headers={"X-CSRFToken": token}, data={
        "name": "新干县人力资源和社会保障局", "short_name": "新干", "region": "江西省", "service_centre": "新干县就业服务中心"})
    assert response.status_code == 302


def test_a_bureau_admin_creates_an_operator_login_bound_to_its_operator(app, world, db):
    from portal.auth.models import User

    client = app.test_client()
    token = login(client, "t1-admin")
    response = client.post("/users/new", headers={"X-CSRFToken": token}, data={
        "username": "new-op", "display_name": "新账号", "email": "", "role": "operator", "bureau_id": "0",
        "operator_id": str(world[1]["operator"].id), "password": "long-enough-pw", "active": "y"})
    assert response.status_code == 302
    user = db.exec(select(User).where(User.username == "new-op")).one()
    assert (user.role, user.operator_id, user.bureau_id) == ("operator", world[1]["operator"].id, None)
    # …and cannot bind one to another bureau's operator: that choice is not offered.
    response = client.post("/users/new", headers={"X-CSRFToken": token}, data={
        "username": "bad-op", "display_name": "x", "email": "", "role": "operator", "bureau_id": "0",
        "operator_id": str(world[2]["operator"].id), "password": "long-enough-pw", "active": "y"})
    assert 'id="operator_id-error"' in response.get_data(as_text=True)


def test_a_bureau_admin_cannot_take_over_a_shared_operators_accounts_or_record(app, world, db):
    """An operator registered by bureau 1 that also works for bureau 2 stays bureau 1's to administer."""
    from portal.contracts.models import Station

    db.add(Station(bureau_id=world[2]["bureau"].id, operator_id=world[1]["operator"].id, name="共享站点",
                   kind="gig_market", address="某地", required_staff=1))
    db.commit()
    client = app.test_client()
    token = login(client, "t2-admin")
    operator_user = world[1]["users"]["operator"].id
    assert client.get(f"/users/{operator_user}/edit").status_code == 404
    assert client.post(f"/users/{operator_user}/edit", headers={"X-CSRFToken": token}, data={
        "username": "t1-operator", "display_name": "x", "email": "", "role": "operator", "bureau_id": "0",
        "operator_id": str(world[1]["operator"].id), "password": "hijacked-password", "active": "y"}).status_code == 404
    assert client.get(f"/operators/{world[1]['operator'].id}").status_code == 200, "it may see the operator"
    assert client.get(f"/operators/{world[1]['operator'].id}/edit").status_code == 403, "but not rewrite it"
    login(app.test_client(), "t1-operator")  # the password did not change


def test_a_contract_with_data_keeps_its_owners_scheme_and_start(app, world, db):
    client = app.test_client()
    token = login(client, "t1-admin")
    contract_id = world[1]["contract"].id
    response = client.post(f"/contracts/{contract_id}/edit", headers={"X-CSRFToken": token},
                           data=_contract_form(world, number="C-1", scheme_id="xingan"))
    assert 'id="scheme_id-error"' in response.get_data(as_text=True)
    assert db.get(Contract, contract_id).scheme_id == "pingxiang-2024-lot1"
