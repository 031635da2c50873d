"""The reporting calendar, read like the documents: due moments in Asia/Shanghai, first version decides."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from rules import reporting
from rules.reporting import (CalendarError, build_calendar, calendar_scheme_ids, obligation_status,
                             obligations_for)

SH = ZoneInfo("Asia/Shanghai")
PX = ("pingxiang-2024-lot1", date(2024, 3, 1), date(2025, 2, 28))


def _one(calendar, key):
    return next(o for o in calendar if o.key == key)


def test_every_scheme_of_the_documents_has_a_calendar_citing_its_clauses():
    assert calendar_scheme_ids() == ["jindong-2021", "ningming-2024-lot2", "pingxiang-2024-lot1", "qianxi-2022",
                                     "wujiang-2022", "xingan"]
    for scheme_id in calendar_scheme_ids():
        for spec in obligations_for(scheme_id):
            # the document's own words, as a reader cites them: no developer "seed NNN"
            assert spec.clause and spec.source and "seed" not in spec.source, (scheme_id, spec.key)


def test_seed_002_item_9_monthly_plan_is_due_by_the_5th_of_the_same_month():
    """seed 002 第9项: 每月5日之前做好当月工作计划及上个月工作总结."""
    cal = build_calendar(*PX)
    april = _one(cal, "monthly_plan_summary:2024-04")
    assert april.due_at == datetime(2024, 4, 5, 23, 59, 59, tzinfo=SH)
    plans = [o for o in cal if o.spec.key == "monthly_plan_summary"]
    assert len(plans) == 12 and plans[-1].period.key == "2025-02"


def test_23_59_59_on_the_5th_is_on_time_and_00_00_01_on_the_6th_is_late():
    """DOMAIN.md §6.3 with seed 002 第9项."""
    april = _one(build_calendar(*PX), "monthly_plan_summary:2024-04")
    now = datetime(2024, 5, 1, tzinfo=SH)
    assert obligation_status(april, first_submitted_at=datetime(2024, 4, 5, 23, 59, 59, tzinfo=SH), now=now) \
        == "submitted_on_time"
    assert obligation_status(april, first_submitted_at=datetime(2024, 4, 6, 0, 0, 1, tzinfo=SH), now=now) == "late"


def test_a_utc_timestamp_already_the_6th_in_shanghai_is_late():
    april = _one(build_calendar(*PX), "monthly_plan_summary:2024-04")
    now = datetime(2024, 5, 1, tzinfo=timezone.utc)
    # 16:00:01 UTC on the 5th is 00:00:01 on the 6th in Shanghai.
    assert obligation_status(april, first_submitted_at=datetime(2024, 4, 5, 16, 0, 1, tzinfo=timezone.utc),
                             now=now) == "late"
    assert obligation_status(april, first_submitted_at=datetime(2024, 4, 5, 15, 59, 59, tzinfo=timezone.utc),
                             now=now) == "submitted_on_time"


def test_status_before_and_after_the_due_moment_without_a_submission():
    april = _one(build_calendar(*PX), "monthly_plan_summary:2024-04")
    due = april.due_at
    assert obligation_status(april, first_submitted_at=None, now=due - timedelta(days=3, seconds=1)) == "upcoming"
    assert obligation_status(april, first_submitted_at=None, now=due - timedelta(days=3)) == "due_soon"
    assert obligation_status(april, first_submitted_at=None, now=due) == "due_soon"
    assert obligation_status(april, first_submitted_at=None, now=due + timedelta(seconds=1)) == "missing"


def test_a_returned_submission_shows_as_returned_until_resubmitted():
    april = _one(build_calendar(*PX), "monthly_plan_summary:2024-04")
    first = datetime(2024, 4, 3, 10, tzinfo=SH)
    assert obligation_status(april, first_submitted_at=first, returned=True, now=first) == "returned"


def test_naive_times_are_refused():
    april = _one(build_calendar(*PX), "monthly_plan_summary:2024-04")
    with pytest.raises(ValueError):
        obligation_status(april, first_submitted_at=datetime(2024, 4, 3), now=datetime(2024, 5, 1, tzinfo=SH))


def test_seed_000_ledgers_are_due_at_each_quarter_end_and_the_summary_at_year_end():
    """seed 000: 每季度末集中报送人社部门; 年底报送工作总结."""
    cal = build_calendar("qianxi-2022", date(2022, 1, 1), date(2022, 12, 31))
    quarters = [o for o in cal if o.spec.key == "quarterly_ledgers"]
    assert [o.due_at.date() for o in quarters] == [date(2022, 3, 31), date(2022, 6, 30), date(2022, 9, 30),
                                                   date(2022, 12, 31)]
    assert _one(cal, "annual_summary:Y1").due_at == datetime(2022, 12, 31, 23, 59, 59, tzinfo=SH)
    assert len([o for o in cal if o.spec.key == "monthly_job_info"]) == 12
    assert _one(cal, "monthly_job_info:2022-02").due_at.date() == date(2022, 2, 28)
    assert _one(cal, "monthly_report:2022-12").due_at.date() == date(2022, 12, 31)  # 每月1次


def test_seed_002_attendance_is_summarised_every_week_monday_to_sunday():
    """seed 002 第1项: 每周汇总报人社局1次."""
    weeks = [o for o in build_calendar(*PX) if o.spec.key == "weekly_attendance"]
    assert all(o.period.start.weekday() == 0 and (o.period.end - o.period.start).days == 6 for o in weeks)
    assert weeks[0].period.start <= date(2024, 3, 1) <= weeks[0].period.end
    assert weeks[-1].period.start <= date(2025, 2, 28) <= weeks[-1].period.end


def test_contract_years_follow_the_contract_not_the_calendar():
    cal = build_calendar("jindong-2021", date(2021, 6, 1), date(2023, 5, 31))
    plans = [o for o in cal if o.spec.key == "annual_plan"]
    assert [o.period.key for o in plans] == ["Y1", "Y2"]
    assert plans[0].due_at.date() == date(2021, 7, 1)  # within the first month (31 days)
    assert plans[1].period.start == date(2022, 6, 1)


def test_a_malformed_calendar_is_refused_naming_the_obligation(tmp_path, monkeypatch):
    (tmp_path / "broken.toml").write_text(
        '[scheme]\nid = "broken"\n[[calendar.obligations]]\nkey = "x"\nlabel = "x"\nlabel_en = "x"\nfrequency = "fortnightly"\n'
        'due = "end_of_period"\nclause = "c"\nsource = "seed 000"\n', encoding="utf-8")
    monkeypatch.setattr(reporting, "CALENDAR_DIR", tmp_path)
    reporting.obligations_for.cache_clear()
    try:
        with pytest.raises(CalendarError, match="broken.toml: obligation 'x': frequency"):
            obligations_for("broken")
    finally:
        reporting.obligations_for.cache_clear()


def test_report_fields_are_additive_count_facts_of_the_same_scheme():
    from rules.schemes import load_scheme

    for scheme_id in calendar_scheme_ids():
        scheme = load_scheme(scheme_id)
        for spec in obligations_for(scheme_id):
            for key in spec.fields:
                assert key in scheme.facts, f"{scheme_id}/{spec.key}: {key} is not a fact of the scheme"
                assert scheme.facts[key].kind == "count", f"{scheme_id}/{spec.key}: {key} is not a count"
