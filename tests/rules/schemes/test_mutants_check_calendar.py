"""The scheme checker on the reporting calendar, the obligation a deadline rule names, a graded factor's grades and
the letter grades of a cohort (issue #18: the survivors of rules.schemes.check in `Problem.as_dict`,
`_Checker.calendar`, `_Checker.obligation_link`, `_Checker.graded` and `_Checker.grades`).

A problem tells the author what is wrong (its key and parameters, the words of the portal's message) and where:
the path in the file (``calendar.obligations[1].day``) and the line (rules/schemes/check.py's docstring). So each
bad file below is stated with every problem the checker reports on it, exactly, and nothing else; the line a
problem points at carries the marker ``# <-`` (or ``# <-a``, ``# <-b`` when two lines are meant). The rules:

* [calendar] (FORMAT.md, the reporting calendar): ``source`` and ``note`` are text; ``obligations`` an array of
  tables, each with a key, labels, a clause and a source, a frequency of FREQUENCIES, a due rule of DUE_RULES (a day
  of the month 1–31 unless due at the end of the period), a kind of KINDS and fields naming count facts.
* [[compliance]] ``obligation``: the monthly obligation whose hand-ins a monthly deadline rule judges; its due rule
  is the rule's, and its day (1–28) the rule's due_day.
* a graded factor (method levels with a weight and grades): each grade a table with a grade, a value and criteria
  as text, the grades those of the fact's choices; points per level and a weight are not both written.
* [grades] by quotas in rank order (wujiang-2022): each quota a grade and a share of at most 1; the quotas' grades,
  rest and failed are different grades; a clause.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from rules.reporting import DUE_RULES, FREQUENCIES, KINDS
from rules.schemes import SCHEME_DIR
from rules.schemes.check import check_scheme_text
from tests.rules.schemes.test_check_scheme_data import BASE as DATA

GRADED = (Path(__file__).parents[1] / "scoring" / "graded" / "graded-2025.toml").read_text(encoding="utf-8")
WUJIANG = (SCHEME_DIR / "wujiang-2022.toml").read_text(encoding="utf-8")
MARK = "  # <-"
QUOTAS = 'quotas = [{ grade = "A", share = 0.10 }, { grade = "B", share = 0.20 }, { grade = "C", share = 0.30 }]'
SERVICE_GRADES = '''grades = [
  { grade = "优", value = 1.0, criteria = "服务流程规范，台账完整" },
  { grade = "良", value = 0.8, criteria = "服务流程基本规范" },
  { grade = "中", value = 0.6, criteria = "服务流程有缺项" },
  { grade = "差", value = 0, criteria = "服务流程不规范" },
]'''
SERVICE = "categories[quality].items[service]"
# a second obligation of the calendar (annual, due at the end of the year), linked to no rule
SECOND = '''
[[calendar.obligations]]
key = "annual_summary"
label = "年度总结"
label_en = "Annual summary"
frequency = "annual"
due = "end_of_period"
clause = "年底前报送年度工作总结"
source = "第三条"
'''
FIRST_COMPLIANCE = '\n[[compliance]]\nrule = "deadlines.monthly_report_late"'


def _edit(text: str, *edits: tuple[str, str]) -> str:
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def _second(*edits: tuple[str, str]) -> str:
    """The calendar's example with the second obligation, edited, before the [[compliance]] rules."""
    return _edit(DATA, (FIRST_COMPLIANCE, _edit(SECOND, *edits) + FIRST_COMPLIANCE))


def _said(text: str, name: str) -> list[tuple]:
    """Every problem as (key, path, line, params); a marked line's number is shown as its mark."""
    marks = {}
    for n, line in enumerate(text.splitlines(), 1):
        if m := re.search(r"  # <-(\w*)$", line):
            marks[n] = m.group(1) or "marked"
    return [(p.key, p.path, marks.get(p.line, p.line), p.params)
            for p in check_scheme_text(text, file_name=name).problems]


CALENDAR = [
    # [calendar] takes source, note and obligations
    ('[calendar]\nsource', '[calendar]\ncolour = "red"' + MARK + '\nsource',
     [("unknown_key", "calendar.colour", "marked", {"key": "colour", "allowed": ["note", "obligations", "source"]})]),
    ('source = "示例考核细则 第三条"', "source = 5" + MARK,
     [("wrong_type", "calendar.source", "marked", {"key": "source", "expected": "string"})]),
    ('[calendar]\nsource', '[calendar]\nnote = 5' + MARK + '\nsource',
     [("wrong_type", "calendar.note", "marked", {"key": "note", "expected": "string"})]),
]

