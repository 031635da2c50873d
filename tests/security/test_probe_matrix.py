"""The security probe matrix (issue #13): every probe is tried against the running portal (gunicorn with four
workers on the suite's database, or the app in-process where the probe is about one request) and counted as
tried / refused / leaked. A leak is anything that got through: a second payment, a foreign page, an ID number
in public text, a formula cell, a locked-out owner, a 500, a hostile file that costs more than 100 MB.

    make security     # on a throwaway PostgreSQL; writes the matrix into docs/security.md

Deselected from ordinary runs (pyproject addopts); run with -m security it asserts that every probe leaks
nothing, and with KAOHE_SECURITY_REPORT=path it also writes the matrix to that file.
"""
from __future__ import annotations

import os
import re
import time
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import func, select

from tests.conftest import ON_POSTGRES, PASSWORD, csrf_token
from tests.portal.live import Browser, gunicorn

pytestmark = pytest.mark.security
N = 50


@dataclass
class Probe:
    area: str
    probe: str
    tried: int
    refused: int
    leaked: int
    note: str = ""


def _at_once(post, n: int = N) -> Counter:
    with ThreadPoolExecutor(max_workers=n) as pool:
        return Counter(status for status, _ in pool.map(post, range(n)))


def _count(db, model, *where) -> int:
    db.expire_all()
    return db.exec(select(func.count()).select_from(model).where(*where)).one()


# --- money and decisions, 50 requests at once against gunicorn -----------------------------------------

def _money_and_decisions(server, world, db) -> list[Probe]:
    from portal.applications.models import StationSubsidy
    from portal.contracts.models import Station
    from portal.payments.models import Payment
    from portal.publication.models import Objection

    out = []
    for n, label, same_form in ((1, "50 identical payment posts (double click)", True),
                                (2, "50 payment forms of the whole advance at once", False)):
        browser = Browser(server)
        browser.login(f"t{n}-approver", PASSWORD)
        contract = world[n]["contract"]
        path = f"/contracts/{contract.id}/payments"
        forms = [{**browser.hidden_fields(path, path), "line": "advance", "amount": "753999.90",
                  "paid_on": "2024-03-28", "bank_reference": f"PROBE-{n}-{i}"} for i in range(1 if same_form else N)]
        statuses = _at_once(lambda i: browser.request(path, forms[0 if same_form else i]))
        paid = _count(db, Payment, Payment.contract_id == contract.id, Payment.bank_reference.like(f"PROBE-{n}-%"))
        out.append(Probe("money", label, N, N - statuses[302], max(paid - 1, 0) + statuses[500],
                         f"{paid} payment recorded; answers {dict(statuses)}"))
    for n, label, same_form in ((1, "50 identical station decisions", True), (2, "50 station decisions from 50 forms", False)):
        application = world[n]["application"]
        application.state = "first_review_passed"
        db.add(application)
        db.commit()
        browser = Browser(server)
        browser.login(f"t{n}-approver", PASSWORD)
        path, action = f"/applications/{application.id}", f"/applications/{application.id}/decide"
        forms = [{**browser.hidden_fields(path, action), "outcome": "approve", "reason": "材料齐全"}
                 for _ in range(1 if same_form else N)]
        statuses = _at_once(lambda i: browser.request(action, forms[0 if same_form else i]))
        stations = _count(db, Station, Station.name == application.station_name)
        subsidies = _count(db, StationSubsidy, StationSubsidy.application_id == application.id)
        out.append(Probe("decisions", label, N, N - statuses[302],
                         max(stations - 1, 0) + max(subsidies - 1, 0) + statuses[500],
                         f"{stations} station, {subsidies} setup subsidy; answers {dict(statuses)}"))
    for n, label, same_form in ((1, "50 objections on one target from 50 forms", False),
                                (2, "50 identical objection posts", True)):
        result = world[n]["result"]
        browser = Browser(server)
        browser.login(f"t{n}-operator", PASSWORD)
        path, action = f"/publications/{result.publication_id}", f"/results/{result.id}/objections"
        forms = [{**browser.hidden_fields(path, action), "target": "", "text": "总分计算有误"}
                 for _ in range(1 if same_form else N)]
        statuses = _at_once(lambda i: browser.request(action, forms[0 if same_form else i]))
        stored = _count(db, Objection, Objection.result_id == result.id, Objection.target == "")
        out.append(Probe("decisions", label, N, N - statuses[302], max(stored - 1, 0) + statuses[500],
                         f"{stored} objection stored; answers {dict(statuses)}"))
    return out


