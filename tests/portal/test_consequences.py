"""Consequences (issue #6 §6): rectification notices with deadlines, termination with two signatures, and the
ranked table with grades.

seed 002 服务内容 4.监督考核: 考核得分低于50分以下的将不支付该期的服务费用，并限服务方一个月内整改完毕，整改不通过的，
采购人有权单方解除合同。 seed 004 五、考核结果运用: 原则上A级不超过总参评数量的10%，B级不超过20%，C级不超过30%，其余为D、E级。
"""
from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlmodel import select

from portal.cycles.models import AssessmentSheet, SheetApproval
from portal.assessment.services import to_json
from portal.cycles.services import cycles
from portal.audit.models import AuditEvent
from portal.violations.models import Violation
from portal.notifications.models import Notification
from portal.consequences.models import IllegalConsequenceChange, RectificationNotice, TerminationProposal
from portal.consequences.services import add_months
from portal.contracts.models import Contract, IllegalTransition
from portal.ledgers.models import LedgerUpload
from portal.reporting.models import Submission
from rules.schemes import load_scheme
from rules.scoring import score, sheet_to_dict
from portal.assessment.services import example_entry as _raw
from tests.conftest import add_contract, login

SH = ZoneInfo("Asia/Shanghai")


def _today() -> date:
    return datetime.now(timezone.utc).astimezone(SH).date()


def _examples(scheme_id: str) -> dict:
    return {key: spec.example for key, spec in load_scheme(scheme_id).facts.items()}


def _below_50() -> dict:
    """seed 002 lot 1 facts that score 32.30: every countable failure at 200, nothing delivered."""
    scheme = load_scheme("pingxiang-2024-lot1")
    facts = _examples("pingxiang-2024-lot1")
    keep = {"referrals_to_park_employers", "own_recruitment_events", "campus_fairs_attended", "policy_events_assisted",
            "sampled_jobseekers", "sampled_jobseekers_following"}
    for key, spec in scheme.facts.items():
        if spec.kind == "count" and key not in keep and spec.max is None and spec.not_above is None:
            facts[key] = 200
    facts.update(referrals_to_park_employers=0, own_recruitment_events=0, campus_fairs_attended=0,
                 policy_events_assisted=0, assists_channel_maintenance=False, subsidy_agency_service_provided=False,
                 labour_matching_carried_out=False, transport_service_provided=False, disputes_reported_timely=False,
                 mediation_demand_without_record=True)
    return facts


_APP: list = []


@pytest.fixture(autouse=True)
def _the_app(app):
    _APP[:] = [app]


def _cycles(contract):
    """The contract's cycles: laid by the version of its scheme in force, which the database keeps."""
    with _APP[0].app_context():
        return cycles(contract)


def _approve_directly(db, world, contract, cycle_id: str, facts: dict, approved_at=None, n: int = 1,
                      stored: dict | None = None) -> SheetApproval:
    """An approved sheet as the sign-off (tests/portal/test_assessment_signoff.py) leaves it: frozen facts and
    the figures the scoring engine computes from them (`stored`: other facts frozen beside those figures, as an
    approval under an earlier version of the scheme holds facts the version in force may refuse)."""
    scheme = load_scheme(contract.scheme_id)
    cycle = next(c for c in _cycles(contract) if c.id == cycle_id)
    scored = score(scheme, facts)
    sheet = AssessmentSheet(contract_id=contract.id, bureau_id=contract.bureau_id, operator_id=contract.operator_id,
                            cycle_id=cycle.id, cycle_label=cycle.label, cycle_start=cycle.start, cycle_end=cycle.end,
                            state="approved")
    db.add(sheet)
    db.flush()
    approval = SheetApproval(sheet_id=sheet.id, number=1, contract_id=contract.id, bureau_id=contract.bureau_id,
                             operator_id=contract.operator_id, cycle_id=cycle.id, scheme_id=scheme.id,
                             scheme_version=scheme.version, scheme_sha256=scheme.sha256, facts=to_json(stored or facts),
                             sources={}, figures=sheet_to_dict(scored), total=scored.total, passed=scored.passed,
                             payment_ratio=scored.payment_ratio, approved_by_id=world[n]["users"]["approver"].id,
                             approved_at=approved_at or datetime.now(timezone.utc))
    db.add(approval)
    db.commit()
    return approval


def _client(app, username):
    client = app.test_client()
    return client, login(client, username)


def _running(db, world, n=1, number="NOW-1") -> Contract:
    """A contract of tenant n running today, whatever day the suite runs."""
    today = _today()
    return add_contract(db, world, scheme_id="pingxiang-2024-lot1", starts_on=today - timedelta(days=200),
                        ends_on=today + timedelta(days=200), number=number, n=n)