SECOND_OBLIGATION = [
    # each obligation has its key and its frequency: missing, said at the obligation's table
    ([('\n[[calendar.obligations]]\nkey = "annual_summary"\n', '\n[[calendar.obligations]]' + MARK + '\n')],
     [("missing_key", "calendar.obligations[1]", "marked", {"key": "key"})]),
    ([('\n[[calendar.obligations]]\n', '\n[[calendar.obligations]]' + MARK + '\n'), ('frequency = "annual"\n', "")],
     [("missing_key", "calendar.obligations[1]", "marked", {"key": "frequency"})]),
    # a frequency, a due rule and a kind the calendar does not know: named, with those it knows
    ([('frequency = "annual"', 'frequency = "fortnightly"' + MARK)],
     [("unknown_frequency", "calendar.obligations[1].frequency", "marked",
       {"value": "fortnightly", "allowed": list(FREQUENCIES)})]),
    ([('due = "end_of_period"', 'due = "soon"' + MARK)],
     [("unknown_due_rule", "calendar.obligations[1].due", "marked", {"value": "soon", "allowed": list(DUE_RULES)})]),
    ([('source = "第三条"\n', 'source = "第三条"\nkind = "memo"' + MARK + "\n")],
     [("unknown_obligation_kind", "calendar.obligations[1].kind", "marked",
       {"value": "memo", "allowed": list(KINDS)})]),
    # due on a day of the month: a whole number of 1 to 31, not true, not 0, not 32, not left out
    ([('due = "end_of_period"', 'due = "day_of_next_period"\nday = true' + MARK)],
     [("obligation_day", "calendar.obligations[1].day", "marked", {"due": "day_of_next_period", "value": "true"})]),
    ([('due = "end_of_period"', 'due = "day_of_next_period"\nday = 32' + MARK)],
     [("obligation_day", "calendar.obligations[1].day", "marked", {"due": "day_of_next_period", "value": "32"})]),
    ([('due = "end_of_period"', 'due = "day_of_period"\nday = 0' + MARK)],
     [("obligation_day", "calendar.obligations[1].day", "marked", {"due": "day_of_period", "value": "0"})]),
    ([('\n[[calendar.obligations]]\n', '\n[[calendar.obligations]]' + MARK + '\n'),
      ('due = "end_of_period"', 'due = "day_of_period"')],
     [("obligation_day", "calendar.obligations[1]", "marked", {"due": "day_of_period", "value": ""})]),
    # fields: an array of count facts
    ([('source = "第三条"\n', 'source = "第三条"\nfields = "referrals"' + MARK + "\n")],
     [("wrong_type", "calendar.obligations[1].fields", "marked", {"key": "fields", "expected": "array"})]),
    ([('source = "第三条"\n', 'source = "第三条"\nfields = [["referrals"]]' + MARK + "\n")],
     [("obligation_field", "calendar.obligations[1].fields[0]", "marked", {"fact": ["referrals"]})]),
    ([('source = "第三条"\n', 'source = "第三条"\nfields = ["referrals", "satisfaction_pct"]' + MARK + "\n")],
     [("obligation_field", "calendar.obligations[1].fields[1]", "marked", {"fact": "satisfaction_pct"})]),
]


@pytest.mark.parametrize("old, new, said", CALENDAR)
def test_the_calendar_section_is_checked_key_by_key(old, new, said):
    assert _said(_edit(DATA, (old, new)), "example-2024.toml") == said


def test_obligations_written_as_something_else_than_tables():
    text = _edit(DATA, ('[calendar]\nsource', '[calendar]  # <-a\nobligations = 5  # <-b\nsource'),
                 (DATA[DATA.index("\n[[calendar.obligations]]"):DATA.index(FIRST_COMPLIANCE)], ""),
                 ('obligation = "monthly_report"\n', ""))
    assert _said(text, "example-2024.toml") == [
        ("empty_list", "calendar", "a", {"key": "obligations"}),
        ("wrong_type", "calendar.obligations", "b", {"key": "obligations", "expected": "array"}),
    ]


