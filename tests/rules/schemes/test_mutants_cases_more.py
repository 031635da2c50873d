"""Scheme test cases (rules/schemes/cases.py): how a cases file is read (issue #18: survivors in `parse_cases` and
`_as_points` of the full run of 2026-12-06).

A cases file is TOML (or JSON with the same shape) with a list of `[[cases]]` (the module's docstring): a file
that is not UTF-8, or whose `cases` is an empty list, is refused with the key the upload page words
(portal/schemes/problems.py, CASES); a decimal fact written as a bare TOML number is read exactly, as the scheme's
numbers are (DOMAIN.md §6.1: no floats); and a failed case shows what the author wrote, as written, when it is not
a figure.
"""
from __future__ import annotations

import pytest

from rules.schemes.cases import CasesError, parse_cases, run_cases
from tests.rules.schemes.test_mutants_cases import CASES, SCHEME, _edit


def test_a_cases_file_that_is_not_utf8_is_refused_with_the_sentence_the_upload_page_shows():
    from portal.schemes.problems import CASES as SENTENCES

    with pytest.raises(CasesError) as exc:
        parse_cases(CASES.encode("gb18030"))  # saved in the Chinese Windows encoding
    assert (exc.value.key, exc.value.params) == ("cases_encoding", {})
    assert str(exc.value) == "cases_encoding: {}"
    assert SENTENCES[exc.value.key] == "用例文件不是UTF-8编码"
    # the same file in UTF-8, with or without a byte-order mark, is read
    assert len(parse_cases(CASES.encode("utf-8-sig"))) == 3


@pytest.mark.parametrize("text, json_format", [("cases = []\n", False), ('{"cases": []}', True)])
def test_an_empty_list_of_cases_is_no_cases(text, json_format):
    with pytest.raises(CasesError) as exc:
        parse_cases(text, json_format=json_format)
    assert (exc.value.key, exc.value.params) == ("cases_none", {})


def test_a_decimal_fact_written_as_a_toml_number_is_read_exactly():
    # satisfaction 79.99% (below 80: 2 points, not 4), written as a bare number, not a string: the case scores
    # 17.40 (as the JSON test of test_mutants_cases.py); a float would be refused by the engine
    text = _edit(("satisfaction_pct = 85", "satisfaction_pct = 79.99"), ('total = "19.40"', "total = 17.40"),
                 ('"work/reports" = 1.90', '"work/reports" = 1.90\n"quality/satisfaction" = 2.00'))
    first, second, third = run_cases(SCHEME, text)
    assert (first.error, first.error_fact, first.mismatches) == ("", "", [])
    assert first.passed and second.passed and third.passed


def test_a_yes_no_written_where_a_figure_belongs_is_shown_as_written():
    text = _edit(('total = "19.40"', "total = true"), ('"quality/media" = "1.00"', '"quality/media" = false'))
    first = run_cases(SCHEME, text)[0]
    assert [(m.what, m.expected, m.actual, m.path) for m in first.mismatches] == [
        ("total", "True", "19.40", ""), ("line", "False", "1.00", "quality/media")]