# --- tenancy and roles ----------------------------------------------------------------------------------

def _tenancy(server, world, db) -> list[Probe]:
    from portal.auth.models import User
    from portal.contracts.models import Contract

    other = world[2]
    foreign = [f"/contracts/{other['contract'].id}", f"/contracts/{other['contract'].id}/payments",
               f"/contracts/{other['contract'].id}/settlement.xlsx", f"/uploads/{other['upload'].id}",
               f"/uploads/{other['upload'].id}/errors.xlsx", f"/evidence/{other['attachment'].id}",
               f"/applications/{other['application'].id}", f"/applications/{other['application'].id}/roster-errors.xlsx",
               f"/operators/{other['operator'].id}", f"/publications/{other['publication'].id}"]
    leaked = tried = 0
    for role in ("operator", "reviewer", "approver", "admin"):
        browser = Browser(server)
        browser.login(f"t1-{role}", PASSWORD)
        for path in foreign:
            tried += 1
            status, _body = browser.request(path)
            leaked += status not in (403, 404)
    out = [Probe("tenancy", "another tenant's contracts, uploads, evidence, exports, rosters (4 roles)", tried,
                 tried - leaked, leaked)]
    # operator 2 also contracts with bureau 1: bureau 1's admin still may not create an account for it
    db.add(Contract(bureau_id=world[1]["bureau"].id, operator_id=other["operator"].id, number="C-PROBE",
                    title="共享", scheme_id="pingxiang-2024-lot1", scheme_version="test", starts_on=date(2024, 3, 1),
                    ends_on=date(2025, 2, 28), value=Decimal("100.00"), payment_plan=[]))
    db.commit()
    browser = Browser(server)
    browser.login("t1-admin", PASSWORD)
    fields = browser.hidden_fields("/users/new", "/users/new")
    browser.request("/users/new", {**fields, "username": "probe-op", "display_name": "x", "email": "",
                                   "role": "operator", "bureau_id": "0", "operator_id": str(other["operator"].id),
                                   "password": "a-long-password-1", "active": "y"})
    created = _count(db, User, User.username == "probe-op")
    out.append(Probe("tenancy", "an operator account for another bureau's operator", 1, 1 - created, created))
    return out


# --- personal data --------------------------------------------------------------------------------------

PII_VARIANTS = ["330703 19900101 0011", "330703-19900101-0011", "３３０７０３１９９００１０１００１１", "138-1234-5678",
                "138 1234 5678", "+86 138 1234 5678", "+8613812345678", "0086-138-1234-5678", "１３８１２３４５６７８",
                "经核实王先生所述属实", "联系人：李四", "驻站员1当日在岗", "工人7已参保"]
FORMULAS = ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1", " =1", "＝1", "=HYPERLINK(\"http://x\")"]


