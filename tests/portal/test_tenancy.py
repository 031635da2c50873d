"""Tenancy: every route that takes an id, as every role, against own and foreign objects.

A foreign object must answer exactly like a missing one (404, same page), or 403 where the role may
not use the route at all; no row may change. The walk fails on any id parameter it does not know, so a
new route cannot slip past it.
"""
from __future__ import annotations

import io
import re
from types import SimpleNamespace
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from werkzeug.routing.converters import IntegerConverter

from portal import scoping, tenancy
from portal.models import metadata
from tests.conftest import WORLD_PNG, login
from tests.portal.applications.roster_builders import roster_csv

ROLES = ("reviewer", "approver", "admin", "operator")
MISSING_ID = 987654


@pytest.fixture
def world(world, db):
    """The shared world plus a mail that failed once in each tenant's outbox (the admin's outbox page), and
    each tenant's upload interrupted (so its retry is a valid POST), and a rendered PDF export each."""
    from portal.notifications.models import OutboxMail
    from portal.payments.models import ExportFile

    for n in (1, 2):
        side = world[n]
        side["mail"] = OutboxMail(notification_id=side["notification"].id, to_address=f"operator{n}@example.test",
                                  subject="月度计划逾期", body="…", attempts=1,
                                  last_error="ConnectionRefusedError: [Errno 111] Connection refused")
        db.add(side["mail"])
        side["upload"].state = "failed"
        db.add(side["upload"])
        contract = side["contract"]
        side["export"] = ExportFile(kind="settlement", object_id=contract.id, contract_id=contract.id,
                                    bureau_id=contract.bureau_id, operator_id=contract.operator_id,
                                    filename="结算单.pdf", requested_by_id=side["users"]["approver"].id,
                                    state="done", data=b"%PDF-1.7 test")
        db.add(side["export"])
    db.commit()
    return world


def _target(world, tenant: int, param: str):
    side = world[tenant]
    return {
        "bureau_id": side["bureau"],
        "operator_id": side["operator"],
        "station_id": side["station"],
        "contract_id": side["contract"],
        "user_id": side["users"]["operator"],
        "submission_id": side["submission"],
        "violation_id": side["violation"],
        "notification_id": side["notification"],
        "upload_id": side["upload"],
        "approval_id": side["approval"],
        "application_id": side["application"],
        "finding_id": side["finding"],
        "staff_id": side["staff"],
        "event_id": side["event"],
        "attachment_id": side["attachment"],
        "payment_id": side["payment"],
        "notice_id": side["notice"],
        "proposal_id": side["termination"],
        "publication_id": side["publication"],
        "result_id": side["result"],
        "objection_id": side["objection"],
        "mail_id": side["mail"],
        "export_id": side["export"],
        "version_id": side["scheme_version"],
    }[param]


# String parameters of id routes take these values (an obligation and period every test contract has).
STRING_PARAMS = {"obligation_key": "monthly_plan_summary", "period_key": "2024-05", "cycle_id": "stage_2",
                 "month": "2024-05", "field": "place", "key": "equipment_findings", "decision": "submit"}


def _revision(world, tenant: int) -> int:
    """The sheet's current revision, so an assessment POST is not refused as a stale edit."""
    from sqlalchemy.orm import object_session

    sheet = world[tenant]["sheet"]
    object_session(sheet).refresh(sheet)
    return sheet.revision


