"""Station establishment (seed 001 第二章): apply with the 附件1 form and the 附件2 roster, 初审 by the centre,
审核 by the bureau (第五条), the station and its one-off subsidy (第十二条（一）); cancellation and its two-year
ban (第八条); excellent stations (第十条, 第十二条（三）)."""
from __future__ import annotations

import io
import logging
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from portal.applications.models import (
    ApplicationWorker,
    IllegalTransition,
    QualificationCancellation,
    StationApplication,
    StationSubsidy,
)
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification, OutboxMail
from portal.contracts.models import Station
from rules.schemes import load_scheme
from rules.scoring.jindong import reapplication_allowed_from
from tests.conftest import login
from tests.portal.applications.roster_builders import resident_id, roster_csv, roster_rows, roster_xlsx

SCHEME = load_scheme("jindong-2021")
FORM = {
    "station_name": "金东—黔西劳务协作工作站", "kind": "labour_cooperation", "cooperation_region": "贵州省毕节市黔西市",
    "applicant_head": "王经理", "applicant_phone": "13812345678", "partner_name": "黔西市公共就业服务中心",
    "partner_head": "李主任", "partner_phone": "0857-4222222", "address": "金东区多湖街道某路8号",
    "remote_office": "黔西市锦星镇某路2号", "liaison_person": "张专员", "required_staff": "3",
    "agreement": "2024年1月与黔西市人社局签订劳务协作协议，约定每年输送300人", "term_until": "2030-12-31",
    "introduction": "为金东区企业输送贵州籍务工人员。", "materials": ["business_licence", "hr_service_licence"],
    "materials_note": "原件已送中心", "commitment": "y",
}


def _today() -> date:
    from portal.applications.services import today

    return today()


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _client(app, username):
    client = app.test_client()
    return client, login(client, username)


def _post(client, token, url, data=None, **kw):
    return client.post(url, data=data or {}, headers={"X-CSRFToken": token}, **kw)


def _apply(app, world, *, bureau: int = 1, roster: bytes | None = None, filename: str = "名册.xlsx"):
    """The operator of tenant 1 fills the form for `bureau`, uploads the roster; returns (client, token, id)."""
    client, token = _client(app, "t1-operator")
    response = _post(client, token, "/applications/new", {**FORM, "bureau_id": world[bureau]["bureau"].id})
    assert response.status_code == 302, response.get_data(as_text=True)
    application_id = int(response.headers["Location"].rsplit("/", 1)[1])
    if roster is not None:
        response = _post(client, token, f"/applications/{application_id}/roster",
                         {"file": (io.BytesIO(roster), filename)}, content_type="multipart/form-data")
        assert response.status_code == 302
    return client, token, application_id


def _submitted(app, world, db, bureau: int = 1) -> int:
    client, token, application_id = _apply(app, world, bureau=bureau, roster=roster_xlsx(50))
    assert _post(client, token, f"/applications/{application_id}/submit").status_code == 302
    assert db.get(StationApplication, application_id).state == "submitted"
    return application_id


def _fresh(db, model, pk):
    db.expire_all()
    return db.get(model, pk)


# --- the whole way, through the pages --------------------------------------------------------------

