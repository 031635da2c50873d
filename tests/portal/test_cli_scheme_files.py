"""Issue #15 (item 5): `schemes check`, `schemes test`, `score` over many files, `schemes ID --facts`."""
from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from portal.schemes.problems import problem_line, problem_text
from rules.schemes import SCHEME_DIR, load_scheme, scheme_ids
from rules.schemes.check import check_scheme_text
from tests.rules.schemes.test_check import CASES as BAD_FILES, _bad_file

CHECKER = Path(__file__).resolve().parents[1] / "rules" / "schemes" / "checker"
EXAMPLE = CHECKER / "example-2024.toml"
EXAMPLE_CASES = CHECKER / "example-2024.cases.toml"
TWO = re.compile(r"^-?\d+\.\d{2}$")


@pytest.fixture
def cli(app):
    return app.test_cli_runner()


def _bad(tmp_path, old: str, new: str) -> str:
    path = tmp_path / "example-2024.toml"
    path.write_text(_bad_file(old, new), encoding="utf-8")
    return str(path)


# -- schemes check ----------------------------------------------------------------------------------

def test_check_passes_a_good_file_and_every_shipped_scheme(cli):
    result = cli.invoke(args=["schemes", "check", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("通过：example-2024") and "满分20" in result.output
    for scheme_id in scheme_ids():
        assert cli.invoke(args=["schemes", "check", str(SCHEME_DIR / f"{scheme_id}.toml")]).exit_code == 0


def test_check_prints_each_problem_with_its_line_in_chinese_and_exits_1(cli, tmp_path):
    path = _bad(tmp_path, 'method = "levels"', 'method = "grades"')
    text = Path(path).read_text(encoding="utf-8")
    line = text.splitlines().index('method = "grades"') + 1
    result = cli.invoke(args=["schemes", "check", path])
    assert result.exit_code == 1
    assert result.output.strip() == (f"第{line}行：未知的计分方法“grades”（可用：fixed、checklist、per_unit、tiers、levels、"
                                     "base_steps、deductions、judgement、rank）")


def test_check_in_english_with_lang_en(cli, tmp_path):
    path = _bad(tmp_path, "max_total = 20", "max_total = 25")
    result = cli.invoke(args=["schemes", "check", path, "--lang", "en"])
    assert result.exit_code == 1
    assert result.output.strip() == "Line 10: The categories add up to 20, not the maximum (max_total) 25"


def test_check_as_json_gives_line_column_key_params_and_message(cli, tmp_path):
    path = _bad(tmp_path, 'fact = "late_reports", each = 0.1 }]', 'fact = "late_report", each = 0.1 }]')
    result = cli.invoke(args=["schemes", "check", path, "--json"])
    assert result.exit_code == 1
    out = json.loads(result.output)
    [problem] = out["problems"]
    assert out["ok"] is False and problem["key"] == "unknown_fact" and problem["params"] == {"fact": "late_report"}
    assert problem["column"] > 1 and "late_report" in problem["message"]


def test_check_refuses_a_syntax_error_with_its_line(cli, tmp_path):
    path = _bad(tmp_path, 'title = "示例考核细则"', 'title = "示例考核细则')
    result = cli.invoke(args=["schemes", "check", path])
    assert result.exit_code == 1 and result.output.startswith("第4行：TOML格式错误：")


@pytest.mark.parametrize("case", BAD_FILES, ids=[f"{c[0]}-{i}" for i, c in enumerate(BAD_FILES)])
def test_every_problem_reads_in_both_languages_with_nothing_left_unfilled(app, case):
    problems = check_scheme_text(_bad_file(case[1], case[2]), file_name="example-2024.toml").problems
    assert problems
    from flask_babel import force_locale

    with app.test_request_context():
        with force_locale("zh"):
            zh = [problem_line(p) for p in problems]
        with force_locale("en"):
            en = [problem_line(p) for p in problems]
    for z, e in zip(zh, en):
        assert re.match(r"^第\d+行：", z) and re.match(r"^Line \d+: ", e)
        assert "%(" not in z + e and "{'" not in z + e
        assert z != e and not re.search(r"[\u4e00-\u9fff]", problem_text_en_without_params(app, problems[zh.index(z)]))


def problem_text_en_without_params(app, problem) -> str:
    """The English sentence with the file's own words (its ids, labels, values) taken out: no Chinese left."""
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("en"):
        text = problem_text(problem)
    for value in problem.params.values():
        for part in value if isinstance(value, list) else [value]:
            text = text.replace(str(part), "")
    return re.sub(r"人|次|分", "", text)  # the example units the unit message quotes


# -- schemes test -----------------------------------------------------------------------------------

def test_test_runs_the_cases_and_exits_0_when_all_pass(cli):
    result = cli.invoke(args=["schemes", "test", str(EXAMPLE), str(EXAMPLE_CASES)])
    assert result.exit_code == 0, result.output
    assert "✓ 用例1 “推荐1950人，迟报1次，评审2分”" in result.output and "3个用例，3个通过，0个未通过" in result.output


def test_test_reports_each_failing_case_with_expected_and_actual(cli, tmp_path):
    cases = tmp_path / "cases.toml"
    cases.write_text(EXAMPLE_CASES.read_text(encoding="utf-8").replace('total = "19.40"', 'total = "19.50"')
                     .replace('"work/reports" = 1.90', '"work/reports" = 2'), encoding="utf-8")
    result = cli.invoke(args=["schemes", "test", str(EXAMPLE), str(cases)])
    assert result.exit_code == 1
    assert "✗ 用例1 “推荐1950人，迟报1次，评审2分”未通过：" in result.output
    assert "总分：预期 19.50，实际 19.40" in result.output
    assert "评分项work/reports（月度报告）：预期 2.00，实际 1.90" in result.output
    assert "3个用例，2个通过，1个未通过" in result.output
    en = cli.invoke(args=["schemes", "test", str(EXAMPLE), str(cases), "--lang", "en"])
    assert "Total: expected 19.50, got 19.40" in en.output and "3 cases, 2 passed, 1 failed" in en.output


def test_test_takes_json_cases_and_a_shipped_scheme_id(cli, tmp_path):
    scheme = load_scheme("qianxi-2022")
    facts = {key: spec.example for key, spec in scheme.facts.items()}
    cases = tmp_path / "cases.json"
    cases.write_text(json.dumps({"cases": [{"name": "示例", "facts": facts, "expect": {"total": "85.00", "passed": True}}]},
                                ensure_ascii=False, default=str), encoding="utf-8")
    result = cli.invoke(args=["schemes", "test", "qianxi-2022", str(cases)])
    assert result.exit_code == 0, result.output


def test_test_refuses_a_bad_scheme_file_or_a_broken_cases_file(cli, tmp_path):
    bad = _bad(tmp_path, 'effect = "fail"', 'effect = "warn"')
    result = cli.invoke(args=["schemes", "test", bad, str(EXAMPLE_CASES)])
    assert result.exit_code == 1 and "未知的否决后果“warn”" in result.output
    broken = tmp_path / "broken.toml"
    broken.write_text("[[cases]]\nname = 'x'\n", encoding="utf-8")
    result = cli.invoke(args=["schemes", "test", str(EXAMPLE), str(broken)])
    assert result.exit_code == 1 and "第1个用例缺少数据（facts）" in result.output


# -- score over many files --------------------------------------------------------------------------

def _facts_files(tmp_path, scheme_id: str, n: int) -> list[str]:
    scheme = load_scheme(scheme_id)
    base = {key: spec.example for key, spec in scheme.facts.items()}
    paths = []
    for i in range(n):
        facts = dict(base)
        if i % 3 == 1:
            del facts["workers_registered"]
        path = tmp_path / f"facts-{i:03}.json"
        path.write_text(json.dumps(facts, ensure_ascii=False, default=str), encoding="utf-8")
        paths.append(str(path))
    return paths


def test_score_over_many_files_prints_one_json_line_each_in_order(cli, tmp_path):
    paths = _facts_files(tmp_path, "qianxi-2022", 6)
    result = cli.invoke(args=["score", "qianxi-2022", *paths])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["file"] for r in rows] == paths
    for i, row in enumerate(rows):
        if i % 3 == 1:
            assert row["total"] is None and row["complete"] is False and row["missing"] == ["workers_registered"]
        else:
            assert row["total"] == "85.00" and row["band"] == "分值81-90分拨付补贴的95%" and row["payment_ratio"] == "0.95"
        assert all(line["points"] is None or TWO.match(line["points"]) for line in row["lines"])


def test_score_many_with_worker_processes_prints_the_same_lines_in_the_same_order(cli, tmp_path):
    paths = _facts_files(tmp_path, "qianxi-2022", 9)
    one = cli.invoke(args=["score", "qianxi-2022", *paths, "--jobs", "1"])
    two = cli.invoke(args=["score", "qianxi-2022", *paths, "--jobs", "2"])
    assert one.exit_code == two.exit_code == 0
    assert two.output == one.output and len(two.output.splitlines()) == 9


def test_score_many_reads_paths_from_a_file_and_reports_bad_files_without_stopping(cli, tmp_path):
    paths = _facts_files(tmp_path, "qianxi-2022", 2)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"workers_registered": -1}), encoding="utf-8")
    listing = tmp_path / "list.txt"
    listing.write_text("\n".join([paths[0], str(bad), str(tmp_path / "none.json"), paths[1]]) + "\n", encoding="utf-8")
    result = cli.invoke(args=["score", "qianxi-2022", "--files-from", str(listing), "--no-lines"])
    assert result.exit_code == 1
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert len(rows) == 4 and "lines" not in rows[0] and rows[0]["total"] == "85.00"
    assert rows[1]["fact"] == "workers_registered" and "negative" in rows[1]["error"]
    assert "no such file" in rows[2]["error"] and rows[3]["total"] is None


