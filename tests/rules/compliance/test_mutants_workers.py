"""Delivered workers as the bureau reads them (issue #18, survivors of rules.compliance.workers).

seed 001 第一条: 输送劳动力 = 在金东参加社会保险且连续缴纳2个月以上的法定劳动年龄段省外户籍务工人员，不含劳务派遣人员. Each
finding that a worker does not count is pinned whole (subject, evidence with the masked ID, both messages word for
word); every refusal of a malformed worker row is asserted word for word; the months that count are those paid by the
Shanghai month evaluated (DOMAIN.md §6.3).
"""
import pytest

from rules.compliance import InvalidFacts, evaluate, workers
from rules.compliance.facts import read_input
from rules.compliance.workers import longest_run
from tests.rules.compliance.test_compliance_workers import _worker

AS_OF = "2024-06-30T12:00:00+08:00"


def _jd(kit, workers, as_of=AS_OF):
    return kit.facts("jindong-2021", as_of, period="2024", workers=workers)


def _whole(finding) -> dict:
    d = finding.to_dict()
    return {k: d[k] for k in ("rule_id", "subject", "evidence", "message_zh", "message_en")}


def test_an_invalid_resident_id_reads_with_the_reason(kit):
    """seed 001 第一条 reads the household and the age from the ID number: a number with a wrong check character does
    not count, and the finding says why, in both languages, with the number masked."""
    row = _worker(kit, "B1")
    assert row["resident_id"] == "52010219900101123X"
    row["resident_id"] = "520102199001011230"
    reason = "身份证号校验码错误（末位应为X） / resident ID check character is wrong (expected X)"
    [finding] = evaluate(_jd(kit, [row]))
    assert _whole(finding) == {
        "rule_id": "workers.invalid_resident_id",
        "subject": {"contract": "JD-1", "worker": "B1"},
        "evidence": {"reason": reason, "resident_id": "520***********1230", "worker": "B1"},
        "message_zh": f"务工人员B1不计入输送劳动力：身份证号无效（{reason}）",
        "message_en": f"Worker B1 does not count as a delivered worker: the resident ID is invalid ({reason})",
    }


@pytest.mark.parametrize("wid,birth,seq,evidence,zh,en", [
    ("A1", "20080111", "123",
     {"age_at_hire": 15, "birth_date": "2008-01-11", "hired_on": "2024-01-10", "minimum_age": 16,
      "resident_id": "520***********1234", "retirement_age": 60, "sex": "M", "worker": "A1"},
     "务工人员A1不计入输送劳动力：入职时15周岁，不在法定劳动年龄段（16周岁至60周岁以下）",
     "Worker A1 does not count as a delivered worker: aged 15 at hire, outside working age (16 to under 60)"),
    ("A2", "19740110", "124",
     {"age_at_hire": 50, "birth_date": "1974-01-10", "hired_on": "2024-01-10", "minimum_age": 16,
      "resident_id": "520***********1243", "retirement_age": 50, "sex": "F", "worker": "A2"},
     "务工人员A2不计入输送劳动力：入职时50周岁，不在法定劳动年龄段（16周岁至50周岁以下）",
     "Worker A2 does not count as a delivered worker: aged 50 at hire, outside working age (16 to under 50)"),
])
def test_a_worker_outside_working_age_reads_with_birth_hire_day_sex_and_ages(kit, wid, birth, seq, evidence, zh, en):
    """seed 001 第一条 法定劳动年龄段, DOMAIN.md §6.7: 16 up to 60 (men) / 50 (women) at the hire date, sex from the 17th
    digit — the finding shows the birth date, hire date, sex and the ages it was judged by."""
    [finding] = evaluate(_jd(kit, [_worker(kit, wid, birth=birth, seq=seq)]))
    assert _whole(finding) == {"rule_id": "workers.outside_working_age",
                               "subject": {"contract": "JD-1", "worker": wid},
                               "evidence": evidence, "message_zh": zh, "message_en": en}


@pytest.mark.parametrize("insured,run", [([], 0), (["2024-01", "2024-03"], 1)])
def test_a_worker_insured_under_two_consecutive_months_reads_with_the_longest_run(kit, insured, run):
    """seed 001 第一条 连续缴纳2个月以上: no month at all is a run of 0; two months with a gap are a run of 1."""
    [finding] = evaluate(_jd(kit, [_worker(kit, "I1", insured=insured)]))
    assert _whole(finding) == {
        "rule_id": "workers.insurance_under_two_months",
        "subject": {"contract": "JD-1", "worker": "I1"},
        "evidence": {"insured_months": insured, "longest_consecutive_run": run, "resident_id": "520***********123X",
                     "worker": "I1"},
        "message_zh": f"务工人员I1不计入输送劳动力：在金东连续缴纳社会保险{run}个月，不足2个月",
        "message_en": f"Worker I1 does not count as a delivered worker: {run} consecutive month(s) of local social "
                      "insurance, fewer than 2",
    }


