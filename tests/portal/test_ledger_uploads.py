"""Ledgers through the portal: templates, all-or-nothing uploads with row errors, rows kept, calendar fed."""
from __future__ import annotations

import io

from sqlmodel import func, select

from portal.ledgers.models import LedgerRow, LedgerUpload
from portal.reporting.models import Submission
from tests.conftest import add_contract, login
from tests.portal.ledgers.ledger_builders import ID_F, ID_M, good_row, xlsx

ASSISTANCE_HEADERS = None  # the assistance ledger is checked through its own template below


def _upload(client, token, contract_id, data, filename, ledger_type="delivered_workers", obligation=""):
    return client.post(f"/contracts/{contract_id}/ledgers", headers={"X-CSRFToken": token},
                       content_type="multipart/form-data",
                       data={"ledger_type": ledger_type, "obligation": obligation,
                             "file": (io.BytesIO(data), filename)})


def _qianxi(db, world):
    """A 黔西 contract: its quarterly ledgers include the delivered-workers ledger (seed 000)."""
    from datetime import date

    return add_contract(db, world, scheme_id="qianxi-2022", starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31),
                        number="QX-T")


def test_the_template_downloads_as_xlsx(app, world):
    client = app.test_client()
    login(client, "t1-operator")
    response = client.get("/ledgers/templates/delivered_workers.xlsx")
    assert response.status_code == 200 and response.data[:2] == b"PK"
    assert "attachment" in response.headers["Content-Disposition"]
    assert client.get("/ledgers/templates/nope.xlsx").status_code == 404


def test_a_file_with_errors_is_refused_whole_with_row_errors_then_the_fixed_file_is_kept(app, world, db):
    contract = _qianxi(db, world)
    client = app.test_client()
    token = login(client, "t1-operator")
    bad = xlsx([good_row(), good_row(身份证号=ID_M[:-1] + "0", 姓名="李四"), good_row(身份证号=ID_M, 姓名="王五",
                                                                                    入职日期="2024年13月5日")])
    response = _upload(client, token, contract.id, bad, "输送劳动力.xlsx", obligation="quarterly_ledgers:2026-Q1")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-state="rejected"' in page and "未接收任何数据" in page
    assert "校验码" in page and 'data-testid="errors"' in page
    assert db.exec(select(func.count()).select_from(LedgerRow)).one() == 0, "all or nothing"
    upload = db.exec(select(LedgerUpload).where(LedgerUpload.contract_id == contract.id)).one()
    errors = client.get(f"/uploads/{upload.id}/errors.xlsx")
    assert errors.status_code == 200 and errors.data[:2] == b"PK"

    good = xlsx([good_row(), good_row(身份证号=ID_M, 姓名="王五", 性别="男")])
    response = _upload(client, token, contract.id, good, "输送劳动力.xlsx", obligation="quarterly_ledgers:2026-Q1")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-state="accepted"' in page and 'data-testid="rows"' in page
    assert ID_F not in page and "110***" in page, "resident IDs are masked on the page"
    rows = db.exec(select(LedgerRow).where(LedgerRow.contract_id == contract.id)).all()
    assert len(rows) == 2 and {r.data["resident_id"] for r in rows} == {ID_F, ID_M}
    # The accepted upload is the obligation's submission: the calendar counts it.
    submission = db.exec(select(Submission).where(Submission.contract_id == contract.id,
                                                  Submission.obligation_key == "quarterly_ledgers")).one()
    assert submission.period_key == "2026-Q1" and "2行" in submission.narrative


def test_rows_already_imported_are_duplicates_in_a_later_upload(app, world, db):
    contract = _qianxi(db, world)
    client = app.test_client()
    token = login(client, "t1-operator")
    _upload(client, token, contract.id, xlsx([good_row()]), "a.xlsx")
    response = _upload(client, token, contract.id, xlsx([good_row(身份证号=ID_M, 姓名="王五", 性别="男"), good_row()]),
                       "b.xlsx")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-state="rejected"' in page and "重复" in page
    assert db.exec(select(func.count()).select_from(LedgerRow)).one() == 1


def test_a_hostile_file_is_refused_before_parsing(app, world, db):
    contract = _qianxi(db, world)
    client = app.test_client()
    token = login(client, "t1-operator")
    response = _upload(client, token, contract.id, b"<html><body>not a workbook</body></html>", "台账.xlsx")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-state="rejected"' in page and "文件未被接收" in page


def test_only_operators_upload_and_a_missing_file_is_an_error_next_to_the_field(app, world, db):
    contract = _qianxi(db, world)
    reviewer = app.test_client()
    token = login(reviewer, "t1-reviewer")
    assert _upload(reviewer, token, contract.id, xlsx([good_row()]), "a.xlsx").status_code == 403
    operator = app.test_client()
    token = login(operator, "t1-operator")
    response = operator.post(f"/contracts/{contract.id}/ledgers", headers={"X-CSRFToken": token},
                             data={"ledger_type": "delivered_workers", "obligation": ""})
    assert response.status_code == 422 and 'id="file-error"' in response.get_data(as_text=True)


def test_an_accepted_quarterly_ledger_is_that_ledger_handed_in_for_the_rules(app, world, db):
    """seed 000 3（3）台账建立, 每季度末集中报送; 附件2 台账建立: 外出务工人员信息台账 5分, 岗位信息台账 3分,
    黔西籍创业成功人士台账 2分. The delivered-workers ledger uploaded for the quarter, on time, is the 外出务工人员
    信息台账 handed in: after the quarter's end only the two ledgers not uploaded are found missing."""
    from datetime import date, datetime, timedelta, timezone

    from portal.compliance.services import run_rules
    from portal.violations.models import Violation

    today = date.today()
    quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    contract = add_contract(db, world, scheme_id="qianxi-2022", starts_on=date(today.year, 1, 1),
                            ends_on=date(today.year + 1, 12, 31), number="QX-L")
    client = app.test_client()
    token = login(client, "t1-operator")
    response = _upload(client, token, contract.id, xlsx([good_row()]), "输送劳动力.xlsx",
                       obligation=f"quarterly_ledgers:{quarter}")
    assert 'data-state="accepted"' in client.get(response.headers["Location"]).get_data(as_text=True)

    first_month_after = (date(today.year, 3 * ((today.month - 1) // 3 + 1), 28) + timedelta(days=10)).replace(day=5)
    with app.app_context():
        from portal.contracts.models import Contract
        from portal.db import get_session

        run_rules(get_session().get(Contract, contract.id),
                  datetime(first_month_after.year, first_month_after.month, 5, tzinfo=timezone.utc))
        get_session().commit()
    missing = {v.dedup_key.rsplit("ledger=", 1)[1] for v in db.exec(select(Violation).where(
        Violation.contract_id == contract.id, Violation.rule_id == "deadlines.quarterly_ledger_missing",
        Violation.period == quarter))}
    assert missing == {"jobs", "entrepreneurs"}, "the uploaded 外出务工人员信息台账 is not missing; the other two are"
