"""Where the scheme checker places each problem it reports (issue #18: the survivors of rules.schemes.check in
`_syntax_problem`, `_Checker.loader_path`, `_Checker.grade_bands` and `_Checker.payment_by_grade`).

A problem is the administrator's pointer into the file (rules/schemes/check.py, module docstring): its key, its
path in the data and the line/column it points at, and its parameters, which the portal words
(portal/schemes/problems.py) and `flask schemes check --json` shows as they stand. So each bad file here is
asserted to the exact problem: key, line, path, parameters.

- TOML syntax: tomllib's message becomes a reason the portal words (duplicate_table …) or ``other`` with
  tomllib's own English; a message with no line ("at end of document") is placed on line 1 without a column,
  the checker's place for what it cannot place (positions.locate: "line 1 if none").
- The loader is the last word (FORMAT.md §6b): a refusal the checks did not name is reported as ``invalid``
  with its English detail, at the line of what the loader's path names (``[scheme].max_total``, ``[grades]``,
  an item's band by its ids and index).
- Letter grades by score band (FORMAT.md §4b): every total from total_floor to max_total in exactly one band;
  bands by grade or quotas, not both; payment by grade names grades of those bands, with no min or max.

The bad files are edits of the checker's example, of the graded example (tests/rules/scoring/graded) or of a
shipped scheme; the line a problem must be reported on carries the marker ``# <-``.
"""
from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from rules.schemes import SCHEME_DIR
from rules.schemes.check import _Checker, check_scheme_text
from rules.schemes.positions import key_positions, locate
from tests.rules.schemes.test_check_scheme_data import SECTIONS

HERE = Path(__file__).parent
EXAMPLE = (HERE / "checker" / "example-2024.toml").read_text(encoding="utf-8")
GRADED = (HERE.parent / "scoring" / "graded" / "graded-2025.toml").read_text(encoding="utf-8")
WUJIANG = (SCHEME_DIR / "wujiang-2022.toml").read_text(encoding="utf-8")
MARK = "  # <-"

# a scheme as small as the format allows, for a max_total below 1 (written for these tests)
TINY = """# 最小的考核细则（测试用）
[scheme]
id = "tiny-2024"
title = "最小考核细则"
bureau = "测试县人力资源和社会保障局"
document_number = ""
effective_date = 2024-01-01
source = "test fixture"
max_total = 0.5  # <-

[[cycles]]
id = "annual"
label = "年度"
months = 12

[result]
pass_mark = 0.3
clause = "0.3分（含）以上为合格"

[[categories]]
id = "work"
title = "工作"
max = 0.5
clause = "工作（0.5分）"

[[categories.items]]
id = "plan"
title = "工作计划"
max = 0.5
clause = "报送年度工作计划的得0.5分"
method = "fixed"
"""


def _edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def _said(text: str, name: str) -> list[tuple]:
    """Every problem as (key, line, path, params), the marked line's number standing as "marked"."""
    marked = [n for n, line in enumerate(text.splitlines(), 1) if line.endswith(MARK)]
    return [(p.key, "marked" if [p.line] == marked else p.line, p.path, p.params)
            for p in check_scheme_text(text, file_name=name).problems]


# -- TOML syntax ---------------------------------------------------------------------------------------------


def test_a_syntax_error_at_the_end_of_the_file_is_placed_on_line_1_with_tomllib_s_whole_words():
    text = EXAMPLE + '\n[extra.notes]\nitems = ["年度考核", "年中检查"'  # the array never closed
    [problem] = check_scheme_text(text, file_name="example-2024.toml").problems
    assert (problem.key, problem.line, problem.column, problem.path) == ("toml_syntax", 1, None, "")
    assert problem.params == {"reason": "unclosed_array", "detail": "Unclosed array (at end of document)"}


