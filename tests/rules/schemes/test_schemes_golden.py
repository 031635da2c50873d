"""What the portal reads off each scheme, pinned whole: the facts it asks for (key, meaning, kind, unit, example,
bounds, choices, the figure a fact may not exceed) and the payment and subsidy bands as written (DOMAIN.md §6.1:
"80(含)–89.99" is [80, 90)). Regenerate deliberately with `python -m tests.rules.schemes.test_schemes_golden`."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from rules.schemes import SCHEME_DIR, load_scheme
from rules.scoring.model import Band

GOLDEN = Path(__file__).parent / "golden" / "schemes.json"


def _schemes() -> str:
    out = {}
    for path in sorted(SCHEME_DIR.glob("*.toml")):
        scheme = load_scheme(path.stem)
        out[scheme.id] = {
            "facts": scheme.fact_specs(),
            "regular_max": scheme.regular_max(),
            "payment_bands": [b.describe() for b in scheme.payment.bands] if scheme.payment else None,
            "subsidy_bands": [b.describe() for b in scheme.subsidy.bands] if scheme.subsidy else None,
        }
    return json.dumps(out, ensure_ascii=False, indent=1, default=str) + "\n"


def test_the_schemes_read_as_the_golden_file():
    assert _schemes() == GOLDEN.read_text(encoding="utf-8")


@pytest.mark.parametrize("lo, hi, lo_in, hi_in, text", [
    (None, None, True, False, "any value"), (None, "50", True, False, "< 50"), (None, "50", True, True, "≤ 50"),
    ("90", None, True, False, "≥ 90"), ("90", None, False, False, "> 90"), ("80", "90", True, False, "[80, 90)"),
    ("80", "90", False, True, "(80, 90]"),
])
def test_a_band_is_written_as_an_interval(lo, hi, lo_in, hi_in, text):
    """DOMAIN.md §6.1: integer bands are half-open, "(含)" closes a side; the explanation shows which."""
    band = Band(min=None if lo is None else Decimal(lo), max=None if hi is None else Decimal(hi),
                min_inclusive=lo_in, max_inclusive=hi_in, value=Decimal(1), label="")
    assert band.describe() == text


if __name__ == "__main__":
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(_schemes(), encoding="utf-8")
