"""The pure helpers the portal CLI calls, as JSON and as text (rules.scoring.render): a judgement keeps its value
and its reason, a veto its explanation and steps, a penalty line and a failed participant are named as such.
Issue #18: the survivors of the mutation sample in rules.scoring.render.
"""
from __future__ import annotations

import tomllib
from decimal import Decimal

import pytest

from rules.scoring import render_cohort, render_sheet, score, score_cohort, sheet_to_dict
from rules.scoring.loader import build_scheme
from tests.rules.scoring import test_methods


@pytest.fixture(scope="module")
def scheme():
    return build_scheme(tomllib.loads(test_methods.TOML, parse_float=Decimal), file="methods-test.toml")


def test_a_judgement_is_recorded_with_its_value_and_its_reason(scheme):
    """DOMAIN.md §6.6: the assessor's value and written reason are both kept on the record of the sheet."""
    sheet = score(scheme, test_methods.full(innovation={"value": "3.5", "reason": "首创线上对接"}))
    item = next(i for i in sheet_to_dict(sheet)["items"] if i["path"] == "b/innovation")
    assert item["inputs"] == {"innovation": {"value": "3.5", "reason": "首创线上对接"}}


def test_a_veto_is_recorded_with_its_explanation_and_steps(scheme):
    """Fixture clause "泄露劳动力或企业数据的，立即终止合同": the record keeps why the veto applies."""
    sheet = score(scheme, test_methods.full(data_leak=True))
    (veto,) = sheet_to_dict(sheet)["vetoes"]
    assert veto == {"id": "leak", "effect": "terminate", "clause": "泄露劳动力或企业数据的，立即终止合同",
                    "explanation": sheet.vetoes[0].explanation, "steps": sheet.vetoes[0].steps}
    assert "data_leak" in veto["explanation"] and veto["steps"][0]["step"] == "veto"


def test_the_text_table_names_a_penalty_line_without_a_maximum(scheme):
    """seed 004 负面影响 (每件扣10分): a penalty has no maximum; the max column says "penalty" (and "bonus")."""
    text = render_sheet(score(scheme, test_methods.full(lost_disputes=1)))
    row = next(r for r in text.splitlines() if "减分：败诉" in r)
    assert row.split()[1:3] == ["penalty", "−10.00"]
    row = next(r for r in text.splitlines() if "加分：媒体报道" in r)
    assert row.split()[1] == "bonus"  # a bonus has no maximum either (its cap limits it)


def test_the_cohort_table_says_who_failed(scheme):
    """A vetoed participant fails whatever the score (一票否决); the cohort table says "failed"."""
    text = render_cohort(score_cohort(scheme, {"甲": test_methods.full(), "乙": test_methods.full(data_leak=True)}))
    rows = {r.split()[1]: r.split() for r in text.splitlines()[2:]}
    assert rows["甲"][3] == "passed" and rows["乙"][3] == "failed"
