"""Issue #13, sessions and logins: behind a configured number of proxies the limiter sees the client's
address (not nginx's), only failed logins count, and a login ends when idle and in any case after a while."""
from __future__ import annotations

import time

from portal import create_app
from tests.conftest import PASSWORD, csrf_token, login


def _attempt(app, forwarded_for: str, password="bad", username="t1-operator", remote="127.0.0.1"):
    client = app.test_client()
    token = csrf_token(client)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": remote}, headers={"X-Forwarded-For": forwarded_for}).status_code


def test_behind_one_proxy_each_client_has_its_own_address_bucket(app_config, world):
    from portal.extensions import limiter

    app = create_app({**app_config, "PROXY_HOPS": 1, "LOGIN_LIMIT_PER_ADDRESS": "3 per minute"})
    limiter.reset()
    assert [_attempt(app, "203.0.113.9", username=f"x{n}") for n in range(4)] == [401, 401, 401, 429]
    # every request comes from nginx (127.0.0.1), yet another client is not locked out with the first
    assert _attempt(app, "198.51.100.4", PASSWORD) == 302
    app.extensions["kaohe_engine"].dispose()


def test_without_a_configured_proxy_a_forged_forwarded_for_is_ignored(app_config, world):
    from portal.extensions import limiter

    app = create_app({**app_config, "PROXY_HOPS": 0, "LOGIN_LIMIT_PER_ADDRESS": "3 per minute"})
    limiter.reset()
    statuses = [_attempt(app, f"192.0.2.{n}", username=f"x{n}") for n in range(4)]
    assert statuses == [401, 401, 401, 429], "rotating X-Forwarded-For does not buy more guesses"
    app.extensions["kaohe_engine"].dispose()


def test_the_failed_login_audit_line_names_the_client_behind_the_proxy(app_config, world, db):
    from sqlmodel import select

    from portal.audit.models import AuditEvent

    app = create_app({**app_config, "PROXY_HOPS": 1})
    _attempt(app, "203.0.113.77")
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "login_failed")).one()
    assert event.after["address"] == "203.0.113.77"
    app.extensions["kaohe_engine"].dispose()


def test_successful_logins_do_not_count_against_the_limits(app_config, world):
    from portal.extensions import limiter

    app = create_app({**app_config, "LOGIN_LIMIT_PER_ACCOUNT": "2 per minute", "LOGIN_LIMIT_PER_ADDRESS": "2 per minute"})
    limiter.reset()
    for _ in range(4):
        client = app.test_client()
        login(client, "t1-operator")
    app.extensions["kaohe_engine"].dispose()


def _age(client, *, idle: int = 0, lived: int = 0):
    with client.session_transaction() as session:
        now = int(time.time())
        session["seen_at"] = now - idle
        session["login_at"] = now - lived


def test_an_idle_login_ends(app, world):
    client = app.test_client()
    login(client, "t1-approver")
    assert client.get("/contracts").status_code == 200
    _age(client, idle=29 * 60, lived=29 * 60)
    assert client.get("/contracts").status_code == 200, "29 minutes idle: still logged in"
    _age(client, idle=31 * 60, lived=31 * 60)
    response = client.get("/contracts")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/contracts").status_code == 302, "the login is gone, not just refused once"


def test_a_login_ends_after_its_absolute_lifetime_even_when_busy(app, world):
    client = app.test_client()
    login(client, "t1-approver")
    _age(client, idle=10, lived=12 * 3600 + 60)
    response = client.get("/contracts", headers={"HX-Request": "true"})
    assert response.status_code == 401 and "/login" in response.headers["HX-Redirect"]


def test_the_session_cookie_is_not_kept_for_a_month(app, world):
    client = app.test_client()
    token = csrf_token(client)
    response = client.post("/login", data={"username": "t1-approver", "password": PASSWORD, "csrf_token": token})
    cookie = response.headers.get("Set-Cookie", "")
    assert "Expires" not in cookie and "Max-Age" not in cookie, cookie  # ends with the browser at the latest


def test_the_limits_hold_across_worker_processes(app_config, world):
    """Two apps stand for two gunicorn workers with memory:// limiters of their own: the refused logins are
    counted in the database they share, so alternating between them buys no extra guesses."""
    from portal.extensions import limiter

    config = {**app_config, "LOGIN_LIMIT_PER_ACCOUNT": "3 per minute"}
    workers = [create_app(config), create_app(config)]
    statuses = []
    for n in range(6):
        limiter.reset()  # each worker's own counter starts afresh: only the shared count can refuse
        statuses.append(_attempt(workers[n % 2], "", remote="10.1.1.1"))
    assert statuses == [401, 401, 401, 429, 429, 429]
    assert _attempt(workers[0], "", PASSWORD, remote="10.2.2.2") == 302, "the owner elsewhere still logs in"
    for worker in workers:
        worker.extensions["kaohe_engine"].dispose()
