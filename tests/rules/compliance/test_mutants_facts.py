"""Reading the input facts (rules/compliance/facts.py), pinned where the mutation run of issue #18 found it loose:
every refusal names the fact and the field, word for word (rules/compliance/README.md, "Input: facts": everything is
validated before the engine sees a fact, a malformed input raises InvalidFacts saying which fact and why); months,
dates and timestamps parse as documented there; deadlines are Asia/Shanghai time (DOMAIN.md §6.3)."""
from __future__ import annotations

import copy
from datetime import date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal

import pytest

from rules.compliance import InvalidFacts
from rules.compliance.facts import (add_one_month, decimal, months_between, next_month, parse_day, parse_moment,
                                    parse_month, read_input, score_cents, to_us)

BASE = {"as_of": "2024-03-05T10:00:00+08:00", "operator": {"id": "OP-1"},
        "contract": {"id": "PX-1", "scheme": "pingxiang-2024-lot1", "starts_on": "2024-01-01",
                     "ends_on": "2024-12-31"}}


def _facts(**changes):
    facts = copy.deepcopy(BASE)
    facts.update(changes)
    return facts


def _refused(facts) -> str:
    with pytest.raises(InvalidFacts) as caught:
        read_input(facts)
    return str(caught.value)


def _use(**use):
    return read_input(_facts(compliance=[use])).in_force[use["rule"]]


# --- the top level: as_of, contract, operator, config ---------------------------------------------------------

def test_facts_that_are_not_a_mapping_are_refused():
    """README "Input": `facts` is a mapping."""
    with pytest.raises(InvalidFacts) as caught:
        read_input(["as_of"])
    assert str(caught.value) == "facts must be a mapping"


def test_as_of_is_required_and_a_bad_one_is_named():
    """README "Input": `as_of` is required; timestamps are ISO 8601 with an offset."""
    facts = _facts()
    del facts["as_of"]
    assert _refused(facts) == "as_of is required: the moment the rules are evaluated at"
    assert _refused(_facts(as_of="5 March 2024")) == "as_of: '5 March 2024' is not an ISO 8601 timestamp"


def test_as_of_in_microseconds_since_the_epoch_is_exact():
    """facts.to_us: the engine compares exact integer microseconds since 1970-01-01T00:00:00Z; 2024-03-05
    23:59:59.999999 Shanghai is 15:59:59.999999 UTC, 1709654399 s and 999999 µs after the epoch."""
    inp = read_input(_facts(as_of="2024-03-05T23:59:59.999999+08:00"))
    assert inp.as_of_us == 1_709_654_399_999_999
    assert to_us(datetime(1970, 1, 2, 0, 0, 1, 7, tzinfo=timezone.utc)) == 86_401_000_007


def test_the_contract_needs_an_id_and_a_scheme():
    """README "Input": `contract` is `{id, scheme, …}`; both are required."""
    assert _refused(_facts(contract={"scheme": "pingxiang-2024-lot1"})) == "contract: a mapping with an id is required"
    assert _refused(_facts(contract="PX-1")) == "contract: a mapping with an id is required"
    assert _refused(_facts(contract={"id": "PX-1", "scheme": ""})) == "contract.scheme: the scheme's id is required"
    assert _refused(_facts(contract={"id": "PX-1", "scheme": 7})) == "contract.scheme: the scheme's id is required"


def test_an_unknown_scheme_without_a_compliance_list_is_refused_in_words():
    """README "Input": without `compliance`, `contract.scheme` must be one of SCHEMES."""
    assert _refused(_facts(contract={"id": "X-1", "scheme": "nowhere-2030"})) == (
        "contract.scheme: 'nowhere-2030' is not one of ['jindong-2021', 'ningming-2024-lot2', 'pingxiang-2024-lot1', "
        "'qianxi-2022', 'wujiang-2022', 'xingan'] and the facts carry no compliance list")


def test_the_operator_is_a_mapping_or_the_contracts_operator():
    """README "Input": `operator` is `{id, …}`; `contract` may carry `operator` instead."""
    assert _refused(_facts(operator="OP-1")) == "operator: expected a mapping"
    facts = _facts()
    del facts["operator"]
    assert _refused(facts) == "operator.id (or contract.operator) is required"
    facts["contract"]["operator"] = "OP-9"
    assert read_input(facts).operator_id == "OP-9"


