"""The engine's memo and fast path give every sheet the figures a fresh scoring of its own facts gives (issue #18:
the survivors of the mutation run in rules.scoring.engine's `_fast_check`, `_key_function` and the memo tokens).

Issue 16 made score() plan a scheme once: the facts of the plain kinds are checked there by a fast check, anything
else by validate_facts, and a line is remembered by the values of the facts it reads (rules/scoring/engine.py,
module docstring; docs/benchmarks.md, "Scoring engine"). Neither may change what a sheet says (FORMAT.md §2 and §7):
a fact is refused exactly as validate_facts refuses it, read exactly as validate_facts reads it, and a sheet scored
after others of the same scheme has the figures it would have alone. So the tests below score sequences of sheets
on one scheme and hold each to a fresh scoring of the same facts, and to figures worked out by hand.

Every scheme is built in the test that scores it (a plan lives as long as its scheme), from the fixture below,
written for these tests (FORMAT.md §2–§4); its clauses are in the style of the seed documents.
"""
from __future__ import annotations

import tomllib
from decimal import Decimal

import pytest

from rules.scoring import FactsError, score, sheet_to_dict
from rules.scoring.facts import Judgement
from rules.scoring.loader import build_scheme

D = Decimal

TOML = """
[scheme]
id = "memo-test"
title = "记忆测试"
bureau = "测试局"
document_number = "测〔2024〕9号"
effective_date = 2024-01-01
source = "test fixture"
max_total = 60

[[cycles]]
id = "annual"
label = "年度"

[result]
pass_mark = 30
clause = "30分以上合格"

[facts.amount]
meaning = "服务金额"
kind = "number"
unit = "万元"
example = 2.5
[facts.staff]
meaning = "在岗人员数"
kind = "count"
unit = "人"
example = 3
[facts.share]
meaning = "就业率"
kind = "percent"
unit = "%"
example = 60
[facts.rate]
meaning = "稳岗率"
kind = "percent"
unit = "%"
min = 10
max = 50
example = 20
[facts.open]
meaning = "按时开放"
kind = "bool"
example = true
[facts.credit]
meaning = "信用等级"
kind = "choice"
choices = ["A", "B", "C"]
example = "A"
[facts.trips]
meaning = "每次赴外招聘人数"
kind = "count_list"
unit = "人"
example = [1, 2]
[facts.quality]
meaning = "服务质量（评审打分）"
kind = "judgement"
unit = "分"
min = 0
max = 10
example = { value = 8, reason = "服务规范" }
[facts.faults]
meaning = "扣分事项（评审认定）"
kind = "judgement_list"
unit = "分"
min = 0
max = 5
example = [{ value = 1, reason = "迟报" }]

[[categories]]
id = "work"
title = "工作"
max = 60
clause = "工作（60分）"

[[categories.items]]
id = "amount"
title = "服务金额"
max = 10
clause = "每服务1万元得1分"
method = "per_unit"
fact = "amount"
points_per_unit = 1

[[categories.items]]
id = "staffed"
title = "有人在岗的服务金额"
max = 10
clause = "有人员在岗的，每服务1万元得1分"
requires = { fact = "staff", at_least = 1 }
method = "per_unit"
fact = "amount"
points_per_unit = 1

[[categories.items]]
id = "share"
title = "就业率"
max = 5
clause = "就业率达到50%的得5分"
method = "tiers"
fact = "share"
tiers = [{ min = 50, points = 5 }]

[[categories.items]]
id = "rate"
title = "稳岗率"
max = 5
clause = "稳岗率达到30%的得5分"
method = "tiers"
fact = "rate"
tiers = [{ min = 30, points = 5 }]

[[categories.items]]
id = "open"
title = "按时开放"
max = 5
clause = "按时开放的得5分"
method = "checklist"
entries = [{ label = "按时开放", points = 5, when = { fact = "open", is = true } }]

[[categories.items]]
id = "credit"
title = "信用"
max = 5
clause = "信用等级A得5分，B得3分，C不得分"
method = "levels"
fact = "credit"
points = { A = 5, B = 3, C = 0 }

[[categories.items]]
id = "trips"
title = "赴外招聘"
max = 5
clause = "每招聘1人得1分"
method = "per_unit"
fact = "trips"
points_per_unit = 1

[[categories.items]]
id = "quality"
title = "服务质量"
max = 10
clause = "评审组根据服务质量打分（0—10分）"
method = "judgement"
fact = "quality"

[[categories.items]]
id = "faults"
title = "扣分事项"
max = 5
clause = "有人员在岗的，评审组认定的扣分事项逐项扣分"
requires = { fact = "staff", at_least = 1 }
method = "deductions"
deductions = [{ label = "认定扣分", fact = "faults", judged = true }]
"""


