"""Cohort scoring (吴江: ranks, relative points, grade quotas) and a sheet's money (payments, subsidies) as the engine
states them (issue #18: survivors of the full mutation run in rules.scoring.engine — score_cohort, _assign_grades,
CohortResult.ranking, ScoreSheet.line / payment_due / payment_steps_for / subsidy_total / subsidy_steps_for).

The engine remembers lines by the facts they read (issue 16); the schemes built inline here are built in the test
that scores them. The inline scheme RANK_TOML is a fixture written for these tests (FORMAT.md §1, §3 `rank`).
"""
from __future__ import annotations

import dataclasses
import re
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

import rules.schemes
from rules.schemes import load_scheme
from rules.scoring import FactsError, score, score_cohort
from rules.scoring.engine import to_decimal_value
from rules.scoring.loader import build_scheme
from tests.rules.schemes.test_jindong_2021 import full as jindong_full
from tests.rules.schemes.test_ningming_2024_lot2 import MINUS_10, perfect
from tests.rules.schemes.test_wujiang_2022 import op

D = Decimal
SCHEMES = Path(rules.schemes.__file__).parent

NEW_STATION = "给予新设立的劳务协作工作站一次性1万元建站补贴（第十二条（一））"
EXCELLENT_STATION = "被评为区级优秀站点的，再给予一次性2万元奖励（第十二条（三））"
STAGE_2 = "第二阶段验收（合同签订9个月后）：采购合同总金额20%"

RANK_TOML = """
[scheme]
id = "rank-asc-test"
title = "名次测试"
bureau = "测试局"
document_number = "测〔2024〕7号"
effective_date = 2024-01-01
source = "test fixture"
max_total = 10

[[cycles]]
id = "annual"
label = "年度"

[result]
pass_mark = 0
clause = "测试"

[facts.complaints]
meaning = "有效投诉次数"
kind = "count"
example = 0

[[categories]]
id = "service"
title = "服务"
max = 10
clause = "服务（10分）"

[[categories.items]]
id = "complaints"
title = "投诉名次"
max = 10
clause = "有效投诉最少的运营单位得10分，每降低一个名次减3分，直至0分为止"
method = "rank"
fact = "complaints"
order = "asc"
top = 10
step = 3
"""


def rank_asc_scheme():
    return build_scheme(tomllib.loads(RANK_TOML, parse_float=Decimal), file="rank-asc-test.toml")


def wujiang_ten():
    """Ten 吴江 operators: 甲 and 乙 tie (same figures), 丙 is vetoed (重大社会影响事件), seven others."""
    cohort = {"甲": op(insured_arrivals=190), "乙": op(insured_arrivals=190)}
    cohort |= {f"站{i}": op(insured_arrivals=180 - 10 * i) for i in range(7)}
    cohort["丙"] = op(major_incident=True)
    return score_cohort(load_scheme("wujiang-2022"), cohort)


# grade quotas (DOMAIN.md §6.5, FORMAT.md §1 Grades; 吴江 五、考核结果运用) ------------------------------------------


def test_a_failed_participant_is_graded_e_and_the_grade_says_why():
    """DOMAIN.md §6.5: failed participants (total < 60, veto, disqualified) are E — the grade's explanation and
    steps give the failure (here the 重大社会影响事件 veto) after the grade."""
    sheet = wujiang_ten().sheets["丙"]
    assert (sheet.passed, sheet.grade) == (False, "E")
    assert sheet.grade_explanation == ("failed → E (failed by veto: 重大社会影响事件: major_incident is yes "
                                       "(major_incident = yes) → disqualify)")
    assert sheet.grade_steps == [
        {"step": "grade_failed", "grade": "E"},
        {"step": "veto", "label": "重大社会影响事件", "effect": "disqualify",
         "conditions": [{"fact": "major_incident", "tests": [["is", True]], "value": True}]}]


def test_a_tied_pair_that_does_not_fit_a_quota_takes_the_next_grade_together_and_says_it_is_tied():
    """FORMAT.md §1 Grades: tied totals are never split across a quota — 10 operators: A takes floor(10% × 10) = 1,
    so the tied pair after it goes to B (floor(20% × 10) = 2) together, and each says it is a tied group of 2."""
    result = wujiang_ten()
    assert result.sheets["站6"].grade_explanation == "rank 2 of 10: A quota floor(10% × 10) = 1, 1 used"
    for who in ("甲", "乙"):
        sheet = result.sheets[who]
        assert (sheet.rank, sheet.grade) == (3, "B")
        assert sheet.grade_explanation == "rank 3 of 10: B quota floor(20% × 10) = 2, 2 used (tied group of 2)"
        assert sheet.grade_steps == [{"step": "grade_quota", "rank": 3, "of": 10, "grade": "B", "share": "20",
                                      "limit": "2", "used": 2, "tied": 2}]


