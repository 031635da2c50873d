"""What changed between two versions of a scheme (rules/schemes/diff.py), as the bureau reads it before adopting
the new version (issue #18: survivors in `text` and `condition_text` of the full run of 2026-12-06).

A value reads as the document writes it (diff.py, `text`): nothing where the document says nothing (a stage no
longer tied to a cycle, a bonus cap newly set); a deduction entry by its label and its figures, the file's plumbing
(which fact, which kind) left out; a veto's conditions as formulas with the signs > ≤ < (FORMAT.md, a condition's
more_than / at_most / less_than).
"""
from __future__ import annotations

from rules.schemes.diff import Change, diff_schemes
from tests.rules.schemes.test_mutants_diff import EXAMPLE, _edit, _scheme


def test_a_veto_s_conditions_read_with_the_signs_more_than_at_most_and_less_than():
    new = _edit(EXAMPLE, ('when = { fact = "incidents", at_least = 1 }',
                          'when = [{ fact = "incidents", more_than = 1 }, { fact = "satisfaction_pct", at_most = 50 }, '
                          '{ fact = "referrals", less_than = 100 }]'))
    assert diff_schemes(_scheme(EXAMPLE), _scheme(new)) == [
        Change("veto", "changed", "major_incident", "major_incident", "when", "incidents ≥ 1",
               "incidents > 1、satisfaction_pct ≤ 50、referrals < 100")]


def test_a_deduction_entry_reads_as_its_label_and_figures_without_the_file_s_plumbing():
    # 月度报告: "不及时上报的，每次扣0.1分" becomes 0.2 a time. The item starts at 2, not below 0; its entry reads
    # 迟报, 0.2 each, per 1 report (not its fact late_reports or its kind "each")
    new = _edit(EXAMPLE, ('deductions = [{ label = "迟报", fact = "late_reports", each = 0.1 }]',
                          'deductions = [{ label = "迟报", fact = "late_reports", each = 0.2 }]'))
    assert diff_schemes(_scheme(EXAMPLE), _scheme(new)) == [
        Change("item", "changed", "work/reports", "月度报告", "params", "2；0；迟报 0.1 1", "2；0；迟报 0.2 1")]


def test_a_value_the_document_does_not_give_reads_as_nothing():
    no_cycle = _edit(EXAMPLE, ('id = "first"\ncycle = "half_1"\n', 'id = "first"\n'))
    assert diff_schemes(_scheme(EXAMPLE), _scheme(no_cycle)) == [
        Change("stage", "changed", "first", "上半年考核后支付30%", "cycle", "half_1", "")]
    capped = _edit(EXAMPLE, ('clause = "12分（含）以上为合格"', 'clause = "12分（含）以上为合格"\nbonus_cap = 2'))
    assert diff_schemes(_scheme(EXAMPLE), _scheme(capped)) == [
        Change("result", "changed", "result", "", "bonus_cap", "", "2")]
