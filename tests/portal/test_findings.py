"""Findings: what only the bureau's people know, recorded in the portal, feeding the sheet and the rules."""
from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

from sqlmodel import select

from portal.audit.models import AuditEvent
from portal.violations.models import Violation
from portal.notifications.models import Notification
from portal.contracts.models import Contract
from portal.findings.models import Finding, FindingEffect
from tests.conftest import add_contract, login


def _post(client, token, url, **fields):
    effects = fields.pop("effects", [])
    data = {"finding_kind": "spot_check", "found_on": "2024-06-12", "description": "抽查", "people": "检查员乙",
            **fields}
    for i, (key, value, reason) in enumerate(effects):
        data.update({f"effects-{i}-fact_key": key, f"effects-{i}-value": value, f"effects-{i}-reason": reason})
    return client.post(url, data=data, headers={"X-CSRFToken": token})


def _record(client, token, contract_id, **fields):
    return _post(client, token, f"/contracts/{contract_id}/findings/new", **fields)


def _errors(response) -> list[str]:
    return re.findall(r'<p class="error" id="([^"]+)">([^<]*)</p>', response.get_data(as_text=True))


def _reviewer(app, n=1):
    client = app.test_client()
    return client, login(client, f"t{n}-reviewer")


def _running(db, world, scheme_id, n=1) -> Contract:
    today = date.today()
    return add_contract(db, world, scheme_id=scheme_id, starts_on=today - timedelta(days=200),
                        ends_on=today + timedelta(days=160), number=f"NOW-{scheme_id}", n=n)


def _project(app, contract_id, cycle_id):
    from portal.assessment import services
    from portal.cycles import services as cycle_services
    from portal.db import get_session

    with app.app_context():
        contract = get_session().get(Contract, contract_id)
        cycle = next(c for c in cycle_services.cycles(contract) if c.id == cycle_id)
        return services.project(contract, cycle)


def _facts(app, contract_id, start, end):
    from portal.db import get_session
    from portal.findings.services import facts_for_cycle

    with app.app_context():
        return facts_for_cycle(get_session().get(Contract, contract_id), start, end)


# --- roles -----------------------------------------------------------------------------------------

def test_the_operator_reads_its_findings_with_the_reason_but_cannot_record_them(app, world):
    client = app.test_client()
    token = login(client, "t1-operator")
    contract_id, finding = world[1]["contract"].id, world[1]["finding"]
    assert client.get(f"/contracts/{contract_id}/findings/new").status_code == 403
    assert _record(client, token, contract_id, effects=[("no_uniform_person_times", "1", "x")]).status_code == 403
    assert client.post(f"/findings/{finding.id}/withdraw", data={"reason": "x"},
                       headers={"X-CSRFToken": token}).status_code == 403
    listing = client.get(f"/contracts/{contract_id}/findings").get_data(as_text=True)
    assert "抽查着装：1人未穿工作服" in listing and "record-finding" not in listing
    page = client.get(f"/findings/{finding.id}").get_data(as_text=True)
    assert "1人未穿工作服" in page and "no_uniform_person_times" in page
    assert "每人次扣0.1分" in page  # seed 002 项目质量标准表 1: 发现…不穿工作服…每人次扣0.1分
    assert "withdraw-finding" not in page and "edit-finding" not in page


def test_another_bureaus_reviewer_gets_404_and_an_admin_403(app, world):
    client, token = _reviewer(app, 2)
    contract_id, finding_id = world[1]["contract"].id, world[1]["finding"].id
    assert client.get(f"/contracts/{contract_id}/findings").status_code == 404
    assert client.get(f"/findings/{finding_id}").status_code == 404
    assert _record(client, token, contract_id).status_code == 404
    admin = app.test_client()
    token = login(admin, "t1-admin")
    assert _record(admin, token, contract_id).status_code == 403


# --- recording -------------------------------------------------------------------------------------