def _actions(db) -> list[str]:
    return [e.action for e in db.exec(select(AuditEvent).order_by(AuditEvent.id))]


# -- the life cycles, on the models ---------------------------------------------------------------------

def _notice(**kw) -> RectificationNotice:
    values = dict(contract_id=1, bureau_id=1, operator_id=1, clause="seed 002", findings="人员不足",
                  issued_on=date(2024, 8, 1), due_on=date(2024, 9, 1), issued_by_id=1)
    return RectificationNotice(**{**values, **kw})


def test_a_notice_is_answered_before_it_can_be_found_rectified():
    notice = _notice()
    with pytest.raises(IllegalConsequenceChange, match="尚未提交整改报告"):
        notice.close(2, rectified=True, reason="已整改")
    with pytest.raises(IllegalConsequenceChange, match="不能为空"):
        notice.answer(3, "  ")
    notice.answer(3, "已补足站点人员4人")
    with pytest.raises(IllegalConsequenceChange, match="不能再提交"):
        notice.answer(3, "再次提交")
    with pytest.raises(IllegalConsequenceChange, match="理由"):
        notice.close(2, rectified=True, reason="")
    notice.close(2, rectified=True, reason="现场核查人员已到岗")
    assert notice.state == "rectified" and not notice.is_open
    with pytest.raises(IllegalConsequenceChange, match="已结束"):
        notice.close(2, rectified=False, reason="改判")


def test_a_notice_without_any_report_can_be_found_failed():
    """seed 002: 整改不通过的 — no report by the deadline is a failed rectification."""
    notice = _notice()
    notice.close(2, rectified=False, reason="期限内未提交整改报告")
    assert notice.state == "failed" and notice.closing_reason == "期限内未提交整改报告"


@pytest.mark.parametrize("moment, overdue", [
    (datetime(2024, 9, 1, 0, 0, tzinfo=SH), False),
    (datetime(2024, 9, 1, 23, 59, 59, tzinfo=SH), False),  # the deadline day itself is on time (DOMAIN.md §6.3)
    (datetime(2024, 9, 1, 15, 59, 59, tzinfo=timezone.utc), False),  # 23:59:59 in Shanghai
    (datetime(2024, 9, 1, 16, 0, 0, tzinfo=timezone.utc), True),  # 00:00:00 on the 2nd in Shanghai
    (datetime(2024, 9, 2, 0, 0, tzinfo=SH), True),
])
def test_the_deadline_is_the_whole_deadline_day_in_shanghai(moment, overdue):
    assert _notice().overdue(moment) is overdue


def test_a_report_handed_in_after_the_deadline_day_is_late_and_a_closed_notice_is_never_overdue():
    notice = _notice()
    notice.answer(3, "整改报告", at=datetime(2024, 9, 1, 23, 59, 59, tzinfo=SH))
    assert not notice.answered_late
    late = _notice()
    late.answer(3, "整改报告", at=datetime(2024, 9, 2, 0, 0, 0, tzinfo=SH))
    assert late.answered_late
    late.close(2, rectified=True, reason="核实")
    assert not late.overdue(datetime(2025, 1, 1, tzinfo=SH))


@pytest.mark.parametrize("issued, due", [
    (date(2024, 8, 15), date(2024, 9, 15)),
    (date(2024, 1, 31), date(2024, 2, 29)),  # 一个月内: no 31 February, the month's last day
    (date(2023, 1, 31), date(2023, 2, 28)),
    (date(2024, 12, 31), date(2025, 1, 31)),
])
def test_one_month_to_rectify_ends_on_the_same_day_next_month(issued, due):
    assert add_months(issued, 1) == due


def test_the_proposer_cannot_decide_their_own_termination_and_a_decision_is_final():
    proposal = TerminationProposal(contract_id=1, bureau_id=1, operator_id=1, reason="整改不通过", clause="seed 002",
                                   effective_on=date(2024, 10, 1), proposed_by_id=7)
    with pytest.raises(IllegalConsequenceChange, match="proposer"):
        proposal.confirm(7)
    with pytest.raises(IllegalConsequenceChange, match="理由"):
        proposal.decline(8, "")
    proposal.confirm(8)
    assert proposal.state == "confirmed" and proposal.decided_by_id == 8
    with pytest.raises(IllegalConsequenceChange, match="already decided"):
        proposal.decline(8, "改判")


def test_a_terminated_contract_keeps_its_effective_date_and_cannot_come_back(world, db):
    contract = db.get(Contract, world[1]["contract"].id)  # loaded from the database, as in a request
    db.expire(contract)
    contract.terminate("整改不通过", date(2024, 10, 1))
    assert contract.status == "terminated" and contract.terminated_on == date(2024, 10, 1)
    for move in (contract.end_rectification, contract.start_rectification):
        with pytest.raises(IllegalTransition):
            move("恢复")
    db.rollback()


