"""Issue #15, four defects found in review of scheme versions, each with the test that shows it fixed:

1. a version never changes what was signed or is being decided: a contract keeps the version it was signed under
   (its calendar, cycles, duties), an approved sheet the version it froze, and a version dated on or before the
   first day of a cycle whose sheet awaits approval is not published until that sheet is approved or returned;
2. a publication whose approvals froze different versions records each row's own and lists them all;
3. two drafts of the same day are never both published, not even by two publications at once;
4. "today" is Beijing's day, not the server's.
"""
from __future__ import annotations

import threading
from datetime import date, datetime, timezone

import pytest
from sqlmodel import select

from portal.auth.models import User
from portal.schemes.models import SchemeVersion
from tests.conftest import add_contract
from tests.portal.schemes.test_scheme_pages import (PX, V2_CASES, _approve, _client, _publish, _upload, amended,
                                                    example_facts)


def _dated(day: str, note: str = "") -> bytes:
    """Version 2 of PX (its cases pass whatever its date), effective `day`; `note` makes another file of it."""
    text = amended().replace("effective_date = 2024-07-01", f"effective_date = {day}")
    return (text + (f"\n# {note}\n" if note else "")).encode()


def _draft(db, day: date, n: int = 0) -> SchemeVersion:
    db.expire_all()
    return db.exec(select(SchemeVersion).where(SchemeVersion.scheme_id == PX, SchemeVersion.effective_from == day,
                                               SchemeVersion.state == "draft").order_by(SchemeVersion.id)).all()[n]


def _user(db, username: str) -> User:
    return db.exec(select(User).where(User.username == username)).one()


# -- 1. no version reaches back into days already assessed --------------------------------------------------

def test_a_version_reaching_a_sheet_awaiting_approval_is_refused_and_a_signed_contract_keeps_its_version(
        app, db, world):
    from portal.contracts.services import scheme_version
    from portal.cycles.models import AssessmentSheet
    from portal.cycles.services import cycles
    from portal.schemes import services

    approved = add_contract(db, world, scheme_id=PX, starts_on=date(2024, 3, 1), ends_on=date(2025, 2, 28),
                            number="APP-1")
    _approve(app, db, approved, "stage_1", example_facts())  # 2024-03-01 … 2024-07-31, approved: frozen
    _approve(app, db, approved, "stage_2", example_facts())  # 2024-08-01 … 2024-11-30, approved: frozen
    submitted = add_contract(db, world, scheme_id=PX, starts_on=date(2024, 3, 1), ends_on=date(2025, 2, 28),
                             number="SUB-1")
    with app.test_request_context():
        stage_2 = cycles(submitted)[1]  # 2024-08-01 … 2024-11-30, submitted for approval
        signed_v1 = scheme_version(PX, date(2024, 9, 1))
    db.add(AssessmentSheet(contract_id=submitted.id, bureau_id=submitted.bureau_id, operator_id=submitted.operator_id,
                           cycle_id=stage_2.id, cycle_label=stage_2.label, cycle_start=stage_2.start,
                           cycle_end=stage_2.end, state="submitted"))
    signed = add_contract(db, world, scheme_id=PX, starts_on=date(2024, 9, 1), ends_on=date(2025, 8, 31),
                          number="SIG-1")
    signed.scheme_version = signed_v1  # entered before the amendment: signed under version 1
    db.add(signed)
    db.commit()
    admin, token = _client(app, "t-platform")

    for day in ("2024-07-01", "2024-08-01"):
        assert _upload(admin, token, _dated(day), V2_CASES).status_code == 302
        draft = _draft(db, date.fromisoformat(day))
        page = admin.get(f"/schemes/versions/{draft.id}").get_data(as_text=True)
        refusal = page.split('data-testid="publish-refused">')[1].split("</p>")[0]
        assert refusal.startswith("以下考核表已提交待审批"), refusal
        assert "合同SUB-1 第二阶段验收" in refusal and "2024年8月1日至2024年11月30日" in refusal
        assert "APP-1" not in refusal
        assert "或把生效日期定在2024年8月1日之后" in refusal
        assert _publish(admin, token, draft.id, once=f"once-{day}").status_code == 302
        db.refresh(draft)
        assert draft.state == "draft", day
        with app.test_request_context(), pytest.raises(services.UploadRefused, match="已提交待审批"):
            services.publish(draft.id, _user(db, "t-platform"))
        db.rollback()
        admin.post(f"/schemes/versions/{draft.id}/discard", data={"csrf_token": token, "once": f"d-{day}"})

    # the day after: in the past, yet no sheet awaiting approval begins from it; approved sheets stay frozen
    assert _upload(admin, token, _dated("2024-08-02"), V2_CASES).status_code == 302
    draft = _draft(db, date(2024, 8, 2))
    assert 'data-testid="publish-refused"' not in admin.get(f"/schemes/versions/{draft.id}").get_data(as_text=True)
    assert _publish(admin, token, draft.id, once="once-ok").status_code == 302
    db.refresh(draft)
    assert draft.state == "published"
    with app.test_request_context():
        v1 = services.scheme_for(PX, date(2024, 1, 1))
        # signed before the amendment: the contract keeps version 1's calendar and duties; a cycle beginning
        # after 2 August is scored by version 2 (the version in force on its first day)
        assert services.contract_scheme(signed).sha256 == v1.sha256
        assert services.scheme_for(PX, cycles(signed)[0].start).sha256 == draft.sha256
        # entered now, from the same day: signed under version 2
        assert scheme_version(PX, date(2024, 9, 1)) != signed_v1