def test_contract_dates_are_named_when_malformed():
    """README "Input": dates are YYYY-MM-DD; the refusal names contract.starts_on / contract.ends_on."""
    facts = _facts()
    facts["contract"]["starts_on"] = "2024-02-30"
    assert _refused(facts) == "contract.starts_on: '2024-02-30' is not a date (YYYY-MM-DD)"
    facts = _facts()
    facts["contract"]["ends_on"] = "31/12/2024"
    assert _refused(facts) == "contract.ends_on: '31/12/2024' is not a date (YYYY-MM-DD)"


def test_a_one_day_contract_is_accepted_and_an_inverted_one_refused():
    """A contract may start and end on the same day; ending before it starts is refused."""
    facts = _facts()
    facts["contract"].update(starts_on="2024-06-01", ends_on="2024-06-01")
    inp = read_input(facts)
    assert (inp.starts_on, inp.ends_on) == (date(2024, 6, 1), date(2024, 6, 1))
    facts["contract"]["ends_on"] = "2024-05-31"
    assert _refused(facts) == "contract.ends_on is before contract.starts_on"


def test_config_overrides_the_minimum_age_with_an_integer_only():
    """DOMAIN.md §6.7: the minimum working age is 16 unless configured; a configured age is an integer."""
    assert read_input(_facts()).config["minimum_age"] == 16
    assert read_input(_facts(config={"minimum_age": 18})).config["minimum_age"] == 18
    assert _refused(_facts(config=["minimum_age"])) == "config: expected a mapping"
    assert _refused(_facts(config={"minimum_age": "18"})) == "config.minimum_age: expected an integer, got '18'"
    assert _refused(_facts(config={"retirement_age": {"F": 55.0}})) == (
        "config.retirement_age.F: expected an integer, got 55.0")


def test_config_overrides_the_retirement_age_per_sex_with_integers_only():
    """DOMAIN.md §6.7: working age runs up to the statutory retirement age, 60 for men and 50 for women unless
    configured; `config.retirement_age` is a mapping with keys 'M' and/or 'F', each an integer."""
    assert read_input(_facts()).config["retirement_age"] == {"M": 60, "F": 50}
    assert read_input(_facts(config={"retirement_age": {"M": 63}})).config["retirement_age"] == {"M": 63, "F": 50}
    assert read_input(_facts(config={"retirement_age": {"F": 55}})).config["retirement_age"] == {"M": 60, "F": 55}
    for bad in (["M"], {"M": 60, "X": 50}, {"m": 60}):
        assert _refused(_facts(config={"retirement_age": bad})) == (
            "config.retirement_age: a mapping with keys 'M' and/or 'F'")
    assert _refused(_facts(config={"retirement_age": {"M": "60"}})) == (
        "config.retirement_age.M: expected an integer, got '60'")


# --- the compliance list ----------------------------------------------------------------------------------------

def test_a_compliance_list_that_is_not_a_list_of_mappings_is_refused():
    """README "Input": `compliance` is a list of `{rule, …}` mappings."""
    assert _refused(_facts(compliance={"rule": "deadlines.monthly_plan_late"})) == "compliance: expected a list"
    assert _refused(_facts(compliance=[{"rule": "deadlines.monthly_plan_late"}, "deadlines.monthly_report_late"])) == (
        "compliance[1]: expected a mapping")


def test_points_of_a_compliance_line_are_an_exact_non_negative_number():
    """README "Input": `points` is a string such as "0.2", never a float; 0 is allowed (the scheme keeps the rule
    but costs nothing), a negative number is not."""
    assert _use(rule="deadlines.monthly_plan_late", points="0").penalty.points == Decimal("0")
    assert _refused(_facts(compliance=[{"rule": "deadlines.monthly_plan_late", "points": "-0.1"}])) == (
        "compliance[0].points: -0.1 is negative")
    assert _refused(_facts(compliance=[{"rule": "deadlines.monthly_plan_late", "points": "a lot"}])) == (
        "compliance[0].points: 'a lot' is not a number")


def test_per_occurrence_alone_is_applied_and_checked():
    """README "Input": `per_occurrence` alone changes the rule's penalty (only for rules that take points off)."""
    use = _use(rule="deadlines.monthly_plan_late", per_occurrence=False)
    assert (use.penalty.points, use.penalty.per_occurrence) == (Decimal("0.1"), False)
    assert _refused(_facts(compliance=[{"rule": "consequences.rectification_notice", "per_occurrence": False}])) == (
        "compliance[0]: consequences.rectification_notice costs no points (its effect is a consequence)")
    assert _refused(_facts(compliance=[{"rule": "deadlines.monthly_plan_late", "per_occurrence": "yes"}])) == (
        "compliance[0]: per_occurrence must be true or false, got 'yes'")


