"""Credit and conduct: seed 004 credit grades, complaints and disputes; seed 001 complaints and incidents."""
from decimal import Decimal

import pytest

from rules.compliance import evaluate


def _wj(kit, operator=None, **extra):
    facts = kit.facts("wujiang-2022", "2022-12-31T12:00:00+08:00", **extra)
    facts["operator"].update(operator or {})
    return facts


@pytest.mark.parametrize("grade,expected", [
    ("A", []),
    ("B", []),
    ("C", [("conduct.credit_grade_c_fail", "fail")]),
    ("D", [("conduct.credit_grade_d_disqualified", "disqualify")]),
])
def test_seed004_negative_3_hr_company_credit_grade(kit, grade, expected):
    """seed 004 四（五）3: 信用等级评价为C级的，当年度考核等次列为不合格；评价为D级的，取消运营单位资格."""
    found = evaluate(_wj(kit, {"credit_grade": grade}))
    assert [(f.rule_id, f.penalty.consequence) for f in found] == expected
    for f in found:
        assert f.notify_bureau and f.subject == {"contract": "WJ-1", "operator": "OP-1"}
        assert f.evidence["credit_grade"] == grade


def test_seed004_negative_2_dispatch_company_labour_credit_c_fails(kit):
    """seed 004 四（五）2: 劳务派遣单位劳动保障信用等级评价为C级的，当年度考核等次列为不合格."""
    assert evaluate(_wj(kit, {"is_dispatch": True, "labour_credit_grade": "B"})) == []
    found = evaluate(_wj(kit, {"is_dispatch": True, "labour_credit_grade": "C"}))
    assert kit.rule_ids(found) == ["conduct.dispatch_labour_credit_c_fail"]
    # a non-dispatch company's labour credit grade is not this clause
    assert evaluate(_wj(kit, {"is_dispatch": False, "labour_credit_grade": "C"})) == []


def test_credit_grade_rules_are_seed004_only(kit):
    """A 金东 operator with credit grade D is not expelled by 吴江's clause."""
    facts = kit.facts("jindong-2021", "2024-06-30T00:00:00+08:00")
    facts["operator"]["credit_grade"] = "D"
    assert evaluate(facts) == []


def _complaints(n, verified=True, start=0):
    return [{"id": f"cp{i}", "received_on": "2022-05-01", "verified": verified} for i in range(start, start + n)]


@pytest.mark.parametrize("n,penalty", [(4, None), (5, Decimal("5")), (7, Decimal("5"))])
def test_seed004_negative_6_five_or_more_complaints_minus_5_once(kit, n, penalty):
    """seed 004 四（五）6: 被投诉累计5次及以上的，扣5分 — 4 is nothing, 5 or 7 is −5 once."""
    found = evaluate(_wj(kit, complaints=_complaints(n, verified=False)))
    if penalty is None:
        assert found == []
    else:
        [finding] = found
        assert finding.rule_id == "conduct.five_or_more_complaints" and finding.penalty.points == penalty
        assert finding.evidence["count"] == n and len(finding.evidence["facts"]) == n


def test_seed004_complaints_received_after_as_of_do_not_count(kit):
    """Conduct is evaluated as of a moment: a complaint received later is not there yet."""
    rows = _complaints(4) + [{"id": "late", "received_on": "2023-01-02", "verified": True}]
    assert evaluate(_wj(kit, complaints=rows)) == []


def test_seed004_negative_4_5_lost_disputes(kit):
    """seed 004 四（五）4、5: 集体劳动争议败诉每件扣10分；非集体劳动争议败诉每件扣5分."""
    disputes = [
        {"id": "d1", "collective": True, "outcome": "lost", "decided_on": "2022-03-01"},
        {"id": "d2", "collective": False, "outcome": "lost", "decided_on": "2022-04-01"},
        {"id": "d3", "collective": False, "outcome": "lost", "decided_on": "2022-05-01"},
        {"id": "d4", "collective": True, "outcome": "won", "decided_on": "2022-05-01"},
        {"id": "d5", "collective": True, "outcome": "pending"},
    ]
    found = evaluate(_wj(kit, disputes=disputes))
    assert [(f.rule_id, f.subject["dispute"], f.penalty.points) for f in found] == [
        ("conduct.collective_dispute_lost", "d1", Decimal("10")),
        ("conduct.individual_dispute_lost", "d2", Decimal("5")),
        ("conduct.individual_dispute_lost", "d3", Decimal("5")),
    ]


def test_seed004_negative_1_major_incident_expels(kit):
    """seed 004 四（五）1: 重大社会影响事件 → 不合格, 取消运营单位资格."""
    found = evaluate(_wj(kit, incidents=[{"id": "i1", "occurred_on": "2022-07-01", "major": True}]))
    assert kit.rule_ids(found) == ["conduct.major_incident_expelled"]


def _jd(kit, **extra):
    return kit.facts("jindong-2021", "2024-12-31T12:00:00+08:00", **extra)


def test_seed001_annex3_each_verified_complaint_minus_2(kit):
    """seed 001 附件3 投诉情况: 投诉经核实一例扣2分 — unverified complaints cost nothing."""
    found = evaluate(_jd(kit, complaints=[{"id": "a", "received_on": "2024-02-01", "verified": True},
                                          {"id": "b", "received_on": "2024-02-01", "verified": False}]))
    [finding] = found
    assert finding.rule_id == "conduct.verified_complaint" and finding.penalty.points == Decimal("2")
    assert finding.subject["complaint"] == "a"


@pytest.mark.parametrize("complaints,incidents,veto", [
    (2, 0, False),  # 2 incidents/complaints
    (3, 0, True),  # 3 verified complaints
    (2, 1, True),  # 2 complaints and 1 safety incident
    (0, 2, False),
    (0, 3, True),
])
def test_seed001_annex3_three_or_more_incidents_or_complaints_veto(kit, complaints, incidents, veto):
    """seed 001 附件3: 发生安全责任事故或投诉3次以上，一票否决，年度评估为不合格 — 2 vs 3."""
    found = evaluate(_jd(kit, complaints=_complaints(complaints),
                         incidents=[{"id": f"i{i}", "occurred_on": "2024-03-01"} for i in range(incidents)]))
    vetoes = kit.only(found, "conduct.incidents_veto")
    assert len(vetoes) == (1 if veto else 0)
    assert len(kit.only(found, "conduct.verified_complaint")) == complaints
    if veto:
        assert vetoes[0].penalty.consequence == "veto" and vetoes[0].notify_bureau
        assert vetoes[0].evidence["count"] == complaints + incidents


def test_seed001_art8_5_major_safety_incident_cancels_with_2_year_ban(kit):
    """seed 001 第八条（五）: 发生重大安全责任事故 → 取消资格, 2年内不得重新申报."""
    found = evaluate(_jd(kit, incidents=[{"id": "i1", "occurred_on": "2024-03-01", "major": True}]))
    [finding] = kit.only(found, "conduct.major_incident_cancel_qualification")
    assert finding.penalty.consequence == "cancel_qualification" and finding.penalty.ban_years == 2