def test_application_first_review_and_approval_set_up_the_station_with_the_scheme_subsidy(app, world, db):
    operator_user = world[1]["users"]["operator"]
    operator_user.email = "op1@example.cn"
    db.add(operator_user)
    db.commit()
    application_id = _submitted(app, world, db)
    application = _fresh(db, StationApplication, application_id)
    assert (application.roster_state, application.roster_count) == ("accepted", 50)
    assert application.materials == ["business_licence", "hr_service_licence"]

    reviewer, rtoken = _client(app, "t1-reviewer")
    assert "金东—黔西劳务协作工作站" in reviewer.get("/applications?state=submitted").get_data(as_text=True)
    assert _post(reviewer, rtoken, f"/applications/{application_id}/review",
                 {"outcome": "pass", "reason": "材料齐全，名册核实50人"}).status_code == 302
    approver, atoken = _client(app, "t1-approver")
    assert _post(approver, atoken, f"/applications/{application_id}/decide",
                 {"outcome": "approve", "reason": "同意设立"}).status_code == 302

    application = _fresh(db, StationApplication, application_id)
    assert application.state == "approved" and application.decision_reason == "同意设立"
    station = db.get(Station, application.station_id)
    assert (station.bureau_id, station.operator_id, station.status) == (world[1]["bureau"].id, world[1]["operator"].id,
                                                                       "active")
    assert station.established_on == _today() and station.name == FORM["station_name"]
    assert station.kind == "labour_cooperation" and station.required_staff == 3
    # 第十二条（一）: the amount is the scheme's, to the fen
    new_station = next(o for o in SCHEME.subsidy.one_off if o.id == "new_station")
    subsidy = db.exec(select(StationSubsidy).where(StationSubsidy.station_id == station.id)).one()
    assert subsidy.kind == "new_station" and subsidy.amount == Decimal(new_station.amount).quantize(Decimal("0.01"))
    assert subsidy.amount == Decimal("10000.00") and subsidy.clause == new_station.label
    assert (subsidy.granted_on, subsidy.application_id, subsidy.scheme_id) == (_today(), application_id, "jindong-2021")

    actions = [e.action for e in db.exec(select(AuditEvent).order_by(AuditEvent.id))]
    for action in ("create_station_application", "upload_application_roster", "submit_station_application",
                   "pass_first_review", "create_station", "grant_station_subsidy", "approve_station_application"):
        assert action in actions
    notes = db.exec(select(Notification).where(Notification.user_id == operator_user.id,
                                               Notification.dedup_key.like(f"%|{application_id}|%"))).all()
    assert {n.subject for n in notes} >= {f"【站点申请】{FORM['station_name']}：初审通过，待人社局审核",
                                          f"【站点申请】{FORM['station_name']}：已批准设立"}
    assert db.exec(select(OutboxMail).where(OutboxMail.to_address == "op1@example.cn")).all()

    page = app.test_client()
    login(page, "t1-operator")
    listing = page.get("/station-qualifications").get_data(as_text=True)
    assert FORM["station_name"] in listing and "10000.00" in listing


def test_a_returned_application_shows_the_reason_and_can_be_submitted_again(app, world, db):
    application_id = _submitted(app, world, db)
    reviewer, rtoken = _client(app, "t1-reviewer")
    response = _post(reviewer, rtoken, f"/applications/{application_id}/review", {"outcome": "return", "reason": ""})
    assert response.status_code == 422
    assert "退回修改或不予通过必须写明理由" in response.get_data(as_text=True)  # next to the field
    assert _post(reviewer, rtoken, f"/applications/{application_id}/review",
                 {"outcome": "return", "reason": "请补充办公场所照片"}).status_code == 302
    operator, token = _client(app, "t1-operator")
    page = operator.get(f"/applications/{application_id}").get_data(as_text=True)
    assert "请补充办公场所照片" in page and "已退回修改" in page
    assert operator.get("/applications").status_code == 200
    response = _post(operator, token, f"/applications/{application_id}/edit",
                     {**FORM, "materials": [*FORM["materials"], "office_photos"]})
    assert response.status_code == 302
    assert _post(operator, token, f"/applications/{application_id}/submit").status_code == 302
    application = _fresh(db, StationApplication, application_id)
    assert application.state == "submitted" and "office_photos" in application.materials
    note = db.exec(select(Notification).where(Notification.user_id == world[1]["users"]["operator"].id,
                                              Notification.subject.like("%初审退回修改"))).one()
    assert "请补充办公场所照片" in note.body


# --- the state machine --------------------------------------------------------------------------------

