"""`flask --app portal demo --scale N` (issue #16): invented bureaus with a year of consistent data.

Six bureaus of two contracts (one bureau per scheme) is enough to check what the province build writes:
counts as asked, every scheme, submissions on the reporting calendar, a sheet for every contract, frozen
approvals that score again to the same figures, rules that find nothing new in it, and pages that render.
"""
from __future__ import annotations

import re
from collections import deque
from datetime import timedelta
from html import unescape

import pytest
from sqlmodel import func, select

from portal.contracts.models import Contract
from portal.demo import DEMO_PASSWORD, SCALE_SCHEMES, scale_bureau_name
from portal.organisations.models import Bureau
from tests.conftest import login

_LINK = re.compile(r'(?:href|hx-get)="(/[^"#]*)"')


@pytest.fixture
def province(app, db):
    result = app.test_cli_runner().invoke(args=["demo", "--scale", "6", "--per-bureau", "2"])
    assert result.exit_code == 0, result.output
    return result.output


def _count(db, model, *where) -> int:
    return db.exec(select(func.count()).select_from(model).where(*where)).one()


def test_the_province_build_is_consistent(app, db, province):
    """One build, every check of its data (a build takes seconds: the suite builds it twice)."""
    _counts_as_asked_and_a_second_run_adds_nothing(app, db, province)
    _submissions_follow_the_calendar_and_ledgers_their_uploads(db)
    _every_contract_has_a_sheet_and_approvals_score_again_the_same(app, db)
    _the_rules_find_nothing_new_in_it(app, db)
    _facts_gathered_in_a_batch_are_those_of_one_contract(app, db)
    _a_change_in_a_later_batch_is_seen(app, db)


def _counts_as_asked_and_a_second_run_adds_nothing(app, db, province):
    from portal.models import metadata

    assert "6 bureaus, 12 contracts" in province
    assert [b.name for b in db.exec(select(Bureau).order_by(Bureau.id))] == [scale_bureau_name(k) for k in range(1, 7)]
    assert {c.scheme_id for c in db.exec(select(Contract))} == {s[0] for s in SCALE_SCHEMES}
    counts = {t.name: db.exec(select(func.count()).select_from(t)).one() for t in metadata.sorted_tables}
    again = app.test_cli_runner().invoke(args=["demo", "--scale", "6", "--per-bureau", "2"])
    assert again.exit_code == 0 and "0 bureaus, 0 contracts" in again.output
    assert {t.name: db.exec(select(func.count()).select_from(t)).one() for t in metadata.sorted_tables} == counts
    for table in ("submission", "attendance_sheet", "ledger_upload", "ledger_row", "finding", "violation",
                  "assessment_sheet", "sheet_approval", "publication", "published_result", "staff_member"):
        assert counts[table] > 0, table


def _submissions_follow_the_calendar_and_ledgers_their_uploads(db):
    from portal.ledgers.models import LedgerRow, LedgerUpload
    from portal.ledgers.services import _key_text
    from portal.ledgers.ledger_types import get_ledger_type
    from portal.reporting.models import Submission
    from rules.identifiers import is_resident_id
    from rules.reporting import build_calendar

    for contract in db.exec(select(Contract)):
        calendar = {o.key: o for o in build_calendar(contract.scheme_id, contract.starts_on, contract.ends_on)}
        for s in db.exec(select(Submission).where(Submission.contract_id == contract.id)):
            obligation = calendar[f"{s.obligation_key}:{s.period_key}"]
            assert s.due_at == obligation.due_at
            assert s.submitted_at <= obligation.due_at + timedelta(days=7)  # late by ≤ 70 h, then corrected
    for upload in db.exec(select(LedgerUpload)):
        assert upload.state == "accepted"
        rows = db.exec(select(LedgerRow).where(LedgerRow.upload_id == upload.id)).all()
        assert len(rows) == upload.total_rows > 0
        ledger_type = get_ledger_type(upload.ledger_type)
        for row in rows:
            assert _key_text(ledger_type.row_key(row.data)) == row.row_key
            if "resident_id" in row.data:
                assert is_resident_id(row.data["resident_id"])


def _every_contract_has_a_sheet_and_approvals_score_again_the_same(app, db):
    from portal.assessment.services import recompute
    from portal.cycles.models import AssessmentSheet, SheetApproval

    for contract in db.exec(select(Contract)):
        assert _count(db, AssessmentSheet, AssessmentSheet.contract_id == contract.id) >= 1, contract.number
    approvals = db.exec(select(SheetApproval)).all()
    assert {a.scheme_id for a in approvals} == {"pingxiang-2024-lot1", "ningming-2024-lot2"}
    with app.app_context():
        for approval in approvals:
            assert recompute(approval)[1] == [], approval.id


