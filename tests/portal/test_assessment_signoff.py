"""Assessing a cycle (issue #6 §4): entries with reasons, two signatures, freezing, locking, reopening,
conflicting edits, and waivers the approver must confirm."""
from __future__ import annotations


import pytest
import sqlalchemy as sa
from decimal import Decimal

from sqlmodel import select

from portal.cycles.models import AssessmentSheet, SheetApproval
from portal.audit.models import AuditEvent
from portal.violations.models import Violation
from portal.reporting.models import Submission
from rules.schemes import load_scheme
from tests.conftest import login
from tests.portal.sheets import STAGE_1, _enter, _fill, _revision, _url


@pytest.fixture
def reviewer(app):
    client = app.test_client()
    return client, login(client, "t1-reviewer")


@pytest.fixture
def approver(app):
    client = app.test_client()
    return client, login(client, "t1-approver")


def _approve(app, db, world, reviewer, approver):
    r, rt = reviewer
    a, at = approver
    _fill(app, r, rt, db, world)
    assert r.post(_url(world, action="/submit"), data={"revision": _revision(db, world)},
                  headers={"X-CSRFToken": rt}).status_code == 302
    response = a.post(_url(world, action="/approve"), data={"revision": _revision(db, world), "note": "同意"},
                      headers={"X-CSRFToken": at})
    assert response.status_code == 302
    db.expire_all()
    return db.exec(select(SheetApproval).where(SheetApproval.contract_id == world[1]["contract"].id,
                                               SheetApproval.cycle_id == STAGE_1)).one()


def test_an_entry_needs_a_reason_and_a_value_within_the_schemes_range(app, world, db, reviewer):
    client, token = reviewer
    response = _enter(client, token, db, world, "schedule_progress_pct", "42", reason="")
    assert response.status_code == 422 and "每一项录入都必须写明理由" in response.get_data(as_text=True)
    response = _enter(client, token, db, world, "schedule_progress_pct", "142")
    assert response.status_code == 422 and "不能大于100（现为142）" in response.get_data(as_text=True)
    response = _enter(client, token, db, world, "village_visit_deductions", "1")  # no reason on the line
    assert response.status_code == 422 and "分值 理由" in response.get_data(as_text=True)
    # Nothing was half-written: the refused entries did not even leave an empty sheet behind.
    assert db.exec(select(AssessmentSheet).where(AssessmentSheet.cycle_id == STAGE_1)).first() is None
    assert _enter(client, token, db, world, "schedule_progress_pct", "42", reason="时序进度按第一阶段计划核定").status_code == 302
    page = client.get(_url(world)).get_data(as_text=True)
    # the entry is signed with the person's name (the world's reviewer1), not the login name
    row = page.split('<tr data-fact="schedule_progress_pct">')[1].split("</tr>")[0]
    assert "时序进度按第一阶段计划核定" in row and "reviewer1" in row and "t1-reviewer" not in row
    source = page.split('data-testid="entry-source">')[1].split("</div>")[0]
    assert "（reviewer1，" in source


def test_the_second_of_two_concurrent_saves_gets_a_conflict_and_overwrites_nothing(app, world, db):
    first, second = app.test_client(), app.test_client()
    t1, t2 = login(first, "t1-reviewer"), login(second, "t1-reviewer")
    assert _enter(first, t1, db, world, "equipment_findings", "0").status_code == 302  # creates the sheet (rev 1)
    seen = _revision(db, world)
    assert first.post(_url(world, action="/entries"), data={"fact": "equipment_findings", "value": "2",
                      "reason": "第一人：抽查发现2台设备故障", "revision": seen}, headers={"X-CSRFToken": t1}).status_code == 302
    stale = second.post(_url(world, action="/entries"), data={"fact": "equipment_findings", "value": "5",
                        "reason": "第二人：基于旧页面", "revision": seen}, headers={"X-CSRFToken": t2})
    assert stale.status_code == 409
    assert "已被他人修改" in stale.get_data(as_text=True)
    db.expire_all()
    sheet = db.exec(select(AssessmentSheet).where(AssessmentSheet.cycle_id == STAGE_1)).one()
    assert sheet.entries["equipment_findings"]["value"] == 2
    assert sheet.entries["equipment_findings"]["reason"] == "第一人：抽查发现2台设备故障"