def test_a_draft_dated_in_the_past_is_published_when_nothing_was_assessed_from_that_day(app, db, world):
    """The world's stage 2 was approved once and reopened (a draft again): it is being reassessed, not assessed."""
    admin, token = _client(app, "t-platform")
    assert _upload(admin, token, _dated("2024-07-01"), V2_CASES).status_code == 302
    draft = _draft(db, date(2024, 7, 1))
    assert _publish(admin, token, draft.id).status_code == 302
    db.refresh(draft)
    assert draft.state == "published"


# -- 2. a publication across a mid-year amendment -------------------------------------------------------------

def test_a_publication_of_approvals_under_two_versions_shows_each_rows_own_and_lists_both(app, db, world):
    from portal.publication import services as publication
    from portal.publication.models import PublishedResult

    admin, token = _client(app, "t-platform")
    assert _upload(admin, token, _dated("2024-12-01"), V2_CASES).status_code == 302
    v2 = _draft(db, date(2024, 12, 1))
    assert _publish(admin, token, v2.id).status_code == 302
    # the same cycle of two contracts: one begins before the amendment (version 1), one after (version 2)
    before = add_contract(db, world, scheme_id=PX, starts_on=date(2024, 3, 1), ends_on=date(2025, 2, 28),
                          number="OLD-1")
    after = add_contract(db, world, scheme_id=PX, starts_on=date(2024, 12, 1), ends_on=date(2025, 11, 30),
                         number="NEW-1")
    facts = example_facts()
    old = _approve(app, db, before, "stage_1", facts)
    new = _approve(app, db, after, "stage_1", facts)
    assert old.scheme_sha256 != new.scheme_sha256 and new.scheme_sha256 == v2.sha256
    assert (str(old.total), str(new.total)) == ("95.14", "94.34")  # the amendment costs 0.80 on these facts

    with app.test_request_context():
        group = publication.candidates(world[1]["bureau"].id, PX, "stage_1")
        left_out = {c.contract.id: "尚未审批" for c in group if c.approval is None}
        published = publication.publish(world[1]["bureau"], PX, "stage_1", _user(db, "t1-approver"),
                                        left_out=left_out)
        from portal.db import get_session

        get_session().commit()
        assert published.scheme_versions == [old.scheme_version, new.scheme_version]  # by effective date
        assert published.versions_used == published.scheme_versions
        rows = {r.contract_id: r for r in db.exec(select(PublishedResult).where(
            PublishedResult.publication_id == published.id))}
        assert rows[before.id].scheme_version == old.scheme_version
        assert rows[after.id].scheme_version == new.scheme_version
        assert (rows[before.id].rank, rows[after.id].rank) == (1, 2)
        as_json = publication.publication_dict(published)
        assert as_json["scheme_versions"] == [old.scheme_version, new.scheme_version]
        assert sorted(r["scheme_version"] for r in as_json["results"]) == sorted([old.scheme_version,
                                                                                  new.scheme_version])
    page = app.test_client().get(f"/public/publications/{published.id}").get_data(as_text=True)
    assert "2024年1月1日起施行" in page and "2024年12月1日起施行" in page
    assert page.count('data-testid="row-scheme-version"') == 2


# -- 3. one published version a day, even at once --------------------------------------------------------------

def _two_drafts_of_one_day(app, db) -> tuple[SchemeVersion, SchemeVersion]:
    admin, token = _client(app, "t-platform")
    for note in ("第一稿", "第二稿"):
        assert _upload(admin, token, _dated("2024-12-01", note), V2_CASES).status_code == 302
    return _draft(db, date(2024, 12, 1), 0), _draft(db, date(2024, 12, 1), 1)


def test_the_second_draft_of_a_day_is_refused_by_the_database_with_words_not_a_500(app, db, world, monkeypatch):
    from portal.schemes import services

    first, second = _two_drafts_of_one_day(app, db)
    admin, token = _client(app, "t-platform")
    assert _publish(admin, token, first.id, once="a").status_code == 302
    # the service's own check sees the first (in words) …
    page = admin.get(f"/schemes/versions/{second.id}").get_data(as_text=True)
    assert 'data-testid="publish-refused"' in page and "已于同一天生效" in page
    # … and where it is passed (a publication at the same moment), the database refuses, in words too
    monkeypatch.setattr(services, "publication_refusal", lambda version, user: None)
    response = _publish(admin, token, second.id, once="b")
    assert response.status_code == 302
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert f"第{first.version}版已于同一天（2024年12月1日）生效，本版本未发布" in page
    db.expire_all()
    assert [v.state for v in (db.get(SchemeVersion, first.id), db.get(SchemeVersion, second.id))] == [
        "published", "draft"]