def test_a_syntax_error_the_portal_has_no_words_for_is_reason_other_with_tomllib_s_words():
    text = _edit(EXAMPLE, '[[payment.stages]]\nid = "second"', '[[payment.stages]' + MARK + '\nid = "second"')
    detail = "Expected ']]' at the end of an array declaration"
    assert _said(text, "example-2024.toml") == [("toml_syntax", "marked", "", {"reason": "other", "detail": detail})]
    [problem] = check_scheme_text(text, file_name="example-2024.toml").problems
    assert problem.column == 17  # where tomllib stopped: after the one closing bracket
    assert problem.as_dict()["params"]["reason"] == "other"  # as `flask schemes check --json` shows it


def test_a_table_written_twice_is_the_duplicate_table_reason():
    text = EXAMPLE + "\n[result]" + MARK + "\npass_mark = 10\n"
    assert _said(text, "example-2024.toml") == [
        ("toml_syntax", "marked", "", {"reason": "duplicate_table", "detail": "Cannot declare ('result',) twice"})]



@pytest.mark.parametrize("name", ["paid", "already_paid"])
def test_a_key_written_twice_in_an_inline_table_is_the_duplicate_key_reason_whatever_its_name(name):
    # tomllib: "Duplicate inline table key 'NAME'": the portal words it as a key written twice (同一个键写了两次);
    # a key whose name holds "already" was once taken for a table written twice
    text = EXAMPLE + f"\nnote = {{ {name} = 1, {name} = 2 }}" + MARK + "\n"
    assert _said(text, "example-2024.toml") == [
        ("toml_syntax", "marked", "", {"reason": "duplicate_key",
                                       "detail": f"Duplicate inline table key '{name}'"})]

# -- the loader's refusals, at the line of what they name --------------------------------------------------


def _marked_line(text: str) -> int:
    [line] = [n for n, line in enumerate(text.splitlines(), 1) if line.endswith(MARK)]
    return line


# the shares written to 29 digits: the checker adds them in file order (advance first) and finds 1, the loader
# adds the stages first and finds 1.000000000000000000000000001 (28-digit decimals) — the one refusal under
# [payment] that only the loader makes; if the two ever add alike, this case becomes a `shares_sum`
PAYMENT_29_DIGITS = (
    ("advance_share = 0.40", "advance_share = 0.95"),
    ('label = "上半年考核后支付30%"\nshare = 0.30', 'label = "上半年考核后支付30%"\nshare = 0.04999999999999999999999999994'),
    ('label = "下半年考核后支付30%"\nshare = 0.30', 'label = "下半年考核后支付30%"\nshare = 0.00000000000000000000000000058'),
)


QUOTAS = 'quotas = [{ grade = "A", share = 0.10 }, { grade = "B", share = 0.20 }, { grade = "C", share = 0.30 }]'


def _payment_29_digits() -> str:
    text = _edit(EXAMPLE, "[payment]\n", "[payment]" + MARK + "\n")
    for old, new in PAYMENT_29_DIGITS:
        text = _edit(text, old, new)
    return text


def test_a_max_total_below_one_point_is_said_in_the_checker_s_words_at_its_line():
    """[scheme] max_total 0.5: positive, but under the loader's least (1 point); once the loader's English
    ("must be ≥ 1, got 0.5", under 方案文件有误), now the checker's too_small at the line."""
    [problem] = check_scheme_text(TINY, file_name="tiny-2024.toml").problems
    assert (problem.key, problem.path, problem.params) == (
        "too_small", "scheme.max_total", {"key": "max_total", "value": "0.5", "least": "1"})
    assert problem.line == _marked_line(TINY)


@pytest.mark.parametrize("name, text, path, detail", [
    ("example-2024.toml", _payment_29_digits(), "[payment]",
     "advance_share plus stage shares add up to 1.000000000000000000000000001, not 1"),
])
def test_a_refusal_only_the_loader_makes_is_placed_at_the_table_it_names(name, text, path, detail):
    [problem] = check_scheme_text(text, file_name=name).problems
    assert (problem.key, problem.path, problem.params) == ("invalid", path, {"detail": detail})
    assert (problem.line, problem.column) == (_marked_line(text), 1)