@pytest.mark.parametrize("day", [1, 28])
def test_due_day_from_1_to_28_is_accepted(day):
    """README "Input": `due_day` 1–28 (a day every month has)."""
    assert _use(rule="deadlines.monthly_plan_late", due_day=day).due_day == day


@pytest.mark.parametrize("day", [0, 29, True, "5"])
def test_due_day_outside_1_to_28_or_not_an_integer_is_refused(day):
    """README "Input": a bad `due_day` → InvalidFacts, naming the line and the value."""
    assert _refused(_facts(compliance=[{"rule": "deadlines.monthly_plan_late", "due_day": day}])) == (
        f"compliance[0].due_day: a day of the month from 1 to 28, got {day!r}")


# --- rows -------------------------------------------------------------------------------------------------------

def test_rows_need_a_list_of_mappings_with_a_unique_non_empty_id():
    """README "Input": every list is optional and every row needs an `id` that is unique within its list."""
    sub = {"kind": "monthly_plan", "period": "2024-03", "submitted_at": "2024-03-01T09:00:00+08:00"}

    def refused(rows):
        with pytest.raises(InvalidFacts) as caught:
            read_input(_facts(submissions=rows)).rows("submissions")
        return str(caught.value)

    assert refused({"id": "s1"}) == "submissions: expected a list"
    assert refused([dict(sub, id="s1"), "s2"]) == "submissions[1]: expected a mapping"
    assert refused([dict(sub, id="s1"), dict(sub, id="")]) == "submissions[1]: every fact needs an id"
    assert refused([dict(sub, id="s1"), dict(sub, id="s1")]) == "submissions: id 's1' appears twice"
    assert refused([dict(sub, id=7), dict(sub, id="7")]) == "submissions: id '7' appears twice"
    assert read_input(_facts(submissions=[dict(sub, id="s1"), dict(sub, id="s2")])).rows("submissions") == [
        dict(sub, id="s1"), dict(sub, id="s2")]


def test_an_engine_fact_carries_type_id_source_scheme_contract_and_the_rules_in_force():
    """facts.Input.base: the common part of an engine fact (type, a session-unique id, scheme and contract) plus
    one flag per rule in force."""
    inp = read_input(_facts(compliance=[{"rule": "deadlines.monthly_plan_late"}]))
    assert inp.base("complaint", 7) == {"t": "complaint", "id": "complaint:7", "src": "7",
                                        "scheme": "pingxiang-2024-lot1", "contract": "PX-1",
                                        "on_deadlines__monthly_plan_late": True}


# --- values -----------------------------------------------------------------------------------------------------

class _NoOffset(tzinfo):
    def utcoffset(self, dt):
        return None

    def dst(self, dt):
        return None


def test_timestamps_need_a_time_zone():
    """README "Input": timestamps are ISO 8601 with an offset (+08:00 or Z); naive timestamps are rejected."""
    aware = datetime(2024, 3, 5, 10, 0, tzinfo=timezone(timedelta(hours=8)))
    assert parse_moment(aware, "as_of") is aware
    assert parse_moment("2024-03-05T02:00:00Z", "as_of") == aware
    naive = datetime(2024, 3, 5, 10, 0, tzinfo=_NoOffset())
    with pytest.raises(InvalidFacts) as caught:
        parse_moment(naive, "as_of")
    assert str(caught.value) == f"as_of: timestamp {naive!r} has no time zone (give +08:00 or Z)"
    with pytest.raises(InvalidFacts) as caught:
        parse_moment("2024-03-05T02:00:00z", "as_of")
    assert str(caught.value) == "as_of: '2024-03-05T02:00:00z' is not an ISO 8601 timestamp"
    with pytest.raises(InvalidFacts) as caught:
        parse_moment(1709604000, "as_of")
    assert str(caught.value) == "as_of: expected a timestamp, got int"


