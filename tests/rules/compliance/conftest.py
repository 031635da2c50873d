"""Builders for compliance-rule tests: valid resident IDs and minimal facts per scheme."""
from __future__ import annotations

import copy

import pytest

from rules.identifiers import resident_id_check_char


def make_resident_id(province: str = "52", birth: str = "19900101", seq: str = "123") -> str:
    """A valid GB 11643 number; ``seq``'s last digit is the 17th character (odd = male)."""
    first17 = province + "0102" + birth + seq
    return first17 + resident_id_check_char(first17)


CONTRACTS = {
    "qianxi-2022": {"id": "QX-1", "scheme": "qianxi-2022", "starts_on": "2022-01-01", "ends_on": "2022-12-31"},
    "jindong-2021": {"id": "JD-1", "scheme": "jindong-2021", "starts_on": "2024-01-01", "ends_on": "2024-12-31"},
    "pingxiang-2024-lot1": {"id": "PX-1", "scheme": "pingxiang-2024-lot1", "starts_on": "2024-01-01", "ends_on": "2024-12-31"},
    "ningming-2024-lot2": {"id": "NM-2", "scheme": "ningming-2024-lot2", "starts_on": "2024-01-01", "ends_on": "2024-12-31"},
    "wujiang-2022": {"id": "WJ-1", "scheme": "wujiang-2022", "starts_on": "2022-01-01", "ends_on": "2022-12-31"},
    "xingan": {"id": "XG-1", "scheme": "xingan", "starts_on": "2024-01-01", "ends_on": "2024-12-31"},
}


def base_facts(scheme: str, as_of: str, **extra) -> dict:
    facts = {"as_of": as_of, "contract": copy.deepcopy(CONTRACTS[scheme]), "operator": {"id": "OP-1"}}
    facts.update(extra)
    return facts


def rule_ids(findings) -> list[str]:
    return [f.rule_id for f in findings]


def only(findings, rule_id: str):
    return [f for f in findings if f.rule_id == rule_id]


@pytest.fixture
def rid():
    return make_resident_id


class Kit:
    resident_id = staticmethod(make_resident_id)
    facts = staticmethod(base_facts)
    rule_ids = staticmethod(rule_ids)
    only = staticmethod(only)


@pytest.fixture
def kit():
    return Kit
