"""The reporting calendar, pinned where the mutation run of issue #18 found it loose: what a `[calendar]` obligation
gets by default, what is refused in it and in which words (rules/schemes/FORMAT.md §6c), the contract years of an
annual obligation up to a term's last day, due moments the day after a period, and build_calendar from a scheme id
or from a scheme version's obligations. Asia/Shanghai time throughout (DOMAIN.md §6.3).

parse_calendar is called directly: obligations_for caches what it read, so a test through it may see an earlier
reading."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from rules.reporting import CalendarError, ObligationSpec, Period, build_calendar, parse_calendar

SH = ZoneInfo("Asia/Shanghai")
WHERE = "demo.toml"


def _raw(**changes):
    """A minimal valid obligation (FORMAT.md §6c: only key, label, label_en, frequency, due, clause, source)."""
    raw = {"key": "monthly_report", "label": "月度工作报告", "label_en": "Monthly work report",
           "frequency": "monthly", "due": "end_of_period", "clause": "每月报送工作报告", "source": "第三条"}
    raw.update(changes)
    return raw


def _refusal(data):
    with pytest.raises(CalendarError) as caught:
        parse_calendar(data, WHERE)
    return str(caught.value)


def _spec(**changes):
    return ObligationSpec(**{"key": "x", "label": "x", "label_en": "x", "frequency": "annual",
                             "due": "day_of_next_period", "day": 5, "clause": "c", "source": "s", **changes})


# --- defaults and fields read ------------------------------------------------------------------------------------

def test_an_obligation_without_the_optional_fields_gets_their_defaults():
    """FORMAT.md §6c: kind defaults to "report", scheme_item and note to "", ledger_types and fields to [] (a tuple
    once read), day to 0 (allowed with due = "end_of_period")."""
    (spec,) = parse_calendar({"obligations": [_raw()]}, WHERE)
    assert spec == ObligationSpec(key="monthly_report", label="月度工作报告", label_en="Monthly work report",
                                  frequency="monthly", due="end_of_period", day=0, clause="每月报送工作报告",
                                  source="第三条", scheme_item="", kind="report", ledger_types=(), fields=(), note="")
    assert (spec.scheme_item, spec.kind, spec.ledger_types, spec.fields, spec.note) == ("", "report", (), (), "")


def test_every_field_given_is_read_as_given():
    """FORMAT.md §6c: an obligation's labels, kind, scheme_item, ledger_types, fields and note are kept as written."""
    raw = _raw(frequency="quarterly", due="day_of_next_period", day=10, kind="ledger", scheme_item="台账建立",
               ledger_types=["jobs", "entrepreneurs"], fields=["referrals", "placements"], note="见附件2")
    (spec,) = parse_calendar({"source": "第三条", "note": "", "obligations": [raw]}, WHERE)
    assert spec == ObligationSpec(key="monthly_report", label="月度工作报告", label_en="Monthly work report",
                                  frequency="quarterly", due="day_of_next_period", day=10, clause="每月报送工作报告",
                                  source="第三条", scheme_item="台账建立", kind="ledger",
                                  ledger_types=("jobs", "entrepreneurs"), fields=("referrals", "placements"),
                                  note="见附件2")
    assert (spec.label, spec.label_en, spec.scheme_item, spec.kind, spec.note) == (
        "月度工作报告", "Monthly work report", "台账建立", "ledger", "见附件2")
    assert spec.ledger_types == ("jobs", "entrepreneurs") and spec.fields == ("referrals", "placements")


def test_no_calendar_is_nothing_due():
    """FORMAT.md §6c: a scheme without [calendar] has nothing due under it."""
    assert parse_calendar(None, WHERE) == ()


# --- refusals, word for word -------------------------------------------------------------------------------------

def test_an_obligation_that_is_not_a_table_is_refused():
    """FORMAT.md §6c: each obligation is a [[calendar.obligations]] table."""
    assert _refusal({"obligations": ["monthly_report"]}) == (
        "demo.toml: an obligation is a table ([[calendar.obligations]])")