# -- rectification over HTTP --------------------------------------------------------------------------------

def test_an_approved_score_below_50_is_noticed_with_one_month_to_rectify_and_closed_when_rectified(app, world, db):
    """seed 002: 考核得分低于50分…限服务方一个月内整改完毕 — from the approved sheet to a closed notice."""
    contract = _running(db, world)
    cycle = _cycles(contract)[0]
    approval = _approve_directly(db, world, contract, cycle.id, _below_50())
    assert approval.total < 50 and approval.figures["payment_band"]["rectify_within_months"] == 1
    approver, at = _client(app, "t1-approver")
    page = approver.get(f"/contracts/{contract.id}/consequences").get_data(as_text=True)
    assert 'data-testid="candidates"' in page and str(approval.total) in page

    reviewer, rt = _client(app, "t1-reviewer")
    assert reviewer.post(f"/contracts/{contract.id}/notices", data={"approval_id": str(approval.id),
                         "findings": "x"}, headers={"X-CSRFToken": rt}).status_code == 403  # the approver issues
    response = approver.post(f"/contracts/{contract.id}/notices", data={
        "approval_id": str(approval.id), "findings": "站点在岗人员不足，园区企业推荐人数为零", "clause": "", "due_on": ""},
        headers={"X-CSRFToken": at})
    assert response.status_code == 302
    db.expire_all()
    notice = db.exec(select(RectificationNotice).where(RectificationNotice.contract_id == contract.id)).one()
    assert notice.due_on == add_months(notice.issued_on, 1) and notice.issued_on == _today()
    assert "低于50分" in notice.clause and notice.approval_id == approval.id
    assert db.get(Contract, contract.id).status == "rectification"
    due = notice.due_on  # beside the contract's status, as people write a date (was 限2024-09-30前)
    assert db.get(Contract, contract.id).status_reason == f"整改通知 #{notice.id}，限{due.year}年{due.month}月{due.day}日前整改完毕"
    operator_id = world[1]["users"]["operator"].id
    told = db.exec(select(Notification).where(Notification.user_id == operator_id,
                                              Notification.kind == "consequence")).one()
    due = notice.due_on  # the mail writes the date as people do: 2024年9月30日
    assert f"{due.year}年{due.month}月{due.day}日" in told.subject and told.link == f"/notices/{notice.id}"

    operator, ot = _client(app, "t1-operator")
    assert operator.post(f"/notices/{notice.id}/answer", data={"report": ""},
                         headers={"X-CSRFToken": ot}).status_code == 422
    assert operator.post(f"/notices/{notice.id}/answer", data={"report": "已按投标名单补足在岗人员，附考勤表"},
                         headers={"X-CSRFToken": ot}).status_code == 302
    assert approver.post(f"/notices/{notice.id}/close", data={"outcome": "rectified", "reason": "现场核查，人员到岗"},
                         headers={"X-CSRFToken": at}).status_code == 302
    db.expire_all()
    assert db.get(RectificationNotice, notice.id).state == "rectified"
    back = db.get(Contract, contract.id)
    assert back.status == "active" and "整改通过" in back.status_reason
    assert {"issue_rectification_notice", "start_rectification", "answer_rectification_notice",
            "close_rectification_notice", "end_rectification"} <= set(_actions(db))
    closing = db.exec(select(AuditEvent).where(AuditEvent.action == "close_rectification_notice")).one()
    assert closing.actor_name == "t1-approver" and closing.reason == "现场核查，人员到岗"
    # The bureau was told the report came in.
    assert db.exec(select(Notification).where(Notification.user_id == world[1]["users"]["approver"].id,
                                              Notification.dedup_key == f"notice-answered|{notice.id}")).one()


def test_a_manual_notice_needs_its_reason_and_a_deadline_not_before_today(app, world, db):
    contract = _running(db, world)
    approver, at = _client(app, "t1-approver")
    url = f"/contracts/{contract.id}/notices"
    for data, why in (({"findings": "", "clause": "合同第5条", "due_on": "2099-01-01"}, "请写明需要整改的内容"),
                      ({"findings": "台账缺失", "clause": "合同第5条", "due_on": ""}, "请填写整改期限"),
                      ({"findings": "台账缺失", "clause": "合同第5条",
                        "due_on": (_today() - timedelta(days=1)).isoformat()}, "不能早于下发日期"),
                      ({"findings": "台账缺失", "clause": "", "due_on": "2099-01-01"}, "请写明依据条款")):
        response = approver.post(url, data={"approval_id": "", **data}, headers={"X-CSRFToken": at})
        assert response.status_code == 422 and why in response.get_data(as_text=True), why
    assert db.exec(select(sa.func.count()).select_from(RectificationNotice)
                   .where(RectificationNotice.contract_id == contract.id)).one() == 0
    due = _today()  # due today: on time until midnight in Shanghai
    assert approver.post(url, data={"approval_id": "", "findings": "台账缺失", "clause": "合同第5条",
                                    "due_on": due.isoformat()}, headers={"X-CSRFToken": at}).status_code == 302
    page = approver.get(f"/contracts/{contract.id}/consequences").get_data(as_text=True)
    assert 'data-testid="notice"' in page and 'data-testid="overdue"' not in page


