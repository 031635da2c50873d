"""Findings pinned whole — rule, clause, subject, evidence, penalty, severity, both messages, dedup key — for
scenarios of the documents' deadlines and consequences (the operator and the bureau read these as they are;
the evidence is what a dispute is settled on). Regenerate deliberately with
`python -m tests.rules.compliance.test_findings_golden` and read the diff."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from rules.compliance import evaluate
from tests.rules.compliance.conftest import Kit
from tests.rules.compliance.test_compliance_consequences import _jd
from tests.rules.compliance.test_compliance_consequences import _px as _px_score
from tests.rules.compliance.test_compliance_deadlines import _ledgers, _monthly_000, _plan, _px, _qx

GOLDEN = Path(__file__).parent / "golden" / "findings.json"


def _scenarios() -> dict[str, dict]:
    kit = Kit
    px_subs = [  # seed 002 第9项 and 3 考评办法1, February and March 2024
        _plan("2024-02-06T00:00:01+08:00", "pf", "2024-02"),  # late by a second
        {"id": "sf", "kind": "monthly_summary", "period": "2024-02", "submitted_at": "2024-03-06T09:00:00+08:00"},
        {"id": "rf", "kind": "monthly_report", "period": "2024-02", "submitted_at": "2024-03-06T00:00:01+08:00"},
    ]  # no March plan: missing once the 5th has passed
    qx_subs = _monthly_000([1, 2, 3], skip={("job_information", "2022-02")}) + _ledgers(
        1, "2022-03-31T16:00:00Z", ["jobs"]) + _ledgers(1, "2022-03-30T10:00:00+08:00", ["migrant_workers"])
    return {
        "seed 002 deadlines": _px(kit, "2024-03-20T12:00:00+08:00", px_subs, starts_on="2024-02-01"),
        "seed 000 deadlines": _qx(kit, "2022-04-01T00:00:00+08:00", qx_subs),
        "seed 002 below 50, not rectified": _px_score(kit, "2024-07-11T00:00:00+08:00"),
        "seed 001 two failing years": _jd(kit, ("2023", "59.99", False), ("2024", "40", True)),
    }


def _findings() -> str:
    out = {name: [dataclasses.asdict(f) for f in evaluate(facts)] for name, facts in _scenarios().items()}
    return json.dumps(out, ensure_ascii=False, indent=1, default=str) + "\n"


def test_the_findings_are_the_golden_file():
    assert _findings() == GOLDEN.read_text(encoding="utf-8")


if __name__ == "__main__":
    GOLDEN.write_text(_findings(), encoding="utf-8")
