"""The compliance layer's value types as the portal stores and shows them (issue #18, survivors of rules.compliance.model).

A finding is stored through ``Finding.to_dict`` (portal/violations/services.py keeps its evidence as JSON), so the
whole dict of a real finding is pinned key by key. A rule's metadata refuses to be built without a known severity,
kind and scheme, or without a penalty or consequence; each refusal is asserted word for word.
"""
from datetime import date
from decimal import Decimal

import pytest

from rules.compliance import Clause, Finding, Penalty, Remedy, RuleMeta, evaluate

_CLAUSE = Clause(seed="002", item="服务内容 4.监督考核（标项一、标项二）", text="考核得分低于50分以下的将不支付该期的服务费用")


def _meta(**changes) -> RuleMeta:
    """A well-formed violation rule of seed 002; ``changes`` replace single fields."""
    fields = dict(
        id="test.rule", ruleset="kaohe_test", clause=_CLAUSE,
        message_zh="{period}扣{points}分", message_en="{period}: −{points}",
        schemes=("pingxiang-2024-lot1", "ningming-2024-lot2"), scheme_item="payment/rectification",
        scheme_item_label="考核得分与付款比例", scheme_fact="late_reports",
        penalty=Penalty(points=Decimal("0.5")), severity="notice", kind="violation",
    )
    fields.update(changes)
    return RuleMeta(**fields)


def _rectification(as_of: str) -> dict:
    """凭祥 lot 1, one period scored 49.99 (below 50) and assessed on 10 June 2024; no reporting calendar."""
    return {"as_of": as_of, "contract": {"id": "PX-1", "scheme": "pingxiang-2024-lot1"}, "operator": {"id": "OP-1"},
            "period_scores": [{"id": "ps1", "period": "2024-P1", "score": "49.99", "assessed_on": "2024-06-10"}]}


# --- Finding.to_dict: what the portal stores -------------------------------------------------------------------

def test_a_rectification_finding_is_stored_with_every_field_as_the_rule_made_it():
    """seed 002 监督考核 (考核得分低于50分……限服务方一个月内整改完毕): the stored finding names the rule, its kind, scheme,
    scheme item, the cited document, the period, the evidence, the penalty with its due day, the severity (the bureau
    is notified), both messages and the key the portal de-duplicates on."""
    [finding] = evaluate(_rectification("2024-06-20T09:00:00+08:00"))
    assert finding.to_dict() == {
        "rule_id": "consequences.rectification_notice",
        "kind": "consequence",
        "scheme": "pingxiang-2024-lot1",
        "scheme_item": "payment/rectification",
        "scheme_fact": "",
        "clause": "《凭祥产业园就业服务站及城区、镇就业服务站建设项目采购文件》服务内容 4.监督考核（标项一、标项二）",
        "subject": {"contract": "PX-1", "period": "2024-P1"},
        "evidence": {"assessed_on": "2024-06-10", "period": "2024-P1", "period_score": "ps1",
                     "rectification_due": "2024-07-10", "score": "49.99"},
        "penalty": {"points": None, "per_occurrence": True, "consequence": "rectification", "ban_years": None,
                    "due": "2024-07-10"},
        "severity": "serious",
        "notify_bureau": True,
        "message_zh": "2024-P1考核得分49.99分，低于50分：不支付该期服务费，限于2024年7月10日前整改完毕",
        "message_en": "Period 2024-P1 scored 49.99, below 50: no payment for the period; rectify by 10 Jul 2024",
        "dedup_key": "consequences.rectification_notice|contract=PX-1|period=2024-P1",
    }


def test_a_points_finding_is_stored_with_its_points_as_exact_text():
    """seed 004 四（五）5 (非集体劳动争议案件且败诉的，每件扣5分): the stored finding keeps the points as the exact text "5",
    per occurrence, with no consequence and no due day; a notice does not notify the bureau."""
    facts = {"as_of": "2022-12-31T12:00:00+08:00", "contract": {"id": "WJ-1", "scheme": "wujiang-2022"},
             "operator": {"id": "OP-1"},
             "disputes": [{"id": "d2", "collective": False, "outcome": "lost", "decided_on": "2022-04-01"}]}
    [finding] = evaluate(facts)
    assert finding.to_dict() == {
        "rule_id": "conduct.individual_dispute_lost",
        "kind": "violation",
        "scheme": "wujiang-2022",
        "scheme_item": "negative/individual_disputes",
        "scheme_fact": "individual_disputes_lost",
        "clause": "吴人社就〔2022〕15号《2022年“乐业吴江”就业协作联盟运营单位绩效考核细则》四（五）负面影响 第5项",
        "subject": {"contract": "WJ-1", "dispute": "d2"},
        "evidence": {"collective": False, "decided_on": "2022-04-01", "dispute": "d2", "outcome": "lost"},
        "penalty": {"points": "5", "per_occurrence": True, "consequence": None, "ban_years": None, "due": None},
        "severity": "notice",
        "notify_bureau": False,
        "message_zh": "非集体劳动争议案件d2败诉，扣5分",
        "message_en": "Individual labour dispute d2 lost, −5",
        "dedup_key": "conduct.individual_dispute_lost|contract=WJ-1|dispute=d2",
    }


