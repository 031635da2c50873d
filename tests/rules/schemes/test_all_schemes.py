"""Every scheme file in rules/schemes/ loads, adds up, documents its facts and explains every line."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest

from rules.schemes import SchemeError, all_schemes, load_scheme, scheme_ids
from rules.scoring import render_sheet, score, score_cohort, sheet_to_dict

EXPECTED = {"qianxi-2022", "jindong-2021", "wujiang-2022"}


def test_my_three_schemes_are_present():
    assert EXPECTED <= set(scheme_ids())


@pytest.mark.parametrize("scheme_id", scheme_ids())
def test_scheme_loads_and_regular_points_add_up_to_100(scheme_id):
    """DOMAIN.md §3: every scheme is a 100-point rubric (bonuses and penalties apart)."""
    scheme = load_scheme(scheme_id)
    assert scheme.max_total == 100
    assert sum(c.max for c in scheme.categories) == 100
    regular_leaves = [n for n in scheme.leaves() if n.kind == "regular"]
    assert sum(n.max for n in regular_leaves) == 100


@pytest.mark.parametrize("scheme_id", scheme_ids())
def test_every_node_quotes_its_clause_and_records_its_version(scheme_id):
    scheme = load_scheme(scheme_id)
    assert scheme.bureau and scheme.effective_date and scheme.source
    for node in scheme.nodes():
        assert node.clause.strip(), node.path
        assert any("\u4e00" <= ch <= "\u9fff" for ch in node.clause), f"{node.path}: clause should quote the document"


@pytest.mark.parametrize("scheme_id", scheme_ids())
def test_fact_specs_document_every_fact(scheme_id):
    scheme = load_scheme(scheme_id)
    specs = scheme.fact_specs()
    assert {row["key"] for row in specs} == set(scheme.facts)
    for row in specs:
        assert row["meaning"].strip() and row["kind"] and "example" in row


@pytest.mark.parametrize("scheme_id", scheme_ids())
def test_example_facts_score_and_every_line_explains_itself(scheme_id):
    """A sheet explains every point lost or won: each line has a non-empty explanation."""
    scheme = load_scheme(scheme_id)
    examples = {key: spec.example for key, spec in scheme.facts.items()}
    if scheme.has_rank_items:
        other = dict(examples)
        sheet = score_cohort(scheme, {"one": examples, "two": other}).sheets["one"]
    else:
        sheet = score(scheme, examples)
    assert sheet.complete, sheet.missing_facts
    assert sheet.lines
    for line in sheet.lines:
        assert line.explanation.strip(), line.path
        assert line.clause.strip(), line.path
    leaves = [l for l in sheet.lines if l.method != "sum"]
    assert sum(l.points for l in leaves if l.kind == "regular") == sheet.regular_total
    data = sheet_to_dict(sheet)
    json.dumps(data, ensure_ascii=False)  # JSON-able
    assert {"total", "passed", "payment_ratio", "items"} <= set(data)
    assert render_sheet(sheet).count("\n") >= len(sheet.lines)


@pytest.mark.parametrize("scheme_id", scheme_ids())
def test_no_facts_means_everything_is_missing(scheme_id):
    scheme = load_scheme(scheme_id)
    sheet = score(scheme, {})
    assert not sheet.complete and sheet.passed is None
    assert set(sheet.missing_facts) <= set(scheme.facts)
    assert sheet.missing_facts


def test_unknown_scheme_is_a_clear_error():
    with pytest.raises(SchemeError, match="no such scheme"):
        load_scheme("nowhere-1999")


def test_all_schemes_returns_each_once():
    ids = [s.id for s in all_schemes()]
    assert sorted(ids) == sorted(set(ids)) == scheme_ids()


def test_schemes_are_recomputable_to_the_same_figures():
    """DOMAIN.md §6.8: scoring is a pure function of (scheme version, facts)."""
    scheme = load_scheme("qianxi-2022")
    facts = {key: spec.example for key, spec in scheme.facts.items()}
    first, second = score(scheme, facts), score(scheme, facts)
    assert sheet_to_dict(first) == sheet_to_dict(second)
    assert isinstance(first.total, Decimal)


@pytest.mark.parametrize("scheme_id", sorted(EXPECTED))
def test_sheet_records_the_scheme_version_and_file_hash(scheme_id):
    """DOMAIN.md §6.8: an assessment records the version it used (document number, date, file hash)."""
    import hashlib

    from rules.schemes import SCHEME_DIR

    scheme = load_scheme(scheme_id)
    digest = hashlib.sha256((SCHEME_DIR / f"{scheme_id}.toml").read_bytes()).hexdigest()
    assert scheme.sha256 == digest
    examples = {key: spec.example for key, spec in scheme.facts.items()}
    sheet = score_cohort(scheme, {"x": examples}).sheets["x"]
    data = sheet_to_dict(sheet)
    assert data["scheme_sha256"] == digest
    assert scheme.effective_date.isoformat() in data["scheme_version"]
    if scheme.document_number:
        assert scheme.document_number in data["scheme_version"]
