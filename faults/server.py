"""The portal as deployed (README: gunicorn --preload, 2 workers here) on a throwaway database, and a browser."""
from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
from datetime import date
from decimal import Decimal
from http.cookies import SimpleCookie
from pathlib import Path

from faults.cluster import free_port

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "kaohe-faults-secret-key"
PASSWORD = "kaohe-faults-2026"
OPERATOR = "faults-operator"
# The pingxiang lot-1 monthly plan and summary (seed 002), June 2024: the figures the report form asks for.
REPORT_PATH = "/contracts/{contract_id}/reports/monthly_plan_summary/2024-06"
REPORT = {"fact_referrals_to_park_employers": "35", "fact_own_recruitment_events": "2",
          "fact_campus_fairs_attended": "1", "fact_policy_events_assisted": "0"}


def seed(url: str, contracts: int) -> list[int]:
    """Migrate, then one bureau, one operator (with its login), a station and `contracts` contracts."""
    import sqlalchemy as sa
    from sqlmodel import Session

    from portal.auth.models import User
    from portal.auth.services import hash_password
    from portal.cli import upgrade_database
    from portal.contracts.models import Contract, ContractStation, Station
    from portal.organisations.models import Bureau, Operator
    from rules.identifiers import credit_code_check_char

    upgrade_database(url)
    engine = sa.create_engine(url)
    with Session(engine) as session:
        bureau = Bureau(name="故障演练人社局", short_name="演练", region="广西", service_centre="演练就业服务中心")
        session.add(bureau)
        session.flush()
        body = "91450100MA5K0FLT0"
        operator = Operator(name="故障演练运营单位", credit_code=body + credit_code_check_char(body), licence_no="L-F",
                            contact_name="联系人", contact_phone="13800000000", registered_by_bureau_id=bureau.id)
        session.add(operator)
        session.flush()
        station = Station(bureau_id=bureau.id, operator_id=operator.id, name="演练站点", kind="gig_market",
                          address="某地", required_staff=2)
        session.add(station)
        session.add(User(username=OPERATOR, display_name="演练操作员", role="operator", operator_id=operator.id,
                         password_hash=hash_password(PASSWORD)))
        session.flush()
        ids = []
        for n in range(contracts):
            contract = Contract(bureau_id=bureau.id, operator_id=operator.id, number=f"F-{n:02d}", title=f"演练合同{n}",
                                scheme_id="pingxiang-2024-lot1", scheme_version="faults", starts_on=date(2024, 3, 1),
                                ends_on=date(2025, 2, 28), value=Decimal("100000.00"), payment_plan=[])
            session.add(contract)
            session.flush()
            session.add(ContractStation(contract_id=contract.id, station_id=station.id))
            ids.append(contract.id)
        session.commit()
    engine.dispose()
    return ids


class Gunicorn:
    """`gunicorn --preload -w 2 'portal:create_app()'` on a free loopback port, as the README deploys it."""

    def __init__(self, database_url: str, workdir: Path, *, workers: int = 2, evidence_dir: Path | None = None,
                 app: str = "portal:create_app()", env: dict | None = None, access_log: bool = True):
        self.port = free_port()
        self.log = workdir / "gunicorn.log"
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY,
               "EVIDENCE_DIR": str(evidence_dir or workdir / "evidence"),
               "LOGIN_LIMIT_PER_ADDRESS": "100000 per minute", "LOGIN_LIMIT_PER_ACCOUNT": "100000 per minute",
               **(env or {})}
        log = ["--access-logfile", "-", "--access-logformat", '%(t)s pid=%(p)s %(m)s %(U)s %(s)s %(M)sms'] \
            if access_log else []  # a benchmark leaves it out: the log lines cost the workers time
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(
            [str(gunicorn), "--preload", "-w", str(workers), "-b", f"127.0.0.1:{self.port}", "--timeout", "30",
             "--graceful-timeout", "5", *log, app],
            cwd=ROOT, env=env, stdout=self.log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log.read_text()[-3000:]}")
            try:
                if Browser(self.port).get("/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer /healthz within {timeout} s")

    def workers(self) -> list[int]:
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.process.pid)], capture_output=True, text=True)
        return [int(pid) for pid in out.stdout.split()]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # gunicorn's graceful stop of its own workers
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)


_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
_STATE = re.compile(r'data-testid="unavailable" data-cause="(\w+)" data-state="(\w+)"')


class AnswerCutOff(ConnectionError):
    """The server's answer ended before it was whole."""


class Browser:
    """One user's browser: its cookies, no redirects followed, every request bounded in time."""

    def __init__(self, port: int, timeout: float = 15):
        self.port, self.timeout, self.cookies = port, timeout, {}

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            headers = dict(headers or {})
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            conn.request(method, path, body=body, headers=headers)
            try:
                response = conn.getresponse()
                text = response.read().decode("utf-8", "replace")
            except http.client.HTTPException as exc:
                # an answer cut off (a worker killed between its headers and its body): to the user, as to a
                # browser, no answer at all, like a reset connection (the callers count it as "no answer")
                raise AnswerCutOff(f"the answer was cut off ({type(exc).__name__})") from exc
            for line in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(line).items():
                    if morsel["expires"] and "1970" in morsel["expires"] or morsel["max-age"] == "0":
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            return response.status, response.headers, text
        finally:
            conn.close()

    def get(self, path: str):
        return self.request("GET", path)

    def post(self, path: str, data: dict):
        return self.request("POST", path, urllib.parse.urlencode(data).encode(),
                            {"Content-Type": "application/x-www-form-urlencoded"})

    def post_files(self, path: str, data: dict, files: list[tuple[str, str, bytes]]):
        """multipart/form-data, as a browser sends a form with file inputs: files are (field, filename, bytes)."""
        boundary = "kaohe-faults-" + os.urandom(8).hex()
        parts = []
        for name, value in data.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        for name, filename, content in files:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                         f'Content-Type: application/octet-stream\r\n\r\n'.encode() + content + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request("POST", path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})

    def token(self, path: str) -> str:
        status, _headers, html = self.get(path)
        match = _TOKEN.search(html)
        if status != 200 or not match:
            raise RuntimeError(f"no form on {path}: {status}")
        return match.group(1)

    def login(self, username: str = OPERATOR, password: str = PASSWORD) -> None:
        status, _h, _t = self.post("/login", {"username": username, "password": password,
                                              "csrf_token": self.token("/login")})
        if status != 302:
            raise RuntimeError(f"login failed: {status}")

    def flashes(self) -> list[str]:
        """The messages the next page will show, read from the signed session cookie as Flask will read it."""
        from flask import Flask
        from flask.sessions import SecureCookieSessionInterface

        app = Flask("faults")
        app.secret_key = SECRET_KEY
        data = SecureCookieSessionInterface().get_signing_serializer(app).loads(self.cookies.get("session", ""))
        return [message for _category, message in data.get("_flashes", [])]


def unavailable_state(html: str) -> tuple[str, str] | None:
    """(cause, state) of the 503 page, or None when the page is not it."""
    match = _STATE.search(html)
    return (match.group(1), match.group(2)) if match else None
