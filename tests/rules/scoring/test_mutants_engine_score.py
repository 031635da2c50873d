"""What score() hands back as a sheet's conclusion (issue #18: survivors of the mutation run in rules.scoring.engine
``score``): the bonus and penalty totals of a scheme without bonus or penalty items, the step lists of sheets whose
conclusion the engine remembers, and the result steps of vetoed sheets.

The engine remembers a sheet's conclusion per scheme (the same totals, missing facts and vetoes give the same
conclusion); every scheme here is built in the test that scores it. The inline schemes are fixtures written for
these tests (rules/schemes/FORMAT.md §1 [result], [subsidy], [[vetoes]], the fact kinds of §2).
"""
from __future__ import annotations

import tomllib
from decimal import Decimal

from rules.scoring import score, sheet_to_dict
from rules.scoring.loader import build_scheme
from rules.scoring.numbers import fmt_pts

D = Decimal

HEAD = """
[scheme]
id = "score-mutants"
title = "结论测试"
bureau = "测试局"
document_number = "测〔2024〕10号"
effective_date = 2024-01-01
source = "test fixture"
max_total = 20

[[cycles]]
id = "annual"
label = "年度"

[result]
pass_mark = 12
clause = "12分以上合格"

[facts.work]
meaning = "工作评分"
kind = "judgement"
min = 0
max = 20
example = { value = 15, reason = "好" }
"""

ITEMS = """
[[categories]]
id = "main"
title = "工作"
max = 20
clause = "工作（20分）"

[[categories.items]]
id = "work"
title = "工作评分"
max = 20
clause = "按工作情况评分，最高20分"
method = "judgement"
fact = "work"
"""

SUBSIDY = """
[subsidy]
clause = "合格的补贴1000元"
[[subsidy.bands]]
min = 12
amount = 1000
label = "12分以上：1000元"
"""

# a veto reading two choice facts whose choices contain ", b = " (choices are any strings, FORMAT.md §2), and a count
VETO = """
[facts.a]
meaning = "甲类"
kind = "choice"
choices = ["p", "p, b = q"]
example = "p"
[facts.b]
meaning = "乙类"
kind = "choice"
choices = ["r", "q, b = r"]
example = "r"
[facts.n]
meaning = "次数"
kind = "count"
example = 0

[[vetoes]]
id = "mixed"
label = "混合"
effect = "fail"
when = [{ fact = "a", in = ["p", "p, b = q"] }, { fact = "b", in = ["r", "q, b = r"] }, { fact = "n", at_least = 0 }]
clause = "甲乙两类均有的，考核不合格"
"""


def build(text: str):
    return build_scheme(tomllib.loads(text, parse_float=Decimal), file="score-mutants.toml")


def work(value: str = "15") -> dict:
    return {"work": {"value": value, "reason": "评定"}}


# -- the bonus and penalty totals without bonus or penalty items (FORMAT.md §1 [result]) -----------------------------


def test_a_scheme_without_bonus_or_penalty_items_has_decimal_zero_totals_for_them():
    """ScoreSheet declares bonus_total and penalty_total as Decimals (engine.ScoreSheet): a scheme without bonus or
    penalty items has Decimal('0') for both, a figure the number formatters (fmt_pts) and Decimal arithmetic accept,
    on the first sheet and on a sheet whose conclusion is remembered."""
    scheme = build(HEAD + ITEMS)
    for _ in range(2):
        sheet = score(scheme, work("15"))
        for figure in (sheet.bonus_total, sheet.penalty_total):
            assert figure.__class__ is Decimal
            assert figure.as_tuple() == D("0").as_tuple()
            assert fmt_pts(figure) == "0.00"
        assert sheet.total == D("15") and sheet.total_explanation == "regular 15.00 (of 20.00) = 15.00"
        assert sheet_to_dict(sheet)["bonus_total"] == "0" and sheet_to_dict(sheet)["penalty_total"] == "0"


# -- each sheet's step lists are its own -------------------------------------------------------------------------


def test_changing_one_sheets_step_lists_leaves_other_sheets_with_the_same_conclusion_alone():
    """Two participants with the same facts get the same conclusion, but each sheet is its caller's: a caller that
    edits one sheet's result, payment, subsidy, grade or total step lists (e.g. to annotate them for display)
    changes neither the other sheet nor the sheets scored afterwards."""
    scheme = build(HEAD + ITEMS + SUBSIDY)
    first = score(scheme, work("15"), participant="甲")
    second = score(scheme, work("15"), participant="乙")
    expected = sheet_to_dict(second)
    assert expected["result_steps"] == [{"step": "pass_mark", "total": "15", "mark": "12", "inclusive": True,
                                         "passed": True}]
    assert expected["subsidy_steps"] != []
    for name in ("missing_facts", "total_steps", "result_steps", "payment_steps", "subsidy_steps", "grade_steps"):
        getattr(first, name).clear()
        getattr(first, name).append({"step": "note", "by": "甲"})
    third = score(scheme, work("15"), participant="丙")
    for sheet in (second, third):
        shown = sheet_to_dict(sheet)
        for name in ("missing_facts", "total_steps", "result_steps", "payment_steps", "subsidy_steps", "grade_steps"):
            assert shown[name] == expected[name], name


# -- the result steps of a vetoed sheet are that sheet's (FORMAT.md [[vetoes]]) ----------------------------------


def test_the_result_steps_of_a_vetoed_sheet_show_its_own_facts_even_when_the_veto_texts_read_alike():
    """A veto that holds fails the sheet; its result steps record each condition with the value found. Choices may
    contain any text, so two sheets can have the same veto explanation (a = "p, b = q", b = "r" reads like
    a = "p", b = "q, b = r"): each sheet's steps still show its own values, however many sheets the scheme has
    scored before."""
    scheme = build(HEAD + VETO + ITEMS)
    for n in range(200):  # many different sheets first
        assert score(scheme, {**work(), "a": "p", "b": "r", "n": n}).passed is False
    one = score(scheme, {**work(), "a": "p, b = q", "b": "r", "n": 0})
    two = score(scheme, {**work(), "a": "p", "b": "q, b = r", "n": 0})
    assert one.vetoes[0].explanation == two.vetoes[0].explanation == (
        "混合: a in p, p, b = q and b in r, q, b = r and n ≥ 0 (a = p, b = q, b = r, n = 0) → fail")
    for sheet, a, b in ((one, "p, b = q", "r"), (two, "p", "q, b = r")):
        assert sheet.passed is False
        (step,) = sheet.result_steps
        assert [(c["fact"], c["value"]) for c in step["conditions"]] == [("a", a), ("b", b), ("n", "0")]
        assert sheet.result_steps == sheet.vetoes[0].steps
