"""Money (issue #6 §5): a contract's payment schedule from its scheme and its approved sheets; payments
recorded by the approver, never above what is due, append-only, corrected by reversing entries; all audited.

The test contract is seed 002 lot 1 (凭祥, pingxiang-2024-lot1): ¥1,885,000.00, 2024-03-01 … 2025-02-28.
"""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlmodel import select

from portal.cycles.models import AssessmentSheet, SheetApproval
from portal.audit.models import AuditEvent
from portal.payments.models import AppendOnlyPayment, Payment
from rules.schemes import load_scheme
from rules.scoring import score, sheet_to_dict
from tests.conftest import add_contract, login
from tests.portal.sheets import STAGE_1, _enter, _fill, _revision, _url

VALUE = Decimal("1885000.00")

# seed 002 项目质量标准表 付款: 90(含)以上 100%; 80(含)–89.99 90%; 70(含)–79.99 80%; 60(含)–69.99 70%;
# 50(含)–59.99 60%; 50以下 0.
SEED_002_BANDS = [(Decimal(90), Decimal("1")), (Decimal(80), Decimal("0.9")), (Decimal(70), Decimal("0.8")),
                  (Decimal(60), Decimal("0.7")), (Decimal(50), Decimal("0.6")), (Decimal(0), Decimal("0"))]


@pytest.fixture
def reviewer(app):
    client = app.test_client()
    return client, login(client, "t1-reviewer")


@pytest.fixture
def approver(app):
    client = app.test_client()
    return client, login(client, "t1-approver")


@pytest.fixture
def operator(app):
    client = app.test_client()
    return client, login(client, "t1-operator")


def _approve(app, db, world, reviewer, approver, findings: str = "2"):
    r, rt = reviewer
    a, at = approver
    _fill(app, r, rt, db, world)
    # seed 002 考评办法3: 随机抽查，发现设备不正常使用…每项扣0.5分 — a deduction with the reviewer's reason.
    assert _enter(r, rt, db, world, "equipment_findings", findings, reason="抽查发现2台自助设备故障").status_code == 302
    assert r.post(_url(world, action="/submit"), data={"revision": _revision(db, world)},
                  headers={"X-CSRFToken": rt}).status_code == 302
    response = a.post(_url(world, action="/approve"), data={"revision": _revision(db, world), "note": "同意"},
                      headers={"X-CSRFToken": at})
    assert response.status_code == 302
    db.expire_all()
    return db.exec(select(SheetApproval).where(SheetApproval.contract_id == world[1]["contract"].id,
                                               SheetApproval.cycle_id == STAGE_1)).one()


def _schedule(app, contract_id):
    from portal.contracts.models import Contract
    from portal.db import get_session
    from portal.payments import services

    with app.app_context():
        return services.schedule_of(get_session().get(Contract, contract_id))


def _approved_directly(db, world, contract, cycle_id: str, facts: dict, **override) -> SheetApproval:
    """An approved sheet stored as the assessment service stores one (for schemes the HTTP helpers do not fill);
    `total` and `stored` (the facts frozen beside the figures) make one that no longer recomputes."""
    from portal.assessment import services

    scheme = load_scheme(contract.scheme_id)
    sheet = score(scheme, facts)
    figures = sheet_to_dict(sheet)
    row = AssessmentSheet(contract_id=contract.id, bureau_id=contract.bureau_id, operator_id=contract.operator_id,
                          cycle_id=cycle_id, cycle_label=cycle_id, cycle_start=contract.starts_on,
                          cycle_end=contract.ends_on, state="approved")
    db.add(row)
    db.flush()
    approval = SheetApproval(sheet_id=row.id, number=1, contract_id=contract.id, bureau_id=contract.bureau_id,
                             operator_id=contract.operator_id, cycle_id=cycle_id, scheme_id=scheme.id,
                             scheme_version=scheme.version, scheme_sha256=scheme.sha256,
                             facts={k: services.to_json(v) for k, v in override.get("stored", facts).items()},
                             sources={}, figures=figures,
                             total=override.get("total", sheet.total), passed=sheet.passed,
                             payment_ratio=sheet.payment_ratio, approved_by_id=world[1]["users"]["approver"].id)
    db.add(approval)
    db.commit()
    return approval


