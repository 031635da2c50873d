"""Publishing results (issue #7; seed 001 第七条 "评估结果予以公示", seed 002 第一阶段验收): the approver
publishes a frozen snapshot with a notice period; operators object within it; the bureau answers; an
upheld objection leads to a corrected version that shows what changed and why; open data and charts."""
from __future__ import annotations

import csv
import io
import json
import re
from contextlib import contextmanager
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlmodel import select

from portal.cycles.models import AssessmentSheet
from portal.audit.models import AuditEvent
from portal.publication.models import FrozenPublication, IllegalObjection, Objection, Publication, PublishedResult
from rules.schemes import load_scheme
from portal.assessment.services import example_entry as _raw
from tests.conftest import add_contract, login

STAGE_1 = "stage_1"  # seed 002: 第一阶段验收, 2024-03-01 … 2024-07-31 for the test contract
SCHEME = "pingxiang-2024-lot1"


# -- filling and approving a sheet over HTTP (as in tests/portal/test_assessment_signoff.py) ----------



def _url(contract_id, action=""):
    return f"/contracts/{contract_id}/cycles/{STAGE_1}/assessment{action}"


def _revision(db, contract_id) -> int:
    db.expire_all()
    sheet = db.exec(select(AssessmentSheet).where(AssessmentSheet.contract_id == contract_id,
                                                  AssessmentSheet.cycle_id == STAGE_1)).first()
    return sheet.revision if sheet else 0


def _enter(client, token, db, contract_id, fact, value, reason="抽查核实"):
    response = client.post(_url(contract_id, "/entries"), data={
        "fact": fact, "value": value, "reason": reason, "revision": _revision(db, contract_id)},
        headers={"X-CSRFToken": token})
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]


def _approve(app, db, contract_id, reviewer, approver, changes: dict | None = None):
    """Fill every missing fact with the scheme's example (or `changes`), submit, approve."""
    from portal.assessment import services
    from portal.cycles import services as cycle_services
    from portal.contracts.models import Contract
    from portal.db import get_session

    r, rt = reviewer
    a, at = approver
    with app.app_context():
        contract = get_session().get(Contract, contract_id)
        cycle = cycle_services.find_cycle(contract, STAGE_1)
        missing = services.assess(contract, cycle, cycle_services.sheet_of(contract, cycle)).sheet.missing_facts
    scheme = load_scheme(SCHEME)
    for key in missing:
        _enter(r, rt, db, contract_id, key, _raw(scheme.facts[key]))
    for key, value in (changes or {}).items():
        _enter(r, rt, db, contract_id, key, value, reason="异议成立，更正")
    assert r.post(_url(contract_id, "/submit"), data={"revision": _revision(db, contract_id)},
                  headers={"X-CSRFToken": rt}).status_code == 302
    assert a.post(_url(contract_id, "/approve"), data={"revision": _revision(db, contract_id), "note": "同意"},
                  headers={"X-CSRFToken": at}).status_code == 302


def _client(app, username):
    client = app.test_client()
    return client, login(client, username)


@pytest.fixture
def reviewer(app):
    return _client(app, "t1-reviewer")


@pytest.fixture
def approver(app):
    return _client(app, "t1-approver")


@pytest.fixture
def operator(app):
    return _client(app, "t1-operator")


def _publish(client, token, data=None):
    return client.post(f"/publications/new?scheme_id={SCHEME}&cycle_id={STAGE_1}",
                       data={"notice_days": "5", **(data or {})}, headers={"X-CSRFToken": token})


def _latest(db) -> Publication:
    db.expire_all()
    return db.exec(select(Publication).where(Publication.cycle_id == STAGE_1).order_by(Publication.version.desc())).first()


@pytest.fixture
def published(app, db, world, reviewer, approver):
    _approve(app, db, world[1]["contract"].id, reviewer, approver)
    response = _publish(*approver)
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    return _latest(db)


def field_errors(page: str, field_id: str) -> str:
    """The error messages inside the one form field whose label is for `field_id` ("" if none)."""
    for block in re.findall(r'<div class="field has-error">(.*?)</div>', page, re.S):
        if f'<label for="{field_id}">' in block:
            return " ".join(re.findall(r'<p class="error"[^>]*>([^<]*)</p>', block))
    return ""


