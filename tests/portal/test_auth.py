"""Accounts: argon2, sessions that really end, rate-limited logins, CSRF everywhere, security headers."""
from __future__ import annotations

import re

import pytest
from sqlmodel import select

from portal import create_app
from portal.auth.models import User
from tests.conftest import PASSWORD, PRODUCTION_HASHER, csrf_token, login


def _cookie(client) -> str:
    return client.get_cookie("session").value


def test_password_is_stored_as_an_argon2_hash(world, db):
    user = db.exec(select(User).where(User.username == "t1-operator")).one()
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_the_dummy_hash_for_unknown_accounts_costs_what_a_real_one_costs():
    """Written out to spare every process the hashing at import: its parameters must stay the hasher's (the portal's
    own, not the cheap one the tests hash with: tests/conftest.py)."""
    from portal.auth.services import _DUMMY_HASH

    assert not PRODUCTION_HASHER.check_needs_rehash(_DUMMY_HASH)
    assert PRODUCTION_HASHER.verify(_DUMMY_HASH, "not-a-real-password")
    assert (PRODUCTION_HASHER.time_cost, PRODUCTION_HASHER.memory_cost) == (3, 65536)


def test_a_hash_of_weaker_parameters_is_rehashed_with_the_portals_at_login(client, world, db, monkeypatch):
    """The tests' users carry cheap hashes; with the portal's own hasher, the first login replaces such a hash."""
    import portal.auth.services as auth_services

    monkeypatch.setattr(auth_services, "_hasher", PRODUCTION_HASHER)
    before = db.exec(select(User).where(User.username == "t1-operator")).one().password_hash
    assert PRODUCTION_HASHER.check_needs_rehash(before)
    login(client, "t1-operator")
    db.expire_all()
    after = db.exec(select(User).where(User.username == "t1-operator")).one().password_hash
    assert after != before and after.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert not PRODUCTION_HASHER.check_needs_rehash(after) and PRODUCTION_HASHER.verify(after, PASSWORD)


def test_wrong_password_is_refused_with_the_error_next_to_the_field(client, world):
    token = csrf_token(client)
    response = client.post("/login", data={"username": "t1-operator", "password": "nope", "csrf_token": token})
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert 'id="password-error"' in html and "用户名或密码错误" in html


def test_a_session_cookie_replayed_after_logout_is_refused(app, world):
    client = app.test_client()
    token = login(client, "t1-operator")
    stolen = _cookie(client)
    assert client.get("/contracts").status_code == 200
    assert client.post("/logout", headers={"X-CSRFToken": token}).status_code == 302

    attacker = app.test_client()
    attacker.set_cookie("session", stolen)
    response = attacker.get("/contracts")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_password_change_ends_every_other_session(app, world):
    laptop, phone = app.test_client(), app.test_client()
    token = login(laptop, "t1-reviewer")
    login(phone, "t1-reviewer")
    old_cookie = _cookie(laptop)
    response = laptop.post("/account/password", headers={"X-CSRFToken": token}, data={
        "current_password": PASSWORD, "new_password": "a-new-long-password", "confirm": "a-new-long-password"})
    assert response.status_code == 302
    assert laptop.get("/contracts").status_code == 200, "the browser that changed it stays logged in"
    assert phone.get("/contracts").status_code == 302, "every other session ends"
    replay = app.test_client()
    replay.set_cookie("session", old_cookie)
    assert replay.get("/contracts").status_code == 302
    fresh = app.test_client()
    login(fresh, "t1-reviewer", "a-new-long-password")