def test_a_spot_check_is_recorded_audited_and_the_operator_told(app, world, db):
    client, token = _reviewer(app)
    side = world[1]
    response = _record(client, token, side["contract"].id, station_id=str(side["station"].id),
                       description="抽查6月第二周考勤：2人迟到，1人未穿工作服",
                       effects=[("attendance_anomaly_person_times", "2", "2人迟到"),
                                ("no_uniform_person_times", "1", "1人未穿工作服")])
    assert response.status_code == 302, _errors(response)
    finding = db.exec(select(Finding).where(Finding.description.like("抽查6月%"))).one()
    assert (finding.kind, finding.found_on, finding.station_id, finding.people) == (
        "spot_check", date(2024, 6, 12), side["station"].id, "检查员乙")
    effects = {e.fact_key: (e.value, e.reason) for e in db.exec(select(FindingEffect).where(
        FindingEffect.finding_id == finding.id))}
    assert effects == {"attendance_anomaly_person_times": (Decimal("2.00"), "2人迟到"),
                       "no_uniform_person_times": (Decimal("1.00"), "1人未穿工作服")}
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "record_finding")).one()
    assert event.actor_name == "t1-reviewer" and event.object_id == finding.id
    assert {e["fact_key"] for e in event.after["effects"]} == set(effects)
    note = db.exec(select(Notification).where(Notification.user_id == side["users"]["operator"].id,
                                              Notification.kind == "finding")).one()
    assert note.link == f"/findings/{finding.id}"


def test_values_are_checked_against_the_facts_declaration_with_the_error_beside_the_field(app, world):
    client, token = _reviewer(app)
    contract_id = world[1]["contract"].id
    cases = [
        # seed 002 项目质量标准表 7: 抽查10名求职者 — the scheme allows at most 10
        ([("sampled_jobseekers", "11", "抽查11人")], "effects-0-value", "11"),
        ([("no_uniform_person_times", "1.5", "半人")], "effects-0-value", "须为整数（现为1.5）"),
        ([("assists_channel_maintenance", "也许", "不清楚")], "effects-0-value", "是"),
        ([("schedule_progress_pct", "101", "超过")], "effects-0-value", "101"),
        ([("no_such_fact", "1", "x")], "effects-0-fact_key", "指标"),
        ([("village_visit_deductions", "1", "判断项不能由检查记录设定")], "effects-0-fact_key", "指标"),
        ([("no_uniform_person_times", "1", "")], "effects-0-reason", "理由"),
        ([("no_uniform_person_times", "1", "a"), ("no_uniform_person_times", "2", "b")], "effects-1-fact_key", "一次"),
    ]
    for effects, field_id, words in cases:
        response = _record(client, token, contract_id, effects=effects)
        assert response.status_code == 422, effects
        errors = dict((k.removesuffix("-error"), v) for k, v in _errors(response))
        assert field_id in errors and words in errors[field_id], (effects, errors)
    outside = _record(client, token, contract_id, found_on="2025-03-01")  # the contract ends 2025-02-28
    assert outside.status_code == 422 and "found_on-error" in dict(_errors(outside))
    dispute = _record(client, token, contract_id, finding_kind="dispute")
    assert dispute.status_code == 422 and "outcome-error" in dict(_errors(dispute))


def test_a_count_summed_over_the_cycle_must_stay_in_range(app, world):
    """seed 002 项目质量标准表 7: 随机抽查10名求职者 — two checks of 6 in one payment period are 12 > 10."""
    client, token = _reviewer(app)
    contract_id = world[1]["contract"].id
    first = _record(client, token, contract_id, found_on="2024-05-02", effects=[("sampled_jobseekers", "6", "抽6人")])
    assert first.status_code == 302
    second = _record(client, token, contract_id, found_on="2024-07-31", effects=[("sampled_jobseekers", "6", "又6人")])
    assert second.status_code == 422 and "effects-0-value" in dict((k.removesuffix("-error"), v)
                                                                   for k, v in _errors(second))
    next_cycle = _record(client, token, contract_id, found_on="2024-08-01", effects=[("sampled_jobseekers", "6", "6人")])
    assert next_cycle.status_code == 302


def test_edit_needs_a_reason_and_is_audited_with_before_and_after(app, world, db):
    client, token = _reviewer(app)
    finding = world[1]["finding"]
    url = f"/findings/{finding.id}/edit"
    form = client.get(url).get_data(as_text=True)
    assert '<option selected value="no_uniform_person_times">' in form
    assert re.search(r'id="effects-0-value"[^>]*value="1"', form) and 'value="1人未穿工作服"' in form
    missing_reason = _post(client, token, url, effects=[("no_uniform_person_times", "3", "3人")])
    assert missing_reason.status_code == 422 and "reason-error" in dict(_errors(missing_reason))
    response = _post(client, token, url, found_on="2024-05-10", reason="复核录像，实为3人",
                     effects=[("no_uniform_person_times", "3", "3人未穿工作服")])
    assert response.status_code == 302
    effect = db.exec(select(FindingEffect).where(FindingEffect.finding_id == finding.id)).one()
    assert effect.value == Decimal("3.00")
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "edit_finding")).one()
    assert event.reason == "复核录像，实为3人"
    assert event.before["effects"][0]["value"] == "1.00" and event.after["effects"][0]["value"] == "3.00"