def test_grades_in_rank_order_without_quotas_are_a_missing_key_at_the_table():
    """[grades] by quotas in rank order (wujiang-2022) with the quotas left out, only rest and failed: once the
    loader's "missing 'quotas'" (English, under 方案文件有误), now the checker's missing_key."""
    text = _edit(WUJIANG, "[grades]\n" + QUOTAS + "\n", "[grades]" + MARK + "\n")
    [problem] = check_scheme_text(text, file_name="wujiang-2022.toml").problems
    assert (problem.key, problem.path, problem.params) == ("missing_key", "grades", {"key": "quotas"})
    assert problem.line == _marked_line(text)


def test_a_band_label_that_is_not_text_is_said_in_the_checker_s_words_at_the_label():
    """The second tier's label written as a number: once left to the loader, whose English words the author read
    ("方案文件有误：expected a string, got int"); now a wrong_type, placed at the label's key."""
    text = _edit(EXAMPLE, '{ min = 60, max = 80, points = 2, label = "60%至80%" },',
                 '{ min = 60, max = 80, points = 2, label = 60 },' + MARK)
    [problem] = check_scheme_text(text, file_name="example-2024.toml").problems
    assert (problem.key, problem.path, problem.params) == (
        "wrong_type", "categories[quality].items[satisfaction].tiers[1].label",
        {"key": "label", "expected": "string"})
    line = _marked_line(text)
    assert (problem.line, text.splitlines()[line - 1][problem.column - 1:]) == (line, "label = 60 }," + MARK)


@pytest.mark.parametrize("category", ["quality", "result"])
def test_a_loader_path_names_a_category_by_its_id_even_when_the_id_is_a_table_s_name(category):
    """The loader names the item by its ids and the band by its index: categories[quality].items[satisfaction]
    .tiers[1].label. A category whose id is also a table's name ("result") is still the category (it was once
    read as the [result] table, and the refusal placed at line 1)."""
    text = _edit(EXAMPLE, 'id = "quality"', f'id = "{category}"')
    checker = _Checker(tomllib.loads(text, parse_float=Decimal), key_positions(text), None)
    path = checker.loader_path(f"categories[{category}].items[satisfaction].tiers[1].label")
    assert path == ("categories", 1, "items", 0, "tiers", 1, "label")
    line, _column = locate(checker.pos, path)
    assert text.splitlines()[line - 1].startswith('  { min = 60, max = 80, points = 2, label = "60%至80%" }')
    assert checker.loader_path("[result].pass_mark") == ("result", "pass_mark")


@pytest.mark.parametrize("written", ['"报告台账"', '["报告台账", ""]', "[1]"])
def test_calendar_ledger_types_that_are_not_names_are_a_wrong_type_at_their_line(written):
    """[calendar] obligations: ``ledger_types`` is a list of names (FORMAT.md §6c). A single name written as text
    was refused only by the calendar's own check, in English, at line 1 (the loader's "[calendar]" was not read as
    the table); now the checker says it at the key."""
    text = _edit(EXAMPLE + SECTIONS, 'fields = ["referrals"]', f'fields = ["referrals"]\nledger_types = {written}')
    [problem] = check_scheme_text(text, file_name="example-2024.toml").problems
    assert (problem.key, problem.path, problem.params) == (
        "wrong_type", "calendar.obligations[0].ledger_types", {"key": "ledger_types", "expected": "strings"})
    assert text.splitlines()[problem.line - 1] == f"ledger_types = {written}"


def test_a_loader_refusal_under_a_top_level_table_is_placed_at_that_table():
    text = EXAMPLE + SECTIONS
    checker = _Checker(tomllib.loads(text, parse_float=Decimal), key_positions(text), None)
    for table in ("calendar", "result", "scheme"):  # [calendar] and [extra] were once left untranslated: line 1
        path = checker.loader_path(f"[{table}]")
        assert path == (table,)
        line, _column = locate(checker.pos, path)
        assert text.splitlines()[line - 1] == f"[{table}]"


