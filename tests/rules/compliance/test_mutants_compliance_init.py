"""``rules.compliance.evaluate``, pinned where the mutation run of issue #18 found it loose: a fact id made twice
is refused in words naming the ruleset and the id, and every delivered worker's status names the worker."""
from __future__ import annotations

import pytest

from rules.compliance import InvalidFacts, evaluate


def test_a_fact_id_made_twice_is_refused_naming_the_ruleset_and_the_id(kit):
    """README.md beside rules/compliance (InvalidFacts for malformed input, before the engine runs): an attendance
    row whose id is the one seed 000's missing-month fact takes (missing:YW:2022-01, station YW having no row for
    January) would make two facts with one id; it is refused, naming the ruleset and the id."""
    facts = kit.facts("qianxi-2022", "2022-02-10T00:00:00+08:00", stations=[{"id": "WZ"}, {"id": "YW"}],
                      compliance=[{"rule": "attendance.resident_staff_days"}],
                      attendance=[{"id": "missing:YW:2022-01", "station": "WZ", "staff": "P1", "month": "2022-01",
                                   "days": 20}])
    with pytest.raises(InvalidFacts) as refused:
        evaluate(facts)
    assert str(refused.value) == "kaohe_attendance: fact id 'attendance_month:missing:YW:2022-01' appears twice"


def test_each_workers_status_names_the_worker(kit):
    """seed 001 第一条: the findings carry one status per delivered worker, under its id and naming it."""
    worker = {"id": "W1", "resident_id": kit.resident_id("52", "19900101", "123"), "station": "ST-1",
              "hired_on": "2024-01-10", "insured_months": ["2024-01", "2024-02"], "dispatched": False,
              "contract_signed": True}
    found = evaluate(kit.facts("jindong-2021", "2024-06-30T12:00:00+08:00", period="2024", workers=[worker]))
    assert found == []
    assert list(found.workers) == ["W1"]
    status = found.workers["W1"]
    assert (status.worker, status.counted, status.reasons) == ("W1", True, ())