def test_a_notice_past_its_deadline_without_closure_is_shown_overdue(app, world, db):
    notice = db.get(RectificationNotice, world[1]["notice"].id)  # issued 2031-08-01, due 2031-09-01
    notice.issued_on, notice.due_on = _today() - timedelta(days=40), _today() - timedelta(days=1)
    db.add(notice)
    db.commit()
    operator, _t = _client(app, "t1-operator")
    for path in (f"/contracts/{notice.contract_id}/consequences", f"/notices/{notice.id}"):
        assert 'data-testid="overdue"' in operator.get(path).get_data(as_text=True), path


# -- termination over HTTP ------------------------------------------------------------------------------------

def _propose(client, token, contract_id, **data):
    payload = {"reason": "整改期满未通过，服务质量仍不达标", "clause": "seed 002 服务内容 4.监督考核：整改不通过的，采购人有权单方解除合同",
               "effective_on": "2024-12-01", "notice_id": "", **data}
    return client.post(f"/contracts/{contract_id}/terminations", data=payload, headers={"X-CSRFToken": token})


def _pending(db, contract_id) -> TerminationProposal:
    db.expire_all()
    return db.exec(select(TerminationProposal).where(TerminationProposal.contract_id == contract_id,
                                                     TerminationProposal.state == "proposed")).one()


def test_termination_needs_the_reviewer_to_propose_and_the_approver_to_confirm(app, world, db):
    contract = db.get(Contract, world[1]["contract"].id)
    reviewer, rt = _client(app, "t1-reviewer")
    approver, at = _client(app, "t1-approver")
    operator, ot = _client(app, "t1-operator")
    foreign, ft = _client(app, "t2-approver")
    # A failed rectification is the ground (seed 002: 整改不通过的…有权单方解除合同).
    assert approver.post(f"/contracts/{contract.id}/notices", data={"approval_id": "", "findings": "招聘会场次不足",
                         "clause": "seed 002 第3项", "due_on": _today().isoformat()},
                         headers={"X-CSRFToken": at}).status_code == 302
    db.expire_all()
    notice = db.exec(select(RectificationNotice).where(RectificationNotice.contract_id == contract.id,
                                                       RectificationNotice.findings == "招聘会场次不足")).one()
    assert approver.post(f"/notices/{notice.id}/close", data={"outcome": "failed", "reason": "期满未提交整改报告"},
                         headers={"X-CSRFToken": at}).status_code == 302
    db.expire_all()
    assert db.get(RectificationNotice, notice.id).state == "failed"
    assert db.get(Contract, contract.id).status == "rectification"  # a failed rectification ends nothing by itself

    assert _propose(operator, ot, contract.id).status_code == 403
    assert _propose(approver, at, contract.id).status_code == 403  # the approver decides; it does not propose
    assert _propose(foreign, ft, contract.id).status_code == 403
    assert _propose(reviewer, rt, contract.id, notice_id=str(notice.id)).status_code == 302
    db.expire_all()
    proposal = _pending(db, contract.id)
    assert proposal.notice_id == notice.id and db.get(Contract, contract.id).status == "rectification"
    assert _propose(reviewer, rt, contract.id).status_code == 422  # one proposal at a time

    assert reviewer.post(f"/terminations/{proposal.id}/confirm", headers={"X-CSRFToken": rt}).status_code == 403
    assert operator.post(f"/terminations/{proposal.id}/confirm", headers={"X-CSRFToken": ot}).status_code == 403
    assert foreign.post(f"/terminations/{proposal.id}/confirm", headers={"X-CSRFToken": ft}).status_code == 404
    assert foreign.get(f"/terminations/{proposal.id}").status_code == 404
    db.expire_all()
    assert db.get(Contract, contract.id).status == "rectification"

    response = approver.post(f"/terminations/{proposal.id}/confirm", headers={"X-CSRFToken": at})
    assert response.status_code == 302 and response.headers["Location"] == f"/contracts/{contract.id}"
    db.expire_all()
    ended = db.get(Contract, contract.id)
    assert ended.status == "terminated" and ended.terminated_on == date(2024, 12, 1)
    assert "整改期满未通过" in ended.status_reason and "seed 002" in ended.status_reason
    page = approver.get(f"/contracts/{contract.id}").get_data(as_text=True)
    assert "已终止" in page and 'data-testid="terminated-on">2024年12月1日<' in page
    events = {e.action: e for e in db.exec(select(AuditEvent))}
    assert events["propose_termination"].actor_name == "t1-reviewer"
    assert events["confirm_termination"].actor_name == "t1-approver"
    assert events["terminate_contract"].before["status"] == "rectification"
    assert events["terminate_contract"].after["status"] == "terminated"
    assert events["terminate_contract"].reason.endswith("；生效日期 2024年12月1日")  # was 2024-12-01
    # The operator is told, and cannot answer anything under the contract any more.
    assert db.exec(select(Notification).where(Notification.user_id == world[1]["users"]["operator"].id,
                                              Notification.dedup_key == f"terminated|{proposal.id}")).one()
    assert approver.post(f"/terminations/{proposal.id}/confirm", headers={"X-CSRFToken": at},
                         follow_redirects=True).status_code == 200
    assert len([e for e in db.exec(select(AuditEvent).where(AuditEvent.action == "terminate_contract"))]) == 1