# -- letter grades by score band --------------------------------------------------------------------------

BANDS = ('bands = [\n  { grade = "优秀", min = 90, label = "90分（含）以上" },\n'
         '  { grade = "良好", min = 80, max = 90, label = "80分（含）至90分" },\n'
         '  { grade = "合格", min = 60, max = 80, label = "60分（含）至80分" },\n'
         '  { grade = "不合格", max = 60, label = "60分以下" },\n]')
TOP = '{ grade = "优秀", min = 90, label = "90分（含）以上" },'
LOWEST = '{ grade = "不合格", max = 60, label = "60分以下" },'
ALL = ["优秀", "良好", "合格", "不合格"]


@pytest.mark.parametrize("old, new, said", [
    # bands by grade, or quotas in rank order: not both (the quotas named, as rest is)
    ('failed = "不合格"', 'failed = "不合格"\nquotas = [{ grade = "优秀", share = 0.10 }]' + MARK,
     [("grades_mixed", "marked", "grades.quotas", {"key": "quotas"})]),
    ('failed = "不合格"', "failed = 0" + MARK,
     [("wrong_type", "marked", "grades.failed", {"key": "failed", "expected": "string"})]),
    # a band that is not a table: named by its index; the top total is then in no band, and 优秀 unknown
    (TOP, "90," + MARK,
     [("wrong_type", "marked", "grades.bands[0]", {"key": "0", "expected": "table"}),
      ("grade_bands_cover", 111, "grades.bands[1].max", {"at": "100", "band": "[80, 90)"}),
      ("unknown_grade", 127, "payment.bands[0].grade", {"grade": "优秀", "allowed": ["良好", "合格", "不合格"]})]),
    # a grade named twice: the second band's grade (the failed grade 不合格 stays a grade to pay by)
    (LOWEST, LOWEST.replace('grade = "不合格"', 'grade = "合格"') + MARK,
     [("duplicate_id", "marked", "grades.bands[3].grade", {"id": "合格", "what": "grades"})]),
    # the lowest band starts at the lowest total but leaves it out: named at its min
    (LOWEST, '{ grade = "不合格", min = 0, min_inclusive = false, max = 60, label = "0分以上60分以下" },' + MARK,
     [("grade_bands_cover", "marked", "grades.bands[3].min", {"at": "0", "band": "(0, 60)"})]),
    # the highest band ends at max_total but leaves it out: named at its max
    (TOP, '{ grade = "优秀", min = 90, max = 100, label = "90分（含）至100分" },' + MARK,
     [("grade_bands_cover", "marked", "grades.bands[0].max", {"at": "100", "band": "[90, 100)"})]),
    # a band below total_floor (0) is out of range, once: not also "the lowest total in no band"
    (LOWEST, '{ grade = "不合格", min = 0, max = 60, label = "60分以下" },\n'
             '  { grade = "零分", min = -10, max = 0, label = "负分" },' + MARK,
     [("band_out_of_range", "marked", "grades.bands[4].max", {"band": "[−10, 0)", "lo": "0", "hi": "100"})]),
    # a band above max_total (100) is out of range, once: not also "the top total in no band"
    (TOP, '{ grade = "超额", min = 100, min_inclusive = false, label = "100分以上" },' + MARK + '\n'
          '  { grade = "优秀", min = 90, max = 100, max_inclusive = true, label = "90分（含）以上" },',
     [("band_out_of_range", "marked", "grades.bands[0].min", {"band": "> 100", "lo": "0", "hi": "100"})]),
])
def test_letter_grades_by_band_each_problem_at_its_place(old, new, said):
    assert _said(_edit(GRADED, old, new), "graded-2025.toml") == said


