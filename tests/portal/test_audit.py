"""The audit trail is append-only: the ORM and the database both refuse to change or delete it."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import select

from portal.audit.models import AppendOnlyViolation, AuditEvent
from tests.conftest import login


def _one_event(app, world, db) -> AuditEvent:
    client = app.test_client()
    login(client, "t1-admin")
    return db.exec(select(AuditEvent)).first()


def test_the_orm_refuses_to_update_or_delete_an_audit_event(app, world, db):
    event = _one_event(app, world, db)
    event.reason = "rewritten"
    db.add(event)
    with pytest.raises(AppendOnlyViolation):
        db.commit()
    db.rollback()
    db.delete(db.get(AuditEvent, event.id))
    with pytest.raises(AppendOnlyViolation):
        db.commit()
    db.rollback()


def test_the_database_refuses_too(app, world, db):
    event = _one_event(app, world, db)
    engine = app.extensions["kaohe_engine"]
    for statement in (f"UPDATE audit_event SET reason = 'x' WHERE id = {event.id}",
                      f"DELETE FROM audit_event WHERE id = {event.id}"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            with engine.begin() as conn:
                conn.execute(sa.text(statement))


def test_approvers_browse_and_filter_the_trail_of_their_own_bureau_only(app, world):
    admin = app.test_client()
    token = login(admin, "t1-admin")
    admin.post(f"/stations/{world[1]['station'].id}/edit", headers={"X-CSRFToken": token}, data={
        "bureau_id": world[1]["bureau"].id, "operator_id": world[1]["operator"].id, "name": "改名站点",
        "kind": "gig_market", "address": "某地", "required_staff": "3"})
    other = app.test_client()
    token2 = login(other, "t2-admin")
    other.post(f"/stations/{world[2]['station'].id}/edit", headers={"X-CSRFToken": token2}, data={
        "bureau_id": world[2]["bureau"].id, "operator_id": world[2]["operator"].id, "name": "外局站点",
        "kind": "gig_market", "address": "某地", "required_staff": "3"})
    approver = app.test_client()
    login(approver, "t1-approver")
    html = approver.get("/audit?action=update_station").get_data(as_text=True)
    assert "update_station" in html and "改名站点" in html and "外局站点" not in html
    fragment = approver.get("/audit?action=update_station", headers={"HX-Request": "true"})
    assert fragment.get_data(as_text=True).lstrip().startswith('<div id="audit-table">')
    assert "HX-Request" in fragment.headers["Vary"]
    operator = app.test_client()
    login(operator, "t1-operator")
    assert operator.get("/audit").status_code == 403


def test_a_reason_s_dates_are_shown_in_words_as_the_mail_has_them(app, world, db):
    """An audit reason is stored as it was written (append-only), with machine dates in some of them (a cycle
    locked "上半年 2024-01-01–2024-06-30"); the trail shows them as people write dates, line by line in the line's
    language (rules.dates.dates_in_words, as notify() does for mail)."""
    db.add(AuditEvent(actor_name="t1-approver", action="lock_cycle", object_type="assessment_sheet", object_id=1,
                      bureau_id=world[1]["bureau"].id, reason="上半年 2024-01-01–2024-06-30\nlocked 2024-07-05"))
    db.commit()
    approver = app.test_client()
    login(approver, "t1-approver")
    html = approver.get("/audit?action=lock_cycle").get_data(as_text=True)
    assert "上半年 2024年1月1日–2024年6月30日" in html and "locked 5 Jul 2024" in html
    assert "2024-01-01" not in html and "2024-07-05" not in html
