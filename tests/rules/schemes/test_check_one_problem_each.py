"""One mistake in a scheme file, one problem said (rules/schemes/check.py): a problem the checker has said is not
followed by another that only repeats it in other words. Each case once gave a second problem (the reports of issue
#16's and #18's sessions, "found, not fixed"), which a bureau's author would then look for in vain.

- an item of an unknown kind (``kind = "extra"``): ``unknown_item_kind``; its points are not known, so its category
  is not also said to add up short (``points_sum``);
- a compliance rule's ``due_day`` out of range or not a number (``due_day = 31``, ``true``): ``due_day_range``; it is
  not also said to disagree with the obligation's day (``due_day_mismatch``);
- a payment band's grade that no grade band names, when a grade is written twice: the grades allowed are listed once
  each.
"""
from __future__ import annotations

import pytest

from rules.schemes.check import check_scheme_text
from tests.rules.schemes.test_check_scheme_data import BASE, MARK
from tests.rules.schemes.test_mutants_check_paths import GRADED, LOWEST, _edit


def _said(text: str, name: str = "example-2024.toml") -> list[tuple]:
    lines = text.splitlines()
    return [(p.key, p.path, "marked" if lines[p.line - 1].endswith(MARK) else p.line, p.params)
            for p in check_scheme_text(text, file_name=name).problems]


def test_an_item_of_an_unknown_kind_is_said_once_and_its_category_is_not_summed():
    text = _edit(BASE, 'title = "满意度"', 'title = "满意度"\nkind = "extra"' + MARK)
    assert _said(text) == [("unknown_item_kind", "categories[quality].items[satisfaction].kind", "marked",
                            {"kind": "extra", "allowed": ["regular", "bonus", "penalty"]})]


@pytest.mark.parametrize("written", ["31", "0", "true", '"10"'])
def test_a_due_day_out_of_range_is_said_once_not_also_as_a_mismatch(written):
    text = _edit(BASE, "due_day = 10", f"due_day = {written}" + MARK)
    assert _said(text) == [("due_day_range", "compliance[0].due_day", "marked",
                            {"value": {"true": "true", '"10"': "10"}.get(written, written)})]


def test_a_due_day_in_range_that_disagrees_is_still_a_mismatch():
    assert [key for key, *_ in _said(_edit(BASE, "due_day = 10", "due_day = 12" + MARK))] == ["due_day_mismatch"]


def test_a_grade_named_twice_is_listed_once_among_the_grades_allowed():
    # the lowest band named 合格 like the band above it (a duplicate, said), and a payment band paying a grade none has
    text = _edit(GRADED, LOWEST, LOWEST.replace('grade = "不合格"', 'grade = "合格"'))
    text = _edit(text, 'grade = "优秀"\nratio', 'grade = "特优"' + MARK + '\nratio')
    unknown = [params for key, _path, _line, params in _said(text, "graded-2025.toml") if key == "unknown_grade"]
    assert unknown == [{"grade": "特优", "allowed": ["优秀", "良好", "合格", "不合格"]}]


def test_a_band_of_one_value_included_at_both_ends_is_not_empty():
    # [60, 60] holds 60; [60, 60) holds nothing (band_empty, tests/rules/schemes/test_check.py)
    text = _edit(BASE, '{ min = 60, max = 80, points = 2, label = "60%至80%" },',
                 '{ min = 60, max = 60, max_inclusive = true, points = 2, label = "60%" },' + MARK)
    assert "band_empty" not in [key for key, *_ in _said(text)]