def test_a_second_obligation_written_right_is_accepted():
    assert _said(_second(), "example-2024.toml") == []


@pytest.mark.parametrize("edits, said", SECOND_OBLIGATION)
def test_each_obligation_is_checked_key_by_key(edits, said):
    assert _said(_second(*edits), "example-2024.toml") == said


# -- the obligation a monthly deadline rule names ---------------------------------------------------------------

def test_an_obligation_written_as_a_number_is_a_wrong_type_and_nothing_more():
    text = _edit(DATA, ('obligation = "monthly_report"', "obligation = 5" + MARK))
    assert _said(text, "example-2024.toml") == [
        ("wrong_type", "compliance[0].obligation", "marked", {"key": "obligation", "expected": "string"})]


def test_a_problem_as_data_for_the_portal_names_its_line_column_key_params_and_path():
    """portal/schemes/commands.py prints ``as_dict()`` as JSON; the portal's catalog reads the same keys."""
    text = _edit(DATA, ('obligation = "monthly_report"', "obligation = 5"))
    line = text.splitlines().index("obligation = 5") + 1
    [problem] = check_scheme_text(text, file_name="example-2024.toml").problems
    assert problem.as_dict() == {"line": line, "column": 1, "key": "wrong_type",
                                 "params": {"key": "obligation", "expected": "string"},
                                 "path": "compliance[0].obligation"}


def test_an_unknown_obligation_of_a_rule_left_out_names_no_rule():
    text = _edit(DATA, ('[[compliance]]\nrule = "deadlines.monthly_report_late"\n', "[[compliance]]  # <-a\n"),
                 ('obligation = "monthly_report"', 'obligation = "weekly_report"  # <-b'))
    assert _said(text, "example-2024.toml") == [
        ("missing_key", "compliance[0]", "a", {"key": "rule"}),
        ("unknown_obligation", "compliance[0].obligation", "b",
         {"obligation": "weekly_report", "rule": "", "allowed": ["monthly_report"]}),
    ]


def test_the_day_of_an_obligation_due_at_the_end_of_the_month_is_no_due_day():
    """due = "end_of_period": a day written beside it is not the obligation's due day, so the rule's due_day is
    not compared with it (the rule's name misspelt is the only problem)."""
    text = _edit(DATA, ('due = "day_of_next_period"\nday = 10', 'due = "end_of_period"\nday = 5'),
                 ('rule = "deadlines.monthly_report_late"', 'rule = "deadlines.monthly_report_lat"' + MARK))
    assert _said(text, "example-2024.toml") == [
        ("unknown_rule", "compliance[0].rule", "marked", {"rule": "deadlines.monthly_report_lat"})]


def test_a_monthly_obligation_due_on_the_28th_of_the_next_month_is_accepted():
    text = _edit(DATA, ("day = 10\nfields", "day = 28\nfields"), ("due_day = 10", "due_day = 28"))
    assert _said(text, "example-2024.toml") == []


# -- a graded factor's grades ------------------------------------------------------------------------------------

GRADED_CASES = [
    ([(SERVICE_GRADES, "grades = 5" + MARK)],
     [("wrong_type", f"{SERVICE}.grades", "marked", {"key": "grades", "expected": "array"})]),
    ([(SERVICE_GRADES, "grades = []" + MARK)], [("empty_list", f"{SERVICE}.grades", "marked", {"key": "grades"})]),
    ([(SERVICE_GRADES + "\n", ""), ('[[categories.items]]\nid = "service"', '[[categories.items]]' + MARK +
                                    '\nid = "service"')],
     [("empty_list", SERVICE, "marked", {"key": "grades"})]),
    # a grade that is not a table is said, and the grades after it are still read: 优 is missing from them
    ([('{ grade = "优", value = 1.0, criteria = "服务流程规范，台账完整" },', "5,  # <-b"),
      ("grades = [\n  5,", "grades = [  # <-a\n  5,")],
     [("levels_choices", f"{SERVICE}.grades", "a", {"fact": "quality_grade", "missing": ["优"], "extra": []}),
      ("wrong_type", f"{SERVICE}.grades[0]", "b", {"key": "0", "expected": "table"})]),
    ([('criteria = "服务流程规范，台账完整" },', "criteria = 5 }," + MARK)],
     [("wrong_type", f"{SERVICE}.grades[0].criteria", "marked", {"key": "criteria", "expected": "string"})]),
    ([('{ grade = "C", value = 3 },', '{ grade = "B", value = 3 },' + MARK), ("grades = [\n  { grade = \"A\"",
                                                                             "grades = [  # <-a\n  { grade = \"A\"")],
     [("levels_choices", "categories[quality].items[satisfaction].grades", "a",
       {"fact": "satisfaction_grade", "missing": ["C"], "extra": []}),
      ("duplicate_id", "categories[quality].items[satisfaction].grades[2].grade", "marked",
       {"id": "B", "what": "categories[quality].items[satisfaction].grades"})]),
    # points per level and a weight with grades: not both, said once
    ([("weight = 40\n", 'weight = 40\npoints = { "优" = 40 }' + MARK + "\n")],
     [("unknown_key", f"{SERVICE}.points", "marked", {"key": "points", "allowed": ["fact", "weight", "grades"]})]),
]


