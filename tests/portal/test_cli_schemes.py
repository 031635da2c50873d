"""`flask schemes` and `flask score`: readable tables, JSON, and bad input that names the key."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest

from rules.schemes import load_scheme, scheme_ids


def _example_facts(scheme_id: str) -> dict:
    """Every fact at its documented example value: a complete, valid facts file."""
    return {row["key"]: row["example"] for row in load_scheme(scheme_id).fact_specs()}


def _write(tmp_path, data) -> str:
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
    return str(path)


@pytest.fixture
def cli(app):
    return app.test_cli_runner()


def test_schemes_lists_every_scheme_with_document_and_date(cli):
    result = cli.invoke(args=["schemes"])
    assert result.exit_code == 0
    for scheme_id in scheme_ids():
        assert scheme_id in result.output
    assert "吴人社就〔2022〕15号" in result.output and "2022-09-01" in result.output


def test_schemes_facts_lists_key_meaning_unit_and_example(cli):
    result = cli.invoke(args=["schemes", "qianxi-2022", "--facts"])
    assert result.exit_code == 0
    assert "workers_registered" in result.output and "示例数据文件" in result.output


@pytest.mark.parametrize("scheme_id", [s for s in scheme_ids() if s != "wujiang-2022"])
def test_score_prints_json_with_total_passed_payment_ratio_and_items(cli, tmp_path, scheme_id):
    result = cli.invoke(args=["score", scheme_id, _write(tmp_path, _example_facts(scheme_id)), "--json"])
    assert result.exit_code == 0, result.output
    sheet = json.loads(result.output, parse_float=Decimal)
    assert {"total", "passed", "payment_ratio", "lines"} <= set(sheet)
    assert sheet["lines"] and all(line.get("explanation") for line in sheet["lines"])
    table = cli.invoke(args=["score", scheme_id, _write(tmp_path, _example_facts(scheme_id))])
    assert table.exit_code == 0 and str(sheet["total"]) in table.output


def test_score_cohort_ranks_and_grades(cli, tmp_path):
    base = _example_facts("wujiang-2022")
    cohort = {f"运营单位{n}": {**base, "insured_arrivals": base["insured_arrivals"] + 10 * n} for n in range(12)}
    result = cli.invoke(args=["score", "wujiang-2022", _write(tmp_path, cohort), "--cohort", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    rows = out["participants"]
    assert len(rows) == 12 and all({"total", "rank", "grade"} <= set(r) for r in rows)
    assert sorted(r["rank"] for r in rows)[0] == 1


@pytest.mark.parametrize("change, key", [
    ({"no_such_fact": 1}, "no_such_fact"),
    ({"cooperation_agreements": -3}, "cooperation_agreements"),
    ({"job_retention_judgement": {"value": 99, "reason": "很好"}}, "job_retention_judgement"),
])
def test_bad_input_exits_non_zero_naming_the_key(cli, tmp_path, change, key):
    facts = {**_example_facts("qianxi-2022"), **change}
    result = cli.invoke(args=["score", "qianxi-2022", _write(tmp_path, facts)])
    assert result.exit_code != 0
    assert key in result.output


def test_an_unknown_scheme_or_a_broken_file_exits_non_zero(cli, tmp_path):
    assert cli.invoke(args=["score", "no-such-scheme", _write(tmp_path, {})]).exit_code != 0
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    result = cli.invoke(args=["score", "qianxi-2022", str(broken)])
    assert result.exit_code != 0 and "not valid JSON" in result.output


def test_score_prints_the_table_in_chinese_by_default_and_in_english_with_lang_en(cli, tmp_path):
    """Issue #12: the CLI renders the engine's steps through the catalog like the pages do."""
    facts = _write(tmp_path, _example_facts("pingxiang-2024-lot1"))
    zh = cli.invoke(args=["score", "pingxiang-2024-lot1", facts])
    assert zh.exit_code == 0, zh.output
    assert "计算过程" in zh.output and "合计" in zh.output and "seed" not in zh.output
    assert "Σ" not in zh.output and "employers_without_delivery_record" not in zh.output
    en = cli.invoke(args=["score", "pingxiang-2024-lot1", facts, "--lang", "en"])
    assert en.exit_code == 0, en.output
    assert "Total" in en.output and "Result" in en.output and "sum " in en.output and "合计" not in en.output
    engine = cli.invoke(args=["score", "pingxiang-2024-lot1", facts, "--lang", "engine"])
    assert "Σ" in engine.output  # the engine's own English stays available to developers
