"""The scheme checker on the top-level tables, [scheme], [[cycles]] and [result] (issue #18: the survivors of
rules.schemes.check in `_Checker.run`, `_Checker.scheme_head`, `_Checker.cycles` and `_Checker.result`).

- FORMAT.md §1 (top-level tables): `[scheme]` has `id` (kebab-case, "must equal the file name"), `title`, `bureau`,
  `document_number` ("" if the document has none), `effective_date`, `replaces` and `source`, `max_total`, and the
  optional `note`; `[[cycles]]` ("at least one") has `id`, `label` and the optional `months` ("length of the cycle
  in months": a whole number of months, at least 1); `[result]` has `pass_mark`, `pass_inclusive` (true/false),
  `clause`, and the optional `total_floor` and `bonus_cap` ("cap on the sum of all bonus items", not below 0).
  `[payment]` and `[subsidy]` are tables (§"Payment", §"Subsidy"); `[extra.<name>]` tables are kept as data.
- FORMAT.md, checker section: the checker names "cycles that do not cover `[extra.contract].service_months`"; DOMAIN.md
  §4.1: "the scheme fixes the cycles". A cycle without `months` cannot be measured, so the cover is not checked.
- A pass mark may equal max_total (a full score passes); only a pass mark above it is out of range.

Each bad file is an edit of the checker's example (checker/example-2024.toml: max_total 20, pass mark 12, two
cycles of 6 months, `[extra.contract] service_months = 12`); each problem is asserted whole: key, path, line
(the line carrying ``# <-``), parameters.
"""
from __future__ import annotations

import pytest

from tests.rules.schemes.test_mutants_check_levels import EXAMPLE, MARK, _replace, _said

CYCLES = EXAMPLE[EXAMPLE.index("[[cycles]]"):EXAMPLE.index("[result]")]
HEAD = EXAMPLE[EXAMPLE.index("[scheme]"):EXAMPLE.index("[[cycles]]")]
RESULT = EXAMPLE[EXAMPLE.index("[result]"):EXAMPLE.index("[payment]")]
PAYMENT = EXAMPLE[EXAMPLE.index("[payment]"):EXAMPLE.index("[[vetoes]]")]
CONTRACT = "[extra.contract]\nservice_months = 12\n"
HALF_1 = 'label = "上半年"\nmonths = 6'
HALF_2 = 'label = "下半年"\nmonths = 6'
HEAD_KEYS = ["bureau", "document_number", "effective_date", "id", "max_total", "note", "replaces", "source", "title"]
NO_CYCLES = _replace(EXAMPLE, CYCLES, "")
# the payment stages paid after half_1 and half_2 (lines 23 and 29 of NO_CYCLES, 24 and 30 once a `cycles = …`
# line is written above them), when no cycle has those ids
NO_HALVES = [("unknown_cycle", "payment.stages[first].cycle", 24, {"cycle": "half_1", "allowed": []}),
             ("unknown_cycle", "payment.stages[second].cycle", 30, {"cycle": "half_2", "allowed": []})]


def _top(text: str, line: str) -> str:
    """`line` as a top-level key, written before the first table (after the file's opening comment)."""
    comment, rest = text.split("\n", 1)
    return f"{comment}\n{line}\n{rest}"


def test_the_example_is_accepted():
    assert _said(EXAMPLE) == []


# -- top-level tables written as something else (run_31/36/37/41, run_49/54/55, run_115/120/121, run_129/134/135)

@pytest.mark.parametrize("table, text", [
    ("scheme", _top(_replace(EXAMPLE, HEAD, ""), "scheme = 5" + MARK)),
    ("result", _top(_replace(EXAMPLE, RESULT, ""), "result = 5" + MARK)),
    ("payment", _top(_replace(EXAMPLE, PAYMENT, ""), "payment = 5" + MARK)),
    ("subsidy", _top(EXAMPLE, "subsidy = 5" + MARK)),
])
def test_a_top_level_table_written_as_a_number_is_a_wrong_type_at_its_line(table, text):
    # for [scheme]: nothing else is said (no max_total is known, so the pass mark is not measured against one)
    assert _said(text) == [("wrong_type", table, "marked", {"key": table, "expected": "table"})]


