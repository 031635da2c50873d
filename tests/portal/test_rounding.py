"""Half a cent rounds up where the portal rounds money and shares itself (DOMAIN.md §6.1: "round half up to
2 decimals"); the amounts due come from the scoring engine (tests/rules/scoring/test_rounding.py).

Each case is exactly half a hundredth with an even digit below it, where banker's rounding would round down.
"""
from __future__ import annotations

from decimal import Decimal

from portal.contracts.models import Contract
from portal.filters import percent, yuan
from portal.payments.services import plan_rows


def test_a_plan_row_at_half_a_cent_rounds_up():
    """A contract's own plan beside the rubric: ¥1,000.25 × 10% = ¥100.025, shown as ¥100.03 (DOMAIN.md §6.1)."""
    contract = Contract(value=Decimal("1000.25"), payment_plan=[
        {"label": "预付款", "share": "0.1", "due": "签订后30个工作日内"},
        {"label": "结算", "share": "不详"}])
    first, unreadable = plan_rows(contract)
    assert first == {"label": "预付款", "share": Decimal("0.1"), "amount": Decimal("100.03"), "due": "签订后30个工作日内"}
    assert unreadable["share"] is None and unreadable["amount"] is None


def test_money_is_shown_rounded_half_up():
    """DOMAIN.md §6.1: ¥180.045 is shown ¥180.05; nothing is shown as a dash."""
    assert yuan(Decimal("180.045")) == "¥180.05"
    assert yuan(Decimal("1000000.125")) == "¥1,000,000.13"
    assert yuan(None) == "—"


def test_a_payment_ratio_is_shown_rounded_half_up():
    """DOMAIN.md §6.1: a share of 0.00125 is 0.125%, shown 0.13%; 90% is shown without trailing zeros."""
    assert percent(Decimal("0.00125")) == "0.13%"
    assert percent(Decimal("0.90")) == "90%"
