"""What the scheme checker tells an author, word for word (issue #18: the survivors of the fresh sample 4 of
rules.schemes.check, 2026-12-06). A problem's parameters are the words of its message (portal/schemes/problems.py
fills "%(op)s", "%(allowed)s" … from them), so each case pins every parameter, the line, and that nothing else is
said; and keys a method takes are accepted without a word (FORMAT.md §4)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from rules.schemes import SCHEME_DIR
from rules.schemes.check import check_scheme_text
from rules.scoring.model import DERIVED_OPS, METHODS
from tests.rules.schemes.test_check_scheme_data import SECTIONS

EXAMPLE = (Path(__file__).parent / "checker" / "example-2024.toml").read_text(encoding="utf-8")
JINDONG = (SCHEME_DIR / "jindong-2021.toml").read_text(encoding="utf-8")
MARK = "  # <-"

CHECKLIST = 'entries = [{ label = "有年度工作计划", points = 3, when = { fact = "has_plan", is = true } }]'
TIERS = 'tiers = [\n  { min = 80, points = 4, label = "80%以上" },\n  { min = 60, max = 80, points = 2, label = "60%至80%" },\n]'
LEVELS = 'points = { A = 3, B = 2, C = 1, D = 0 }'


def _replace(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def _said(text: str, name: str = "example-2024.toml") -> list[tuple]:
    """Every problem as (key, line, params), the marked line's number standing for the line."""
    marked = [n for n, line in enumerate(text.splitlines(), 1) if line.endswith(MARK)]
    return [(p.key, "marked" if [p.line] == marked else p.line, p.params)
            for p in check_scheme_text(text, file_name=name).problems]


@pytest.mark.parametrize("old, new", [
    (CHECKLIST, CHECKLIST + "\ncap = 3"),          # a checklist's cap (the item's max by default)
    (TIERS, TIERS + "\notherwise = 1"),             # tiers: the points when no tier is reached
    ("[calendar]\nsource", '[calendar]\nnote = "按月报送"\nsource'),  # a calendar's note
    ('[[vetoes]]\nid = "major_incident"', '[[vetoes]]\nid = "major_incident"\nlabel = "重大事故"'),
])
def test_keys_a_section_takes_are_accepted_without_a_word(old, new):
    assert _said(_replace(EXAMPLE + SECTIONS, old, new)) == []


@pytest.mark.parametrize("old, new, said", [
    # 第一条 service of 12 months, cycles of 6 + 9: the last cycle's months named with both figures
    ('label = "下半年"\nmonths = 6', 'label = "下半年"\nmonths = 9' + MARK,
     [("cycles_overlap", "marked", {"months": "15", "service": "12"})]),
    ("pass_mark = 12", "pass_mark = 25" + MARK, [("pass_mark_out_of_range", "marked", {"value": "25", "max_total": "20"})]),
    ("method = \"levels\"", "method = \"grades\"" + MARK,
     [("unknown_method", "marked", {"method": "grades", "allowed": list(METHODS)})]),
    (LEVELS, "points = 5" + MARK, [("wrong_type", "marked", {"key": "points", "expected": "table"})]),
    (LEVELS, "points = { A = 4, B = 2, C = 1, D = 0 }" + MARK,
     [("exceeds_max", "marked", {"key": "A", "value": "4", "max": "3"})]),
    (CHECKLIST, "entries = []" + MARK, [("empty_list", "marked", {"key": "entries"})]),
    ('[[vetoes]]\nid = "major_incident"', '[[vetoes]]\nid = "major_incident"\nlabel = 5' + MARK,
     [("wrong_type", "marked", {"key": "label", "expected": "string"})]),
])
def test_each_problem_is_said_once_with_all_its_words(old, new, said):
    assert _said(_replace(EXAMPLE, old, new)) == said


def test_an_unknown_derivation_is_named_with_the_ways_there_are():
    text = _replace(JINDONG, 'op = "sum"', 'op = "average"' + MARK)
    assert _said(text, "jindong-2021.toml") == [
        ("unknown_op", "marked", {"op": "average", "allowed": list(DERIVED_OPS)})]


def test_base_steps_with_a_base_that_is_not_a_number_is_refused_at_the_base():
    qianxi = (SCHEME_DIR / "qianxi-2022.toml").read_text(encoding="utf-8")
    base = re.search(r"(?m)^base = .*$", qianxi).group(0)
    text = qianxi.replace(base, 'base = "五"' + MARK, 1)
    assert _said(text, "qianxi-2022.toml") == [("wrong_type", "marked", {"key": "base", "expected": "number"})]


def test_an_unknown_key_in_subsidy_is_named_at_its_line():
    text = _replace(JINDONG, "[subsidy]\nrequires_pass = true", "[subsidy]\nrequires_pass = true\nbonus = 1" + MARK)
    [(key, line, params)] = _said(text, "jindong-2021.toml")
    assert (key, line, params["key"]) == ("unknown_key", "marked", "bonus")
    assert set(params["allowed"]) == {"bands", "one_off", "requires_pass", "clause"}


def test_a_payment_plan_whose_bands_are_written_empty_is_named_at_the_bands():
    start = EXAMPLE.index("[[payment.bands]]")
    end = EXAMPLE.index("\n[", EXAMPLE.rindex("[[payment.bands]]") + 1) + 1
    text = _replace(EXAMPLE[:start] + EXAMPLE[end:], "[payment]\n", "[payment]\nbands = []" + MARK + "\n")
    assert ("empty_list", "marked", {"key": "bands"}) in _said(text)


def test_a_calendar_whose_first_obligation_is_not_a_table_still_checks_the_next():
    calendar = SECTIONS[:SECTIONS.index("[[compliance]]")]
    inline = ('[calendar]\nsource = "示例考核细则 第三条"\nobligations = [\n  5,\n  { key = "Monthly", label = "月度工作报告", '
              'label_en = "Monthly work report", frequency = "monthly", due = "day_of_next_period", day = 10, '
              'clause = "每月10日前报送上月工作报告", source = "第三条" },' + MARK + '\n]\n')
    text = EXAMPLE + inline + SECTIONS[len(calendar):]
    said = _said(text)
    five = text.splitlines().index("  5,") + 1
    assert said[:2] == [("wrong_type", five, {"key": "0", "expected": "table"}), ("bad_id", "marked", {"id": "Monthly"})]