def test_two_signatures_on_the_server(app, world, db, reviewer, approver):
    r, rt = reviewer
    a, at = approver
    # The reviewer cannot approve, and the approver cannot submit an incomplete sheet past the reviewer.
    assert r.post(_url(world, action="/approve"), data={"revision": 1}, headers={"X-CSRFToken": rt}).status_code == 403
    assert a.post(_url(world, action="/entries"), data={"fact": "equipment_findings", "value": "1", "reason": "x",
                  "revision": 1}, headers={"X-CSRFToken": at}).status_code == 403
    # An approver of another bureau cannot even see the contract's sheet.
    other = app.test_client()
    ot = login(other, "t2-approver")
    assert other.get(_url(world)).status_code == 404
    assert other.post(_url(world, action="/approve"), data={"revision": 1},
                      headers={"X-CSRFToken": ot}).status_code == 404
    # An incomplete sheet cannot be submitted: the missing facts are named, by their names in the scheme (once by
    # their keys: "缺少：schedule_progress_pct、…")
    _enter(r, rt, db, world, "equipment_findings", "0")
    response = r.post(_url(world, action="/submit"), data={"revision": _revision(db, world)},
                      headers={"X-CSRFToken": rt}, follow_redirects=True)
    page = response.get_data(as_text=True)
    label = load_scheme("pingxiang-2024-lot1").facts["schedule_progress_pct"].meaning.split(" / ")[0]
    assert "考核表尚不完整" in page and label in page and "schedule_progress_pct、" not in page
    # Approving before the reviewer submitted is refused.
    response = a.post(_url(world, action="/approve"), data={"revision": _revision(db, world)},
                      headers={"X-CSRFToken": at}, follow_redirects=True)
    assert "不能进行此操作" in response.get_data(as_text=True)
    assert db.exec(select(SheetApproval).where(SheetApproval.cycle_id == STAGE_1)).first() is None


