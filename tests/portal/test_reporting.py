"""Operators submit reports against the calendar; versions are frozen; the first version decides lateness."""
from __future__ import annotations

import re

from datetime import date, timedelta

import pytest
from sqlmodel import func, select

from portal.contracts.models import Contract
from portal.db import local_today
from portal.reporting.models import FrozenSubmission, Submission
from tests.conftest import add_contract, login

REPORT = {"narrative": "本月完成园区企业走访12家。", "fact_referrals_to_park_employers": "35",
          "fact_own_recruitment_events": "2", "fact_campus_fairs_attended": "1", "fact_policy_events_assisted": "0"}


def _next_month() -> date:
    """The first day of the month after Beijing's today: its plan is due on its 5th, always ahead of the clock."""
    today = local_today()
    return date(today.year + today.month // 12, today.month % 12 + 1, 1)


def _current_contract(db, world) -> Contract:
    """A lot-1 contract running now, whose next month's plan (seed 002 第9项: by the 5th) is not yet due."""
    start = local_today().replace(day=1)
    return add_contract(db, world, scheme_id="pingxiang-2024-lot1", starts_on=start,
                        ends_on=date(start.year + 1, start.month, 1) - timedelta(days=1), number="PX-NOW")


def _url(contract_id, key="monthly_plan_summary", period="2024-06"):
    return f"/contracts/{contract_id}/reports/{key}/{period}"


def _versions(db, contract_id, period="2024-06"):
    return db.exec(select(Submission).where(Submission.contract_id == contract_id, Submission.period_key == period)
                   .order_by(Submission.version)).all()


def test_a_report_after_its_deadline_is_late_and_a_correction_does_not_change_that(app, world, db):
    """DOMAIN.md §6.3: a submission is on time if its first submitted version is on time."""
    client = app.test_client()
    token = login(client, "t1-operator")
    contract_id = world[1]["contract"].id
    assert client.post(_url(contract_id), data=REPORT, headers={"X-CSRFToken": token}).status_code == 302
    assert client.post(_url(contract_id), data={**REPORT, "narrative": "更正：走访13家"},
                       headers={"X-CSRFToken": token}).status_code == 302
    v1, v2 = _versions(db, contract_id)
    assert (v1.version, v2.version) == (1, 2)
    assert v1.narrative != v2.narrative and v2.figures["referrals_to_park_employers"] == "35"
    page = client.get(_url(contract_id)).get_data(as_text=True)
    assert "以首次提交为准" in page
    grid = client.get(f"/contracts/{contract_id}/calendar").get_data(as_text=True)
    assert 'data-key="monthly_plan_summary:2024-06"' in grid
    assert 'data-status="late" data-key="monthly_plan_summary:2024-06"' in grid
    assert 'data-status="missing" data-key="monthly_plan_summary:2024-07"' in grid
    # the trail says which report, for which month and which version, in words (once "… 2024-06 v2")
    approver = app.test_client()
    login(approver, "t1-approver")
    trail = approver.get("/audit?action=submit_report").get_data(as_text=True)
    assert "2024年6月 第2版" in trail and "2024年6月 第1版" in trail and " v2" not in trail


def test_a_report_before_its_deadline_is_on_time(app, world, db):
    contract = _current_contract(db, world)
    client = app.test_client()
    token = login(client, "t1-operator")
    period = _next_month().strftime("%Y-%m")
    url = _url(contract.id, period=period)
    assert client.post(url, data=REPORT, headers={"X-CSRFToken": token}).status_code == 302
    grid = client.get(f"/contracts/{contract.id}/calendar").get_data(as_text=True)
    assert f'data-status="submitted_on_time" data-key="monthly_plan_summary:{period}"' in grid


def test_bad_figures_get_an_error_next_to_the_field_and_nothing_is_saved(app, world, db):
    client = app.test_client()
    token = login(client, "t1-operator")
    contract_id = world[1]["contract"].id
    response = client.post(_url(contract_id), data={**REPORT, "fact_own_recruitment_events": "-1", "narrative": ""},
                           headers={"X-CSRFToken": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for name in ("fact_own_recruitment_events", "narrative"):  # the error sits in the field's own error box
        assert re.search(rf'id="{name}-errors"[^>]*><p class="error">', html), name
    assert _versions(db, contract_id) == []


def test_a_submitted_version_cannot_be_changed_or_deleted(app, world, db):
    submission = db.get(Submission, world[1]["submission"].id)
    submission.narrative = "悄悄改掉"
    db.add(submission)
    with pytest.raises(FrozenSubmission):
        db.commit()
    db.rollback()
    db.delete(db.get(Submission, world[1]["submission"].id))
    with pytest.raises(FrozenSubmission):
        db.commit()
    db.rollback()


def test_the_reviewer_returns_with_a_reason_the_operator_sees_it_and_corrects(app, world, db):
    submission_id = world[1]["submission"].id
    reviewer = app.test_client()
    token = login(reviewer, "t1-reviewer")
    url = "/contracts/{}/reports/monthly_plan_summary/2024-04".format(world[1]["contract"].id)
    # No reason: refused, nothing changes.
    reviewer.post(f"/submissions/{submission_id}/review", data={"decision": "return", "reason": ""},
                  headers={"X-CSRFToken": token})
    assert db.get(Submission, submission_id).state == "submitted"
    reviewer.post(f"/submissions/{submission_id}/review", data={"decision": "return", "reason": "缺少上月总结"},
                  headers={"X-CSRFToken": token})
    db.expire_all()
    assert db.get(Submission, submission_id).state == "returned"

    operator = app.test_client()
    op_token = login(operator, "t1-operator")
    page = operator.get(url).get_data(as_text=True)
    assert "缺少上月总结" in page
    notes = operator.get("/notifications").get_data(as_text=True)
    assert "被退回修改" in notes and "缺少上月总结" in notes, "the operator is notified with the reason"
    grid = operator.get(f"/contracts/{world[1]['contract'].id}/calendar").get_data(as_text=True)
    assert 'data-status="returned" data-key="monthly_plan_summary:2024-04"' in grid
    operator.post(url, data=REPORT, headers={"X-CSRFToken": op_token})
    grid = operator.get(f"/contracts/{world[1]['contract'].id}/calendar").get_data(as_text=True)
    assert 'data-status="submitted_on_time" data-key="monthly_plan_summary:2024-04"' in grid, \
        "v1 was on time; the correction keeps it on time"


def test_only_the_latest_version_can_be_reviewed_and_only_once(app, world, db):
    operator = app.test_client()
    op_token = login(operator, "t1-operator")
    url = "/contracts/{}/reports/monthly_plan_summary/2024-04".format(world[1]["contract"].id)
    operator.post(url, data=REPORT, headers={"X-CSRFToken": op_token})
    reviewer = app.test_client()
    token = login(reviewer, "t1-reviewer")
    old = world[1]["submission"].id
    response = reviewer.post(f"/submissions/{old}/review", data={"decision": "accept", "reason": ""},
                             headers={"X-CSRFToken": token}, follow_redirects=True)
    assert "supersedes" in response.get_data(as_text=True)
    assert db.get(Submission, old).state == "submitted"


def test_operators_cannot_review_and_reviewers_cannot_submit(app, world, db):
    operator = app.test_client()
    token = login(operator, "t1-operator")
    assert operator.post(f"/submissions/{world[1]['submission'].id}/review", data={"decision": "accept"},
                         headers={"X-CSRFToken": token}).status_code == 403
    reviewer = app.test_client()
    token = login(reviewer, "t1-reviewer")
    assert reviewer.post(_url(world[1]["contract"].id), data=REPORT,
                         headers={"X-CSRFToken": token}).status_code == 403
    assert db.exec(select(func.count()).select_from(Submission)).one() == 2


def test_a_terminated_contract_refuses_submissions_with_that_reason(app, world, db):
    contract = db.get(Contract, world[1]["contract"].id)
    contract.terminate("整改不通过，解除合同")
    db.add(contract)
    db.commit()
    client = app.test_client()
    token = login(client, "t1-operator")
    page = client.get(_url(contract.id)).get_data(as_text=True)
    assert "不再接收报送" in page and 'data-testid="submit-report"' not in page
    client.post(_url(contract.id), data=REPORT, headers={"X-CSRFToken": token})
    assert _versions(db, contract.id) == []


def test_an_unknown_obligation_or_period_is_404(app, world):
    client = app.test_client()
    login(client, "t1-operator")
    contract_id = world[1]["contract"].id
    assert client.get(_url(contract_id, key="no_such_report")).status_code == 404
    assert client.get(_url(contract_id, period="2031-01")).status_code == 404


def test_the_database_itself_refuses_to_change_or_delete_submitted_content(app, world, db):
    import sqlalchemy as sa

    engine = app.extensions["kaohe_engine"]
    submission_id = world[1]["submission"].id
    for statement in (f"UPDATE submission SET narrative = 'x' WHERE id = {submission_id}",
                      f"UPDATE submission SET submitted_at = submitted_at WHERE id = {submission_id}",
                      f"DELETE FROM submission WHERE id = {submission_id}"):
        with pytest.raises(sa.exc.DatabaseError, match="frozen"):
            with engine.begin() as conn:
                conn.execute(sa.text(statement))
    with engine.begin() as conn:  # the review columns stay writable
        conn.execute(sa.text(f"UPDATE submission SET state = 'accepted' WHERE id = {submission_id}"))


def test_the_report_form_checks_a_field_as_it_is_typed(app, world):
    """htmx inline validation (issue #5 §2): one field's errors as a fragment; nothing is saved."""
    client = app.test_client()
    token = login(client, "t1-operator")
    headers = {"X-CSRFToken": token}
    base = f"/contracts/{world[1]['contract'].id}/reports/monthly_plan_summary/2024-05/check"
    bad = client.post(f"{base}?field=fact_own_recruitment_events", data={"fact_own_recruitment_events": "-3"},
                      headers=headers)
    assert bad.status_code == 200 and 'id="fact_own_recruitment_events-errors"' in bad.get_data(as_text=True)
    assert "class=\"error\"" in bad.get_data(as_text=True)
    good = client.post(f"{base}?field=fact_own_recruitment_events", data={"fact_own_recruitment_events": "3"},
                       headers=headers)
    assert "class=\"error\"" not in good.get_data(as_text=True)
    empty = client.post(f"{base}?field=narrative", data={"narrative": ""}, headers=headers)
    assert "class=\"error\"" in empty.get_data(as_text=True)
    assert client.post(f"{base}?field=csrf_token", headers=headers).status_code == 404
    assert client.get(f"{base}?field=narrative&narrative=typed").status_code == 405  # typed text not in URLs
    page = client.get(f"/contracts/{world[1]['contract'].id}/reports/monthly_plan_summary/2024-05").get_data(as_text=True)
    assert 'hx-post="' + base + '?field=narrative"' in page


def test_the_same_form_sent_twice_is_stored_once(app, world, db):
    """Issue #17: a post whose answer never came (killed worker, dropped connection) is sent again by the user:
    the form's one-time key finds the version it made instead of storing another."""
    client = app.test_client()
    token = login(client, "t1-operator")
    contract_id = world[1]["contract"].id
    page = client.get(_url(contract_id)).get_data(as_text=True)
    key = re.search(r'name="once" type="hidden" value="([^"]+)"', page).group(1)
    for _ in range(2):
        assert client.post(_url(contract_id), data={**REPORT, "once": key},
                           headers={"X-CSRFToken": token}).status_code == 302
    assert [v.version for v in _versions(db, contract_id)] == [1]
    assert "这份表单此前已提交（第1版），未重复保存" in client.get(_url(contract_id)).get_data(as_text=True)
    fresh = re.search(r'name="once" type="hidden" value="([^"]+)"',
                      client.get(_url(contract_id)).get_data(as_text=True)).group(1)
    assert fresh != key  # a form shown again is a new form: a correction
    client.post(_url(contract_id), data={**REPORT, "once": fresh}, headers={"X-CSRFToken": token})
    assert [v.version for v in _versions(db, contract_id)] == [1, 2]


def test_a_contracts_calendar_is_built_once_per_scheme_and_term_and_handed_out_as_a_copy(app, db):
    """portal.reporting.services.calendar keeps each scheme-and-term calendar (issue #16: a home page shows
    many contracts of few terms); what it hands out is the same as build_calendar's and a list of the
    caller's own, so changing it changes no other page's calendar."""
    from rules.reporting import build_calendar
    from portal.reporting.services import _built as _calendar, calendar

    with app.app_context():
        contract = Contract(scheme_id="pingxiang-2024-lot1", starts_on=date(2024, 3, 1), ends_on=date(2025, 2, 28))
        first = calendar(contract)
        assert first == build_calendar("pingxiang-2024-lot1", date(2024, 3, 1), date(2025, 2, 28))
        hits = _calendar.cache_info().hits
        first.clear()
        again = calendar(contract)
        assert _calendar.cache_info().hits == hits + 1
        assert again == build_calendar("pingxiang-2024-lot1", date(2024, 3, 1), date(2025, 2, 28)) and again

