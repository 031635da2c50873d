"""A real server for tests that need real parallel requests: gunicorn with several worker processes on the
test's database, and a small cookie-keeping HTTP client (the standard library only)."""
from __future__ import annotations

import html
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager, suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*>')
_ATTR = re.compile(r'(name|value)="([^"]*)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(database_url: str, tmp_path, *, workers: int = 4, env: dict | None = None):
    """`gunicorn -w N 'portal:create_app()'` on a free loopback port; yields its base URL."""
    port = free_port()
    environment = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "live-test-secret",
                   "LOGIN_LIMIT_PER_ADDRESS": "10000 per minute", "LOGIN_LIMIT_PER_ACCOUNT": "10000 per minute",
                   "EVIDENCE_DIR": str(tmp_path / "evidence"), **(env or {})}
    gunicorn_bin = str(Path(sys.executable).with_name("gunicorn"))
    log = open(tmp_path / "gunicorn.log", "wb")
    process = subprocess.Popen([gunicorn_bin, "--preload", "-w", str(workers), "-b", f"127.0.0.1:{port}",
                                "--timeout", "120", "portal:create_app()"], cwd=ROOT, env=environment,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if urllib.request.urlopen(base + "/healthz", timeout=2).status == 200:
                    break
            except (OSError, urllib.error.URLError):
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start: " + (tmp_path / "gunicorn.log").read_text()[-3000:])
            time.sleep(0.2)
        yield base
    finally:
        # the test is over: the whole process group is killed at once (a graceful stop costs gunicorn's master some
        # 2 s after its workers have gone, for each of the tests that start one)
        with suppress(ProcessLookupError):  # gone already (it did not start): the error above says why
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)
        log.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One user's cookie jar; answers (status, body) and never follows redirects."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def request(self, path: str, data: dict | None = None, headers: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        try:
            with self.opener.open(req, timeout=120) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace")

    def hidden_fields(self, path: str, action: str) -> dict:
        """The hidden inputs (CSRF and one-time tokens) of the form posting to `action` on page `path`."""
        status, page = self.request(path)
        assert status == 200, (path, status)
        start = page.index(f'action="{action}"')
        form = page[start:page.index("</form>", start)]
        fields = {}
        for tag in _HIDDEN.findall(form):
            attrs = dict(_ATTR.findall(tag))
            if "name" in attrs:
                fields[attrs["name"]] = html.unescape(attrs.get("value", ""))
        return fields

    def login(self, username: str, password: str) -> None:
        fields = self.hidden_fields("/login", "/login")
        status, _ = self.request("/login", {**fields, "username": username, "password": password})
        assert status == 302, f"login of {username}: {status}"