def _personal_data(server, world, db, app) -> list[Probe]:
    from portal.ledgers.cells import neutral
    from portal.publication.models import Objection

    browser = Browser(server)
    browser.login("t1-reviewer", PASSWORD)
    objection = world[1]["objection"]
    path, action = f"/publications/{objection.publication_id}", f"/objections/{objection.id}/answer"
    accepted = 0
    for variant in PII_VARIANTS:
        fields = browser.hidden_fields(path, action)
        status, _body = browser.request(action, {**fields, "verdict": "dismissed", "reason": f"答复：{variant}"})
        accepted += status == 302
    db.expire_all()
    answered = db.get(Objection, objection.id).state != "open"
    out = [Probe("personal data", "ID numbers, phones, names in a public answer, written 13 ways", len(PII_VARIANTS),
                 len(PII_VARIANTS) - accepted, accepted + answered)]
    bad_cells = sum(1 for f in FORMULAS if str(neutral(f))[:1] in "=+-@\t\r＝")
    out.append(Probe("personal data", "formula-like cells in CSV exports", len(FORMULAS), len(FORMULAS) - bad_cells,
                     bad_cells))
    from tests.portal.ledgers.ledger_builders import ID_F, ID_M, good_row, xlsx
    from portal.ledgers.excel import read_ledger

    result = read_ledger(xlsx([good_row(), good_row(身份证号=ID_M, 性别="男"), good_row(姓名="张三三")]), "台账.xlsx",
                         "delivered_workers")
    shown = sum(ID_F in e.value for e in result.errors) + (ID_F.encode() in result.errors_xlsx())
    out.append(Probe("personal data", "a duplicate resident ID in ledger errors (page, errors.xlsx)", 2, 2 - shown, shown))
    personal = [f"/uploads/{world[1]['upload'].id}/errors.xlsx", f"/contracts/{world[1]['contract'].id}/settlement.xlsx",
                f"/evidence/{world[1]['attachment'].id}", f"/applications/{world[1]['application'].id}/roster-errors.xlsx",
                "/audit", f"/contracts/{world[1]['contract'].id}"]
    operator = Browser(server)
    operator.login("t1-approver", PASSWORD)
    cached = []
    for p in personal:
        response = operator.opener.open(urllib.request.Request(server + p), timeout=60)
        if response.headers.get("Cache-Control") != "no-store":
            cached.append(f"{p}: {response.headers.get('Cache-Control')}")
    out.append(Probe("personal data", "personal downloads, pages and exports without Cache-Control: no-store",
                     len(personal), len(personal) - len(cached), len(cached), "; ".join(cached)))
    return out


# --- sessions and logins (in-process: one request at a time from chosen addresses) ---------------------------

def _sessions(app_config) -> list[Probe]:
    from portal import create_app
    from portal.extensions import limiter

    def attempt(app, address, password="bad", username="t1-reviewer", forwarded=None):
        client = app.test_client()
        token = csrf_token(client)
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        return client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                           environ_base={"REMOTE_ADDR": address}, headers=headers).status_code

    out = []
    defaults = {**app_config, "LOGIN_LIMIT_PER_ADDRESS": "20 per minute", "LOGIN_LIMIT_PER_ACCOUNT": "5 per minute"}
    app = create_app(defaults)
    limiter.reset()
    for n in range(30):
        attempt(app, f"10.66.0.{n % 3}")  # an attacker failing on purpose from three addresses
    locked = attempt(app, "10.0.0.7", PASSWORD) != 302
    out.append(Probe("sessions", "keep a named account locked (30 bad tries from elsewhere, then its owner)", 1,
                     1 - locked, int(locked)))
    limiter.reset()
    got_through = sum(attempt(app, "10.9.9.9", username=f"guess{n}", forwarded=f"192.0.2.{n}") != 429 for n in range(40))
    out.append(Probe("sessions", "buy extra guesses by forging X-Forwarded-For (no proxy configured, limit 20)", 40,
                     40 - got_through, max(got_through - 20, 0)))
    app.extensions["kaohe_engine"].dispose()
    proxied = create_app({**defaults, "PROXY_HOPS": 1})
    limiter.reset()
    for n in range(25):
        attempt(proxied, "127.0.0.1", username=f"guess{n}", forwarded="203.0.113.9")
    everyone = attempt(proxied, "127.0.0.1", PASSWORD, forwarded="198.51.100.4") != 302
    out.append(Probe("sessions", "behind nginx, one client's 25 bad logins lock out everyone", 1, 1 - everyone,
                     int(everyone)))
    client = proxied.test_client()
    token = csrf_token(client)
    client.post("/login", data={"username": "t1-reviewer", "password": PASSWORD, "csrf_token": token})
    stale = 0
    for idle, lived in ((31 * 60, 31 * 60), (60, 13 * 3600)):
        with client.session_transaction() as session:
            session["seen_at"], session["login_at"] = int(time.time()) - idle, int(time.time()) - lived
        stale += client.get("/contracts").status_code == 200
        client = proxied.test_client()
        token = csrf_token(client)
        client.post("/login", data={"username": "t1-reviewer", "password": PASSWORD, "csrf_token": token})
    out.append(Probe("sessions", "a cookie used after 31 idle minutes / after 13 hours", 2, 2 - stale, stale))
    proxied.extensions["kaohe_engine"].dispose()
    return out


