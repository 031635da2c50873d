"""Money at its edges: a contract of ¥0 or less than ¥1, the explanation of each amount word for word, and a
step rule whose step is worth other than one point."""
from __future__ import annotations

import tomllib
from decimal import Decimal

import pytest

from rules.schemes import load_scheme
from rules.scoring import score
from rules.scoring.loader import build_scheme
from tests.rules.schemes.test_ningming_2024_lot2 import MINUS_10, perfect
from tests.rules.scoring import test_methods


@pytest.fixture(scope="module")
def sheet_at_85():
    """seed 002 标项二 at 85 points: the 80–89.99 band pays 90%."""
    return score(load_scheme("ningming-2024-lot2"), perfect(**MINUS_10, months_demand_not_updated=10))


@pytest.mark.parametrize("value, advance, stage", [("0", "0.00", "0.00"), ("0.50", "0.20", "0.09"),
                                                   ("0.99", "0.40", "0.18")])
def test_a_contract_worth_nothing_or_less_than_a_yuan_is_paid_by_the_same_rule(sheet_at_85, value, advance, stage):
    """经费说明: 预付款40%, 第一阶段20% × the band's ratio; nothing forbids a contract under ¥1 (only a negative one).
    ¥0.99 × 20% × 90% = ¥0.1782 → ¥0.18 (DOMAIN.md §6.1)."""
    assert sheet_at_85.payment_due(Decimal(value), "advance") == Decimal(advance)
    assert sheet_at_85.payment_due(Decimal(value), "stage_1") == Decimal(stage)


def test_a_negative_contract_value_is_refused(sheet_at_85):
    with pytest.raises(ValueError) as caught:
        sheet_at_85.payment_due(Decimal("-0.01"), "advance")
    assert str(caught.value) == "contract value cannot be negative"
    with pytest.raises(TypeError) as caught:
        sheet_at_85.payment_due(0.5, "advance")
    assert str(caught.value).startswith("contract value: floats are not accepted")


def test_each_amount_is_explained_with_its_shares(sheet_at_85):
    """The payment line a bureau signs: value × share (stage) × band ratio = amount."""
    assert sheet_at_85.payment_explanation_for(Decimal("1000000"), "advance") == (
        "¥1,000,000.00 × 40% advance = ¥400,000.00")
    assert sheet_at_85.payment_explanation_for(Decimal("1000000"), "stage_1") == (
        "¥1,000,000.00 × 20% (第一阶段验收（合同签订5个月后）：采购合同总金额20%) × 90% = ¥180,000.00")


def test_an_incomplete_sheet_pays_no_stage_and_says_why():
    scheme = load_scheme("ningming-2024-lot2")
    facts = perfect()
    del facts["schedule_progress_pct"]
    sheet = score(scheme, facts)
    assert sheet.payment_due(Decimal("100"), "advance") == Decimal("40.00")  # the advance needs no score
    with pytest.raises(ValueError) as caught:
        sheet.payment_due(Decimal("100"), "stage_1")
    assert str(caught.value) == "the sheet is incomplete: no payment can be computed until every fact is in"


def test_a_step_worth_half_a_point():
    """FORMAT.md base_steps: base + steps × step_points, here 满500人得5分，每增加100人加0.5分: 700 → 5 + 2 × 0.5 = 6."""
    text = test_methods.TOML.replace("step_points = 1", "step_points = 0.5", 1)
    scheme = build_scheme(tomllib.loads(text, parse_float=Decimal), file="methods-test.toml")
    assert score(scheme, test_methods.full(workers=700)).line("a/workers").points == Decimal("6.0")