def memo_scheme():
    return build_scheme(tomllib.loads(TOML, parse_float=Decimal), file="memo-test.toml")


def full(**over):
    out = {"amount": D("2"), "staff": 1, "share": D("60"), "rate": D("40"), "open": True, "credit": "A",
           "trips": [1, 2], "quality": {"value": D("8"), "reason": "服务规范"},
           "faults": [{"value": D("1"), "reason": "迟报"}]}
    out.update(over)
    return out


def fresh(facts):
    """The sheet as a scheme scores it when it has scored nothing before (nothing remembered), as data."""
    return sheet_to_dict(score(memo_scheme(), facts))


def items(sheet, *paths):
    """path → (points exactly as written, inputs as data, explanation) of some lines of a sheet."""
    data = {item["path"]: item for item in sheet_to_dict(sheet)["items"]}
    return {p: (data[p]["points"], data[p]["inputs"], data[p]["explanation"]) for p in paths}


# refused as validate_facts refuses (FORMAT.md §2, the table of kinds: "value the portal supplies" / "checks") ---------

JUDGED = {"value": D("2"), "reason": "迟报"}

REFUSED = [
    # percent: 0–100 unless min/max given
    ("share", D("150"), "the percentage 150 is above the allowed maximum 100"),
    ("share", D("-1"), "the percentage −1 is below the allowed minimum 0"),
    ("rate", D("5"), "the percentage 5 is below the allowed minimum 10"),
    ("rate", D("60"), "the percentage 60 is above the allowed maximum 50"),
    # count: a non-negative int, never a boolean; number: never a boolean
    ("staff", True, "a count must be a whole number, got True"),
    ("amount", True, "the value: expected a number, got a boolean True"),
    # bool: True / False only
    ("open", 1, "expected true or false, got 1"),
    ("open", "yes", "expected true or false, got 'yes'"),
    # choice: one of the choices
    ("credit", "Z", "'Z' is not one of A, B, C"),
    ("credit", "a", "'a' is not one of A, B, C"),
    # count_list: a list of non-negative ints
    ("trips", D("3"), "expected a list of counts, got Decimal('3')"),
    ("trips", {3}, "expected a list of counts, got {3}"),
    ("trips", [D("2.5")], "entry 1 must be a whole number, got 2.5"),
    ("trips", [1, True], "entry 2 must be a whole number, got True"),
    ("trips", [1, -2], "entry 2 cannot be negative, got -2"),
    # judgement: {"value", "reason"}, min ≤ value ≤ max, reason non-empty
    ("quality", D("3"), "the judgement must be {'value': …, 'reason': …}, got Decimal('3')"),
    ("quality", [{"value": D("3"), "reason": "好"}],
     "the judgement must be {'value': …, 'reason': …}, got [{'value': Decimal('3'), 'reason': '好'}]"),
    ("quality", {"value": D("3"), "reason": "好", "note": "x"},
     "the judgement has unknown field(s) ['note']; expected 'value' and 'reason'"),
    ("quality", {"value": D("11"), "reason": "好"}, "the judgement value 11 is above the allowed maximum 10"),
    ("quality", {"value": D("-1"), "reason": "好"}, "the judgement value −1 is below the allowed minimum 0"),
    ("quality", {"value": D("NaN"), "reason": "好"}, "the judgement value: NaN is not a finite number"),
    ("quality", {"value": D("3"), "reason": "  "}, "the judgement needs a written reason (评分理由); none was given"),
    ("quality", {"value": D("3"), "reason": None}, "the judgement needs a written reason (评分理由); none was given"),
    # judgement_list: a list, each entry as a judgement (an entry of exactly 0 deducts nothing: no reason needed)
    ("faults", JUDGED, "expected a list of judgements, got {'value': Decimal('2'), 'reason': '迟报'}"),
    ("faults", D("1"), "expected a list of judgements, got Decimal('1')"),
    ("faults", [1], "judgement 1 must be {'value': …, 'reason': …}, got 1"),
    ("faults", [{"value": D("2"), "reason": " "}], "judgement 1 needs a written reason (评分理由); none was given"),
    ("faults", [JUDGED, {"value": D("2"), "reason": " "}],
     "judgement 2 needs a written reason (评分理由); none was given"),
    ("faults", [JUDGED, {"value": D("6"), "reason": "漏报"}], "judgement 2 value 6 is above the allowed maximum 5"),
    ("faults", [{"value": D("sNaN"), "reason": "迟报"}], "judgement 1 value: sNaN is not a finite number"),
]