@contextmanager
def acting(app, user):
    """A request context with `user` logged in, for calling services with a chosen clock."""
    from flask_login import login_user

    with app.test_request_context("/"):
        login_user(user)
        yield


# -- publishing ---------------------------------------------------------------------------------------

def test_only_the_approver_publishes_and_publishing_is_audited(app, db, world, reviewer, approver):
    _approve(app, db, world[1]["contract"].id, reviewer, approver)
    assert reviewer[0].get(f"/publications/new?scheme_id={SCHEME}&cycle_id={STAGE_1}").status_code == 200
    assert _publish(*reviewer).status_code == 403
    operator_client = _client(app, "t1-operator")
    assert _publish(*operator_client).status_code == 403
    assert _latest(db) is None
    other = _client(app, "t2-approver")  # another bureau's approver publishes its own bureau's contracts only
    refused = _publish(*other).get_data(as_text=True)
    assert "C-2" in refused and "C-1" not in refused.replace("C-2", "")
    assert _latest(db) is None

    assert _publish(*approver).status_code == 302
    publication = _latest(db)
    assert publication.version == 1 and publication.bureau_id == world[1]["bureau"].id
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "publish")).one()
    assert event.actor_name == "t1-approver" and event.object_id == publication.id
    row = db.exec(select(PublishedResult).where(PublishedResult.publication_id == publication.id)).one()
    assert row.operator_name == "测试运营单位1" and row.station_names == ["站点1"] and row.rank == 1
    assert row.passed is True and row.band.startswith("考核得分在")
    assert row.lines and all("explanation" not in line for line in row.lines)
    assert _publish(*approver).status_code == 422  # a second v1 is refused: a correction needs its reason
    # the operator is told, a line per language with the deadline in each one's words (the English half once read
    # the Chinese date, the two sharing a line)
    from portal.notifications.models import Notification

    told = db.exec(select(Notification).where(Notification.dedup_key == f"published|{publication.id}|{row.id}")).one()
    deadline = publication.objection_deadline
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    assert told.body.split("\n") == [
        f"总分 {row.total}。如有异议，请于{deadline.year}年{deadline.month}月{deadline.day}日（含当日）前提出。",
        f"The result is published; objections until {deadline.day} {months[deadline.month - 1]} {deadline.year} "
        f"(inclusive)."]


def test_publishing_needs_every_contract_approved_or_left_out_with_a_reason(app, db, world, reviewer, approver):
    other = add_contract(db, world, scheme_id=SCHEME, starts_on=date(2024, 3, 1), ends_on=date(2025, 2, 28),
                         number="C-1B")
    _approve(app, db, world[1]["contract"].id, reviewer, approver)
    refused = _publish(*approver)
    assert refused.status_code == 422 and "C-1B" in refused.get_data(as_text=True)
    assert _latest(db) is None
    assert _publish(*approver, {f"leave_out_{other.id}": "考核材料尚在补正，下期一并公示"}).status_code == 302
    publication = _latest(db)
    assert publication.left_out == [{"operator": "测试运营单位1", "contract": "C-1B", "reason": "考核材料尚在补正，下期一并公示"}]
    page = app.test_client().get(f"/public/publications/{publication.id}").get_data(as_text=True)
    assert "考核材料尚在补正" in page


def test_public_free_text_with_a_phone_number_is_refused(app, db, world, reviewer, approver):
    other = add_contract(db, world, scheme_id=SCHEME, starts_on=date(2024, 3, 1), ends_on=date(2025, 2, 28),
                         number="C-1C")
    _approve(app, db, world[1]["contract"].id, reviewer, approver)
    response = _publish(*approver, {f"leave_out_{other.id}": "请联系 13912345678"})
    assert response.status_code == 422 and "不得包含身份证号、手机号或人名" in response.get_data(as_text=True)


