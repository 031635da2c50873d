"""Issue #16: the public pages (公示) are cacheable. An anonymous GET of /public/… sets no cookie and carries no
CSRF token; it is sent `Cache-Control: public`, an ETag and Last-Modified taken from the publications and
objections it is built from, and a repeated GET with If-None-Match answers 304 after one query — none while the
process keeps that stamp (PUBLIC_STAMP_SECONDS): a change this process commits is seen at once, one committed
by another process once the stamp has expired. The language is part of the URL (`?lang=en`, a plain link).
Logged in, the same pages stay `private, no-store`."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from portal.publication import services
from portal.publication.models import Objection
from tests.conftest import login
from tests.portal.test_public_query_counts import _counting


def _paths(world) -> list[str]:
    side = world[1]
    p, r, op = side["publication"].id, side["result"].id, side["operator"].id
    return ["/public/", f"/public/bureaus/{side['bureau'].id}", f"/public/publications/{p}",
            f"/public/publications/{p}.json", f"/public/publications/{p}.csv", f"/public/publications/{p}/histogram.svg",
            f"/public/results/{r}", f"/public/results/{r}/timeliness.svg", f"/public/operators/{op}",
            f"/public/operators/{op}.json", f"/public/operators/{op}.csv", f"/public/operators/{op}/totals.svg",
            "/public/search?q=测试"]


def test_anonymous_public_pages_are_public_with_validators_and_no_cookie_or_token(app, world):
    client = app.test_client()
    for path in _paths(world):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Set-Cookie" not in response.headers, path
        body = response.get_data(as_text=True)
        assert "csrf_token" not in body and "X-CSRFToken" not in body, path
        assert response.headers["Cache-Control"].startswith("public, max-age="), path
        assert response.headers.get("ETag") and response.headers.get("Last-Modified"), path
        assert {"Accept-Language", "Cookie"} <= set(response.vary), path
    assert client.get_cookie("session") is None


@pytest.fixture
def clock(monkeypatch):
    """The stamps' clock (time.monotonic in portal.publication.services), moved by hand."""
    now = [1000.0]
    monkeypatch.setattr(services, "monotonic", lambda: now[0])
    return now


def test_a_repeated_get_answers_304_after_one_query_without_rendering(app, world, clock):
    client = app.test_client()
    for path in _paths(world):
        first = client.get(path)
        with _counting(app) as statements:  # the stamp is still kept: nothing is read
            again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304, path
        assert again.get_data() == b"" and again.headers["ETag"] == first.headers["ETag"], path
        assert statements == [], (path, statements)
        clock[0] += app.config["PUBLIC_STAMP_SECONDS"] + 0.1  # expired: the stamp alone is read again
        with _counting(app) as statements:
            again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and again.headers["ETag"] == first.headers["ETag"], path
        assert len(statements) == 1, (path, statements)
        since = client.get(path, headers={"If-Modified-Since": first.headers["Last-Modified"]})
        assert since.status_code == 304, path