def test_two_drafts_of_a_day_published_at_once_publish_one(app, db, world, monkeypatch):
    from portal.schemes import services

    first, second = _two_drafts_of_one_day(app, db)
    checked = threading.Barrier(2, timeout=10)
    real = services.publication_refusal

    def both_checked(version, user):  # each passes the check before either writes
        refusal = real(version, user)
        checked.wait()
        return refusal

    monkeypatch.setattr(services, "publication_refusal", both_checked)
    user_id = _user(db, "t-platform").id
    outcomes: dict[int, str] = {}

    def publish(version_id):
        with app.test_request_context():
            from portal.db import get_session

            try:
                services.publish(version_id, get_session().get(User, user_id))
                outcomes[version_id] = "published"
            except services.UploadRefused as exc:
                outcomes[version_id] = str(exc)

    threads = [threading.Thread(target=publish, args=(v.id,)) for v in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes.values(), key=len)[0] == "published", outcomes
    refused = [text for text in outcomes.values() if text != "published"]
    assert len(refused) == 1 and "已于同一天（2024年12月1日）生效，本版本未发布" in refused[0], outcomes
    db.expire_all()
    assert sorted(db.get(SchemeVersion, v.id).state for v in (first, second)) == ["draft", "published"]


# -- 4. today is Beijing's day ----------------------------------------------------------------------------

class ServerDay(date):
    """The server's clock runs on UTC: at 20:00 UTC on 30 June its date.today() still says 30 June."""

    @classmethod
    def today(cls):
        return date(2026, 6, 30)


def test_at_20_utc_on_30_june_it_is_1_july_in_beijing_and_the_version_of_1_july_is_offered(app, db, world,
                                                                                             monkeypatch):
    import portal.contracts.services
    import portal.db
    import portal.findings.routes
    import portal.schemes.services
    from portal.contracts.services import scheme_choices, scheme_summary, scheme_version
    from portal.schemes.services import offered_schemes

    admin, token = _client(app, "t-platform")
    assert _upload(admin, token, _dated("2026-07-01"), V2_CASES).status_code == 302
    july = _draft(db, date(2026, 7, 1))
    assert _publish(admin, token, july.id).status_code == 302
    monkeypatch.setattr(portal.db, "utcnow", lambda: datetime(2026, 6, 30, 20, 0, tzinfo=timezone.utc))
    for module in (portal.schemes.services, portal.contracts.services, portal.findings.routes):
        monkeypatch.setattr(module, "date", ServerDay, raising=False)
    with app.test_request_context():
        assert portal.db.local_today() == date(2026, 7, 1)
        offered = {s.id: s for s in offered_schemes(None)}
        assert offered[PX].sha256 == july.sha256
        assert scheme_summary(PX).sha256 == july.sha256
        assert scheme_version(PX).endswith("effective 2026-07-01)")
        assert any(sid == PX for sid, _title in scheme_choices(None))


def test_editing_a_contract_keeps_the_version_it_was_signed_under(app, db, world):
    """An edit of a contract's title after a newer version took effect from before its start: the contract stays
    under the version it records (its calendar, cycles and duties), it is not moved to the newer one."""
    from portal.contracts.models import Contract
    from portal.schemes import services
    from tests.conftest import login
    from tests.portal.test_admin import _contract_form

    from portal.contracts.services import scheme_version

    contract = db.get(Contract, world[1]["contract"].id)
    with app.test_request_context():
        contract.scheme_version = signed = scheme_version(PX, contract.starts_on)  # as entered through the form
    db.add(contract)
    db.commit()
    assert "effective 2024-01-01" in signed
    admin, token = _client(app, "t-platform")
    assert _upload(admin, token, _dated("2024-02-01"), V2_CASES).status_code == 302  # before its 1 March start
    assert _publish(admin, token, _draft(db, date(2024, 2, 1)).id).status_code == 302
    client = app.test_client()
    csrf = login(client, "t1-admin")
    response = client.post(f"/contracts/{contract.id}/edit", headers={"X-CSRFToken": csrf},
                           data=_contract_form(world, number=contract.number, title="改过的标题",
                                               starts_on=contract.starts_on.isoformat(),
                                               ends_on=contract.ends_on.isoformat()))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.expire_all()
    contract = db.get(Contract, contract.id)
    assert contract.title == "改过的标题" and contract.scheme_version == signed
    with app.test_request_context():
        assert services.contract_scheme(contract).effective_date == date(2024, 1, 1)