def test_a_terminated_contract_refuses_reports_and_ledgers_with_the_reason_and_the_bureau_keeps_the_data(app, world, db):
    contract = db.get(Contract, world[1]["contract"].id)
    reviewer, rt = _client(app, "t1-reviewer")
    approver, at = _client(app, "t1-approver")
    assert _propose(reviewer, rt, contract.id, effective_on="2024-11-30").status_code == 302
    proposal = _pending(db, contract.id)
    assert approver.post(f"/terminations/{proposal.id}/confirm", headers={"X-CSRFToken": at}).status_code == 302
    before = {model: db.exec(select(sa.func.count()).select_from(model)).one() for model in (Submission, LedgerUpload)}

    operator, ot = _client(app, "t1-operator")
    report = f"/contracts/{contract.id}/reports/monthly_plan_summary/2024-09"
    page = operator.get(report).get_data(as_text=True)
    assert 'data-testid="refusal"' in page and "已终止" in page and 'data-testid="submit-report"' not in page
    operator.post(report, data={"narrative": "九月", "fact_own_recruitment_events": "1",
                                "fact_referrals_to_park_employers": "1", "fact_campus_fairs_attended": "0",
                                "fact_policy_events_assisted": "0"}, headers={"X-CSRFToken": ot})
    upload = operator.post(f"/contracts/{contract.id}/ledgers", data={
        "ledger_type": "assistance", "obligation": "", "file": (io.BytesIO("姓名,身份证号\n".encode()), "帮扶.csv")},
        headers={"X-CSRFToken": ot}, content_type="multipart/form-data")
    assert upload.status_code == 422 and "不再接收报送" in upload.get_data(as_text=True)
    db.expire_all()
    assert {model: db.exec(select(sa.func.count()).select_from(model)).one()
            for model in (Submission, LedgerUpload)} == before
    # The bureau still sees everything the operator handed in.
    submission = world[1]["submission"]
    page = reviewer.get(f"/contracts/{contract.id}/reports/{submission.obligation_key}/{submission.period_key}")
    assert page.status_code == 200 and submission.narrative in page.get_data(as_text=True)
    assert reviewer.get(f"/uploads/{world[1]['upload'].id}").status_code == 200
    assert "月度计划逾期" in reviewer.get(f"/contracts/{contract.id}/violations").get_data(as_text=True)


def test_an_operator_cannot_answer_a_notice_once_the_contract_is_terminated(app, world, db):
    notice = world[1]["notice"]
    reviewer, rt = _client(app, "t1-reviewer")
    approver, at = _client(app, "t1-approver")
    assert _propose(reviewer, rt, notice.contract_id).status_code == 302
    assert approver.post(f"/terminations/{_pending(db, notice.contract_id).id}/confirm",
                         headers={"X-CSRFToken": at}).status_code == 302
    operator, ot = _client(app, "t1-operator")
    page = operator.get(f"/notices/{notice.id}").get_data(as_text=True)
    assert "已终止" in page and 'data-testid="answer-notice"' not in page
    operator.post(f"/notices/{notice.id}/answer", data={"report": "补交整改报告"}, headers={"X-CSRFToken": ot})
    db.expire_all()
    assert db.get(RectificationNotice, notice.id).state == "issued"
    assert reviewer.get(f"/contracts/{notice.contract_id}/consequences").status_code == 200


