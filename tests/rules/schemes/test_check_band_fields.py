"""A band's words and its months, said by the checker in its own words (FORMAT.md, payment bands: ``label``,
``consequence`` are text; ``rectify_within_months`` a whole number of months above 0, as 宁明's lowest band writes
"限服务方一个月内整改完毕" with ``rectify_within_months = 1``).

The checker once left these to the loader, whose refusal the author read in English under "方案文件有误：…"
(``expected a string, got int``; ``expected a positive whole number of months, got 1.5``). Now each is one
``wrong_type`` at the key that is wrong, and the portal says what is expected.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from rules.schemes import SCHEME_DIR
from rules.schemes.check import check_scheme_text

NINGMING = (SCHEME_DIR / "ningming-2024-lot2.toml").read_text(encoding="utf-8")
MONTHS = "rectify_within_months = 1\n"
CONSEQUENCE = 'consequence = "限服务方一个月内整改完毕，整改不通过的，采购人有权单方解除合同"\n'
LOWEST = "payment.bands[5]"  # max = 50, ratio = 0


def _said(old: str, new: str) -> list[tuple]:
    assert NINGMING.count(old) == 1, old
    text = NINGMING.replace(old, new)
    problems = check_scheme_text(text, file_name="ningming-2024-lot2.toml").problems
    return [(p.key, p.path, text.splitlines()[p.line - 1], p.params) for p in problems]


def test_the_shipped_band_is_accepted():
    assert _said(MONTHS, MONTHS) == []


@pytest.mark.parametrize("written", ["1.5", "0", "-1", '"1"', "true"])
def test_months_that_are_not_a_whole_number_above_zero_are_a_wrong_type(written):
    line = f"rectify_within_months = {written}"
    assert _said(MONTHS, line + "\n") == [("wrong_type", f"{LOWEST}.rectify_within_months", line,
                                          {"key": "rectify_within_months", "expected": "months"})]


@pytest.mark.parametrize("key, old", [("consequence", CONSEQUENCE), ("label", None)])
def test_a_band_s_words_written_as_a_number_are_a_wrong_type(key, old):
    if old is None:  # the lowest band's label
        start = NINGMING.index("label = ", NINGMING.index("max = 50\nratio = 0\n"))
        old = NINGMING[start:NINGMING.index("\n", start) + 1]
    assert _said(old, f"{key} = 1\n") == [("wrong_type", f"{LOWEST}.{key}", f"{key} = 1",
                                          {"key": key, "expected": "string"})]




def test_a_tier_s_consequence_or_months_are_one_unknown_key_each():
    # a tier takes neither (FORMAT.md: they are a payment band's); said as unknown keys, not also as wrong types
    example = (Path(__file__).parent / "checker" / "example-2024.toml").read_text(encoding="utf-8")
    tier = '{ min = 80, points = 4, label = "80%以上" }'
    assert example.count(tier) == 1
    text = example.replace(tier, tier[:-2] + ", consequence = 1, rectify_within_months = 0 }")
    problems = check_scheme_text(text, file_name="example-2024.toml").problems
    assert sorted((p.key, p.params["key"]) for p in problems) == [("unknown_key", "consequence"),
                                                                  ("unknown_key", "rectify_within_months")]
