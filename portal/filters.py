"""Template filters for money and shares: Decimal in, text out; floats are refused."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def decimal(value) -> Decimal:
    if isinstance(value, float):
        raise TypeError("float where a Decimal is required")
    return Decimal(str(value))


def yuan(value) -> str:
    if value is None:
        return "—"
    amount = decimal(value).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return f"¥{amount:,.2f}"


def percent(value) -> str:
    share = decimal(value) * 100
    return f"{share.quantize(Decimal('0.01'), ROUND_HALF_UP).normalize():f}%"


def init_app(app) -> None:
    app.add_template_filter(decimal, "decimal")
    app.add_template_filter(yuan, "yuan")
    app.add_template_filter(percent, "percent")
