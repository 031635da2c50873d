"""Issue #18: the survivors of the full mutation run of rules.dates and rules.workdays (2026-12-06).

rules.dates.dates_in_words writes the dates of a bilingual text (a mail: a Chinese line, then its English
line) each in its reader's words; no test of tests/rules reached it (the portal's mail tests did). A notice
period (公示期) of fewer than one working day is refused with a sentence that says why.
"""
from __future__ import annotations

from datetime import date

import pytest

from rules.dates import dates_in_words
from rules.workdays import add_working_days


def test_each_line_of_a_mail_gets_its_dates_in_its_own_language():
    """A Chinese line reads 2026年3月5日 23:59（北京时间）; the English line under it reads 5 Mar 2026 23:59 Beijing
    time; a line without Chinese is English, whatever its position; the lines stay in order."""
    text = ("《2026-03月报》应于2026-03-05T23:59:59+08:00前提交。\n"
            "The 2026-03 report was due by 2026-03-05T23:59:59+08:00.\n"
            "\n"
            "2026-Q1 / 2026W10")
    assert dates_in_words(text) == (
        "《2026年3月报》应于2026年3月5日 23:59（北京时间）前提交。\n"
        "The Mar 2026 report was due by 5 Mar 2026 23:59 Beijing time.\n"
        "\n"
        "Q1 2026 / week 10 of 2026")


def test_a_text_of_one_line_keeps_its_single_line():
    assert dates_in_words("截止2026-12-31") == "截止2026年12月31日"
    assert dates_in_words("due 2026-12-31") == "due 31 Dec 2026"


def test_a_notice_period_of_no_working_day_is_refused_saying_why():
    """A 公示 period counts at least one working day after publication (rules/workdays.py)."""
    for days in (0, -1):
        with pytest.raises(ValueError) as refused:
            add_working_days(date(2026, 12, 4), days)
        assert str(refused.value) == "a notice period is at least one working day"
    assert add_working_days(date(2026, 12, 4), 1) == date(2026, 12, 7)  # a Friday: the next Monday
