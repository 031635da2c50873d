"""The reporting calendar at its edges: terms starting mid-period, ending on a period's first day, the 5th of
the next month, and the calendar files' own fields (DOMAIN.md §6.3: deadlines in Asia/Shanghai, "by the 5th"
means on or before 23:59:59 on the 5th)."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from rules import reporting
from rules.reporting import CalendarError, build_calendar, is_on_time, obligation_status, obligations_for

SH = ZoneInfo("Asia/Shanghai")


def _periods(cal, key):
    return [(o.period.key, o.period.start, o.period.end) for o in cal if o.spec.key == key]


def test_quarters_are_calendar_quarters_even_for_a_term_starting_mid_quarter():
    """seed 003 每季度…形成一份书面报告: a term from 15 May has the second quarter (April–June) first."""
    cal = build_calendar("xingan", date(2024, 5, 15), date(2025, 4, 1))
    assert _periods(cal, "quarterly_reports") == [
        ("2024-Q2", date(2024, 4, 1), date(2024, 6, 30)), ("2024-Q3", date(2024, 7, 1), date(2024, 9, 30)),
        ("2024-Q4", date(2024, 10, 1), date(2024, 12, 31)), ("2025-Q1", date(2025, 1, 1), date(2025, 3, 31)),
        ("2025-Q2", date(2025, 4, 1), date(2025, 6, 30)),  # the term's last day, 1 April, is in it
    ]
    first = next(o for o in cal if o.key == "quarterly_reports:2024-Q2")
    assert first.due_at == datetime(2024, 6, 30, 23, 59, 59, tzinfo=SH)


def test_a_term_starting_mid_month_has_that_whole_month_and_one_ending_on_the_first_has_that_month():
    """seed 000 每月1次书面汇报: a term of 15 March to 1 June has March, April, May and June."""
    cal = build_calendar("qianxi-2022", date(2022, 3, 15), date(2022, 6, 1))
    assert _periods(cal, "monthly_job_info") == [
        ("2022-03", date(2022, 3, 1), date(2022, 3, 31)), ("2022-04", date(2022, 4, 1), date(2022, 4, 30)),
        ("2022-05", date(2022, 5, 1), date(2022, 5, 31)), ("2022-06", date(2022, 6, 1), date(2022, 6, 30))]


def test_weeks_run_monday_to_sunday_and_a_term_ending_on_a_monday_has_that_week():
    """seed 002 每周汇总考勤: ISO weeks; 4 March 2024 is the Monday of week 10."""
    cal = build_calendar("pingxiang-2024-lot1", date(2024, 3, 6), date(2024, 3, 18))
    weeks = next(key for key in {o.spec.key for o in cal} if _periods(cal, key)[0][0].startswith("2024W"))
    assert _periods(cal, weeks) == [("2024W10", date(2024, 3, 4), date(2024, 3, 10)),
                                    ("2024W11", date(2024, 3, 11), date(2024, 3, 17)),
                                    ("2024W12", date(2024, 3, 18), date(2024, 3, 24))]


def test_a_report_due_by_the_5th_of_the_next_month():
    """seed 002 每月5日前上报上月用工需求报表: April's report is due at 23:59:59 on 5 May (DOMAIN.md §6.3)."""
    cal = build_calendar("pingxiang-2024-lot1", date(2024, 3, 1), date(2025, 2, 28))
    april = next(o for o in cal if o.key == "monthly_demand_report:2024-04")
    assert april.due_at == datetime(2024, 5, 5, 23, 59, 59, tzinfo=SH)
    january = next(o for o in cal if o.key == "monthly_demand_report:2025-01")
    assert january.due_at == datetime(2025, 2, 5, 23, 59, 59, tzinfo=SH)


def test_a_one_day_term_has_its_obligations_and_a_term_ending_before_it_starts_is_refused():
    assert build_calendar("qianxi-2022", date(2022, 6, 1), date(2022, 6, 1))
    with pytest.raises(ValueError) as caught:
        build_calendar("qianxi-2022", date(2022, 6, 2), date(2022, 6, 1))
    assert str(caught.value) == "the term ends before it starts"


def test_a_once_only_obligation_spans_the_term():
    """A calendar may hold an obligation due once over the whole term (frequency "once")."""
    assert reporting._periods("once", date(2024, 3, 1), date(2025, 2, 28)) == [
        reporting.Period("once", date(2024, 3, 1), date(2025, 2, 28))]


def test_naive_times_are_refused_saying_so():
    """DOMAIN.md §6.3: deadlines are moments in Asia/Shanghai; a time without a zone cannot be compared."""
    ob = build_calendar("qianxi-2022", date(2022, 6, 1), date(2022, 6, 30))[0]
    with pytest.raises(ValueError) as caught:
        is_on_time(ob, datetime(2022, 6, 5))
    assert str(caught.value) == "submission time must be time-zone aware"
    with pytest.raises(ValueError) as caught:
        obligation_status(ob, first_submitted_at=None, now=datetime(2022, 6, 5))
    assert str(caught.value) == "'now' must be time-zone aware"
    assert obligation_status(ob, first_submitted_at=None, now=datetime(2022, 6, 5, tzinfo=timezone.utc)) != "missing"