def test_the_approver_may_decline_a_termination_with_a_reason(app, world, db):
    contract_id = world[1]["contract"].id
    reviewer, rt = _client(app, "t1-reviewer")
    assert _propose(reviewer, rt, contract_id).status_code == 302
    proposal_id = _pending(db, contract_id).id
    approver, at = _client(app, "t1-approver")
    response = approver.post(f"/terminations/{proposal_id}/decline", data={"reason": ""}, headers={"X-CSRFToken": at})
    assert response.status_code == 422 and "必须写明理由" in response.get_data(as_text=True)
    assert approver.post(f"/terminations/{proposal_id}/decline", data={"reason": "给予第二次整改机会"},
                         headers={"X-CSRFToken": at}).status_code == 302
    db.expire_all()
    proposal = db.get(TerminationProposal, proposal_id)
    assert proposal.state == "declined" and proposal.decision_reason == "给予第二次整改机会"
    assert db.get(Contract, contract_id).status == "active"
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "decline_termination")).one()
    assert event.actor_name == "t1-approver" and event.reason == "给予第二次整改机会"
    # A decided proposal stays decided.
    approver.post(f"/terminations/{proposal_id}/confirm", headers={"X-CSRFToken": at})
    db.expire_all()
    assert db.get(Contract, contract_id).status == "active"


@pytest.mark.parametrize("effective_on, why", [
    ("2099-01-01", "生效日期必须在合同期限内"),
    ("2024-02-29", "生效日期必须在合同期限内"),  # the contract starts 2024-03-01
    ("", "请填写生效日期"),
])
def test_the_effective_date_lies_within_the_term_and_not_ahead_of_the_decision(app, world, db, effective_on, why):
    reviewer, rt = _client(app, "t1-reviewer")
    response = _propose(reviewer, rt, world[1]["contract"].id, effective_on=effective_on)
    assert response.status_code == 422 and why in response.get_data(as_text=True)


def test_a_future_effective_date_is_refused(app, world, db):
    contract = _running(db, world)
    reviewer, rt = _client(app, "t1-reviewer")
    response = _propose(reviewer, rt, contract.id, effective_on=(_today() + timedelta(days=1)).isoformat())
    assert response.status_code == 422 and "不能晚于今天" in response.get_data(as_text=True)


# -- approved scores feed the compliance rules --------------------------------------------------------------

def _run_rules(app, contract_id, at):
    from portal.compliance.services import run_rules
    from portal.db import get_session

    with app.app_context():
        run_rules(get_session().get(Contract, contract_id), at)
        get_session().commit()


def test_an_approved_score_below_50_reaches_the_rules_and_an_unrectified_one_proposes_termination(app, world, db):
    """seed 002 via rules/compliance/consequences.py: assessed 2024-08-01 → rectify by 2024-09-01."""
    contract = world[1]["contract"]
    _approve_directly(db, world, db.get(Contract, contract.id), "stage_1", _below_50(),
                      approved_at=datetime(2024, 8, 1, 10, tzinfo=SH))
    _run_rules(app, contract.id, datetime(2024, 9, 1, 23, 59, 59, tzinfo=SH))
    rules = {v.rule_id for v in db.exec(select(Violation).where(Violation.contract_id == contract.id))}
    assert "consequences.rectification_notice" in rules and "consequences.termination_proposed" not in rules
    _run_rules(app, contract.id, datetime(2024, 9, 2, 0, 0, tzinfo=SH))
    db.expire_all()
    rules = {v.rule_id for v in db.exec(select(Violation).where(Violation.contract_id == contract.id))}
    assert "consequences.termination_proposed" in rules
    reviewer, _t = _client(app, "t1-reviewer")
    assert 'data-testid="rule-findings"' in reviewer.get(f"/contracts/{contract.id}/consequences").get_data(as_text=True)


def test_a_rectification_accepted_in_time_keeps_the_rules_from_proposing_termination(app, world, db):
    from portal.facts.services import rule_facts

    contract = world[1]["contract"]
    approval = _approve_directly(db, world, db.get(Contract, contract.id), "stage_1", _below_50(),
                                 approved_at=datetime(2024, 8, 1, 10, tzinfo=SH))
    db.add(RectificationNotice(contract_id=contract.id, bureau_id=contract.bureau_id, operator_id=contract.operator_id,
                               approval_id=approval.id, clause="seed 002", findings="整改", issued_on=date(2024, 8, 1),
                               due_on=date(2024, 9, 1), state="rectified", report="已整改",
                               issued_by_id=world[1]["users"]["approver"].id,
                               closed_at=datetime(2024, 8, 30, 9, tzinfo=SH), closing_reason="核实"))
    db.commit()
    with app.app_context():
        from portal.db import get_session

        facts = rule_facts(get_session().get(Contract, contract.id), datetime(2024, 10, 1, tzinfo=SH))
    assert facts["period_scores"] == [{"id": str(approval.id), "score": "32.30", "period": "stage_1",
                                       "assessed_on": "2024-08-01", "rectification_passed_on": "2024-08-30"}]
    _run_rules(app, contract.id, datetime(2024, 10, 1, tzinfo=SH))
    rules = {v.rule_id for v in db.exec(select(Violation).where(Violation.contract_id == contract.id))}
    assert "consequences.rectification_notice" in rules and "consequences.termination_proposed" not in rules


