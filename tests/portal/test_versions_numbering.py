"""Version numbering of the three immutable writers (issue #18, guards): reporting.services.submit,
activities.services.save_attendance and publication.services.publish.

DOMAIN.md §6.3 and the publication rules: a submission, an attendance sheet and a publication are frozen once made;
a correction is a new version numbered previous + 1, counted within its own contract, obligation and period (a
report), contract and month (a sheet, and the report submission it becomes), bureau, scheme and cycle (a
publication). Numbers counted across another contract, period or tenant would skip or collide, and the first version
decides lateness, so the exact numbers matter. Two requests taking the same number meet the unique constraint and
one is refused with its words. A publication's correction needs a reason, is refused when nothing changed, and
marks exactly the previous version's upheld, not yet corrected objections as corrected by it: not another tenant's,
not a dismissed one, not one some earlier version already corrected.
"""
from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from portal.activities.models import AttendanceSheet
from portal.publication.models import Objection, Publication, PublishedResult
from portal.reporting.models import Submission
from rules.schemes import load_scheme
from portal.assessment.services import example_entry as _raw
from tests.conftest import login
from tests.portal.test_activities_attendance import _qianxi
from tests.portal.test_publication import SCHEME, STAGE_1, _approve, _client, _revision, _url, acting


def _submissions(db, contract_id):
    db.expire_all()
    return sorted((s.obligation_key, s.period_key, s.version) for s in db.exec(
        select(Submission).where(Submission.contract_id == contract_id)))


def test_report_versions_count_per_contract_obligation_and_period(app, world, db):
    from portal.contracts.models import Contract
    from portal.db import get_session
    from portal.reporting import services

    user = world[1]["users"]["operator"]
    with acting(app, user):
        session = get_session()
        one, two = session.get(Contract, world[1]["contract"].id), session.get(Contract, world[2]["contract"].id)

        def send(contract, key, period, token=None):
            obligation = services.find_obligation(session.get(Contract, contract.id), key, period)
            return services.submit(session.get(Contract, contract.id), obligation, figures={"x": 1},
                                   narrative=" 月报 ", user=user, form_token=token).version

        # other contracts, obligations and periods first: their versions must not count
        assert [send(two, "monthly_plan_summary", "2024-06") for _ in range(3)] == [1, 2, 3]
        assert [send(one, "monthly_demand_report", "2024-06") for _ in range(2)] == [1, 2]
        assert [send(one, "monthly_plan_summary", "2024-07") for _ in range(2)] == [1, 2]
        assert [send(one, "monthly_plan_summary", "2024-06", token=t) for t in ("a", "b", "c")] == [1, 2, 3]
        # a form's one-time key is never taken for another period: every try meets the unique key, then refused
        with pytest.raises(services.SubmissionRefused) as refused:
            send(one, "monthly_plan_summary", "2024-08", token="a")
        assert str(refused.value) == "同一时间提交的版本过多，请稍后重试 / too many versions at once; try again"
    assert _submissions(db, world[1]["contract"].id) == [
        ("monthly_demand_report", "2024-06", 1), ("monthly_demand_report", "2024-06", 2),
        ("monthly_plan_summary", "2024-04", 1),  # the world's April plan
        ("monthly_plan_summary", "2024-06", 1), ("monthly_plan_summary", "2024-06", 2),
        ("monthly_plan_summary", "2024-06", 3),
        ("monthly_plan_summary", "2024-07", 1), ("monthly_plan_summary", "2024-07", 2)]
    stored = db.exec(select(Submission).where(Submission.contract_id == world[1]["contract"].id,
                                              Submission.period_key == "2024-06",
                                              Submission.obligation_key == "monthly_plan_summary")
                     .order_by(Submission.version)).all()
    assert [(s.form_token, s.submitted_by_id, s.narrative) for s in stored] == [
        ("a", user.id, "月报"), ("b", user.id, "月报"), ("c", user.id, "月报")]
    assert {s.due_at for s in stored} == {stored[0].due_at} and stored[0].due_at is not None