@pytest.mark.parametrize("key, value, problem", REFUSED, ids=[f"{k}-{i}" for i, (k, _v, _p) in enumerate(REFUSED)])
def test_score_refuses_a_fact_exactly_as_validate_facts_refuses_it(key, value, problem):
    """FORMAT.md §2: a value outside its kind's checks is refused with FactsError naming the fact, and §7: score()
    checks the facts as scheme.validate_facts does (the engine's fast check passes plain values only and leaves
    every other value to validate_facts: rules/scoring/engine.py, `_Plan.validate`) — given alone (the other
    facts absent) or among a full set of facts."""
    scheme = memo_scheme()
    for facts in ({key: value}, full(**{key: value})):
        with pytest.raises(FactsError) as scored:
            score(scheme, facts)
        assert (scored.value.key, scored.value.problem) == (key, problem)
        assert str(scored.value) == f"fact {key!r}: {problem}"
        with pytest.raises(FactsError) as checked:
            scheme.validate_facts(facts)
        assert str(checked.value) == str(scored.value)


# read as validate_facts reads (FORMAT.md §2; facts.check_fact_value: "Return the value normalised") -----------------


def test_a_number_or_percentage_given_as_an_int_is_read_as_the_decimal_it_stands_for():
    """FORMAT.md §2: a `number` or `percent` may be supplied as an int; it is read as a Decimal, so the sheet's data
    carries it as Decimals are carried, as a string ("Decimals as strings", rules/scoring/render.py)."""
    scheme = memo_scheme()
    plain = {"amount": 5, "share": 60, "open": True, "credit": "A"}
    for given, as_decimals in ((plain, dict(plain, amount=D("5"), share=D("60"))),
                               (full(amount=5, share=60), full(amount=D("5"), share=D("60")))):
        sheet = score(scheme, given)
        assert items(sheet, "work/amount", "work/share") == {
            "work/amount": ("5", {"amount": "5"}, "amount 5 × 1 = 5.00"),
            "work/share": ("5", {"share": "60"}, "share 60 is in ≥ 50 → 5.00"),
        }
        assert sheet.line("work/amount").inputs["amount"].__class__ is Decimal
        assert sheet.line("work/share").inputs["share"].__class__ is Decimal
        assert sheet_to_dict(sheet) == fresh(as_decimals)


