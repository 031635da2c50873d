"""What waits at home (issue #12 §4): the reviewer sees submissions to review, sheets to fill with the facts
they miss, objections to answer and overdue operators; the approver sheets to approve, waivers and terminations
to confirm. The number of queries does not grow with the data."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import event

from portal.db import get_engine
from tests.conftest import add_contract, login
from tests.portal.sheets import STAGE_1, _fill, _revision, _url


def _queue(page: str, key: str) -> str:
    found = re.search(rf'data-testid="queue-{key}">(.*?)</section>', page, re.S)
    assert found, key
    return found.group(1)


def _count(block: str) -> int:
    return int(re.search(r'data-testid="queue-count">(\d+)<', block).group(1))


def test_the_reviewer_sees_the_sheets_to_fill_with_their_missing_facts(app, world):
    client = app.test_client()
    login(client, "t1-reviewer")
    page = client.get("/").get_data(as_text=True)
    sheets = _queue(page, "sheets")
    assert _count(sheets) >= 1 and "项待录入" in sheets
    assert f'/contracts/{world[1]["contract"].id}/cycles/{STAGE_1}/assessment' in sheets
    for key in ("submissions", "objections", "overdue"):
        _queue(page, key)


def test_a_submitted_sheet_leaves_the_reviewers_queue_and_waits_for_the_approver(app, world, db):
    reviewer = app.test_client()
    token = login(reviewer, "t1-reviewer")
    before = _count(_queue(reviewer.get("/").get_data(as_text=True), "sheets"))
    _fill(app, reviewer, token, db, world)
    assert reviewer.post(_url(world, action="/submit"), data={"revision": _revision(db, world)},
                         headers={"X-CSRFToken": token}).status_code == 302
    assert _count(_queue(reviewer.get("/").get_data(as_text=True), "sheets")) == before - 1
    approver = app.test_client()
    login(approver, "t1-approver")
    page = approver.get("/").get_data(as_text=True)
    block = _queue(page, "approve")
    assert _count(block) == 1 and _url(world) in block
    for key in ("waivers", "terminations"):
        _queue(page, key)
    # the other bureau's approver sees none of it
    other = app.test_client()
    login(other, "t2-approver")
    assert _url(world) not in other.get("/").get_data(as_text=True)


def _queries(app, client) -> int:
    seen = []
    engine = get_engine()

    def count(*_):
        seen.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get("/").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def _more(db, world, count: int, start: int, status: str = "expired") -> None:
    """Contracts whose cycles have ended unassessed: more sheets waiting than the list shows (and, when they
    still run, more workspaces than the home page shows)."""
    for n in range(start, start + count):
        contract = add_contract(db, world, scheme_id="qianxi-2022", starts_on=date(2022, 1, 1),
                                ends_on=date(2022, 12, 31), number=f"MORE-{status}-{n}")
        contract.status = status
        db.add(contract)
    db.commit()


@pytest.mark.parametrize("role,status", [("reviewer", "expired"), ("approver", "expired"), ("operator", "active"),
                                         ("reviewer", "active")])
def test_the_home_page_costs_the_same_queries_with_more_data(app, world, db, role, status):
    client = app.test_client()
    login(client, f"t1-{role}")
    _more(db, world, 14, 0, status)
    with app.app_context():
        before = _queries(app, client)
    _more(db, world, 20, 14, status)
    with app.app_context():
        after = _queries(app, client)
    assert after == before, (before, after)


def test_a_proposed_waiver_is_a_hand_off_the_approver_is_told_of_and_finds_in_the_queue(app, world, db):
    from sqlmodel import select

    from portal.notifications.models import Notification

    violation_id = world[1]["violation"].id
    reviewer = app.test_client()
    token = login(reviewer, "t1-reviewer")
    response = reviewer.post(f"/violations/{violation_id}/waive", data={"reason": "停电导致系统无法登录，经核实"},
                             headers={"X-CSRFToken": token}, follow_redirects=True)
    assert "已提出豁免，已通知审批人确认" in response.get_data(as_text=True)
    approver_id = world[1]["users"]["approver"].id
    notes = db.exec(select(Notification).where(Notification.user_id == approver_id)).all()
    assert any("豁免待确认" in n.subject for n in notes)
    approver = app.test_client()
    login(approver, "t1-approver")
    block = _queue(approver.get("/").get_data(as_text=True), "waivers")
    assert _count(block) == 1 and f"#violation-{violation_id}" in block


def test_an_objection_is_a_hand_off_the_bureau_is_told_of_and_finds_in_the_queue(app, db, world):
    from sqlmodel import select

    from portal.notifications.models import Notification
    from portal.publication.models import Objection, PublishedResult
    from tests.portal.test_publication import _approve, _client, _latest, _publish

    reviewer, approver = _client(app, "t1-reviewer"), _client(app, "t1-approver")
    _approve(app, db, world[1]["contract"].id, reviewer, approver)
    assert _publish(*approver).status_code == 302
    row = db.exec(select(PublishedResult).where(PublishedResult.publication_id == _latest(db).id)).one()
    operator = app.test_client()
    token = login(operator, "t1-operator")
    response = operator.post(f"/results/{row.id}/objections", data={"target": "", "text": "我方认为总分偏低"},
                             headers={"X-CSRFToken": token}, follow_redirects=True)
    assert "已通知人社局" in response.get_data(as_text=True)
    objection = db.exec(select(Objection).where(Objection.result_id == row.id)).one()
    told = db.exec(select(Notification).where(Notification.kind == "objection",
                                              Notification.dedup_key == f"objection|{objection.id}")).all()
    assert {n.user_id for n in told} >= {world[1]["users"]["reviewer"].id, world[1]["users"]["approver"].id}
    block = _queue(reviewer[0].get("/").get_data(as_text=True), "objections")
    assert f"#objection-{objection.id}" in block
