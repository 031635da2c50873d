"""Issue #13, upload memory: no upload holds all its rows at once. An .xlsx sheet is streamed from the zip
(never python-calamine's whole grid) and reads as python-calamine would read it; the check keeps no rows, a
hash per duplicate key and the first errors; duplicates across uploads are asked a batch at a time; an
accepted file is read again and inserted ROW_BATCH rows a statement, all in the transaction that accepts it.
The memory itself is measured in bench/bench_upload_memory.py (docs/benchmarks.md)."""
from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from sqlmodel import func, select

from bench import hostile_workbooks as hostile
from portal.ledgers import excel, services, xlsx_stream
from portal.ledgers.excel import accepted_rows, read_ledger
from portal.ledgers.models import LedgerRow, LedgerUpload
from portal.reporting.models import Submission
from tests.conftest import add_contract, login
from tests.portal.ledgers.ledger_builders import ID_F, ID_M, good_row, xlsx
from tests.portal.test_ledger_uploads import _upload

ROWS = [good_row(), good_row(**{"入职日期": dt.date(2024, 3, 5), "手机号": 13812345678,
                                 "社保起缴月份": dt.datetime(2024, 3, 1, 10, 30)}),
        [True, False, 0.25, 1e17, -3, "  x ", None, "", "=1", 44000.5]]
WORKBOOKS = {
    "builder, title row and formulas": lambda: xlsx(ROWS, title="标题", formulas={"K3": "=1+1", "L4": '="a"'}),
    "builder, hidden first sheet": lambda: xlsx(ROWS, extra_sheets={"说明": [["a", 1], [None, dt.date(2020, 1, 1)]]},
                                                hidden_first=True),
    "shared strings": lambda: hostile.legitimate(300, shared=True),
    "inline strings": lambda: hostile.legitimate(300),
    "formatted empty last row": hostile.empty_formatted_last_row,
    "lying dimension": hostile.lying_dimension,
    "every cell type": lambda: hostile.workbook([
        '<row r="1"><c r="A1"><v>5</v></c><c r="B1" t="e"><v>#N/A</v></c><c r="C1" t="d"><v>2024-03-05T00:00:00</v>'
        '</c><c r="D1" t="b"><v>1</v></c><c r="E1" t="str"><v>abc</v></c><c r="F1"><v>1.5</v></c><c r="G1"><v>abc'
        '</v></c><c r="H1" t="inlineStr"><is><r><t>a</t></r><r><t xml:space="preserve"> b </t></r><rPh><t>PH</t>'
        '</rPh></is></c></row>', '<row><c><v>7</v></c></row>',
        '<row r="5"><c r="C5" t="d"><v>2024-03-05T10:00:00</v></c><c t="inlineStr"><is><t>&amp;&lt;x&#x4e00;</t>'
        '</is></c></row>']),
    "plain rows, then rows in other shapes": lambda: _mixed_shapes(),
    "shared strings the XML parser reads": lambda: hostile.workbook(
        ['<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>'],
        shared_strings=["姓名", "A&amp;B &lt;x&gt;", "中 间 空格"]),
}

_PLAIN_ROWS = 3000  # ~1.5 MB of sheet XML: several chunks read by the regular expression before the others


def _mixed_shapes() -> bytes:
    """Rows in the writers' plain shape, then rows only the XML parser reads (t before r, an entity, a
    comment, an empty <c></c>, an empty <v></v>, a cell without r), then plain rows again."""
    def plain(r: int) -> str:
        return (f'<row r="{r}" spans="1:4"><c r="A{r}" t="inlineStr"><is><t>名{r}</t></is></c><c r="B{r}"><v>{r}.5'
                f'</v></c><c r="C{r}" s="0"/><c r="D{r}" t="b"><v>{r % 2}</v></c></row>')
    r = _PLAIN_ROWS
    other = [f'<row r="{r + 1}"><c t="inlineStr" r="A{r + 1}"><is><t>t在前</t></is></c></row>',
             f'<row r="{r + 2}"><c r="A{r + 2}" t="inlineStr"><is><t>A&amp;B</t></is></c></row>',
             f'<!-- 注释 --><row r="{r + 3}"><c r="A{r + 3}"></c><c r="B{r + 3}" t="str"><v></v></c>'
             f'<c><v>7</v></c></row>']
    return hostile.workbook([plain(i) for i in range(1, r + 1)] + other + [plain(r + 11), plain(r + 12)])