def _examples(scheme_id: str) -> dict:
    return {key: spec.example for key, spec in load_scheme(scheme_id).facts.items()}


# -- the schedule ---------------------------------------------------------------------------------------

def test_before_any_approval_only_the_advance_has_an_amount_and_the_stages_await_assessment(app, world, operator):
    schedule = _schedule(app, world[1]["contract"].id)
    advance = schedule.line("advance")
    # seed 002: 签订之日起30个工作日内…拨付采购合同总金额的40%作为预付款 — not scaled by any score.
    assert advance.due == Decimal("754000.00") and "40% advance" in advance.explanation
    for stage in ("stage_1", "stage_2", "stage_3"):
        line = schedule.line(stage)
        assert line.awaiting and line.due is None and line.outstanding is None and line.cycle.id == stage
    assert schedule.total_due == Decimal("754000.00")
    assert schedule.total_paid == Decimal("0.10")  # the world's token advance payment
    assert schedule.total_outstanding == Decimal("753999.90")
    assert not schedule.plan_matches_scheme  # the contract's own plan says 40/60, the scheme 40/20/20/20
    client, _t = operator
    page = client.get(f"/contracts/{world[1]['contract'].id}/payments").get_data(as_text=True)
    assert "¥754,000.00" in page and page.count('data-testid="awaiting"') == 3
    assert 'data-testid="plan-differs"' in page and 'data-testid="payment-form"' not in page  # read-only
    assert "付款计划与结算" in client.get(f"/contracts/{world[1]['contract'].id}").get_data(as_text=True)


def test_an_approved_stage_is_due_at_its_share_scaled_by_the_sheets_band_and_links_to_the_sheet(
        app, world, db, reviewer, approver):
    approval = _approve(app, db, world, reviewer, approver)
    schedule = _schedule(app, world[1]["contract"].id)
    line = schedule.line("stage_1")
    ratio = next(r for floor, r in SEED_002_BANDS if approval.total >= floor)
    assert approval.payment_ratio == ratio
    # seed 002: 第一阶段验收…支付采购合同总金额20%, scaled by the stage's score.
    assert line.due == (VALUE * Decimal("0.20") * ratio).quantize(Decimal("0.01"))
    assert line.approval.id == approval.id and line.explanation.startswith("¥1,885,000.00 × 20%")
    assert schedule.line("stage_2").awaiting and schedule.total_due == Decimal("754000.00") + line.due
    a, _t = approver
    page = a.get(f"/contracts/{world[1]['contract'].id}/payments").get_data(as_text=True)
    assert f'href="/approvals/{approval.id}"' in page and f"{line.due:,.2f}" in page


def test_a_reopened_cycle_goes_back_to_awaiting_assessment(app, world, db, reviewer, approver):
    _approve(app, db, world, reviewer, approver)
    a, at = approver
    assert a.post(_url(world, action="/reopen"), data={"revision": _revision(db, world), "reason": "异议成立"},
                  headers={"X-CSRFToken": at}).status_code == 302
    assert _schedule(app, world[1]["contract"].id).line("stage_1").awaiting


def test_an_approval_that_no_longer_recomputes_gives_no_amount_but_says_why(app, world, db, approver):
    contract = add_contract(db, world, scheme_id="qianxi-2022", starts_on=date(2022, 1, 1),
                            ends_on=date(2022, 12, 31), number="QX-1")
    _approved_directly(db, world, contract, "annual", _examples("qianxi-2022"), total=Decimal("99.00"))
    line = _schedule(app, contract.id).line("final")
    assert line.due is None and "不一致" in line.problem
    a, _t = approver
    page = a.get(f"/contracts/{contract.id}/payments").get_data(as_text=True)
    assert "按冻结的输入复算得 " in page and "recomputed" not in page  # the reader's half of the sentence


