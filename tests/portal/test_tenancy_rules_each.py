"""Each tenancy rule, for each kind of user, by the exact set of rows it lets through.

Targets portal/tenancy.py (_operators_of_bureau, _bureau, _operator, _credit_grade, _by_owner, _contract_station,
_user, _outbox_mail, _station_application, _application_worker, _publication, _audit_event, _scheme_version) and
portal/scoping.py (register_rules, visible, scoped, get_or_404, bureau_scope_id).

The rule the product keeps (DOMAIN.md; issue #18): every tenant is walled off. An operator reaches only its own
data, a bureau only its own contracts and the operators it works with (registered, contracted or hosting a
station); a bureau admin manages the accounts of its bureau and of the operators it registered, and retries
their mail; a draft application is the operator's own until submitted; audit lines about an operator itself
(its accounts, credit grades, register entry) are seen by every bureau it works with, whichever bureau (or
none) they name; a platform admin reaches everything, an anonymous visitor nothing. A foreign object answers
404 exactly like a missing one, and an id no row can have answers 404 before any SQL is sent.

The walk in tests/portal/test_tenancy.py proves that routes refuse foreign ids; here each rule is pinned row by
row, with a row that only one clause of the rule admits (so dropping or inverting that clause changes the set).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_login import AnonymousUserMixin, login_user
from werkzeug.exceptions import NotFound

from portal import scoping
from portal.scoping import bureau_scope_id, get_or_404, scoped, visible


def _operator(db, n: int, registered_by):
    from portal.organisations.models import Operator
    from rules.identifiers import credit_code_check_char

    body = f"91450100MA5K000{n}"
    operator = Operator(name=f"规则运营单位{n}", credit_code=body + credit_code_check_char(body), licence_no=f"L-{n}",
                        contact_name="某人", contact_phone="13700000000", registered_by_bureau_id=registered_by)
    db.add(operator)
    db.flush()
    return operator


@pytest.fixture
def rows(db, world):
    """The rows each rule needs beyond the world (B = bureau, O = operator; 1 and 2 are the world's tenants):
    O3 registered by B1 only; O4 registered by B2, contracted by B1 (no station); O5 registered by B2, hosting a
    station of B1 (no contract); their accounts and grades; mail to accounts of each kind; a draft and a
    submitted application with a worker each; audit lines of every kind; a second own scheme version."""
    from portal.applications.models import ApplicationWorker, StationApplication
    from portal.audit.models import AuditEvent
    from portal.auth.models import User
    from portal.contracts.models import Contract, Station
    from portal.notifications.models import Notification, OutboxMail
    from portal.organisations.models import CreditGrade
    from tests.portal.applications.roster_builders import resident_id

    b1, b2 = world[1]["bureau"].id, world[2]["bureau"].id
    o3, o4, o5 = _operator(db, 13, b1), _operator(db, 14, b2), _operator(db, 15, b2)
    contract4 = Contract(bureau_id=b1, operator_id=o4.id, number="C-4", title="合同4", scheme_id="pingxiang-2024-lot1",
                         scheme_version="test", starts_on=date(2024, 3, 1), ends_on=date(2025, 2, 28),
                         value=Decimal("100.00"), payment_plan=[])
    station5 = Station(bureau_id=b1, operator_id=o5.id, name="站点5", kind="gig_market", address="某地",
                       required_staff=1)
    db.add_all([contract4, station5])
    grades = {n: CreditGrade(operator_id=o.id, kind="hr_service", grade="A", given_on=date(2024, 2, 1),
                             given_by="某局") for n, o in ((3, o3), (5, o5))}
    db.add_all(grades.values())
    users = {f"op{n}": User(username=f"rule-op{n}", display_name=f"op{n}", role="operator", operator_id=o.id,
                            password_hash=world[1]["users"]["operator"].password_hash)
             for n, o in ((3, o3), (4, o4))}
    db.add_all(users.values())
    db.flush()

    # Mail: to each tenant's operator (the world's notifications), to a bureau reviewer, to O3's and O4's
    # accounts, and to the platform admin.
    mails = {}
    for key, user_id, note in (("op1", None, world[1]["notification"]), ("op2", None, world[2]["notification"]),
                               ("reviewer1", world[1]["users"]["reviewer"].id, None),
                               ("op3", users["op3"].id, None), ("op4", users["op4"].id, None),
                               ("platform", world["platform"].id, None)):
        if note is None:
            note = Notification(user_id=user_id, dedup_key=f"rule|{key}", kind="reminder", subject="提醒", body="…")
            db.add(note)
            db.flush()
        mails[key] = OutboxMail(notification_id=note.id, to_address=f"{key}@example.test", subject="提醒", body="…")
        db.add(mails[key])

    # Applications: O1's draft (its own work in progress) and O4's submitted one, both to B1.
    template = world[1]["application"].model_dump(exclude={"id"})
    draft = StationApplication(**{**template, "state": "draft", "station_name": "草稿工作站"})
    submitted = StationApplication(**{**template, "operator_id": o4.id, "state": "submitted",
                                      "station_name": "已提交工作站", "created_by_id": users["op4"].id})
    db.add_all([draft, submitted])
    db.flush()
    for i, application in enumerate((draft, submitted)):
        db.add(ApplicationWorker(application_id=application.id, bureau_id=b1, operator_id=application.operator_id,
                                 row_number=2, name="工人", resident_id=resident_id(200 + i),
                                 household_registration="贵州省黔西市", employer="金华某公司", hire_date=date(2024, 3, 5)))

    # Audit: bureau lines, and operator-wide lines (each kind) naming another bureau or none.
    def audit(bureau_id, operator_id, object_type):
        event = AuditEvent(actor_name="t", action=f"test_{object_type}", object_type=object_type, object_id=1,
                           bureau_id=bureau_id, operator_id=operator_id)
        db.add(event)
        return event

    audits = {
        "b1_contract": audit(b1, world[1]["operator"].id, "contract"),
        "b2_contract": audit(b2, world[2]["operator"].id, "contract"),
        "b2_contract_o4": audit(b2, o4.id, "contract"),  # B2's dealings with O4 (whom B1 also contracts)
        "b2_account_o4": audit(b2, o4.id, "user_account"),  # O4's account, named by B2: B1 works with O4
        "none_grade_o5": audit(None, o5.id, "credit_grade"),  # O5 hosts a B1 station
        "none_operator_o3": audit(None, o3.id, "operator"),  # O3 registered by B1
        "none_account_o2": audit(None, world[2]["operator"].id, "user_account"),  # O2 works with B2 only
        "b2_grade_o2": audit(b2, world[2]["operator"].id, "credit_grade"),
        "none_none_account": audit(None, None, "user_account"),  # a failed login of an unknown name
    }
    db.commit()
    return {"o3": o3, "o4": o4, "o5": o5, "contract4": contract4, "station5": station5, "grades": grades,
            "users": users, "mails": mails, "draft": draft, "submitted": submitted, "audits": audits}


def _key(row):
    """A row's primary key: its id, or the tuple of a composite key (a contract's station)."""
    identity = sa.inspect(row).identity
    return identity[0] if len(identity) == 1 else identity


def _ids(model, user) -> set:
    from portal.db import get_session

    return {_key(row) for row in get_session().exec(scoped(model, user)).all()}


def _all_ids(model) -> set:
    from portal.db import get_session
    from sqlmodel import select

    return {_key(row) for row in get_session().exec(select(model)).all()}


def test_every_rule_lets_each_kind_of_user_reach_exactly_its_rows(app, world, rows):
    from portal.applications.models import ApplicationWorker, StationApplication
    from portal.audit.models import AuditEvent
    from portal.auth.models import User
    from portal.contracts.models import Contract, ContractStation, Station
    from portal.db import get_session
    from portal.notifications.models import OutboxMail
    from portal.organisations.models import Bureau, CreditGrade, Operator
    from portal.publication.models import Publication
    from portal.schemes.models import SchemeVersion
    from sqlmodel import select

    w1, w2 = world[1], world[2]
    u1, u2 = w1["users"], w2["users"]
    users = {"op1": u1["operator"], "reviewer1": u1["reviewer"], "approver1": u1["approver"], "admin1": u1["admin"],
             "op2": u2["operator"], "reviewer2": u2["reviewer"], "admin2": u2["admin"],
             "op3": rows["users"]["op3"], "op4": rows["users"]["op4"], "platform": world["platform"]}
    staff1, staff2 = ("reviewer1", "approver1", "admin1"), ("reviewer2", "admin2")
    o1, o2, o3, o4, o5 = (w1["operator"].id, w2["operator"].id, rows["o3"].id, rows["o4"].id, rows["o5"].id)
    a = {k: e.id for k, e in rows["audits"].items()}
    m = {k: e.id for k, e in rows["mails"].items()}

    with app.test_request_context():  # anonymous: an explicit user must be the one the rule reads
        session = get_session()
        shipped = {v.id for v in session.exec(select(SchemeVersion).where(SchemeVersion.bureau_id.is_(None))).all()}
        assert shipped, "the shipped schemes' versions are installed (platform-wide)"
        workers = {application_id: set() for application_id in _all_ids(StationApplication)}
        for worker in session.exec(select(ApplicationWorker)).all():
            workers[worker.application_id].add(worker.id)
        apps = {"a1": w1["application"].id, "a2": w2["application"].id, "draft": rows["draft"].id,
                "sub4": rows["submitted"].id}
        cs = {row.contract_id: (row.contract_id, row.station_id) for row in session.exec(select(ContractStation)).all()}
        user_ids = {k: u.id for k, u in users.items()}

        def by_bureau(one, two, ops=None):
            """The same set for each bureau's staff; operators' accounts get `ops` (default: nothing)."""
            out = {k: set(one) for k in staff1} | {k: set(two) for k in staff2}
            return out | {k: set() for k in ("op1", "op2", "op3", "op4")} | (ops or {})

        expected = {
            Bureau: by_bureau({w1["bureau"].id}, {w2["bureau"].id},
                              {"op1": {w1["bureau"].id}, "op2": {w2["bureau"].id}, "op3": set(),
                               "op4": {w1["bureau"].id}}),
            Operator: by_bureau({o1, o3, o4, o5}, {o2, o4, o5}, {"op1": {o1}, "op2": {o2}, "op3": {o3}, "op4": {o4}}),
            CreditGrade: by_bureau({w1["credit_grade"].id, rows["grades"][3].id, rows["grades"][5].id},
                                   {w2["credit_grade"].id, rows["grades"][5].id},
                                   {"op1": {w1["credit_grade"].id}, "op2": {w2["credit_grade"].id},
                                    "op3": {rows["grades"][3].id}}),
            Station: by_bureau({w1["station"].id, rows["station5"].id}, {w2["station"].id},
                               {"op1": {w1["station"].id}, "op2": {w2["station"].id}}),
            Contract: by_bureau({w1["contract"].id, rows["contract4"].id}, {w2["contract"].id},
                                {"op1": {w1["contract"].id}, "op2": {w2["contract"].id},
                                 "op4": {rows["contract4"].id}}),
            ContractStation: by_bureau({cs[w1["contract"].id]}, {cs[w2["contract"].id]},
                                       {"op1": {cs[w1["contract"].id]}, "op2": {cs[w2["contract"].id]}}),
            # A bureau admin: its bureau's staff and the accounts of the operators it registered (O3), not
            # of an operator it only contracts (O4, registered by B2). Everyone else: only oneself.
            User: {k: {user_ids[k]} for k in users}
            | {"admin1": {user_ids[k] for k in ("reviewer1", "approver1", "admin1", "op1", "op3")},
               "admin2": {user_ids[k] for k in ("reviewer2", "admin2", "op2", "op4")}
               | {u2["approver"].id}},
            OutboxMail: {k: set() for k in users} | {"admin1": {m["op1"], m["reviewer1"], m["op3"]},
                                                     "admin2": {m["op2"], m["op4"]}},
            StationApplication: by_bureau({apps["a1"], apps["sub4"]}, {apps["a2"]},
                                          {"op1": {apps["a1"], apps["draft"]}, "op2": {apps["a2"]},
                                           "op4": {apps["sub4"]}}),
            Publication: by_bureau({w1["publication"].id}, {w2["publication"].id},
                                   {"op1": {w1["publication"].id}, "op2": {w2["publication"].id}}),
            AuditEvent: by_bureau({a["b1_contract"], a["b2_account_o4"], a["none_grade_o5"], a["none_operator_o3"]},
                                  {a["b2_contract"], a["b2_contract_o4"], a["b2_account_o4"], a["none_grade_o5"],
                                   a["none_account_o2"], a["b2_grade_o2"]}),
            SchemeVersion: by_bureau(shipped | {w1["scheme_version"].id}, shipped | {w2["scheme_version"].id}),
        }
        expected[ApplicationWorker] = {
            k: set().union(*(workers[i] for i in ids)) if ids else set()
            for k, ids in expected[StationApplication].items()}
        assert workers[apps["draft"]] and workers[apps["sub4"]]

        for model, by_user in expected.items():
            everything = _all_ids(model)
            assert _ids(model, users["platform"]) == everything, f"{model.__name__}: the platform admin sees all"
            for key, user in users.items():
                if key == "platform":
                    continue
                assert _ids(model, user) == by_user[key], f"{model.__name__} as {key}"
                assert by_user[key] < everything or model is SchemeVersion, f"{model.__name__} as {key}: walled"
        # An audit line naming neither a bureau nor an operator is the platform's alone.
        assert a["none_none_account"] in _ids(AuditEvent, users["platform"])


def test_get_or_404_answers_the_own_object_and_404_for_a_foreign_missing_or_impossible_id(app, world, rows, db):
    from portal.auth.models import User
    from portal.contracts.models import Contract
    from portal.organisations.models import Bureau

    reviewer1, platform = world[1]["users"]["reviewer"], world["platform"]
    # The largest id an INTEGER primary key holds is still found (a row placed there by hand).
    top = Bureau(id=2**31 - 1, name="最大编号局", short_name="最大", region="广西", service_centre="某中心")
    db.add(top)
    db.commit()
    engine = app.extensions["kaohe_engine"]
    statements = []

    def count(*args):
        statements.append(args[2])

    with app.test_request_context():  # anonymous: the explicit user is the one that counts
        own = get_or_404(Contract, rows["contract4"].id, reviewer1)  # its bureau's second contract, not the first
        assert (own.id, own.number) == (rows["contract4"].id, "C-4")
        assert get_or_404(Contract, world[1]["contract"].id, reviewer1).number == "C-1"
        assert world[1]["bureau"].id == 1 and get_or_404(Bureau, 1, reviewer1).name == "测试局1"
        assert get_or_404(Bureau, 2**31 - 1, platform).name == "最大编号局"
        assert get_or_404(Bureau, world[2]["bureau"].id, platform).name == "测试局2"
        op1 = world[1]["users"]["operator"]
        assert get_or_404(User, op1.id, op1).username == "t1-operator"
        for model, pk, user in ((Contract, world[2]["contract"].id, reviewer1),  # foreign
                                (Contract, rows["contract4"].id, world[1]["users"]["operator"]),  # O4's, not O1's
                                (User, world[1]["users"]["approver"].id, op1),
                                (Contract, 987654, reviewer1), (Contract, 987654, platform)):  # missing
            with pytest.raises(NotFound):
                get_or_404(model, pk, user)
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            for pk in (0, -1, 2**31, 2**31 + 1, 2**32, 3**31 - 1, 2**63, "1", str(world[1]["contract"].id), 1.0,
                       None):
                with pytest.raises(NotFound):
                    get_or_404(Contract, pk, platform)
                assert statements == [], f"{pk!r}: refused before any SQL"
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)


def test_visible_reads_the_logged_in_user_by_default_and_anonymous_reaches_nothing(app, world, rows):
    from portal.contracts.models import Contract
    from portal.organisations.models import Bureau

    reviewer1, op1 = world[1]["users"]["reviewer"], world[1]["users"]["operator"]
    own1 = {world[1]["contract"].id, rows["contract4"].id}
    with app.test_request_context():
        assert bureau_scope_id() is None  # anonymous
        assert _ids(Contract, None) == set() and _ids(Contract, AnonymousUserMixin()) == set()
        with pytest.raises(NotFound):
            get_or_404(Contract, world[1]["contract"].id)
    for user, scope_id, contracts in ((reviewer1, world[1]["bureau"].id, own1),
                                      (world[2]["users"]["admin"], world[2]["bureau"].id, {world[2]["contract"].id}),
                                      (op1, None, {world[1]["contract"].id}),
                                      (world["platform"], None, own1 | {world[2]["contract"].id})):
        with app.test_request_context():
            login_user(user)
            assert bureau_scope_id() == scope_id, user.username
            assert _ids(Contract, None) == contracts, user.username
            first = min(contracts)
            assert get_or_404(Contract, first).id == first, user.username
            # An explicit user wins over the logged-in one.
            assert _ids(Contract, world[2]["users"]["operator"]) == {world[2]["contract"].id}, user.username
            assert _ids(Bureau, op1) == {world[1]["bureau"].id}


def test_a_registered_rule_is_the_one_applied_and_an_unruled_model_is_refused_by_name(app, world):
    from portal.contracts.models import Contract

    class Unruled:
        pass

    seen = []

    def rule(user):
        seen.append(user)
        return Contract.number == "C-2"

    reviewer1 = world[1]["users"]["reviewer"]
    with app.test_request_context():
        with pytest.raises(LookupError, match="^Unruled has no tenancy rule in portal/tenancy.py$"):
            visible(Unruled, reviewer1)
        original = scoping.RULES[Contract]
        try:
            scoping.register_rules({Contract: rule})
            assert scoping.RULES[Contract] is rule
            assert _ids(Contract, reviewer1) == {world[2]["contract"].id} and seen == [reviewer1]
        finally:
            scoping.register_rules({Contract: original})
        assert _ids(Contract, reviewer1) == {world[1]["contract"].id}