def test_a_judgement_may_be_supplied_as_a_judgement_value():
    """rules/scoring/facts.py: a judgement is {"value", "reason"} or a Judgement (the value the engine keeps), in a
    `judgement` fact and in each entry of a `judgement_list`; either reads the same."""
    scheme = memo_scheme()
    quality = {"value": D("4"), "reason": "规范"}
    faults = [{"value": D("1.5"), "reason": "迟报"}, {"value": D("0.5"), "reason": "漏报"}]
    expected = {
        "work/quality": ("4", {"quality": {"value": "4", "reason": "规范"}},
                         "assessor's judgement 4 (allowed 0–10); reason: 规范"),
        "work/faults": ("3.0", {"staff": 1, "faults": [{"value": "1.5", "reason": "迟报"},
                                                       {"value": "0.5", "reason": "漏报"}]},
                        "start 5.00; 认定扣分: 1.5 (迟报) + 0.5 (漏报) = −2.00; 5.00 − 2.00 = 3.00"),
    }
    judged = Judgement(D("4"), "规范")
    late, missed = Judgement(D("1.5"), "迟报"), Judgement(D("0.5"), "漏报")
    for given in (full(quality=judged, faults=faults),  # a Judgement where a judgement is due
                  full(quality=quality, faults=[late, faults[1]]),  # ... as an entry of a list, beside a dict
                  full(quality=judged, faults=(late, missed))):  # ... every entry, in a tuple
        sheet = score(scheme, given)
        assert items(sheet, "work/quality", "work/faults") == expected
        assert sheet_to_dict(sheet) == fresh(full(quality=quality, faults=faults))


@pytest.mark.parametrize("faults, points, kept, text", [
    ([{"value": D("0"), "reason": ""}, {"value": D("2"), "reason": "迟报"}], "3",
     [{"value": "2", "reason": "迟报"}], "认定扣分: 2 (迟报) = −2.00; 5.00 − 2.00 = 3.00"),
    ([{"value": D("2"), "reason": "迟报"}, {"value": D("0")}, {"value": D("1.5"), "reason": "漏报"}], "1.5",
     [{"value": "2", "reason": "迟报"}, {"value": "1.5", "reason": "漏报"}],
     "认定扣分: 2 (迟报) + 1.5 (漏报) = −3.50; 5.00 − 3.50 = 1.50"),
    ([{"value": D("0"), "reason": "无"}], "5", [], "认定扣分: none = −0.00; 5.00 − 0.00 = 5.00"),
])
def test_a_judged_entry_of_zero_deducts_nothing_and_the_others_still_count(faults, points, kept, text):
    """rules/scoring/facts.py, check_fact_value (citing DOMAIN.md §6.6): a judged deduction may find nothing to
    deduct (无扣分) — an entry of exactly 0 is left out, needs no reason, and every other entry is still deducted."""
    sheet = score(memo_scheme(), full(faults=faults))
    assert items(sheet, "work/faults") == {"work/faults": (points, {"staff": 1, "faults": kept}, "start 5.00; " + text)}


# a sheet scored after others of the same scheme (rules/scoring/engine.py: "a line is remembered by the values of the
# facts it reads") has the figures of a fresh scoring: every fact a line reads, exactly as given ----------------------


def test_a_number_keeps_the_precision_it_was_given_from_sheet_to_sheet():
    """FORMAT.md §7: line points are exact Decimals; with `unit` 1 a `number` fact's value is the units (§4
    per_unit), so 1.50 gives 1.50 points where 1.5 gives 1.5 — on a line that reads the number alone and on one
    that reads it beside a count (its requirement), whatever the sheet scored before."""
    scheme = memo_scheme()
    for amount in ("1.5", "1.50", "1.5", "1.500"):
        facts = full(amount=D(amount))
        sheet = score(scheme, facts)
        assert items(sheet, "work/amount", "work/staffed") == {
            "work/amount": (amount, {"amount": amount}, "amount 1.5 × 1 = 1.50"),
            "work/staffed": (amount, {"staff": 1, "amount": amount}, "amount 1.5 × 1 = 1.50"),
        }, amount
        assert sheet_to_dict(sheet) == fresh(facts), amount