def test_frozen_facts_the_frozen_version_refuses_are_named_in_the_readers_words(app, world, db, approver):
    """Never the engine's "fact 'staff_months_below_15_days': a count must be a whole number, got 2.5"."""
    contract = add_contract(db, world, scheme_id="qianxi-2022", starts_on=date(2022, 1, 1),
                            ends_on=date(2022, 12, 31), number="QX-2")
    _approved_directly(db, world, contract, "annual", _examples("qianxi-2022"),
                       stored={**_examples("qianxi-2022"), "staff_months_below_15_days": "2.5"})
    a, token = approver
    page = a.get(f"/contracts/{contract.id}/payments").get_data(as_text=True)
    assert "按冻结的输入复算失败：“驻站专职人员当月经对方人社局认可的考勤不足15天的站·月数”须为整数（现为2.5）。" in page
    assert "staff_months_below_15_days" not in page and "recomputing failed" not in page
    a.post("/lang/en", data={"csrf_token": token, "next": "/"})
    english = a.get(f"/contracts/{contract.id}/payments").get_data(as_text=True)
    assert ("recomputing from the frozen inputs failed: “station-months with fewer than 15 certified attendance "
            "days”: must be a whole number (2.5)") in english


def test_a_stage_naming_no_cycle_takes_the_schemes_only_cycle(app, world, db):
    # seed 000: 剩余60%的款项将根据…考核…结果进行结算; the scheme's one cycle is the annual assessment.
    contract = add_contract(db, world, scheme_id="qianxi-2022", starts_on=date(2022, 1, 1),
                            ends_on=date(2022, 12, 31), number="QX-2")
    approval = _approved_directly(db, world, contract, "annual", _examples("qianxi-2022"))
    schedule = _schedule(app, contract.id)
    line = schedule.line("final")
    assert line.cycle.id == "annual" and line.approval.id == approval.id
    # 85 分 is in 81–90 → 95% (seed 000: 分值81-90分拨付补贴的95%) of the remaining 60% of ¥100.00.
    assert approval.total == Decimal("85.00") and line.due == Decimal("57.00")
    assert schedule.line("advance").due == Decimal("40.00") and schedule.plan_matches_scheme is False


def test_the_schemes_subsidy_is_a_line_of_its_own_and_waits_for_the_annual_sheet(app, world, db):
    contract = add_contract(db, world, scheme_id="jindong-2021", starts_on=date(2021, 1, 1),
                            ends_on=date(2021, 12, 31), number="JD-1")
    schedule = _schedule(app, contract.id)
    assert [line.key for line in schedule.lines] == ["subsidy:annual"] and schedule.lines[0].awaiting
    approval = _approved_directly(db, world, contract, "annual", _examples("jindong-2021"))
    line = _schedule(app, contract.id).line("subsidy:annual")
    # seed 001 第十二条（二）: 评估分数80分以上（含）90分以下的，给予6万元补贴 (84 points).
    assert approval.total == Decimal("84.00") and line.due == Decimal("60000") and line.approval.id == approval.id


def test_a_scheme_without_payment_rules_has_an_empty_schedule(app, world, db, operator):
    contract = add_contract(db, world, scheme_id="wujiang-2022", starts_on=date(2022, 1, 1),
                            ends_on=date(2022, 12, 31), number="WJ-1")
    client, _t = operator
    page = client.get(f"/contracts/{contract.id}/payments").get_data(as_text=True)
    assert 'data-testid="no-payment-rule"' in page


# -- recording payments --------------------------------------------------------------------------------

