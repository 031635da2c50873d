"""Issue #17: with the database gone, pages answer 503 and tell the truth about the user's data; a report saved
just before the database drops is answered as saved (never as an error that invites a second submission)."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask import request
from sqlmodel import Session, func, select

from portal import create_app
from portal.reporting.models import Submission
from tests.conftest import ON_POSTGRES, login

REPORT = {"narrative": "本月完成园区企业走访12家。", "fact_referrals_to_park_employers": "35",
          "fact_own_recruitment_events": "2", "fact_campus_fairs_attended": "1", "fact_policy_events_assisted": "0"}


def _report_url(contract_id: int) -> str:
    return f"/contracts/{contract_id}/reports/monthly_plan_summary/2024-06"


def _dead_url(app_config, tmp_path) -> str:
    if ON_POSTGRES:  # nothing listens on port 9 of loopback: the connection is refused at once
        return "postgresql+psycopg2://kaohe@127.0.0.1:9/kaohe?connect_timeout=2"
    return f"sqlite:///{tmp_path / 'no-such-folder' / 'kaohe.sqlite3'}"


def _stored(db, contract_id: int) -> int:
    return db.exec(select(func.count()).select_from(Submission).where(
        Submission.contract_id == contract_id, Submission.period_key == "2024-06")).one()


def _flashes(client) -> list[str]:
    with client.session_transaction() as cookie_session:
        return [message for _category, message in cookie_session.get("_flashes", [])]


def test_pages_and_posts_answer_503_saying_nothing_was_saved_while_the_database_is_unreachable(
        app, app_config, world, tmp_path):
    contract_id = world[1]["contract"].id
    client = app.test_client()
    token = login(client, "t1-operator")
    down = create_app({**app_config, "DATABASE_URL": _dead_url(app_config, tmp_path)})
    down_client = down.test_client()
    for cookie in client._cookies.values():  # the same browser, now talking to a portal whose database is gone
        down_client.set_cookie(cookie.key, cookie.value, domain=cookie.domain)

    page = down_client.get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == 503 and page.headers["Retry-After"] == "30"
    assert "数据库暂时无法访问" in html and "请稍后刷新重试" in html and "Traceback" not in html

    posted = down_client.post(_report_url(contract_id), data=REPORT, headers={"X-CSRFToken": token})
    html = posted.get_data(as_text=True)
    assert posted.status_code == 503 and posted.headers["Retry-After"] == "30"
    assert 'data-state="not_saved"' in html and "您刚才提交的内容没有保存" in html

    english = down_client.get("/public/", headers={"Accept-Language": "en"})
    html = english.get_data(as_text=True)
    assert english.status_code == 503 and 'lang="en"' in html
    assert "The database cannot be reached at the moment" in html and "数据库" not in html

    assert app.test_client().get("/healthz").status_code == 200  # the real database was never touched
    down.extensions["kaohe_engine"].dispose()


@contextmanager
def _database_drops_after_the_first_commit_of_a_post(database_url: str):
    """After the POST's first commit is answered, refuse new connections to the database and kill the open ones:
    a real outage (PostgreSQL's ALLOW_CONNECTIONS), from a connection to the maintenance database."""
    name = sa.engine.make_url(database_url).database
    admin = sa.create_engine(sa.engine.make_url(database_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    fired = []

    def drop(_session):
        if fired or not (request and request.method == "POST"):
            return
        fired.append(True)
        with admin.connect() as conn:
            conn.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                 "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})

    sa.event.listen(Session, "after_commit", drop)
    try:
        yield fired
    finally:
        sa.event.remove(Session, "after_commit", drop)
        with admin.connect() as conn:
            conn.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()


@pytest.mark.skipif(not ON_POSTGRES, reason="a SQLite file does not go away under an open connection")
def test_a_report_saved_just_before_the_database_drops_is_answered_as_saved(app, world, db, database_url, caplog):
    contract_id = world[1]["contract"].id
    client = app.test_client()
    token = login(client, "t1-operator")
    with _database_drops_after_the_first_commit_of_a_post(database_url) as fired:
        response = client.post(_report_url(contract_id), data=REPORT, headers={"X-CSRFToken": token})
    assert fired, "the database was not dropped"
    assert response.status_code == 302 and response.headers["Location"].endswith(_report_url(contract_id))
    assert _flashes(client) == ["已提交第1版"]
    assert "compliance rules failed after a submission to contract" in caplog.text  # the rules could not run
    assert _stored(db, contract_id) == 1


@pytest.mark.skipif(not ON_POSTGRES, reason="needs a server-side COMMIT that can be cut off")
def test_a_commit_cut_off_before_its_answer_is_answered_cannot_confirm(app, world, db, database_url):
    """A deferred trigger makes the COMMIT wait on the server; another connection kills that backend meanwhile.
    The request cannot know whether its data is stored, and says so (here it is not: killed before the end)."""
    import threading
    import time

    admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("CREATE FUNCTION faults_slow_commit() RETURNS trigger LANGUAGE plpgsql AS "
                             "$$ BEGIN PERFORM pg_sleep(5); RETURN NULL; END $$"))
        conn.execute(sa.text("CREATE CONSTRAINT TRIGGER faults_slow_commit AFTER INSERT ON submission "
                             "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION faults_slow_commit()"))
    killed = []

    def kill_the_committing_backend():
        with admin.connect() as conn:
            for _ in range(100):
                pid = conn.execute(sa.text("SELECT pid FROM pg_stat_activity WHERE wait_event = 'PgSleep' "
                                           "AND datname = current_database()")).scalar()
                if pid:
                    killed.append(conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar())
                    return
                time.sleep(0.05)

    contract_id = world[1]["contract"].id
    client = app.test_client()
    token = login(client, "t1-operator")
    killer = threading.Thread(target=kill_the_committing_backend)
    killer.start()
    try:
        response = client.post(_report_url(contract_id), data=REPORT, headers={"X-CSRFToken": token})
    finally:
        killer.join(timeout=10)
        with admin.connect() as conn:
            conn.execute(sa.text("DROP TRIGGER faults_slow_commit ON submission"))
            conn.execute(sa.text("DROP FUNCTION faults_slow_commit()"))
        admin.dispose()
    html = response.get_data(as_text=True)
    assert killed == [True]
    assert response.status_code == 503 and 'data-state="unknown"' in html
    assert "无法确认您提交的内容是否已经保存" in html
    assert _stored(db, contract_id) == 0