def test_a_finding_is_never_deleted_only_withdrawn_with_a_reason(app, world, db):
    client, token = _reviewer(app)
    finding = world[1]["finding"]
    empty = client.post(f"/findings/{finding.id}/withdraw", data={"reason": " "}, headers={"X-CSRFToken": token})
    assert empty.status_code == 302 and db.get(Finding, finding.id).status == "recorded"
    client.post(f"/findings/{finding.id}/withdraw", data={"reason": "检查对象认错站点"}, headers={"X-CSRFToken": token})
    db.expire_all()
    withdrawn = db.get(Finding, finding.id)
    assert withdrawn.status == "withdrawn" and withdrawn.withdrawn_reason == "检查对象认错站点"
    assert db.exec(select(FindingEffect).where(FindingEffect.finding_id == finding.id)).first() is not None
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "withdraw_finding")).one().reason == "检查对象认错站点"
    assert client.get(f"/findings/{finding.id}/edit").status_code == 302  # refused, back to the finding
    assert "检查对象认错站点" in client.get(f"/findings/{finding.id}").get_data(as_text=True)
    assert _facts(app, world[1]["contract"].id, date(2024, 3, 1), date(2024, 7, 31)).facts == {}


def test_editing_a_finding_with_three_effects_leaves_room_for_a_fourth(app, world, db):
    check = _finding(db, world[1], date(2024, 6, 3), ("attendance_anomaly_person_times", "count", "0"),
                     ("no_uniform_person_times", "count", "1"), ("assists_channel_maintenance", "bool", "1"))
    client, _ = _reviewer(app)
    form = client.get(f"/findings/{check.id}/edit").get_data(as_text=True)
    assert 'id="effects-3-fact_key"' in form and re.search(r'id="effects-2-value"[^>]*value="是"', form)


# --- facts for a cycle -----------------------------------------------------------------------------

def _finding(db, side, found_on, *effects, kind="spot_check"):
    finding = Finding(contract_id=side["contract"].id, bureau_id=side["bureau"].id, operator_id=side["operator"].id,
                      kind=kind, found_on=found_on, description="…", recorded_by_id=side["users"]["reviewer"].id)
    db.add(finding)
    db.flush()
    for key, kind_, value in effects:
        db.add(FindingEffect(finding_id=finding.id, fact_key=key, fact_kind=kind_, value=Decimal(value), reason="…"))
    db.commit()
    return finding


def test_facts_for_cycle_sums_counts_takes_the_latest_value_and_keeps_to_the_cycle(app, world, db):
    """seed 002 合同: 第一阶段 2024-03-01…2024-07-31; the boundary days belong to the cycle."""
    side = world[1]  # already holds one finding on 2024-05-10: no_uniform_person_times +1
    on_start = _finding(db, side, date(2024, 3, 1), ("no_uniform_person_times", "count", "2"),
                        ("schedule_progress_pct", "percent", "40"), ("assists_channel_maintenance", "bool", "0"))
    on_end = _finding(db, side, date(2024, 7, 31), ("no_uniform_person_times", "count", "3"),
                      ("schedule_progress_pct", "percent", "41.5"), ("assists_channel_maintenance", "bool", "1"))
    after = _finding(db, side, date(2024, 8, 1), ("no_uniform_person_times", "count", "10"),
                     ("schedule_progress_pct", "percent", "60"))
    withdrawn = _finding(db, side, date(2024, 6, 1), ("no_uniform_person_times", "count", "100"))
    withdrawn.status = "withdrawn"
    db.add(withdrawn)
    db.commit()

    got = _facts(app, side["contract"].id, date(2024, 3, 1), date(2024, 7, 31))
    assert got.facts == {"no_uniform_person_times": 6, "schedule_progress_pct": Decimal("41.5"),
                         "assists_channel_maintenance": True}
    assert got.sources == dict.fromkeys(got.facts, "findings")
    assert [f.id for f in got.by_fact["no_uniform_person_times"]] == [on_start.id, side["finding"].id, on_end.id]
    assert [f.id for f in got.by_fact["schedule_progress_pct"]] == [on_start.id, on_end.id]
    nxt = _facts(app, side["contract"].id, date(2024, 8, 1), date(2024, 11, 30))
    assert nxt.facts == {"no_uniform_person_times": 10, "schedule_progress_pct": Decimal(60)}
    assert [f.id for f in nxt.by_fact["no_uniform_person_times"]] == [after.id]


