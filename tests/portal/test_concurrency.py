"""Money and decisions under real concurrency: gunicorn with four worker processes on the suite's database
(PostgreSQL in the second run: SELECT … FOR UPDATE; SQLite: the write lock), 50 requests at once.

A repeated form (the same one-time token: a double click, a retried post) is one decision; different forms
deciding the same thing are serialised by a row lock, the second finding the first done. Never a 500.
"""
from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from sqlmodel import select

from tests.conftest import PASSWORD
from tests.portal.live import Browser, gunicorn

N = 50


@pytest.fixture
def server(database_url, world, tmp_path):
    with gunicorn(database_url, tmp_path, workers=4) as base:
        yield base


def _at_once(post, n: int = N) -> Counter:
    with ThreadPoolExecutor(max_workers=n) as pool:
        return Counter(status for status, _ in pool.map(lambda i: post(i), range(n)))


def _approver(server) -> Browser:
    browser = Browser(server)
    browser.login("t1-approver", PASSWORD)
    return browser


def test_fifty_identical_payment_posts_record_one_payment(server, world, db):
    from portal.payments.models import Payment

    contract = world[1]["contract"]
    browser = _approver(server)
    path = f"/contracts/{contract.id}/payments"
    form = {**browser.hidden_fields(path, path), "line": "advance", "amount": "753999.90", "paid_on": "2024-03-28",
            "bank_reference": "HX-DOUBLE-CLICK"}
    statuses = _at_once(lambda i: browser.request(path, form))
    assert 500 not in statuses, statuses
    payments = db.exec(select(Payment).where(Payment.bank_reference == "HX-DOUBLE-CLICK")).all()
    assert len(payments) == 1, statuses
    assert statuses[302] == 1 and statuses[303] == N - 1, statuses  # the others: "already submitted"


def test_fifty_different_forms_paying_the_whole_advance_record_one_payment(server, world, db):
    """Fifty tabs, each with its own form: the contract row lock lets one fit the line, the rest are refused."""
    from portal.payments.models import Payment

    contract = world[1]["contract"]
    browser = _approver(server)
    path = f"/contracts/{contract.id}/payments"
    forms = [{**browser.hidden_fields(path, path), "line": "advance", "amount": "753999.90", "paid_on": "2024-03-28",
              "bank_reference": f"HX-TAB-{i}"} for i in range(N)]
    statuses = _at_once(lambda i: browser.request(path, forms[i]))
    assert 500 not in statuses, statuses
    paid = db.exec(select(Payment).where(Payment.contract_id == contract.id, Payment.line_key == "advance")).all()
    assert sum(p.amount for p in paid) == Decimal("754000.00"), [p.amount for p in paid]
    assert statuses[302] == 1 and statuses[422] == N - 1, statuses


def _ready_for_decision(db, world):
    application = world[1]["application"]
    application.state = "first_review_passed"
    db.add(application)
    db.commit()
    return application


def test_fifty_identical_decisions_set_up_one_station_and_one_subsidy(server, world, db):
    from portal.applications.models import StationSubsidy
    from portal.contracts.models import Station

    application = _ready_for_decision(db, world)
    browser = _approver(server)
    path = f"/applications/{application.id}"
    action = f"{path}/decide"
    form = {**browser.hidden_fields(path, action), "outcome": "approve", "reason": "材料齐全"}
    statuses = _at_once(lambda i: browser.request(action, form))
    assert 500 not in statuses, statuses
    stations = db.exec(select(Station).where(Station.name == application.station_name)).all()
    subsidies = db.exec(select(StationSubsidy).where(StationSubsidy.application_id == application.id)).all()
    assert len(stations) == 1 and len(subsidies) == 1, statuses
    assert statuses[302] == 1, statuses


def test_fifty_decisions_from_different_forms_are_one_decision(server, world, db):
    from portal.applications.models import StationSubsidy
    from portal.contracts.models import Station

    application = _ready_for_decision(db, world)
    browser = _approver(server)
    path = f"/applications/{application.id}"
    action = f"{path}/decide"
    forms = [{**browser.hidden_fields(path, action), "outcome": "approve" if i % 2 else "reject", "reason": "决定"}
             for i in range(N)]
    statuses = _at_once(lambda i: browser.request(action, forms[i]))
    assert 500 not in statuses, statuses
    assert statuses[302] == 1 and statuses[409] == N - 1, statuses
    stations = db.exec(select(Station).where(Station.name == application.station_name)).all()
    subsidies = db.exec(select(StationSubsidy).where(StationSubsidy.application_id == application.id)).all()
    assert len(stations) == len(subsidies) <= 1


def test_fifty_objections_on_one_target_store_one_and_refuse_the_rest_cleanly(server, world, db):
    from portal.publication.models import Objection

    result = world[1]["result"]
    browser = Browser(server)
    browser.login("t1-operator", PASSWORD)
    path = f"/publications/{result.publication_id}"
    action = f"/results/{result.id}/objections"
    forms = [{**browser.hidden_fields(path, action), "target": "", "text": "总分计算有误"} for _ in range(N)]
    statuses = _at_once(lambda i: browser.request(action, forms[i]))
    assert 500 not in statuses, statuses
    stored = db.exec(select(Objection).where(Objection.result_id == result.id, Objection.target == "")).all()
    assert len(stored) == 1 and statuses[302] == 1 and statuses[422] == N - 1, statuses


def test_the_same_objection_form_posted_fifty_times_is_one_objection(server, world, db):
    from portal.publication.models import Objection

    result = world[1]["result"]
    browser = Browser(server)
    browser.login("t1-operator", PASSWORD)
    path = f"/publications/{result.publication_id}"
    action = f"/results/{result.id}/objections"
    form = {**browser.hidden_fields(path, action), "target": "", "text": "总分计算有误"}
    statuses = _at_once(lambda i: browser.request(action, form))
    assert 500 not in statuses, statuses
    stored = db.exec(select(Objection).where(Objection.result_id == result.id, Objection.target == "")).all()
    assert len(stored) == 1 and statuses[302] == 1, statuses
