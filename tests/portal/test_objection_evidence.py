"""Evidence files with an objection (issue #7 §3: "the operator files an objection against its result or a
single deduction, with evidence"). The files are checked like any evidence (JPEG, PNG or PDF judged by the
bytes, seed-independent), stored with the objection or not at all, taken while the objection is open and
the notice period runs (not by the contract's lock: the cycle objected to is approved and locked), seen by
the operator and the bureau through the tenancy scope, and never public."""
from __future__ import annotations

import hashlib
import io
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlmodel import func, select

from portal.activities.models import Attachment
from portal.audit.models import AuditEvent
from portal.publication.models import IllegalObjection, Objection, PublishedResult
from tests.conftest import WORLD_PNG
from tests.portal.test_activities_events import HTML, PDF
from tests.portal.test_publication import (_client, acting, approver, field_errors, published,  # noqa: F401
                                          reviewer)


def _row(db, publication) -> PublishedResult:
    return db.exec(select(PublishedResult).where(PublishedResult.publication_id == publication.id)).one()


def _object(client, token, row, files, **over):
    data = {"target": row.lines[3]["path"] if len(row.lines) > 3 else "", "text": "抽查当日设备正在检修，不应扣分", "evidence": "检修单（2024年5月）",
            **over, "evidence_files": [(io.BytesIO(content), name) for name, content in files]}
    return client.post(f"/results/{row.id}/objections", data=data, content_type="multipart/form-data",
                       headers={"X-CSRFToken": token})


def _files_on_disk(app) -> set[str]:
    return {p.name for p in Path(app.config["EVIDENCE_DIR"]).iterdir()}


def _attachments(db, objection) -> list[Attachment]:
    return db.exec(select(Attachment).where(Attachment.owner_type == "objection", Attachment.owner_id == objection.id)
                   .order_by(Attachment.id)).all()


def test_an_objection_with_files_is_stored_together_and_both_sides_download_them(app, db, world, published):
    client, token = _client(app, "t1-operator")
    row = _row(db, published)
    response = _object(client, token, row, [("检修单.pdf", PDF), ("现场.png", WORLD_PNG)])
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    objection = db.exec(select(Objection).where(Objection.result_id == row.id)).one()
    assert objection.contract_id == row.contract_id
    files = _attachments(db, objection)
    assert [(a.filename, a.content_type, a.contract_id, a.operator_id, a.bureau_id) for a in files] == [
        ("检修单.pdf", "application/pdf", row.contract_id, row.operator_id, row.bureau_id),
        ("现场.png", "image/png", row.contract_id, row.operator_id, row.bureau_id)]
    folder = Path(app.config["EVIDENCE_DIR"])
    for attachment, content in zip(files, (PDF, WORLD_PNG)):
        assert re.fullmatch(r"[0-9a-f]{32}", attachment.stored_name)
        assert (folder / attachment.stored_name).read_bytes() == content
        assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    audit = [e.action for e in db.exec(select(AuditEvent).order_by(AuditEvent.id)).all()][-3:]
    assert audit == ["object", "upload_evidence", "upload_evidence"]

    # The operator and the bureau's reviewer see the files listed with the objection and download them.
    for username in ("t1-operator", "t1-reviewer", "t1-approver"):
        other, _token = _client(app, username)
        page = other.get(f"/publications/{published.id}").get_data(as_text=True)
        for attachment in files:
            assert f'href="/evidence/{attachment.id}"' in page and attachment.filename in page, username
        download = other.get(f"/evidence/{files[0].id}")
        assert download.status_code == 200 and download.data == PDF, username
        assert download.headers["Content-Disposition"].startswith("attachment;")
    # Another tenant's people: the same 404 as a file that does not exist.
    for username in ("t2-operator", "t2-reviewer", "t2-approver"):
        other, _token = _client(app, username)
        assert other.get(f"/evidence/{files[0].id}").status_code == 404, username


def test_evidence_files_are_never_public(app, db, world, published):
    client, token = _client(app, "t1-operator")
    row = _row(db, published)
    assert _object(client, token, row, [("检修单-内部.pdf", PDF)]).status_code == 302
    attachment = db.exec(select(Attachment).where(Attachment.owner_type == "objection")).one()
    public = app.test_client()
    for url in (f"/public/publications/{published.id}", f"/public/results/{row.id}",
                f"/public/publications/{published.id}.json", f"/public/publications/{published.id}.csv"):
        response = public.get(url)
        assert response.status_code == 200, url
        text = response.get_data(as_text=True)
        assert "检修单" not in text and "/evidence/" not in text, url
    assert public.get(f"/evidence/{attachment.id}").status_code == 302  # to the login page, not the file


