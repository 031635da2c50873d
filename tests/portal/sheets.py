"""Filling a cycle's assessment sheet over HTTP, as a reviewer does (shared by the assessment tests)."""
from __future__ import annotations

from sqlmodel import select

from portal.cycles.models import AssessmentSheet
from portal.assessment.services import example_entry as _raw
from rules.schemes import load_scheme

STAGE_1 = "stage_1"  # seed 002: 第一阶段验收, 2024-03-01 … 2024-07-31 for the test contract


def _url(world, n=1, cycle=STAGE_1, action=""):
    return f"/contracts/{world[n]['contract'].id}/cycles/{cycle}/assessment{action}"


def _revision(db, world, n=1, cycle=STAGE_1) -> int:
    db.expire_all()
    sheet = db.exec(select(AssessmentSheet).where(AssessmentSheet.contract_id == world[n]["contract"].id,
                                                  AssessmentSheet.cycle_id == cycle)).first()
    return sheet.revision if sheet else 0


def _enter(client, token, db, world, fact, value, reason="抽查核实", n=1):
    return client.post(_url(world, n, action="/entries"), data={
        "fact": fact, "value": value, "reason": reason, "revision": _revision(db, world, n)},
        headers={"X-CSRFToken": token})


def _fill(app, client, token, db, world, n=1):
    """Enter every fact the data does not give, with the scheme's example values."""
    from portal.assessment import services
    from portal.cycles import services as cycle_services
    from portal.contracts.models import Contract
    from portal.db import get_session

    with app.app_context():
        contract = get_session().get(Contract, world[n]["contract"].id)
        missing = services.assess(contract, cycle_services.find_cycle(contract, STAGE_1)).sheet.missing_facts
    scheme = load_scheme("pingxiang-2024-lot1")
    for key in missing:
        response = _enter(client, token, db, world, key, _raw(scheme.facts[key]))
        assert response.status_code == 302, (key, response.get_data(as_text=True)[-2000:])
    return missing