@pytest.mark.parametrize("day", ["5", True, 5.0])
def test_a_day_that_is_not_a_whole_number_is_refused_even_when_the_due_rule_needs_none(day):
    """FORMAT.md §6c: day is a whole number (a string, a boolean or a float is not), whatever the due rule."""
    assert _refusal({"obligations": [_raw(day=day)]}) == (
        "demo.toml: obligation 'monthly_report': 'day' must be a whole number")


@pytest.mark.parametrize("name", ["ledger_types", "fields"])
@pytest.mark.parametrize("value", ["jobs", [""], [1], ["jobs", ""]])
def test_ledger_types_and_fields_must_be_lists_of_names(name, value):
    """FORMAT.md §6c: ledger_types and fields are lists of names: not a bare string, no empty or non-text entry."""
    assert _refusal({"obligations": [_raw(**{name: value})]}) == (
        f"demo.toml: obligation 'monthly_report': '{name}' must be a list of names")


def test_an_unknown_kind_is_refused():
    """FORMAT.md §6c: kind is one of report, attendance, ledger, events."""
    assert _refusal({"obligations": [_raw(kind="weekly")]}) == (
        "demo.toml: obligation 'monthly_report': kind must be one of ('report', 'attendance', 'ledger', 'events')")


def test_unknown_fields_of_the_calendar_table_are_refused_sorted():
    """FORMAT.md §6c: [calendar] holds source, note and obligations only."""
    assert _refusal({"source": "s", "owner": "x", "colour": "red", "obligations": [_raw()]}) == (
        "demo.toml: [calendar] has unknown fields ['colour', 'owner']")


@pytest.mark.parametrize("data", [{"source": "第三条"}, {"obligations": []}, {"obligations": "monthly_report"}])
def test_a_calendar_without_obligations_is_refused(data):
    """FORMAT.md §6c: a [calendar] has at least one [[calendar.obligations]]."""
    assert _refusal(data) == "demo.toml: [calendar] has no obligations ([[calendar.obligations]])"


def test_two_obligations_with_one_key_are_refused():
    """FORMAT.md §6c: key is unique within the calendar."""
    assert _refusal({"obligations": [_raw(), _raw(label="又一个")]}) == "demo.toml: duplicate obligation keys"


def test_an_unknown_due_rule_in_a_scheme_versions_obligations_is_refused_naming_it():
    """FORMAT.md §6c: due is one of DUE_RULES; an ObligationSpec made without the loader is checked when laid out."""
    with pytest.raises(CalendarError) as caught:
        build_calendar([_spec(due="soon")], date(2024, 3, 1), date(2024, 3, 31))
    assert str(caught.value) == "x: unknown due rule 'soon'"


# --- periods and due moments -------------------------------------------------------------------------------------

def test_a_term_ending_on_a_contract_years_first_day_has_that_one_day_year():
    """FORMAT.md §6c: annual = contract years from the start date; the term's last day, 1 March 2025, starts a
    second contract year (one day long), which is owed. A one-day term is one contract year."""
    cal = build_calendar([_spec(due="end_of_period")], date(2024, 3, 1), date(2025, 3, 1))
    assert [(o.period, o.due_at) for o in cal] == [
        (Period("Y1", date(2024, 3, 1), date(2025, 2, 28)), datetime(2025, 2, 28, 23, 59, 59, tzinfo=SH)),
        (Period("Y2", date(2025, 3, 1), date(2025, 3, 1)), datetime(2025, 3, 1, 23, 59, 59, tzinfo=SH))]
    one_day = build_calendar([_spec(due="end_of_period")], date(2024, 3, 1), date(2024, 3, 1))
    assert [o.period for o in one_day] == [Period("Y1", date(2024, 3, 1), date(2024, 3, 1))]


def test_contract_years_follow_each_other_day_after_day():
    """FORMAT.md §6c: annual periods are contract years from the start date, each starting the day after the last
    ended; the last is cut at the term's end."""
    cal = build_calendar([_spec(due="end_of_period")], date(2024, 3, 15), date(2026, 6, 30))
    assert [o.period for o in cal] == [Period("Y1", date(2024, 3, 15), date(2025, 3, 14)),
                                       Period("Y2", date(2025, 3, 15), date(2026, 3, 14)),
                                       Period("Y3", date(2026, 3, 15), date(2026, 6, 30))]


