"""Issue #16: every list and home page reads as many queries at 20× data as at 1× (equal counts), for every role.

Every GET route of the URL map is named below: either a page counted here (`PAGES`: lists, homes and the
pages that list what belongs to one object) or one left out with the reason (`NOT_COUNTED`: forms, files,
single objects whose size the data does not change, and the public pages, counted in
test_public_query_counts.py). A new route fails the test until it is placed in one of them.

20× data: the world's first tenant gets 19 more contracts, each with a station and one of everything a
contract has (reports, violations, uploads, findings, staff, events, payments, notices, proposals, a sheet
and its approval, a published result with an objection, an application, a notification and its mail), 19
more of each of those on the world's own contract, 19 more users, operators and bureaus and 20 audit lines.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import select

from tests.conftest import login
from tests.portal.test_public_query_counts import _counting

TIMES = 19

# endpoint -> path template, filled from the world's first tenant
PAGES = {
    "home.index": "/",
    "contracts.list_contracts": "/contracts",
    "contracts.list_stations": "/stations",
    "organisations.list_operators": "/operators",
    "organisations.list_bureaus": "/bureaus",
    "auth.list_users": "/users",
    "audit.list_audit_events": "/audit",
    "notifications.list_notifications": "/notifications",
    "notifications.list_outbox": "/admin/outbox",
    "applications.list_applications": "/applications",
    "applications.list_station_qualifications": "/station-qualifications",
    "publication.list_publications": "/publications",
    "publication.show_publication": "/publications/{publication}",
    "contracts.show_contract": "/contracts/{contract}",
    "contracts.show_station": "/stations/{station}",
    "organisations.show_operator": "/operators/{operator}",
    "organisations.show_bureau": "/bureaus/{bureau}",
    "consequences.show_ranking": "/bureaus/{bureau}/ranking",
    "violations.list_violations": "/contracts/{contract}/violations",
    "findings.list_findings": "/contracts/{contract}/findings",
    "ledgers.list_ledgers": "/contracts/{contract}/ledgers",
    "payments.show_schedule": "/contracts/{contract}/payments",
    "activities.list_attendance": "/contracts/{contract}/attendance",
    "activities.list_events": "/contracts/{contract}/events",
    "activities.list_staff": "/contracts/{contract}/staff",
    "reporting.show_calendar": "/contracts/{contract}/calendar",
    "consequences.list_consequences": "/contracts/{contract}/consequences",
    # one object, with what hangs off it (which grows with the contract's data)
    "assessment.show_sheet": "/contracts/{contract}/cycles/stage_2/assessment",
    "assessment.show_projection": "/contracts/{contract}/score",
    "assessment.show_approval": "/approvals/{approval}",
    "reporting.submit_report": "/contracts/{contract}/reports/monthly_plan_summary/2024-04",
    "activities.record_attendance": "/contracts/{contract}/attendance/2024-05",
    "applications.show_application": "/applications/{application}",
    "applications.show_station_qualification": "/stations/{station}/qualification",
    "activities.show_event": "/events/{event}",
    "findings.show_finding": "/findings/{finding}",
    "consequences.show_notice": "/notices/{notice}",
    "consequences.show_proposal": "/terminations/{termination}",
    "ledgers.show_upload": "/uploads/{upload}",
    "schemes.list_schemes": "/schemes",
    "schemes.show_version": "/schemes/versions/{version}",
    "assessment.show_dry_run": "/schemes/versions/{version}/dry-run",
}

NOT_COUNTED = {
    # forms: one object (or none) and its choices
    "auth.login": "form", "auth.change_password": "form", "auth.edit_user": "form", "auth.create_user": "form",
    "organisations.create_bureau": "form", "organisations.edit_bureau": "form",
    "organisations.create_operator": "form", "organisations.edit_operator": "form",
    "contracts.create_contract": "form", "contracts.edit_contract": "form",
    "contracts.create_station": "form", "contracts.edit_station": "form",
    "applications.create_application": "form", "applications.edit_application": "form",
    "findings.record_finding": "form", "findings.edit_finding": "form", "findings.show_fact_rule": "form fragment",
    "publication.show_publish_form": "form (one bureau's cycle)",
    "publication.confirm_publish_step": "confirmation step",
    "payments.confirm_payment_step": "confirmation step", "consequences.confirm_termination_step": "confirmation step",
    "assessment.confirm_decision": "confirmation step", "schemes.upload_scheme": "form",
    # one object
    "payments.show_export": "one export (a file being rendered)",
    # files
    "applications.download_roster_template": "file", "applications.download_roster_errors": "file",
    "payments.export_score_sheet_pdf": "file", "payments.export_score_sheet_xlsx": "file",
    "payments.export_settlement_pdf": "file", "payments.export_settlement_xlsx": "file",
    "payments.download_export": "file", "activities.download_attendance_template": "file",
    "activities.download_evidence": "file", "ledgers.download_template": "file",
    "ledgers.download_upload_errors": "file", "static": "file", "home.healthz": "health check",
}

ROLES = ("t1-reviewer", "t1-approver", "t1-admin", "t1-operator", "t-platform")


def test_every_get_route_is_counted_or_left_out_with_a_reason(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods
                 and not rule.rule.startswith("/public/")}
    unknown = endpoints - set(PAGES) - set(NOT_COUNTED)
    assert not unknown, f"GET routes this test does not know: {sorted(unknown)}; count them (PAGES) or say why not"
    gone = (set(PAGES) | set(NOT_COUNTED)) - endpoints
    assert not gone, f"routes named here that no longer exist: {sorted(gone)}"


def _clone(db, obj, **changes):
    cls = type(obj)
    data = {a.key: getattr(obj, a.key) for a in sa.inspect(cls).column_attrs if a.key != "id"}
    data.update(changes)
    new = cls(**data)
    db.add(new)
    return new


def _grow(db, world, times: int) -> None:
    from portal.audit.models import AuditEvent
    from portal.contracts.models import ContractStation
    from portal.findings.models import FindingEffect
    from portal.notifications.models import OutboxMail
    from rules.identifiers import credit_code_check_char

    side = world[1]
    effect = db.exec(select(FindingEffect).where(FindingEffect.finding_id == side["finding"].id)).one()
    mail = db.exec(select(OutboxMail).where(OutboxMail.notification_id == side["notification"].id)).one()
    contract, station = side["contract"], side["station"]
    for k in range(1, times + 1):
        # one more contract with one of everything
        s = _clone(db, station, name=f"站点1-{k}")
        c = _clone(db, contract, number=f"C-1-{k}", title=f"合同1-{k}")
        db.flush()
        db.add(ContractStation(contract_id=c.id, station_id=s.id))
        on = {"contract_id": c.id}
        _clone(db, side["submission"], form_token=None, **on)
        _clone(db, side["violation"], **on)
        _clone(db, side["upload"], **on)
        _clone(db, side["staff"], station_id=s.id, **on)
        _clone(db, side["event"], **on)
        _clone(db, side["payment"], **on)
        _clone(db, side["notice"], **on)
        _clone(db, side["termination"], **on)
        _clone(db, side["application"], station_name=f"劳务协作工作站1-{k}")
        note = _clone(db, side["notification"], dedup_key=f"grow|{k}", **on)
        sheet = _clone(db, side["sheet"], **on)
        finding = _clone(db, side["finding"], station_id=s.id, **on)
        publication = _clone(db, side["publication"], cycle_id=f"grow_{k}", published_at=side["publication"].published_at)
        db.flush()
        _clone(db, effect, finding_id=finding.id)
        _clone(db, mail, notification_id=note.id)
        approval = _clone(db, side["approval"], sheet_id=sheet.id, **on)
        db.flush()
        result = _clone(db, side["result"], publication_id=publication.id, approval_id=approval.id, **on)
        db.flush()
        _clone(db, side["objection"], result_id=result.id, publication_id=publication.id, **on)
        # more of everything on the world's own contract
        _clone(db, side["submission"], form_token=None, version=k + 1)
        _clone(db, side["violation"], dedup_key=f"{side['violation'].dedup_key}|{k}")
        _clone(db, side["upload"])
        _clone(db, side["staff"], name=f"驻站员1-{k}")
        _clone(db, side["event"])
        _clone(db, side["payment"], bank_reference=f"BANK-1-{k}")
        _clone(db, side["notice"])
        _clone(db, side["termination"])
        more = _clone(db, side["finding"])
        db.flush()
        _clone(db, effect, finding_id=more.id)
        # more accounts, operators, bureaus, audit lines
        _clone(db, side["users"]["reviewer"], username=f"t1-more-{k}", display_name=f"更多{k}")
        body = f"91450100MA5K1{k:04d}"
        operator = _clone(db, side["operator"], name=f"更多运营单位{k}", credit_code=body + credit_code_check_char(body),
                          licence_no=f"L-1-{k}")
        db.flush()
        _clone(db, side["credit_grade"], operator_id=operator.id)
        _clone(db, side["bureau"], name=f"更多人社局{k}")
        # more scheme versions of the bureau's own
        from tests.conftest import bureau_scheme_draft

        bureau_scheme_draft(db, side["bureau"].id, f"example-2024-g{k}", side["users"]["admin"].id)
    for k in range(times + 1):
        db.add(AuditEvent(actor_id=side["users"]["approver"].id, actor_name="approver1", action="edit_contract",
                          object_type="contract", object_id=contract.id, bureau_id=side["bureau"].id,
                          operator_id=side["operator"].id, before={"title": "旧"}, after={"title": f"新{k}"}))
    db.commit()


def _paths(world) -> dict[str, str]:
    side = world[1]
    ids = {"publication": side["publication"].id, "contract": side["contract"].id, "station": side["station"].id,
           "operator": side["operator"].id, "bureau": side["bureau"].id, "approval": side["approval"].id,
           "application": side["application"].id, "event": side["event"].id, "finding": side["finding"].id,
           "notice": side["notice"].id, "termination": side["termination"].id, "upload": side["upload"].id,
           "version": side["scheme_version"].id}
    return {endpoint: path.format(**ids) for endpoint, path in PAGES.items()}


def _count_all(app, clients, paths) -> dict[tuple[str, str], tuple[int, int]]:
    out = {}
    for role, client in clients.items():
        for endpoint, path in paths.items():
            with _counting(app) as statements:
                response = client.get(path)
            out[(role, endpoint)] = (response.status_code, len(statements))
    return out


@pytest.fixture
def world(world, db):
    """The world plus a mail in the outbox for the notification of each tenant, and one audit line."""
    from portal.notifications.models import OutboxMail

    for n in (1, 2):
        db.add(OutboxMail(notification_id=world[n]["notification"].id, to_address=f"operator{n}@example.test",
                          subject="月度计划逾期", body="…", attempts=1, last_error="ConnectionRefusedError"))
    db.commit()
    return world


def test_list_and_home_pages_read_as_many_queries_at_20x_as_at_1x(app, db, world):
    clients = {}
    for role in ROLES:
        client = app.test_client()
        login(client, role)
        clients[role] = client
    paths = _paths(world)
    _count_all(app, clients, paths)  # warm: first-request work (caches, lazy loads) is not counted
    once = _count_all(app, clients, paths)
    assert sum(1 for status, _n in once.values() if status == 200) >= 150, "too few pages answered to mean anything"
    _grow(db, world, TIMES)
    twenty = _count_all(app, clients, paths)
    grown = {f"{role} {paths[endpoint]}": (once[(role, endpoint)], twenty[(role, endpoint)])
             for role, endpoint in once if once[(role, endpoint)] != twenty[(role, endpoint)]}
    assert not grown, "\n".join(f"{page}: (status, queries) {a} at 1× → {b} at 20×" for page, (a, b) in sorted(grown.items()))
