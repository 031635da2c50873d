"""Events held (招聘会, 直播带岗, 走访, 培训) and their evidence files: sniffed from the bytes, stored outside
static/ under random names, served only through the scope as downloads; htmx inline validation."""
from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path

import pytest
from sqlmodel import func, select

from portal.activities import evidence
from portal.activities.models import ActivityEvent, Attachment
from tests.conftest import WORLD_PNG, login

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 200 + b"\xff\xd9"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n" \
      b"trailer<</Root 1 0 R>>\n%%EOF\n"
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"


# --- sniffing (pure) ----------------------------------------------------------------------------

@pytest.mark.parametrize("data, content_type", [(JPEG, "image/jpeg"), (WORLD_PNG, "image/png"), (PDF, "application/pdf")])
def test_jpeg_png_and_pdf_are_recognised_from_their_bytes(data, content_type):
    assert evidence.sniff(data) == content_type


@pytest.mark.parametrize("data, code", [
    (HTML, "type"),  # an HTML page renamed .jpg
    (b"", "empty"),
    (b"GIF89a" + b"\x00" * 100, "type"),
    (b"PK\x03\x04" + b"\x00" * 100, "type"),  # a zip / docx
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "corrupt"),
    (PDF[:-7], "corrupt"),  # truncated: no %%EOF
    (PDF.replace(b"/Type/Catalog", b"/Type/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>"), "active_pdf"),
])
def test_hostile_or_broken_files_are_refused(data, code):
    with pytest.raises(evidence.EvidenceRefused) as refused:
        evidence.sniff(data)
    assert refused.value.code == code


def test_the_size_limit_is_checked_before_anything_else():
    with pytest.raises(evidence.EvidenceRefused) as refused:
        evidence.sniff(JPEG + b"\x00" * 2000, max_bytes=1000)
    assert refused.value.code == "too_large" and "MB" in refused.value.message


def test_a_pdf_named_jpg_is_a_pdf_and_its_name_follows_the_content():
    checked = evidence.check("../../现场照片.JPG", PDF)
    assert (checked.content_type, checked.filename) == ("application/pdf", "现场照片.pdf")
    assert evidence.clean_filename('a"\r\nb;.png', "image/png") == "ab.png"


# --- through the portal ---------------------------------------------------------------------------