def test_grade_bands_that_are_not_an_array_are_named_at_bands():
    text = _edit(GRADED, BANDS, 'bands = "优秀、良好、合格、不合格"' + MARK)
    said = _said(text, "graded-2025.toml")
    assert said[0] == ("wrong_type", "marked", "grades.bands", {"key": "bands", "expected": "array"})
    assert "empty_list" not in [s[0] for s in said]  # once said as well
    assert [s for s in said if s[2].startswith("payment")] == [
        ("unknown_grade", n, f"payment.bands[{i}].grade", {"grade": g, "allowed": ["不合格"]})
        for i, (n, g) in enumerate([(122, "优秀"), (127, "良好"), (132, "合格")])]


def test_grade_bands_without_their_clause_are_named_at_the_grades_table():
    clause = 'clause = "90分（含）以上为优秀，80分（含）至90分为良好，60分（含）至80分为合格，60分以下为不合格"\n'
    text = _edit(_edit(GRADED, clause, ""), "[grades]\n", "[grades]" + MARK + "\n")
    assert _said(text, "graded-2025.toml") == [("missing_clause", "marked", "grades", {"key": "clause"})]


def test_the_failed_grade_may_be_left_out_when_the_bands_name_every_grade():
    result = check_scheme_text(_edit(GRADED, 'failed = "不合格"\n', ""), file_name="graded-2025.toml")
    assert result.problems == []
    assert result.scheme.grades.failed == "" and [b.grade for b in result.scheme.grades.bands] == ALL


def test_the_lowest_band_is_the_one_from_the_lowest_total_wherever_it_is_listed():
    """Bands written from the top down (as the graded example does), the last from 0 to 1 and the one above it
    from 1: every total from 0 to 100 is in one band, so nothing is said."""
    text = _edit(_edit(GRADED, '{ grade = "合格", min = 60, max = 80, label = "60分（含）至80分" }',
                       '{ grade = "合格", min = 1, max = 80, label = "1分（含）至80分" }'),
                 LOWEST, '{ grade = "不合格", min = 0, max = 1, label = "不足1分" },')
    result = check_scheme_text(text, file_name="graded-2025.toml")
    assert result.problems == []
    assert [(b.grade, str(b.min)) for b in result.scheme.grades.bands][2:] == [("合格", "1"), ("不合格", "0")]


# -- payment by grade ---------------------------------------------------------------------------------------

PAYMENT_CLAUSE = 'clause = "合同签订后预付30%，年度考核后按等级拨付其余70%"'


def _paid_by(bands: str) -> str:
    """The graded example with its payment bands written as one array under [payment]."""
    text = GRADED[:GRADED.index("\n[[payment.bands]]")] + "\n"
    return _edit(text, PAYMENT_CLAUSE, PAYMENT_CLAUSE + "\n" + bands + MARK)


@pytest.mark.parametrize("bands, said", [
    # a band that is not a table does not stop the check of the bands after it
    ('bands = [0.9, { grade = "特优", ratio = 1.00 }]',
     [("wrong_type", "marked", "payment.bands[0]", {"key": "0", "expected": "table"}),
      ("unknown_grade", "marked", "payment.bands[1].grade", {"grade": "特优", "allowed": ALL})]),
    # nor does a band without a grade among bands by grade
    ('bands = [{ ratio = 0.5 }, { grade = "特优", ratio = 1.00 }]',
     [("payment_grades_mixed", "marked", "payment.bands[0]", {}),
      ("unknown_grade", "marked", "payment.bands[1].grade", {"grade": "特优", "allowed": ALL})]),
])
def test_payment_by_grade_checks_every_band(bands, said):
    assert _said(_paid_by(bands), "graded-2025.toml") == said


@pytest.mark.parametrize("bound", ["min = 80", "max = 90"])
def test_a_payment_band_by_grade_with_a_bound_is_named_at_the_bound(bound):
    """The grade's band decides (FORMAT.md §4b): a payment band by grade has no min or max."""
    text = _edit(GRADED, 'grade = "良好"\nratio = 0.90', f'grade = "良好"\n{bound}{MARK}\nratio = 0.90')
    assert _said(text, "graded-2025.toml") == [
        ("grade_band_bounds", "marked", f"payment.bands[1].{bound[:3]}", {"grade": "良好"})]