@pytest.mark.parametrize("value", ["2024-03-05Z", "2024-03-05+08:00", "2024-03-05-05:30", "2024-03-05", "20240305"])
def test_a_date_alone_is_refused_as_a_date_without_a_time_even_with_an_offset(value):
    """README "Input": a timestamp is a date *and* a time with an offset. A date alone is refused saying so (Python
    would read "2024-03-05Z" as midnight and drop the Z, and the refusal used to claim it had no time zone)."""
    with pytest.raises(InvalidFacts) as caught:
        parse_moment(value, "as_of")
    assert str(caught.value) == (f"as_of: {value!r} is a date without a time "
                                 "(give e.g. 2024-03-05T00:00:00+08:00)")


@pytest.mark.parametrize("value, moment", [
    ("2024-03-05T00:00:00Z", datetime(2024, 3, 5, tzinfo=timezone.utc)),
    ("2024-03-05 08:00+08:00", datetime(2024, 3, 5, tzinfo=timezone.utc)),
    ("2024-03-05T00:00:00-05", datetime(2024, 3, 5, 5, tzinfo=timezone.utc)),
    ("20240305T0800+0800", datetime(2024, 3, 5, tzinfo=timezone.utc)),
])
def test_a_date_and_a_time_with_an_offset_is_read_at_that_offset(value, moment):
    """README "Input": ISO 8601 with an offset, Z for UTC; the offset is kept, not dropped."""
    parsed = parse_moment(value, "as_of")
    assert parsed == moment and parsed.utcoffset() is not None


def test_dates_are_dates_not_datetimes():
    """README "Input": dates are YYYY-MM-DD."""
    with pytest.raises(InvalidFacts) as caught:
        parse_day(datetime(2024, 3, 5, tzinfo=timezone.utc), "complaints[c1].received_on")
    assert str(caught.value) == "complaints[c1].received_on: expected a date, got a datetime"
    with pytest.raises(InvalidFacts) as caught:
        parse_day("2024-3-5", "complaints[c1].received_on")
    assert str(caught.value) == "complaints[c1].received_on: '2024-3-5' is not a date (YYYY-MM-DD)"


@pytest.mark.parametrize("value, parsed", [("2024-01", (2024, 1)), ("2024-12", (2024, 12)), ("0001-01", (1, 1))])
def test_months_are_yyyy_mm(value, parsed):
    """README "Input": months are YYYY-MM."""
    assert parse_month(value, "workers[w1].insured_months[0]") == parsed


@pytest.mark.parametrize("value", ["2024-13", "2024-00", "0000-03", "2024-3", "2024/03", "abcd-ef", 202403])
def test_anything_else_is_not_a_month(value):
    """README "Input": months are YYYY-MM (month 1–12, year from 1); the refusal names the field."""
    with pytest.raises(InvalidFacts) as caught:
        parse_month(value, "workers[w1].insured_months[0]")
    assert str(caught.value) == f"workers[w1].insured_months[0]: {value!r} is not a month (YYYY-MM)"


def test_the_next_month_after_december_is_january_of_the_next_year():
    assert next_month(2024, 12) == (2025, 1)
    assert next_month(2024, 11) == (2024, 12)


def test_months_between_includes_the_last_month():
    """A contract from 1 March to 31 May 2024 covers March, April and May."""
    assert months_between(date(2024, 3, 1), date(2024, 5, 31)) == [(2024, 3), (2024, 4), (2024, 5)]
    assert months_between(date(2024, 12, 1), date(2025, 1, 31)) == [(2024, 12), (2025, 1)]


def test_one_month_later_is_the_same_day_or_that_months_last_day():
    """一个月内: the same day next month, or that month's last day."""
    assert add_one_month(date(2024, 3, 31)) == date(2024, 4, 30)
    assert add_one_month(date(2023, 1, 31)) == date(2023, 2, 28)
    assert add_one_month(date(2024, 1, 31)) == date(2024, 2, 29)
    assert add_one_month(date(2024, 1, 15)) == date(2024, 2, 15)


@pytest.mark.parametrize("value", ["abc", "Infinity", "NaN"])
def test_numbers_that_are_not_numbers_are_named(value):
    """DOMAIN.md §6.1: scores and points are exact decimals; what is not a finite number is refused by name."""
    with pytest.raises(InvalidFacts) as caught:
        decimal(value, "compliance[0].points")
    assert str(caught.value) == f"compliance[0].points: {value!r} is not a number"
    with pytest.raises(InvalidFacts) as caught:
        score_cents(value, "period_scores[p1].score")
    assert str(caught.value) == f"period_scores[p1].score: {value!r} is not a number"
