"""Exact decimal arithmetic and the way numbers are written on a sheet (DOMAIN.md §6.1)."""
from __future__ import annotations

from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation

ZERO = Decimal("0")
ONE = Decimal("1")
HUNDRED = Decimal("100")
CENT = Decimal("0.01")
MINUS = "\u2212"  # − : the minus sign used in explanations


def to_decimal(value: object, *, what: str = "value") -> Decimal:
    """int, Decimal or a numeric string → Decimal. Floats and bools are refused: they are not exact."""
    if isinstance(value, bool):
        raise TypeError(f"{what}: expected a number, got a boolean {value!r}")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{what}: {value} is not a finite number")
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        raise TypeError(
            f"{what}: floats are not accepted ({value!r}); pass a Decimal, an int or a string such as '{value!r}'"
        )
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        try:
            result = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"{what}: {value!r} is not a number") from None
        if not result.is_finite():
            raise ValueError(f"{what}: {value!r} is not a finite number")
        return result
    raise TypeError(f"{what}: expected a number, got {type(value).__name__} {value!r}")


def round_points(value: Decimal) -> Decimal:
    """Round half up to 2 decimals: done once, on the final total (DOMAIN.md §6.1)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def floor_int(value: Decimal) -> Decimal:
    return value.to_integral_value(rounding=ROUND_FLOOR)


def fmt_num(value: Decimal) -> str:
    """A quantity as the document writes it: 2,000 · 62.5 · 0.01 (no trailing zeros)."""
    sign = MINUS if value < 0 else ""
    value = abs(value)
    if value == value.to_integral_value():
        return f"{sign}{int(value):,}"
    text = format(value.normalize(), "f")
    whole, _, frac = text.partition(".")
    return f"{sign}{int(whole):,}.{frac}"


def fmt_pts(value: Decimal, *, signed: bool = False) -> str:
    """Points with two decimals: 4.50 · −0.50 · +2.00 (signed=True shows + for gains)."""
    shown = value.quantize(CENT, rounding=ROUND_HALF_UP)
    if shown == 0:
        shown = abs(shown)
    sign = MINUS if shown < 0 else ("+" if signed and shown > 0 else "")
    return f"{sign}{abs(shown):,.2f}"


def fmt_money(value: Decimal) -> str:
    shown = value.quantize(CENT, rounding=ROUND_HALF_UP)
    return f"¥{shown:,.2f}"