@pytest.mark.parametrize("state, move", [
    ("draft", ("review", "pass")), ("draft", ("decide", "approve")), ("submitted", ("decide", "approve")),
    ("returned", ("review", "pass")), ("first_review_passed", ("review", "pass")), ("first_review_passed", ("submit",)),
    ("approved", ("decide", "reject")), ("approved", ("submit",)), ("rejected", ("review", "pass")),
    ("rejected", ("submit",)),
])
def test_illegal_moves_are_refused_by_the_model(state, move):
    application = StationApplication(state=state)
    with pytest.raises(IllegalTransition):
        if move[0] == "submit":
            application.submit()
        else:
            getattr(application, move[0])(move[1], 1, "理由")
    assert application.state == state


def test_rejecting_needs_a_reason_at_both_levels():
    with pytest.raises(IllegalTransition):
        StationApplication(state="submitted").review("reject", 1, " ")
    with pytest.raises(IllegalTransition):
        StationApplication(state="first_review_passed").decide("reject", 1, "")
    application = StationApplication(state="first_review_passed")
    application.decide("reject", 1, "协作协议无效")
    assert application.state == "rejected" and application.decision_reason == "协作协议无效"


def test_the_approver_cannot_skip_the_first_review(app, world, db):
    application_id = _submitted(app, world, db)
    approver, token = _client(app, "t1-approver")
    response = _post(approver, token, f"/applications/{application_id}/decide", {"outcome": "approve"})
    assert response.status_code == 409
    assert _fresh(db, StationApplication, application_id).state == "submitted"
    assert db.exec(select(Station).where(Station.name == FORM["station_name"])).first() is None


def test_a_reviewer_cannot_approve_and_an_operator_cannot_review(app, world, db):
    application_id = _submitted(app, world, db)
    reviewer, rtoken = _client(app, "t1-reviewer")
    assert _post(reviewer, rtoken, f"/applications/{application_id}/review", {"outcome": "pass"}).status_code == 302
    assert _post(reviewer, rtoken, f"/applications/{application_id}/decide",
                 {"outcome": "approve"}).status_code == 403
    operator, token = _client(app, "t1-operator")
    assert _post(operator, token, f"/applications/{application_id}/decide", {"outcome": "approve"}).status_code == 403
    assert _post(operator, token, f"/applications/{application_id}/review", {"outcome": "pass"}).status_code == 403
    assert _fresh(db, StationApplication, application_id).state == "first_review_passed"


def test_the_approver_of_another_bureau_cannot_even_see_the_application(app, world, db):
    application_id = _submitted(app, world, db, bureau=1)
    reviewer, rtoken = _client(app, "t1-reviewer")
    _post(reviewer, rtoken, f"/applications/{application_id}/review", {"outcome": "pass"})
    other, token = _client(app, "t2-approver")
    assert other.get(f"/applications/{application_id}").status_code == 404
    assert _post(other, token, f"/applications/{application_id}/decide", {"outcome": "approve"}).status_code == 404
    assert FORM["station_name"] not in other.get("/applications").get_data(as_text=True)
    assert _fresh(db, StationApplication, application_id).state == "first_review_passed"


def test_an_operator_may_apply_to_any_bureau_and_only_that_bureau_sees_it(app, world, db):
    application_id = _submitted(app, world, db, bureau=2)
    for username, status in (("t2-reviewer", 200), ("t2-approver", 200), ("t1-reviewer", 404), ("t2-operator", 404)):
        client, _token = _client(app, username)
        assert client.get(f"/applications/{application_id}").status_code == status, username


def test_a_draft_stays_with_the_operator(app, world, db):
    _client_, _token, application_id = _apply(app, world)
    reviewer, _rtoken = _client(app, "t1-reviewer")
    assert reviewer.get(f"/applications/{application_id}").status_code == 404


def test_submitting_needs_a_roster_and_the_commitment(app, world, db):
    client, token, application_id = _apply(app, world)
    response = _post(client, token, f"/applications/{application_id}/submit")
    assert response.status_code == 409 and "第三条（四）" in response.get_data(as_text=True)
    _post(client, token, f"/applications/{application_id}/edit", {**FORM, "commitment": ""})
    _post(client, token, f"/applications/{application_id}/roster", {"file": (io.BytesIO(roster_csv(50)), "名册.csv")},
          content_type="multipart/form-data")
    response = _post(client, token, f"/applications/{application_id}/submit")
    assert response.status_code == 409 and "承诺" in response.get_data(as_text=True)
    assert _fresh(db, StationApplication, application_id).state == "draft"