def test_password_change_checks_the_current_password_and_the_rules(app, world):
    client = app.test_client()
    token = login(client, "t1-reviewer")
    response = client.post("/account/password", headers={"X-CSRFToken": token}, data={
        "current_password": "wrong", "new_password": "short", "confirm": "other"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="new_password-error"' in html and 'id="confirm-error"' in html


def test_a_deactivated_account_is_logged_out_at_once(app, world, db):
    client = app.test_client()
    login(client, "t1-approver")
    user = db.exec(select(User).where(User.username == "t1-approver")).one()
    user.active = False
    db.add(user)
    db.commit()
    assert client.get("/contracts").status_code == 302


def test_post_without_csrf_token_is_refused(app, world):
    client = app.test_client()
    login(client, "t1-operator")
    response = client.post("/logout")
    assert response.status_code == 400
    assert client.get("/contracts").status_code == 200, "the refused logout did nothing"


def test_htmx_requests_carry_the_token_from_the_body_header(app, world):
    client = app.test_client()
    token = login(client, "t1-admin")
    html = client.get("/").get_data(as_text=True)
    # the token is signed with the second it was made: the page's may be a second younger than login's
    page_token = re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', html).group(1)
    assert page_token.split(".")[0] == token.split(".")[0], "the same session's token"
    response = client.post("/logout", headers={"HX-Request": "true", "X-CSRFToken": page_token})
    assert response.status_code == 302


def test_login_is_rate_limited_per_account_and_address_so_nobody_locks_the_owner_out(app_config, world):
    app = create_app({**app_config, "LOGIN_LIMIT_PER_ACCOUNT": "3 per minute"})
    from portal.extensions import limiter

    limiter.reset()

    def attempt(address, password="bad", username="t1-operator"):
        client = app.test_client()
        token = csrf_token(client)
        return client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                           environ_base={"REMOTE_ADDR": address}).status_code

    assert [attempt("10.0.0.66") for _ in range(5)] == [401, 401, 401, 429, 429]  # one address guessing
    assert [attempt(f"10.0.1.{n}") for n in range(5)] == [401] * 5  # elsewhere: each address has its own count
    assert attempt("10.0.0.7", PASSWORD) == 302, "the owner, from its own address, still logs in"
    assert attempt("10.0.0.66", PASSWORD, "t2-operator") == 302, "another account from that address is not blocked"
    app.extensions["kaohe_engine"].dispose()


def test_login_is_rate_limited_per_address_whatever_the_account(app_config, world):
    app = create_app({**app_config, "LOGIN_LIMIT_PER_ADDRESS": "3 per minute"})
    from portal.extensions import limiter

    limiter.reset()
    statuses = []
    for name in ("a", "b", "c", "d"):
        client = app.test_client()
        token = csrf_token(client)
        statuses.append(client.post("/login", data={"username": name, "password": "bad", "csrf_token": token},
                                    environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code)
    assert statuses == [401, 401, 401, 429]
    app.extensions["kaohe_engine"].dispose()


@pytest.mark.parametrize("path", ["/login", "/", "/contracts", "/healthz"])
def test_security_headers_on_every_response(app, world, path):
    client = app.test_client()
    login(client, "t1-admin")
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_no_inline_script_or_style_in_any_template():
    """The CSP forbids inline script and style; keep the templates free of them."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates"
    offenders = []
    for path in root.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\sstyle=\"|\son[a-z]+=\"|hx-on", text):
            offenders.append(str(path.relative_to(root)))
    assert offenders == []


def test_open_redirect_after_login_is_refused(app, world):
    client = app.test_client()
    token = csrf_token(client)
    response = client.post("/login?next=//evil.example/", data={
        "username": "t1-operator", "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["//evil.example/", "/\t/evil.example", "/%09/evil.example", "https://evil.example/",
                                    "/\\evil.example", "javascript:alert(1)"])
def test_no_redirect_leaves_the_site_after_login_or_a_language_switch(app, world, target):
    client = app.test_client()
    token = csrf_token(client)
    response = client.post("/login", query_string={"next": target}, data={
        "username": "t1-operator", "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/"
    switched = client.post("/lang/en", data={"next": target}, headers={"X-CSRFToken": csrf_token(client, "/")})
    assert switched.headers["Location"] == "/"
