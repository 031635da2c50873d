"""The scheme-file checker (rules/schemes/check.py): each kind of bad file refused at its line.

Every bad file is an edit of checker/example-2024.toml (a valid scheme): the edit replaces one unique
piece of text, and the line the problem must be reported on carries the marker ``# <-`` (or the case
names the line when the edit removes it).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from rules.schemes import SCHEME_DIR, load_scheme, scheme_ids
from rules.schemes.check import PROBLEM_KEYS, check_scheme_text
from rules.scoring import score

BASE = (Path(__file__).parent / "checker" / "example-2024.toml").read_text(encoding="utf-8")
MARK = "  # <-"

# (problem key, text to replace, replacement with the marker on the line expected, [explicit line])
CASES = [
    ("toml_syntax", 'title = "示例考核细则"', 'title = "示例考核细则' + MARK),
    ("toml_syntax", 'source = "example"', 'source = "example"\nsource = "again"' + MARK),
    ("unknown_table", "[extra.contract]", "[scoring]" + MARK + "\nx = 1\n\n[extra.contract]"),
    ("missing_table", '[result]\npass_mark = 12\npass_inclusive = true\nclause = "12分（含）以上为合格"\n', "", 1),
    ("unknown_key", 'title = "月度报告"', 'title = "月度报告"\ntitel = "月报"' + MARK),
    ("missing_key", '[facts.late_reports]\nmeaning = "月度报告迟交次数 / monthly reports submitted late"\n',
     "[facts.late_reports]" + MARK + "\n"),
    ("missing_clause", 'each = 0.1 }]\n\n[[categories.items]]\nid = "innovation"\ntitle = "工作创新"\nmax = 3\n'
     'clause = "创新工作做法并取得成效"\n',
     'each = 0.1 }]\n\n[[categories.items]]' + MARK + '\nid = "innovation"\ntitle = "工作创新"\nmax = 3\n'),
    ("missing_clause", 'clause = "有年度工作计划的得3分"', 'clause = ""' + MARK),
    ("wrong_type", 'title = "推荐就业"\nmax = 5', 'title = "推荐就业"\nmax = "5"' + MARK),
    ("empty_text", 'title = "满意度"', 'title = " "' + MARK),
    ("bad_id", 'id = "reports"', 'id = "Reports"' + MARK),
    ("scheme_id_mismatch", 'id = "example-2024"', 'id = "example-2025"' + MARK),
    ("bad_date", "effective_date = 2024-01-01", 'effective_date = "2024年1月1日"' + MARK),
    ("bad_date", "effective_date = 2024-01-01", "effective_date = 2024-01-01T08:00:00" + MARK),
    ("duplicate_id", 'id = "reports"', 'id = "referrals"' + MARK),
    ("duplicate_id", 'id = "quality"', 'id = "work"' + MARK),
    ("no_cycles", '[[cycles]]\nid = "half_1"\nlabel = "上半年"\nmonths = 6\n\n[[cycles]]\nid = "half_2"\n'
     'label = "下半年"\nmonths = 6\n', "", 1),
    ("cycle_months", 'label = "上半年"\nmonths = 6', 'label = "上半年"\nmonths = 0' + MARK),
    ("cycles_gap", 'label = "下半年"\nmonths = 6', 'label = "下半年"\nmonths = 5' + MARK),
    ("cycles_overlap", 'label = "下半年"\nmonths = 6', 'label = "下半年"\nmonths = 9' + MARK),
    ("unknown_cycle", 'cycle = "half_2"', 'cycle = "half_3"' + MARK),
    ("pass_mark_out_of_range", "pass_mark = 12", "pass_mark = 25" + MARK),
    ("unknown_fact_kind", 'kind = "count"\nunit = "次"\nexample = 1\n', 'kind = "integer"' + MARK + '\nunit = "次"\nexample = 1\n'),
    ("fact_no_kind", '[facts.referrals]\nmeaning = "推荐人数 / job-seekers referred"\nkind = "count"\n',
     '[facts.referrals]' + MARK + '\nmeaning = "推荐人数 / job-seekers referred"\n'),
    ("fact_no_unit", '[facts.late_reports]\nmeaning = "月度报告迟交次数 / monthly reports submitted late"\nkind = "count"\nunit = "次"\n',
     '[facts.late_reports]' + MARK + '\nmeaning = "月度报告迟交次数 / monthly reports submitted late"\nkind = "count"\n'),
    ("fact_range_inverted", 'kind = "judgement"\nmin = 0', 'kind = "judgement"\nmin = 4' + MARK),
    ("judgement_needs_range", '[facts.innovation]\nmeaning = "工作创新（评审打分） / innovation, judged"\nkind = "judgement"\nmin = 0\nmax = 3\n',
     '[facts.innovation]' + MARK + '\nmeaning = "工作创新（评审打分） / innovation, judged"\nkind = "judgement"\nmin = 0\n'),
    ("range_not_allowed", 'kind = "bool"\nexample = true', 'kind = "bool"\nmax = 1' + MARK + '\nexample = true'),
    ("choices_empty", 'choices = ["A", "B", "C", "D"]', "choices = []" + MARK),
    ("duplicate_choice", 'choices = ["A", "B", "C", "D"]', 'choices = ["A", "B", "B", "D"]' + MARK),
    ("choices_not_allowed", 'kind = "bool"\nexample = true', 'kind = "bool"\nchoices = ["是", "否"]' + MARK + '\nexample = true'),
    ("bad_example", "example = 1950", "example = -5" + MARK),
    ("bad_example", 'example = { value = 2, reason = "新建线上平台" }', 'example = { value = 5, reason = "新建线上平台" }' + MARK),
    ("unknown_op", "[[categories]]\nid = \"work\"",
     '[derived.total_reports]\nmeaning = "合计"\nunit = "次"\nop = "add"' + MARK + '\nargs = ["late_reports", "incidents"]\n\n'
     '[[categories]]\nid = "work"'),
    ("derived_args", "[[categories]]\nid = \"work\"",
     '[derived.ratio]\nmeaning = "比例"\nunit = "%"\nop = "percent"\nargs = ["late_reports"]' + MARK + '\n\n'
     '[[categories]]\nid = "work"'),
    ("unknown_fact", 'fact = "late_reports", each = 0.1 }]', 'fact = "late_report", each = 0.1 }]' + MARK),
    ("unknown_fact", 'fact = "credit_grade"', 'fact = "credit"' + MARK),
    ("fact_kind_mismatch", 'method = "judgement"\nfact = "innovation"', 'method = "judgement"\nfact = "referrals"' + MARK),
    ("bad_condition", 'when = { fact = "has_plan", is = true } }]', 'when = { fact = "has_plan", is = "yes" } }]' + MARK),
    ("bad_condition", 'when = { fact = "incidents", at_least = 1 }', 'when = { fact = "has_plan", at_least = 1 }' + MARK),
    ("empty_children", "", '\n[[categories]]' + MARK + '\nid = "spare"\ntitle = "其他"\nmax = 0\nclause = "其他"\nitems = []\n'),
    ("unknown_item_kind", 'kind = "bonus"', 'kind = "extra"' + MARK),
    ("group_kind", 'title = "服务质量"', 'title = "服务质量"\nkind = "bonus"' + MARK),
    ("method_and_children", 'title = "服务质量"', 'title = "服务质量"\nmethod = "fixed"' + MARK),
    ("no_method", '[[categories.items]]\nid = "innovation"\ntitle = "工作创新"\nmax = 3\nclause = "创新工作做法并取得成效"\nmethod = "judgement"\n',
     '[[categories.items]]' + MARK + '\nid = "innovation"\ntitle = "工作创新"\nmax = 3\nclause = "创新工作做法并取得成效"\n'),
    ("unknown_method", 'method = "levels"', 'method = "grades"' + MARK),
    ("negative", 'points_per_unit = 1', 'points_per_unit = -1' + MARK),
    ("negative", 'each = 0.1 }]', 'each = -0.1 }]' + MARK),
    ("not_positive", "max_total = 20", "max_total = 0" + MARK),
    # the least the loader takes, said in the author's words (was the loader's English under "invalid")
    ("too_small", "max_total = 20", "max_total = 0.5" + MARK),
    ("too_small", "points_per_unit = 1", "points_per_unit = 1\nunit = 0.0000001" + MARK),
    ("points_sum", 'max = 10\nclause = "工作（10分）"', 'max = 9' + MARK + '\nclause = "工作（10分）"'),
    ("points_sum", "max_total = 20", "max_total = 25" + MARK),
    ("exceeds_max", '{ min = 80, points = 4, label = "80%以上" },', '{ min = 80, points = 5, label = "80%以上" },' + MARK),
    ("exceeds_max", "cap = 2\n", "cap = 2" + MARK + "\nmax = 1\n"),
    ("checklist_short", 'points = 3, when = { fact = "has_plan", is = true } }]', 'points = 2, when = { fact = "has_plan", is = true } }]' + MARK),
    ("empty_list", 'deductions = [{ label = "迟报", fact = "late_reports", each = 0.1 }]', "deductions = []" + MARK),
    ("band_inverted", '{ min = 60, max = 80, points = 2, label = "60%至80%" },', '{ min = 90, max = 80, points = 2, label = "60%至80%" },' + MARK),
    # a band no value can be in: [60, 60) (once accepted in silence: the tier could never award its points)
    ("band_empty", '{ min = 60, max = 80, points = 2, label = "60%至80%" },',
     '{ min = 60, max = 60, points = 2, label = "60%" },' + MARK),
    ("bands_overlap", '{ min = 60, max = 80, points = 2, label = "60%至80%" },', '{ min = 60, max = 81, points = 2, label = "60%至80%" },' + MARK),
    ("bands_gap", "min = 12\nmax = 16", "min = 12\nmax = 15" + MARK),
    ("band_out_of_range", '{ min = 80, points = 4, label = "80%以上" },', '{ min = 120, points = 4, label = "80%以上" },' + MARK),
    ("band_out_of_range", "min = 16\nratio = 1.00", "min = 23" + MARK + "\nratio = 1.00"),
    ("levels_choices", "points = { A = 3, B = 2, C = 1, D = 0 }", "points = { A = 3, B = 2, C = 1 }" + MARK),
    ("weight_out_of_range", "ratio = 0.80", "ratio = 1.20" + MARK),
    ("weight_out_of_range", "advance_share = 0.40", "advance_share = 1.40" + MARK),
    ("shares_sum", "advance_share = 0.40", "advance_share = 0.30" + MARK),
    ("bonus_uncapped", '[[categories.items]]\nid = "media"\ntitle = "媒体报道"\nkind = "bonus"\ncap = 2\n',
     '[[categories.items]]' + MARK + '\nid = "media"\ntitle = "媒体报道"\nkind = "bonus"\n'),
    ("unknown_veto_effect", 'effect = "fail"', 'effect = "warn"' + MARK),
    ("invalid", 'title = "工作计划"\nmax = 3', 'title = "工作计划"\nuncapped = true' + MARK + '\nmax = 3'),
]


def _bad_file(old: str, new: str) -> str:
    if old:
        assert BASE.count(old) == 1, f"not unique in the base file: {old!r}"
        return BASE.replace(old, new)
    return BASE + new


def _expected_line(text: str, case: tuple) -> int:
    if len(case) > 3:
        return case[3]
    lines = [n for n, line in enumerate(text.splitlines(), 1) if line.endswith(MARK)]
    assert len(lines) == 1, "mark exactly one line"
    return lines[0]


def test_the_base_file_passes_and_scores():
    result = check_scheme_text(BASE, file_name="example-2024.toml")
    assert result.ok and result.problems == []
    scheme = result.scheme
    facts = {key: spec.example for key, spec in scheme.facts.items()}
    assert str(score(scheme, facts).total) == "19.40"


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_a_bad_file_is_refused_with_its_line(case):
    key, old, new = case[:3]
    text = _bad_file(old, new)
    result = check_scheme_text(text, file_name="example-2024.toml")
    assert result.scheme is None
    found = [(p.key, p.line) for p in result.problems]
    assert (key, _expected_line(text, case)) in found, found
    assert all(p.key in PROBLEM_KEYS for p in result.problems)
    json.dumps([p.as_dict() for p in result.problems])  # parameters are data: JSON-able as they stand


def test_at_least_fifteen_kinds_are_covered_each_by_its_own_file():
    kinds = {c[0] for c in CASES} | {"encoding"}
    assert len(kinds) >= 15
    # every key the checker can raise has a bad file, except the ones only a broken text can give
    assert set(PROBLEM_KEYS) - kinds <= {"no_categories"}


def test_a_file_that_is_not_utf8_is_refused_at_the_line_of_the_first_bad_byte():
    raw = BASE.replace('title = "示例考核细则"', 'title = "GBK"').encode("utf-8")
    raw = raw.replace(b'"GBK"', '"示例考核细则"'.encode("gbk"))
    result = check_scheme_text(raw)
    assert [(p.key, p.line) for p in result.problems] == [("encoding", 4)]


def test_the_syntax_error_carries_line_column_and_a_reason():
    text = BASE.replace("pass_mark = 12", "pass_mark = = 12")
    [problem] = check_scheme_text(text).problems
    line = text.splitlines().index("pass_mark = = 12") + 1
    assert (problem.key, problem.line, problem.column) == ("toml_syntax", line, 13)
    assert problem.params["reason"] == "invalid_value" and problem.params["detail"]


def test_many_problems_are_found_in_one_pass_in_file_order_with_columns():
    text = (BASE.replace('method = "levels"', 'method = "grades"')
                .replace('fact = "late_reports", each = 0.1', 'fact = "late_report", each = 0.1')
                .replace('effective_date = 2024-01-01', 'effective_date = "2024"'))
    problems = check_scheme_text(text).problems
    assert [p.key for p in problems] == ["bad_date", "unknown_fact", "unknown_method"]
    assert [p.line for p in problems] == sorted(p.line for p in problems)
    unknown = problems[1]
    line = text.splitlines()[unknown.line - 1]
    assert line[unknown.column - 1:].startswith("fact = \"late_report\"")
    assert unknown.path == "categories[work].items[reports].deductions[0].fact"
    assert unknown.params == {"fact": "late_report"}


def test_the_line_of_an_item_is_found_in_the_right_array_element():
    text = BASE.replace('title = "信用等级"\nmax = 3', 'title = "信用等级"\nmax = 3.5')
    problems = check_scheme_text(text).problems
    assert problems[0].key == "points_sum" and problems[0].path == "categories[quality].max"
    assert text.splitlines()[problems[0].line - 1] == "max = 10"
    assert text.splitlines()[problems[0].line - 3] == 'id = "quality"'


def test_without_a_file_name_any_scheme_id_is_accepted():
    text = BASE.replace('id = "example-2024"', 'id = "example-2025"')
    assert check_scheme_text(text).ok


@pytest.mark.parametrize("scheme_id", scheme_ids())
def test_every_shipped_scheme_passes_and_is_the_scheme_the_loader_gives(scheme_id):
    path = SCHEME_DIR / f"{scheme_id}.toml"
    result = check_scheme_text(path.read_bytes(), file_name=path.name)
    assert result.problems == []
    loaded = load_scheme(scheme_id)
    assert result.scheme.sha256 == loaded.sha256
    assert result.scheme.version == loaded.version and result.scheme.leaves() == loaded.leaves()