def _inputs(server) -> list[Probe]:
    browser = Browser(server)
    browser.login("t1-approver", PASSWORD)
    urls = ["/contracts/99999999999999999999", "/contracts/2147483648", "/audit?page=1e23",
            "/audit?page=99999999999999999999", "/operators/9223372036854775808/edit", "/uploads/1e5"]
    errors = sum(browser.request(u)[0] >= 500 for u in urls)
    return [Probe("inputs", "ids and page numbers no row can have", len(urls), len(urls) - errors, errors)]


def _uploads() -> list[Probe]:
    from bench.bench_upload_memory import LIMIT_MB, measure
    from bench.hostile_workbooks import HOSTILE, LEGITIMATE
    from portal.activities.evidence import EvidenceRefused, sniff
    from tests.portal.test_evidence_pdf import _classic, _with_object_stream

    pdfs = [_classic(b"/OpenAction<</S/J#61vaScript/JS(app.alert(1))>>"),
            _classic(b"/OpenAction<</S/#4A#61#76#61#53#63#72#69#70#74/J#53(x)>>"),
            _classic(b"/OpenAction<</S/#4Caunch/F(cmd.exe)>>"),
            _classic(b"/Names<</#45mbeddedFiles 3 0 R>>", b"3 0 obj<</Names[]>>endobj\n"),
            _with_object_stream(b"<</S/JavaScript/JS(app.alert(1))>>")]
    accepted = 0
    for pdf in pdfs:
        try:
            sniff(pdf)
            accepted += 1
        except EvidenceRefused:
            pass
    out = [Probe("uploads", "PDF scripts and launch actions (escaped names, object streams)", len(pdfs),
                 len(pdfs) - accepted, accepted)]
    over, notes = 0, []
    files = [*HOSTILE, *LEGITIMATE]  # whatever the file: the largest valid ledgers too, checked and stored
    for name in files:
        m = measure(name)
        over += m["added_mb"] > LIMIT_MB
        notes.append(f"{name} {m['added_mb']:.0f} MB")
    out.append(Probe("uploads", f"workbooks (hostile, and the largest valid) costing more than {LIMIT_MB} MB to "
                     "import", len(files), len(files) - over, over, "; ".join(notes)))
    return out


def _write(rows: list[Probe], target: Path) -> None:
    database = "PostgreSQL" if ON_POSTGRES else "SQLite"
    table = ["| area | probe | tried | refused | leaked |", "|---|---|---:|---:|---:|"]
    table += [f"| {r.area} | {r.probe} | {r.tried} | {r.refused} | {r.leaked} |" for r in rows]
    notes = [f"- **{r.probe}**: {r.note}" for r in rows if r.note]
    text = target.read_text(encoding="utf-8") if target.exists() else "# Security\n\n<!-- matrix -->\n<!-- /matrix -->\n"
    block = ("<!-- matrix -->\n"
             f"Written by `make security` (`tests/security/test_probe_matrix.py`) on {date.today().isoformat()}, "
             f"{database}, gunicorn with 4 workers.\n\n" + "\n".join(table) + "\n\n" + "\n".join(notes) + "\n<!-- /matrix -->")
    text = re.sub(r"<!-- matrix -->.*<!-- /matrix -->", lambda _m: block, text, flags=re.S)
    target.write_text(text, encoding="utf-8")


def test_probe_matrix(app, app_config, world, db, database_url, tmp_path):
    rows: list[Probe] = []
    with gunicorn(database_url, tmp_path, workers=4) as server:
        rows += _money_and_decisions(server, world, db)
        rows += _tenancy(server, world, db)
        rows += _personal_data(server, world, db, app)
        rows += _inputs(server)
    rows += _sessions(app_config)
    rows += _uploads()
    if os.environ.get("KAOHE_SECURITY_REPORT"):
        _write(rows, Path(os.environ["KAOHE_SECURITY_REPORT"]))
    for r in rows:
        print(f"{r.area:14} {r.probe[:70]:70} tried {r.tried:3} refused {r.refused:3} leaked {r.leaked}")
    assert [r for r in rows if r.leaked] == []
