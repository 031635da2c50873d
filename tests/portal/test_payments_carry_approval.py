"""What a payment carries and what the contract's own plan shows (issue #18: survivors of the guards' mutation run in
`portal.payments.services.record_payment`, `reverse_payment` and `plan_rows`).

Money is paid by the score (DOMAIN.md §1: "pays the operator a share of the fee that depends on the score"): a stage
payment must name the approval whose score set its amount, so an auditor can go from the transfer to the sheet that
justified it; a reversal names the same approval as the payment it cancels; the advance depends on no score and names
none. The contract's own payment plan (data entry, a JSON list on the contract, shown beside the scheme's rubric)
may hold a stage without a label or a condition ("due"): those cells are shown empty, never as "None" or a stand-in;
its amounts are rounded to the cent half up, like every amount of money the portal shows.
"""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from portal.contracts.models import Contract
from portal.db import get_session
from portal.payments import services
from portal.payments.models import Payment
from tests.portal.test_payments import _approve, approver, reviewer  # noqa: F401  (fixtures)
from tests.portal.test_payments_refusals import _reverse


def _paid(app, world, line: str, paid_on: date, reference: str) -> int:
    """¥1,000.00 recorded on the line by the approver and committed, as the payments page does."""
    with app.test_request_context():
        contract = get_session().get(Contract, world[1]["contract"].id)
        payment = services.record_payment(contract, line, Decimal("1000.00"), paid_on, reference,
                                          world[1]["users"]["approver"])
        get_session().commit()
        return payment.id


def test_a_stage_payment_and_its_reversal_carry_the_approval_the_advance_none(app, world, db, reviewer, approver):
    approval = _approve(app, db, world, reviewer, approver)
    with app.app_context():
        due = services.schedule_of(get_session().get(Contract, world[1]["contract"].id)).line("stage_1").due
    assert due is not None and due > 0
    stage = _paid(app, world, "stage_1", date(2024, 8, 20), "HX-STAGE-1")
    advance = _paid(app, world, "advance", date(2024, 3, 28), "HX-ADV-1")
    db.expire_all()
    stored = db.get(Payment, stage)
    assert (stored.line_key, stored.amount, stored.due_when_recorded, stored.approval_id) == (
        "stage_1", Decimal("1000.00"), due, approval.id)
    assert db.get(Payment, advance).approval_id is None

    approver_user = world[1]["users"]["approver"]
    stage_reversal = db.get(Payment, _reverse(app, stage, "银行退回：账号有误", approver_user))
    assert (stage_reversal.reverses_id, stage_reversal.amount, stage_reversal.approval_id) == (
        stage, Decimal("-1000.00"), approval.id)
    advance_reversal = db.get(Payment, _reverse(app, advance, "重复登记", approver_user))
    assert (advance_reversal.reverses_id, advance_reversal.approval_id) == (advance, None)


def test_the_contracts_own_plan_shows_a_missing_label_or_condition_as_empty(app, world, db, approver):
    contract = db.get(Contract, world[1]["contract"].id)
    # ¥1,885,000.00 × 0.000001 = ¥1.885: half a cent, rounded up as money is (portal/filters.yuan: ROUND_HALF_UP).
    contract.payment_plan = [{"share": "0.4"}, {"label": "结算", "due": "年度考核后"},
                             {"label": "尾差", "share": "0.000001", "due": "期满"}]
    db.add(contract)
    db.commit()
    with app.app_context():
        rows = services.plan_rows(get_session().get(Contract, contract.id))
    assert rows == [
        {"label": "", "share": Decimal("0.4"), "amount": Decimal("754000.00"), "due": ""},
        {"label": "结算", "share": None, "amount": None, "due": "年度考核后"},
        {"label": "尾差", "share": Decimal("0.000001"), "amount": Decimal("1.89"), "due": "期满"},
    ]
    client, _token = approver
    page = client.get(f"/contracts/{contract.id}/payments").get_data(as_text=True)
    table = re.search(r'data-testid="contract-plan">.*?<tbody>(.*?)</tbody>', page, re.S)[1]
    assert table == ('<tr><td></td><td class="num">40%</td><td class="num">¥754,000.00</td><td></td></tr>'
                     '<tr><td>结算</td><td class="num">—</td><td class="num">—</td><td>年度考核后</td></tr>'
                     '<tr><td>尾差</td><td class="num">0%</td><td class="num">¥1.89</td><td>期满</td></tr>')