def _payload(world, tenant: int, rule: str) -> dict:
    """Form data that would be valid for the tenant's own object, so a hole would really write."""
    side = world[tenant]
    return {
        "name": "改名", "short_name": "改", "region": "某地", "service_centre": "某中心",
        "credit_code": side["operator"].credit_code, "licence_no": "L-X", "contact_name": "某人",
        "contact_phone": "13900000000", "address": "新地址",
        "kind": "hr_service" if "credit" in rule else "gig_market",
        "grade": "D", "given_on": "2024-06-01", "given_by": "某局", "note": "",
        "bureau_id": side["bureau"].id, "operator_id": side["operator"].id,
        "number": "C-X", "title": "改名", "scheme_id": "pingxiang-2024-lot1",
        "starts_on": "2024-03-01", "ends_on": "2025-02-28", "value": "1.00",
        "payment_plan": "预付款, 100%", "station_ids": str(side["station"].id),
        "required_staff": "3", "opening_hours": "", "established_on": "",
        "username": "renamed-user", "display_name": "改名", "email": "", "role": "operator",
        "password": "", "active": "y",
        "narrative": "本月工作", "fact_referrals_to_park_employers": "5", "fact_own_recruitment_events": "1",
        "fact_campus_fairs_attended": "0", "fact_policy_events_assisted": "0",
        "decision": "accept", "reason": "核实无误",
        "fact": "equipment_findings", "value": "2", "revision": str(_revision(world, tenant)),
        "ledger_type": "assistance", "obligation": "",
        "file": ((io.BytesIO(roster_csv(50)), "名册.csv") if rule.endswith("/roster")
                 else (io.BytesIO("姓名,身份证号\n".encode()), "帮扶.csv")),
        # station applications (seed 001 第二章) and station qualifications (第八条, 第十条)
        "station_name": "改名工作站", "cooperation_region": "贵州省黔西市", "applicant_head": "某人",
        "applicant_phone": "13900000001", "partner_name": "某机构", "partner_head": "某人", "partner_phone": "13900000002",
        "remote_office": "黔西某地", "liaison_person": "某人", "agreement": "协议", "term_until": "2099-12-31",
        "commitment": "y",
        "outcome": ("approve" if rule.endswith("/decide") else "" if "/findings" in rule
                    else "failed" if "/notices/" in rule else "pass"),
        "ground": "own_request", "cancelled_on": "2024-06-01", "year": "2024",
        "condition_1": "y", "condition_2": "y", "condition_3": "y", "condition_4": "y",
        "finding_kind": "spot_check", "found_on": "2024-06-12", "description": "抽查考勤与着装", "people": "检查员乙",
        "effects-0-fact_key": "no_uniform_person_times", "effects-0-value": "2", "effects-0-reason": "2人未穿工作服",
        "post": "驻站专员", "station_id": str(side["station"].id),
        "m%d_1" % side["staff"].id: "P", "m%d_2" % side["staff"].id: "F",
        "sheet": (io.BytesIO(f"姓名,1日,2日\n{side['staff'].name},在岗,外勤\n".encode()), "考勤.csv"),
        "event_kind": "training", "held_on": "2024-06-01", "place": "园区", "participants": "30",
        "evidence": "抽查记录复印件" if "/objections" in rule else (io.BytesIO(WORLD_PNG), "现场.png"),
        "evidence_files": (io.BytesIO(WORLD_PNG), "证据.png"),
        "line": "advance", "amount": "0.01", "paid_on": "2024-03-25", "bank_reference": "BANK-X",
        "findings": "站点人员不足", "clause": "seed 002 服务内容 4.监督考核", "approval_id": "", "notice_id": "",
        "due_on": (date.today() + timedelta(days=30)).isoformat(), "effective_on": "2024-12-01",
        "report": "已补足站点人员",
        "verdict": "dismissed", "text": "第3项扣分与抽查记录不符", "target": "",
        "notice_days": "5", "change_note": "",
    }


def _strings(rule) -> dict:
    names = set(rule.arguments) - {n for n, c in rule._converters.items() if isinstance(c, IntegerConverter)}
    unknown = names - set(STRING_PARAMS)
    assert not unknown, f"{rule.rule}: the walk does not know the parameters {unknown}; teach it"
    return {name: STRING_PARAMS[name] for name in names}


def _snapshot(app) -> dict:
    engine = app.extensions["kaohe_engine"]
    with engine.connect() as conn:
        return {t.name: sorted(map(repr, conn.execute(sa.select(t)).all())) for t in metadata.sorted_tables}


def _id_routes(app):
    for rule in app.url_map.iter_rules():
        params = [name for name, conv in rule._converters.items() if isinstance(conv, IntegerConverter)]
        if params:
            yield rule, params


_VOLATILE = re.compile(r'value="[^"]*"|"X-CSRFToken": "[^"]*"')


def test_every_tenant_owned_model_has_a_scoping_rule():
    scoped_tables = {model.__tablename__ for model in tenancy.RULES}
    tenant_tables = {t.name for t in metadata.sorted_tables} - {"alembic_version"}
    assert tenant_tables <= scoped_tables, f"models without a tenancy rule: {tenant_tables - scoped_tables}"
    assert all(scoping.RULES[model] is rule for model, rule in tenancy.RULES.items()), "registered as written"