def _record(client, token, contract_id, files=(), **over):
    data = {"event_kind": "recruitment_fair", "held_on": "2024-06-01", "place": "凭祥市人力资源市场",
            "participants": "150", "description": "春季招聘会，40家企业参加"}
    data.update(over)
    if files:
        data["evidence"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post(f"/contracts/{contract_id}/events", headers={"X-CSRFToken": token},
                       content_type="multipart/form-data", data=data)


def test_an_event_with_photos_is_recorded_listed_and_its_files_stored_under_random_names(app, world, db):
    contract = world[1]["contract"]
    client = app.test_client()
    token = login(client, "t1-operator")
    response = _record(client, token, contract.id, files=[("现场.jpg", JPEG), ("签到表.jpg", PDF)])
    assert response.status_code == 302
    event = db.exec(select(ActivityEvent).where(ActivityEvent.place == "凭祥市人力资源市场")).one()
    assert response.headers["Location"].endswith(f"/events/{event.id}")
    files = db.exec(select(Attachment).where(Attachment.owner_type == "activity_event",
                                             Attachment.owner_id == event.id).order_by(Attachment.id)).all()
    assert [(a.filename, a.content_type) for a in files] == [("现场.jpg", "image/jpeg"), ("签到表.pdf", "application/pdf")]
    folder = Path(app.config["EVIDENCE_DIR"])
    for attachment, content in zip(files, (JPEG, PDF)):
        stored = folder / attachment.stored_name
        assert re.fullmatch(r"[0-9a-f]{32}", attachment.stored_name)
        assert stored.read_bytes() == content and attachment.sha256 == hashlib.sha256(content).hexdigest()
        assert Path(app.static_folder).resolve() not in stored.resolve().parents
    listing = client.get(f"/contracts/{contract.id}/events").get_data(as_text=True)
    assert "凭祥市人力资源市场" in listing and 'data-testid="event-evidence-count">2<' in listing
    # the trail says what was held, in words (once "recruitment_fair 2024-06-01")
    reviewer = app.test_client()
    login(reviewer, "t1-approver")
    trail = reviewer.get("/audit?action=record_event").get_data(as_text=True)
    assert "招聘会 2024年6月1日" in trail and "recruitment_fair" not in trail


def test_a_refused_file_is_a_form_error_and_nothing_is_saved(app, world, db):
    contract = world[1]["contract"]
    client = app.test_client()
    token = login(client, "t1-operator")
    before = db.exec(select(func.count()).select_from(ActivityEvent)).one()
    response = _record(client, token, contract.id, files=[("现场.jpg", HTML)])
    assert response.status_code == 422
    assert "只接受JPEG、PNG照片或PDF文件" in response.get_data(as_text=True)
    assert db.exec(select(func.count()).select_from(ActivityEvent)).one() == before
    assert sorted(p.name for p in Path(app.config["EVIDENCE_DIR"]).iterdir()) == [
        f"{1:032x}", f"{2:032x}"], "only the world's two files"


def test_the_size_limit_comes_from_config_with_a_clear_form_error(app, world, db):
    app.config["EVIDENCE_MAX_BYTES"] = 1024 * 1024
    event = world[1]["event"]
    client = app.test_client()
    token = login(client, "t1-operator")
    big = JPEG + b"\x00" * (1024 * 1024)
    response = client.post(f"/events/{event.id}/evidence", headers={"X-CSRFToken": token},
                           content_type="multipart/form-data", data={"evidence": (io.BytesIO(big), "大图.jpg")})
    assert response.status_code == 422 and "超过上限1 MB" in response.get_data(as_text=True)
    empty = client.post(f"/events/{event.id}/evidence", headers={"X-CSRFToken": token},
                        content_type="multipart/form-data", data={"evidence": (io.BytesIO(b""), "空.jpg")})
    assert empty.status_code == 422
    assert db.exec(select(func.count()).select_from(Attachment)).one() == 2


def test_downloads_are_attachments_for_allowed_users_and_404_for_everyone_else(app, world):
    attachment = world[1]["attachment"]
    url = f"/evidence/{attachment.id}"
    for username in ("t1-operator", "t1-reviewer", "t1-approver", "t1-admin", "t-platform"):
        client = app.test_client()
        login(client, username)
        response = client.get(url)
        assert response.status_code == 200, username
        assert response.data == WORLD_PNG and response.mimetype == "image/png"
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response.headers["Cache-Control"]
    for username in ("t2-operator", "t2-reviewer", "t2-approver", "t2-admin"):
        client = app.test_client()
        login(client, username)
        assert client.get(url).status_code == 404, username
    assert app.test_client().get(url).status_code == 302  # to the login page


def test_a_file_missing_on_disk_answers_404_not_an_error(app, world):
    attachment = world[1]["attachment"]
    (Path(app.config["EVIDENCE_DIR"]) / attachment.stored_name).unlink()
    client = app.test_client()
    login(client, "t1-operator")
    assert client.get(f"/evidence/{attachment.id}").status_code == 404


# --- htmx inline validation ---------------------------------------------------------------------

def _check(client, contract_id, field, value, token):
    response = client.post(f"/contracts/{contract_id}/events/check/{field}", data={field: value},
                           headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    return response.get_data(as_text=True)


def test_the_validation_endpoint_returns_the_fields_error_fragment(app, world):
    contract = world[1]["contract"]  # 2024-03-01 – 2025-02-28
    client = app.test_client()
    token = login(client, "t1-operator")
    html = _check(client, contract.id, "participants", "-3", token)
    assert html.startswith('<div class="field-errors" id="participants-errors"') and "参加人数须为0至1000000" in html
    assert "<html" not in html, "a fragment, not a page"
    assert 'class="error"' not in _check(client, contract.id, "participants", "12", token)
    assert "不在合同期限内" in _check(client, contract.id, "held_on", "2023-12-31", token)
    assert "不能晚于今天" in _check(client, contract.id, "held_on", "2099-01-01", token)
    assert "请填写日期，如 2024-06-01" in _check(client, contract.id, "held_on", "2024-13-01", token)
    assert 'class="error"' not in _check(client, contract.id, "held_on", "2024-06-01", token)
    assert "请填写举办地点" in _check(client, contract.id, "place", "  ", token)
    headers = {"X-CSRFToken": token}
    assert client.post(f"/contracts/{contract.id}/events/check/evidence", headers=headers).status_code == 404
    assert client.post(f"/contracts/{world[2]['contract'].id}/events/check/place", headers=headers).status_code == 404
    # typed text never travels in a URL
    assert client.get(f"/contracts/{contract.id}/events/check/place?place=x").status_code == 405


def test_the_full_submit_still_validates_on_the_server(app, world, db):
    contract = world[1]["contract"]
    client = app.test_client()
    token = login(client, "t1-operator")
    response = _record(client, token, contract.id, participants="-3", held_on="2099-01-01")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "参加人数须为0至1000000" in page and "不能晚于今天" in page
    assert db.exec(select(func.count()).select_from(ActivityEvent)).one() == 2
