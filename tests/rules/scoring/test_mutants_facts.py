"""Checking the facts a portal supplies (rules/schemes/FORMAT.md §2, the table of kinds): what each kind accepts,
what it refuses, and that the refusal names the fact, the entry and the participant (issue #18: the survivors of
the mutation sample in rules.scoring.facts).

``score()`` checks plain values on a fast path and hands anything else to ``validate_facts``; the cases here go
through ``check_fact_value`` and ``validate_facts`` themselves, the functions every written form ends in.
"""
from __future__ import annotations

import tomllib
from decimal import Decimal

import pytest

from rules.schemes import load_scheme
from rules.scoring import FactsError, Judgement, validate_facts
from rules.scoring.facts import check_fact_value
from rules.scoring.loader import build_scheme
from rules.scoring.model import FactSpec
from tests.rules.scoring import test_methods

D = Decimal


def spec(kind, **bounds):
    return FactSpec(key="k", meaning="测试", kind=kind, **bounds)


def refused(kind_spec, value, error=ValueError):
    with pytest.raises(error) as caught:
        check_fact_value(kind_spec, value)
    return str(caught.value)


@pytest.fixture(scope="module")
def methods():
    return build_scheme(tomllib.loads(test_methods.TOML, parse_float=Decimal), file="methods-test.toml")


# percent and number: 0–100 unless min/max given -------------------------------------------------------


@pytest.mark.parametrize("value, message", [
    ("-0.5", "the percentage −0.5 is below the allowed minimum 0"),
    ("100.5", "the percentage 100.5 is above the allowed maximum 100"),
])
def test_a_percentage_without_bounds_is_0_to_100(value, message):
    """FORMAT.md §2: percent — percentage points, 0–100 unless min/max given."""
    assert refused(spec("percent"), value) == message
    assert check_fact_value(spec("percent"), "0") == 0 and check_fact_value(spec("percent"), "100") == 100


@pytest.mark.parametrize("value, message", [
    ("59.9", "the percentage 59.9 is below the allowed minimum 60"),
    ("90.1", "the percentage 90.1 is above the allowed maximum 90"),
    ("-1", "the percentage −1 is below the allowed minimum 60"),
])
def test_a_percentage_with_bounds_keeps_the_schemes_bounds(value, message):
    """FORMAT.md §2: the scheme's own min/max replace 0–100 (both edges included)."""
    bounded = spec("percent", min=D(60), max=D(90))
    assert refused(bounded, value) == message
    assert check_fact_value(bounded, "60") == 60 and check_fact_value(bounded, "90") == 90


def test_a_number_is_called_the_value_and_kept_within_its_bounds():
    """FORMAT.md §2: number — Decimal, int or numeric string, within min/max."""
    assert refused(spec("number", max=D(4)), "5") == "the value 5 is above the allowed maximum 4"
    assert refused(spec("number"), "五") == "the value: '五' is not a number"
    assert check_fact_value(spec("number"), "-3.5") == D("-3.5")  # no bounds: any exact number


# count and count_list --------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["12", D("12"), " 12 ", D("12.00")])
def test_a_count_written_as_digits_is_the_same_count(value):
    """FORMAT.md §2: count — a non-negative int (or digit string); kept as an int."""
    got = check_fact_value(spec("count"), value)
    assert got == 12 and type(got) is int


@pytest.mark.parametrize("value, error, message", [
    (True, TypeError, "a count must be a whole number, got True"),
    ("12.5", ValueError, "a count must be a whole number, got 12.5"),
    ("十二", ValueError, "a count: '十二' is not a number"),
    (-1, ValueError, "a count cannot be negative, got -1"),
])
def test_a_count_refuses_what_is_not_a_whole_non_negative_number(value, error, message):
    assert refused(spec("count"), value, error) == message


def test_a_count_is_kept_within_its_bounds():
    assert refused(spec("count", max=D(10)), 11) == "the count 11 is above the allowed maximum 10"
    assert refused(spec("count", min=D(2)), "1") == "the count 1 is below the allowed minimum 2"


@pytest.mark.parametrize("value, error, message", [
    ([0, 3, -1], ValueError, "entry 3 cannot be negative, got -1"),
    ([True], TypeError, "entry 1 must be a whole number, got True"),
    ([1, "2.5"], ValueError, "entry 2 must be a whole number, got 2.5"),
    ("3", TypeError, "expected a list of counts, got '3'"),
])
def test_a_count_list_names_the_entry_it_refuses(value, error, message):
    """FORMAT.md §2: count_list — each entry ≥ 0 and whole; entries are numbered from 1 as the form shows them."""
    assert refused(spec("count_list"), value, error) == message


def test_a_count_list_keeps_each_entry_as_a_count():
    assert check_fact_value(spec("count_list"), [0, "2", D(3)]) == (0, 2, 3)


# judgement and judgement_list (DOMAIN.md §6.6) ----------------------------------------------------------


JUDGED = spec("judgement", min=D(0), max=D(5))
JUDGED_LIST = spec("judgement_list", min=D("0.5"), max=D(1))


