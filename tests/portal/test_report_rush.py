"""The deadline rush (issue #16): monthly reports posted at once through the real form, against gunicorn with
four worker processes on the suite's database (PostgreSQL in the second run).

The same form posted again (its one-time token: a double click, a retried request) is the version it made the
first time and answers as the first post did; different reports of one period at the same instant all become
versions, numbered one after the other. Never a 5xx, nothing lost, nothing doubled.
"""
from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import select

from portal.audit.models import AuditEvent
from portal.reporting.models import Submission
from tests.conftest import PASSWORD
from tests.portal.live import Browser, gunicorn

REPORT = {"narrative": "本月完成园区企业走访12家。", "fact_referrals_to_park_employers": "35",
          "fact_own_recruitment_events": "2", "fact_campus_fairs_attended": "1", "fact_policy_events_assisted": "0"}


@pytest.fixture
def server(database_url, world, tmp_path):
    with gunicorn(database_url, tmp_path, workers=4) as base:
        yield base


def _operator(server) -> Browser:
    browser = Browser(server)
    browser.login("t1-operator", PASSWORD)
    return browser


def _at_once(posts) -> list[tuple[int, str]]:
    with ThreadPoolExecutor(max_workers=len(posts)) as pool:
        return list(pool.map(lambda post: post(), posts))


def _versions(db, contract_id: int, period: str) -> list[Submission]:
    db.expire_all()
    return db.exec(select(Submission).where(Submission.contract_id == contract_id, Submission.period_key == period)
                   .order_by(Submission.version)).all()


def test_the_same_report_form_posted_thirty_times_at_once_is_one_version(server, world, db):
    contract_id = world[1]["contract"].id
    path = f"/contracts/{contract_id}/reports/monthly_plan_summary/2024-06"
    browser = _operator(server)
    form = {**browser.hidden_fields(path, path), **REPORT}
    assert form.get("once"), "the report form carries a one-time token"
    answers = _at_once([lambda: browser.request(path, form)] * 30)
    statuses = Counter(status for status, _ in answers)
    assert statuses == Counter({302: 30}), statuses  # every post back to the report, none an error
    versions = _versions(db, contract_id, "2024-06")
    assert [v.version for v in versions] == [1]
    assert len(db.exec(select(AuditEvent).where(AuditEvent.action == "submit_report",
                                                AuditEvent.object_id == versions[0].id)).all()) == 1
    # The user's next page says version 1 was submitted (by this post, or earlier and not saved again).
    status, page = browser.request(path)
    assert status == 200 and ("已提交第1版" in page or "这份表单此前已提交（第1版），未重复保存" in page)


def test_ten_different_reports_of_one_period_at_once_are_ten_versions_in_order(server, world, db):
    contract_id = world[1]["contract"].id
    path = f"/contracts/{contract_id}/reports/monthly_plan_summary/2024-07"
    browser = _operator(server)
    forms = [{**browser.hidden_fields(path, path), **REPORT, "narrative": f"第{i}稿"} for i in range(10)]
    answers = _at_once([lambda form=form: browser.request(path, form) for form in forms])
    assert Counter(status for status, _ in answers) == Counter({302: 10})
    versions = _versions(db, contract_id, "2024-07")
    assert [v.version for v in versions] == list(range(1, 11))
    assert sorted(v.narrative for v in versions) == sorted(f"第{i}稿" for i in range(10))
    assert len({v.form_token for v in versions}) == 10