def test_approval_freezes_the_sheet_locks_the_cycle_and_recomputes_the_same(app, world, db, reviewer, approver):
    approval = _approve(app, db, world, reviewer, approver)
    scheme = load_scheme("pingxiang-2024-lot1")
    assert approval.scheme_sha256 == scheme.sha256 and approval.number == 1
    assert approval.figures["total"] == str(approval.total) and approval.facts["schedule_progress_pct"] == "42"
    assert approval.sources["schedule_progress_pct"] == "assessment"
    # Recomputing from the frozen inputs gives the very same figures.
    from portal.assessment.services import recompute

    with app.app_context():
        figures, differences = recompute(approval)
    assert differences == [] and figures == approval.figures
    client, _t = approver
    page = client.get(f"/approvals/{approval.id}").get_data(as_text=True)
    assert "结果与审批时一致" in page and str(approval.total) in page
    # The operator is told, and can read the frozen sheet.
    operator = app.test_client()
    ot = login(operator, "t1-operator")
    assert operator.get(f"/approvals/{approval.id}").status_code == 200
    assert operator.get(_url(world)).status_code == 403  # the working sheet is the bureau's
    # The cycle's data is locked, with that specific reason: a report for May 2024 is refused.
    before = db.exec(select(sa.func.count()).select_from(Submission)).one()
    response = operator.post(f"/contracts/{world[1]['contract'].id}/reports/monthly_plan_summary/2024-05",
                             data={"narrative": "补报", "fact_own_recruitment_events": "1",
                                   "fact_referrals_to_park_employers": "1", "fact_campus_fairs_attended": "0",
                                   "fact_policy_events_assisted": "0"},
                             headers={"X-CSRFToken": ot}, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "考核已于" in text and "数据已锁定" in text
    assert db.exec(select(sa.func.count()).select_from(Submission)).one() == before
    # The bureau cannot review a submission of the locked cycle either.
    r, rt = approver
    response = r.post(f"/submissions/{world[1]['submission'].id}/review",
                      data={"decision": "return", "reason": "补充材料"}, headers={"X-CSRFToken": rt},
                      follow_redirects=True)
    assert "数据已锁定" in response.get_data(as_text=True)
    # A report for the next cycle (2024-08) is still accepted.
    response = operator.post(f"/contracts/{world[1]['contract'].id}/reports/monthly_plan_summary/2024-08",
                             data={"narrative": "八月", "fact_own_recruitment_events": "1",
                                   "fact_referrals_to_park_employers": "1", "fact_campus_fairs_attended": "0",
                                   "fact_policy_events_assisted": "0"}, headers={"X-CSRFToken": ot})
    assert response.status_code == 302
    assert db.exec(select(sa.func.count()).select_from(Submission)).one() == before + 1
    events = {e.action for e in db.exec(select(AuditEvent))}
    assert {"assessment_entry", "submit_assessment", "approve_assessment", "lock_cycle"} <= events


def _copy(db, approval: SheetApproval, **changed) -> SheetApproval:
    """Another approval of the same sheet with some of its stored columns otherwise (inserted: an approval is
    never updated), as a row restored from an older deployment would hold them."""
    row = SheetApproval(**{**approval.model_dump(exclude={"id"}), "number": approval.number + 1, **changed})
    db.add(row)
    db.commit()
    return row


def test_a_recomputation_that_differs_names_the_figures_and_the_facts_in_the_readers_words(
        app, world, db, reviewer, approver):
    """The approval page's 复算 line: never a figure's key ("total_explanation") nor the engine's English."""
    approval = _approve(app, db, world, reviewer, approver)
    figures = {**approval.figures, "total": "1.00", "total_explanation": "1.00", "passed": not approval.passed}
    moved = _copy(db, approval, figures=figures)
    refused = _copy(db, moved, facts={**approval.facts, "schedule_progress_pct": "142"})
    client, token = approver
    page = client.get(f"/approvals/{moved.id}").get_data(as_text=True)
    assert "复算结果与审批时不一致：总分；是否合格；计算过程" in page and "total" not in page.split("复算")[-1]
    page = client.get(f"/approvals/{refused.id}").get_data(as_text=True)
    assert "复算结果与审批时不一致：“时序进度：本周期末应完成的服务期目标比例（末期为100）”不能大于100（现为142）" in page
    assert "schedule_progress_pct" not in page and "above the allowed" not in page
    client.post("/lang/en", data={"csrf_token": token, "next": "/"})
    english = client.get(f"/approvals/{moved.id}").get_data(as_text=True)
    assert "Recomputation differs from the approval: Total; passed; Working" in english


def test_a_frozen_approval_cannot_be_changed_in_the_database(app, world, db, reviewer, approver):
    approval = _approve(app, db, world, reviewer, approver)
    engine = app.extensions["kaohe_engine"]
    for statement in (f"UPDATE sheet_approval SET total = 100 WHERE id = {approval.id}",
                      f"DELETE FROM sheet_approval WHERE id = {approval.id}"):
        with pytest.raises(sa.exc.DatabaseError, match="frozen"):
            with engine.begin() as conn:
                conn.execute(sa.text(statement))
    from portal.cycles.models import FrozenApproval

    approval.note = "改"
    db.add(approval)
    with pytest.raises(FrozenApproval):
        db.commit()
    db.rollback()


def test_reopening_needs_a_reason_is_audited_and_a_new_approval_is_the_next_version(app, world, db, reviewer,
                                                                                   approver):
    first = _approve(app, db, world, reviewer, approver)
    a, at = approver
    response = a.post(_url(world, action="/reopen"), data={"revision": _revision(db, world), "reason": ""},
                      headers={"X-CSRFToken": at}, follow_redirects=True)
    assert "必须写明理由" in response.get_data(as_text=True)
    assert a.post(_url(world, action="/reopen"), data={"revision": _revision(db, world),
                  "reason": "运营单位异议成立，重新核定设备抽查结果"}, headers={"X-CSRFToken": at}).status_code == 302
    db.expire_all()
    sheet = db.exec(select(AssessmentSheet).where(AssessmentSheet.cycle_id == STAGE_1)).one()
    assert sheet.state == "draft" and sheet.reopen_reason.startswith("运营单位异议成立")
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "reopen_assessment")).one()
    assert event.actor_name == "t1-approver" and "异议成立" in event.reason
    from portal.cycles.services import lock_reason
    from datetime import date

    with app.app_context():
        assert lock_reason(world[1]["contract"].id, date(2024, 5, 31)) is None
    r, rt = reviewer
    assert _enter(r, rt, db, world, "equipment_findings", "3", reason="复核：3台设备故障").status_code == 302
    assert r.post(_url(world, action="/submit"), data={"revision": _revision(db, world)},
                  headers={"X-CSRFToken": rt}).status_code == 302
    assert a.post(_url(world, action="/approve"), data={"revision": _revision(db, world)},
                  headers={"X-CSRFToken": at}).status_code == 302
    db.expire_all()
    approvals = db.exec(select(SheetApproval).where(SheetApproval.cycle_id == STAGE_1)
                        .order_by(SheetApproval.number)).all()
    assert [x.number for x in approvals] == [1, 2]
    assert approvals[0].facts == first.facts  # the first approval is history, untouched
    assert approvals[1].facts["equipment_findings"] == 3
    assert approvals[1].total < approvals[0].total or "equipment_findings" not in first.facts
    page = a.get(f"/approvals/{approvals[0].id}").get_data(as_text=True)
    assert "第1次审批" in page


