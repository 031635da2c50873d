"""Due dates counted in working days (issue #18: the survivors rules.workdays.x_add_working_days__mutmut_12/13/14
of the full run of 2026-12-06, reported as timeouts).

A notice period (公示期) of n working days ends on the day on which n working days after publication have passed,
Monday to Friday, the publication day not counted (rules/workdays.py): each working day counts once, and the count
stops there. The existing tests count 1 and 5 days from 2026; a count that never stops walks day by day to the end
of the calendar (9999-12-31, some 2.9 million days, seconds a call under the mutation tool) before it fails, which
the mutation run took for a hang. A period that ends in the calendar's last month shows it at once, and an even
count tells a working day counted once from one counted twice. (rules.reporting's `_due` survivor is judged in
mutation/verdicts-misc-seventh.toml.)
"""
from __future__ import annotations

from datetime import date

from rules.workdays import add_working_days


def test_the_count_stops_at_the_last_working_day_of_the_period():
    # the last weeks a date can hold: the period ends where it should, with no day needed after it
    assert add_working_days(date(9999, 12, 17), 1) == date(9999, 12, 20)  # a Friday: the next Monday
    assert add_working_days(date(9999, 12, 20), 5) == date(9999, 12, 27)  # Monday to Monday
    assert add_working_days(date(9999, 12, 17), 10) == date(9999, 12, 31)  # the calendar's last day, a Friday


def test_two_working_days_from_a_friday_end_on_the_tuesday():
    assert add_working_days(date(2026, 11, 20), 2) == date(2026, 11, 24)


def test_ten_working_days_are_two_full_weeks():
    assert add_working_days(date(2026, 11, 16), 10) == date(2026, 11, 30)  # Monday to the Monday two weeks on
    assert add_working_days(date(2026, 11, 20), 10) == date(2026, 12, 4)  # Friday to the Friday two weeks on
