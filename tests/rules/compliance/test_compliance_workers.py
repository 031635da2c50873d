"""Delivered workers (seed 001 第一条) and their labour contracts (seed 001 附件3 签订合同)."""
from decimal import Decimal

import pytest

from rules.compliance import evaluate

AS_OF = "2024-06-30T12:00:00+08:00"


def _jd(kit, workers, **extra):
    return kit.facts("jindong-2021", AS_OF, period="2024", workers=workers, **extra)


def _worker(kit, wid="W1", province="52", birth="19900101", seq="123", hired_on="2024-01-10",
            insured=("2024-01", "2024-02"), **extra):
    row = {"id": wid, "resident_id": kit.resident_id(province, birth, seq), "station": "ST-1", "hired_on": hired_on,
           "insured_months": list(insured), "dispatched": False, "contract_signed": True}
    row.update(extra)
    return row


def test_seed001_art1_a_worker_meeting_every_condition_counts_and_yields_no_finding(kit):
    """seed 001 第一条: 省外户籍, 法定劳动年龄段, 连续缴纳2个月以上, 非劳务派遣 → counts."""
    found = evaluate(_jd(kit, [_worker(kit)]))
    assert found == []
    assert found.workers["W1"].counted is True and found.counted_workers == ["W1"]


def test_seed001_art1_household_in_zhejiang_does_not_count(kit):
    """seed 001 第一条 省外户籍: ID starting 33 (Zhejiang) does not count; 52 (Guizhou) does."""
    found = evaluate(_jd(kit, [_worker(kit, "ZJ", province="33"), _worker(kit, "GZ", province="52", seq="125")]))
    assert kit.rule_ids(found) == ["workers.household_in_zhejiang"]
    assert found[0].subject == {"contract": "JD-1", "worker": "ZJ"}
    assert found[0].penalty.consequence == "not_counted" and found[0].penalty.points is None
    assert found.workers["ZJ"].counted is False and found.workers["ZJ"].reasons == ("workers.household_in_zhejiang",)
    assert found.workers["GZ"].counted is True


@pytest.mark.parametrize("insured,counted", [
    (["2024-01"], False),  # 1 month
    (["2024-01", "2024-02"], True),  # 2 consecutive months (以上 includes 2)
    (["2024-01", "2024-03"], False),  # 2 months, not consecutive
    (["2023-12", "2024-01"], True),  # consecutive across a year end
    (["2024-06", "2024-07"], False),  # July is after as_of: not paid yet
])
def test_seed001_art1_two_consecutive_months_of_local_insurance(kit, insured, counted):
    """seed 001 第一条: 在金东参加社会保险且连续缴纳2个月以上."""
    found = evaluate(_jd(kit, [_worker(kit, insured=insured)]))
    assert found.workers["W1"].counted is counted
    assert kit.rule_ids(found) == ([] if counted else ["workers.insurance_under_two_months"])


@pytest.mark.parametrize("birth,seq,hired_on,counted", [
    ("20080110", "123", "2024-01-10", True),  # 16 on the hire date
    ("20080111", "123", "2024-01-10", False),  # 15, one day short of 16
    ("19640111", "123", "2024-01-10", True),  # man (17th digit 3, odd), 59
    ("19640110", "123", "2024-01-10", False),  # man, 60 on the hire date
    ("19740111", "124", "2024-01-10", True),  # woman (17th digit 4, even), 49
    ("19740110", "124", "2024-01-10", False),  # woman, 50
])
def test_seed001_art1_working_age_at_hire(kit, birth, seq, hired_on, counted):
    """seed 001 第一条 法定劳动年龄段, DOMAIN §6.7: 16 up to 60 (men) / 50 (women), sex from the 17th digit."""
    found = evaluate(_jd(kit, [_worker(kit, birth=birth, seq=seq, hired_on=hired_on)]))
    assert found.workers["W1"].counted is counted
    if not counted:
        assert kit.rule_ids(found) == ["workers.outside_working_age"]


def test_seed001_art1_retirement_age_is_configurable(kit):
    """DOMAIN §6.7 (women 50, configurable): with 55 a 50-year-old woman counts."""
    worker = _worker(kit, birth="19740110", seq="124")
    assert evaluate(_jd(kit, [worker])).workers["W1"].counted is False
    found = evaluate(_jd(kit, [worker], config={"retirement_age": {"F": 55}}))
    assert found.workers["W1"].counted is True


def test_seed001_art1_dispatched_worker_does_not_count(kit):
    """seed 001 第一条: 不含劳务派遣人员."""
    found = evaluate(_jd(kit, [_worker(kit, dispatched=True)]))
    assert kit.rule_ids(found) == ["workers.dispatched"] and found.workers["W1"].counted is False


def test_seed001_art1_invalid_resident_id_does_not_count(kit):
    """seed 001 第一条 needs the household and age, both read from a valid ID number."""
    row = _worker(kit)
    row["resident_id"] = row["resident_id"][:17] + ("0" if row["resident_id"][17] != "0" else "1")
    found = evaluate(_jd(kit, [row]))
    assert kit.rule_ids(found) == ["workers.invalid_resident_id"]
    assert "校验码" in found[0].evidence["reason"]


def test_seed001_art1_every_failed_condition_is_a_reason(kit):
    """seed 001 第一条: a Zhejiang worker with one month of insurance fails twice, with both reasons."""
    row = _worker(kit, province="33", insured=["2024-01"])
    found = evaluate(_jd(kit, [row]))
    assert found.workers["W1"].reasons == ("workers.household_in_zhejiang", "workers.insurance_under_two_months")
    assert row["resident_id"] not in str([f.to_dict() for f in found])  # personal data: IDs are masked
    assert found[0].evidence["resident_id"] == row["resident_id"][:3] + "*" * 11 + row["resident_id"][-4:]


def test_seed001_annex3_delivered_worker_without_labour_contract_minus_1_each(kit):
    """seed 001 附件3 签订合同: 输送劳动力与用人单位签订劳动合同。发现未落实一例扣1分."""
    workers = [_worker(kit, "W1", contract_signed=False), _worker(kit, "W2", seq="125", contract_signed=False),
               _worker(kit, "W3", seq="127", contract_signed=True)]
    found = evaluate(_jd(kit, workers))
    assert kit.rule_ids(found) == ["workers.labour_contract_missing"] * 2
    assert [f.subject["worker"] for f in found] == ["W1", "W2"]
    assert all(f.penalty.points == Decimal("1") and f.penalty.per_occurrence for f in found)
    assert found[0].scheme_item == "work_management/labour_contracts"


def test_seed001_annex3_labour_contract_rule_only_counts_delivered_workers(kit):
    """seed 001 附件3 签订合同 applies to 输送劳动力 (第一条): a worker who does not count costs nothing."""
    found = evaluate(_jd(kit, [_worker(kit, province="33", contract_signed=False)]))
    assert kit.rule_ids(found) == ["workers.household_in_zhejiang"]


def test_seed001_rules_do_not_apply_to_other_schemes(kit):
    """Delivered-worker rules are seed 001's: a 吴江 contract gets no worker determinations."""
    facts = kit.facts("wujiang-2022", "2022-06-30T00:00:00+08:00", period="2022",
                      workers=[_worker(kit, province="33", hired_on="2022-01-10", insured=[], contract_signed=False)])
    found = evaluate(facts)
    assert found == [] and found.workers == {}
