"""Issue #5: every compliance rule says what the operator must do about its finding (Chinese and English)."""
from __future__ import annotations

import re

from rules.compliance import Remedy, list_rules


def test_every_rule_has_a_remedy_in_both_languages():
    rules = list_rules()
    assert len(rules) >= 29
    lacking = [r.id for r in rules if not isinstance(r.remedy, Remedy) or not r.remedy.zh.strip() or not r.remedy.en.strip()]
    assert lacking == [], f"rules without a remedy: {lacking}"


def test_remedies_are_written_in_the_right_language():
    for rule in list_rules():
        assert re.search(r"[\u4e00-\u9fff]", rule.remedy.zh), rule.id
        assert not re.search(r"[\u4e00-\u9fff]", rule.remedy.en.replace("劳务派遣", "")), rule.id


def test_late_report_remedy_is_honest_that_a_late_version_still_costs_the_deduction():
    """seed 002 第9项: 不及时上报的，每次扣0.1分 — handing it in late stops it being missing, not late."""
    rule = next(r for r in list_rules() if r.id == "deadlines.monthly_plan_late")
    assert "补交" in rule.remedy.zh and "逾期" in rule.remedy.zh
    assert rule.to_dict()["remedy"] == {"zh": rule.remedy.zh, "en": rule.remedy.en}