def test_the_stored_evidence_has_its_keys_in_sorted_order_whatever_order_the_rule_wrote_them():
    """The evidence is stored as JSON with sorted keys (nested mappings too), so its stored text does not depend on
    the order a rule happened to write it in. The rectification rule writes period_score, period, score,
    assessed_on, rectification_due."""
    [finding] = evaluate(_rectification("2024-06-20T09:00:00+08:00"))
    assert list(finding.evidence) == ["period_score", "period", "score", "assessed_on", "rectification_due"]
    assert list(finding.to_dict()["evidence"]) == ["assessed_on", "period", "period_score", "rectification_due", "score"]
    nested = Finding(rule_id="r", kind="violation", scheme="xingan", scheme_item="a/b", scheme_fact="", clause="c",
                     subject={}, evidence={"z": 1, "a": {"y": 2, "b": 3}}, penalty=Penalty(points=Decimal("1")),
                     severity="info", message_zh="", message_en="", dedup_key="r")
    evidence = nested.to_dict()["evidence"]
    assert list(evidence) == ["a", "z"] and list(evidence["a"]) == ["b", "y"]


def test_evidence_a_rule_wrote_as_a_date_or_an_exact_number_is_stored_as_its_text():
    """Evidence is stored as JSON: a date becomes its ISO text, a Decimal its exact digits (never a float)."""
    finding = Finding(rule_id="r", kind="violation", scheme="xingan", scheme_item="a/b", scheme_fact="", clause="c",
                      subject={"contract": "XG-1"},
                      evidence={"due": date(2024, 7, 10), "points": Decimal("0.10"), "rows": ["a", "b"]},
                      penalty=Penalty(points=Decimal("0.1")), severity="info", message_zh="", message_en="",
                      dedup_key="r|contract=XG-1")
    assert finding.to_dict()["evidence"] == {"due": "2024-07-10", "points": "0.10", "rows": ["a", "b"]}


# --- Penalty ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("points", [1, 0.5, "2"])
def test_a_penalty_refuses_points_that_are_not_an_exact_decimal(points):
    """Points are exact (DOMAIN.md §6.1): an int, a float or a string is refused with a TypeError saying so."""
    with pytest.raises(TypeError) as refused:
        Penalty(points=points)
    assert str(refused.value) == "Penalty.points must be a Decimal"


def test_a_penalty_refuses_an_unknown_consequence_by_name():
    with pytest.raises(ValueError) as refused:
        Penalty(consequence="fine")
    assert str(refused.value) == "unknown consequence 'fine'"


def test_a_penalty_with_a_due_day_stores_it_as_iso_text():
    """A rectification's deadline (seed 002: 限服务方一个月内整改完毕) is stored with the penalty."""
    penalty = Penalty(consequence="rectification", due=date(2024, 7, 10))
    assert penalty.to_dict() == {"points": None, "per_occurrence": True, "consequence": "rectification",
                                 "ban_years": None, "due": "2024-07-10"}


# --- RuleMeta: what a rule must declare ------------------------------------------------------------------------

def test_a_well_formed_rule_is_accepted_for_every_kind_of_penalty():
    """Points alone, a consequence alone, or both, make a rule; a tally or derived rule needs neither."""
    assert _meta().penalty.points == Decimal("0.5")
    assert _meta(penalty=Penalty(consequence="rectification"), kind="consequence").penalty.consequence == "rectification"
    assert _meta(penalty=Penalty(points=Decimal("2"), consequence="fail")).penalty.points == Decimal("2")
    assert _meta(penalty=None, kind="tally").penalty is None
    assert _meta(penalty=None, kind="derived", severity="info").kind == "derived"
    assert _meta(penalty=Penalty(), kind="tally").penalty == Penalty()


@pytest.mark.parametrize("changes,message", [
    ({"severity": "urgent"}, "test.rule: unknown severity 'urgent'"),
    ({"kind": "warning"}, "test.rule: unknown kind 'warning'"),
    ({"schemes": ("pingxiang-2024-lot1", "nowhere-2030", "xingan-2099")},
     "test.rule: unknown schemes ['nowhere-2030', 'xingan-2099']"),
    ({"penalty": None}, "test.rule: every rule needs a penalty or a consequence"),
    ({"penalty": Penalty()}, "test.rule: every rule needs a penalty or a consequence"),
    ({"penalty": Penalty(per_occurrence=False, ban_years=2)}, "test.rule: every rule needs a penalty or a consequence"),
    ({"penalty": None, "kind": "review"}, "test.rule: every rule needs a penalty or a consequence"),
])
def test_a_rule_is_refused_naming_itself_and_what_is_wrong(changes, message):
    """A rule needs a known severity, kind and schemes (SCHEMES), and unless it only tallies or derives, a penalty
    with points or a consequence; the refusal names the rule and the wrong value."""
    with pytest.raises(ValueError) as refused:
        _meta(**changes)
    assert str(refused.value) == message


def test_a_rule_without_a_remedy_is_shown_with_none():
    """``flask rules`` shows a rule through to_dict; a rule built without a remedy shows none (not a failure)."""
    meta = _meta()
    assert meta.to_dict() == {
        "id": "test.rule", "ruleset": "kaohe_test", "kind": "violation",
        "clause": {"seed": "002", "item": "服务内容 4.监督考核（标项一、标项二）", "text": "考核得分低于50分以下的将不支付该期的服务费用"},
        "message_zh": "{period}扣{points}分", "message_en": "{period}: −{points}",
        "schemes": ["pingxiang-2024-lot1", "ningming-2024-lot2"], "scheme_item": "payment/rectification",
        "scheme_item_label": "考核得分与付款比例", "scheme_fact": "late_reports",
        "penalty": {"points": "0.5", "per_occurrence": True, "consequence": None, "ban_years": None, "due": None},
        "penalty_text": "−0.5", "severity": "notice", "notify_bureau": False, "remedy": None, "due_day": None,
    }
    with_remedy = _meta(remedy=Remedy("按时报送", "Hand in on time"))
    assert with_remedy.to_dict()["remedy"] == {"zh": "按时报送", "en": "Hand in on time"}
