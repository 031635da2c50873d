"""Credit and conduct as the bureau reads them (issue #18, survivors of rules.compliance.conduct).

The findings are pinned whole: subject, evidence, both messages word for word and the key the portal de-duplicates
on. Every refusal of a malformed operator, complaint, incident or dispute is asserted word for word (it names the row
and the field the operator must correct). The day a complaint, incident or lost case counts from is a Shanghai day
(DOMAIN.md §6.3), as of the moment evaluated, and one row outside that moment does not hide the rows after it.
"""
from decimal import Decimal

import pytest

from rules.compliance import InvalidFacts, evaluate

WJ_AS_OF = "2022-12-31T12:00:00+08:00"
JD_AS_OF = "2024-12-31T12:00:00+08:00"


def _wj(kit, operator=None, as_of=WJ_AS_OF, **extra):
    facts = kit.facts("wujiang-2022", as_of, **extra)
    facts["operator"].update(operator or {})
    return facts


def _jd(kit, as_of=JD_AS_OF, **extra):
    return kit.facts("jindong-2021", as_of, **extra)


def _whole(finding) -> dict:
    d = finding.to_dict()
    return {k: d[k] for k in ("rule_id", "subject", "evidence", "message_zh", "message_en", "dedup_key")}


# --- the operator: credit grades and what kind of company it is ----------------------------------------------

@pytest.mark.parametrize("operator,problem", [
    ({"credit_grade": "E"}, "operator.credit_grade: credit grade 'E' is not one of A, B, C, D"),
    ({"labour_credit_grade": "Z"}, "operator.labour_credit_grade: credit grade 'Z' is not one of A, B, C, D"),
    ({"is_hr": "yes"}, "operator: is_hr must be true or false, got 'yes'"),
    ({"is_dispatch": 1}, "operator: is_dispatch must be true or false, got 1"),
])
def test_a_malformed_operator_is_refused_naming_the_field(kit, operator, problem):
    """seed 004 四（五）2、3 read the operator's grades (A, B, C, D) and whether it is an HR or a dispatch company:
    anything else is refused, naming the field to correct."""
    with pytest.raises(InvalidFacts) as refused:
        evaluate(_wj(kit, operator))
    assert str(refused.value) == problem


@pytest.mark.parametrize("grade", ["", None])
def test_an_operator_without_a_grade_is_not_graded(kit, grade):
    """seed 004 四（五）2、3 apply to a grade given (C or D): an empty or absent grade is no grade, neither an error
    nor a finding."""
    assert evaluate(_wj(kit, {"credit_grade": grade, "labour_credit_grade": grade, "is_dispatch": True})) == []


def test_credit_grade_c_fails_only_an_hr_company(kit):
    """seed 004 四（五）3: 运营单位为人力资源服务机构且……信用等级评价为C级的 — an operator that says it is not an HR
    company is not failed by its credit grade; one that says nothing is taken as an HR company."""
    assert evaluate(_wj(kit, {"credit_grade": "C", "is_hr": False})) == []
    [finding] = evaluate(_wj(kit, {"credit_grade": "C"}))
    assert _whole(finding) == {
        "rule_id": "conduct.credit_grade_c_fail",
        "subject": {"contract": "WJ-1", "operator": "OP-1"},
        "evidence": {"credit_grade": "C"},
        "message_zh": "运营单位OP-1信用等级评价为C级，当年度考核等次列为不合格",
        "message_en": "Operator OP-1 has credit grade C: the year's assessment fails",
        "dedup_key": "conduct.credit_grade_c_fail|contract=WJ-1|operator=OP-1",
    }


def test_labour_credit_grade_c_fails_only_a_dispatch_company(kit):
    """seed 004 四（五）2: 运营单位为劳务派遣单位且……劳动保障信用等级评价为C级的 — an operator that does not say it
    is a dispatch company is not one."""
    assert evaluate(_wj(kit, {"labour_credit_grade": "C"})) == []


# --- counts: seed 004 complaints, seed 001 incidents and complaints ---------------------------------------------

def _complaints(n, **row):
    return [{"id": f"cp{i}", "received_on": "2022-05-01", **row} for i in range(n)]


