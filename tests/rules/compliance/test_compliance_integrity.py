"""Integrity: one resident ID claimed twice in a period (seed 001 第八条（四） 虚报冒领)."""
import pytest

from rules.compliance import evaluate
from rules.compliance.engine import InvalidFacts

DUP = "integrity.duplicate_worker_claim"


def _facts(kit, workers, others):
    return kit.facts("jindong-2021", "2024-06-30T00:00:00+08:00", period="2024", workers=workers, other_claims=others)


def _w(kit, wid, seq="123", station="ST-1"):
    return {"id": wid, "resident_id": kit.resident_id("52", "19900101", seq), "station": station,
            "hired_on": "2024-01-10", "insured_months": ["2024-01", "2024-02"], "contract_signed": True}


def test_seed001_art8_4_same_id_claimed_by_another_operator_is_flagged_for_review(kit):
    """seed 001 第八条（四） 弄虚作假、虚报冒领: the same person claimed by two operators in 2024."""
    me = _w(kit, "W1")
    other = {"id": "X9", "resident_id": me["resident_id"].lower().replace("x", "x"), "operator": "OP-2",
             "station": "ST-9", "contract": "JD-2", "period": "2024"}
    [f] = evaluate(_facts(kit, [me], [other]))
    assert f.rule_id == DUP and f.penalty.consequence == "review" and f.notify_bureau
    assert [c["claim"] for c in f.evidence["claims"]] == ["W1", "X9"]
    assert me["resident_id"] not in str(f.to_dict())


def test_seed001_art8_4_same_id_in_another_period_is_not_flagged(kit):
    me = _w(kit, "W1")
    other = {"id": "X9", "resident_id": me["resident_id"], "operator": "OP-2", "period": "2023"}
    assert evaluate(_facts(kit, [me], [other])) == []


def test_seed001_art8_4_two_stations_of_one_operator_is_flagged_once(kit):
    """Two stations claiming one person is also a double claim; found from both sides, reported once."""
    a, b = _w(kit, "W1", station="ST-1"), _w(kit, "W2", station="ST-2")
    found = evaluate(_facts(kit, [a, b], []))
    assert kit.rule_ids(found) == [DUP]


def test_seed001_art8_4_different_people_are_not_flagged(kit):
    other = {"id": "X9", "resident_id": kit.resident_id("52", "19900101", "125"), "operator": "OP-2", "period": "2024"}
    assert evaluate(_facts(kit, [_w(kit, "W1")], [other])) == []


def test_seed001_art8_4_id_spacing_and_case_do_not_hide_a_double_claim(kit):
    """ID numbers are compared normalised (spaces, full-width digits, lower-case x)."""
    me = _w(kit, "W1")
    spaced = " ".join(me["resident_id"][i:i + 6] for i in range(0, 18, 6))
    other = {"id": "X9", "resident_id": spaced, "operator": "OP-2", "period": "2024"}
    assert kit.rule_ids(evaluate(_facts(kit, [me], [other]))) == [DUP]


def test_seed001_art8_4_the_finding_names_both_claims_word_for_word(kit):
    """seed 001 第八条（四）: the review finding shows whose claims collide — operator, station and contract of
    each, the ID masked — and a claim elsewhere with the same row id as ours is still a second claim."""
    me = _w(kit, "W1")
    other = {"id": "W1", "resident_id": me["resident_id"], "operator": "OP-2", "station": "ST-9", "contract": "JD-2",
             "period": "2024"}
    [f] = evaluate(_facts(kit, [me], [other]))
    assert f.subject == {"contract": "JD-1", "period": "2024"}
    assert f.evidence == {"resident_id": "520***********123X",
                          "claims": [{"claim": "W1", "operator": "OP-1", "station": "ST-1", "contract": "JD-1"},
                                     {"claim": "W1", "operator": "OP-2", "station": "ST-9", "contract": "JD-2"}]}
    assert f.message_zh == "身份证号520***********123X在2024被OP-1/ST-1 / OP-2/ST-9同时申报为输送劳动力，疑似虚报冒领，请核查"
    assert f.message_en == ("Resident ID 520***********123X is claimed as a delivered worker in 2024 by OP-1/ST-1 / "
                            "OP-2/ST-9: possible false claim, review required")
    assert f.dedup_key == "integrity.duplicate_worker_claim|contract=JD-1|period=2024|OP-1/ST-1#W1|OP-2/ST-9#W1"


def test_seed001_art8_4_a_claim_without_station_or_contract_is_named_by_its_operator_alone(kit):
    me = _w(kit, "W1")
    other = {"id": "X9", "resident_id": me["resident_id"], "operator": "OP-2"}  # period: the top-level 2024
    [f] = evaluate(_facts(kit, [me], [other]))
    assert f.evidence["claims"][1] == {"claim": "X9", "operator": "OP-2", "station": "", "contract": ""}
    assert f.message_zh == "身份证号520***********123X在2024被OP-1/ST-1 / OP-2同时申报为输送劳动力，疑似虚报冒领，请核查"


def test_integrity_facts_missing_a_field_are_refused_naming_the_row(kit):
    me = _w(kit, "W1")
    with pytest.raises(InvalidFacts) as err:
        evaluate(kit.facts("jindong-2021", "2024-06-30T00:00:00+08:00", workers=[me], other_claims=[]))
    assert str(err.value) == "workers[W1]: period is required (or give a top-level period)"
    with pytest.raises(InvalidFacts) as err:
        evaluate(_facts(kit, [me], [{"id": "X9", "resident_id": me["resident_id"]}]))
    assert str(err.value) == "other_claims[X9]: operator is required"
    with pytest.raises(InvalidFacts) as err:
        evaluate(_facts(kit, [me], [{"id": "X9", "operator": "OP-2"}]))
    assert str(err.value) == "other_claims[X9]: resident_id is required"
    with pytest.raises(InvalidFacts) as err:
        evaluate(_facts(kit, [{**me, "resident_id": ""}], []))
    assert str(err.value) == "workers[W1]: resident_id is required"