def test_the_etag_changes_when_an_objection_is_answered_and_with_the_language(app, db, world):
    client = app.test_client()
    path = f"/public/publications/{world[1]['publication'].id}"
    before = client.get(path)
    objection = db.get(Objection, world[1]["objection"].id)
    objection.state, objection.answer = "dismissed", "核实无误"
    objection.answered_by_id, objection.answered_at = world[1]["users"]["approver"].id, datetime.now(timezone.utc)
    db.add(objection)
    db.commit()
    after = client.get(path, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    assert "核实无误" in client.get(f"/public/results/{world[1]['result'].id}").get_data(as_text=True)
    english = client.get(path + "?lang=en", headers={"If-None-Match": after.headers["ETag"]})
    assert english.status_code == 200 and english.headers["ETag"] != after.headers["ETag"]
    # another bureau's publication does not change this one's validator
    other = client.get(f"/public/publications/{world[2]['publication'].id}")
    objection2 = db.get(Objection, world[1]["objection"].id)
    assert objection2.state == "dismissed"
    assert client.get(f"/public/publications/{world[2]['publication'].id}",
                      headers={"If-None-Match": other.headers["ETag"]}).status_code == 304


def test_the_language_switch_is_a_link_that_stays_in_the_public_links(app, world):
    client = app.test_client()
    path = f"/public/publications/{world[1]['publication'].id}"
    html = client.get(path).get_data(as_text=True)
    assert f'href="{path}?lang=en"' in html and "/lang/" not in html
    english = client.get(path + "?lang=en")
    text = english.get_data(as_text=True)
    assert 'lang="en"' in text and "Set-Cookie" not in english.headers
    assert f'href="/public/results/{world[1]["result"].id}?lang=en"' in text
    assert 'href="/public/?lang=en"' in text and f'href="{path}?lang=zh"' in text
    assert 'name="lang" value="en"' in client.get("/public/?lang=en").get_data(as_text=True)  # the search form
    assert client.get(path + "?lang=xx").status_code == 200  # an unknown language is ignored


def test_logged_in_the_public_pages_and_the_portal_stay_private(app, world):
    client = app.test_client()
    login(client, "t1-reviewer")
    for path in _paths(world)[:3]:
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "private, no-store", path
        assert "ETag" not in response.headers, path
    for path in ("/", "/contracts"):
        assert client.get(path).headers["Cache-Control"] == "no-store"


def test_a_missing_public_page_sets_no_cookie_either(app, world):
    client = app.test_client()
    for path in ("/public/publications/987654", "/public/results/987654", "/public/nothing-here"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Set-Cookie" not in response.headers and "csrf_token" not in response.get_data(as_text=True), path
        assert response.headers["Cache-Control"] == "no-store", path


def test_a_visitor_without_a_cache_of_its_own_is_answered_the_same_bytes_after_one_query(app, db, world, clock):
    """The process keeps each anonymous answer by its ETag (bench/bench_pages.py: public pages under load):
    the second plain GET reads only the stamp and answers the same bytes and headers; a change the ETag sees
    (an objection answered) is rendered anew; a visitor with a session is never served from it."""
    client = app.test_client()
    for path in _paths(world):
        first = client.get(path)
        clock[0] += app.config["PUBLIC_STAMP_SECONDS"] + 0.1
        with _counting(app) as statements:
            again = client.get(path)
        assert again.status_code == 200 and again.get_data() == first.get_data(), path
        assert len(statements) == 1, (path, statements)
        for header in ("ETag", "Content-Type", "Content-Disposition", "Cache-Control", "Last-Modified"):
            assert again.headers.get(header) == first.headers.get(header), (path, header)
    path = f"/public/results/{world[1]['result'].id}"
    before = client.get(path).get_data(as_text=True)
    objection = db.get(Objection, world[1]["objection"].id)
    objection.state, objection.answer = "dismissed", "核实无误（缓存测试）"
    objection.answered_by_id, objection.answered_at = world[1]["users"]["approver"].id, datetime.now(timezone.utc)
    db.add(objection)
    db.commit()
    after = client.get(path).get_data(as_text=True)
    assert "核实无误（缓存测试）" not in before and "核实无误（缓存测试）" in after
    # a visitor who carries a session cookie (e.g. a flashed message waiting) is rendered for, not served
    visitor = app.test_client()
    visitor.set_cookie("session", "anything")
    with _counting(app) as statements:
        assert visitor.get(path).status_code == 200
    assert len(statements) > 1


def test_a_change_committed_by_another_process_is_seen_once_the_stamp_expires(app, world, clock):
    """Another worker (here: a statement on a connection of its own, outside every session of this process)
    answers an objection. This process keeps its stamp PUBLIC_STAMP_SECONDS, answering from it (as a browser
    keeps the page for max-age), then reads it again and renders the answer."""
    client = app.test_client()
    path = f"/public/results/{world[1]['result'].id}"
    before = client.get(path)
    assert "另一进程的答复" not in before.get_data(as_text=True)
    with app.extensions["kaohe_engine"].begin() as conn:
        conn.execute(sa.update(Objection).where(Objection.id == world[1]["objection"].id).values(
            state="dismissed", answer="另一进程的答复", answered_by_id=world[1]["users"]["approver"].id,
            answered_at=datetime.now(timezone.utc)))
    clock[0] += app.config["PUBLIC_STAMP_SECONDS"] - 0.1
    kept = client.get(path, headers={"If-None-Match": before.headers["ETag"]})
    assert kept.status_code == 304
    clock[0] += 0.2
    after = client.get(path, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    assert "另一进程的答复" in after.get_data(as_text=True)


def test_a_commit_in_this_process_forgets_the_stamps_and_a_rollback_does_not(app, db, world, clock):
    """The stamps are forgotten by a commit that wrote a publication, a published result or an objection (any
    session of this process, the clock not moved); a rolled-back change leaves them (nothing changed)."""
    client = app.test_client()
    path = f"/public/publications/{world[1]['publication'].id}"
    first = client.get(path)
    objection = db.get(Objection, world[1]["objection"].id)
    objection.answer = "撤回的修改"
    db.add(objection)
    db.flush()
    db.rollback()
    with _counting(app) as statements:
        assert client.get(path, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert statements == []
    objection = db.get(Objection, world[1]["objection"].id)
    objection.state, objection.answer = "dismissed", "本进程的答复"
    objection.answered_by_id, objection.answered_at = world[1]["users"]["approver"].id, datetime.now(timezone.utc)
    db.add(objection)
    db.commit()
    with _counting(app) as statements:
        after = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != first.headers["ETag"]
    assert len(statements) > 1  # the stamp read again, then the page rendered