def test_five_complaints_read_as_the_count_the_facts_and_the_deduction(kit):
    """seed 004 四（五）6: 运营单位在评价周期内被投诉累计5次及以上的，扣5分 — the finding is the operator's, counts
    every complaint received (verified or not) and names them."""
    [finding] = evaluate(_wj(kit, complaints=_complaints(5)))
    assert _whole(finding) == {
        "rule_id": "conduct.five_or_more_complaints",
        "subject": {"contract": "WJ-1", "operator": "OP-1"},
        "evidence": {"count": 5, "facts": ["complaint:cp0", "complaint:cp1", "complaint:cp2", "complaint:cp3",
                                           "complaint:cp4"]},
        "message_zh": "评价周期内被投诉累计5次（5次及以上），扣5分",
        "message_en": "5 complaints in the period (5 or more), −5",
        "dedup_key": "conduct.five_or_more_complaints|contract=WJ-1|operator=OP-1",
    }
    assert finding.penalty.points == Decimal("5") and finding.penalty.per_occurrence is False


def test_three_incidents_and_complaints_veto_as_the_operator_s_finding(kit):
    """seed 001 附件3 处理意外责任事故及投诉情况: 发生安全责任事故或投诉3次以上，一票否决，年度评估为不合格 — two verified
    complaints and one safety incident are three."""
    found = evaluate(_jd(kit, complaints=[{"id": "a", "received_on": "2024-02-01", "verified": True},
                                          {"id": "b", "received_on": "2024-02-01", "verified": True}],
                         incidents=[{"id": "i1", "occurred_on": "2024-03-01"}]))
    [veto] = kit.only(found, "conduct.incidents_veto")
    assert _whole(veto) == {
        "rule_id": "conduct.incidents_veto",
        "subject": {"contract": "JD-1", "operator": "OP-1"},
        "evidence": {"count": 3, "facts": ["complaint:a", "complaint:b", "incident:i1"]},
        "message_zh": "安全责任事故及经核实投诉共3次（3次以上），一票否决，年度评估为不合格",
        "message_en": "3 safety incidents and verified complaints (3 or more): veto, the year's evaluation fails",
        "dedup_key": "conduct.incidents_veto|contract=JD-1|operator=OP-1",
    }


# --- complaints --------------------------------------------------------------------------------------------------

def test_a_verified_complaint_reads_with_its_day_and_station(kit):
    """seed 001 附件3: 投诉经核实一例扣2分 — the finding names the complaint, the day it was received and the station
    complained of (none given: empty)."""
    found = evaluate(_jd(kit, complaints=[{"id": "a", "received_on": "2024-02-01", "verified": True, "station": "ST-9"},
                                          {"id": "b", "received_on": "2024-02-03", "verified": True}]))
    assert [_whole(f) for f in found] == [
        {"rule_id": "conduct.verified_complaint", "subject": {"contract": "JD-1", "complaint": "a"},
         "evidence": {"complaint": "a", "received_on": "2024-02-01", "station": "ST-9"},
         "message_zh": "投诉a经核实，扣2分", "message_en": "Complaint a verified, −2",
         "dedup_key": "conduct.verified_complaint|contract=JD-1|complaint=a"},
        {"rule_id": "conduct.verified_complaint", "subject": {"contract": "JD-1", "complaint": "b"},
         "evidence": {"complaint": "b", "received_on": "2024-02-03", "station": ""},
         "message_zh": "投诉b经核实，扣2分", "message_en": "Complaint b verified, −2",
         "dedup_key": "conduct.verified_complaint|contract=JD-1|complaint=b"},
    ]


def test_a_complaint_not_said_to_be_verified_costs_nothing(kit):
    """seed 001 附件3: 投诉经核实一例扣2分 — only a verified complaint costs points; a row that does not say it was
    verified was not."""
    assert evaluate(_jd(kit, complaints=[{"id": "a", "received_on": "2024-02-01"}])) == []


