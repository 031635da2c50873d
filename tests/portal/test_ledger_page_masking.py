"""The accepted rows of a ledger upload as the page shows them: portal.ledgers.routes._mask (issue #18).

Personal data is masked on pages (DOMAIN.md, issue #13: the full values stay in the database and the exports):
the worker's name keeps its first character, a phone number its first three and last four digits, a resident ID
its first three and last four characters. No role sees the full values on this page: the operator who uploaded
the ledger and the bureau's reviewer see the same masked row, and another bureau does not see the upload at all.
Dates, months and yes/no are written as a reader writes them (2024年3月5日, 2024年3月, 是/否 — never 2024-03-05 or
True); every other column is shown as it was entered, an empty cell stays empty (never "XXXX" or "None"), and a
filled cell is never shown blank.
"""
from __future__ import annotations

import html
import re

from sqlmodel import select

from portal.ledgers.models import LedgerRow
from tests.conftest import login
from tests.portal.ledgers.ledger_builders import DELIVERED_HEADERS, ID_F, ID_F2, ID_M, good_row, xlsx
from tests.portal.test_ledger_uploads import _qianxi, _upload

HEADERS = DELIVERED_HEADERS + ["备注", "离职日期"]
SHOWN = ("姓名", "身份证号", "性别", "手机号", "户籍地", "用工单位", "工种岗位", "入职日期", "离职日期", "备注",
         "是否签订劳动合同", "社保起缴月份", "是否劳务派遣")


def _rows_shown(page: str) -> list[dict[str, str]]:
    """The rows table of an upload page: one {header: cell text} per row (the row number under "行")."""
    table = re.search(r'<table class="table" data-testid="rows">(.*?)</table>', page, re.S).group(1)
    headers = [html.unescape(h) for h in re.findall(r"<th>(.*?)</th>", table)]
    return [dict(zip(headers, (html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr))))
            for tr in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S)]


def test_names_phones_and_ids_are_masked_on_the_upload_page_for_every_role(app, world, db):
    contract = _qianxi(db, world)
    operator = app.test_client()
    token = login(operator, "t1-operator")
    rows = [good_row() + ["XXXX", None],  # 张三, 13812345678, a remark typed as XXXX
            good_row(姓名="欧阳娜娜", 身份证号=ID_F2, 手机号=None) + [None, None],  # no phone, no remark
            good_row(姓名="王五", 身份证号=ID_M, 性别="男", 手机号="0571-88886666") + ["", "2024-06-30"]]
    response = _upload(operator, token, contract.id, xlsx(rows, headers=HEADERS), "输送劳动力.xlsx")
    assert response.status_code == 302
    location = response.headers["Location"]
    # the database keeps the full values
    stored = {r.row_number: r.data for r in db.exec(select(LedgerRow).where(LedgerRow.contract_id == contract.id))}
    assert {n: (d["name"], d["phone"], d["resident_id"]) for n, d in stored.items()} == {
        2: ("张三", "13812345678", ID_F), 3: ("欧阳娜娜", None, ID_F2), 4: ("王五", "0571-88886666", ID_M)}

    expected = [
        {"行": "2", "姓名": "张*", "身份证号": "110***********002X", "性别": "女", "手机号": "138****5678",
         "户籍地": "贵州省黔西市", "用工单位": "温州龙湾某鞋业有限公司", "工种岗位": "", "入职日期": "2024年3月5日",
         "离职日期": "", "备注": "XXXX", "是否签订劳动合同": "是", "社保起缴月份": "2024年3月", "是否劳务派遣": "否"},
        {"行": "3", "姓名": "欧***", "身份证号": "520***********1241", "性别": "女", "手机号": "",
         "户籍地": "贵州省黔西市", "用工单位": "温州龙湾某鞋业有限公司", "工种岗位": "", "入职日期": "2024年3月5日",
         "离职日期": "", "备注": "", "是否签订劳动合同": "是", "社保起缴月份": "2024年3月", "是否劳务派遣": "否"},
        {"行": "4", "姓名": "王*", "身份证号": "520***********1233", "性别": "男", "手机号": "057****6666",
         "户籍地": "贵州省黔西市", "用工单位": "温州龙湾某鞋业有限公司", "工种岗位": "", "入职日期": "2024年3月5日",
         "离职日期": "2024年6月30日", "备注": "", "是否签订劳动合同": "是", "社保起缴月份": "2024年3月", "是否劳务派遣": "否"},
    ]
    reviewer = app.test_client()
    login(reviewer, "t1-reviewer")
    for client in (operator, reviewer):
        page = client.get(location).get_data(as_text=True)
        assert [{k: row[k] for k in ("行",) + SHOWN} for row in _rows_shown(page)] == expected
        for full in ("张三", "欧阳娜娜", "王五", "13812345678", "0571-88886666", "88886666", ID_F, ID_F2, ID_M):
            assert full not in page, full
        assert "None" not in page and "True" not in page and "False" not in page and "2024-03" not in page

    other = app.test_client()
    login(other, "t2-reviewer")
    assert other.get(location).status_code == 404, "another bureau never sees the upload"
