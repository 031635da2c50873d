"""The reporting calendar ([calendar]) and the compliance rules in force ([[compliance]]) of a scheme file
(issue #15 §1: "the compliance rules that apply with their parameters become scheme data"): the checker refuses
each kind of bad section at its line, and a good one loads into the scheme the portal keeps.

Every bad file is an edit of the checker's example (tests/rules/schemes/checker/example-2024.toml) with the
sections below appended; the line the problem must be reported on carries the marker ``# <-``."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from rules.schemes.check import ALL_PROBLEM_KEYS, DATA_PROBLEM_KEYS, PROBLEM_KEYS, check_scheme_text

MARK = "  # <-"
SECTIONS = '''
[calendar]
source = "示例考核细则 第三条"

[[calendar.obligations]]
key = "monthly_report"
label = "月度工作报告"
label_en = "Monthly work report"
frequency = "monthly"
due = "day_of_next_period"
day = 10
fields = ["referrals"]
clause = "每月10日前报送上月工作报告"
source = "第三条"

[[compliance]]
rule = "deadlines.monthly_report_late"
item = "work/reports"
fact = "late_reports"
points = 0.2
due_day = 10
obligation = "monthly_report"
clause = "第三条：每月10日前报送上月工作报告，不及时上报的，每次扣0.2分"

[[compliance]]
rule = "conduct.verified_complaint"
item = "quality/satisfaction"
points = 1
'''
BASE = (Path(__file__).parent / "checker" / "example-2024.toml").read_text(encoding="utf-8") + SECTIONS

CASES = [
    ("unknown_rule", 'rule = "conduct.verified_complaint"', 'rule = "conduct.verified_complain"' + MARK),
    ("unknown_item", 'item = "work/reports"', 'item = "work/report"' + MARK),
    ("unknown_fact", 'fact = "late_reports"\npoints = 0.2', 'fact = "late_report"' + MARK + '\npoints = 0.2'),
    ("rule_no_points", 'rule = "conduct.verified_complaint"\nitem = "quality/satisfaction"\npoints = 1',
     'rule = "conduct.credit_grade_d_disqualified"\nitem = "quality/satisfaction"\npoints = 1' + MARK),
    ("no_due_day", 'item = "quality/satisfaction"\npoints = 1', 'item = "quality/satisfaction"\ndue_day = 5' + MARK),
    ("due_day_range", "due_day = 10", "due_day = 31" + MARK),
    ("duplicate_id", 'rule = "conduct.verified_complaint"', 'rule = "deadlines.monthly_report_late"' + MARK),
    ("unknown_frequency", 'frequency = "monthly"\ndue = "day_of_next_period"',
     'frequency = "fortnightly"' + MARK + '\ndue = "day_of_next_period"'),
    ("unknown_due_rule", 'due = "day_of_next_period"', 'due = "soon"' + MARK),
    ("obligation_day", "day = 10\nfields", "day = 0" + MARK + "\nfields"),
    ("unknown_obligation_kind", 'fields = ["referrals"]', 'kind = "memo"' + MARK + '\nfields = ["referrals"]'),
    ("obligation_field", 'fields = ["referrals"]', 'fields = ["satisfaction_pct"]' + MARK),
    ("unknown_obligation", 'obligation = "monthly_report"', 'obligation = "weekly_report"' + MARK),
    ("due_day_mismatch", "due_day = 10", "due_day = 12" + MARK),
    # the plan of a month is due by a day OF that month: linked to an obligation due in the next, the two disagree
    ("obligation_due_rule", 'rule = "deadlines.monthly_report_late"\nitem = "work/reports"\nfact = "late_reports"\n'
     'points = 0.2\ndue_day = 10\nobligation = "monthly_report"',
     'rule = "deadlines.monthly_plan_late"\nitem = "work/reports"\nfact = "late_reports"\n'
     'points = 0.2\ndue_day = 10\nobligation = "monthly_report"' + MARK),
    ("missing_key", 'label_en = "Monthly work report"\n', ""),
    ("unknown_key", 'source = "第三条"\n', 'source = "第三条"\ncolour = "red"' + MARK + "\n"),
]


def _bad_file(old: str, new: str) -> str:
    assert BASE.count(old) == 1, f"not unique in the base file: {old!r}"
    return BASE.replace(old, new)


def _marked(text: str) -> int:
    lines = [n for n, line in enumerate(text.splitlines(), 1) if line.endswith(MARK)]
    return lines[0] if lines else next(n for n, line in enumerate(text.splitlines(), 1)
                                       if line == "[[calendar.obligations]]")


def test_the_base_file_with_its_calendar_and_rules_loads():
    result = check_scheme_text(BASE, file_name="example-2024.toml")
    assert result.ok, result.problems
    scheme = result.scheme
    assert [spec.key for spec in scheme.calendar] == ["monthly_report"]
    assert scheme.calendar[0].day == 10 and scheme.calendar[0].fields == ("referrals",)
    report, complaint = scheme.compliance
    assert (report.rule, report.item, report.fact, report.points, report.due_day) == (
        "deadlines.monthly_report_late", "work/reports", "late_reports", Decimal("0.2"), 10)
    assert report.as_fact() == {"rule": "deadlines.monthly_report_late", "item": "work/reports",
                                "fact": "late_reports", "points": "0.2", "due_day": 10,
                                "clause": "第三条：每月10日前报送上月工作报告，不及时上报的，每次扣0.2分",
                                "obligation": "monthly_report"}
    assert complaint.as_fact() == {"rule": "conduct.verified_complaint", "item": "quality/satisfaction",
                                   "points": "1"}


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_a_bad_section_is_refused_at_its_line(case):
    key, old, new = case
    text = _bad_file(old, new)
    result = check_scheme_text(text, file_name="example-2024.toml")
    assert result.scheme is None
    found = [(p.key, p.line) for p in result.problems]
    assert (key, _marked(text)) in found, found
    assert all(p.key in ALL_PROBLEM_KEYS for p in result.problems)
    json.dumps([p.as_dict() for p in result.problems])


def test_every_kind_of_the_sections_has_a_bad_file_of_its_own():
    assert set(DATA_PROBLEM_KEYS) <= {c[0] for c in CASES}
    assert not set(DATA_PROBLEM_KEYS) & set(PROBLEM_KEYS)


def test_the_shipped_schemes_carry_the_rules_written_for_them_with_the_rules_own_parameters():
    """What was Python (RuleMeta.schemes, the penalty, the item, the fact, the day) is now each shipped file's
    [[compliance]]; the files say the same as the rules' own metadata, so no figure moved."""
    from rules.compliance import list_rules
    from rules.schemes import all_schemes

    for scheme in all_schemes():
        written = [r for r in list_rules() if scheme.id in r.schemes]
        assert [u.rule for u in scheme.compliance] == [r.id for r in written], scheme.id
        for use, meta in zip(scheme.compliance, written):
            assert use.item == meta.scheme_item and use.fact == meta.scheme_fact
            assert use.points == (meta.penalty.points if meta.penalty else None)
            assert use.due_day == meta.due_day and use.clause == meta.clause.cite()
        assert scheme.calendar, f"{scheme.id} has no reporting calendar"


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_every_problem_of_the_sections_reads_in_chinese_and_english(case):
    import re

    from flask_babel import force_locale

    from portal.schemes.problems import problem_line
    from tests.rules.scoring.test_graded_check import _app

    problems = [p for p in check_scheme_text(_bad_file(*case[1:]), file_name="example-2024.toml").problems
                if p.key == case[0]]
    assert problems
    with _app().test_request_context():
        with force_locale("zh"):
            zh = [problem_line(p) for p in problems]
        with force_locale("en"):
            en = [problem_line(p) for p in problems]
    for z, e in zip(zh, en):
        assert re.match(r"^第\d+行：", z) and re.match(r"^Line \d+: ", e), (z, e)
        assert "%(" not in z + e and "{'" not in z + e and z != e and case[0] not in z