def test_a_judgement_already_made_is_taken_as_it_is():
    """DOMAIN.md §6.6: a Judgement (value and written reason) passes unchanged, its reason trimmed."""
    assert check_fact_value(JUDGED, Judgement(D("3.5"), " 首创 ")) == Judgement(D("3.5"), "首创")


@pytest.mark.parametrize("value, error, message", [
    ({"value": "3", "reason": "x", "note": "y"}, ValueError,
     "the judgement has unknown field(s) ['note']; expected 'value' and 'reason'"),
    ({"reason": "无值"}, ValueError, "the judgement needs a 'value'"),
    ("3", TypeError, "the judgement must be {'value': …, 'reason': …}, got '3'"),
    ({"value": "6", "reason": "x"}, ValueError, "the judgement value 6 is above the allowed maximum 5"),
    ({"value": "三", "reason": "x"}, ValueError, "the judgement value: '三' is not a number"),
    ({"value": "3", "reason": " "}, ValueError, "the judgement needs a written reason (评分理由); none was given"),
])
def test_a_judgement_refusal_says_what_is_wrong(value, error, message):
    """DOMAIN.md §6.6: a value inside the scheme's range and a written reason, nothing else."""
    assert refused(JUDGED, value, error) == message


@pytest.mark.parametrize("value, error, message", [
    ([{"value": "0.5", "reason": "a"}, {"value": "1.5", "reason": "b"}], ValueError,
     "judgement 2 value 1.5 is above the allowed maximum 1"),
    ([{"reason": "漏填分值"}], ValueError, "judgement 1 needs a 'value'"),
    ([{"value": True, "reason": "x"}], TypeError, "judgement 1 value: expected a number, got a boolean True"),
    ([{"value": "半分", "reason": "x"}], ValueError, "judgement 1 value: '半分' is not a number"),
    (["0.5"], TypeError, "judgement 1 must be {'value': …, 'reason': …}, got '0.5'"),
    ("0.5", TypeError, "expected a list of judgements, got '0.5'"),
])
def test_a_judged_deduction_list_names_the_entry_it_refuses(value, error, message):
    """DOMAIN.md §6.6: each entry as a judgement; only an entry of exactly 0 means nothing deducted (无扣分) —
    an entry with no value or an unreadable one is refused, never dropped as if it were 0."""
    assert refused(JUDGED_LIST, value, error) == message


def test_a_judged_deduction_of_zero_deducts_nothing_however_it_is_given():
    """DOMAIN.md §6.6: 无扣分 — an entry of 0, as a dict or as a Judgement, is no entry (no reason needed,
    and the fact's minimum 0.5 does not bind it)."""
    kept = check_fact_value(JUDGED_LIST, [{"value": "0"}, Judgement(D(0), "无"), {"value": "1", "reason": "直播不足"}])
    assert kept == (Judgement(D(1), "直播不足"),)


# validate_facts: the refusal names the fact and the participant -----------------------------------------


def facts_error(scheme, facts, participant="站点A"):
    with pytest.raises(FactsError) as caught:
        validate_facts(scheme, facts, participant=participant)
    return caught.value


def test_facts_that_are_not_a_dict_are_refused_as_a_whole(methods):
    err = facts_error(methods, [("workers", 1)])
    assert (err.key, err.participant) == ("*", "站点A")
    assert str(err) == "participant '站点A': fact '*': facts must be a dict of key → value, got list"


@pytest.mark.parametrize("key, value, message", [
    ("visit_rate", "5", "is computed by the scheme (a derived fact); do not supply it"),
    ("nonsense", 1, "unknown fact for scheme methods-test"),
    ("workers", "12.5", "a count must be a whole number, got 12.5"),
])
def test_a_refused_fact_is_named_with_its_participant(methods, key, value, message):
    """FORMAT.md §7: FactsError(key=…) naming the fact; in a cohort, also whose facts they are."""
    err = facts_error(methods, {key: value})
    assert (err.key, err.participant, err.problem) == (key, "站点A", message)
    assert str(err) == f"participant '站点A': fact {key!r}: {message}"


def test_a_fact_above_the_fact_it_cannot_exceed_is_named_with_its_participant():
    """seed 001 金东: skilled workers are counted among the delivered workers (FORMAT.md §6: not_above — the
    value may not exceed the other)."""
    err = facts_error(load_scheme("jindong-2021"), {"delivered_workers": "300", "skilled_workers": "301"})
    assert (err.key, err.participant) == ("skilled_workers", "站点A")
    assert err.problem == "301 cannot exceed delivered_workers (300)"


def test_an_unknown_value_does_not_stop_the_other_facts_being_checked(methods):
    """FORMAT.md §2: None means not known (reported missing); the facts after it are still checked and kept."""
    assert validate_facts(methods, {"workers": None, "agreements": "3", "ledger": "built"}) == {
        "agreements": 3, "ledger": "built"}
    with pytest.raises(FactsError) as caught:
        validate_facts(methods, {"workers": None, "agreements": "-3"})
    assert caught.value.key == "agreements"
