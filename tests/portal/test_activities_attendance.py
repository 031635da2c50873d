"""Monthly attendance through the portal: the grid, the sheet upload (all-or-nothing, row errors), the
calendar obligation it fills, and the compliance rule it feeds (seed 000 附件2 基础建设: 驻站专职人员每月驻站
工作考勤不少于15天)."""
from __future__ import annotations

import io
import json
import logging
from datetime import date, datetime, timezone

import xlsxwriter
from sqlmodel import func, select

from portal.activities.models import AttendanceSheet, StaffMember
from portal.audit.models import AuditEvent
from portal.violations.models import Violation
from portal.contracts.models import ContractStation
from portal.reporting.models import Submission
from tests.conftest import add_contract, login

RULE = "attendance.resident_staff_days"


def _qianxi(db, world, n: int = 1, number: str = "QX-1"):
    """A 黔西 contract of 2024 with the tenant's station and two resident staff members."""
    contract = add_contract(db, world, scheme_id="qianxi-2022", starts_on=date(2024, 1, 1),
                            ends_on=date(2024, 12, 31), number=number, n=n)
    side = world[n]
    db.add(ContractStation(contract_id=contract.id, station_id=side["station"].id))
    staff = [StaffMember(contract_id=contract.id, bureau_id=side["bureau"].id, operator_id=side["operator"].id,
                         station_id=side["station"].id, name=name, post="驻站专员") for name in ("王小明", "李华")]
    db.add_all(staff)
    db.commit()
    return contract, staff


def _cells(staff_id: int, codes: str) -> dict:
    return {f"m{staff_id}_{day}": code for day, code in enumerate(codes, start=1)}


def _violations(db, contract_id: int, month: str) -> list[Violation]:
    return list(db.exec(select(Violation).where(Violation.contract_id == contract_id, Violation.rule_id == RULE,
                                                Violation.period == month)))


def test_a_staff_member_under_15_days_loses_the_staff_item_and_15_days_is_enough(app, world, db):
    """seed 000 附件2 基础建设 有专职人员（4分）: 每月不低于15天的考勤记录 — 14 days fails, 15 passes."""
    contract, (wang, li) = _qianxi(db, world)
    client = app.test_client()
    token = login(client, "t1-operator")
    march = 31
    wang_codes = "P" * 10 + "F" * 4 + "L" * 3 + "A" * 2 + "R" * 12  # 14 working days
    li_codes = "P" * 12 + "F" * 3 + "R" * (march - 15)  # exactly 15
    response = client.post(f"/contracts/{contract.id}/attendance/2024-03", headers={"X-CSRFToken": token},
                           data={**_cells(wang.id, wang_codes), **_cells(li.id, li_codes)})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]

    sheet = db.exec(select(AttendanceSheet).where(AttendanceSheet.contract_id == contract.id)).one()
    assert (sheet.version, sheet.source, sheet.days_worked(wang.id), sheet.days_worked(li.id)) == (1, "form", 14, 15)
    found = _violations(db, contract.id, "2024-03")
    assert [v.evidence["days"] for v in found] == [14]
    assert found[0].penalty_points == 4 and not found[0].per_occurrence
    assert f"staff={wang.id}" in found[0].dedup_key and "王小明" not in found[0].message_zh, "ids, never names"

    # The correction is a new version; the rules stop finding the violation and mark it rectified.
    wang_fixed = "P" * 15 + "R" * (march - 15)
    client.post(f"/contracts/{contract.id}/attendance/2024-03", headers={"X-CSRFToken": token},
                data={**_cells(wang.id, wang_fixed), **_cells(li.id, li_codes)})
    versions = db.exec(select(AttendanceSheet.version).where(AttendanceSheet.contract_id == contract.id)).all()
    assert sorted(versions) == [1, 2]
    db.expire_all()
    assert [v.status for v in _violations(db, contract.id, "2024-03")] == ["rectified"]


def test_a_month_without_attendance_counts_as_zero_days_for_the_station(app, world, db):
    """rules/compliance README: a station without any attendance row for an ended month has 0 days."""
    from portal.compliance.services import sweep

    contract, _staff = _qianxi(db, world)
    with app.app_context():
        sweep(datetime(2024, 3, 2, tzinfo=timezone.utc))
    missing = _violations(db, contract.id, "2024-02")
    assert len(missing) == 1 and missing[0].evidence["days"] == 0
    assert _violations(db, contract.id, "2024-03") == [], "March has not ended on 2 March"