def test_a_serious_verified_complaint_cancels_the_qualification(kit):
    """seed 001 第八条（五）: 严重损害务工人员或企业权益受到投诉并核实的，由区人社局取消劳务协作工作站资格，2年内不得重新申报
    — a serious verified complaint cancels (and costs its 2 points); a verified complaint not said to be serious
    does not cancel."""
    found = evaluate(_jd(kit, complaints=[{"id": "a", "received_on": "2024-02-01", "verified": True, "serious": True},
                                          {"id": "b", "received_on": "2024-02-01", "verified": True}]))
    assert kit.rule_ids(found) == ["conduct.major_incident_cancel_qualification",
                                   "conduct.verified_complaint", "conduct.verified_complaint"]
    assert _whole(found[0]) == {
        "rule_id": "conduct.major_incident_cancel_qualification",
        "subject": {"contract": "JD-1", "operator": "OP-1"},
        "evidence": {"complaint": "a", "received_on": "2024-02-01"},
        "message_zh": "发生重大安全责任事故或严重投诉（a），取消工作站资格，2年内不得重新申报",
        "message_en": "Major safety incident or serious verified complaint (a): qualification cancelled, "
                      "no re-application for 2 years",
        "dedup_key": "conduct.major_incident_cancel_qualification|contract=JD-1|operator=OP-1|a",
    }
    assert found[0].penalty.ban_years == 2


@pytest.mark.parametrize("row,problem", [
    ({"id": "c1"}, "complaints[c1]: received_on is required"),
    ({"id": "c1", "received_on": "2024-02-30"}, "complaints[c1].received_on: '2024-02-30' is not a date (YYYY-MM-DD)"),
    ({"id": "c1", "received_on": "2024-02-01", "verified": "yes"},
     "complaints[c1]: verified must be true or false, got 'yes'"),
    ({"id": "c1", "received_on": "2024-02-01", "verified": True, "serious": "no"},
     "complaints[c1]: serious must be true or false, got 'no'"),
])
def test_a_malformed_complaint_is_refused_naming_the_row_and_field(kit, row, problem):
    """A complaint needs the day it was received; verified and serious are true or false (seed 001 附件3, 第八条（五）):
    a refusal names the complaint and the field."""
    with pytest.raises(InvalidFacts) as refused:
        evaluate(_jd(kit, complaints=[row]))
    assert str(refused.value) == problem


def test_a_complaint_counts_from_the_day_it_is_received(kit):
    """seed 001 附件3 投诉经核实一例扣2分, evaluated as of a moment: a complaint received on the day evaluated counts; one
    received later is not there yet, and does not hide the complaints listed after it."""
    found = evaluate(_jd(kit, as_of="2024-06-30T09:00:00+08:00",
                         complaints=[{"id": "later", "received_on": "2024-07-01", "verified": True},
                                     {"id": "today", "received_on": "2024-06-30", "verified": True}]))
    assert [(f.rule_id, f.subject["complaint"]) for f in found] == [("conduct.verified_complaint", "today")]


def test_the_day_evaluated_is_shanghai_s(kit):
    """DOMAIN.md §6.3 (Asia/Shanghai time): 16:30 UTC on 1 March is already 2 March in Shanghai, so a complaint
    received on 2 March counts."""
    found = evaluate(_jd(kit, as_of="2024-03-01T16:30:00+00:00",
                         complaints=[{"id": "a", "received_on": "2024-03-02", "verified": True}]))
    assert kit.rule_ids(found) == ["conduct.verified_complaint"]


# --- incidents ---------------------------------------------------------------------------------------------------

def test_a_major_incident_reads_with_the_day_it_occurred(kit):
    """seed 004 四（五）1: 发生群体性、突发性等重大社会影响事件……当年度考核等次列为不合格，取消运营单位资格."""
    [finding] = evaluate(_wj(kit, incidents=[{"id": "i1", "occurred_on": "2022-07-01", "major": True}]))
    assert _whole(finding) == {
        "rule_id": "conduct.major_incident_expelled",
        "subject": {"contract": "WJ-1", "operator": "OP-1"},
        "evidence": {"incident": "i1", "occurred_on": "2022-07-01"},
        "message_zh": "运营单位OP-1发生重大社会影响事件（i1），当年度不合格并取消运营单位资格",
        "message_en": "Operator OP-1: major incident i1; the year fails and the operator is expelled",
        "dedup_key": "conduct.major_incident_expelled|contract=WJ-1|operator=OP-1|i1",
    }


def test_an_incident_counts_from_the_day_it_occurs(kit):
    """seed 001 第八条（五） 发生重大安全责任事故, evaluated as of a moment: an incident on the day evaluated counts; a later
    one is not there yet, and does not hide the incidents listed after it."""
    found = evaluate(_jd(kit, as_of="2024-06-30T09:00:00+08:00",
                         incidents=[{"id": "later", "occurred_on": "2024-07-01", "major": True},
                                    {"id": "today", "occurred_on": "2024-06-30", "major": True}]))
    assert [(f.rule_id, f.evidence["incident"]) for f in found] == [
        ("conduct.major_incident_cancel_qualification", "today")]