def test_a_submitted_application_and_its_roster_cannot_change(app, world, db):
    application_id = _submitted(app, world, db)
    client, token = _client(app, "t1-operator")
    assert _post(client, token, f"/applications/{application_id}/edit", FORM).status_code == 409
    response = _post(client, token, f"/applications/{application_id}/roster",
                     {"file": (io.BytesIO(roster_csv(60)), "名册.csv")}, content_type="multipart/form-data")
    assert response.status_code == 409
    assert _fresh(db, StationApplication, application_id).roster_count == 50


# --- the roster (附件2; 第三条（四）: 50人以上) -------------------------------------------------------------

def test_a_roster_of_49_workers_is_refused_and_50_is_accepted(app, world, db):
    client, token, application_id = _apply(app, world, roster=roster_xlsx(49))
    application = _fresh(db, StationApplication, application_id)
    assert (application.roster_state, application.roster_count) == ("rejected", 0)
    assert "49人，少于50人（第三条（四）" in application.roster_errors[0]["problem"]
    assert db.exec(select(ApplicationWorker).where(ApplicationWorker.application_id == application_id)).all() == []

    _post(client, token, f"/applications/{application_id}/roster", {"file": (io.BytesIO(roster_xlsx(50)), "名册.xlsx")},
          content_type="multipart/form-data")
    application = _fresh(db, StationApplication, application_id)
    assert (application.roster_state, application.roster_count, application.roster_error_count) == ("accepted", 50, 0)
    workers = db.exec(select(ApplicationWorker).where(ApplicationWorker.application_id == application_id)).all()
    assert len({w.resident_id for w in workers}) == 50


def test_the_minimum_comes_from_the_scheme():
    from portal.applications.services import minimum_roster

    assert minimum_roster(SCHEME) == SCHEME.extra["qualification"]["application_min_delivered"] == 50


def test_duplicates_and_workers_from_zhejiang_do_not_count(app, world, db):
    rows = roster_rows(51)
    rows[50][2] = rows[0][2]  # the same worker twice: 50 distinct
    _client_, _token, application_id = _apply(app, world, roster=roster_xlsx(0, rows=rows))
    application = _fresh(db, StationApplication, application_id)
    assert application.roster_state == "rejected" and application.roster_error_count == 1
    assert application.roster_errors[0]["row"] == 53  # title, header, then the 51st worker
    rows = roster_rows(50) + [[51, "浙江人", resident_id(60, area="330703"), "浙江省金华市", "某公司", "2024-03-05"]]
    _client_, _token, application_id = _apply(app, world, roster=roster_xlsx(0, rows=rows))
    application = _fresh(db, StationApplication, application_id)
    assert application.roster_state == "rejected"
    assert "不属于省外劳动力（第一条" in application.roster_errors[0]["problem"]


@pytest.mark.parametrize("filename, data", [
    ("名册.xlsm", roster_xlsx(50)),
    ("名册.xlsx", b"<html><body><table><tr><td>\xe5\xa7\x93\xe5\x90\x8d</td></tr></table></body></html>"),
    ("名册.exe", b"MZ\x90\x00"),
])
def test_hostile_files_are_refused_before_parsing(app, world, db, filename, data):
    _client_, _token, application_id = _apply(app, world, roster=data, filename=filename)
    application = _fresh(db, StationApplication, application_id)
    assert application.roster_state == "rejected" and application.roster_count == 0
    assert application.roster_summary.startswith("文件未被接收")


