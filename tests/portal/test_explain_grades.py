"""Letter grades by score band and payment by grade (rules/schemes/FORMAT.md §4b) read in words on the
portal: every step of a graded sheet has its sentence, in Chinese and in English, none the fallback."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from flask_babel import force_locale

from portal.explain import step_text
from rules.scoring import score
from rules.scoring.loader import load_scheme_file

SCHEME = load_scheme_file(Path(__file__).resolve().parents[1] / "rules/scoring/graded/graded-2025.toml")


def _steps(**facts):
    sheet = score(SCHEME, {"late_days": Decimal(0), "serious_incident": False, **facts})
    return [*sheet.result_steps, *sheet.grade_steps, *sheet.payment_steps]


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_a_grade_band_and_the_payment_by_grade_read_as_sentences(app, locale):
    steps = _steps(quality_grade="优", satisfaction_grade="A")
    kinds = [s["step"] for s in steps]
    assert "grade_band" in kinds and "payment_band" in kinds
    with app.test_request_context(), force_locale(locale):
        fallback = step_text({"step": "nothing such"}, None)
        texts = [step_text(s, None) for s in steps]
    assert fallback not in texts
    band = texts[kinds.index("grade_band")]
    payment = texts[kinds.index("payment_band")]
    grade = steps[kinds.index("grade_band")]["grade"]
    assert grade in band and grade in payment
    if locale == "zh":
        assert "等次" in band and "支付" in payment and "任意分值" not in payment
    else:
        assert "grade" in band and "paid" in payment


def test_a_total_in_no_grade_band_says_so(app):
    with app.test_request_context(), force_locale("zh"):
        assert step_text({"step": "no_grade_band", "total": "12.5"}, None) == "12.50 不在任何等次档次，不评定等次"
