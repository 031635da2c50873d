"""Decisions that cannot be undone ask first (issue #12 §7): recording a payment, confirming a termination and
publishing each have a confirmation step that states the consequence — the amount, what gets locked or made
public, who is told — before the one button that does it."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from portal.payments.models import Payment
from tests.conftest import add_contract, login

HX = {"HX-Request": "true"}


@pytest.fixture
def approver(app):
    client = app.test_client()
    return client, login(client, "t1-approver")


def test_recording_a_payment_states_the_amount_and_what_is_left_first(world, db, approver):
    client, _ = approver
    contract_id = world[1]["contract"].id
    args = {"line": "advance", "amount": "100000.00", "paid_on": "2024-03-28", "bank_reference": "HX20240328001"}
    step = client.get(f"/contracts/{contract_id}/payments/confirm", query_string=args, headers=HX)
    body = step.get_data(as_text=True)
    assert step.status_code == 200 and 'data-testid="consequences"' in body
    assert "¥100,000.00" in body and "HX20240328001" in body and "未付余额为 ¥653,999.90" in body
    assert "只能冲正" in body and 'data-testid="record-payment"' in body
    assert db.exec(select(Payment).where(Payment.bank_reference == "HX20240328001")).first() is None  # asking records nothing
    # a form not filled in says what is missing and offers no button
    body = client.get(f"/contracts/{contract_id}/payments/confirm", query_string={**args, "amount": ""},
                      headers=HX).get_data(as_text=True)
    assert 'data-testid="confirm-invalid"' in body and 'data-testid="record-payment"' not in body
    # the page itself offers the step, not the button
    page = client.get(f"/contracts/{contract_id}/payments").get_data(as_text=True)
    assert 'data-testid="record-payment-step"' in page and 'data-testid="record-payment"' not in page


def test_confirming_a_termination_states_the_date_and_who_is_told_first(world, db, app):
    from portal.consequences.models import TerminationProposal

    today = date.today()
    contract = add_contract(db, world, scheme_id="pingxiang-2024-lot1", starts_on=today - timedelta(days=60),
                            ends_on=today + timedelta(days=300), number="NOW-CONFIRM")
    proposal = TerminationProposal(contract_id=contract.id, bureau_id=contract.bureau_id,
                                   operator_id=contract.operator_id, reason="整改期满仍不合格", clause="seed 002",
                                   effective_on=today + timedelta(days=1),
                                   proposed_by_id=world[1]["users"]["reviewer"].id)
    db.add(proposal)
    db.commit()
    reviewer = app.test_client()
    login(reviewer, "t1-reviewer")
    client = app.test_client()
    login(client, "t1-approver")
    page = client.get(f"/terminations/{proposal.id}").get_data(as_text=True)
    assert 'data-testid="confirm-termination-step"' in page and 'data-testid="confirm-termination"' not in page
    body = client.get(f"/terminations/{proposal.id}/confirm", headers=HX).get_data(as_text=True)
    d = proposal.effective_on
    assert f"{d.year}年{d.month}月{d.day}日" in body and "不能撤销" in body and "operator1" in body
    assert 'data-testid="confirm-termination"' in body
    assert reviewer.get(f"/terminations/{proposal.id}/confirm").status_code == 403
