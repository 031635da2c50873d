"""Notice periods in working days (issue #7: 公示 for 5 working days by default): weekends are skipped,
the publication day itself is not counted; statutory holidays are not modelled (rules/workdays.py)."""
from datetime import date

import pytest

from rules.workdays import add_working_days, is_working_day


def test_five_working_days_from_a_monday_end_on_the_next_monday():
    assert add_working_days(date(2026, 11, 16), 5) == date(2026, 11, 23)


def test_published_on_a_friday_the_weekend_does_not_count():
    assert add_working_days(date(2026, 11, 20), 5) == date(2026, 11, 27)
    assert add_working_days(date(2026, 11, 20), 1) == date(2026, 11, 23)


def test_published_on_a_sunday_counting_starts_on_monday():
    assert add_working_days(date(2026, 11, 22), 1) == date(2026, 11, 23)
    assert add_working_days(date(2026, 11, 22), 5) == date(2026, 11, 27)


def test_weekends_are_not_working_days_and_a_period_is_at_least_one_day():
    assert [is_working_day(date(2026, 11, d)) for d in range(16, 23)] == [True] * 5 + [False] * 2
    with pytest.raises(ValueError):
        add_working_days(date(2026, 11, 16), 0)
