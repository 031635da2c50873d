"""The pure helpers the portal CLI calls: a sheet as text and as a JSON-able dict; a cohort likewise."""
from __future__ import annotations

import json
from decimal import Decimal

from rules.schemes import load_scheme
from rules.scoring import cohort_to_dict, render_cohort, render_sheet, score, score_cohort, sheet_to_dict


def examples(scheme):
    return {key: spec.example for key, spec in scheme.facts.items()}


def test_sheet_dict_has_the_cli_keys_and_round_trips_through_json():
    scheme = load_scheme("qianxi-2022")
    data = sheet_to_dict(score(scheme, examples(scheme)))
    assert {"total", "passed", "payment_ratio", "items"} <= set(data)
    assert isinstance(data["total"], str) and Decimal(data["total"]) == Decimal(data["total"]).quantize(Decimal("0.01"))
    again = json.loads(json.dumps(data, ensure_ascii=False))
    assert again == data
    item = next(i for i in data["items"] if i["path"] == "effectiveness/job_retention")
    assert item["inputs"]["job_retention_judgement"]["reason"]
    assert {"path", "title", "max", "method", "clause", "points", "explanation", "inputs", "missing"} <= set(item)


def test_incomplete_sheet_dict_says_so():
    scheme = load_scheme("qianxi-2022")
    facts = examples(scheme)
    del facts["workers_registered"]
    data = sheet_to_dict(score(scheme, facts))
    assert data["complete"] is False and data["passed"] is None and data["payment_ratio"] is None
    assert data["missing_facts"] == ["workers_registered"]


def test_text_table_lists_every_line_and_the_result():
    scheme = load_scheme("jindong-2021")
    sheet = score(scheme, examples(scheme))
    text = render_sheet(sheet)
    for line in sheet.lines:
        assert line.title in text
    assert "total:" in text and "result:" in text and "subsidy:" in text
    assert "金东人社〔2021〕14号" in text.splitlines()[0]


def test_text_table_marks_unscored_lines():
    scheme = load_scheme("jindong-2021")
    facts = examples(scheme)
    del facts["matching_events"]
    text = render_sheet(score(scheme, facts))
    assert "missing facts: matching_events" in text
    assert "not scored: missing fact(s) matching_events" in text


def test_cohort_dict_and_text():
    scheme = load_scheme("wujiang-2022")
    facts = examples(scheme)
    better = dict(facts, labour_bases=6)
    result = score_cohort(scheme, {"a": facts, "b": better})
    data = cohort_to_dict(result)
    json.dumps(data, ensure_ascii=False)
    rows = data["participants"]
    assert [r["participant"] for r in rows] == ["b", "a"]
    assert rows[0]["rank"] == 1 and rows[1]["rank"] == 2
    assert all({"total", "rank", "grade"} <= set(r) for r in rows)
    assert set(data["sheets"]) == {"a", "b"}
    text = render_cohort(result)
    assert text.splitlines()[1].split() == ["rank", "participant", "total", "result", "grade"]
