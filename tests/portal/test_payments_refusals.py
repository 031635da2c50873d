"""The payment service's own refusals, word for word and with the form field each one blames (issue #18: survivors of
the guards' mutation run in `portal.payments.services.record_payment` and `reverse_payment`).

Money is paid by the score (DOMAIN.md: "pays by the score"); what guards it must hold at the service, whatever form or
route calls it: an amount is more than 0 with at most two decimals (so a zero payment is refused, not stored), a payment
may be dated today but not later, a bank reference is required, a line must exist and be due; a correction is a
reversing entry with a reason, never of a reversal, never twice, carrying the original's due amount and approval.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from portal.audit.models import AuditEvent
from portal.contracts.models import Contract
from portal.db import get_session
from portal.payments import services
from portal.payments.models import Payment

AMOUNT = "付款金额须大于0，最多两位小数 / the amount must be positive, with at most 2 decimals"


def _record(app, world, line="advance", amount="1.00", paid_on=date(2024, 3, 28), reference="HX1"):
    with app.test_request_context():
        contract = get_session().get(Contract, world[1]["contract"].id)
        return services.record_payment(contract, line, Decimal(amount), paid_on, reference,
                                       world[1]["users"]["approver"])


def _refusal(call) -> tuple[str, str]:
    with pytest.raises(services.PaymentRefused) as refused:
        call()
    return str(refused.value), refused.value.field


@pytest.mark.parametrize("amount", ["0", "0.00", "-0.01", "1.005"])
def test_an_amount_not_above_zero_or_finer_than_a_cent_is_refused_at_the_amount(app, world, amount):
    assert _refusal(lambda: _record(app, world, amount=amount)) == (AMOUNT, "amount")


def test_a_payment_may_be_dated_today_but_not_tomorrow(app, world):
    tomorrow = services.today() + timedelta(days=1)
    assert _refusal(lambda: _record(app, world, paid_on=tomorrow)) == (
        "付款日期不能晚于今天 / the payment date cannot be in the future", "paid_on")
    payment = _record(app, world, paid_on=services.today())
    assert payment.paid_on == services.today() and payment.amount == Decimal("1.00")


def test_a_payment_without_a_bank_reference_is_refused_at_the_reference(app, world):
    assert _refusal(lambda: _record(app, world, reference="   ")) == (
        "请填写银行流水号 / enter the bank reference", "bank_reference")


def test_a_line_the_schedule_lacks_or_not_yet_due_is_refused_at_the_line(app, world):
    assert _refusal(lambda: _record(app, world, line="nope")) == (
        "付款计划中没有该款项 / no such schedule line: nope", "line")
    assert _refusal(lambda: _record(app, world, line="stage_1")) == (
        "该款项所依据的考核尚未审批，不能付款 / this line awaits an approved assessment", "line")


def _reverse(app, payment_id, reason, user):
    with app.test_request_context():
        reversal = services.reverse_payment(get_session().get(Payment, payment_id), reason, user)
        get_session().commit()
        return reversal.id


def test_each_refused_reversal_says_why_at_the_reason(app, world):
    approver = world[1]["users"]["approver"]
    payment_id = world[1]["payment"].id
    assert _refusal(lambda: _reverse(app, payment_id, "  ", approver)) == (
        "冲正必须写明理由 / a reversal needs a reason", "reason")
    reversal_id = _reverse(app, payment_id, "银行退回", approver)
    assert _refusal(lambda: _reverse(app, payment_id, "再次", approver)) == (
        "该笔付款已冲正 / this payment was already reversed", "reason")
    assert _refusal(lambda: _reverse(app, reversal_id, "再冲", approver)) == (
        "冲正记录本身不能再冲正；如需更正，请重新登记付款 / a reversal cannot be reversed", "reason")


def test_a_reversal_carries_the_original_s_due_amount_and_approval_and_is_audited_as_itself(app, world, db):
    original = db.get(Payment, world[1]["payment"].id)
    reversal_id = _reverse(app, original.id, " 银行退回 ", world[1]["users"]["approver"])
    stored = db.get(Payment, reversal_id)
    assert (stored.amount, stored.due_when_recorded, stored.approval_id, stored.reverses_id, stored.reason) == (
        -original.amount, original.due_when_recorded, original.approval_id, original.id, "银行退回")
    assert stored.due_when_recorded is not None
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "reverse_payment")).one()
    assert (event.object_id, event.before["id"], event.reason) == (reversal_id, original.id, "银行退回")