def test_the_calendar_files_fields_are_read():
    """seed 000: attendance by the 5th of the next month, the quarterly ledgers and their types, the monthly
    report's figures; an obligation without a kind is a report."""
    specs = {s.key: s for s in obligations_for("qianxi-2022")}
    attendance = specs["monthly_attendance"]
    assert (attendance.frequency, attendance.due, attendance.day, attendance.kind, attendance.scheme_item) == (
        "monthly", "day_of_next_period", 5, "attendance", "基础建设/专职人员")
    assert attendance.note.startswith("The document sets no day") and attendance.label == "驻站人员月度考勤"
    assert attendance.label_en == "Monthly attendance of resident staff"
    ledgers = specs["quarterly_ledgers"]
    assert ledgers.kind == "ledger" and ledgers.ledger_types == (
        "delivered_workers", "job_postings", "enterprises", "entrepreneurs")
    report = specs["monthly_report"]
    assert report.kind == "report" and report.fields == (
        "cooperation_agreements", "workers_registered", "labour_ledger_persons", "skills_training_deliveries")
    assert specs["monthly_job_info"].note == "" and specs["monthly_job_info"].ledger_types == ()


@pytest.mark.parametrize("body, message", [
    ('key = "x"\nlabel = "x"\nlabel_en = "x"\nfrequency = "monthly"\ndue = "end_of_period"\nsource = "seed 000"\n',
     "bad.toml: obligation 'x': 'clause' is required"),
    ('label = "x"\nlabel_en = "x"\nfrequency = "monthly"\ndue = "end_of_period"\nclause = "c"\nsource = "s"\n',
     "bad.toml: obligation '?': 'key' is required"),
    ('key = "x"\nlabel = "x"\nlabel_en = "x"\nfrequency = "monthly"\ndue = "soon"\nclause = "c"\nsource = "s"\n',
     "bad.toml: obligation 'x': due must be one of"),
    ('key = "x"\nlabel = "x"\nlabel_en = "x"\nfrequency = "monthly"\ndue = "day_of_period"\nclause = "c"\n'
     'source = "s"\n', "bad.toml: obligation 'x': due rule day_of_period needs 'day' between 1 and 31"),
    ('key = "x"\nlabel = "x"\nlabel_en = "x"\nfrequency = "monthly"\ndue = "day_of_period"\nday = 32\nclause = "c"\n'
     'source = "s"\n', "bad.toml: obligation 'x': due rule day_of_period needs 'day' between 1 and 31"),
    ('key = "x"\nlabel = "x"\nlabel_en = "x"\nfrequency = "monthly"\ndue = "end_of_period"\nclause = "c"\n'
     'source = "s"\ncolour = "red"\n', "bad.toml: obligation 'x': unknown fields ['colour']"),
])
def test_a_malformed_obligation_is_refused_saying_what_is_wrong(tmp_path, monkeypatch, body, message):
    (tmp_path / "bad.toml").write_text(f'[scheme]\nid = "bad"\n[[calendar.obligations]]\n{body}', encoding="utf-8")
    monkeypatch.setattr(reporting, "CALENDAR_DIR", tmp_path)
    reporting.obligations_for.cache_clear()
    try:
        with pytest.raises(CalendarError) as caught:
            obligations_for("bad")
        assert str(caught.value).startswith(message)
    finally:
        reporting.obligations_for.cache_clear()


@pytest.mark.parametrize("day, due", [(1, date(2024, 4, 1)), (31, date(2024, 4, 30))])
def test_the_due_day_ranges_from_the_1st_to_the_31st_and_a_short_month_ends_it(tmp_path, monkeypatch, day, due):
    """A day of 31 in a 30-day month is the month's last day; a day of 1 is accepted."""
    (tmp_path / "edge.toml").write_text(
        f'[scheme]\nid = "edge"\n[[calendar.obligations]]\nkey = "x"\nlabel = "x"\nlabel_en = "x"\nfrequency = "monthly"\n'
        f'due = "day_of_period"\nday = {day}\nclause = "c"\nsource = "s"\n', encoding="utf-8")
    monkeypatch.setattr(reporting, "CALENDAR_DIR", tmp_path)
    reporting.obligations_for.cache_clear()
    try:
        april = next(o for o in build_calendar("edge", date(2024, 4, 1), date(2024, 4, 30)))
        assert april.due_at == datetime(due.year, due.month, due.day, 23, 59, 59, tzinfo=SH)
    finally:
        reporting.obligations_for.cache_clear()


@pytest.mark.parametrize("starts_on, first", [
    (date(2024, 1, 31), ("2024-Q1", date(2024, 1, 1), date(2024, 3, 31))),
    (date(2024, 4, 1), ("2024-Q2", date(2024, 4, 1), date(2024, 6, 30))),
    (date(2024, 8, 20), ("2024-Q3", date(2024, 7, 1), date(2024, 9, 30))),
    (date(2024, 10, 9), ("2024-Q4", date(2024, 10, 1), date(2024, 12, 31))),
    (date(2024, 12, 31), ("2024-Q4", date(2024, 10, 1), date(2024, 12, 31))),
])
def test_the_first_quarter_is_the_one_the_term_starts_in(starts_on, first):
    """seed 003 每季度: whichever month the term starts in, its first quarter is that month's calendar quarter."""
    cal = build_calendar("xingan", starts_on, date(2025, 12, 31))
    assert _periods(cal, "quarterly_reports")[0] == first