def test_roster_rows_are_masked_for_the_approver_and_never_audited_or_logged(app, world, db, caplog):
    caplog.set_level(logging.DEBUG)
    application_id = _submitted(app, world, db)
    rid = resident_id(7)
    reviewer, _t = _client(app, "t1-reviewer")
    assert rid in reviewer.get(f"/applications/{application_id}").get_data(as_text=True)  # 初审 checks each worker
    approver, _t = _client(app, "t1-approver")
    page = approver.get(f"/applications/{application_id}").get_data(as_text=True)
    assert rid not in page and "工人007" not in page and "工*" in page
    application = _fresh(db, StationApplication, application_id)
    for event in db.exec(select(AuditEvent)):
        text = f"{event.before}{event.after}{event.reason}"
        assert rid not in text
        # contact people and their phones are masked in the trail every bureau role reads
        for value in (application.applicant_phone, application.partner_phone, application.applicant_head,
                      application.partner_head):
            assert not value or value not in text, value
    assert rid not in caplog.text and "工人007" not in caplog.text


def test_the_roster_template_has_the_annex_2_columns(app, world):
    client, _t = _client(app, "t1-operator")
    response = client.get("/applications/roster-template.xlsx")
    assert response.status_code == 200
    from portal.applications.roster import read_roster

    assert read_roster(response.data, "模板.xlsx").errors[0].code != "missing_column"


# --- qualification cancelled (第八条) and its ban ---------------------------------------------------------

def test_the_ban_lasts_two_years_by_the_civil_code_count():
    """《民法典》第二百零一条、第二百零二条: the ban's last day is the anniversary; 29 February ends on 28 February."""
    assert reapplication_allowed_from(SCHEME, date(2024, 3, 10)) == date(2026, 3, 11)
    assert reapplication_allowed_from(SCHEME, date(2024, 2, 29)) == date(2026, 3, 1)
    assert reapplication_allowed_from(SCHEME, date(2023, 12, 31)) == date(2026, 1, 1)


def _cancel(app, world, cancelled_on: date, tenant: int = 1):
    approver, token = _client(app, f"t{tenant}-approver")
    station_id = world[tenant]["station"].id
    response = _post(approver, token, f"/stations/{station_id}/cancel-qualification",
                     {"ground": "two_failing_years", "cancelled_on": cancelled_on.isoformat(),
                      "reason": "2023、2024年度评估均不合格"})
    assert response.status_code == 302
    return station_id


def test_cancelling_closes_the_station_and_bans_the_operator_at_that_bureau(app, world, db):
    station_id = _cancel(app, world, date(2024, 3, 10))
    assert _fresh(db, Station, station_id).status == "closed"
    cancellation = db.exec(select(QualificationCancellation)).one()
    assert (cancellation.ground, cancellation.may_apply_from) == ("two_failing_years", date(2026, 3, 11))
    assert {"close_station", "cancel_station_qualification"} <= {e.action for e in db.exec(select(AuditEvent))}
    assert db.exec(select(Notification).where(Notification.user_id == world[1]["users"]["operator"].id,
                                              Notification.dedup_key == f"cancel|{station_id}")).one()
    approver, token = _client(app, "t1-approver")
    again = _post(approver, token, f"/stations/{station_id}/cancel-qualification",
                  {"ground": "fraud", "cancelled_on": "2024-04-01", "reason": "再次"})
    assert again.status_code == 409 and "站点已关闭" in again.get_data(as_text=True)
    assert len(db.exec(select(QualificationCancellation)).all()) == 1


@pytest.mark.parametrize("days_after_mark, refused", [(-1, True), (0, True), (1, False)])
def test_the_apply_form_refuses_within_two_years_with_the_date_it_may_apply_again(app, world, db, days_after_mark,
                                                                                  refused):
    """Today is `days_after_mark` days after the 2-year mark (the anniversary of the cancellation)."""
    cancelled_on = _years_before(_today() - timedelta(days=days_after_mark), 2)
    _cancel(app, world, cancelled_on)
    client, token = _client(app, "t1-operator")
    response = _post(client, token, "/applications/new", {**FORM, "bureau_id": world[1]["bureau"].id})
    if refused:
        allowed_from = reapplication_allowed_from(SCHEME, cancelled_on)
        assert response.status_code == 422
        assert f"可于{allowed_from.isoformat()}起重新申请" in response.get_data(as_text=True)
        assert db.exec(select(StationApplication).where(StationApplication.station_name == FORM["station_name"])
                       ).first() is None
    else:
        assert response.status_code == 302
    # another bureau is not barred
    assert _post(client, token, "/applications/new", {**FORM, "bureau_id": world[2]["bureau"].id}).status_code == 302


