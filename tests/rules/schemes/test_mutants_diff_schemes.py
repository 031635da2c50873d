"""What changed in a scheme's reporting calendar between two versions (rules/schemes/diff.py diff_schemes), as the
bureau reads it before adopting the new version (issue #18: survivors of rules.schemes.diff diff_schemes).

A `[[calendar.obligations]]` entry (rules/schemes/FORMAT.md, the reporting calendar) is known by its `key` and
named by its `label`: an obligation dropped, one added and one whose label and day moved are each listed in the
"obligation" section, keyed by the obligation's key and titled by its (new) label, field by field.
"""
from __future__ import annotations

from pathlib import Path

from rules.schemes.check import check_scheme_text
from rules.schemes.diff import Change, diff_schemes

NAME = "example-2024.toml"
EXAMPLE = (Path(__file__).parent / "checker" / NAME).read_text(encoding="utf-8")
CALENDAR = '\n[calendar]\nsource = "示例考核细则 第三条"\n'


def _obligation(key: str, label: str, frequency: str, day: int, clause: str) -> str:
    return (f'\n[[calendar.obligations]]\nkey = "{key}"\nlabel = "{label}"\nlabel_en = "{key}"\n'
            f'frequency = "{frequency}"\ndue = "day_of_next_period"\nday = {day}\nclause = "{clause}"\n'
            'source = "第三条"\n')


def _scheme(*obligations: str):
    calendar = CALENDAR + "".join(obligations) if obligations else ""  # a calendar has at least one obligation
    result = check_scheme_text(EXAMPLE + calendar, file_name=NAME)
    assert result.problems == []
    return result.scheme


MONTHLY = _obligation("monthly_report", "月度工作报告", "monthly", 10, "每月10日前报送上月工作报告")
MONTHLY_NEW = _obligation("monthly_report", "月度工作报告（含台账）", "monthly", 5, "每月10日前报送上月工作报告")
QUARTERLY = _obligation("quarterly_summary", "季度工作总结", "quarterly", 15, "每季度结束后15日内报送工作总结")
ANNUAL = _obligation("annual_plan", "年度工作计划", "annual", 31, "次年1月31日前报送年度工作计划")


def test_obligations_removed_added_and_changed_are_listed_by_key_and_label():
    old, new = _scheme(MONTHLY, QUARTERLY), _scheme(MONTHLY_NEW, ANNUAL)
    assert diff_schemes(old, new) == [
        Change("obligation", "removed", "quarterly_summary", "季度工作总结"),
        Change("obligation", "changed", "monthly_report", "月度工作报告（含台账）", "label",
               "月度工作报告", "月度工作报告（含台账）"),
        Change("obligation", "changed", "monthly_report", "月度工作报告（含台账）", "day", "10", "5"),
        Change("obligation", "added", "annual_plan", "年度工作计划"),
    ]


def test_a_calendar_added_to_a_scheme_lists_each_obligation_as_added():
    """And taken away, each as removed."""
    assert diff_schemes(_scheme(), _scheme(MONTHLY, QUARTERLY)) == [
        Change("obligation", "added", "monthly_report", "月度工作报告"),
        Change("obligation", "added", "quarterly_summary", "季度工作总结"),
    ]
    assert diff_schemes(_scheme(MONTHLY, QUARTERLY), _scheme()) == [
        Change("obligation", "removed", "monthly_report", "月度工作报告"),
        Change("obligation", "removed", "quarterly_summary", "季度工作总结"),
    ]
