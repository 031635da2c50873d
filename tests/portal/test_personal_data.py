"""Issue #13, personal data: one normaliser for every public text, masked IDs in ledger errors, one cell
neutraliser for every export, and nothing personal kept by browsers or proxies."""
from __future__ import annotations

import csv
import io

import pytest
from sqlmodel import select

from portal.ledgers.cells import neutral
from portal.privacy import personal_data_in
from rules.identifiers import resident_id_check_char
from tests.conftest import login

VALID_ID = "33070319900101001" + resident_id_check_char("33070319900101001")


@pytest.mark.parametrize("text, kind", [
    ("330703 19900101 0011", "resident_id"),  # spaced, and a wrong check character is still somebody's number
    (f"身份证{VALID_ID[:6]}-{VALID_ID[6:14]}-{VALID_ID[14:]}", "resident_id"),
    ("３３０７０３１９９００１０１００１１", "resident_id"),  # full-width
    ("330703900101001", "resident_id"),  # first-generation 15 digits
    ("138-1234-5678", "phone"), ("138 1234 5678", "phone"), ("+86 138 1234 5678", "phone"),
    ("+86-13812345678", "phone"), ("0086 13812345678", "phone"), ("(+86)138.1234.5678", "phone"),
    ("１３８１２３４５６７８", "phone"), ("电话：2024年 138 1234 5678", "phone"), ("138\u200b1234\u200b5678", "phone"),
    ("经核实，王先生反映的情况属实", "name"), ("联系人：李四", "name"),
])
def test_the_normaliser_finds_personal_data_however_it_is_written(text, kind):
    assert kind in {k for k, _ in personal_data_in(text)}, text


@pytest.mark.parametrize("text", ["合同金额1,885,000.00元，2024.05.10验收", "第3期 共120人 得分85.50",
                                  "银行流水 HX20240328001", "2024-05-10 至 2024-11-30", "第二阶段验收维持原结果",
                                  "站点工作人员已按时到岗"])
def test_the_normaliser_leaves_ordinary_public_text_alone(text):
    assert personal_data_in(text) == []


def test_a_known_persons_name_is_found_wherever_it_stands():
    assert ("name", "罗明") in personal_data_in("经查罗 明未按时到岗", {"罗明", "x"})
    assert personal_data_in("经查未按时到岗", {"罗明", "x"}) == []


def _answer(app, world, reason):
    client = app.test_client()
    token = login(client, "t1-reviewer")
    objection = world[1]["objection"]
    return client.post(f"/objections/{objection.id}/answer", data={"verdict": "dismissed", "reason": reason},
                       headers={"X-CSRFToken": token})


@pytest.mark.parametrize("reason", ["请致电 138-1234-5678", "请致电+86 138 1234 5678", "经核实 330703 19900101 0011 已参保",
                                    "经核实工人7已参保", "驻站员1当日在岗"])
def test_an_objection_answer_with_personal_data_is_refused(app, world, db, reason):
    from portal.publication.models import Objection

    response = _answer(app, world, reason)
    assert response.status_code == 422 and "不得包含身份证号、手机号或人名" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(Objection, world[1]["objection"].id).state == "open"


def test_an_objection_answer_without_personal_data_is_kept(app, world, db):
    from portal.publication.models import Objection

    assert _answer(app, world, "扣分均有抽查记录为据，维持原结果").status_code == 302
    db.expire_all()
    assert db.get(Objection, world[1]["objection"].id).state == "dismissed"


def test_a_duplicate_resident_id_in_a_ledger_is_shown_masked():
    from tests.portal.ledgers.ledger_builders import ID_F, ID_M, good_row, xlsx
    from tests.portal.ledgers.test_excel import only_error, read

    rows = [good_row(), good_row(身份证号=ID_M, 性别="男"), good_row(姓名="张三三")]
    error = only_error(read(xlsx(rows)))
    assert error.code == "duplicate"
    assert ID_F not in error.value and error.value.startswith(ID_F[:3]) and error.value.endswith(ID_F[-4:])


@pytest.mark.parametrize("value, expected", [("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
                                             ("+8613800000000", "'+8613800000000"), ("-1+2", "'-1+2"),
                                             ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), (" =1", "' =1"),
                                             ("＝1+1", "'＝1+1"), ("正常文本", "正常文本"), (-5, -5), (None, None)])
def test_the_cell_neutraliser(value, expected):
    assert neutral(value) == expected


def test_the_public_csv_never_starts_a_cell_with_a_formula(app, world, db):
    operator = world[1]["operator"]
    operator.name = "=HYPERLINK(\"http://evil\",\"点击\")"
    db.add(operator)
    db.commit()
    from portal.publication.services import to_csv

    text = to_csv([{"operator": operator.name, "stations": ["@站点"], "total": "90.00", "passed": True,
                    "payment_band": "-", "grade": "", "rank": 1}])
    for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))):
        for cell in row:
            assert cell[:1] not in ("=", "+", "-", "@"), cell


def test_personal_downloads_and_json_are_not_stored_by_browsers(app, world):
    client = app.test_client()
    login(client, "t1-operator")
    upload = world[1]["upload"]
    for path in (f"/uploads/{upload.id}/errors.xlsx", f"/contracts/{world[1]['contract'].id}/settlement.xlsx",
                 f"/evidence/{world[1]['attachment'].id}"):
        response = client.get(path)
        if response.status_code == 200:
            assert response.headers.get("Cache-Control") == "no-store", path
    response = client.get(f"/uploads/{upload.id}/errors.xlsx")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    public = app.test_client().get("/public/")
    assert public.status_code == 200