def test_a_refused_file_is_an_error_next_to_the_field_and_nothing_is_kept(app, db, world, published):
    client, token = _client(app, "t1-operator")
    row = _row(db, published)
    before_files, before_rows = _files_on_disk(app), db.exec(select(func.count()).select_from(Attachment)).one()
    response = _object(client, token, row, [("检修单.pdf", PDF), ("照片.png", HTML)])
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "照片.png：只接受JPEG、PNG照片或PDF文件" in field_errors(page, f"evidence_files-{row.id}")
    assert re.search(r">\s*抽查当日设备正在检修，不应扣分</textarea>", page)  # what was typed is kept
    db.expire_all()
    assert db.exec(select(Objection).where(Objection.result_id == row.id)).first() is None
    assert db.exec(select(func.count()).select_from(Attachment)).one() == before_rows
    assert _files_on_disk(app) == before_files


def test_a_failure_while_storing_keeps_neither_the_objection_nor_any_file(app, db, world, published, monkeypatch):
    from portal.activities import evidence
    from portal.activities import services as activities
    from portal.db import get_session
    from portal.publication import services

    real = activities._store
    calls = []

    def second_fails(file, owner, *, user):
        calls.append(file.filename)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(file, owner, user=user)

    monkeypatch.setattr(activities, "_store", second_fails)
    before = _files_on_disk(app)
    operator = world[1]["users"]["operator"]
    with acting(app, operator):
        row = get_session().get(PublishedResult, _row(db, published).id)
        with pytest.raises(OSError):
            services.file_objection(row, operator, target="", text="总分偏低", files=[
                evidence.check("a.pdf", PDF), evidence.check("b.png", WORLD_PNG)])
    assert calls == ["a.pdf", "b.png"]
    db.expire_all()
    assert db.exec(select(Objection).where(Objection.publication_id == published.id)).first() is None
    assert db.exec(select(Attachment).where(Attachment.owner_type == "objection")).first() is None
    assert _files_on_disk(app) == before, "the first file, written before the failure, is removed"


def test_the_locked_cycle_refuses_activity_evidence_but_takes_the_objections(app, db, world, published):
    """The published cycle is approved, so its data is locked (ensure_writable); an objection to it is the
    one way left to bring evidence, and the notice period, not the lock, decides."""
    from portal.activities import evidence
    from portal.activities import services as activities
    from portal.db import get_session

    operator = world[1]["users"]["operator"]
    with acting(app, operator):
        event = get_session().get(type(world[1]["event"]), world[1]["event"].id)  # held 2024-05-10, in stage 1
        with pytest.raises(activities.WriteRefused):
            activities.save(evidence.check("晚到的照片.png", WORLD_PNG), event, user=operator, day=event.held_on)
    client, token = _client(app, "t1-operator")
    assert _object(client, token, _row(db, published), [("晚到的照片.png", WORLD_PNG)]).status_code == 302


def test_more_evidence_while_open_and_in_the_window_only(app, db, world, published):
    from portal.activities import evidence
    from portal.db import get_session
    from portal.publication import services

    client, token = _client(app, "t1-operator")
    row = _row(db, published)
    assert _object(client, token, row, []).status_code == 302
    objection = db.exec(select(Objection).where(Objection.result_id == row.id)).one()
    url = f"/objections/{objection.id}/evidence"

    def add(c, t, files):
        return c.post(url, content_type="multipart/form-data", headers={"X-CSRFToken": t},
                      data={"evidence_files": [(io.BytesIO(content), name) for name, content in files]})

    assert add(client, token, [("补充.pdf", PDF)]).status_code == 302
    assert [a.filename for a in _attachments(db, objection)] == ["补充.pdf"]
    nothing = add(client, token, [])
    assert nothing.status_code == 422
    assert "请选择要上传的文件" in field_errors(nothing.get_data(as_text=True), f"more_evidence-{objection.id}")
    reviewer, rt = _client(app, "t1-reviewer")
    assert add(reviewer, rt, [("局方.pdf", PDF)]).status_code == 403  # the bureau answers, it does not add
    foreign, ft = _client(app, "t2-operator")
    assert add(foreign, ft, [("他方.pdf", PDF)]).status_code == 404

    # After the notice period (the deadline day ends at 24:00 Shanghai) nothing more is taken.
    operator = world[1]["users"]["operator"]
    deadline = published.objection_deadline
    after = datetime(deadline.year, deadline.month, deadline.day, 16, 0, tzinfo=timezone.utc)  # 00:00 next day
    with acting(app, operator):
        again = get_session().get(Objection, objection.id)
        with pytest.raises(IllegalObjection, match="公示期已于"):
            services.add_evidence(again, operator, [evidence.check("迟.pdf", PDF)], now=after)
        services.add_evidence(again, operator, [evidence.check("当天.pdf", PDF)], now=after - timedelta(seconds=1))

    # Once answered, the form is gone and a late upload is refused with the reason.
    assert reviewer.post(f"/objections/{objection.id}/answer", data={"verdict": "dismissed", "reason": "维持原结果"},
                         headers={"X-CSRFToken": rt}).status_code == 302
    late = add(client, token, [("答复后.pdf", PDF)])
    assert late.status_code == 422 and "该异议已答复，不能再补充证据" in late.get_data(as_text=True)
    assert 'data-testid="evidence-form"' not in late.get_data(as_text=True)
    assert [a.filename for a in _attachments(db, objection)] == ["补充.pdf", "当天.pdf"]


