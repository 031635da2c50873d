"""Issue #5: the operator's home and the violation page show, per open violation, the points at stake and
what would win them back (the rule's remedy, rules/compliance)."""
from __future__ import annotations

from decimal import Decimal

from sqlmodel import select

from portal.violations.models import Violation
from rules.compliance import list_rules
from tests.conftest import add_contract, login


def _remedy(rule_id: str):
    return next(r.remedy for r in list_rules() if r.id == rule_id)


def test_the_home_page_lists_every_open_violation_with_points_and_remedy(app, world, db):
    from datetime import date, timedelta

    today = date.today()
    contract = add_contract(db, world, scheme_id="pingxiang-2024-lot1", starts_on=today - timedelta(days=60),
                            ends_on=today + timedelta(days=300), number="NOW-1")
    side = world[1]
    for n, (rule_id, points) in enumerate((("deadlines.monthly_plan_late", "0.10"),
                                           ("attendance.anomaly", "0.10"), ("deadlines.monthly_report_late", "0.50"))):
        db.add(Violation(contract_id=contract.id, bureau_id=side["bureau"].id, operator_id=side["operator"].id,
                         rule_id=rule_id, dedup_key=f"{rule_id}|{n}", kind="violation", severity="notice",
                         clause="seed 002", message_zh=f"违规{n}", message_en=f"violation {n}", evidence={},
                         penalty_points=Decimal(points)))
    db.commit()
    waived = db.exec(select(Violation).where(Violation.dedup_key == "attendance.anomaly|1")).one()
    waived.status, waived.status_reason = "waived", "核实"
    db.add(waived)
    db.commit()

    client = app.test_client()
    login(client, "t1-operator")
    page = client.get("/").get_data(as_text=True)
    assert page.index("违规2") < page.index("违规0"), "the most points first"
    assert "违规1" not in page, "a waived violation is not open"
    assert "−0.50" in page and _remedy("deadlines.monthly_report_late").zh in page
    assert _remedy("deadlines.monthly_plan_late").zh in page

    violations = client.get(f"/contracts/{contract.id}/violations").get_data(as_text=True)
    assert violations.count('data-testid="remedy"') == 2  # the open ones only
    assert _remedy("deadlines.monthly_plan_late").zh in violations


def test_the_remedy_follows_the_page_language(app, world):
    client = app.test_client()
    token = login(client, "t1-operator")
    client.post("/lang/en", data={"csrf_token": token, "next": "/"})
    page = client.get(f"/contracts/{world[1]['contract'].id}/violations").get_data(as_text=True)
    assert _remedy("deadlines.monthly_plan_late").en in page and "How to win it back" in page
