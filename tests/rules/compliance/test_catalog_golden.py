"""The compliance rules' catalog pinned whole (rules/compliance/README.md: each rule with its clause, messages,
scheme item, penalty, severity and remedy): the list the portal shows and the bureau reads. A changed clause,
penalty or remedy shows here as a diff to read; regenerate deliberately with
`python -m tests.rules.compliance.test_catalog_golden`."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from rules.compliance import list_rules
from rules.compliance.model import Penalty

GOLDEN = Path(__file__).parent / "golden" / "catalog.json"


def _catalog() -> str:
    return json.dumps([r.to_dict() for r in list_rules()], ensure_ascii=False, indent=1) + "\n"


def test_the_catalog_is_the_golden_file():
    assert _catalog() == GOLDEN.read_text(encoding="utf-8")


def test_a_penalty_says_what_it_takes():
    """seed 001 第八条 (−2 per occurrence), 未按时提供信息不得分 (the item lost once), a cancelled qualification
    with its ban, a due date."""
    assert Penalty(points=Decimal("2")).describe() == "−2"
    assert Penalty(points=Decimal("0.5"), per_occurrence=False).describe() == "−0.5 (item lost once)"
    assert Penalty(consequence="cancel_qualification", ban_years=2, due=date(2024, 9, 1)).describe() == (
        "cancel_qualification, 2-year ban, due 2024-09-01")
    assert Penalty().describe() == "none"


if __name__ == "__main__":
    GOLDEN.write_text(_catalog(), encoding="utf-8")
