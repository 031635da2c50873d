"""The scheme-file checker (rules/schemes/check.py): bad files the earlier tests did not make (issue #18: the
mutants of the sample of 2026-12-06 that no test noticed).

Each bad file is an edit of a valid scheme (the checker's example, the example with its [calendar] and
[[compliance]] sections, the graded example, or a shipped scheme); the problem must be reported on the line
marked ``# <-`` (or the line the case names), with its key and all its parameters: the portal words a problem
from those alone (portal/schemes/problems.py), so a parameter left out or wrong is a wrong sentence to the
scheme's author, e.g. ``bad_condition`` {fact: credit_grade, test: is, reason: not_a_choice, value: E} on line 62
reads "第62行：条件写法不对（数据“credit_grade” is）：“E”不是该数据的选项" / "Line 62: Condition not valid (fact
“credit_grade” is): “E” is not one of the fact’s choices"; without ``value`` or with another ``reason`` it says
something else. (These tests import nothing of the portal: they pin the data the words are made from.)
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from rules.schemes import SCHEME_DIR
from rules.schemes.check import ALL_PROBLEM_KEYS, check_scheme_text
from tests.rules.schemes.test_check_scheme_data import SECTIONS

HERE = Path(__file__).parent
EXAMPLE = (HERE / "checker" / "example-2024.toml").read_text(encoding="utf-8")
# the reporting calendar and the compliance rules in force, as test_check_scheme_data.py has them
BASES = {
    "example-2024.toml": EXAMPLE,
    "sections": EXAMPLE + SECTIONS,
    "graded-2025.toml": (HERE.parent / "scoring" / "graded" / "graded-2025.toml").read_text(encoding="utf-8"),
    "wujiang-2022.toml": (SCHEME_DIR / "wujiang-2022.toml").read_text(encoding="utf-8"),
    "jindong-2021.toml": (SCHEME_DIR / "jindong-2021.toml").read_text(encoding="utf-8"),
}
MARK = "  # <-"
VETO_WHEN = 'when = { fact = "incidents", at_least = 1 }'
PENALTY = ('[[categories.items]]\nid = "penalty"\ntitle = "违规扣分"\nkind = "penalty"\nclause = "发生事故的每次扣1分"\n'
           'method = "deductions"\n')

# (problem key, base, text replaced, replacement with the marker on the line expected, parameters, [line])
CASES = [
    # conditions: what is wrong with a veto's (or any) condition
    ("bad_condition", "example-2024.toml", VETO_WHEN, 'when = { fact = "credit_grade", is = "E" }' + MARK,
     {"fact": "credit_grade", "test": "is", "reason": "not_a_choice", "value": "E"}),
    ("bad_condition", "example-2024.toml", VETO_WHEN, 'when = { fact = "credit_grade", in = [] }' + MARK,
     {"fact": "credit_grade", "test": "in", "reason": "empty"}),
    ("bad_condition", "example-2024.toml", VETO_WHEN, 'when = { fact = "credit_grade", in = ["A", "E", "F"] }' + MARK,
     {"fact": "credit_grade", "test": "in", "reason": "not_a_choice", "value": "E, F"}),  # only the ones not choices
    ("bad_condition", "example-2024.toml", VETO_WHEN, 'when = { fact = "credit_grade", at_least = 1 }' + MARK,
     {"fact": "credit_grade", "test": "at_least", "reason": "not_numeric"}),
    ("wrong_type", "example-2024.toml", VETO_WHEN, 'when = { fact = "incidents", at_least = "1" }' + MARK,
     {"key": "at_least", "expected": "number"}),
    # facts
    ("fact_range_inverted", "example-2024.toml", 'kind = "judgement"\nmin = 0', 'kind = "judgement"\nmin = 4' + MARK,
     {"fact": "innovation", "min": "4", "max": "3"}),
    ("choices_not_allowed", "example-2024.toml", 'kind = "bool"\nexample = true',
     'kind = "bool"\nchoices = ["是", "否"]' + MARK + "\nexample = true", {"fact": "has_plan", "kind": "bool"}),
    ("missing_key", "example-2024.toml", 'unit = "篇"\nexample = 1\n', 'unit = "篇"\n', {"key": "example"}, 98),
    # the cycles: present but empty is as wrong as absent
    ("no_cycles", "example-2024.toml", '[[cycles]]\nid = "half_1"\nlabel = "上半年"\nmonths = 6\n\n[[cycles]]\n'
     'id = "half_2"\nlabel = "下半年"\nmonths = 6\n', "", {}, 1),
    # items
    ("wrong_type", "example-2024.toml", '{ min = 80, points = 4, label = "80%以上" },',
     '{ min = "80", points = 4, label = "80%以上" },' + MARK, {"key": "min", "expected": "number"}),
    ("unknown_key", "example-2024.toml", '[[categories.items]]\nid = "media"',
     PENALTY + "start = 2" + MARK + '\ndeductions = [{ label = "事故", fact = "incidents", each = 1 }]\n\n'
     '[[categories.items]]\nid = "media"', {"key": "start", "allowed": ["deductions"]}),
    ("wrong_type", "example-2024.toml", 'deductions = [{ label = "迟报", fact = "late_reports", each = 0.1 }]',
     'deductions = [{ label = "迟报", when = { fact = "has_plan", is = false }, points = "1" }]' + MARK,
     {"key": "points", "expected": "number"}),
    ("fact_kind_mismatch", "example-2024.toml", 'fact = "referrals", target = 2000',
     'fact = "has_plan", target = 2000',
     {"fact": "has_plan", "kind": "bool", "needed": ["count", "number", "percent", "count_list"]}, 129),
    ("empty_list", "example-2024.toml", 'deductions = [{ label = "迟报", fact = "late_reports", each = 0.1 }]\n',
     "", {"key": "deductions"}, 131),  # no deductions at all: at the item's header
    ("fixed_not_regular", "example-2024.toml", 'method = "per_unit"\nfact = "media_reports"\npoints_per_unit = 1',
     'method = "fixed"' + MARK, {}),
    ("wrong_type", "example-2024.toml", "cap = 2\n", "cap = 2\nuncapped = \"yes\"" + MARK + "\n",
     {"key": "uncapped", "expected": "bool"}),
    ("wrong_type", "example-2024.toml", 'title = "满意度"', 'title = "满意度"\nnote = 1' + MARK,
     {"key": "note", "expected": "string"}),
    # a percent fact with a maximum below a tier: the tier is never reached
    ("band_out_of_range", "example-2024.toml", 'kind = "percent"\nunit = "%"\nexample = 85',
     'kind = "percent"\nunit = "%"\nmax = 50\nexample = 45', {"band": "≥ 80", "lo": "0", "hi": "50"}, 162),
    ("band_out_of_range", "example-2024.toml", 'kind = "percent"\nunit = "%"\nexample = 85',
     'kind = "percent"\nunit = "%"\nmax = 50\nexample = 45', {"band": "[60, 80)", "lo": "0", "hi": "50"}, 163),
    # rank items (wujiang-2022 §(二))
    ("exceeds_max", "wujiang-2022.toml", "top = 25\nstep = 1.5", "top = 30" + MARK + "\nstep = 1.5",
     {"key": "top", "value": "30", "max": "25"}),
    ("unknown_order", "wujiang-2022.toml", "top = 25\nstep = 1.5", 'order = "up"' + MARK + "\ntop = 25\nstep = 1.5",
     {"value": "up", "allowed": ["desc", "asc"]}),
    # ids: vetoes and payment stages
    ("duplicate_id", "example-2024.toml", "", '\n[[vetoes]]\nid = "major_incident"' + MARK + '\neffect = "fail"\n'
     'when = { fact = "incidents", at_least = 2 }\nclause = "再次发生事故"\n', {"id": "major_incident", "what": "vetoes"}),
    ("bad_id", "example-2024.toml", 'id = "first"', 'id = "First"' + MARK, {"id": "First"}),
    ("wrong_type", "example-2024.toml", "[extra.contract]\nservice_months = 12", "[extra]\ncontract = 12" + MARK,
     {"key": "contract", "expected": "table"}),
    # subsidy bands (jindong-2021 第十二条（二）): reported at the band, not at [subsidy]
    ("bands_overlap", "jindong-2021.toml", "min = 70\nmax = 80\namount = 50000", "min = 65\nmax = 80\namount = 50000",
     {"a": "1", "b": "2", "at": "65"}, 38),
    ("bands_gap", "jindong-2021.toml", "min = 70\nmax = 80\namount = 50000", "min = 72\nmax = 80\namount = 50000",
     {"a": "1", "b": "2", "at": "70"}, 34),
    # letter grades by score band with no band at all
    ("empty_list", "graded-2025.toml", 'bands = [\n  { grade = "优秀", min = 90, label = "90分（含）以上" },\n'
     '  { grade = "良好", min = 80, max = 90, label = "80分（含）至90分" },\n'
     '  { grade = "合格", min = 60, max = 80, label = "60分（含）至80分" },\n'
     '  { grade = "不合格", max = 60, label = "60分以下" },\n]\n', "bands = []" + MARK + "\n", {"key": "bands"}),
    # the compliance rules' link to the calendar
    ("unknown_obligation", "sections", 'obligation = "monthly_report"', 'obligation = "weekly_report"' + MARK,
     {"obligation": "weekly_report", "rule": "deadlines.monthly_report_late", "allowed": ["monthly_report"]}),
    ("unknown_obligation", "sections", 'item = "quality/satisfaction"\npoints = 1',
     'item = "quality/satisfaction"\npoints = 1\nobligation = "monthly_report"' + MARK,
     {"obligation": "monthly_report", "rule": "conduct.verified_complaint", "allowed": ["monthly_report"]}),
    ("due_day_mismatch", "sections", "due_day = 10", "due_day = 12" + MARK,
     {"due_day": "12", "obligation": "monthly_report", "day": "10"}),
    # second round: the rest of the sample's survivors
    ("unknown_key", "example-2024.toml", VETO_WHEN, 'when = { fact = "incidents", at_least = 1, atleast = 2 }' + MARK,
     {"key": "atleast", "allowed": ["at_least", "at_most", "fact", "in", "is", "less_than", "more_than"]}),
    ("bad_condition", "example-2024.toml", VETO_WHEN, 'when = { fact = "incidents" }' + MARK,
     {"fact": "incidents", "test": "", "reason": "no_test"}),
    ("duplicate_id", "example-2024.toml", 'id = "half_2"', 'id = "half_1"' + MARK, {"id": "half_1", "what": "cycles"}),
    ("unknown_cycle", "example-2024.toml", 'cycle = "half_2"', 'cycle = "half_3"' + MARK,
     {"cycle": "half_3", "allowed": ["half_1", "half_2"]}),
    ("bad_id", "example-2024.toml", 'id = "first"', 'id = "advance"' + MARK, {"id": "advance"}),  # the advance's own name
    ("not_positive", "example-2024.toml", "max_total = 20", "max_total = 0" + MARK, {"key": "max_total", "value": "0"}),
    ("range_not_allowed", "example-2024.toml", 'choices = ["A", "B", "C", "D"]',
     'choices = ["A", "B", "C", "D"]\nmax = 1' + MARK, {"fact": "credit_grade", "kind": "choice"}),
    ("wrong_type", "example-2024.toml", 'choices = ["A", "B", "C", "D"]', "choices = [1, 2]" + MARK,
     {"key": "choices", "expected": "strings"}),
    ("fact_kind_mismatch", "example-2024.toml", 'kind = "bool"\nexample = true',
     'kind = "bool"\nnot_above = "incidents"' + MARK + "\nexample = true",
     {"fact": "has_plan", "kind": "bool", "needed": ["count", "number", "percent"]}),
    # a number fact has no floor of its own: the range runs from −∞
    ("band_out_of_range", "example-2024.toml", 'kind = "percent"\nunit = "%"\nexample = 85',
     'kind = "number"\nunit = "%"\nmax = 50\nexample = 45', {"band": "≥ 80", "lo": "−∞", "hi": "50"}, 162),
    ("exceeds_max", "example-2024.toml", "cap = 2\n", "cap = 2" + MARK + "\nmax = 1\n",
     {"key": "cap", "value": "2", "max": "1"}),
    ("exceeds_max", "wujiang-2022.toml", "top = 25\nstep = 1.5\nfloor = 5", "top = 25\nstep = 1.5\nfloor = 30" + MARK,
     {"key": "floor", "value": "30", "max": "25"}),
    ("missing_key", "example-2024.toml", 'points = 3, when = { fact = "has_plan", is = true } }]',
     "points = 3 }]" + MARK, {"key": "when"}),
    ("empty_list", "example-2024.toml", 'tiers = [\n  { min = 80, points = 4, label = "80%以上" },\n'
     '  { min = 60, max = 80, points = 2, label = "60%至80%" },\n]\n', "", {"key": "tiers"}, 153),
    ("missing_key", "example-2024.toml", 'title = "工作计划"\nmax = 3\n', 'title = "工作计划"\n', {"key": "max"}, 174),
    ("bad_id", "sections", 'key = "monthly_report"', 'key = "Monthly"' + MARK, {"id": "Monthly"}),
    ("wrong_type", "sections", 'item = "quality/satisfaction"\npoints = 1',
     'item = "quality/satisfaction"\npoints = 1\nclause = 5' + MARK, {"key": "clause", "expected": "string"}),
    # a total with its bonuses can reach 22 (max_total 20 + the media bonus capped at 2), not 23
    ("band_out_of_range", "example-2024.toml", 'min = 16\nratio = 1.00\nlabel = "16分（含）以上全额支付"',
     'min = 16\nmax = 23\nratio = 1.00\nlabel = "16分（含）以上全额支付"\n\n[[payment.bands]]\nmin = 23' + MARK
     + '\nratio = 1.00\nlabel = "23分以上"', {"band": "≥ 23", "lo": "0", "hi": "22"}),
]


def _bad_file(base: str, old: str, new: str) -> str:
    text = BASES[base]
    if not old:
        return text + new
    assert text.count(old) == 1, f"not unique in the base file: {old!r}"
    return text.replace(old, new)


def _expected_line(text: str, case: tuple) -> int:
    if len(case) > 5:
        return case[5]
    lines = [n for n, line in enumerate(text.splitlines(), 1) if line.endswith(MARK)]
    assert len(lines) == 1, "mark exactly one line"
    return lines[0]


def _check(base: str, text: str):
    return check_scheme_text(text, file_name="example-2024.toml" if base == "sections" else base)


@pytest.mark.parametrize("base", list(BASES))
def test_each_base_file_passes(base):
    assert _check(base, BASES[base]).problems == []


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_a_bad_file_is_refused_at_its_line_with_all_its_parameters(case):
    key, base, old, new, params = case[:5]
    text = _bad_file(base, old, new)
    result = _check(base, text)
    assert result.scheme is None
    found = [(p.key, p.line, p.params) for p in result.problems]
    assert (key, _expected_line(text, case), params) in found, found
    assert all(p.key in ALL_PROBLEM_KEYS for p in result.problems)
    json.dumps([p.as_dict() for p in result.problems])


def test_a_file_without_categories_says_so():
    text = EXAMPLE[:EXAMPLE.index("[[categories]]")]
    assert [(p.key, p.line) for p in check_scheme_text(text, file_name="example-2024.toml").problems] == [
        ("no_categories", 1)]


def test_a_deductions_item_without_deductions_is_named_by_the_item():
    # the JSON of `flask schemes check` carries the path: the item, not a deductions key the file does not have
    text = EXAMPLE.replace('deductions = [{ label = "迟报", fact = "late_reports", each = 0.1 }]\n', "")
    [problem] = check_scheme_text(text, file_name="example-2024.toml").problems
    assert (problem.key, problem.line, problem.path) == ("empty_list", 131, "categories[work].items[reports]")


def test_a_rank_item_may_rank_upwards():
    text = BASES["wujiang-2022.toml"].replace("top = 25\nstep = 1.5", 'order = "asc"\ntop = 25\nstep = 1.5')
    assert check_scheme_text(text, file_name="wujiang-2022.toml").problems == []


def test_grade_bands_missing_leave_every_paid_grade_unknown_but_only_the_failed_one():
    text = _bad_file("graded-2025.toml", next(c[2] for c in CASES if c[1] == "graded-2025.toml"), "bands = []\n")
    problems = check_scheme_text(text, file_name="graded-2025.toml").problems
    assert [(p.key, p.params.get("grade")) for p in problems] == [
        ("empty_list", None), ("unknown_grade", "优秀"), ("unknown_grade", "良好"), ("unknown_grade", "合格")]
    assert problems[1].params["allowed"] == ["不合格"]


def test_a_payment_band_reached_only_with_the_bonuses_is_accepted():
    text = EXAMPLE.replace('min = 16\nratio = 1.00\nlabel = "16分（含）以上全额支付"',
                           'min = 16\nmax = 21\nratio = 1.00\nlabel = "16分（含）以上全额支付"\n\n[[payment.bands]]\nmin = 21\n'
                           'ratio = 1.00\nlabel = "21分（含加分）以上"')
    assert check_scheme_text(text, file_name="example-2024.toml").problems == []


def test_a_bad_condition_of_a_deduction_is_placed_at_the_condition_itself():
    text = EXAMPLE.replace('deductions = [{ label = "迟报", fact = "late_reports", each = 0.1 }]',
                           'deductions = [{ label = "无计划", when = { fact = "has_plan", is = "no" }, points = 1 }]')
    [problem] = check_scheme_text(text, file_name="example-2024.toml").problems
    assert (problem.key, problem.params) == ("bad_condition", {"fact": "has_plan", "test": "is", "reason": "bool"})
    assert problem.path == "categories[work].items[reports].deductions[0].when.is"
    assert text.splitlines()[problem.line - 1][problem.column - 1:].startswith('is = "no"')


def test_an_unknown_fact_kind_is_the_only_problem_of_that_fact():
    # the example is not checked against a kind the checker does not know
    text = EXAMPLE.replace('kind = "count"\nunit = "篇"', 'kind = "integer"\nunit = "篇"')
    assert [(p.key, p.line) for p in check_scheme_text(text, file_name="example-2024.toml").problems] == [
        ("unknown_fact_kind", 100)]


def test_categories_that_are_not_an_array_of_tables_are_refused():
    text = "categories = 5\n" + EXAMPLE[:EXAMPLE.index("[[categories]]")]
    problems = check_scheme_text(text, file_name="example-2024.toml").problems
    assert {(p.key, p.line, tuple(p.params.items())) for p in problems} == {
        ("wrong_type", 1, (("key", "categories"), ("expected", "array"))), ("no_categories", 1, ())}


def test_the_example_of_a_fact_is_judged_only_once_the_fact_itself_is_right():
    # a count fact without its unit: that is the problem to fix; its negative example is judged after
    text = EXAMPLE.replace('unit = "人"\nexample = 1950', "example = -5")
    assert [(p.key, p.line) for p in check_scheme_text(text, file_name="example-2024.toml").problems] == [
        ("fact_no_unit", 68)]
    fixed = EXAMPLE.replace("example = 1950", "example = -5")
    assert [(p.key, p.line) for p in check_scheme_text(fixed, file_name="example-2024.toml").problems] == [
        ("bad_example", 72)]


def test_a_payment_plan_without_stages_is_named_at_payment():
    # all paid in advance, with no stages: the shares add up, but the loader wants the stages written out
    start, end = EXAMPLE.index("[[payment.stages]]"), EXAMPLE.index("[[payment.bands]]")
    text = EXAMPLE[:start].replace("advance_share = 0.40", "advance_share = 1") + EXAMPLE[end:]
    [problem] = check_scheme_text(text, file_name="example-2024.toml").problems
    assert (problem.key, problem.line, problem.params) == ("empty_list", 27, {"key": "stages"})
    assert text.splitlines()[problem.line - 1] == "[payment]"


def test_cycles_written_as_an_empty_array_are_no_cycles():
    cycles = ('[[cycles]]\nid = "half_1"\nlabel = "上半年"\nmonths = 6\n\n[[cycles]]\nid = "half_2"\nlabel = "下半年"\n'
              'months = 6\n')
    text = "cycles = []\n" + EXAMPLE.replace(cycles, "")
    problems = check_scheme_text(text, file_name="example-2024.toml").problems
    assert [(p.key, p.line, p.params) for p in problems] == [
        ("no_cycles", 1, {}), ("unknown_cycle", 25, {"cycle": "half_1", "allowed": []}),
        ("unknown_cycle", 31, {"cycle": "half_2", "allowed": []})]


# the second sample (seed 18, drawn after the first): its survivors, each a bad file as above
PLAN = '''
[[calendar.obligations]]
key = "monthly_plan"
label = "月度工作计划"
label_en = "Monthly work plan"
frequency = "monthly"
due = "day_of_period"
day = 5
clause = "每月5日前报送当月工作计划"
source = "第三条"

[[compliance]]
rule = "deadlines.monthly_plan_late"
item = "work/reports"
points = 0.1
due_day = 5
obligation = "monthly_plan"
clause = "第三条：每月5日前报送当月工作计划"
'''
BASES["plan"] = BASES["sections"] + PLAN
TOP_BAND = 'min = 16\nratio = 1.00\nlabel = "16分（含）以上全额支付"'
LAST_BAND = '[[payment.bands]]\nmax = 12\nratio = 0\nlabel = "12分以下不予支付"'
QUOTAS = 'quotas = [{ grade = "A", share = 0.10 }, { grade = "B", share = 0.20 }, { grade = "C", share = 0.30 }]'

MORE = [
    # bands: a band copied twice overlaps just below its end; a gap below the lowest band
    ("bands_overlap", "example-2024.toml", LAST_BAND, LAST_BAND + "\n\n" + LAST_BAND.replace("[[payment.bands]]",
     "[[payment.bands]]" + MARK), {"a": "3", "b": "4", "at": "11.999"}),
    ("bands_gap", "example-2024.toml", "max = 12\nratio = 0", "max = 11" + MARK + "\nratio = 0",
     {"a": "3", "b": "2", "at": "11"}),
    ("exceeds_max", "example-2024.toml", '{ min = 80, points = 4, label = "80%以上" },',
     '{ min = 80, points = 5, label = "80%以上" },' + MARK, {"key": "points", "value": "5", "max": "4"}),
    # the reporting calendar
    ("wrong_type", "sections", 'source = "第三条"\n', 'source = "第三条"\nnote = 1' + MARK + "\n",
     {"key": "note", "expected": "string"}),
    ("duplicate_id", "sections", '\n[[compliance]]\nrule = "deadlines.monthly_report_late"',
     '\n[[calendar.obligations]]\nkey = "monthly_report"' + MARK + '\nlabel = "月报"\nlabel_en = "Monthly report"\n'
     'frequency = "monthly"\ndue = "day_of_next_period"\nday = 10\nclause = "每月10日前"\nsource = "第三条"\n\n'
     '[[compliance]]\nrule = "deadlines.monthly_report_late"', {"id": "monthly_report", "what": "calendar.obligations"}),
    ("empty_list", "example-2024.toml", "", '\n[calendar]' + MARK + '\nsource = "第三条"\nobligations = []\n',
     {"key": "obligations"}),
    ("duplicate_id", "sections", 'rule = "conduct.verified_complaint"', 'rule = "deadlines.monthly_report_late"' + MARK,
     {"id": "deadlines.monthly_report_late", "what": "compliance"}),
    ("obligation_due_rule", "sections", 'due = "day_of_next_period"\n', "",
     {"obligation": "monthly_report", "rule": "deadlines.monthly_report_late", "due": "",
      "needed": "day_of_next_period"}, 211),
    ("due_day_mismatch", "plan", "due_day = 5\n", "due_day = 6" + MARK + "\n",
     {"due_day": "6", "obligation": "monthly_plan", "day": "5"}),
    # facts and derived facts
    ("unknown_fact", "example-2024.toml", 'unit = "次"\nexample = 1\n\n[facts.incidents]',
     'unit = "次"\nnot_above = "nothing"' + MARK + '\nexample = 1\n\n[facts.incidents]', {"fact": "nothing"}),
    ("duplicate_id", "example-2024.toml", '[[categories]]\nid = "work"',
     '[derived.referrals]' + MARK + '\nmeaning = "合计"\nunit = "人"\nop = "sum"\nargs = ["late_reports", "incidents"]\n\n'
     '[[categories]]\nid = "work"', {"id": "referrals", "what": "facts"}),
    ("wrong_type", "example-2024.toml", '[[categories]]\nid = "work"',
     '[derived.total]\nmeaning = "合计"\nunit = "次"\nop = "sum"\nargs = ["late_reports", true]' + MARK + '\n\n'
     '[[categories]]\nid = "work"', {"key": "args", "expected": "fact or number"}),
    ("derived_args", "example-2024.toml", '[[categories]]\nid = "work"',
     '[derived.net]\nmeaning = "差"\nunit = "次"\nop = "difference"\nargs = ["late_reports", "incidents", "referrals"]'
     + MARK + '\n\n[[categories]]\nid = "work"', {"op": "difference", "count": "3"}),
    # grades: quotas of a cohort (wujiang-2022), grades of a graded factor, bands by grade
    ("weight_out_of_range", "wujiang-2022.toml", '{ grade = "A", share = 0.10 }', '{ grade = "A", share = 1.5 }',
     {"key": "share", "value": "1.5", "max": "1"}, 30),
    ("wrong_type", "wujiang-2022.toml", QUOTAS, "quotas = 5" + MARK, {"key": "quotas", "expected": "array"}),
    ("wrong_type", "wujiang-2022.toml", '{ grade = "A", share = 0.10 }', "5", {"key": "0", "expected": "table"}, 30),
    ("missing_key", "graded-2025.toml", '{ grade = "A", value = 5 },', "{ value = 5 }," + MARK, {"key": "grade"}),
    # items
    ("bad_condition", "example-2024.toml", 'points = 3, when = { fact = "has_plan", is = true } }]',
     'points = 3, when = { fact = "has_plan", is = "yes" } }]', {"fact": "has_plan", "test": "is", "reason": "bool"}, 180),
    ("exceeds_max", "example-2024.toml", 'deductions = [{ label = "迟报", fact = "late_reports", each = 0.1 }]',
     'start = 3' + MARK + '\ndeductions = [{ label = "迟报", fact = "late_reports", each = 0.1 }]',
     {"key": "start", "value": "3", "max": "2"}),
    ("wrong_type", "example-2024.toml", 'deductions = [{ label = "迟报", fact = "late_reports", each = 0.1 }]',
     'floor = "0"' + MARK + '\ndeductions = [{ label = "迟报", fact = "late_reports", each = 0.1 }]',
     {"key": "floor", "expected": "number"}),
    ("fixed_not_regular", "example-2024.toml", 'cap = 2\nclause = "被市级以上媒体报道的，每篇加1分，最多加2分"\nmethod = "per_unit"\n'
     'fact = "media_reports"\npoints_per_unit = 1', 'max = 2\nclause = "被市级以上媒体报道的，每篇加1分，最多加2分"\n'
     'method = "fixed"' + MARK, {}),  # a bonus, even with a max
    ("exceeds_max", "example-2024.toml", 'kind = "judgement"\nmin = 0\nmax = 3', 'kind = "judgement"\nmin = 0\nmax = 4',
     {"key": "innovation", "value": "4", "max": "3"}, 145),  # at the item's fact: the judges could give 4 of 3
    ("negative", "example-2024.toml", 'kind = "judgement"\nmin = 0', 'kind = "judgement"\nmin = -1' + MARK,
     {"key": "min", "value": "−1"}),
    ("wrong_type", "example-2024.toml", "points = { A = 3, B = 2, C = 1, D = 0 }", "points = 5" + MARK,
     {"key": "points", "expected": "table"}),
    ("not_positive", "example-2024.toml", "points_per_unit = 1", "points_per_unit = 1\nunit = 0" + MARK,
     {"key": "unit", "value": "0"}),
    ("unknown_fact", "example-2024.toml", 'fact = "media_reports"\npoints_per_unit', 'fact = "media"' + MARK +
     "\npoints_per_unit", {"fact": "media"}),
    ("fact_kind_mismatch", "wujiang-2022.toml", 'method = "rank"\nfact = "headcount"',
     'method = "rank"\nfact = "major_incident"' + MARK,
     {"fact": "major_incident", "kind": "bool", "needed": ["count", "number", "percent"]}),
    ("unknown_fact", "example-2024.toml", 'title = "工作计划"', 'title = "工作计划"\nrequires = { fact = "planned", is = true }'
     + MARK, {"fact": "planned"}),
    ("points_sum", "example-2024.toml", 'title = "满意度"\nmax = 4', 'title = "满意度"\nmax = 2',
     {"what": "category", "max": "10", "sum": "8"}, 150),
    # the payment plan
    ("weight_out_of_range", "example-2024.toml", "share = 0.30\n\n[[payment.stages]]",
     "share = 1.5" + MARK + "\n\n[[payment.stages]]", {"key": "share", "value": "1.5", "max": "1"}),
    ("duplicate_id", "example-2024.toml", 'id = "second"', 'id = "first"' + MARK,
     {"id": "first", "what": "payment.stages"}),
    ("weight_out_of_range", "example-2024.toml", "advance_share = 0.40", "advance_share = 1.40" + MARK,
     {"key": "advance_share", "value": "1.4", "max": "1"}),
    ("missing_table", "example-2024.toml", '[result]\npass_mark = 12\npass_inclusive = true\nclause = "12分（含）以上为合格"\n',
     "", {"name": "result"}, 1),
    ("wrong_type", "jindong-2021.toml", "amount = 10000", 'amount = "1万"' + MARK, {"key": "amount", "expected": "number"}),
    # the totals a sheet can reach: max_total plus the bonuses' caps, or plus bonus_cap when the result sets one
    ("band_out_of_range", "example-2024.toml", "pass_inclusive = true", "pass_inclusive = true\nbonus_cap = 1",
     {"band": "≥ 23", "lo": "0", "hi": "21"}, 51),
    ("band_out_of_range", "example-2024.toml", "cap = 2\n", "max = 2\n", {"band": "≥ 23", "lo": "0", "hi": "22"}, 50),
]


def _more(case):
    key, base, old, new, params = case[:5]
    text = _bad_file(base, old, new)
    if params.get("hi") in ("21", "22") and key == "band_out_of_range":  # a band above the reachable totals
        top = int(params["band"].split()[-1])
        text = text.replace(TOP_BAND, f'min = 16\nmax = {top}\nratio = 1.00\nlabel = "16分（含）以上全额支付"\n\n'
                                      f'[[payment.bands]]\nmin = {top}\nratio = 1.00\nlabel = "{top}分以上"')
    return text


@pytest.mark.parametrize("case", MORE, ids=[f"{c[0]}-{i}" for i, c in enumerate(MORE)])
def test_more_bad_files_are_refused_at_their_line_with_all_their_parameters(case):
    key, base, params = case[0], case[1], case[4]
    text = _more(case)
    result = _check(base, text)
    assert result.scheme is None
    found = [(p.key, p.line, p.params) for p in result.problems]
    assert (key, _expected_line(text, case), params) in found, found
    assert all(p.key in ALL_PROBLEM_KEYS for p in result.problems)


def test_a_negative_range_is_allowed_where_the_fact_is_signed():
    text = (EXAMPLE.replace('kind = "percent"\nunit = "%"\nexample = 85', 'kind = "number"\nunit = "分"\nmin = -100\n'
                            'max = 100\nexample = 85')
                   .replace('  { min = 60, max = 80, points = 2, label = "60%至80%" },',
                            '  { min = 60, max = 80, points = 2, label = "60%至80%" },\n'
                            '  { min = -10, max = 60, points = 1, label = "-10至60" },\n'
                            '  { min = -100, max = -10, points = 0, label = "负分" },')
                   .replace('[[categories]]\nid = "work"', '[facts.temperature]\nmeaning = "气温 / temperature"\n'
                            'kind = "number"\nunit = "度"\nmin = -10\nmax = -1\nexample = -5\n\n[[categories]]\nid = "work"'))
    assert check_scheme_text(text, file_name="example-2024.toml").problems == []


def test_a_monthly_plan_due_on_the_first_of_the_month_is_accepted():
    text = BASES["plan"].replace("day = 5\nclause", "day = 1\nclause").replace("due_day = 5\n", "due_day = 1\n")
    assert check_scheme_text(text, file_name="example-2024.toml").problems == []
    assert check_scheme_text(BASES["plan"], file_name="example-2024.toml").problems == []


def test_an_obligation_named_by_a_rule_when_the_calendar_is_not_a_table():
    compliance = SECTIONS[SECTIONS.index("[[compliance]]"):]
    text = "calendar = 5\n" + EXAMPLE + "\n" + compliance
    problems = check_scheme_text(text, file_name="example-2024.toml").problems
    assert [(p.key, p.line, p.params) for p in problems] == [
        ("wrong_type", 1, {"key": "calendar", "expected": "table"}),
        ("unknown_obligation", 199, {"obligation": "monthly_report", "rule": "deadlines.monthly_report_late",
                                     "allowed": []})]


def test_the_syntax_error_detail_is_tomllib_s_words_without_the_position():
    text = EXAMPLE.replace("pass_mark = 12", "pass_mark = = 12")
    [problem] = check_scheme_text(text).problems
    assert (problem.line, problem.column, problem.params) == (23, 13, {"reason": "invalid_value",
                                                                       "detail": "Invalid value"})


def test_a_payment_plan_without_stages_is_named_by_its_table():
    start, end = EXAMPLE.index("[[payment.stages]]"), EXAMPLE.index("[[payment.bands]]")
    text = EXAMPLE[:start].replace("advance_share = 0.40", "advance_share = 1") + EXAMPLE[end:]
    [problem] = check_scheme_text(text, file_name="example-2024.toml").problems
    assert problem.path == "payment"


def test_the_band_that_misses_the_top_total_is_named_at_its_max():
    graded = BASES["graded-2025.toml"]
    text = graded.replace('{ grade = "优秀", min = 90, label', '{ grade = "优秀", min = 90, max = 99, label')
    [problem] = check_scheme_text(text, file_name="graded-2025.toml").problems
    assert (problem.key, problem.line, problem.path) == ("grade_bands_cover", 110, "grades.bands[0].max")
    assert text.splitlines()[problem.line - 1][problem.column - 1:].startswith("max = 99")


def test_a_tiers_item_without_tiers_is_named_by_the_item():
    text = EXAMPLE.replace('tiers = [\n  { min = 80, points = 4, label = "80%以上" },\n'
                           '  { min = 60, max = 80, points = 2, label = "60%至80%" },\n]\n', "")
    [problem] = check_scheme_text(text, file_name="example-2024.toml").problems
    assert (problem.key, problem.line, problem.path) == ("empty_list", 153, "categories[quality].items[satisfaction]")


def test_a_bad_condition_of_a_checklist_entry_is_placed_at_the_condition_itself():
    text = EXAMPLE.replace('points = 3, when = { fact = "has_plan", is = true } }]',
                           'points = 3, when = { fact = "has_plan", is = "yes" } }]')
    [problem] = check_scheme_text(text, file_name="example-2024.toml").problems
    assert problem.path == "categories[quality].items[plan].entries[0].when.is"
    assert text.splitlines()[problem.line - 1][problem.column - 1:].startswith('is = "yes"')


def test_a_quota_s_share_is_placed_at_the_share():
    text = BASES["wujiang-2022.toml"].replace('{ grade = "A", share = 0.10 }', '{ grade = "A", share = 1.5 }')
    [problem] = check_scheme_text(text, file_name="wujiang-2022.toml").problems
    assert problem.path == "grades.quotas[0].share"
    assert text.splitlines()[problem.line - 1][problem.column - 1:].startswith("share = 1.5")


def test_a_not_above_naming_no_fact_is_placed_at_the_not_above():
    text = EXAMPLE.replace('unit = "次"\nexample = 1\n\n[facts.incidents]',
                           'unit = "次"\nnot_above = "nothing"\nexample = 1\n\n[facts.incidents]')
    [problem] = check_scheme_text(text, file_name="example-2024.toml").problems
    assert (problem.key, problem.path) == ("unknown_fact", "facts.late_reports.not_above")


def test_a_judged_fact_that_can_go_below_zero_is_placed_at_its_min():
    text = EXAMPLE.replace('kind = "judgement"\nmin = 0', 'kind = "judgement"\nmin = -1')
    [problem] = check_scheme_text(text, file_name="example-2024.toml").problems
    assert (problem.key, problem.path, problem.params) == ("negative", "facts.innovation.min",
                                                           {"key": "min", "value": "−1"})


# the third sample (seed 18, drawn after the second): its survivors
THIRD = [
    ("wrong_type", "sections", 'source = "第三条"\n\n[[compliance]]', 'source = "第三条"\nscheme_item = 5' + MARK +
     '\n\n[[compliance]]', {"key": "scheme_item", "expected": "string"}),
    ("wrong_type", "sections", 'item = "quality/satisfaction"\npoints = 1', 'item = "quality/satisfaction"\npoints = "1"'
     + MARK, {"key": "points", "expected": "number"}),
    ("wrong_type", "example-2024.toml", "points_per_unit = 1", 'points_per_unit = 1\nbeyond = "2"' + MARK,
     {"key": "beyond", "expected": "number"}),
    ("fact_kind_mismatch", "example-2024.toml", "points_per_unit = 1", "points_per_unit = 1\nper_entry_cap = 1" + MARK,
     {"fact": "media_reports", "kind": "count", "needed": ["count_list"]}),
    ("wrong_type", "wujiang-2022.toml", 'eligible = { fact = "headcount", at_least = 50 }',
     'eligible = { fact = "headcount", at_least = "50" }' + MARK, {"key": "at_least", "expected": "number"}),
    ("wrong_type", "wujiang-2022.toml", "top = 25\nstep = 1.5", 'top = 25\nineligible_points = "0"' + MARK +
     "\nstep = 1.5", {"key": "ineligible_points", "expected": "number"}),
    ("wrong_type", "example-2024.toml", "", '\n[[categories]]\nid = "spare"\ntitle = "其他"\nmax = 0\nclause = "其他"\n'
     'items = 5' + MARK + "\n", {"key": "items", "expected": "array"}),
    # a monthly report due on the 29th of the next month: not every month has one
    ("obligation_due_rule", "sections", "day = 10\nfields", "day = 29\nfields",
     {"obligation": "monthly_report", "rule": "deadlines.monthly_report_late", "due": "day_of_next_period",
      "needed": "day_of_next_period"}, 212),
    ("unknown_table", "example-2024.toml", "[extra.contract]", "[scoring]" + MARK + "\nx = 1\n\n[extra.contract]",
     {"name": "scoring", "allowed": ["scheme", "cycles", "result", "payment", "subsidy", "grades", "vetoes", "facts",
                                     "derived", "categories", "extra", "calendar", "compliance"]}),
    ("missing_key", "example-2024.toml", "effective_date = 2024-01-01\n", "", {"key": "effective_date"}, 2),
]


@pytest.mark.parametrize("case", THIRD, ids=[f"{c[0]}-{i}" for i, c in enumerate(THIRD)])
def test_third_bad_files_are_refused_at_their_line_with_all_their_parameters(case):
    key, base, old, new, params = case[:5]
    text = _bad_file(base, old, new)
    found = [(p.key, p.line, p.params) for p in _check(base, text).problems]
    assert (key, _expected_line(text, case), params) in found, found


def test_a_gap_between_tiers_of_a_count_is_a_whole_count():
    text = (EXAMPLE.replace('kind = "percent"\nunit = "%"\nexample = 85', 'kind = "count"\nunit = "人"\nexample = 85')
                   .replace("{ min = 60, max = 80, points = 2", "{ min = 60, max = 79, points = 2"))
    [problem] = check_scheme_text(text, file_name="example-2024.toml").problems
    assert (problem.key, problem.line, problem.params) == ("bands_gap", 162, {"a": "2", "b": "1", "at": "79"})


def test_a_subsidy_without_bands_is_reported_at_subsidy():
    jindong = BASES["jindong-2021.toml"]
    text = jindong[:jindong.index("[[subsidy.bands]]")] + jindong[jindong.index("[[subsidy.one_off]]"):]
    [problem] = check_scheme_text(text, file_name="jindong-2021.toml").problems
    assert (problem.key, problem.line, problem.params, problem.path) == (
        "empty_list", 28, {"key": "bands"}, "subsidy")


def test_grades_that_are_not_a_table_are_named_at_grades():
    text = "# 等级\ngrades = 5\n" + EXAMPLE
    [problem] = check_scheme_text(text, file_name="example-2024.toml").problems
    assert (problem.key, problem.line, problem.column, problem.path) == ("wrong_type", 2, 1, "grades")


def test_the_scheme_checked_carries_the_file_name_it_was_uploaded_as():
    assert check_scheme_text(EXAMPLE, file_name="example-2024.toml").scheme.file == "example-2024.toml"
    assert check_scheme_text(EXAMPLE).scheme.file == "<scheme>"