# --- the score sheet -------------------------------------------------------------------------------

def test_the_score_sheet_takes_the_findings_effect_and_links_to_it(app, world, db):
    """seed 002 项目质量标准表 1 按时在岗、穿工作服（3分）: 不正常上班或不穿工作服每人次扣0.1分."""
    side = world[1]
    check = _finding(db, side, date(2024, 6, 3), ("attendance_anomaly_person_times", "count", "2"),
                     ("no_uniform_person_times", "count", "1"))
    projection = _project(app, side["contract"].id, "stage_1")
    line = projection.sheet.line("waiting_service/attendance_uniform")
    assert line.points == Decimal("2.60")  # 3 − (2 + 1 + 1) × 0.1: the world's finding adds one more
    assert projection.sources["no_uniform_person_times"] == "findings"
    client = app.test_client()
    login(client, "t1-operator")
    html = client.get(f"/contracts/{side['contract'].id}/score?cycle=stage_1").get_data(as_text=True)
    row = re.search(r'data-path="waiting_service/attendance_uniform".*?</tr>', html, re.S).group(0)
    assert f'href="/findings/{check.id}"' in row and f'href="/findings/{side["finding"].id}"' in row
    assert "2.60" in row


def test_a_finding_wins_over_violations_for_the_same_fact_and_the_sheet_says_so(app, world, db):
    """seed 002 第9项 每月5日之前…每次扣0.1分: the bureau's count replaces the rules' count."""
    side = world[1]
    db.add(Violation(contract_id=side["contract"].id, bureau_id=side["bureau"].id, operator_id=side["operator"].id,
                     rule_id="deadlines.monthly_summary_late", dedup_key="x|1", kind="violation", severity="notice",
                     period="2024-05", scheme_fact="monthly_plans_or_summaries_late", clause="seed 002 第9项",
                     message_zh="逾期", message_en="late", penalty_points=Decimal("0.10")))
    db.commit()
    assert _project(app, side["contract"].id, "stage_1").facts["monthly_plans_or_summaries_late"] == Decimal(1)
    _finding(db, side, date(2024, 7, 1), ("monthly_plans_or_summaries_late", "count", "3"))
    projection = _project(app, side["contract"].id, "stage_1")
    assert projection.facts["monthly_plans_or_summaries_late"] == 3
    assert projection.sources["monthly_plans_or_summaries_late"] == "findings over violations"
    client = app.test_client()
    login(client, "t1-reviewer")
    html = client.get(f"/contracts/{side['contract'].id}/score?cycle=stage_1").get_data(as_text=True)
    assert "取代了违规记录中的同一指标" in html


# --- the compliance rules --------------------------------------------------------------------------

def _rules(db, contract_id):
    db.expire_all()
    return {(v.rule_id, v.status) for v in db.exec(select(Violation).where(Violation.contract_id == contract_id))}


def test_two_incidents_are_counted_and_the_third_vetoes_the_year(app, world, db):
    """seed 001 附件3 站点管理: 发生安全责任事故或投诉3次以上，一票否决，年度评估为不合格."""
    contract = _running(db, world, "jindong-2021")
    client, token = _reviewer(app)
    day = (date.today() - timedelta(days=5)).isoformat()
    for n in (1, 2):
        assert _record(client, token, contract.id, finding_kind="incident", found_on=day,
                       description=f"输送途中交通事故{n}").status_code == 302
    assert ("conduct.incidents_veto", "open") not in _rules(db, contract.id)
    _record(client, token, contract.id, finding_kind="incident", found_on=day, description="工伤事故")
    assert ("conduct.incidents_veto", "open") in _rules(db, contract.id)