def test_a_cancellation_after_the_draft_still_stops_the_submission(app, world, db):
    client, token, application_id = _apply(app, world, roster=roster_xlsx(50))
    _cancel(app, world, _today())
    response = _post(client, token, f"/applications/{application_id}/submit")
    assert response.status_code == 409 and "第八条" in response.get_data(as_text=True)


# --- excellent stations (第十条, 第十二条（三）) --------------------------------------------------------------

EXCELLENT = {"year": "2024", "condition_1": "y", "condition_2": "y", "condition_3": "y", "condition_4": "y",
             "reason": "2022、2023年度评估85、88分；年输送320、340人，技能人才12%；留用率65%；台账完备"}


def test_an_excellent_station_gets_the_scheme_award_once(app, world, db):
    approver, token = _client(app, "t1-approver")
    station_id = world[1]["station"].id
    page = approver.get(f"/stations/{station_id}/qualification").get_data(as_text=True)
    assert "每年输送劳动力数在300人以上" in page and "文件未规定名额" in page  # the clause, from the scheme
    assert _post(approver, token, f"/stations/{station_id}/excellent", EXCELLENT).status_code == 302
    subsidy = db.exec(select(StationSubsidy).where(StationSubsidy.station_id == station_id)).one()
    award = next(o for o in SCHEME.subsidy.one_off if o.id == "excellent_station")
    assert (subsidy.kind, subsidy.amount, subsidy.year) == ("excellent_station", Decimal(award.amount), 2024)
    assert subsidy.amount == Decimal("20000.00") and subsidy.clause == award.label
    # 第十一条: 已认定为区级优秀站点的不重复评选
    again = _post(approver, token, f"/stations/{station_id}/excellent", {**EXCELLENT, "year": "2026"})
    assert again.status_code == 409 and "不重复" in again.get_data(as_text=True)
    assert len(db.exec(select(StationSubsidy)).all()) == 1


def test_an_unmet_condition_or_too_short_service_is_refused(app, world, db):
    approver, token = _client(app, "t1-approver")
    station_id = world[1]["station"].id
    response = _post(approver, token, f"/stations/{station_id}/excellent", {**EXCELLENT, "condition_3": ""})
    assert response.status_code == 422 and "不满足第十条（三）" in response.get_data(as_text=True)
    station = db.get(Station, station_id)
    station.established_on = date(2023, 3, 1)
    db.add(station)
    db.commit()
    response = _post(approver, token, f"/stations/{station_id}/excellent", EXCELLENT)
    assert response.status_code == 409 and "第十条（一）" in response.get_data(as_text=True)
    assert _post(approver, token, f"/stations/{station_id}/excellent", {**EXCELLENT, "year": "2025"}).status_code == 302
    reviewer, rtoken = _client(app, "t1-reviewer")
    assert _post(reviewer, rtoken, f"/stations/{station_id}/cancel-qualification",
                 {"ground": "fraud", "cancelled_on": "2025-01-01", "reason": "x"}).status_code == 403
    other, otoken = _client(app, "t2-approver")
    assert _post(other, otoken, f"/stations/{station_id}/excellent", EXCELLENT).status_code == 404


def test_home_pages_link_to_the_applications(app, world):
    for username in ("t1-operator", "t1-reviewer", "t1-approver"):
        client, _t = _client(app, username)
        page = client.get("/").get_data(as_text=True)
        assert 'href="/applications"' in page and 'href="/station-qualifications"' in page
    client, _t = _client(app, "t1-operator")
    assert 'href="/applications/new"' in client.get("/").get_data(as_text=True)