def test_an_objection_names_the_contract_its_evidence_belongs_to_after_the_migration(tmp_path):
    """Revision b3d48f7a0008 gives objections filed before it their result's contract."""
    import sqlalchemy as sa
    from alembic import command

    from portal.cli import alembic_config, upgrade_database

    url = f"sqlite:///{tmp_path / 'objections.sqlite3'}"
    command.upgrade(alembic_config(url), "a2c37e6f0007")
    engine = sa.create_engine(url)  # plain SQLite: foreign keys unchecked, so two rows are enough here
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO published_result (id, publication_id, bureau_id, operator_id, contract_id, approval_id, "
            "operator_name, station_names, total, band, consequence, lines, timeliness) "
            "VALUES (7, 1, 1, 1, 42, 1, '某单位', '[]', 90, '', '', '[]', '{}')"))
        conn.execute(sa.text(
            "INSERT INTO objection (id, result_id, publication_id, bureau_id, operator_id, target, target_title, text, "
            "evidence, filed_by_id, filed_at, state, answer) "
            "VALUES (1, 7, 1, 1, 1, '', '', '总分偏低', '', 1, '2026-11-30 02:00:00', 'open', '')"))
    engine.dispose()
    upgrade_database(url)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT contract_id FROM objection WHERE id = 1")).scalar_one() == 42
    engine.dispose()


def test_after_the_period_a_refusal_is_said_even_though_the_forms_are_gone(app, db, world):
    """A publication whose notice period ended yesterday: the page shows no objection or evidence form, and
    a late POST (say, from a page left open) is answered with the reason, not with a silent page."""
    from datetime import date

    from portal.publication.models import Publication

    side = world[1]
    old = world[1]["publication"]
    publication = Publication(bureau_id=old.bureau_id, bureau_name=old.bureau_name, scheme_id=old.scheme_id,
                              scheme_version=old.scheme_version, cycle_id="stage_3", cycle_label="第三阶段验收",
                              cycle_start=date(2024, 12, 1), cycle_end=date(2025, 2, 28),
                              objection_deadline=date.today() - timedelta(days=1),
                              published_by_id=side["users"]["approver"].id)
    db.add(publication)
    db.flush()
    row = PublishedResult(publication_id=publication.id, bureau_id=old.bureau_id, operator_id=side["operator"].id,
                          contract_id=side["contract"].id, approval_id=side["approval"].id,
                          operator_name=side["operator"].name, station_names=[], total=side["result"].total,
                          lines=list(side["result"].lines))
    db.add(row)
    db.flush()
    objection = Objection(result_id=row.id, publication_id=publication.id, bureau_id=old.bureau_id,
                          operator_id=side["operator"].id, contract_id=side["contract"].id, target="",
                          text="总分偏低", filed_by_id=side["users"]["operator"].id)
    db.add(objection)
    db.commit()
    client, token = _client(app, "t1-operator")
    page = client.get(f"/publications/{publication.id}").get_data(as_text=True)
    assert 'data-testid="objection-form"' not in page and 'data-testid="evidence-form"' not in page
    late = _object(client, token, row, [], text="", target="")  # empty text too: the period is what is said
    assert late.status_code == 422 and "公示期已于" in late.get_data(as_text=True)
    more = client.post(f"/objections/{objection.id}/evidence", content_type="multipart/form-data",
                       headers={"X-CSRFToken": token}, data={"evidence_files": []})
    assert more.status_code == 422 and "不能再补充证据" in more.get_data(as_text=True)
    db.expire_all()
    assert db.exec(select(Objection).where(Objection.publication_id == publication.id)).all() == [objection]
    assert db.exec(select(Attachment).where(Attachment.owner_type == "objection")).first() is None