def test_a_waiver_is_proposed_by_the_reviewer_and_takes_effect_only_when_the_approver_confirms(app, world, db,
                                                                                              reviewer, approver):
    violation_id = world[1]["violation"].id
    r, rt = reviewer
    a, at = approver
    assert a.post(f"/violations/{violation_id}/waive", data={"reason": "x"},
                  headers={"X-CSRFToken": at}).status_code == 403  # the approver confirms; it does not propose
    r.post(f"/violations/{violation_id}/waive", data={"reason": ""}, headers={"X-CSRFToken": rt})
    db.expire_all()
    assert db.get(Violation, violation_id).waiver_proposed_by_id is None
    r.post(f"/violations/{violation_id}/waive", data={"reason": "停电导致系统无法登录，经核实"},
           headers={"X-CSRFToken": rt})
    db.expire_all()
    proposed = db.get(Violation, violation_id)
    assert proposed.waiver_pending and proposed.status == "open" and proposed.counts_against_score
    assert r.post(f"/violations/{violation_id}/waiver/confirm", headers={"X-CSRFToken": rt}).status_code == 403
    a.post(f"/violations/{violation_id}/waiver/confirm", headers={"X-CSRFToken": at})
    db.expire_all()
    waived = db.get(Violation, violation_id)
    assert waived.status == "waived" and waived.status_reason == "停电导致系统无法登录，经核实"
    actions = [e.action for e in db.exec(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions[-2:] == ["propose_waiver", "waive_violation"]
    confirm = db.exec(select(AuditEvent).where(AuditEvent.action == "waive_violation")).one()
    assert confirm.actor_name == "t1-approver" and confirm.before["waiver_proposed_by_id"] == world[1]["users"]["reviewer"].id


def test_the_approver_may_decline_a_proposed_waiver_with_a_reason(app, world, db, reviewer, approver):
    violation_id = world[1]["violation"].id
    r, rt = reviewer
    a, at = approver
    r.post(f"/violations/{violation_id}/waive", data={"reason": "系统故障"}, headers={"X-CSRFToken": rt})
    a.post(f"/violations/{violation_id}/waiver/decline", data={"reason": "经查系统当日正常"},
           headers={"X-CSRFToken": at})
    db.expire_all()
    declined = db.get(Violation, violation_id)
    assert declined.status == "open" and not declined.waiver_pending
    assert "经查系统当日正常" in declined.status_reason


def test_the_model_refuses_a_waiver_confirmed_by_its_proposer():
    from portal.violations.models import IllegalViolationChange

    v = Violation(contract_id=1, bureau_id=1, operator_id=1, rule_id="r", dedup_key="k", kind="violation",
                  severity="notice", clause="c", message_zh="m", message_en="m")
    v.propose_waiver(7, "理由")
    with pytest.raises(IllegalViolationChange, match="cannot also confirm"):
        v.confirm_waiver(7)


def test_a_locked_cycle_refuses_the_operators_attendance_and_events_and_the_bureaus_findings(app, world, db,
                                                                                           reviewer, approver):
    """Issue #6 §4: approval locks the cycle's data for everyone, with that specific reason."""
    from datetime import date

    from portal.activities.services import WriteRefused, ensure_writable
    from portal.contracts.models import Contract
    from portal.db import get_session
    from portal.findings.models import Finding

    _approve(app, db, world, reviewer, approver)
    with app.app_context():
        contract = get_session().get(Contract, world[1]["contract"].id)
        with pytest.raises(WriteRefused, match="数据已锁定"):
            ensure_writable(contract, date(2024, 5, 1))  # the May attendance sheet, an event in May
        ensure_writable(contract, date(2024, 8, 1))  # the next cycle is open
    client, token = reviewer
    before = db.exec(select(sa.func.count()).select_from(Finding)).one()
    response = client.post(f"/contracts/{world[1]['contract'].id}/findings/new", data={
        "finding_kind": "spot_check", "found_on": "2024-06-12", "description": "抽查着装", "people": "检查员乙",
        "outcome": "", "effects-0-fact_key": "no_uniform_person_times", "effects-0-value": "1",
        "effects-0-reason": "1人未穿工作服"}, headers={"X-CSRFToken": token})
    assert response.status_code == 422 and "数据已锁定" in response.get_data(as_text=True)
    assert db.exec(select(sa.func.count()).select_from(Finding)).one() == before
    response = client.post(f"/findings/{world[1]['finding'].id}/withdraw", data={"reason": "误记"},
                           headers={"X-CSRFToken": token}, follow_redirects=True)
    assert "数据已锁定" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(Finding, world[1]["finding"].id).withdrawn_at is None


def test_an_approved_cycle_fixes_the_contracts_value_and_term(app, world, db, reviewer, approver):
    """The approved sheet's payment amounts come from the contract's value, its cycles from the term."""
    from portal.contracts.models import Contract

    _approve(app, db, world, reviewer, approver)
    admin = app.test_client()
    token = login(admin, "t1-admin")
    contract = world[1]["contract"]
    form = {"bureau_id": contract.bureau_id, "operator_id": contract.operator_id, "number": contract.number,
            "title": contract.title, "scheme_id": contract.scheme_id, "starts_on": "2024-03-01",
            "ends_on": "2025-02-28", "value": "1.00", "payment_plan": "预付款, 40%\n结算, 60%",
            "station_ids": str(world[1]["station"].id)}
    response = admin.post(f"/contracts/{contract.id}/edit", data=form, headers={"X-CSRFToken": token})
    assert response.status_code == 200 and "合同金额和期限不能再修改" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(Contract, contract.id).value == Decimal("1885000.00")
    response = admin.post(f"/contracts/{contract.id}/edit", data={**form, "value": "1885000.00", "title": "改名"},
                          headers={"X-CSRFToken": token})
    assert response.status_code == 302  # other fields may still change
