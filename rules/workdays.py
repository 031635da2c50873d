"""Working days (工作日) for notice periods such as a 公示 period of "5 working days".

Convention (the documents leave it open): a working day is Monday to Friday. The State Council's yearly
holiday arrangement (法定节假日 and the make-up working weekends, 调休) is published each December and is in
none of the seeds, so it is not modelled: where a notice period spans a public holiday, the approver sets
a longer notice period when publishing. Counting starts the day after publication, so a publication on
Friday with 5 working days runs to the end of the next Friday (Asia/Shanghai, DOMAIN.md §6.3).
"""
from __future__ import annotations

from datetime import date, timedelta


def is_working_day(day: date) -> bool:
    return day.weekday() < 5


def add_working_days(start: date, days: int) -> date:
    """The day on which `days` working days after `start` have passed (`start` itself not counted)."""
    if days < 1:
        raise ValueError("a notice period is at least one working day")
    day, left = start, days
    while left:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day