def test_a_publication_and_its_rows_are_frozen_in_the_orm_and_the_database(app, db, published):
    row = db.exec(select(PublishedResult).where(PublishedResult.publication_id == published.id)).one()
    row.total = Decimal("100.00")
    with pytest.raises(FrozenPublication):
        db.commit()
    db.rollback()
    published.change_note = "改"
    with pytest.raises(FrozenPublication):
        db.commit()
    db.rollback()
    db.delete(db.get(Publication, published.id))
    with pytest.raises(FrozenPublication):
        db.flush()
    db.rollback()
    engine = app.extensions["kaohe_engine"]
    for statement in ("UPDATE published_result SET total = 100", "DELETE FROM published_result",
                      "UPDATE publication SET objection_deadline = '2099-01-01'", "DELETE FROM publication"):
        with pytest.raises(sa.exc.DatabaseError, match="frozen"):
            with engine.begin() as conn:
                conn.execute(sa.text(statement))
    db.expire_all()
    assert db.get(PublishedResult, row.id).total != Decimal("100.00")


# -- the objection window ------------------------------------------------------------------------------

_FRIDAY_10AM_SHANGHAI = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)


def _publish_at(app, world, now):
    from portal.db import get_session
    from portal.publication import services

    with acting(app, world[1]["users"]["approver"]):
        publication = services.publish(get_session().get(type(world[1]["bureau"]), world[1]["bureau"].id), SCHEME,
                                       STAGE_1, world[1]["users"]["approver"], now=now)
        get_session().commit()
        return publication


def _object_at(app, world, publication_id, now, target=""):
    from portal.db import get_session
    from portal.publication import services

    with acting(app, world[1]["users"]["operator"]):
        row = get_session().exec(select(PublishedResult).where(PublishedResult.publication_id == publication_id)).one()
        try:
            services.file_objection(row, world[1]["users"]["operator"], target=target, text="有异议", now=now)
        finally:
            get_session().commit()


def test_objections_are_taken_to_the_end_of_the_deadline_day_in_shanghai(app, db, world, reviewer, approver):
    _approve(app, db, world[1]["contract"].id, reviewer, approver)
    publication = _publish_at(app, world, _FRIDAY_10AM_SHANGHAI)
    assert publication.objection_deadline == date(2026, 11, 27)  # 5 working days: the weekend skipped
    last_second = datetime(2026, 11, 27, 15, 59, 59, tzinfo=timezone.utc)  # 23:59:59 in Shanghai
    first_second_after = datetime(2026, 11, 27, 16, 0, 0, tzinfo=timezone.utc)  # 00:00:00 next day
    with pytest.raises(IllegalObjection, match="公示期已于2026-11-27结束"):
        _object_at(app, world, publication.id, first_second_after)
    _object_at(app, world, publication.id, last_second)
    assert db.exec(select(Objection).where(Objection.publication_id == publication.id)).one().target == ""


def test_one_objection_per_target_and_only_lines_of_the_result(app, db, world, published, operator):
    client, token = operator
    row = db.exec(select(PublishedResult).where(PublishedResult.publication_id == published.id)).one()
    url = f"/results/{row.id}/objections"
    line = row.lines[3]["path"]
    for target in ("", line):
        assert client.post(url, data={"target": target, "text": "扣分有误", "evidence": "抽查记录"},
                           headers={"X-CSRFToken": token}).status_code == 302
    again = client.post(url, data={"target": line, "text": "再次", "evidence": ""}, headers={"X-CSRFToken": token})
    assert again.status_code == 422
    page = again.get_data(as_text=True)
    assert "对同一对象只能提出一次异议" in page and re.search(r">\s*再次</textarea>", page)  # what was typed is kept
    bogus = client.post(url, data={"target": "no/such/line", "text": "x"}, headers={"X-CSRFToken": token})
    assert bogus.status_code == 422
    assert "不是有效的选择" in field_errors(bogus.get_data(as_text=True), f"target-{row.id}")  # next to the field
    assert len(db.exec(select(Objection).where(Objection.publication_id == published.id)).all()) == 2
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "object")).first().actor_name == "t1-operator"


def test_another_tenants_operator_cannot_object_and_another_bureau_cannot_answer(app, db, world, published):
    row = db.exec(select(PublishedResult).where(PublishedResult.publication_id == published.id)).one()
    foreign, token = _client(app, "t2-operator")
    assert foreign.post(f"/results/{row.id}/objections", data={"target": "", "text": "x"},
                        headers={"X-CSRFToken": token}).status_code == 404
    assert foreign.get(f"/publications/{published.id}").status_code == 404
    objection = world[1]["objection"]
    other_bureau, token = _client(app, "t2-reviewer")
    assert other_bureau.post(f"/objections/{objection.id}/answer", data={"verdict": "dismissed", "reason": "x"},
                             headers={"X-CSRFToken": token}).status_code == 404
    own_operator, token = _client(app, "t1-operator")  # operators do not answer objections
    assert own_operator.post(f"/objections/{objection.id}/answer", data={"verdict": "dismissed", "reason": "x"},
                             headers={"X-CSRFToken": token}).status_code == 403
    db.expire_all()
    assert db.exec(select(Objection).where(Objection.publication_id == published.id)).first() is None
    assert db.get(Objection, objection.id).state == "open"