def _pay(client, token, world, **data):
    form = {"line": "advance", "amount": "100000.00", "paid_on": "2024-03-28", "bank_reference": "HX20240328001"}
    form.update(data)
    return client.post(f"/contracts/{world[1]['contract'].id}/payments", data=form, headers={"X-CSRFToken": token})


def test_the_approver_records_a_payment_and_it_is_audited(app, world, db, approver):
    a, at = approver
    assert _pay(a, at, world).status_code == 302
    payment = db.exec(select(Payment).where(Payment.bank_reference == "HX20240328001")).one()
    assert payment.amount == Decimal("100000.00") and payment.due_when_recorded == Decimal("754000.00")
    assert payment.recorded_by_id == world[1]["users"]["approver"].id and payment.approval_id is None
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "record_payment")).one()
    assert event.actor_name == "t1-approver" and event.object_id == payment.id and "HX20240328001" in event.reason
    assert _schedule(app, world[1]["contract"].id).line("advance").paid == Decimal("100000.10")


def test_a_payment_above_what_is_outstanding_on_its_line_is_refused_with_a_clear_error(app, world, db, approver):
    a, at = approver
    before = db.exec(select(sa.func.count()).select_from(Payment)).one()
    response = _pay(a, at, world, amount="753999.91")  # ¥0.10 already paid of ¥754,000.00
    assert response.status_code == 422
    errors = re.findall(r'<p class="error" id="amount-error">([^<]*)</p>', response.get_data(as_text=True))
    assert errors and "超过该款项尚未支付的 ¥753,999.90" in errors[0]
    assert _pay(a, at, world, amount="753999.90").status_code == 302  # exactly what is outstanding
    assert _pay(a, at, world, amount="0.01").status_code == 422  # nothing left
    assert _pay(a, at, world, amount="-5").status_code == 422
    assert _pay(a, at, world, amount="1.005").status_code == 422
    assert db.exec(select(sa.func.count()).select_from(Payment)).one() == before + 1


def test_a_line_awaiting_assessment_cannot_be_paid(app, world, db, approver):
    a, at = approver
    assert _pay(a, at, world, line="stage_1", amount="1.00").status_code == 422
    from portal.contracts.models import Contract
    from portal.db import get_session
    from portal.payments import services

    with app.test_request_context():
        with pytest.raises(services.PaymentRefused, match="尚未审批"):
            services.record_payment(get_session().get(Contract, world[1]["contract"].id), "stage_1",
                                    Decimal("1.00"), date(2024, 8, 1), "X", world[1]["users"]["approver"])


def test_only_the_approver_records_the_reviewer_sees(app, world, db, reviewer, operator):
    for client, token in (reviewer, operator):
        assert _pay(client, token, world).status_code == 403
        page = client.get(f"/contracts/{world[1]['contract'].id}/payments")
        assert page.status_code == 200 and 'data-testid="payment-form"' not in page.get_data(as_text=True)
    other = app.test_client()
    ot = login(other, "t2-approver")
    assert _pay(other, ot, world).status_code == 404  # another bureau's contract does not exist for it
    assert db.exec(select(sa.func.count()).select_from(Payment)).one() == 2  # the world's two


