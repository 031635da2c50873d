"""Every problem a fact's value can be refused for (rules.scoring.FACT_PROBLEMS) has words in both languages
(portal/explain.py fact_problem): Chinese by default, English on request, every figure filled in, never the
engine's English sentence nor a fact's key."""
from __future__ import annotations

import re

import pytest
from flask_babel import force_locale

from portal.explain import _FACT_PROBLEMS, fact_label, fact_problem
from rules.scoring import FACT_PROBLEMS, FactsError

PARAMS = {"value": "11", "min": "0", "max": "10", "fields": "by", "other": "delivered_workers",
          "other_value": "3"}


def test_every_problem_of_the_rules_has_words():
    assert set(_FACT_PROBLEMS) == set(FACT_PROBLEMS)


@pytest.mark.parametrize("code", FACT_PROBLEMS)
def test_a_problem_reads_in_both_languages_with_its_figures_and_entry(app, code):
    refused = FactsError("delivered_workers", "an English sentence the reader never sees", code=code,
                         params=PARAMS, entry=2)
    with app.test_request_context():
        with force_locale("zh"):
            zh = fact_problem(refused, "jindong-2021")
        with force_locale("en"):
            en = fact_problem(refused, "jindong-2021")
    assert zh.startswith("第2条：") and en.startswith("entry 2: ")
    for text in (zh, en):
        assert "%(" not in text and "English sentence" not in text and "delivered_workers" not in text
    assert re.search(r"[\u4e00-\u9fff]", zh) and re.search(r"[A-Za-z]{3,}", en.removeprefix("entry 2: "))
    if code == "exceeds_other":  # the other fact by its name in the scheme, not its key
        assert fact_label("delivered_workers", "jindong-2021") in zh


def test_a_problem_the_rules_do_not_name_is_still_said_in_the_readers_words(app):
    with app.test_request_context(), force_locale("zh"):
        assert fact_problem(ValueError("an old English sentence")) == "数值不符合该项的要求"