# -- the ranked table (seed 004) -----------------------------------------------------------------------------

_ROW = re.compile(r'data-contract="([^"]+)" data-rank="(\d*)" data-grade="([A-E]?)"')


def _wujiang(db, world, number: str, n: int = 1) -> Contract:
    return add_contract(db, world, scheme_id="wujiang-2022", starts_on=date(2025, 1, 1), ends_on=date(2025, 12, 31),
                        number=number, n=n)


def test_the_ranked_table_grades_by_quota_with_ties_and_lists_the_sheets_awaiting_approval(app, world, db):
    """seed 004 五: A ≤10%, B ≤20%, C ≤30%, the rest D/E (DOMAIN.md §6.4–6.5).

    Ten approved participants share the scheme's example facts, so every rank-based item is a tie at the top
    (25 + 15 points, +10 for the platform rating) and the totals differ only by the delivery bonus (seed 004
    用工速递 加分: +2 per delivery beyond 4, at most +10): total = 117 + 2 × (deliveries − 4), by hand:
    100 regular + 4 (4th base) + 4 (3rd trip) + 10 (rating) + bonus − 1 (one 'poor' rating).
    Quotas with n = 10: A floor(1.0) = 1, B floor(2.0) = 2, C floor(3.0) = 3; W10 has credit grade C → fails → E.
    """
    deliveries = {"W01": 9, "W02": 8, "W03": 8, "W04": 7, "W05": 6, "W06": 6, "W07": 5, "W08": 4, "W09": 4, "W10": 4}
    for number, count in deliveries.items():
        facts = {**_examples("wujiang-2022"), "express_deliveries": count}
        if number == "W10":
            facts["hr_credit_grade"] = "C"  # seed 004 负面影响 3: 信用等级评价为C级的，当年度考核等次列为不合格
        _approve_directly(db, world, _wujiang(db, world, number), "annual", facts)
    _wujiang(db, world, "W11")  # not assessed yet
    awaiting = _wujiang(db, world, "W12")
    db.add(AssessmentSheet(contract_id=awaiting.id, bureau_id=awaiting.bureau_id, operator_id=awaiting.operator_id,
                           cycle_id="annual", cycle_label="年度考核", cycle_start=date(2025, 1, 1),
                           cycle_end=date(2025, 12, 31), state="submitted"))
    db.commit()
    _approve_directly(db, world, _wujiang(db, world, "OTHER-BUREAU", n=2), "annual", _examples("wujiang-2022"), n=2)

    reviewer, _t = _client(app, "t1-reviewer")
    response = reviewer.get(f"/bureaus/{world[1]['bureau'].id}/ranking?scheme=wujiang-2022&cycle=annual@2025")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    rows = {number: (int(rank), grade) for number, rank, grade in _ROW.findall(page)}
    assert rows == {"W01": (1, "A"), "W02": (2, "B"), "W03": (2, "B"), "W04": (4, "C"), "W05": (5, "C"),
                    "W06": (5, "C"), "W07": (7, "D"), "W08": (8, "D"), "W09": (8, "D"), "W10": (8, "E")}
    assert "127.00" in page and "117.00" in page and page.count('data-testid="tied"') == 7
    awaiting_list = page.split('data-testid="awaiting"')[1]
    assert "W11" in awaiting_list and "W12" in awaiting_list and "待审批" in awaiting_list
    assert "OTHER-BUREAU" not in page
    assert "A级不超过总参评数量的10%" in page


def test_a_tied_group_is_never_split_across_a_quota(app, world, db):
    """DOMAIN.md §6.5 with n = 10: B holds 2, so a three-way tie after A goes to C as a whole (C holds 3)."""
    for number, count in {"T1": 9, "T2": 8, "T3": 8, "T4": 8, **{f"T{k}": 4 for k in range(5, 11)}}.items():
        _approve_directly(db, world, _wujiang(db, world, number), "annual",
                          {**_examples("wujiang-2022"), "express_deliveries": count})
    reviewer, _t = _client(app, "t1-reviewer")
    page = reviewer.get(f"/bureaus/{world[1]['bureau'].id}/ranking?scheme=wujiang-2022&cycle=annual@2025")
    rows = {number: (int(rank), grade) for number, rank, grade in _ROW.findall(page.get_data(as_text=True))}
    assert rows["T1"] == (1, "A") and rows["T2"] == rows["T3"] == rows["T4"] == (2, "C")
    assert {rows[f"T{k}"] for k in range(5, 11)} == {(5, "D")}