@pytest.mark.parametrize("edits, said", GRADED_CASES)
def test_a_graded_factor_s_grades(edits, said):
    assert _said(_edit(GRADED, *edits), "graded-2025.toml") == said


# -- [grades] by quotas ------------------------------------------------------------------------------------------

GRADES_CASES = [
    ([('rest = "D"\n', 'rest = "D"\ncolour = 1' + MARK + "\n")],
     [("unknown_key", "grades.colour", "marked",
       {"key": "colour", "allowed": ["bands", "clause", "failed", "quotas", "rest"]})]),
    # a quota that is not a table is said, and the quotas after it are still checked
    ([(QUOTAS, 'quotas = [5, { grade = "B", share = 1.5 }]' + MARK)],
     [("wrong_type", "grades.quotas[0]", "marked", {"key": "0", "expected": "table"}),
      ("weight_out_of_range", "grades.quotas[1].share", "marked", {"key": "share", "value": "1.5", "max": "1"})]),
    ([(QUOTAS, 'quotas = [{ grade = "A", share = 0.10, note = "x" }]' + MARK)],
     [("unknown_key", "grades.quotas[0].note", "marked", {"key": "note", "allowed": ["grade", "share"]})]),
    ([(QUOTAS, 'quotas = [{ share = 0.10 }]' + MARK)],
     [("missing_key", "grades.quotas[0]", "marked", {"key": "grade"})]),
    ([(QUOTAS, 'quotas = [{ grade = "A", share = "10%" }]' + MARK)],
     [("wrong_type", "grades.quotas[0].share", "marked", {"key": "share", "expected": "number"})]),
    ([(QUOTAS, 'quotas = [{ grade = "A", share = 0.10 }, { grade = "A", share = 0.20 }]' + MARK)],
     [("duplicate_id", "grades.quotas[1].grade", "marked", {"id": "A", "what": "grades"})]),
    ([('rest = "D"', 'rest = "A"' + MARK)], [("duplicate_id", "grades.rest", "marked", {"id": "A", "what": "grades"})]),
    ([('failed = "E"', 'failed = "A"' + MARK)],
     [("duplicate_id", "grades.failed", "marked", {"id": "A", "what": "grades"})]),
    ([('rest = "D"\n', ""), ("[grades]\n", "[grades]" + MARK + "\n")],
     [("missing_key", "grades", "marked", {"key": "rest"})]),
    ([('failed = "E"\n', ""), ("[grades]\n", "[grades]" + MARK + "\n")],
     [("missing_key", "grades", "marked", {"key": "failed"})]),
    ([(WUJIANG[WUJIANG.index('failed = "E"\n') + 13:WUJIANG.index("\n[[vetoes]]")], ""),
      ("[grades]\n", "[grades]" + MARK + "\n")],
     [("missing_clause", "grades", "marked", {"key": "clause"})]),
]


@pytest.mark.parametrize("edits, said", GRADES_CASES)
def test_the_grades_of_a_cohort_by_quotas(edits, said):
    assert _said(_edit(WUJIANG, *edits), "wujiang-2022.toml") == said


def test_a_share_of_one_is_at_most_one():
    """A quota's share is at most 1 (all of the cohort): a share of exactly 1 is not out of range."""
    assert _said(_edit(WUJIANG, (QUOTAS, 'quotas = [{ grade = "A", share = 1 }]')), "wujiang-2022.toml") == []
