"""The top level of a scheme file is validated on load (rules/schemes/FORMAT.md §1, "Top-level tables"): a missing or
malformed `[scheme]`, an unknown key at the top level or in `[scheme]`, a bad `[result]` field or a duplicate veto id
is refused with the file, its path (``[scheme]``, ``[scheme].<field>``, ``[result].<field>``, ``vetoes``, or none at
the top level) and the problem, word for word; the optional text fields `replaces` and `note` are kept as written.
Issue #18: survivors of rules.scoring.loader (_Builder.build). Each case edits the small valid scheme of
test_loader.py.
"""
from __future__ import annotations

import copy
import tomllib
from decimal import Decimal

import pytest

from rules.scoring import SchemeError
from rules.scoring.loader import build_scheme
from tests.rules.scoring.test_loader import GOOD

FILE = "tiny-2024.toml"
BASE = tomllib.loads(GOOD, parse_float=Decimal)
TOP_KEYS = ("calendar, categories, compliance, cycles, derived, extra, facts, grades, payment, result, scheme, "
            "subsidy, vetoes")
SCHEME_KEYS = "bureau, document_number, effective_date, id, max_total, note, replaces, source, title"


def edited(table: str | None, **fields):
    """The valid scheme with `fields` set in the top-level `table` (or at the top level when None);
    a field given as ... is removed."""
    out = copy.deepcopy(BASE)
    target = out if table is None else out[table]
    for key, value in fields.items():
        if value is ...:
            target.pop(key, None)
        else:
            target[key] = value
    return out


def refusal(data) -> str:
    with pytest.raises(SchemeError) as caught:
        build_scheme(data, file=FILE)
    return str(caught.value)


# -- the top level and [scheme] ------------------------------------------------------------------------------------

def test_a_file_without_a_scheme_table_is_refused_with_no_path():
    """FORMAT.md §1: [scheme] is required; its absence is a fault of the file as a whole (no item path)."""
    assert refusal(edited(None, scheme=...)) == f"{FILE}: missing [scheme]"


@pytest.mark.parametrize("value, type_name", [(3, "int"), ("tiny", "str"), ([], "list")])
def test_a_scheme_that_is_not_a_table_is_refused_at_its_path(value, type_name):
    """FORMAT.md §1: [scheme] is a table."""
    assert refusal(edited(None, scheme=value)) == f"{FILE}: [scheme]: expected a table, got {type_name}"


def test_an_unknown_top_level_key_is_refused_with_no_path():
    """FORMAT.md §1: only the documented top-level tables are allowed; the message lists them all, sorted."""
    assert refusal(edited(None, bonus={})) == f"{FILE}: unknown key(s) bonus; allowed: {TOP_KEYS}"


def test_an_unknown_key_in_scheme_is_refused_at_scheme():
    """FORMAT.md §1: [scheme] holds id, title, bureau, document_number, effective_date, replaces, source,
    max_total and note, nothing else."""
    assert refusal(edited("scheme", author="x")) == (
        f"{FILE}: [scheme]: unknown key(s) author; allowed: {SCHEME_KEYS}")


@pytest.mark.parametrize("key", ["title", "source", "document_number"])
def test_a_missing_required_scheme_text_is_refused_at_scheme(key):
    """FORMAT.md §1: title and source are required; document_number is required but may be "" ("" if the
    document has none)."""
    assert refusal(edited("scheme", **{key: ...})) == f"{FILE}: [scheme]: missing '{key}'"


@pytest.mark.parametrize("key", ["title", "source", "document_number", "replaces", "note"])
def test_a_scheme_text_that_is_not_a_string_is_refused_at_its_field(key):
    """FORMAT.md §1: the [scheme] texts are strings, optional ones (replaces, note) included."""
    assert refusal(edited("scheme", **{key: 3})) == f"{FILE}: [scheme].{key}: expected a string, got int"


def test_replaces_source_and_note_are_kept_as_written():
    """FORMAT.md §1: replaces is the document number of the version it replaces; source where the rubric is;
    note the interpretations taken."""
    scheme = build_scheme(edited("scheme", replaces="吴人社就〔2021〕3号", note="read as monthly"), file=FILE)
    assert (scheme.replaces, scheme.source, scheme.note) == ("吴人社就〔2021〕3号", "fixture", "read as monthly")


def test_replaces_and_note_are_empty_when_left_out():
    """FORMAT.md §1: replaces ("" if none) and note (optional) default to the empty string."""
    scheme = build_scheme(edited("scheme", replaces=..., note=...), file=FILE)
    assert (scheme.replaces, scheme.note) == ("", "")


# -- [result] -------------------------------------------------------------------------------------------------------

def test_a_missing_result_clause_is_refused_at_result():
    """FORMAT.md §1: [result].clause (the pass clause of the document) is required."""
    assert refusal(edited("result", clause=...)) == f"{FILE}: [result]: missing 'clause'"


@pytest.mark.parametrize("key", ["total_floor", "bonus_cap"])
def test_a_result_bound_that_is_not_a_number_is_refused_at_its_field(key):
    """FORMAT.md §1: total_floor and bonus_cap are numbers."""
    assert refusal(edited("result", **{key: "x"})) == f"{FILE}: [result].{key}: expected a number, got str 'x'"


def test_a_negative_bonus_cap_is_refused():
    """FORMAT.md §1: bonus_cap is a cap on the sum of all bonus items: not below 0 (numbers shown with a true
    minus sign, U+2212)."""
    assert refusal(edited("result", bonus_cap=-1)) == f"{FILE}: [result].bonus_cap: must be ≥ 0, got \u22121"


def test_a_bonus_cap_of_zero_is_kept():
    """FORMAT.md §1: bonus_cap ≥ 0; 0 is allowed and kept."""
    assert build_scheme(edited("result", bonus_cap=0), file=FILE).bonus_cap == Decimal(0)


# -- [[vetoes]] -----------------------------------------------------------------------------------------------------

def veto(veto_id: str) -> dict:
    return {"id": veto_id, "effect": "fail", "when": [{"fact": "count", "at_least": 3}], "clause": "一票否决"}


def test_two_vetoes_with_one_id_are_refused_at_vetoes():
    """FORMAT.md §1 (Vetoes): each [[vetoes]] entry has an id; ids are unique."""
    data = edited(None, vetoes=[veto("three"), veto("other"), veto("three")])
    assert refusal(data) == f"{FILE}: vetoes: duplicate id 'three'"
