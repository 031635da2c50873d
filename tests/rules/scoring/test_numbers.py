"""Exact numbers in, numbers written as the documents write them out (DOMAIN.md §6.1: "Scores are exact
decimals, never floats")."""
from __future__ import annotations

from decimal import Decimal

import pytest

from rules.scoring.numbers import floor_int, fmt_num, fmt_pts, to_decimal


@pytest.mark.parametrize("value, expected", [
    (3, Decimal(3)), ("62.5", Decimal("62.5")), (" 1,885,000.00 ", Decimal("1885000.00")),
    (Decimal("0.01"), Decimal("0.01")),
])
def test_exact_values_are_taken_as_they_are(value, expected):
    """An amount as a ledger writes it (thousands separators, spaces) is the same exact amount."""
    assert to_decimal(value) == expected


@pytest.mark.parametrize("value, error, message", [
    (True, TypeError, "contract value: expected a number, got a boolean True"),
    (0.1, TypeError, "contract value: floats are not accepted (0.1); pass a Decimal, an int or a string such as '0.1'"),
    (Decimal("NaN"), ValueError, "contract value: NaN is not a finite number"),
    ("Infinity", ValueError, "contract value: 'Infinity' is not a finite number"),
    ("一百", ValueError, "contract value: '一百' is not a number"),
    ([1], TypeError, "contract value: expected a number, got list [1]"),
])
def test_inexact_or_unreadable_values_are_refused_saying_which_and_why(value, error, message):
    """DOMAIN.md §6.1: never floats; the message names the value (the `what`) and the problem."""
    with pytest.raises(error) as caught:
        to_decimal(value, what="contract value")
    assert str(caught.value) == message


@pytest.mark.parametrize("value, shown", [
    ("2000", "2,000"), ("62.50", "62.5"), ("0.01", "0.01"), ("-2000", "−2,000"), ("-0.5", "−0.5"),
    ("0.0000001", "0.0000001"), ("1234.5678", "1,234.5678"),
])
def test_quantities_are_written_as_the_document_writes_them(value, shown):
    """A quantity in an explanation: thousands separated, no trailing zeros, never in exponent form,
    a minus sign (−) for a negative one."""
    assert fmt_num(Decimal(value)) == shown


@pytest.mark.parametrize("value, signed, shown", [
    ("4.5", False, "4.50"), ("-0.5", False, "−0.50"), ("2", True, "+2.00"), ("0.5", True, "+0.50"),
    ("0", True, "0.00"), ("-0.001", False, "0.00"), ("-0.001", True, "0.00"), ("-3", True, "−3.00"),
    ("1234.5", False, "1,234.50"),
])
def test_points_have_two_decimals_and_a_sign_only_when_asked(value, signed, shown):
    """Points with two decimals; signed=True shows + for a gain and nothing for zero; −0.001 shows as 0.00."""
    assert fmt_pts(Decimal(value), signed=signed) == shown


def test_floor_int_rounds_towards_minus_infinity():
    """'每满100人' counts whole hundreds: 199 is one hundred, −0.5 floors to −1."""
    assert floor_int(Decimal("1.99")) == 1 and floor_int(Decimal("-0.5")) == -1
