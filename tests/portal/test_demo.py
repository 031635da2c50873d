"""`flask --app portal demo`: the bureaus of the five documents, idempotent, with working logins."""
from __future__ import annotations

from decimal import Decimal

from sqlmodel import func, select

from portal.auth.models import User
from portal.contracts.models import Contract, ContractStation, Station
from portal.demo import DEMO_PASSWORD
from portal.models import metadata
from portal.organisations.models import Bureau, Operator
from rules.identifiers import is_credit_code
from tests.conftest import login


def _counts(db) -> dict:
    return {t.name: db.exec(select(func.count()).select_from(t)).one() for t in metadata.sorted_tables}


def _stations_of(db, number: str) -> list[Station]:
    contract = db.exec(select(Contract).where(Contract.number == number)).one()
    return list(db.exec(select(Station).join(ContractStation, ContractStation.station_id == Station.id)
                        .where(ContractStation.contract_id == contract.id)))


def test_demo_loads_the_documents_and_is_idempotent(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    counts = _counts(db)
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert _counts(db) == counts, "a second run adds nothing"
    assert first.output == second.output
    assert DEMO_PASSWORD in first.output and "pingxiang-approver" in first.output

    assert db.exec(select(func.count()).select_from(Bureau)).one() == 6
    # seed 002 第一分标: the park station, the city HR market and three town gig markets, ¥1,885,000.
    lot1 = db.exec(select(Contract).where(Contract.number == "PX-2026-FW-01")).one()
    assert lot1.value == Decimal("1885000.00") and lot1.scheme_id == "pingxiang-2024-lot1"
    names = [s.name for s in _stations_of(db, "PX-2026-FW-01")]
    assert len(names) == 5 and sum("零工市场" in n for n in names) == 4 and any("人力资源市场" in n for n in names)
    assert [s["share"] for s in lot1.payment_plan] == ["0.4", "0.2", "0.2", "0.2"]
    # seed 002 第二分标: ¥1,000,000, two Ningming stations of three staff.
    lot2 = db.exec(select(Contract).where(Contract.number == "PX-2026-FW-02")).one()
    assert lot2.value == Decimal("1000000.00")
    assert [s.required_staff for s in _stations_of(db, "PX-2026-FW-02")] == [3, 3]
    # seed 000: three workstations in Wenzhou-Longwan, Yiwu and Putian.
    qianxi = [s.name for s in _stations_of(db, "QX-2026-LWXZ-01")]
    assert [any(p in n for n in qianxi) for p in ("龙湾", "义乌", "莆田")] == [True, True, True]
    assert all(is_credit_code(o.credit_code) for o in db.exec(select(Operator)))
    schemes = {c.scheme_id for c in db.exec(select(Contract))}
    assert schemes == {"qianxi-2022", "jindong-2021", "pingxiang-2024-lot1", "ningming-2024-lot2", "xingan",
                       "wujiang-2022"}


def test_every_printed_login_works_and_lands_on_its_own_data(app, db):
    output = app.test_cli_runner().invoke(args=["demo"]).output
    usernames = [line.split()[0] for line in output.splitlines()[1:]]
    assert len(usernames) == db.exec(select(func.count()).select_from(User)).one() == 1 + 6 * 3 + 10
    for username in ("op-pingxiang-hr", "pingxiang-reviewer", "ningming-approver", "admin"):
        client = app.test_client()
        login(client, username, DEMO_PASSWORD)
        home = client.get("/").get_data(as_text=True)
        if username in ("op-pingxiang-hr", "pingxiang-reviewer"):
            assert "PX-2026-FW-01" in home and "PX-2026-FW-02" not in home
        if username == "ningming-approver":
            assert "PX-2026-FW-02" in home and "PX-2026-FW-01" not in home
        if username == "admin":
            assert "PX-2026-FW-01" in home and "QX-2026-LWXZ-01" in home


def test_the_demo_objection_carries_its_evidence_file(app, db):
    """凭祥's upheld objection comes with the hall's closure notice as a PDF, stored like any evidence."""
    import hashlib
    from pathlib import Path

    from portal.activities import evidence
    from portal.activities.models import Attachment
    from portal.publication.models import Objection

    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    upheld = db.exec(select(Objection).where(Objection.state == "upheld")).one()
    files = db.exec(select(Attachment).where(Attachment.owner_type == "objection",
                                             Attachment.owner_id == upheld.id)).all()
    assert [(a.filename, a.content_type) for a in files] == [("服务大厅装修闭馆公告.pdf", "application/pdf")]
    data = (Path(app.config["EVIDENCE_DIR"]) / files[0].stored_name).read_bytes()
    assert hashlib.sha256(data).hexdigest() == files[0].sha256 and evidence.sniff(data) == "application/pdf"
    assert files[0].contract_id == upheld.contract_id
