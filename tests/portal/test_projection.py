"""The operator's projected score (issue #12 §5): a range from the points secured to the best case, never
“−0”; lines still waiting show 待录入, not 0; an approved cycle shows the approved sheet; each point lost links
to what would win it back."""
from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from portal.assessment import services
from portal.contracts.models import Contract
from portal.cycles import services as cycle_services
from portal.db import get_session
from tests.conftest import login
from tests.portal.test_assessment_signoff import _approve, approver, reviewer  # noqa: F401  (fixtures)

SH = ZoneInfo("Asia/Shanghai")


def _page(app, world, cycle="stage_1") -> str:
    client = app.test_client()
    login(client, "t1-operator")
    return client.get(f"/contracts/{world[1]['contract'].id}/score?cycle={cycle}").get_data(as_text=True)


def test_the_projection_is_a_range_from_the_points_secured_to_the_best_case(app, world):
    with app.app_context():
        contract = get_session().get(Contract, world[1]["contract"].id)
        projection = services.project(contract, cycle_services.find_cycle(contract, "stage_1"))
        assert not projection.sheet.complete
        low, high = projection.secured, projection.best_case
        assert Decimal(0) <= low < high <= Decimal(100)
        # the best case is what the scheme gives when every waiting line is at its maximum
        assert high - low >= sum((line.max for line in projection.leaf_lines
                                  if not line.complete and line.kind == "regular"), Decimal(0)) - Decimal("0.001")
    html = _page(app, world)
    shown = re.search(r'data-testid="score-range"><b>([\d.]+) – ([\d.]+)</b>', html)
    assert shown and (Decimal(shown.group(1)), Decimal(shown.group(2))) == (low, high)
    assert "−0<" not in html and "−0.00<" not in html


def test_a_line_still_waiting_shows_待录入_not_0(app, world):
    html = _page(app, world)
    rows = re.findall(r'<tr class="depth-\d missing"[^>]*>(.*?)</tr>', html, re.S)
    assert rows
    for row in rows:
        cells = re.findall(r'<td class="num">(.*?)</td>', row, re.S)
        assert "待录入" in cells[1] and not re.fullmatch(r"\s*0(\.0+)?\s*", cells[1])


def test_each_point_lost_links_to_what_would_win_it_back(app, world):
    from portal.compliance.services import sweep

    with app.app_context():
        sweep(datetime(2024, 8, 1, tzinfo=SH))
        get_session().commit()
    html = _page(app, world)
    losses = re.search(r'data-testid="losses">(.*?)</ul>', html, re.S)
    assert losses, "a sweep after the deadlines finds something the operator loses points for"
    for item in re.findall(r'<li data-testid="loss".*?</li>', losses.group(1), re.S):
        assert 'data-testid="win-back"' in item and "−" in item


def test_an_approved_cycle_shows_the_approved_sheet(app, world, db, reviewer, approver):  # noqa: F811
    approval = _approve(app, db, world, reviewer, approver)
    html = _page(app, world)
    assert 'data-testid="approved"' in html and f"/approvals/{approval.id}" in html
    assert f"<b>{approval.total}</b>" in html and "预计得分范围" not in html and "已可计分的项目" not in html