def test_a_requirement_is_checked_on_every_sheet_whatever_the_figures_beside_it():
    """FORMAT.md §3 `requires`: a leaf whose requirement fails scores 0 and says which condition failed — on the
    sheet whose facts fail it, though an earlier sheet had the same figures and a count that met it."""
    scheme = memo_scheme()
    met = {
        "work/staffed": ("2", {"staff": 1, "amount": "2"}, "amount 2 × 1 = 2.00"),
        "work/faults": ("4", {"staff": 1, "faults": [{"value": "1", "reason": "迟报"}]},
                        "start 5.00; 认定扣分: 1 (迟报) = −1.00; 5.00 − 1.00 = 4.00"),
    }
    not_met = {
        "work/staffed": ("0", {"staff": 0}, "requirement not met: staff ≥ 1 fails (is 0) → 0.00"),
        "work/faults": ("0", {"staff": 0}, "requirement not met: staff ≥ 1 fails (is 0) → 0.00"),
    }
    for staff, expected in ((1, met), (0, not_met), (1, met)):
        facts = full(staff=staff)
        sheet = score(scheme, facts)
        assert items(sheet, "work/staffed", "work/faults") == expected, staff
        assert sheet_to_dict(sheet) == fresh(facts), staff


def test_a_judgement_keeps_the_precision_it_was_given_from_sheet_to_sheet():
    """FORMAT.md §4 `judgement`: the line's points are the assessor's value — 3.0 where 3.0 was given, 3 where 3
    was, with the same reason, whatever the sheet scored before (§7: line points are exact Decimals)."""
    scheme = memo_scheme()
    for value in ("3", "3.0", "3"):
        facts = full(quality={"value": D(value), "reason": "好"})
        sheet = score(scheme, facts)
        assert items(sheet, "work/quality") == {"work/quality": (
            value, {"quality": {"value": value, "reason": "好"}}, "assessor's judgement 3 (allowed 0–10); reason: 好")}
        assert sheet_to_dict(sheet) == fresh(facts), value


def test_judged_deductions_are_read_value_by_value_from_sheet_to_sheet():
    """FORMAT.md §4 deductions `{ label, fact, judged = true }`: Σ of the assessor's values — each sheet's own
    values, though an earlier sheet gave the same reasons (2 → 3 points, 3 → 2, 2.0 → 3.0)."""
    scheme = memo_scheme()
    for value, points, text in (("2", "3", "2 (迟报) = −2.00; 5.00 − 2.00 = 3.00"),
                                ("3", "2", "3 (迟报) = −3.00; 5.00 − 3.00 = 2.00"),
                                ("2.0", "3.0", "2 (迟报) = −2.00; 5.00 − 2.00 = 3.00"),
                                ("2", "3", "2 (迟报) = −2.00; 5.00 − 2.00 = 3.00")):
        facts = full(faults=[{"value": D(value), "reason": "迟报"}])
        sheet = score(scheme, facts)
        assert items(sheet, "work/faults") == {"work/faults": (
            points, {"staff": 1, "faults": [{"value": value, "reason": "迟报"}]}, "start 5.00; 认定扣分: " + text)}, value
        assert sheet_to_dict(sheet) == fresh(facts), value


def test_a_judgement_not_given_is_reported_missing_never_taken_as_zero():
    """FORMAT.md §2: a fact an item needs that is absent is reported on the sheet as missing (complete = False),
    never taken as zero — a `judgement` read alone, and a `judgement_list` read beside the count its line requires;
    before and after sheets that gave them."""
    scheme = memo_scheme()
    given = full()
    without = {k: v for k, v in given.items() if k not in ("quality", "faults")}
    for facts in (given, without, given, without):
        sheet = score(scheme, facts)
        assert sheet_to_dict(sheet) == fresh(facts)
    assert sheet.missing_facts == ["faults", "quality"] and not sheet.complete and sheet.passed is None
    assert items(sheet, "work/quality", "work/faults") == {
        "work/quality": ("0", {}, "not scored: missing fact(s) quality"),
        "work/faults": ("0", {}, "not scored: missing fact(s) faults"),
    }
    assert sheet.line("work/faults").steps == [{"step": "missing", "facts": ["faults"]}]