def test_a_model_without_a_rule_is_refused_not_shown():
    """Fail closed: the mechanism knows no domain, so a model nobody wrote a rule for raises."""
    class Unruled:
        pass

    bureau_user = SimpleNamespace(is_authenticated=True, is_platform_admin=False)
    with pytest.raises(LookupError, match="Unruled has no tenancy rule"):
        scoping.visible(Unruled, bureau_user)


def test_cross_tenant_walk_refuses_every_foreign_access_and_changes_nothing(app, world, capsys):
    routes = list(_id_routes(app))
    assert len(routes) >= 10, "the walk found too few routes to be meaningful"
    clients = {}
    for role in ROLES:
        client = app.test_client()
        clients[role] = (client, login(client, f"t1-{role}"))
    before = _snapshot(app)

    tried = refused = 0
    for rule, params in routes:
        for param in params:
            try:
                _target(world, 2, param)
            except KeyError:
                raise AssertionError(f"{rule.rule}: the walk does not know the id parameter {param!r}; "
                                     "teach it (_target)") from None
        if rule.rule.startswith("/public/"):
            # The public pages (公示) show published results to everyone, logged in or not: tenant 2's
            # publication is legitimately visible to tenant 1. They read published snapshots only;
            # test_public_pages_show_published_snapshots_only checks that nothing unpublished appears.
            continue
        for role, (client, token) in clients.items():
            foreign = {**_strings(rule), **{p: _target(world, 2, p).id for p in params}}
            missing = {**_strings(rule), **{p: MISSING_ID for p in params}}
            for method in sorted(rule.methods & {"GET", "POST"}):
                url = rule.build(foreign)[1]
                missing_url = rule.build(missing)[1]
                if method == "GET":
                    got, ref = client.get(url), client.get(missing_url)
                else:
                    got = client.post(url, data=_payload(world, 2, rule.rule), headers={"X-CSRFToken": token})
                    ref = client.post(missing_url, data=_payload(world, 2, rule.rule), headers={"X-CSRFToken": token})
                tried += 1
                assert got.status_code in (403, 404), f"{role} {method} {url} → {got.status_code}"
                assert got.status_code == ref.status_code, f"{role} {method} {url}: foreign ≠ missing"
                # the page may name its own address (the language link): that is the user's URL, not the data
                assert _VOLATILE.sub("", got.get_data(as_text=True).replace(url, "{url}")) == _VOLATILE.sub(
                    "", ref.get_data(as_text=True).replace(missing_url, "{url}")), \
                    f"{role} {method} {url}: foreign page differs from missing"
                refused += 1

    after = _snapshot(app)
    changed = [t for t in before if before[t] != after[t]]
    with capsys.disabled():
        print(f"\ncross-tenant walk: {len(routes)} routes with ids, {tried} foreign accesses tried, "
              f"{refused} refused, {len(changed)} tables changed")
    assert refused == tried > 0
    assert changed == []


def test_own_objects_are_reachable_so_the_walk_proves_something(app, world):
    """The same routes with the user's own ids answer (200 or a redirect after a valid save)."""
    reached = 0
    for role in ROLES:
        client = app.test_client()
        login(client, f"t1-{role}")
        for rule, params in _id_routes(app):
            own = {**_strings(rule), **{p: _target(world, 1, p).id for p in params}}
            url = rule.build(own)[1]
            if "GET" in rule.methods:
                status = client.get(url).status_code
                assert status in (200, 403), f"{role} GET {url} → {status}"
                reached += status == 200
    assert reached >= 10


def test_posts_to_own_objects_are_accepted_by_the_role_that_may_make_them(app, world):
    """The walk's POST payloads are valid: sent to a tenant's own objects, some role saves them (302)."""
    sessions = {}
    for role in ROLES:
        client = app.test_client()
        sessions[role] = (client, login(client, f"t1-{role}"))
    saved = 0
    for rule, params in _id_routes(app):
        if "POST" not in rule.methods:
            continue
        own = {**_strings(rule), **{p: _target(world, 1, p).id for p in params}}
        statuses = {role: client.post(rule.build(own)[1], data=_payload(world, 1, rule.rule),
                                      headers={"X-CSRFToken": token}).status_code
                    for role, (client, token) in sessions.items()}
        # An inline check (htmx, POST so typed text stays out of URLs and logs) answers its fragment, saves nothing.
        accepted = 200 if "/check" in rule.rule else 302
        assert accepted in statuses.values(), f"POST {rule.rule}: no role could save it: {statuses}"
        saved += 1
    assert saved >= 6