def test_extra_written_as_a_number_is_refused_and_the_cycles_are_not_measured_against_it():
    # (run_139, cycles_115) `extra = 5`: no [extra.contract] to read service_months from; the checker reads nothing
    # from it; it is a wrong type at its line (once the loader's English "expected a table, got int" at line 1)
    text = _top(_replace(EXAMPLE, CONTRACT, ""), "extra = 5" + MARK)
    assert _said(text) == [("wrong_type", "extra", "marked", {"key": "extra", "expected": "table"})]


# -- [scheme] (scheme_head_6/30/60/66/75-81) -------------------------------------------------------------

def _head(old: str, new: str) -> str:
    return _replace(EXAMPLE, HEAD, _replace(HEAD, old, new))


@pytest.mark.parametrize("text, said", [
    (_head("max_total = 20", "max_total = 20\nyear = 2024" + MARK),
     [("unknown_key", "scheme.year", "marked", {"key": "year", "allowed": HEAD_KEYS})]),
    (_head('[scheme]\nid = "example-2024"', "[scheme]" + MARK),
     [("missing_key", "scheme", "marked", {"key": "id"})]),
    (_head('id = "example-2024"', 'id = "Example_2024"' + MARK),
     [("bad_id", "scheme.id", "marked", {"id": "Example_2024"})]),
    (_head('[scheme]\nid = "example-2024"\ntitle = "示例考核细则"', '[scheme]' + MARK + '\nid = "example-2024"'),
     [("missing_key", "scheme", "marked", {"key": "title"})]),
    (_head('[scheme]\nid = "example-2024"', '[scheme]' + MARK + '\nid = "example-2024"').replace(
        'document_number = "示人社〔2024〕1号"\n', ""),
     [("missing_key", "scheme", "marked", {"key": "document_number"})]),
    (_head('replaces = ""', "replaces = 5" + MARK),
     [("wrong_type", "scheme.replaces", "marked", {"key": "replaces", "expected": "string"})]),
    (_head("max_total = 20", "max_total = 20\nnote = 5" + MARK),
     [("wrong_type", "scheme.note", "marked", {"key": "note", "expected": "string"})]),
])
def test_a_bad_scheme_head_is_said_at_its_place(text, said):
    assert _said(text) == said