# the cohort's ranking (CohortResult.ranking: rank order, unranked last, ties by participant) -----------------------


def test_the_ranking_lists_tied_participants_by_name():
    """CohortResult.ranking(): sheets in rank order; participants sharing a rank (DOMAIN.md §6.4: 1, 1, 3) are
    listed by name, whatever order the cohort was given in."""
    ranking = wujiang_ten().ranking()
    assert [(s.participant, s.rank) for s in ranking[2:4]] == [("乙", 3), ("甲", 3)]


def test_the_empty_name_sorts_first_among_tied_participants():
    """CohortResult.ranking(): ties by participant name, and the empty name comes before every other."""
    result = score_cohort(load_scheme("wujiang-2022"), {"b": op(), "": op(), "A": op()})
    assert [(s.participant, s.rank) for s in result.ranking()] == [("", 1), ("A", 1), ("b", 1)]


# rank-based points (FORMAT.md §3 `rank`, DOMAIN.md §6.4) ---------------------------------------------------------


def test_an_ascending_rank_puts_the_smallest_figure_first():
    """FORMAT.md §3 `rank`: `order` = "asc" ranks the smallest figure first (有效投诉最少的得10分), the rest 3 less
    a place, never below 0; the cohort's rank table lists the participants in rank order, not by name."""
    result = score_cohort(rank_asc_scheme(), {"a": {"complaints": 7}, "b": {"complaints": 0},
                                              "c": {"complaints": 2}, "d": {"complaints": 9}})
    points = {who: s.line("service/complaints").points for who, s in result.sheets.items()}
    assert points == {"b": 10, "c": 7, "a": 4, "d": 1}
    assert result.sheets["a"].line("service/complaints").explanation == (
        "complaints 7 ranks 3 of 4 eligible: 10.00 − (3 − 1) × 3 = 4.00")
    table = result.rank_tables["service/complaints"]
    assert [(who, info.rank, info.value) for who, info in table] == [("b", 1, 0), ("c", 2, 2), ("a", 3, 7),
                                                                     ("d", 4, 9)]


def test_a_refused_fact_in_a_cohort_names_the_participant():
    """FORMAT.md §2 / facts.validate_facts: FactsError names the fact and, in a cohort, the participant."""
    with pytest.raises(FactsError) as caught:
        score_cohort(load_scheme("wujiang-2022"), {"站A": op(), "站B": op(complaints=-1)})
    assert caught.value.participant == "站B"
    assert str(caught.value).startswith("participant '站B': fact 'complaints': ")


# a sheet's lines ------------------------------------------------------------------------------------------------


def test_asking_a_sheet_for_a_line_it_does_not_have_names_the_path():
    """ScoreSheet.line(path): a path not in the scheme raises KeyError carrying that path."""
    sheet = score(load_scheme("jindong-2021"), jindong_full())
    with pytest.raises(KeyError) as caught:
        sheet.line("no/such/line")
    assert caught.value.args == ("no/such/line",)


# payments (FORMAT.md §1 Payment: contract_value × share × ratio; the advance always advance_share) --------------


def ningming_sheet():
    return score(load_scheme("ningming-2024-lot2"), perfect(**MINUS_10, months_demand_not_updated=10))


def test_a_stage_payment_as_data_names_the_stage():
    """seed 002 标项二: stage 2 is 20% of ¥1,000.25 × 90% = ¥180.05; the step names the stage by its label."""
    assert ningming_sheet().payment_steps_for(D("1000.25"), "stage_2") == [
        {"step": "stage_payment", "value": "1000.25", "share": "20", "stage": STAGE_2, "ratio": "90",
         "amount": "180.05"}]


def test_an_unknown_payment_stage_is_refused_listing_the_stages():
    """FORMAT.md §1 Payment: payment_due(contract_value, stage) takes "advance" or a stage id of the scheme."""
    with pytest.raises(ValueError) as caught:
        ningming_sheet().payment_due(D("1000"), "stage_9")
    assert str(caught.value) == "unknown payment stage 'stage_9'; one of advance, stage_1, stage_2, stage_3"


def test_a_scheme_without_a_payment_rule_has_no_payment_due():
    """FORMAT.md §1: Payment is optional (金东 pays subsidies, not a share of a fee)."""
    with pytest.raises(ValueError) as caught:
        score(load_scheme("jindong-2021"), jindong_full()).payment_due(D("1000"), "advance")
    assert str(caught.value) == "scheme jindong-2021 has no payment rule"