def test_a_dismissed_objection_shows_its_reasons_publicly_but_never_its_text(app, db, world, published, operator,
                                                                              reviewer):
    client, token = operator
    row = db.exec(select(PublishedResult).where(PublishedResult.publication_id == published.id)).one()
    client.post(f"/results/{row.id}/objections", data={"target": "", "text": "我方认为总分偏低（内部意见）",
                                                       "evidence": "月报原件"}, headers={"X-CSRFToken": token})
    objection = db.exec(select(Objection).where(Objection.result_id == row.id)).one()
    public = app.test_client()
    assert "异议处理中" in public.get(f"/public/publications/{published.id}").get_data(as_text=True)
    r, rt = reviewer
    no_reason = r.post(f"/objections/{objection.id}/answer", data={"verdict": "dismissed", "reason": ""},
                       headers={"X-CSRFToken": rt})
    assert no_reason.status_code == 422
    assert "答复必须写明理由" in field_errors(no_reason.get_data(as_text=True), f"reason-{objection.id}")
    with_phone = r.post(f"/objections/{objection.id}/answer", data={"verdict": "dismissed", "reason": "请致电13812345678"},
                        headers={"X-CSRFToken": rt})
    assert with_phone.status_code == 422
    assert "不得包含身份证号、手机号或人名" in field_errors(with_phone.get_data(as_text=True), f"reason-{objection.id}")
    r.post("/lang/en", data={"csrf_token": rt, "next": "/"})
    english = r.post(f"/objections/{objection.id}/answer", data={"verdict": "dismissed", "reason": "请致电13812345678"},
                     headers={"X-CSRFToken": rt})
    assert field_errors(english.get_data(as_text=True), f"reason-{objection.id}") == (
        "the answer is public: no ID numbers, phone numbers or names of people (found 1 phone number)")
    r.post("/lang/zh", data={"csrf_token": rt, "next": "/"})
    db.expire_all()
    assert db.get(Objection, objection.id).state == "open"  # no reasons, no answer
    r.post(f"/objections/{objection.id}/answer", data={"verdict": "dismissed", "reason": "扣分均有抽查记录为据，维持原结果"},
           headers={"X-CSRFToken": rt})
    db.expire_all()
    assert db.get(Objection, objection.id).state == "dismissed"
    again = r.post(f"/objections/{objection.id}/answer", data={"verdict": "upheld", "reason": "改判"},
                   headers={"X-CSRFToken": rt}, follow_redirects=True)
    assert "该异议已答复" in again.get_data(as_text=True)
    table = public.get(f"/public/publications/{published.id}").get_data(as_text=True)
    assert "异议已驳回" in table
    detail = public.get(f"/public/results/{row.id}").get_data(as_text=True)
    assert "扣分均有抽查记录为据，维持原结果" in detail
    assert "内部意见" not in detail + table and "月报原件" not in detail + table
    assert "内部意见" not in public.get(f"/public/publications/{published.id}.json").get_data(as_text=True)


