"""No personal data on any public page or file (issue #7 §6; seed 003 treats a leak of labour-force data as
grounds for immediate termination). The demo data is loaded (it publishes seed 002's first stage, with a
dismissed and an upheld objection and a corrected version), every URL under /public reachable from the
public index is fetched (pages, CSV, JSON, SVG), and each is searched for resident ID numbers (GB 11643,
valid check character), mainland mobile numbers, and the names of the demo's people."""
from __future__ import annotations

import re
from collections import deque
from html import unescape

from sqlmodel import select

from portal.auth.models import User
from portal.privacy import personal_data_in
from portal.ledgers.models import LedgerRow
from portal.organisations.models import Operator
from rules.identifiers import resident_id_check_char

_ID = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx])(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_LINK = re.compile(r'(?:href|src|hx-get)="(/public[^"#]*)"')


def _resident_ids(text: str) -> list[str]:
    return [m for m in _ID.findall(text) if resident_id_check_char(m[:17]) == m[17].upper()]


def _people(db) -> set[str]:
    """Names of people in the demo: operators' contacts, account names of bureau and platform users, and
    the names in any ledger row. (Operator accounts are displayed under their company's name, which is
    public; their usernames are still personal and searched for.)"""
    names = {o.contact_name for o in db.exec(select(Operator)) if o.contact_name}
    for user in db.exec(select(User)):
        names.add(user.username)
        if user.operator_id is None:
            names.add(user.display_name)
    for row in db.exec(select(LedgerRow)):
        names.update(str(v) for k, v in row.data.items() if "姓名" in k or "name" in k.lower())
    return {n for n in names if n}


def test_the_scanner_finds_what_it_looks_for():
    """The patterns are not vacuous: a valid ID and a mobile number in a page are hits; lookalikes are not."""
    valid = "11010519491231002" + resident_id_check_char("11010519491231002")
    wrong_check = valid[:17] + ("0" if valid[17] != "0" else "1")
    assert _resident_ids(f"<td>{valid}</td>") == [valid]
    assert _resident_ids(f"<td>{wrong_check}</td>") == []
    assert _MOBILE.findall("电话13812345678。") == ["13812345678"] and _MOBILE.findall("12812345678") == []


def test_no_personal_data_on_any_public_page_or_file(app, db, capsys):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    people = _people(db)
    assert {"罗明", "黄海", "pingxiang-approver"} <= people  # the demo's people are really searched for

    client = app.test_client()  # anonymous: the public needs no login
    queue = deque(["/public/", "/public/search?q=人力", "/public/search?q=零工市场"])
    seen: set[str] = set()
    hits: list[str] = []
    kinds = {"page": 0, "csv": 0, "json": 0, "svg": 0}
    while queue:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code == 200, f"{url} → {response.status_code}"
        text = response.get_data(as_text=True)
        kind = {"text/csv": "csv", "application/json": "json", "image/svg+xml": "svg"}.get(response.mimetype, "page")
        kinds[kind] += 1
        readable = unescape(text)
        hits += [f"{url}: resident ID {m}" for m in _resident_ids(readable)]
        hits += [f"{url}: mobile {m}" for m in _MOBILE.findall(readable)]
        hits += [f"{url}: name {n}" for n in people if n in readable]
        # the portal's own normaliser too: numbers written with spaces, hyphens, +86, full-width digits
        hits += [f"{url}: {kind} {m}" for kind, m in personal_data_in(readable) if kind != "name"]
        if kind == "page":
            queue.extend(unescape(link) for link in _LINK.findall(text) if unescape(link) not in seen)

    with capsys.disabled():
        print(f"\n{len(seen)} public pages/files checked, {len(hits)} hits ({kinds['page']} pages, "
              f"{kinds['csv']} CSV, {kinds['json']} JSON, {kinds['svg']} SVG)")
    assert hits == []
    # The crawl reached every kind of public URL of the demo's publications (3 versions, 2 operators).
    assert kinds["csv"] >= 5 and kinds["json"] >= 5 and kinds["svg"] >= 8 and kinds["page"] >= 10
    assert any(u.startswith("/public/operators/") for u in seen) and any("/timeliness.svg" in u for u in seen)