def test_a_report_due_by_the_5th_of_the_month_after_each_month():
    """FORMAT.md §6c day_of_next_period: day 5 of the month after the period (the day after the period ends), by
    23:59:59 Asia/Shanghai (DOMAIN.md §6.3): February 2024's report by 5 March, December's by 5 January."""
    cal = build_calendar([_spec(frequency="monthly")], date(2024, 2, 1), date(2024, 12, 31))
    assert cal[0].key == "x:2024-02" and cal[0].due_at == datetime(2024, 3, 5, 23, 59, 59, tzinfo=SH)
    assert cal[-1].key == "x:2024-12" and cal[-1].due_at == datetime(2025, 1, 5, 23, 59, 59, tzinfo=SH)
    assert len(cal) == 11


def test_a_contract_years_report_due_the_month_after_a_year_cut_short_by_the_term():
    """FORMAT.md §6c day_of_next_period with contract years: a year from 1 June 2024 cut short on 30 April 2025 by
    the term is due on day 5 of the month after it, May 2025."""
    cal = build_calendar([_spec()], date(2024, 6, 1), date(2025, 4, 30))
    assert [(o.key, o.due_at) for o in cal] == [("x:Y1", datetime(2025, 5, 5, 23, 59, 59, tzinfo=SH))]


def test_a_report_of_a_period_ending_mid_month_is_due_in_the_month_after_never_inside_the_period():
    """FORMAT.md §6c: day_of_next_period is day `day` of the month after the period. A contract year from
    15 March 2024 ends 14 March 2025: its report is due 5 April 2025, not 5 March (inside the year); a week ending
    Sunday 17 March 2024 is due 5 April, a week ending 31 March 2024 is due 5 April too; a year ending in December
    is due in January (found by the mutation run of 2026-12-06: the due day was taken in the month of the day
    after the period, so a period ending mid-month was due before it ended)."""
    cal = build_calendar([_spec()], date(2024, 3, 15), date(2026, 3, 14))
    assert [(o.key, o.due_at) for o in cal] == [("x:Y1", datetime(2025, 4, 5, 23, 59, 59, tzinfo=SH)),
                                               ("x:Y2", datetime(2026, 4, 5, 23, 59, 59, tzinfo=SH))]
    weekly = build_calendar([_spec(frequency="weekly")], date(2024, 3, 11), date(2024, 3, 31))
    assert all(o.due_at.date() == date(2024, 4, 5) for o in weekly) and len(weekly) == 3
    assert all(o.due_at.date() > o.period.end for o in weekly)
    december = build_calendar([_spec()], date(2024, 1, 1), date(2024, 12, 31))
    assert [(o.key, o.due_at) for o in december] == [("x:Y1", datetime(2025, 1, 5, 23, 59, 59, tzinfo=SH))]


def test_build_calendar_takes_a_scheme_versions_obligations_as_well_as_a_scheme_id():
    """FORMAT.md §6c: build_calendar(scheme.calendar, starts_on, ends_on) lays out a stored version's obligations
    (any sequence of ObligationSpec), as it does a shipped scheme's by id."""
    specs = parse_calendar({"obligations": [_raw(due="day_of_period", day=5)]}, WHERE)
    for scheme in (specs, list(specs)):
        cal = build_calendar(scheme, date(2024, 3, 10), date(2024, 4, 9))
        assert [(o.key, o.due_at) for o in cal] == [
            ("monthly_report:2024-03", datetime(2024, 3, 5, 23, 59, 59, tzinfo=SH)),
            ("monthly_report:2024-04", datetime(2024, 4, 5, 23, 59, 59, tzinfo=SH))]
    by_id = build_calendar("qianxi-2022", date(2022, 3, 1), date(2022, 3, 31))
    assert "monthly_job_info:2022-03" in [o.key for o in by_id]