def test_an_upheld_objection_is_corrected_in_a_new_version_that_shows_what_changed(app, db, world, published,
                                                                                  operator, reviewer, approver):
    client, token = operator
    row = db.exec(select(PublishedResult).where(PublishedResult.publication_id == published.id)).one()
    line = next(line for line in row.lines if line["path"].endswith("hall_clean"))
    client.post(f"/results/{row.id}/objections", data={"target": line["path"], "text": "抽查当日闭馆装修"},
                headers={"X-CSRFToken": token})
    objection = db.exec(select(Objection).where(Objection.result_id == row.id)).one()
    r, rt = reviewer
    a, at = approver
    r.post(f"/objections/{objection.id}/answer", data={"verdict": "upheld", "reason": "经核实闭馆装修，予以更正"},
           headers={"X-CSRFToken": rt})
    waiting = app.test_client().get(f"/public/publications/{published.id}").get_data(as_text=True)
    assert "异议成立，待更正" in waiting and "异议成立，待发布更正" in waiting  # upheld, not yet corrected
    # Nothing changed yet: the sheet is still approved as before, so a "correction" is refused.
    same = _publish(a, at, {"change_note": "更正"})
    assert same.status_code == 422 and "没有任何变化" in same.get_data(as_text=True)
    # The approver reopens, the reviewer corrects, the approver approves again.
    contract_id = world[1]["contract"].id
    assert a.post(_url(contract_id, "/reopen"), data={"revision": _revision(db, contract_id), "reason": "异议成立"},
                  headers={"X-CSRFToken": at}).status_code == 302
    blocked = _publish(a, at, {"change_note": "更正"})  # while reopened the contract is not approved
    assert blocked.status_code == 422 and "C-1" in blocked.get_data(as_text=True)
    _approve(app, db, contract_id, reviewer, approver, changes={"hall_untidy_findings": "0"})
    assert _publish(a, at).status_code == 422  # a correction needs its reason
    assert _publish(a, at, {"change_note": "大厅整洁一项异议成立（闭馆装修），更正该项得分"}).status_code == 302
    v2 = _latest(db)
    assert v2.version == 2 and v2.supersedes_id == published.id
    assert v2.change_note == "大厅整洁一项异议成立（闭馆装修），更正该项得分"
    fields = {c["field"]: c for c in v2.changes}
    assert fields["total"]["before"] == str(row.total)
    assert Decimal(fields["total"]["after"]) > row.total
    assert fields[f"line:{line['path']}"]["before"] == line["points"]
    db.expire_all()
    assert db.get(Objection, objection.id).corrected_in_id == v2.id

    public = app.test_client()
    page = public.get(f"/public/publications/{v2.id}").get_data(as_text=True)
    assert "大厅整洁一项异议成立" in page and fields["total"]["after"] in page and "异议成立，已更正" in page
    assert _state(page, "publication-state") == "公示中"  # the corrected version has its own notice period
    old = public.get(f"/public/publications/{published.id}").get_data(as_text=True)
    assert "本版已被更正" in old and _state(old, "publication-state") == "已被更正版本取代"
    v2_row = db.exec(select(PublishedResult).where(PublishedResult.publication_id == v2.id)).one()
    detail = public.get(f"/public/results/{v2_row.id}").get_data(as_text=True)
    assert "已于第2版更正" in detail and "经核实闭馆装修，予以更正" in detail
    # The operator's history shows the corrected result only; the old version is no longer objectable.
    history = public.get(f"/public/operators/{world[1]['operator'].id}.json").get_json()
    assert [r["total"] for r in history["results"] if r["cycle"] == v2.cycle_label] == [fields["total"]["after"]]
    late = client.post(f"/results/{row.id}/objections", data={"target": "", "text": "x"},
                       headers={"X-CSRFToken": token}, follow_redirects=True)
    assert "该版本已被更正" in late.get_data(as_text=True)


def _state(page: str, testid: str) -> str:
    return re.search(rf'data-testid="{testid}">([^<]*)<', page).group(1)


def test_a_result_becomes_final_when_the_period_is_over_and_every_objection_answered(app, db, world, published):
    """DOMAIN.md §4.6: published for a stated period, objections answered, then the result is final. The
    deadline day runs to 24:00 Shanghai; an objection filed on it keeps the result open until answered."""
    from portal.db import get_session
    from portal.publication import services

    deadline = published.objection_deadline
    last_second = datetime(deadline.year, deadline.month, deadline.day, 15, 59, 59, tzinfo=timezone.utc)
    after = datetime(deadline.year, deadline.month, deadline.day, 16, 0, 0, tzinfo=timezone.utc)
    reviewer = world[1]["users"]["reviewer"]

    def states(now):
        with app.app_context():
            publication = get_session().get(Publication, published.id)
            row = services.results_of(publication)[0]
            state = services.result_state(publication, row, now)
            return state, services.publication_state([state])

    assert states(last_second) == ("notice", "notice")
    assert states(after) == ("final", "final")
    _object_at(app, world, published.id, last_second)  # on the last day
    assert states(after) == ("awaiting_answer", "awaiting_answer")
    with acting(app, reviewer):
        objection = get_session().exec(select(Objection).where(Objection.publication_id == published.id)).one()
        services.answer_objection(objection, reviewer, upheld=False, reason="维持原结果")
        get_session().commit()
    assert states(last_second) == ("notice", "notice") and states(after) == ("final", "final")
    public = app.test_client()
    page = public.get(f"/public/publications/{published.id}").get_data(as_text=True)
    assert _state(page, "result-state") == "公示中"  # today is within the period
    assert public.get(f"/public/publications/{published.id}.json").get_json()["results"][0]["status"] == "notice"