def _calamine(data: bytes, sheet: str) -> list[list]:
    import python_calamine

    with python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)) as wb:
        return wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)


@pytest.mark.parametrize("name", list(WORKBOOKS))
def test_an_xlsx_sheet_streams_as_python_calamine_reads_it_whole(name):
    data = WORKBOOKS[name]()
    zf = zipfile.ZipFile(io.BytesIO(data))
    formats, strings = xlsx_stream.number_formats(zf), xlsx_stream.shared_strings(zf, 1 << 30)
    sheets, is_1904 = excel._xlsx_workbook(zf)
    for sheet, path, _visible, _worksheet in sheets:
        whole = _calamine(data, sheet)
        streamed = dict(xlsx_stream.iter_rows(zf, path, strings, formats, is_1904))
        assert max(streamed, default=-1) < len(whole)
        for r, row in enumerate(whole):
            mine = streamed.get(r, [])
            for c, value in enumerate(row):
                got = mine[c] if c < len(mine) else None
                if value == "":
                    assert got in (None, ""), (sheet, r, c, got)
                else:
                    assert got == value and type(got) is type(value), (sheet, r, c, value, got)


def test_an_xlsx_is_read_without_python_calamine(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("python-calamine would hold the whole sheet")
    monkeypatch.setattr(excel.python_calamine.CalamineWorkbook, "from_filelike", refuse)
    result = read_ledger(xlsx([good_row(), good_row(身份证号=ID_M, 姓名="王五", 性别="男")]), "台账.xlsx",
                         "delivered_workers")
    assert result.ok and result.total_rows == 2


def test_rows_are_handed_on_before_the_sheet_is_read_whole(monkeypatch):
    monkeypatch.setattr(xlsx_stream, "CHUNK", 4096)
    data = hostile.legitimate(5000)
    zf = zipfile.ZipFile(io.BytesIO(data))
    path = "xl/worksheets/sheet1.xml"
    size = zf.getinfo(path).file_size
    opened = []
    real_open = zf.open

    def counting_open(name, *args, **kwargs):
        fh = real_open(name, *args, **kwargs)
        opened.append(fh)
        return fh
    monkeypatch.setattr(zf, "open", counting_open)
    rows = xlsx_stream.iter_rows(zf, path, xlsx_stream.SharedStrings(), b"")
    first = next(rows)
    assert first[0] == 0 and first[1][0] == "姓名"
    assert opened[0].tell() < size / 20, "the first row comes after a few chunks, not the whole sheet"
    rows.close()


def test_the_shared_string_table_is_one_buffer_and_bounded():
    data = hostile.legitimate(200, shared=True)
    zf = zipfile.ZipFile(io.BytesIO(data))
    strings = xlsx_stream.shared_strings(zf, 1 << 20)
    assert isinstance(strings.blob, bytearray) and len(strings) > 200 and strings[0] == "姓名"
    with pytest.raises(xlsx_stream.StreamError):
        xlsx_stream.shared_strings(zf, 1000)


def test_a_workbook_whose_strings_pass_the_bound_is_refused(monkeypatch):
    monkeypatch.setattr(excel, "MAX_SHARED_STRING_BYTES", 1000)
    result = read_ledger(hostile.legitimate(200, shared=True), "台账.xlsx", "delivered_workers")
    assert result.refused and result.errors[0].code == "too_many_strings"


def test_a_check_that_keeps_no_rows_still_counts_every_row_and_keeps_only_the_first_errors():
    data = hostile.legitimate(300)
    result = read_ledger(data, "台账.xlsx", "delivered_workers", keep_rows=False)
    assert result.ok and result.total_rows == 300 and result.rows == [] and result.row_numbers == []
    bad = xlsx([good_row(入职日期="2024年13月5日", 身份证号=ID_F if i % 2 else ID_M, 性别="女" if i % 2 else "男")
                for i in range(40)])
    result = read_ledger(bad, "台账.xlsx", "delivered_workers", keep_rows=False, max_errors=5)
    assert len(result.errors) == 5 and result.error_count == 40 + 38, "40 bad dates, 38 repeated IDs, 5 kept"
    assert result.truncated and "仅列出前5处" in result.summary


def test_duplicates_across_uploads_are_asked_a_batch_at_a_time(monkeypatch):
    monkeypatch.setattr(excel, "EXISTING_BATCH", 3)
    rows = list(hostile.valid_rows(10))
    asked: list[int] = []
    earlier = {rows[1][1], rows[7][1]}

    def existing(keys):
        asked.append(len(keys))
        return [k for k in keys if k[0] in earlier]
    data = xlsx(rows)
    result = read_ledger(data, "台账.xlsx", "delivered_workers", existing, keep_rows=False)
    assert asked == [3, 3, 3, 1]
    assert [(e.row, e.code) for e in result.errors] == [(3, "duplicate_existing"), (9, "duplicate_existing")]
    assert "与此前已导入" in result.errors[0].problem and rows[1][1] not in result.errors[0].value, "masked"


def test_the_second_reading_gives_the_rows_the_check_accepted():
    data = xlsx([good_row(), good_row(身份证号=ID_M, 姓名="王五", 性别="男", 入职日期=dt.date(2024, 3, 6))])
    kept = read_ledger(data, "台账.xlsx", "delivered_workers")
    assert list(accepted_rows(data, "台账.xlsx", "delivered_workers")) == list(zip(kept.row_numbers, kept.rows))


# --- the importer -----------------------------------------------------------------------------


@pytest.fixture
def contract(db, world):
    return add_contract(db, world, scheme_id="qianxi-2022", starts_on=dt.date(2026, 1, 1),
                        ends_on=dt.date(2026, 12, 31), number="QX-M")


def test_an_accepted_upload_is_inserted_in_batches_within_its_transaction(app, world, db, contract, monkeypatch):
    monkeypatch.setattr(services, "ROW_BATCH", 2)
    sizes: list[int] = []
    real = services._insert_batch

    def spy(session, batch):
        sizes.append(len(batch))
        return real(session, batch)
    monkeypatch.setattr(services, "_insert_batch", spy)
    checks: list[dict] = []
    real_check = services.read_ledger

    def check(*args, **kwargs):
        checks.append(kwargs)
        return real_check(*args, **kwargs)
    monkeypatch.setattr(services, "read_ledger", check)
    client = app.test_client()
    token = login(client, "t1-operator")
    assert _upload(client, token, contract.id, xlsx(list(hostile.valid_rows(5))), "a.xlsx",
                   obligation="quarterly_ledgers:2026-Q1").status_code == 302
    upload = db.exec(select(LedgerUpload).where(LedgerUpload.contract_id == contract.id)).one()
    assert upload.state == "accepted" and upload.total_rows == 5
    assert sizes == [2, 2, 1]
    assert checks and checks[0]["keep_rows"] is False, "the check keeps no rows"
    rows = db.exec(select(LedgerRow).where(LedgerRow.upload_id == upload.id).order_by(LedgerRow.row_number)).all()
    assert [r.row_number for r in rows] == [2, 3, 4, 5, 6] and rows[0].data["hire_date"] == "2024-03-05"


def test_a_failure_in_a_later_batch_keeps_no_row_and_no_submission(app, world, db, contract, monkeypatch):
    monkeypatch.setattr(services, "ROW_BATCH", 2)
    calls: list[int] = []
    real = services._insert_batch

    def failing(session, batch):
        calls.append(len(batch))
        if len(calls) == 3:
            raise RuntimeError("the database went away")
        return real(session, batch)
    monkeypatch.setattr(services, "_insert_batch", failing)
    client = app.test_client()
    token = login(client, "t1-operator")
    _upload(client, token, contract.id, xlsx(list(hostile.valid_rows(5))), "a.xlsx",
            obligation="quarterly_ledgers:2026-Q1")
    upload = db.exec(select(LedgerUpload).where(LedgerUpload.contract_id == contract.id)).one()
    assert calls == [2, 2, 1] and upload.state == "rejected" and "未接收任何数据" in upload.summary
    assert db.exec(select(func.count()).select_from(LedgerRow)).one() == 0, "the first two batches rolled back"
    assert db.exec(select(func.count()).select_from(Submission)
                   .where(Submission.contract_id == contract.id)).one() == 0


def test_a_file_that_reads_differently_the_second_time_keeps_nothing(app, world, db, contract, monkeypatch):
    real = services.accepted_rows

    def fewer(data, filename, ledger_type):
        return list(real(data, filename, ledger_type))[:-1]
    monkeypatch.setattr(services, "accepted_rows", fewer)
    client = app.test_client()
    token = login(client, "t1-operator")
    _upload(client, token, contract.id, xlsx(list(hostile.valid_rows(3))), "a.xlsx")
    upload = db.exec(select(LedgerUpload).where(LedgerUpload.contract_id == contract.id)).one()
    assert upload.state == "rejected" and db.exec(select(func.count()).select_from(LedgerRow)).one() == 0


def test_an_xls_past_its_cell_bound_is_refused_with_a_save_as_xlsx_and_the_template_says_so():
    from portal.ledgers.template import build_template, upload_limits

    result = read_ledger(hostile.legitimate_xls(excel.MAX_XLS_CELLS // 10 + 10), "台账.xls", "delivered_workers")
    assert result.refused and result.errors[0].code == "too_many_cells_xls"
    assert "另存为" in result.errors[0].problem and ".xlsx" in result.errors[0].problem
    assert read_ledger(hostile.legitimate_xls(200), "台账.xls", "delivered_workers").ok
    import openpyxl
    sheet = openpyxl.load_workbook(io.BytesIO(build_template("delivered_workers")))["填写说明"]
    assert sheet["A4"].value == upload_limits() and "200,000行" in upload_limits() and "30万个单元格" in upload_limits()


def test_the_plain_shape_is_read_without_the_xml_parser_and_the_rest_with_it(monkeypatch):
    """The regular expression reads the plain rows; the XML parser takes over at the first stretch in another
    shape and reads on to the end (the values of both: test_an_xlsx_sheet_streams_as_python_calamine_reads_it_whole)."""
    parsed: list[int] = []
    real = xlsx_stream._pull

    def pull(*args, **kwargs):
        for row in real(*args, **kwargs):
            parsed.append(int(row.get("r")))
            yield row
    monkeypatch.setattr(xlsx_stream, "_pull", pull)
    zf = zipfile.ZipFile(io.BytesIO(_mixed_shapes()))
    rows = dict(xlsx_stream.iter_rows(zf, "xl/worksheets/sheet1.xml", xlsx_stream.SharedStrings(), b""))
    assert rows[1][:2] == ["名2", 2.5] and rows[_PLAIN_ROWS + 1] == ["A&B"] and rows[_PLAIN_ROWS + 2][1:] == ["", 7.0]
    assert parsed and parsed[0] > 1000, "the first rows came from the regular expression"
    assert parsed[-1] == _PLAIN_ROWS + 12 and _PLAIN_ROWS + 1 in parsed

    parsed.clear()
    plain = hostile.legitimate(300, shared=True)
    zf = zipfile.ZipFile(io.BytesIO(plain))
    strings = xlsx_stream.shared_strings(zf, 1 << 30)
    assert len(list(xlsx_stream.iter_rows(zf, "xl/worksheets/sheet1.xml", strings, b""))) == 301 and not parsed


def test_a_sheet_damaged_below_its_plain_rows_is_refused():
    good = _mixed_shapes()
    zf = zipfile.ZipFile(io.BytesIO(good))
    xml = zf.read("xl/worksheets/sheet1.xml")
    for damage in (b'<row r="2000" spans="1:4"><c r="A2000" t="inlineStr"><is><t>x</t></is>',  # <c> not closed
                   b'<row r="2000"><c r="A2000" t="s"><v>99</v></c></row>'):  # no such shared string
        cut = xml.index(b'<row r="2000"')
        broken = xml[:cut] + damage + xml[xml.index(b'<row r="2001"'):]
        with pytest.raises(xlsx_stream.StreamError):
            list(xlsx_stream.iter_rows(_replaced(good, "xl/worksheets/sheet1.xml", broken),
                                       "xl/worksheets/sheet1.xml", xlsx_stream.SharedStrings(), b""))


def _replaced(data: bytes, part: str, xml: bytes) -> zipfile.ZipFile:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, xml if info.filename == part else src.read(info))
    return zipfile.ZipFile(io.BytesIO(out.getvalue()))