# -- [[cycles]] ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, said", [
    # (cycles_23/24) written empty: no cycles, at the key; the payment stages' cycles are then unknown
    (_top(NO_CYCLES, "cycles = []" + MARK),
     [("no_cycles", "cycles", "marked", {})] + NO_HALVES),
    # (cycles_4) not an array: a wrong type and no cycles, both at the key
    (_top(NO_CYCLES, "cycles = 5" + MARK),
     [("wrong_type", "cycles", "marked", {"key": "cycles", "expected": "array"}),
      ("no_cycles", "cycles", "marked", {})] + NO_HALVES),
    # (cycles_37/41) a cycle that is not a table is said, and the cycles after it are still read (they cover 12)
    (_top(NO_CYCLES, 'cycles = [5, {id = "half_1", label = "上半年", months = 6}, '
          '{id = "half_2", label = "下半年", months = 6}]' + MARK),
     [("wrong_type", "cycles[0]", "marked", {"key": "0", "expected": "table"})]),
    # (cycles_30/31) no cycle that is a table: the wrong type only (its months are not known, so the cycles are
    # not measured against the service; they were said to cover 0 of the 12 months as well)
    (_top(NO_CYCLES, "cycles = [5]" + MARK),
     [("wrong_type", "cycles[0]", "marked", {"key": "0", "expected": "table"})] + NO_HALVES),
    # (cycles_44) a key a cycle does not have
    (_replace(EXAMPLE, HALF_1, HALF_1 + "\nweeks = 26" + MARK),
     [("unknown_key", "cycles[half_1].weeks", "marked", {"key": "weeks", "allowed": ["id", "label", "months"]})]),
    # (cycles_56) a cycle without an id: said at its header; the stage paid after it names a cycle now unknown
    (_replace(EXAMPLE, '[[cycles]]\nid = "half_1"\n', "[[cycles]]" + MARK + "\n"),
     [("missing_key", "cycles[0]", "marked", {"key": "id"}),
      ("unknown_cycle", "payment.stages[first].cycle", 32, {"cycle": "half_1", "allowed": ["half_2"]})]),
    # (cycles_62) a cycle without a label
    (_replace(EXAMPLE, '[[cycles]]\nid = "half_1"\nlabel = "上半年"\n', "[[cycles]]" + MARK + '\nid = "half_1"\n'),
     [("missing_key", "cycles[half_1]", "marked", {"key": "label"})]),
    # (cycles_136/137/140/141) 6 + 5 months for a 12-month contract: a gap, with both numbers
    (_replace(EXAMPLE, HALF_2, 'label = "下半年"\nmonths = 5' + MARK),
     [("cycles_gap", "cycles[half_2].months", "marked", {"months": "11", "service": "12"})]),
    # (cycles_82/85/92) months 0 is not a length; the cover is then not measured (no gap of 6 months said)
    (_replace(EXAMPLE, HALF_2, 'label = "下半年"\nmonths = 0' + MARK),
     [("cycle_months", "cycles[half_2].months", "marked", {"value": "0"})]),
    # (cycles_76) months = true is not a number of months (a bool is not counted as 1)
    (_replace(EXAMPLE, HALF_2, 'label = "下半年"\nmonths = true' + MARK),
     [("cycle_months", "cycles[half_2].months", "marked", {"value": "true"})]),
    # (cycles_74) months is optional: a cycle without it is not measured, so the cover (6 of 12) is not said
    (_replace(EXAMPLE, HALF_2 + "\n", 'label = "下半年"\n'), []),
    # (cycles_78/79) one month is a length: 1 + 11 cover the 12
    (_replace(_replace(EXAMPLE, HALF_1, 'label = "上半年"\nmonths = 1'), HALF_2, 'label = "下半年"\nmonths = 11'), []),
])
def test_bad_cycles_are_said_at_their_place(text, said):
    assert _said(text) == said


# -- [result] (result_6/33/48/49/53/54/57/78/79/85/86) ------------------------------------------------------

def _result(old: str, new: str) -> str:
    return _replace(EXAMPLE, RESULT, _replace(RESULT, old, new))


@pytest.mark.parametrize("text, said", [
    (_result("pass_inclusive = true", 'pass_inclusive = true\npass_grade = "A"' + MARK),
     [("unknown_key", "result.pass_grade", "marked",
       {"key": "pass_grade", "allowed": ["bonus_cap", "clause", "pass_inclusive", "pass_mark", "total_floor"]})]),
    # a pass mark equal to max_total (20) is within range
    (_result("pass_mark = 12", "pass_mark = 20"), []),
    (_result("pass_inclusive = true", 'pass_inclusive = "yes"' + MARK),
     [("wrong_type", "result.pass_inclusive", "marked", {"key": "pass_inclusive", "expected": "bool"})]),
    (_result('[result]\npass_mark = 12\npass_inclusive = true\nclause = "12分（含）以上为合格"\n',
             "[result]" + MARK + "\npass_mark = 12\npass_inclusive = true\n"),
     [("missing_clause", "result", "marked", {"key": "clause"})]),
    (_result("pass_inclusive = true", "pass_inclusive = true\nbonus_cap = -1" + MARK),
     [("negative", "result.bonus_cap", "marked", {"key": "bonus_cap", "value": "−1"})]),
    (_result("pass_inclusive = true", 'pass_inclusive = true\nbonus_cap = "2"' + MARK),
     [("wrong_type", "result.bonus_cap", "marked", {"key": "bonus_cap", "expected": "number"})]),
])
def test_a_bad_result_is_said_at_its_place(text, said):
    assert _said(text) == said


def test_a_pass_mark_above_max_total_is_out_of_range():
    text = _result("pass_mark = 12", "pass_mark = 20.5" + MARK)
    assert _said(text) == [("pass_mark_out_of_range", "result.pass_mark", "marked",
                            {"value": "20.5", "max_total": "20"})]