# -- open data and charts -----------------------------------------------------------------------------

def test_csv_and_json_at_stable_urls_carry_the_published_table(app, db, world, published):
    public = app.test_client()
    response = public.get(f"/public/publications/{published.id}.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    row = db.exec(select(PublishedResult).where(PublishedResult.publication_id == published.id)).one()
    assert rows == [{"operator": "测试运营单位1", "stations": "站点1", "total": str(row.total), "passed": "合格",
                     "payment_band": row.band, "grade": "", "rank": "1",
                     "published_on": published.published_at.astimezone(
                         __import__("zoneinfo").ZoneInfo("Asia/Shanghai")).date().isoformat(),
                     "objection_deadline": published.objection_deadline.isoformat(), "objection_status": "none",
                     "status": "notice", "version": "1", "cycle": published.cycle_label}]
    data = json.loads(public.get(f"/public/publications/{published.id}.json").get_data(as_text=True))
    assert data["bureau"] == "测试局1" and data["version"] == 1 and data["notice_working_days"] == 5
    assert data["status"] == "notice"
    assert data["results"][0]["total"] == str(row.total) and data["results"][0]["passed"] is True
    assert set(data["results"][0]) >= {"operator", "stations", "total", "passed", "payment_band", "grade", "rank",
                                       "published_on", "objection_deadline", "objection_status"}
    history = public.get(f"/public/operators/{world[1]['operator'].id}.csv").get_data(as_text=True)
    assert len(list(csv.DictReader(io.StringIO(history.lstrip("\ufeff"))))) == 2  # the world's stage 2 and stage 1


def test_charts_are_svg_with_text_labels_readable_without_colour(app, db, world, published):
    public = app.test_client()
    row = db.exec(select(PublishedResult).where(PublishedResult.publication_id == published.id)).one()
    histogram = public.get(f"/public/publications/{published.id}/histogram.svg")
    assert histogram.mimetype == "image/svg+xml"
    svg = histogram.get_data(as_text=True)
    bin_label = f"{int(row.total // 10) * 10}–{int(row.total // 10) * 10 + 10}" if row.total < 90 else "90–100"
    assert f"<title>{bin_label}：1家</title>" in svg and "style=" not in svg
    heat = public.get(f"/public/results/{row.id}/timeliness.svg").get_data(as_text=True)
    assert "<title>" in heat and "style=" not in heat
    assert row.timeliness["months"] == ["2024-03", "2024-04", "2024-05", "2024-06", "2024-07"]
    statuses = {s for r in row.timeliness["rows"] for s in r["cells"].values()}
    assert "submitted_on_time" in statuses and "missing" in statuses  # April's plan on time, others missing
    assert "月度工作计划" in heat or "月度" in heat
    assert "按时" in heat and "未报送" in heat and "✓" in heat and "✗" in heat
    totals = public.get(f"/public/operators/{world[1]['operator'].id}/totals.svg").get_data(as_text=True)
    assert str(row.total) in totals and "✓" in totals
    page = public.get(f"/public/results/{row.id}").get_data(as_text=True)
    assert 'data-testid="heatmap"' in page  # inline in the page: no script needed to see it


def test_active_search_answers_a_fragment_to_htmx_and_a_page_without_it(app, db, world, published):
    public = app.test_client()
    page = public.get("/public/search?q=站点1")
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    assert "测试运营单位1" in page.get_data(as_text=True) and "Vary" in page.headers
    fragment = public.get("/public/search?q=运营单位", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and "测试运营单位1" in fragment and "测试运营单位2" in fragment
    assert "没有找到" in public.get("/public/search?q=不存在的单位").get_data(as_text=True)