def _the_rules_find_nothing_new_in_it(app, db):
    """The violations are what the rules find: a sweep right after the build stores nothing new and
    changes no violation (reminders may go out)."""
    from portal.compliance.services import sweep
    from portal.violations.models import Violation

    before = {v.id: v.model_dump() for v in db.exec(select(Violation))}
    assert {v["status"] for v in before.values()} >= {"open"}
    with app.app_context():
        result = sweep()
    assert (result.contracts, result.new, result.updated, result.rectified) == (12, 0, 0, 0)
    db.expire_all()
    assert {v.id: v.model_dump() for v in db.exec(select(Violation))} == before


def _crawl(client, start: str, limit: int = 60) -> dict[str, int]:
    """Follow same-site links, one page per URL shape (ids replaced); PDFs are left out (slow)."""
    queue, seen, shapes, statuses = deque([start]), set(), set(), {}
    while queue and len(statuses) < limit:
        url = queue.popleft()
        shape = re.sub(r"\d+", "N", url.split("?")[0])
        if url in seen or shape in shapes or url.startswith(("/logout", "/static/", "/lang/", "/login")) \
                or "pdf" in url:
            continue
        seen.add(url)
        shapes.add(shape)
        response = client.get(url)
        statuses[url] = response.status_code
        if response.mimetype == "text/html":
            queue.extend(unescape(link) for link in _LINK.findall(response.get_data(as_text=True)))
    return statuses


def test_pages_of_a_bureau_and_the_public_render(app, db, province):
    """The bureau's reviewer (a 凭祥-scheme bureau: approvals and publications), an operator of it, the
    platform admin and the public: every page shape they are shown links to answers 200."""
    for username in ("p003-reviewer", "op-p003-1", "p001-admin", None):
        client = app.test_client()
        if username:
            login(client, username, DEMO_PASSWORD)
        statuses = _crawl(client, "/" if username else "/public/")
        assert len(statuses) > 3, username
        assert {url: code for url, code in statuses.items() if code != 200} == {}, username


def _facts_gathered_in_a_batch_are_those_of_one_contract(app, db):
    from portal.db import get_session, utcnow
    from portal.facts.services import rule_facts, rule_inputs

    with app.app_context():
        contracts = get_session().exec(select(Contract).order_by(Contract.id)).all()
        now = utcnow()
        batch = rule_inputs(contracts, now)
        for contract in contracts:
            assert rule_facts(contract, now, batch[contract.id]) == rule_facts(contract, now), contract.number


def _a_change_in_a_later_batch_is_seen(app, db):
    """Batches of two contracts: a report handed in late for the last contract's missing month is seen (its
    violation changes), and nothing else is touched."""
    import portal.compliance.services as compliance
    from portal.auth.models import User
    from portal.db import get_session, utcnow
    from portal.facts.services import _SUBMISSION_KINDS
    from portal.reporting.models import Submission
    from portal.reporting.services import entries
    from portal.violations.models import Violation

    with app.app_context():
        session = get_session()
        contracts = session.exec(select(Contract).order_by(Contract.id)).all()
        contract, entry = next((c, e) for c in reversed(contracts) for e in entries(c)
                               if e.status == "missing" and e.obligation.spec.key in _SUBMISSION_KINDS
                               and e.obligation.due_at < utcnow() - timedelta(days=10))
        assert contracts.index(contract) >= 2, "in a later batch than the first"
        watched = session.exec(select(Violation).where(Violation.contract_id == contract.id,
                                                       Violation.period == entry.obligation.period.key,
                                                       Violation.rule_id.like("deadlines.%"))).all()
        operator = session.exec(select(User).where(User.operator_id == contract.operator_id)).first()
        session.add(Submission(contract_id=contract.id, bureau_id=contract.bureau_id, operator_id=contract.operator_id,
                               obligation_key=entry.obligation.spec.key, period_key=entry.obligation.period.key,
                               due_at=entry.obligation.due_at, submitted_by_id=operator.id, narrative="补报"))
        session.commit()
        compliance.SWEEP_BATCH, batch = 2, compliance.SWEEP_BATCH
        try:
            result = compliance.sweep()
        finally:
            compliance.SWEEP_BATCH = batch
    assert watched, "the missing report had a violation"
    assert result.contracts == 12 and result.new + result.updated + result.rectified >= 1
    db.expire_all()
    after = {v.id: (v.status, v.rule_id) for v in db.exec(select(Violation))}
    assert any(after.get(v.id) != (v.status, v.rule_id) for v in watched) or result.new
