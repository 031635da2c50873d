"""Hostile (and one legitimate) workbooks for the upload-memory benchmark and its tests, built as raw
.xlsx parts so that every byte is what an attacker would send (no spreadsheet library tidies them)."""
from __future__ import annotations

import io
import zipfile

_CT = ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
       '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
       '<Default Extension="xml" ContentType="application/xml"/>'
       '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
       'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
       'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
_RELS = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
         'officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = ('<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
             'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
             '<sheet name="台账" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WB_RELS = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
HEADERS = ["姓名", "身份证号", "性别", "手机号", "户籍地", "用工单位", "入职日期", "是否签订劳动合同", "社保起缴月份", "是否劳务派遣"]
LETTERS = "ABCDEFGHIJ"


def column(index: int) -> str:
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def cell(ref: str, value: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def workbook(rows_xml, dimension: str | None = None, shared_strings: list[str] | None = None) -> bytes:
    """A one-sheet .xlsx whose sheet XML is written from the `rows_xml` chunks (streamed into the zip);
    `shared_strings` (filled while the rows are written) becomes xl/sharedStrings.xml, as Excel writes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", _CT if shared_strings is None else _CT.replace(
            "</Types>", '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sharedStrings+xml"/></Types>'))
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                        b'spreadsheetml/2006/main">')
            if dimension:
                sheet.write(f'<dimension ref="{dimension}"/>'.encode())
            sheet.write(b"<sheetData>")
            for chunk in rows_xml:
                sheet.write(chunk.encode())
            sheet.write(b"</sheetData></worksheet>")
        if shared_strings is not None:
            with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as sst:
                sst.write(b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                          b'2006/main">')
                for text in shared_strings:
                    sst.write(f"<si><t>{text}</t></si>".encode())
                sst.write(b"</sst>")
    return buf.getvalue()


def _header_row() -> str:
    return '<row r="1">' + "".join(cell(f"{LETTERS[i]}1", h) for i, h in enumerate(HEADERS)) + "</row>"


def _data_row(r: int, filler: str = "") -> str:
    values = ["张三", "11010519491231002X", "女", "13812345678", "贵州省黔西市" + filler, "某公司", "2024-03-05", "是",
              "2024-03", "否"]
    return f'<row r="{r}">' + "".join(cell(f"{LETTERS[i]}{r}", v) for i, v in enumerate(values)) + "</row>"


def stray_cell() -> bytes:
    """A 4 KB workbook: a header, one row, and one stray value far right and down (KM20030)."""
    return workbook([_header_row(), _data_row(2), '<row r="20030">' + cell("KM20030", "x") + "</row>"])


def stray_cell_far() -> bytes:
    """The classic: one value in XFD1048576."""
    return workbook([_header_row(), _data_row(2), '<row r="1048576">' + cell("XFD1048576", "x") + "</row>"])


def lying_dimension() -> bytes:
    """A declared <dimension> of the whole sheet with three cells in it."""
    return workbook([_header_row(), _data_row(2)], dimension="A1:XFD1048576")


def high_ratio(rows: int = 190_000) -> bytes:
    """A well-formed workbook of identical rows written without cell references (allowed: cells are placed
    by position), so that it packs ~170x: the issue's 2.4 MB workbook that unpacks to hundreds of MB."""
    def row(r: int) -> str:
        values = ["张三", "11010519491231002X", "女", "13812345678", "贵州省黔西市", f"某公司{r % 97}", "2024-03-05", "是",
                  "2024-03", "否"]
        return "<row>" + "".join(f'<c t="inlineStr"><is><t>{v}</t></is></c>' for v in values) + "</row>"
    return workbook((row(r) if r > 1 else _header_row() for r in range(1, rows + 1)))


def largest_legitimate(rows: int = 190_000) -> bytes:
    """Not hostile: a ledger of 190,000 rows (within the 200,000-row limit), numbered cells as Excel writes
    them. Reported beside the hostile files for scale."""
    return workbook((_data_row(r) if r > 1 else _header_row() for r in range(1, rows + 1)))


def valid_rows(rows: int):
    """`rows` distinct, valid delivered-worker rows (unique resident IDs whose sex digit matches 性别)."""
    from rules.identifiers import resident_id_check_char

    for i in range(rows):
        day = 3650 + i // 500  # 500 IDs a birth day, from 1910-01-01 on: 190,000 rows reach 1911-01-25
        birth = _date(day)
        first17 = f"330703{birth}{(i % 500) * 2 + 1:03d}"[:17]
        sex = "男" if int(first17[16]) % 2 else "女"
        yield [f"工人{i}", first17 + resident_id_check_char(first17), sex, f"138{i:08d}", "贵州省黔西市",
               f"某公司{i % 97}", "2024-03-05", "是", "2024-03", "否"]


def _date(days_from_1900: int) -> str:
    import datetime as dt
    return (dt.date(1900, 1, 1) + dt.timedelta(days=days_from_1900)).strftime("%Y%m%d")


def legitimate(rows: int = 190_000, shared: bool = False) -> bytes:
    """Not hostile: a valid ledger of `rows` distinct workers (every row passes every check), numbered cells
    as Excel writes them; with `shared`, every text in the shared-string table, as Excel itself saves."""
    if not shared:
        def body():
            yield _header_row()
            for r, values in enumerate(valid_rows(rows), start=2):
                yield f'<row r="{r}">' + "".join(cell(f"{LETTERS[i]}{r}", v) for i, v in enumerate(values)) + "</row>"
        return workbook(body())
    strings: list[str] = []
    index: dict[str, int] = {}

    def ref(text: str) -> int:
        if text not in index:
            index[text] = len(strings)
            strings.append(text)
        return index[text]

    def shared_body():
        for r, values in enumerate([HEADERS, *valid_rows(rows)], start=1):
            yield f'<row r="{r}">' + "".join(f'<c r="{LETTERS[i]}{r}" t="s"><v>{ref(v)}</v></c>'
                                             for i, v in enumerate(values)) + "</row>"
    return workbook(shared_body(), shared_strings=strings)


def legitimate_csv(rows: int = 190_000) -> bytes:
    """The same valid ledger as a GBK CSV (as Excel on a Chinese Windows saves it)."""
    lines = [",".join(HEADERS)] + [",".join(values) for values in valid_rows(rows)]
    return ("\r\n".join(lines) + "\r\n").encode("gb18030")


def wide_and_long(rows: int = 60_000, cols: int = 60) -> bytes:
    """Every one of 60 columns filled for 60,000 rows: 3.6 million value cells within any row limit."""
    def body():
        yield _header_row()
        for r in range(2, rows + 2):
            yield f'<row r="{r}">' + "".join(cell(f"{column(c)}{r}", "x") for c in range(cols)) + "</row>"
    return workbook(body())


def long_strings(rows: int = 20_000) -> bytes:
    """Ordinary shape, but each 户籍地 cell is 8,000 characters long (160 MB of text after unpacking)."""
    filler = "某" * 8000
    return workbook((_data_row(r, filler) if r > 1 else _header_row() for r in range(1, rows + 1)))


def empty_formatted_last_row() -> bytes:
    """A valid ledger whose sheet carries one empty formatted row at 1,048,576 (Excel writes such rows)."""
    return workbook([_header_row(), _data_row(2),
                     '<row r="1048576" s="3" customFormat="1"><c r="A1048576" s="3"/><c r="J1048576" s="3"/></row>'])


LEGITIMATE = {"legitimate_190000_rows": legitimate, "legitimate_100000_rows": lambda: legitimate(100_000),
              "legitimate_190000_rows_shared_strings": lambda: legitimate(shared=True),
              "legitimate_190000_rows_csv": legitimate_csv}

HOSTILE = {"stray_cell_KM20030": stray_cell, "stray_cell_XFD1048576": stray_cell_far,
           "lying_dimension": lying_dimension, "high_ratio_identical_rows": high_ratio,
           "wide_and_long_3.6M_cells": wide_and_long, "long_strings": long_strings}