def test_a_dispatched_worker_reads_as_dispatched(kit):
    """seed 001 第一条: 不含劳务派遣人员."""
    [finding] = evaluate(_jd(kit, [_worker(kit, "D1", dispatched=True)]))
    assert _whole(finding) == {
        "rule_id": "workers.dispatched",
        "subject": {"contract": "JD-1", "worker": "D1"},
        "evidence": {"dispatched": True, "resident_id": "520***********123X", "worker": "D1"},
        "message_zh": "务工人员D1不计入输送劳动力：属劳务派遣人员",
        "message_en": "Worker D1 does not count as a delivered worker: a dispatched (劳务派遣) worker",
    }


@pytest.mark.parametrize("months,run", [
    ([], 0),
    ([(2024, 1)], 1),
    ([(2023, 12), (2024, 1), (2024, 2)], 3),  # across a year end
    ([(2024, 5), (2024, 1), (2024, 2), (2024, 3), (2024, 2)], 3),  # unordered, a month given twice
    ([(2024, 1), (2024, 3), (2024, 4)], 2),  # a gap restarts the run
])
def test_the_longest_run_of_consecutive_months(months, run):
    """seed 001 第一条 连续缴纳 counts consecutive calendar months: the longest run, whatever the order of the months."""
    assert longest_run(months) == run


@pytest.mark.parametrize("change,problem", [
    ({"hired_on": None}, "workers[W1]: hired_on is required"),
    ({"hired_on": "2024-02-30"}, "workers[W1].hired_on: '2024-02-30' is not a date (YYYY-MM-DD)"),
    ({"insured_months": ["2024-01", "2024-13"]}, "workers[W1].insured_months[1]: '2024-13' is not a month (YYYY-MM)"),
    ({"dispatched": "no"}, "workers[W1]: dispatched must be true or false, got 'no'"),
    ({"contract_signed": None}, "workers[W1]: contract_signed must be true or false, got None"),
])
def test_a_malformed_worker_row_is_refused_naming_the_row_and_field(kit, change, problem):
    """seed 001 第一条 needs the hire date (for the age), the insured months and whether the worker is dispatched; 附件3
    签订合同 needs whether a contract was signed: a refusal names the worker and the field."""
    with pytest.raises(InvalidFacts) as refused:
        evaluate(_jd(kit, [_worker(kit, **change)]))
    assert str(refused.value) == problem


def test_the_month_evaluated_counts_as_paid(kit):
    """seed 001 第一条 连续缴纳2个月以上, as of a moment: May and June count on 30 June."""
    found = evaluate(_jd(kit, [_worker(kit, insured=["2024-05", "2024-06"])]))
    assert found == [] and found.counted_workers == ["W1"]


def test_the_month_evaluated_is_shanghai_s(kit):
    """DOMAIN.md §6.3 (Asia/Shanghai time): 20:00 UTC on 30 June is already July in Shanghai, so June and July are two
    months paid."""
    found = evaluate(_jd(kit, [_worker(kit, insured=["2024-06", "2024-07"])], as_of="2024-06-30T20:00:00+00:00"))
    assert found == [] and found.counted_workers == ["W1"]


def test_the_worker_facts_say_whether_the_id_is_valid(kit):
    """rules/compliance/README.md: each module's ``prepare(inp)`` turns the input into engine facts; the workers rules
    match them and bench/bench_compliance.py's plain checks (which must find the same) read them too. A valid ID is
    said valid, with the province, age at hire and working ages seed 001 第一条 is judged by; an invalid one is said
    invalid."""
    rows = [_worker(kit, "W1", insured=["2024-02", "2024-01"]),
            dict(_worker(kit, "B1"), resident_id="520102199001011230")]
    keys = ("worker", "contract", "id_valid", "province_code", "age_at_hire", "minimum_age", "retirement_age",
            "insured_run", "dispatched", "contract_signed")
    facts = workers.prepare(read_input(_jd(kit, rows)))
    assert [{k: f.get(k, "absent") for k in keys} for f in facts] == [
        {"worker": "W1", "contract": "JD-1", "id_valid": True, "province_code": "52", "age_at_hire": 34,
         "minimum_age": 16, "retirement_age": 60, "insured_run": 2, "dispatched": False, "contract_signed": True},
        {"worker": "B1", "contract": "JD-1", "id_valid": False, "province_code": "absent", "age_at_hire": "absent",
         "minimum_age": "absent", "retirement_age": "absent", "insured_run": 2, "dispatched": False,
         "contract_signed": True},
    ]
