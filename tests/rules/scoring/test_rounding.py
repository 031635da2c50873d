"""Half a cent rounds up, at every place the rules round money or points (DOMAIN.md §6.1: "round half up
to 2 decimals only at the end").

Each case sits at exactly half a hundredth with an even hundredths digit below it, where banker's
rounding (half to even) would round down: a test that passes with either rounding checks nothing.
"""
from __future__ import annotations

import tomllib
from decimal import Decimal

import pytest

from rules.compliance.facts import InvalidFacts, score_cents
from rules.schemes import load_scheme
from rules.scoring import score
from rules.scoring.loader import build_scheme
from rules.scoring.numbers import fmt_money, fmt_pts, round_points
from tests.rules.schemes.test_ningming_2024_lot2 import MINUS_10, perfect
from tests.rules.scoring import test_methods


@pytest.mark.parametrize("exact, rounded", [
    ("180.045", "180.05"),  # banker's rounding: 180.04
    ("0.005", "0.01"),  # banker's: 0.00
    ("59.985", "59.99"),  # banker's: 59.98
    ("-0.125", "-0.13"),  # half away from zero on a negative: banker's −0.12
    ("180.0449", "180.04"),  # below the half: down
])
def test_round_points_rounds_half_a_hundredth_up(exact, rounded):
    """DOMAIN.md §6.1: round half up to 2 decimals."""
    assert round_points(Decimal(exact)) == Decimal(rounded)


def test_a_stage_payment_at_half_a_cent_rounds_up():
    """seed 002 标项二 经费说明 and 监督考核: ¥1,000.25 × 20% (第二阶段) × 90% (80–89.99分) = ¥180.045,
    due ¥180.05 (DOMAIN.md §6.1); banker's rounding would pay ¥180.04."""
    sheet = score(load_scheme("ningming-2024-lot2"), perfect(**MINUS_10, months_demand_not_updated=10))
    assert sheet.payment_ratio == Decimal("0.90")
    assert sheet.payment_due(Decimal("1000.25"), "stage_2") == Decimal("180.05")
    assert sheet.payment_explanation_for(Decimal("1000.25"), "stage_2").endswith("= ¥180.05")


def test_a_total_at_half_a_hundredth_rounds_up():
    """Fixture clause "准确率低于90%时，每下降1个百分点扣0.5分": 89.97% costs 0.015, the exact total 59.985
    is published as 59.99 (DOMAIN.md §6.1); banker's rounding would publish 59.98."""
    scheme = build_scheme(tomllib.loads(test_methods.TOML, parse_float=Decimal), file="methods-test.toml")
    sheet = score(scheme, test_methods.full(accuracy="89.97"))
    assert sheet.line("b/service/accuracy").points == Decimal("4.985")
    assert sheet.total == Decimal("59.99")


@pytest.mark.parametrize("exact, shown", [("0.005", "0.01"), ("4.985", "4.99"), ("-0.125", "−0.13")])
def test_points_are_shown_rounded_half_up(exact, shown):
    """DOMAIN.md §6.1: a figure shown with two decimals is rounded half up, like the total."""
    assert fmt_pts(Decimal(exact)) == shown


def test_money_is_shown_rounded_half_up():
    """DOMAIN.md §6.1: ¥180.045 is written ¥180.05."""
    assert fmt_money(Decimal("180.045")) == "¥180.05"
    assert fmt_money(Decimal("1000000.125")) == "¥1,000,000.13"


@pytest.mark.parametrize("score, cents", [("59.985", 5999), ("79.995", 8000), ("60", 6000), ("59.9849", 5998)])
def test_a_period_score_given_to_the_rules_rounds_half_up(score, cents):
    """rules/compliance: a period score is compared in hundredths after rounding half up (DOMAIN.md §6.1),
    so 79.995 is 80.00 and passes an 80-point line; banker's rounding would make 59.985 → 59.98."""
    assert score_cents(score, "s") == cents


def test_a_period_score_refuses_a_float():
    """DOMAIN.md §6.1: scores are exact decimals, never floats."""
    with pytest.raises(InvalidFacts, match="not a float"):
        score_cents(79.995, "s")
