"""Issue #17: a full disk while evidence is uploaded: a clear 503, nothing stored, no file left behind.

The disk is real: a 1 MB tmpfs mounted for the test (we run as root; where mounting is not allowed the test
is skipped and says so)."""
from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import pytest
from sqlmodel import func, select

from portal.activities.models import ActivityEvent, Attachment
from tests.conftest import login

KB = 1024


def _jpeg(size: int) -> bytes:  # accepted by the sniffer: JPEG magic, then filler, then the end marker
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * (size - 22) + b"\xff\xd9"


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "small-disk"
    mount.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "kaohe-faults", str(mount)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a 1 MB tmpfs here: {mounted.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.fixture
def app_config(app_config, small_disk):
    return {**app_config, "EVIDENCE_DIR": str(small_disk / "evidence")}


def _leave_free(mount: Path, free: int) -> Path:
    """Fill the disk until about `free` bytes are left."""
    stat = os.statvfs(mount)
    filler = mount / "filler"
    filler.write_bytes(b"\x00" * max(0, stat.f_bavail * stat.f_frsize - free))
    return filler


def _leftovers(folder: Path, world) -> list[str]:
    known = {world[n]["attachment"].stored_name for n in (1, 2)}
    return sorted(p.name for p in folder.iterdir() if p.name not in known)


def test_an_event_whose_second_photo_does_not_fit_is_not_saved_and_leaves_no_file(app, world, db, small_disk):
    contract_id = world[1]["contract"].id
    client = app.test_client()
    token = login(client, "t1-operator")
    filler = _leave_free(small_disk, 300 * KB)
    data = {"event_kind": "recruitment_fair", "held_on": "2024-06-01", "place": "磁盘已满的招聘会",
            "participants": "150", "description": "春季招聘会",
            "evidence": [(io.BytesIO(_jpeg(200 * KB)), "一.jpg"), (io.BytesIO(_jpeg(200 * KB)), "二.jpg")]}
    response = client.post(f"/contracts/{contract_id}/events", headers={"X-CSRFToken": token},
                           content_type="multipart/form-data", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert 'data-cause="disk"' in html and 'data-state="not_saved"' in html
    assert "服务器存储空间已满" in html and "您刚才提交的内容没有保存" in html and "上传的文件没有留在服务器上" in html
    assert _leftovers(Path(app.config["EVIDENCE_DIR"]), world) == []  # the first photo and the .part are gone
    assert db.exec(select(func.count()).select_from(ActivityEvent).where(ActivityEvent.place == "磁盘已满的招聘会")).one() == 0

    filler.unlink()  # space freed: the same upload goes through
    data["evidence"] = [(io.BytesIO(_jpeg(200 * KB)), "一.jpg"), (io.BytesIO(_jpeg(200 * KB)), "二.jpg")]
    response = client.post(f"/contracts/{contract_id}/events", headers={"X-CSRFToken": token},
                           content_type="multipart/form-data", data=data)
    assert response.status_code == 302
    event = db.exec(select(ActivityEvent).where(ActivityEvent.place == "磁盘已满的招聘会")).one()
    stored = db.exec(select(Attachment).where(Attachment.owner_type == "activity_event", Attachment.owner_id == event.id)).all()
    assert sorted(a.stored_name for a in stored) == _leftovers(Path(app.config["EVIDENCE_DIR"]), world)
    assert len(stored) == 2


def test_evidence_larger_than_the_free_space_answers_503_in_english_on_request(app, world, db, small_disk):
    event_id = world[1]["event"].id
    client = app.test_client()
    token = login(client, "t1-operator")
    _leave_free(small_disk, 100 * KB)
    before = db.exec(select(func.count()).select_from(Attachment)).one()
    response = client.post(f"/events/{event_id}/evidence", headers={"X-CSRFToken": token, "Accept-Language": "en"},
                           content_type="multipart/form-data",
                           data={"evidence": (io.BytesIO(_jpeg(400 * KB)), "大图.jpg")})
    html = response.get_data(as_text=True)
    assert response.status_code == 503 and 'data-cause="disk"' in html
    assert "The server's storage is full" in html and "was not saved" in html
    assert _leftovers(Path(app.config["EVIDENCE_DIR"]), world) == []
    assert db.exec(select(func.count()).select_from(Attachment)).one() == before