def test_payments_are_append_only_in_the_orm_and_in_the_database(app, world, db):
    payment = db.get(Payment, world[1]["payment"].id)
    engine = app.extensions["kaohe_engine"]
    for statement in (f"UPDATE payment SET amount = 1 WHERE id = {payment.id}",
                      f"DELETE FROM payment WHERE id = {payment.id}"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            with engine.begin() as conn:
                conn.execute(sa.text(statement))
    payment.bank_reference = "改"
    db.add(payment)
    with pytest.raises(AppendOnlyPayment):
        db.commit()
    db.rollback()


def test_a_correction_is_a_reversing_entry_with_a_reason(app, world, db, approver):
    a, at = approver
    payment_id = world[1]["payment"].id
    a.post(f"/payments/{payment_id}/reverse", data={"reason": ""}, headers={"X-CSRFToken": at})
    assert db.exec(select(Payment).where(Payment.reverses_id == payment_id)).first() is None
    assert a.post(f"/payments/{payment_id}/reverse", data={"reason": "银行退回：账号有误"},
                  headers={"X-CSRFToken": at}).status_code == 302
    reversal = db.exec(select(Payment).where(Payment.reverses_id == payment_id)).one()
    assert reversal.amount == Decimal("-0.10") and reversal.reason == "银行退回：账号有误"
    assert db.get(Payment, payment_id).amount == Decimal("0.10")  # the original stays as it was
    response = a.post(f"/payments/{payment_id}/reverse", data={"reason": "再次"}, headers={"X-CSRFToken": at},
                      follow_redirects=True)
    assert "已冲正" in response.get_data(as_text=True)
    assert a.post(f"/payments/{reversal.id}/reverse", data={"reason": "x"}, headers={"X-CSRFToken": at},
                  follow_redirects=True).status_code == 200
    assert db.exec(select(sa.func.count()).select_from(Payment)).one() == 3
    assert _schedule(app, world[1]["contract"].id).line("advance").paid == Decimal("0.00")
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "reverse_payment")).one()
    assert event.before["id"] == payment_id and event.reason == "银行退回：账号有误"
    page = a.get(f"/contracts/{world[1]['contract'].id}/payments").get_data(as_text=True)
    assert "银行退回：账号有误" in page and f"冲正第{payment_id}号付款" in page


def test_a_one_off_station_grant_of_the_contracts_station_is_a_line_due_at_the_decided_amount(app, world, db,
                                                                                             approver):
    """seed 001 第十二条（一）: 新设立站点一次性1万元 — decided by the approver, paid against the contract."""
    from portal.applications.models import StationSubsidy

    side = world[1]
    grant = StationSubsidy(station_id=side["station"].id, bureau_id=side["bureau"].id,
                           operator_id=side["operator"].id, kind="new_station", amount=Decimal("10000.00"),
                           scheme_id="jindong-2021", clause="新设立站点一次性补助1万元", granted_on=date(2024, 4, 1),
                           decided_by_id=side["users"]["approver"].id)
    outside = StationSubsidy(station_id=side["station"].id, bureau_id=side["bureau"].id,
                             operator_id=side["operator"].id, kind="excellent_station", amount=Decimal("20000.00"),
                             scheme_id="jindong-2021", clause="优秀站点", granted_on=date(2026, 1, 5),
                             decided_by_id=side["users"]["approver"].id)
    db.add_all([grant, outside])
    db.commit()
    line = _schedule(app, side["contract"].id).line(f"station_subsidy:{grant.id}")
    assert line.due == Decimal("10000.00") and "站点1" in line.label and not line.awaiting
    with pytest.raises(KeyError):  # granted after the contract's term: not this contract's money
        _schedule(app, side["contract"].id).line(f"station_subsidy:{outside.id}")
    client, token = approver
    response = client.post(f"/contracts/{side['contract'].id}/payments", data={
        "line": f"station_subsidy:{grant.id}", "amount": "10000.00", "paid_on": "2024-04-20",
        "bank_reference": "BANK-GRANT"}, headers={"X-CSRFToken": token})
    assert response.status_code == 302
    assert _schedule(app, side["contract"].id).line(f"station_subsidy:{grant.id}").outstanding == Decimal("0.00")


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-Infinity", "1e30"])
def test_amounts_that_are_not_money_get_a_form_error_not_a_crash(app, world, db, approver, amount):
    client, token = approver
    response = client.post(f"/contracts/{world[1]['contract'].id}/payments", data={
        "line": "advance", "amount": amount, "paid_on": "2024-03-25", "bank_reference": "BANK-NAN"},
        headers={"X-CSRFToken": token})
    assert response.status_code == 422
    assert db.exec(select(sa.func.count()).select_from(Payment).where(Payment.bank_reference == "BANK-NAN")).one() == 0