def test_a_verified_complaint_costs_two_points_and_withdrawing_it_rectifies(app, world, db):
    """seed 001 附件3 站点管理: 投诉经核实一例扣2分."""
    contract = _running(db, world, "jindong-2021")
    client, token = _reviewer(app)
    day = (date.today() - timedelta(days=3)).isoformat()
    unverified = _record(client, token, contract.id, finding_kind="complaint", found_on=day, description="来电投诉")
    assert unverified.status_code == 302 and _rules(db, contract.id) == set()
    _record(client, token, contract.id, finding_kind="complaint", verified="y", found_on=day,
            description="务工人员投诉未兑现接送承诺，经核实属实", effects=[("verified_complaints", "1", "经核实")])
    complaint = db.exec(select(Finding).where(Finding.description.like("务工人员投诉%"))).one()
    violation = db.exec(select(Violation).where(Violation.contract_id == contract.id,
                                                Violation.rule_id == "conduct.verified_complaint")).one()
    assert violation.penalty_points == Decimal("2.00") and violation.status == "open"
    assert violation.evidence["complaint"] == f"finding-{complaint.id}"
    client.post(f"/findings/{complaint.id}/withdraw", data={"reason": "复核：投诉人撤回并说明误会"},
                headers={"X-CSRFToken": token})
    assert _rules(db, contract.id) == {("conduct.verified_complaint", "rectified")}


def test_a_lost_individual_dispute_costs_five_points(app, world, db):
    """seed 004 四（五）负面影响 第5项: 发生非集体劳动争议案件且败诉的，每件扣5分."""
    contract = _running(db, world, "wujiang-2022")
    client, token = _reviewer(app)
    day = (date.today() - timedelta(days=2)).isoformat()
    _record(client, token, contract.id, finding_kind="dispute", outcome="pending", found_on=day, description="仲裁中")
    assert _rules(db, contract.id) == set()
    _record(client, token, contract.id, finding_kind="dispute", outcome="lost", found_on=day, description="劳动仲裁败诉",
            effects=[("individual_disputes_lost", "1", "仲裁裁决败诉")])
    violation = db.exec(select(Violation).where(Violation.contract_id == contract.id)).one()
    assert violation.rule_id == "conduct.individual_dispute_lost" and violation.penalty_points == Decimal("5.00")


# --- pages -----------------------------------------------------------------------------------------

def test_the_list_filters_by_kind_and_htmx_gets_only_the_table(app, world, db):
    side = world[1]
    _finding(db, side, date(2024, 6, 1), kind="survey")
    client = app.test_client()
    login(client, "t1-approver")
    url = f"/contracts/{side['contract'].id}/findings"
    assert client.get(url).get_data(as_text=True).count('data-testid="finding"') == 2
    surveys = client.get(f"{url}?kind=survey").get_data(as_text=True)
    assert surveys.count('data-testid="finding"') == 1 and 'data-kind="survey"' in surveys
    fragment = client.get(f"{url}?kind=spot_check", headers={"HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="findings-list">') and "HX-Request" in fragment.headers["Vary"]
    assert html.count('data-testid="finding"') == 1 and 'data-kind="spot_check"' in html
    assert client.get(f"{url}?kind=nonsense").status_code == 404


def test_choosing_a_fact_shows_its_clause_and_what_it_costs(app, world):
    client, _ = _reviewer(app)
    contract_id = world[1]["contract"].id
    form = client.get(f"/contracts/{contract_id}/findings/new").get_data(as_text=True)
    assert "hall_untidy_findings" in form and "−0.1/次" in form  # the cost is in the option itself
    rule = client.get(f"/contracts/{contract_id}/findings/fact-rule?effects-0-fact_key=hall_untidy_findings",
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    # seed 002 项目质量标准表 1.4: 服务大厅不干净不整洁，被投诉或抽查发现的，每次扣0.1分
    assert "每次扣0.1分" in rule and "服务大厅不干净不整洁，被投诉或抽查发现的" in rule
    contract_page = client.get(f"/contracts/{contract_id}").get_data(as_text=True)
    assert f'href="/contracts/{contract_id}/findings"' in contract_page
    home = client.get("/").get_data(as_text=True)  # the bureau's workspace: the findings and a new one
    assert f'href="/contracts/{contract_id}/findings"' in home
    assert f'href="/contracts/{contract_id}/findings/new"' in home