def test_saving_a_month_is_the_calendars_attendance_submission(app, world, db):
    """qianxi-2022.toml monthly_attendance: due the 5th of the next month; the first version decides lateness."""
    contract, (wang, li) = _qianxi(db, world)
    client = app.test_client()
    token = login(client, "t1-operator")
    client.post(f"/contracts/{contract.id}/attendance/2024-04", headers={"X-CSRFToken": token},
                data=_cells(wang.id, "P" * 20 + "R" * 10))
    submission = db.exec(select(Submission).where(Submission.contract_id == contract.id,
                                                  Submission.obligation_key == "monthly_attendance")).one()
    sheet = db.exec(select(AttendanceSheet).where(AttendanceSheet.contract_id == contract.id)).one()
    assert (submission.period_key, submission.version, sheet.submission_id) == ("2024-04", 1, submission.id)
    assert not submission.on_time  # saved in 2026, due 2024-05-05
    cal = client.get(f"/contracts/{contract.id}/calendar").get_data(as_text=True)
    assert 'data-key="monthly_attendance:2024-04"' in cal or "monthly_attendance:2024-04" in cal
    # the trail in words (once "2024-04 v1 (form)")
    approver = app.test_client()
    login(approver, "t1-approver")
    assert "2024年4月 考勤表第1版（在线填报）" in approver.get("/audit?action=submit_attendance").get_data(as_text=True)


def test_a_pingxiang_contract_has_no_monthly_attendance_obligation_and_gets_no_submission(app, world, db):
    """seed 002 asks for a weekly summary: a month's sheet is not a weekly submission."""
    side = world[1]
    client = app.test_client()
    token = login(client, "t1-operator")
    response = client.post(f"/contracts/{side['contract'].id}/attendance/2024-05", headers={"X-CSRFToken": token},
                           data=_cells(side["staff"].id, "P" * 31))
    assert response.status_code == 302
    assert db.exec(select(func.count()).select_from(Submission).where(
        Submission.obligation_key.like("%attendance%"))).one() == 0


def test_compliance_facts_carry_days_and_ids_but_no_names(app, world, db):
    from portal.facts.services import rule_facts
    from portal.contracts.models import Contract

    contract, (wang, li) = _qianxi(db, world)
    client = app.test_client()
    token = login(client, "t1-operator")
    client.post(f"/contracts/{contract.id}/attendance/2024-03", headers={"X-CSRFToken": token},
                data={**_cells(wang.id, "P" * 16 + "R" * 15), **_cells(li.id, "-" * 31)})
    with app.app_context():
        facts = rule_facts(db.get(Contract, contract.id), datetime(2030, 1, 1, tzinfo=timezone.utc))
    assert facts["stations"] == [{"id": str(world[1]["station"].id)}]
    assert sorted((a["staff"], a["days"], a["month"]) for a in facts["attendance"]) == sorted(
        [(str(wang.id), 16, "2024-03"), (str(li.id), 0, "2024-03")])
    assert "王小明" not in json.dumps(facts, ensure_ascii=False)


def test_a_future_day_is_refused_by_the_grid_and_nothing_is_saved(app, world, db):
    from portal.activities.services import row_problems

    assert row_problems("P" * 10 + "-" * 21, "2024-05", on=date(2024, 5, 10)) == []
    problems = row_problems("P" * 11 + "-" * 20, "2024-05", on=date(2024, 5, 10))
    assert len(problems) == 1 and "11日" in problems[0]
    assert row_problems("P" * 30, "2024-05", on=date(2024, 6, 1)) != [], "31 days in May"