def test_score_json_of_one_sheet_has_two_decimal_points_and_null_total_when_incomplete(cli, tmp_path):
    paths = _facts_files(tmp_path, "qianxi-2022", 2)
    result = cli.invoke(args=["score", "qianxi-2022", paths[1], "--json"])
    assert result.exit_code == 0
    sheet = json.loads(result.output)
    assert sheet["total"] is None and sheet["missing"] == ["workers_registered"] and sheet["passed"] is None
    assert all(TWO.match(line["max"]) for line in sheet["lines"] if line["max"] is not None)
    assert "3.000" not in result.output and "Decimal" not in result.output


def test_score_takes_a_scheme_file(cli, tmp_path):
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps({"referrals": 1950, "late_reports": 1, "incidents": 0, "satisfaction_pct": 85,
                                 "credit_grade": "A", "has_plan": True, "media_reports": 1,
                                 "innovation": {"value": "2", "reason": "新建线上平台"}}, ensure_ascii=False))
    result = cli.invoke(args=["score", str(EXAMPLE), str(facts), "--jsonl", "--no-lines"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["total"] == "19.40"
    bad = _bad(tmp_path, 'method = "levels"', 'method = "grades"')
    refused = cli.invoke(args=["score", bad, str(facts)])
    assert refused.exit_code == 1 and "未知的计分方法“grades”" in refused.output


# -- schemes ID --facts -----------------------------------------------------------------------------

def test_facts_lists_kind_unit_range_and_choices(cli):
    result = cli.invoke(args=["schemes", "wujiang-2022", "--facts"])
    assert result.exit_code == 0, result.output
    line = next(l for l in result.output.splitlines() if l.startswith("hr_credit_grade "))
    assert "choice" in line and "A / B / C / D / not_applicable" in line
    assert "数据" in result.output and "类型" in result.output and "单位" in result.output
    qianxi = cli.invoke(args=["schemes", "qianxi-2022", "--facts"]).output
    line = next(l for l in qianxi.splitlines() if l.startswith("job_retention_judgement "))
    assert "judgement" in line and "分" in line and "0–10" in line
    line = next(l for l in qianxi.splitlines() if l.startswith("quarters_with_visit "))
    assert "count" in line and "季度" in line and "0–4" in line


@pytest.mark.parametrize("scheme_id", scheme_ids())
def test_the_example_is_json_ready_and_scores_as_a_facts_file(cli, tmp_path, scheme_id):
    result = cli.invoke(args=["schemes", scheme_id, "--facts"])
    assert result.exit_code == 0
    assert "Decimal(" not in result.output and "{'" not in result.output
    example = json.loads(result.output[result.output.index("（JSON，可直接使用）：") + len("（JSON，可直接使用）："):])
    facts = tmp_path / "example.json"
    facts.write_text(json.dumps(example, ensure_ascii=False), encoding="utf-8")
    scored = cli.invoke(args=["score", scheme_id, str(facts), "--jsonl"])
    assert scored.exit_code == 0, scored.output
    row = json.loads(scored.output)
    assert row["complete"] is (not load_scheme(scheme_id).has_rank_items)


def test_facts_as_json(cli):
    result = cli.invoke(args=["schemes", "qianxi-2022", "--facts", "--json"])
    out = json.loads(result.output, parse_float=Decimal)
    rows = {r["key"]: r for r in out["facts"]}
    assert rows["job_ledger"]["choices"] == ["none", "established", "complete_bound"]
    assert rows["job_retention_judgement"] == {**rows["job_retention_judgement"], "kind": "judgement", "unit": "分",
                                               "min": "0", "max": "10"}
    assert out["example"]["job_retention_judgement"]["value"] == 8
    assert rows["signboard_ok"]["unit"] is None and rows["workers_registered"]["min"] == "0"


def test_english_facts_table(cli):
    result = cli.invoke(args=["schemes", "qianxi-2022", "--facts", "--lang", "en"])
    assert "Range or choices" in result.output and "workers registered" in result.output.lower()


def test_the_table_of_an_incomplete_sheet_shows_no_total_but_what_is_missing(cli, tmp_path):
    paths = _facts_files(tmp_path, "qianxi-2022", 2)
    zh = cli.invoke(args=["score", "qianxi-2022", paths[1]])
    assert zh.exit_code == 0
    assert "总分：—（尚不完整，缺少：统计的驻地黔西籍务工人员人数" in zh.output
    en = cli.invoke(args=["score", "qianxi-2022", paths[1], "--lang", "en"])
    assert "Total: — (incomplete, missing: 黔西 workers registered" in en.output


def test_the_portal_says_what_months_are_expected(app):
    from flask_babel import force_locale

    from tests.rules.schemes.test_check_band_fields import MONTHS, NINGMING

    # a payment band's months (rectify_within_months) said in the author's words (once the loader's English)
    [problem] = check_scheme_text(NINGMING.replace(MONTHS, "rectify_within_months = 1.5\n"),
                                  file_name="ningming-2024-lot2.toml").problems
    with app.test_request_context():
        with force_locale("zh"):
            assert problem_text(problem) == "“rectify_within_months”应为月数（正整数，不加引号）"
        with force_locale("en"):
            assert "a number of months (a whole number above 0, no quotes)" in problem_text(problem)