def test_public_pages_show_published_snapshots_only(app, world, db):
    """Public routes answer the same for everyone; what was never published (a draft or an approved but
    unpublished sheet, a live contract) is not reachable under /public, whoever asks."""
    from portal.publication.models import Publication

    anonymous = app.test_client()
    logged_in = app.test_client()
    login(logged_in, "t1-operator")
    own, foreign = world[1]["publication"], world[2]["publication"]
    for publication in (own, foreign):
        for path in (f"/public/publications/{publication.id}", f"/public/publications/{publication.id}.json",
                     f"/public/results/{world[2]['result'].id}", f"/public/operators/{world[2]['operator'].id}.csv"):
            a, b = anonymous.get(path), logged_in.get(path)
            assert a.status_code == b.status_code == 200, path
            assert _VOLATILE.sub("", a.get_data(as_text=True)) == _VOLATILE.sub("", b.get_data(as_text=True)), path
    # An operator with contracts, sheets and an approval, but nothing published, does not exist publicly.
    other = _unpublished_operator(db, world)
    for path in (f"/public/operators/{other.id}", f"/public/operators/{other.id}.json",
                 f"/public/operators/{other.id}/totals.svg", f"/public/bureaus/{MISSING_ID}",
                 f"/public/publications/{MISSING_ID}", f"/public/results/{MISSING_ID}"):
        assert anonymous.get(path).status_code == 404, path
    assert other.name not in anonymous.get("/public/search?q=运营").get_data(as_text=True)
    index = anonymous.get("/public/").get_data(as_text=True)
    assert world[1]["bureau"].name in index and world[2]["bureau"].name in index
    assert db.exec(sa.select(sa.func.count()).select_from(Publication)).one()[0] == 2


def _unpublished_operator(db, world):
    """A third operator of tenant 1 with a contract whose stage 1 sheet is approved but not published."""
    from datetime import date
    from decimal import Decimal

    from portal.cycles.models import AssessmentSheet, SheetApproval
    from portal.contracts.models import Contract
    from portal.organisations.models import Operator
    from rules.identifiers import credit_code_check_char
    from rules.schemes import load_scheme
    from rules.scoring import score, sheet_to_dict

    side = world[1]
    body = "91450100MA5K00003"
    operator = Operator(name="未公示运营单位", credit_code=body + credit_code_check_char(body), licence_no="L-3",
                        contact_name="某人", contact_phone="13700000000", registered_by_bureau_id=side["bureau"].id)
    db.add(operator)
    db.flush()
    contract = Contract(bureau_id=side["bureau"].id, operator_id=operator.id, number="C-3", title="合同3",
                        scheme_id="pingxiang-2024-lot1", scheme_version="test", starts_on=date(2024, 3, 1),
                        ends_on=date(2025, 2, 28), value=Decimal("1.00"), payment_plan=[])
    db.add(contract)
    db.flush()
    sheet = AssessmentSheet(contract_id=contract.id, bureau_id=side["bureau"].id, operator_id=operator.id,
                            cycle_id="stage_1", cycle_label="第一阶段验收", cycle_start=date(2024, 3, 1),
                            cycle_end=date(2024, 7, 31), state="approved")
    db.add(sheet)
    db.flush()
    scheme = load_scheme("pingxiang-2024-lot1")
    figures = sheet_to_dict(score(scheme, {}))
    db.add(SheetApproval(sheet_id=sheet.id, number=1, contract_id=contract.id, bureau_id=side["bureau"].id,
                         operator_id=operator.id, cycle_id="stage_1", scheme_id=scheme.id,
                         scheme_version=figures["scheme_version"], scheme_sha256=scheme.sha256, facts={}, sources={},
                         figures=figures, total=Decimal(figures["total"]), approved_by_id=side["users"]["approver"].id))
    db.commit()
    return operator