def test_a_sheet_without_its_scheme_computes_no_money():
    """A sheet read back from a record carries no scheme (rules/scoring/summary.py): it has neither the payment
    rule nor the subsidy table, and says so rather than failing some other way."""
    bare = dataclasses.replace(ningming_sheet(), _scheme=None)
    with pytest.raises(ValueError) as caught:
        bare.payment_due(D("1000"), "advance")
    assert str(caught.value) == "scheme ningming-2024-lot2 has no payment rule"
    bare = dataclasses.replace(score(load_scheme("jindong-2021"), jindong_full()), _scheme=None)
    with pytest.raises(ValueError) as caught:
        bare.subsidy_total()
    assert str(caught.value) == "scheme jindong-2021 has no subsidy table"


@pytest.mark.parametrize("value, message", [
    ("12万", "contract value: '12万' is not a number"),
    (1.5, "contract value: floats are not accepted (1.5); pass a Decimal, an int or a string such as '1.5'"),
])
def test_a_contract_value_that_is_not_an_exact_number_is_refused_by_that_name(value, message):
    """FORMAT.md §1 Payment: money is exact (Decimal, an int or a numeric string); the refusal names the figure
    as the contract value — payment_due and the helper the steps use alike."""
    with pytest.raises((TypeError, ValueError)) as caught:
        ningming_sheet().payment_due(value, "advance")
    assert str(caught.value) == message
    with pytest.raises((TypeError, ValueError)) as caught:
        to_decimal_value(value)
    assert str(caught.value) == message


# subsidies (FORMAT.md §1 Subsidy; 金东 第十二条) -------------------------------------------------------------------


def test_a_subsidy_with_one_off_grants_adds_them_and_says_so():
    """金东 第十二条: ¥70,000 by score (≥ 90, （二）) + ¥10,000 for a new station （一） + ¥20,000 for an excellent
    station （三） = ¥100,000; as text and as data (each grant by its label)."""
    sheet = score(load_scheme("jindong-2021"), jindong_full())
    assert sheet.subsidy_total(["new_station", "excellent_station"]) == (D(100000), (
        f"¥70,000.00 by score + ¥10,000.00 {NEW_STATION} + ¥20,000.00 {EXCELLENT_STATION} = ¥100,000.00"))
    assert sheet.subsidy_steps_for(["new_station", "excellent_station"]) == [
        {"step": "subsidy_sum", "by_score": "70000",
         "grants": [{"label": NEW_STATION, "amount": "10000"}, {"label": EXCELLENT_STATION, "amount": "20000"}],
         "amount": "100000"}]


def test_an_unknown_one_off_grant_is_refused_listing_the_schemes_grants():
    """FORMAT.md §1 Subsidy: one-off grants are the scheme's `[[subsidy.one_off]]` ids (金东: 2)."""
    with pytest.raises(ValueError) as caught:
        score(load_scheme("jindong-2021"), jindong_full()).subsidy_total(["bonus"])
    assert str(caught.value) == "unknown one-off grant 'bonus'; one of new_station, excellent_station"


def test_a_subsidy_table_without_one_off_grants_refuses_every_grant():
    """FORMAT.md §1 Subsidy: `[[subsidy.one_off]]` is optional; without any, no grant can be added."""
    text = (SCHEMES / "jindong-2021.toml").read_text(encoding="utf-8")
    text = re.sub(r"\[\[subsidy\.one_off\]\]\n(?:[a-z].*\n)*\n", "", text)
    assert "one_off" not in text
    scheme = build_scheme(tomllib.loads(text, parse_float=Decimal), file="jindong-2021.toml")
    sheet = score(scheme, jindong_full())
    assert sheet.subsidy_total() == (D(70000), "¥70,000.00 by score = ¥70,000.00")
    with pytest.raises(ValueError) as caught:
        sheet.subsidy_total(["new_station"])
    assert str(caught.value) == "unknown one-off grant 'new_station'; one of none"


def test_a_scheme_without_a_subsidy_table_has_no_subsidy():
    """FORMAT.md §1: Subsidy is optional (宁明 pays a share of the fee instead)."""
    with pytest.raises(ValueError) as caught:
        ningming_sheet().subsidy_total()
    assert str(caught.value) == "scheme ningming-2024-lot2 has no subsidy table"


def test_an_incomplete_sheet_has_no_subsidy_to_add_grants_to():
    """FORMAT.md §2: a fact not given is missing, never zero — so no subsidy until every fact is in."""
    facts = jindong_full()
    del facts["matching_events"]
    sheet = score(load_scheme("jindong-2021"), facts)
    assert not sheet.complete
    with pytest.raises(ValueError) as caught:
        sheet.subsidy_total(["new_station"])
    assert str(caught.value) == "the sheet is incomplete: no subsidy can be computed until every fact is in"
