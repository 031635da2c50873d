"""Integrity: one resident ID claimed twice in a period (seed 001 第八条（四） 虚报冒领)."""
from rules.compliance import evaluate

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