def test_the_row_check_counts_days_and_names_problems_for_htmx(app, world, db):
    contract, (wang, li) = _qianxi(db, world)
    client = app.test_client()
    token = login(client, "t1-operator")
    url = f"/contracts/{contract.id}/attendance/2024-03/check/{wang.id}"
    response = client.post(url, data=_cells(wang.id, "P" * 9 + "F" * 3),
                           headers={"HX-Request": "true", "X-CSRFToken": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<b>12</b>" in html and 'id="row-%d-check"' % wang.id in html
    assert "HX-Request" in response.headers["Vary"]
    bad = client.post(url, data={f"m{wang.id}_1": "Z"}, headers={"X-CSRFToken": token}).get_data(as_text=True)
    assert 'class="error"' in bad
    # another contract's staff member is not this contract's row
    other, (other_staff, _x) = _qianxi(db, world, number="QX-OTHER")
    assert client.post(f"/contracts/{contract.id}/attendance/2024-03/check/{other_staff.id}",
                       headers={"X-CSRFToken": token}).status_code == 404


def _sheet(rows: list[list], headers: list[str]) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("考勤")
    ws.write_row(0, 0, headers)
    for r, row in enumerate(rows, start=1):
        ws.write_row(r, 0, row)
    wb.close()
    return buf.getvalue()


def _upload(client, token, contract_id, month, data, filename):
    return client.post(f"/contracts/{contract_id}/attendance/{month}/upload", headers={"X-CSRFToken": token},
                       content_type="multipart/form-data", data={"sheet": (io.BytesIO(data), filename)})


def test_an_uploaded_sheet_with_errors_is_refused_whole_with_sheet_row_column_and_fix(app, world, db):
    contract, (wang, li) = _qianxi(db, world)
    client = app.test_client()
    token = login(client, "t1-operator")
    headers = ["姓名", "岗位"] + [f"{d}日" for d in range(1, 32)]
    rows = [["王小明", "驻站专员"] + ["在岗"] * 30 + [""],
            ["李 华", "驻站专员"] + ["√"] * 29 + ["迟到", "在岗"],  # April has 30 days; 迟到 is not a code
            ["张三", "驻站专员"] + ["在岗"] * 30 + [""]]  # not on the list
    response = _upload(client, token, contract.id, "2024-04", _sheet(rows, headers), "四月考勤.xlsx")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'data-testid="upload-errors"' in page and "未接收任何数据" in page
    assert "AF" in page and "迟到" in page and "不是可选的值" in page  # row 3, column AF (30日)
    assert "AG" in page and "只有30天" in page  # 31日 in April
    assert "张三" in page and "不在本合同的人员名单中" in page
    assert db.exec(select(func.count()).select_from(AttendanceSheet)).one() == 0, "all or nothing"

    fixed = [["王小明", "驻站专员"] + ["在岗"] * 14 + ["假"] * 16, ["李华", "驻站专员"] + ["√"] * 20 + ["休"] * 10]
    response = _upload(client, token, contract.id, "2024-04", _sheet(fixed, headers[:32]), "四月考勤.xlsx")
    assert response.status_code == 302
    sheet = db.exec(select(AttendanceSheet).where(AttendanceSheet.contract_id == contract.id)).one()
    assert (sheet.source, sheet.filename, sheet.days_worked(wang.id), sheet.days_worked(li.id)) == (
        "upload", "四月考勤.xlsx", 14, 20)
    assert sheet.marks[str(wang.id)] == "P" * 14 + "L" * 16 and len(sheet.sha256) == 64
    assert [v.evidence["days"] for v in _violations(db, contract.id, "2024-04")] == [14]


def test_hostile_attendance_files_are_refused_before_parsing(app, world, db):
    contract, _staff = _qianxi(db, world)
    client = app.test_client()
    token = login(client, "t1-operator")
    html = b"<html><body><table><tr><td>\xe5\xa7\x93\xe5\x90\x8d</td></tr></table></body></html>"
    page = _upload(client, token, contract.id, "2024-04", html, "考勤.xlsx").get_data(as_text=True)
    assert "网页（HTML）" in page
    page = _upload(client, token, contract.id, "2024-04", b"", "考勤.csv").get_data(as_text=True)
    assert "空的" in page or "请选择要上传的文件" in page
    csv = "姓名,1日,2日\n李华,在岗,在岗\n".encode()
    assert _upload(client, token, contract.id, "2024-04", csv, "考勤.csv").status_code == 302, "CSV is accepted"


def test_names_are_masked_for_roles_that_do_not_need_them_and_never_logged(app, world, db, caplog):
    contract, (wang, li) = _qianxi(db, world)
    caplog.set_level(logging.DEBUG)
    pages = {}
    for role in ("operator", "reviewer", "approver", "admin"):
        client = app.test_client()
        token = login(client, f"t1-{role}")
        if role == "operator":
            client.post(f"/contracts/{contract.id}/staff", headers={"X-CSRFToken": token},
                        data={"name": "赵六", "post": "站长", "station_id": str(world[1]["station"].id)})
            client.post(f"/contracts/{contract.id}/attendance/2024-03", headers={"X-CSRFToken": token},
                        data=_cells(wang.id, "P" * 3 + "R" * 28))
        pages[role] = client.get(f"/contracts/{contract.id}/staff").get_data(as_text=True)
    assert "赵六" in pages["operator"] and "王小明" in pages["reviewer"]
    for role in ("approver", "admin"):
        assert "王小明" not in pages[role] and "王**" in pages[role] and "赵*" in pages[role]
    audit = db.exec(select(AuditEvent).where(AuditEvent.action == "add_staff_member")).one()
    assert audit.after["name"] == "赵*"
    assert not any(name in record.getMessage() for record in caplog.records for name in ("王小明", "赵六", "李华"))


def test_a_terminated_contract_takes_no_attendance_staff_or_events(app, world, db):
    """ensure_writable(): the contract no longer accepts submissions."""
    from portal.contracts.models import Contract

    contract, (wang, li) = _qianxi(db, world)
    row = db.get(Contract, contract.id)
    row.terminate("test")
    db.add(row)
    db.commit()
    client = app.test_client()
    token = login(client, "t1-operator")
    response = client.post(f"/contracts/{contract.id}/attendance/2024-03", headers={"X-CSRFToken": token},
                           data=_cells(wang.id, "P" * 20 + "R" * 11))
    assert response.status_code == 422 and "不再接收" in response.get_data(as_text=True)
    response = client.post(f"/contracts/{contract.id}/staff", headers={"X-CSRFToken": token},
                           data={"name": "赵六", "post": "站长", "station_id": str(world[1]["station"].id)})
    assert response.status_code == 422 and "不再接收" in response.get_data(as_text=True)
    response = client.post(f"/contracts/{contract.id}/events", headers={"X-CSRFToken": token},
                           data={"event_kind": "visit", "held_on": "2024-03-05", "place": "园区", "participants": "3"})
    assert response.status_code == 422 and "不再接收" in response.get_data(as_text=True)
    assert db.exec(select(func.count()).select_from(AttendanceSheet)).one() == 0
    assert db.exec(select(func.count()).select_from(StaffMember).where(StaffMember.name == "赵六")).one() == 0