@pytest.mark.parametrize("row,problem", [
    ({"id": "i1"}, "incidents[i1]: occurred_on is required"),
    ({"id": "i1", "occurred_on": "2024-13-01"}, "incidents[i1].occurred_on: '2024-13-01' is not a date (YYYY-MM-DD)"),
    ({"id": "i1", "occurred_on": "2024-03-01", "major": "yes"},
     "incidents[i1]: major must be true or false, got 'yes'"),
])
def test_a_malformed_incident_is_refused_naming_the_row_and_field(kit, row, problem):
    """An incident needs the day it occurred; major is true or false (seed 001 第八条（五）, seed 004 四（五）1)."""
    with pytest.raises(InvalidFacts) as refused:
        evaluate(_jd(kit, incidents=[row]))
    assert str(refused.value) == problem


# --- labour disputes ---------------------------------------------------------------------------------------------

def test_a_lost_collective_dispute_reads_with_the_day_it_was_decided(kit):
    """seed 004 四（五）4: 发生集体劳动争议案件且败诉的，每件扣10分."""
    [finding] = evaluate(_wj(kit, disputes=[{"id": "d1", "collective": True, "outcome": "lost",
                                             "decided_on": "2022-03-01"}]))
    assert _whole(finding) == {
        "rule_id": "conduct.collective_dispute_lost",
        "subject": {"contract": "WJ-1", "dispute": "d1"},
        "evidence": {"collective": True, "decided_on": "2022-03-01", "dispute": "d1", "outcome": "lost"},
        "message_zh": "集体劳动争议案件d1败诉，扣10分",
        "message_en": "Collective labour dispute d1 lost, −10",
        "dedup_key": "conduct.collective_dispute_lost|contract=WJ-1|dispute=d1",
    }


def test_a_case_is_lost_from_the_day_it_is_decided(kit):
    """seed 004 四（五）4、5 (败诉的), evaluated as of a moment: a case lost on the day evaluated counts; one lost with no
    decision day, or decided later, is not lost yet, and neither hides the cases listed after it."""
    disputes = [
        {"id": "undated", "collective": True, "outcome": "lost"},
        {"id": "later", "collective": True, "outcome": "lost", "decided_on": "2022-07-01"},
        {"id": "today", "collective": False, "outcome": "lost", "decided_on": "2022-06-30"},
    ]
    found = evaluate(_wj(kit, as_of="2022-06-30T09:00:00+08:00", disputes=disputes))
    assert [(f.rule_id, f.subject["dispute"]) for f in found] == [("conduct.individual_dispute_lost", "today")]


def test_a_settled_case_is_accepted_and_costs_nothing(kit):
    """seed 004 四（五）4、5 deduct for a case lost (败诉); won, pending and settled cases are accepted and cost nothing."""
    disputes = [{"id": "s", "collective": True, "outcome": "settled", "decided_on": "2022-03-01"},
                {"id": "w", "collective": False, "outcome": "won", "decided_on": "2022-03-01"},
                {"id": "p", "collective": False, "outcome": "pending"}]
    assert evaluate(_wj(kit, disputes=disputes)) == []


@pytest.mark.parametrize("row,problem", [
    ({"id": "d1", "collective": True}, "disputes[d1]: outcome is required"),
    ({"id": "d1", "collective": True, "outcome": "appealed"},
     "disputes[d1]: outcome 'appealed' is not lost, won, pending or settled"),
    ({"id": "d1", "collective": True, "outcome": "lost", "decided_on": "2022-02-30"},
     "disputes[d1].decided_on: '2022-02-30' is not a date (YYYY-MM-DD)"),
    ({"id": "d1", "outcome": "won"}, "disputes[d1]: collective must be true or false, got None"),
])
def test_a_malformed_dispute_is_refused_naming_the_row_and_field(kit, row, problem):
    """seed 004 四（五）4、5 tell collective from individual cases and lost from the rest: a dispute needs both, and a
    decision day that is a date."""
    with pytest.raises(InvalidFacts) as refused:
        evaluate(_wj(kit, disputes=[row]))
    assert str(refused.value) == problem
