"""The projected sheet takes its deductions from stored violations, links back to them, and sums reports."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlmodel import select

from portal.violations.models import Violation
from portal.contracts.models import Contract
from portal.reporting.models import Submission
from tests.conftest import login

SH = ZoneInfo("Asia/Shanghai")


def _project(app, contract_id, cycle_id):
    from portal.assessment import services
    from portal.cycles import services as cycle_services
    from portal.db import get_session

    with app.app_context():
        contract = get_session().get(Contract, contract_id)
        cycle = next(c for c in cycle_services.cycles(contract) if c.id == cycle_id)
        return services.project(contract, cycle)


def _sweep(app, at):
    from portal.compliance.services import sweep

    with app.app_context():
        sweep(at)


def test_cycles_follow_the_schemes_payment_periods(app, world):
    """seed 002: 签订之日起5个月后第一阶段验收, 9个月后第二阶段, 合同期满第三阶段."""
    from portal.cycles import services as cycle_services
    from portal.db import get_session

    with app.app_context():
        contract = get_session().get(Contract, world[1]["contract"].id)
        got = [(c.id, c.start, c.end) for c in cycle_services.cycles(contract)]
    assert got == [("stage_1", date(2024, 3, 1), date(2024, 7, 31)),
                   ("stage_2", date(2024, 8, 1), date(2024, 11, 30)),
                   ("stage_3", date(2024, 12, 1), date(2025, 2, 28))]


def test_violations_in_the_cycle_feed_the_fact_their_rule_names_and_waived_ones_do_not(app, world, db):
    _sweep(app, datetime(2024, 8, 1, tzinfo=SH))
    contract_id = world[1]["contract"].id
    counted = db.exec(select(Violation).where(Violation.contract_id == contract_id,
                                              Violation.scheme_fact == "monthly_plans_or_summaries_late")).all()
    in_cycle = [v for v in counted if v.period <= "2024-07"]
    assert in_cycle
    projection = _project(app, contract_id, "stage_1")
    assert projection.facts["monthly_plans_or_summaries_late"] == Decimal(len(in_cycle))
    assert {v.id for v in projection.violations_by_fact["monthly_plans_or_summaries_late"]} == {v.id for v in in_cycle}
    assert projection.sheet.complete is False and projection.sheet.missing_facts  # the rest awaits people

    waived = in_cycle[0]
    waived.waive(world[1]["users"]["approver"].id, "系统故障，经核实")
    db.add(waived)
    db.commit()
    assert _project(app, contract_id, "stage_1").facts["monthly_plans_or_summaries_late"] == Decimal(len(in_cycle) - 1)


def test_report_figures_are_summed_from_the_start_to_the_cycle_end(app, world, db):
    side = world[1]
    for period, referrals in (("2024-05", "10"), ("2024-06", "15"), ("2024-09", "40")):
        year, month = map(int, period.split("-"))
        db.add(Submission(contract_id=side["contract"].id, bureau_id=side["bureau"].id,
                          operator_id=side["operator"].id, obligation_key="monthly_plan_summary", period_key=period,
                          due_at=datetime(year, month, 5, 23, 59, 59, tzinfo=SH),
                          submitted_at=datetime(year, month, 3, tzinfo=SH), submitted_by_id=side["users"]["operator"].id,
                          figures={"referrals_to_park_employers": referrals}, narrative="…"))
    db.commit()
    assert _project(app, side["contract"].id, "stage_1").facts["referrals_to_park_employers"] == Decimal(25)
    assert _project(app, side["contract"].id, "stage_2").facts["referrals_to_park_employers"] == Decimal(65)


def test_the_page_links_each_deduction_to_its_violation(app, world):
    _sweep(app, datetime(2024, 8, 1, tzinfo=SH))
    client = app.test_client()
    login(client, "t1-operator")
    html = client.get(f"/contracts/{world[1]['contract'].id}/score?cycle=stage_1").get_data(as_text=True)
    assert 'data-testid="violation-link"' in html and "#violation-" in html
    assert 'data-testid="score-range"' in html and "预计得分范围" in html and "−0<" not in html
    assert client.get(f"/contracts/{world[1]['contract'].id}/score?cycle=nope").status_code == 404
