"""Explanations as data (issue #12 item 1): every line, total, result, payment and grade of a sheet comes
with ``steps`` (JSON-able dicts naming the facts and numbers used), which the portal renders in the
reader's language. The engine's English stays beside them for developers."""
from __future__ import annotations

import json

import pytest

from rules.schemes import load_scheme, scheme_ids
from rules.scoring import score, score_cohort, sheet_to_dict
from tests.rules.scoring.test_methods import full, scheme  # noqa: F401  (the inline scheme fixture)


def test_base_steps_as_data(scheme):  # noqa: F811
    """seed 000 附件2 工作成效: 满500人得5分，每增加100人加1分 — 1,250 people: 5 + 7 steps = 12."""
    steps = score(scheme, full(workers=1250)).line("a/workers").steps
    assert steps == [{"step": "base_steps", "fact": "workers", "value": "1250", "threshold": "500", "base": "5",
                      "steps_from": "500", "step_size": "100", "steps": "7", "step_points": "1", "points": "12"}]


def test_a_missing_fact_is_a_step_naming_the_fact_not_a_sentence(scheme):  # noqa: F811
    facts = full()
    facts.pop("referrals")
    sheet = score(scheme, facts)
    assert {"step": "missing", "facts": ["referrals"]} in sheet.line("b/service/referrals").steps
    assert sheet.result_steps == [{"step": "incomplete", "facts": ["referrals"], "needs_cohort": False}]


@pytest.mark.parametrize("scheme_id", scheme_ids())
def test_every_line_and_figure_of_every_scheme_has_json_steps(scheme_id):
    s = load_scheme(scheme_id)
    examples = {key: spec.example for key, spec in s.facts.items()}
    sheet = (score_cohort(s, {"one": examples, "two": dict(examples)}).sheets["one"] if s.has_rank_items
             else score(s, examples))
    for line in sheet.lines:
        assert line.steps and all(isinstance(step["step"], str) for step in line.steps), line.path
    assert sheet.total_steps and sheet.result_steps
    assert sheet.result_steps[0]["step"] in ("pass_mark", "veto")
    if s.payment is not None:
        assert sheet.payment_steps and sheet.payment_steps[0]["step"] in ("payment_band", "no_payment_band")
    if s.grades is not None:
        assert sheet.grade_steps and sheet.grade_steps[0]["step"].startswith("grade_")
    data = sheet_to_dict(sheet)
    assert json.loads(json.dumps(data)) == data  # frozen in approvals as JSON
    assert all("steps" in item for item in data["items"])