def test_attendance_sheets_and_the_submissions_they_become_count_per_contract_and_month(app, world, db, monkeypatch):
    from portal.activities import services
    from portal.contracts.models import Contract
    from portal.db import get_session
    from portal.reporting import services as reporting

    contract, staff = _qianxi(db, world)
    other, other_staff = _qianxi(db, world, number="QX-2")
    user = world[1]["users"]["operator"]
    full = {3: 31, 4: 30}

    def marks(people, month):
        return {p.id: "P" * 15 + "R" * (full[int(month[-2:])] - 15) for p in people}

    with acting(app, user):
        session = get_session()

        def save(c, people, month, source="form"):
            return services.save_attendance(session.get(Contract, c.id), month, marks(people, month), user=user,
                                            source=source).version

        assert [save(other, other_staff, "2024-03") for _ in range(2)] == [1, 2]
        assert save(contract, staff, "2024-04") == 1
        obligation = reporting.find_obligation(session.get(Contract, contract.id), "monthly_report", "2024-03")
        for _ in range(2):  # another obligation of the same contract and month
            reporting.submit(session.get(Contract, contract.id), obligation, figures={}, narrative="月报", user=user)
        assert [save(contract, staff, "2024-03", source) for source in ("form", "upload", "form")] == [1, 2, 3]
        # another request saved version 4 between this one's reading and writing: refused, nothing stored
        monkeypatch.setattr(services, "versions", lambda c, m: [])
        with pytest.raises(services.WriteRefused) as refused:
            save(contract, staff, "2024-03")
        assert str(refused.value) == "该版本已由另一次提交保存，请刷新页面 / this version was just saved; reload the page"
    db.expire_all()
    sheets = db.exec(select(AttendanceSheet).where(AttendanceSheet.contract_id.in_([contract.id, other.id]))
                     .order_by(AttendanceSheet.id)).all()
    assert [(s.contract_id, s.month, s.version, s.source) for s in sheets] == [
        (other.id, "2024-03", 1, "form"), (other.id, "2024-03", 2, "form"), (contract.id, "2024-04", 1, "form"),
        (contract.id, "2024-03", 1, "form"), (contract.id, "2024-03", 2, "upload"), (contract.id, "2024-03", 3, "form")]
    became = {s.id: db.get(Submission, s.submission_id) for s in sheets}
    assert [(b.contract_id, b.obligation_key, b.period_key, b.version, b.narrative, b.figures)
            for b in (became[s.id] for s in sheets)] == [
        (other.id, "monthly_attendance", "2024-03", 1, "考勤表第1版（在线填报），2人", {"staff": "2"}),
        (other.id, "monthly_attendance", "2024-03", 2, "考勤表第2版（在线填报），2人", {"staff": "2"}),
        (contract.id, "monthly_attendance", "2024-04", 1, "考勤表第1版（在线填报），2人", {"staff": "2"}),
        (contract.id, "monthly_attendance", "2024-03", 1, "考勤表第1版（在线填报），2人", {"staff": "2"}),
        (contract.id, "monthly_attendance", "2024-03", 2, "考勤表第2版（上传），2人", {"staff": "2"}),
        (contract.id, "monthly_attendance", "2024-03", 3, "考勤表第3版（在线填报），2人", {"staff": "2"})]
    assert all(b.due_at is not None and b.submitted_at == s.submitted_at and b.submitted_by_id == user.id
               for s in sheets for b in [became[s.id]])
    assert _submissions(db, contract.id) == [
        ("monthly_attendance", "2024-03", 1), ("monthly_attendance", "2024-03", 2),
        ("monthly_attendance", "2024-03", 3), ("monthly_attendance", "2024-04", 1),
        ("monthly_report", "2024-03", 1), ("monthly_report", "2024-03", 2)]


def _publish(app, world, n=1, note=""):
    from portal.db import get_session
    from portal.publication import services

    user = world[n]["users"]["approver"]
    with acting(app, user):
        try:
            publication = services.publish(get_session().get(type(world[n]["bureau"]), world[n]["bureau"].id), SCHEME,
                                           STAGE_1, user, change_note=note)
        except services.PublishRefused:
            get_session().rollback()
            raise
        get_session().commit()
        return publication.id