def test_the_ranking_is_the_bureaus_own(app, world, db):
    _approve_directly(db, world, _wujiang(db, world, "W01"), "annual", _examples("wujiang-2022"))
    url = f"/bureaus/{world[1]['bureau'].id}/ranking"
    operator, _t = _client(app, "t1-operator")
    assert operator.get(url).status_code == 403  # results are not the operators' before publication
    foreign, _t = _client(app, "t2-approver")
    assert foreign.get(url).status_code == 404
    assert foreign.get(f"/bureaus/{world[2]['bureau'].id}/ranking").status_code == 200
    reviewer, _t = _client(app, "t1-reviewer")
    assert reviewer.get(url + "?scheme=no-such-scheme").status_code == 404
    assert reviewer.get(url + "?scheme=wujiang-2022&cycle=annual@1999").status_code == 404
    assert 'data-testid="ranking-link"' in reviewer.get("/").get_data(as_text=True)




def test_a_frozen_value_the_cohort_refuses_is_named_in_the_readers_words(app, world, db):
    """An approval's frozen facts that the version the cohort is ranked under refuses (here a count of 2.5, as a
    scheme version replaced under it would) leave the table empty with the contract, the fact by its label and
    the problem in the reader's language: never the engine's "participant 'W02': fact 'express_deliveries': …"."""
    _approve_directly(db, world, _wujiang(db, world, "W01"), "annual", _examples("wujiang-2022"))
    _approve_directly(db, world, _wujiang(db, world, "W02"), "annual", _examples("wujiang-2022"),
                      stored={**_examples("wujiang-2022"), "express_deliveries": "2.5"})
    url = f"/bureaus/{world[1]['bureau'].id}/ranking?scheme=wujiang-2022&cycle=annual@2025"
    reviewer, token = _client(app, "t1-reviewer")
    page = reviewer.get(url).get_data(as_text=True)
    assert "合同W02审批时的“通过用工速递系统完成且企业评分4星及以上的劳动力输送次数”须为整数（现为2.5），" in page
    assert "express_deliveries" not in page and "participant" not in page and _ROW.findall(page) == []
    reviewer.post("/lang/en", data={"csrf_token": token, "next": "/"})
    english = reviewer.get(url).get_data(as_text=True)
    assert "contract W02 was approved with “successful deliveries via the platform rated ≥ 4 stars”" in english
    assert "that the version in force refuses (must be a whole number (2.5))" in english
    assert "express_deliveries" not in english and "须为整数" not in english


def test_a_seed_004_sheet_is_approved_before_the_cohort_ranks_it(app, world, db):
    """Rank-based items need the other participants: the sheet is signed off with its own facts complete and
    ranked on the bureau's table. One participant: quotas floor(10% × 1) = 0 … so it is D (DOMAIN.md §6.5)."""
    from portal.assessment import services
    from portal.cycles import services as cycle_services
    from portal.db import get_session

    contract = _wujiang(db, world, "W-SOLO")
    url = f"/contracts/{contract.id}/cycles/annual/assessment"
    reviewer, rt = _client(app, "t1-reviewer")
    approver, at = _client(app, "t1-approver")
    with app.app_context():
        loaded = get_session().get(Contract, contract.id)
        missing = services.assess(loaded, cycle_services.find_cycle(loaded, "annual")).sheet.missing_facts
    scheme = load_scheme("wujiang-2022")

    def revision():
        db.expire_all()
        sheet = db.exec(select(AssessmentSheet).where(AssessmentSheet.contract_id == contract.id)).first()
        return sheet.revision if sheet else 0

    for key in missing:
        response = reviewer.post(url + "/entries", data={"fact": key, "value": _raw(scheme.facts[key]),
                                 "reason": "年度核查", "revision": revision()}, headers={"X-CSRFToken": rt})
        assert response.status_code == 302, key
    assert reviewer.post(url + "/submit", data={"revision": revision()}, headers={"X-CSRFToken": rt}).status_code == 302
    assert approver.post(url + "/approve", data={"revision": revision()}, headers={"X-CSRFToken": at}).status_code == 302
    db.expire_all()
    approval = db.exec(select(SheetApproval).where(SheetApproval.contract_id == contract.id)).one()
    assert approval.passed is None and approval.figures["complete"] is False  # rank items wait for the cohort
    page = reviewer.get(f"/bureaus/{world[1]['bureau'].id}/ranking?scheme=wujiang-2022&cycle=annual@2025")
    assert _ROW.findall(page.get_data(as_text=True)) == [("W-SOLO", "1", "D")]