def _objection(db, world, publication_id, target, state, corrected_in_id=None):
    row = db.exec(select(PublishedResult).where(PublishedResult.publication_id == publication_id)).one()
    n = 1 if row.bureau_id == world[1]["bureau"].id else 2
    objection = Objection(result_id=row.id, publication_id=publication_id, bureau_id=row.bureau_id,
                          operator_id=row.operator_id, contract_id=row.contract_id, target=target, text="有异议",
                          filed_by_id=world[n]["users"]["operator"].id, state=state,
                          answer="" if state == "open" else "已核实", corrected_in_id=corrected_in_id)
    db.add(objection)
    db.commit()
    return objection.id


def _reapprove(app, db, contract_id, reviewer, approver, value):
    a, at = approver
    assert a.post(_url(contract_id, "/reopen"), data={"revision": _revision(db, contract_id), "reason": "异议成立"},
                  headers={"X-CSRFToken": at}).status_code == 302
    _approve(app, db, contract_id, reviewer, approver, changes={"hall_untidy_findings": value})


def test_a_publication_correction_is_numbered_reasoned_and_corrects_exactly_the_previous_upheld_objections(
        app, db, world):
    from portal.publication.services import PublishRefused

    reviewer, approver = _client(app, "t1-reviewer"), _client(app, "t1-approver")
    contract_id = world[1]["contract"].id
    _approve(app, db, contract_id, reviewer, approver)
    # another tenant publishes the same scheme and cycle: its own version 1, never counted with ours
    _approve(app, db, world[2]["contract"].id, _client(app, "t2-reviewer"), _client(app, "t2-approver"))
    theirs = _publish(app, world, n=2)
    v1 = _publish(app, world)
    with pytest.raises(PublishRefused) as refused:
        _publish(app, world)
    assert str(refused.value) == "该周期已公示；更正须写明理由 / already published: a correction needs its reason"
    with pytest.raises(PublishRefused) as refused:
        _publish(app, world, note="更正")
    assert str(refused.value) == "与上一版相比没有任何变化，无需发布更正 / nothing changed against the previous version"
    on_v1 = _objection(db, world, v1, "", "upheld")
    _reapprove(app, db, contract_id, reviewer, approver, "0")
    v2 = _publish(app, world, note="大厅整洁一项异议成立，更正")
    db.expire_all()
    assert db.get(Objection, on_v1).corrected_in_id == v2

    upheld = _objection(db, world, v2, "", "upheld")
    dismissed = _objection(db, world, v2, "a", "dismissed")
    pending = _objection(db, world, v2, "b", "open")
    already = _objection(db, world, v2, "c", "upheld", corrected_in_id=v1)
    elsewhere = _objection(db, world, theirs, "", "upheld")
    stale = _objection(db, world, v1, "d", "upheld")  # an older version's: not this correction's to close
    stage_2 = db.exec(select(Publication.id).where(Publication.bureau_id == world[1]["bureau"].id,
                                                   Publication.cycle_id == "stage_2")).one()
    other_cycle = _objection(db, world, stage_2, "z", "upheld")  # the same bureau's other cycle
    scheme = load_scheme(SCHEME)
    _reapprove(app, db, contract_id, reviewer, approver, _raw(scheme.facts["hall_untidy_findings"]))
    v3 = _publish(app, world, note="再次更正")
    db.expire_all()
    assert {o: db.get(Objection, o).corrected_in_id for o in (on_v1, upheld, dismissed, pending, already, elsewhere,
                                                              stale, other_cycle)} == {
        on_v1: v2, upheld: v3, dismissed: None, pending: None, already: v1, elsewhere: None, stale: None,
        other_cycle: None}
    ours = db.exec(select(Publication).where(Publication.bureau_id == world[1]["bureau"].id,
                                             Publication.scheme_id == SCHEME, Publication.cycle_id == STAGE_1)
                   .order_by(Publication.id)).all()
    assert [(p.id, p.version, p.supersedes_id, p.change_note) for p in ours] == [
        (v1, 1, None, ""), (v2, 2, v1, "大厅整洁一项异议成立，更正"), (v3, 3, v2, "再次更正")]
    other = db.get(Publication, theirs)
    assert (other.version, other.supersedes_id, other.cycle_id, other.scheme_id) == (1, None, STAGE_1, SCHEME)
    assert [c["field"] for c in ours[2].changes] == [c["field"] for c in ours[1].changes] != []
    assert date.today() <= ours[2].objection_deadline
