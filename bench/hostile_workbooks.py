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


LEGITIMATE = {"legitimate_190000_rows": lambda: legitimate(), "legitimate_100000_rows": lambda: legitimate(100_000),
              "legitimate_190000_rows_shared_strings": lambda: legitimate(shared=True),
              "legitimate_190000_rows_csv": lambda: legitimate_csv(),
              "legitimate_29000_rows_xls": lambda: legitimate_xls(29_000),
              "legitimate_65000_rows_xls": lambda: legitimate_xls(65_000)}

HOSTILE = {"stray_cell_KM20030": stray_cell, "stray_cell_XFD1048576": stray_cell_far,
           "lying_dimension": lying_dimension, "high_ratio_identical_rows": high_ratio,
           "wide_and_long_3.6M_cells": wide_and_long, "long_strings": long_strings,
           "xls_long_strings": lambda: xls_long_strings(), "shared_strings_flood": lambda: shared_strings_flood()}


# --- .xls (BIFF8 in an OLE2 compound file), written by hand: no xls writer is a dependency -------------

def _biff(rtype: int, body: bytes) -> bytes:
    import struct
    return struct.pack("<HH", rtype, len(body)) + body


def _biff_cell(r: int, c: int, v) -> bytes:
    import struct
    if isinstance(v, (int, float)):
        return _biff(0x0203, struct.pack("<HHHd", r, c, 15, float(v)))  # NUMBER
    text = str(v).encode("utf-16-le")
    return _biff(0x0204, struct.pack("<HHHHB", r, c, 15, len(text) // 2, 1) + text)  # LABEL, 16-bit chars


def xls_workbook(rows, sheet: str = "台账") -> bytes:
    """A one-sheet BIFF8 .xls of `rows` (lists of str/float; the first is the header) in a version-3 OLE2
    file: globals (BOF, BOUNDSHEET, EOF), then the sheet (BOF, LABEL/NUMBER cells, EOF)."""
    import struct
    name = sheet.encode("utf-16-le")
    bof = lambda kind: _biff(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 0x0600))  # noqa: E731
    boundsheet_len = 4 + 8 + len(name)
    globals_len = len(bof(5)) + boundsheet_len + 4
    stream = bytearray(bof(5))
    stream += _biff(0x0085, struct.pack("<IBBBB", globals_len, 0, 0, len(name) // 2, 1) + name)
    stream += _biff(0x000A, b"")
    assert len(stream) == globals_len
    stream += bof(0x10)
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v not in (None, ""):
                stream += _biff_cell(r, c, v)
    stream += _biff(0x000A, b"")
    stream += b"\x00" * max(0, 4096 - len(stream))  # no mini stream: a stream under 4,096 bytes would use one
    return _ole({"Workbook": bytes(stream)})


def _ole(streams: dict[str, bytes]) -> bytes:
    """A version-3 compound file holding one stream (512-byte sectors, FAT and DIFAT as long as needed)."""
    import struct
    (stream_name, data), = streams.items()
    end, free, fatsect, difsect, nostream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFC, 0xFFFFFFFF
    s = -(-len(data) // 512)
    fat_n = difat_n = 0
    while True:
        total = s + 1 + fat_n + difat_n
        need_fat = -(-total // 128)
        need_difat = -(-max(need_fat - 109, 0) // 127)
        if (need_fat, need_difat) == (fat_n, difat_n):
            break
        fat_n, difat_n = need_fat, need_difat
    dir_sector = s
    fat_start = s + 1
    difat_start = fat_start + fat_n
    fat = [free] * (fat_n * 128)
    for i in range(s):
        fat[i] = i + 1 if i + 1 < s else end
    fat[dir_sector] = end
    for i in range(fat_n):
        fat[fat_start + i] = fatsect
    for i in range(difat_n):
        fat[difat_start + i] = difsect
    fat_ids = list(range(fat_start, fat_start + fat_n))
    header = struct.pack("<8s16sHHHHH6sIIIIIIIII", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\x00" * 16, 0x3E, 3,
                         0xFFFE, 9, 6, b"\x00" * 6, 0, fat_n, dir_sector, 0, 0x1000, end, 0,
                         difat_start if difat_n else end, difat_n)
    header += struct.pack("<109I", *(fat_ids[:109] + [free] * (109 - min(109, fat_n))))

    def entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
        raw = (name + "\x00").encode("utf-16-le") if name else b""
        return struct.pack("<64sHBBIII16sIQQIQ", raw, len(raw), kind, 1, nostream, nostream, child, b"\x00" * 16,
                           0, 0, 0, start, size)
    directory = (entry("Root Entry", 5, 1, end, 0) + entry(stream_name, 2, nostream, 0, len(data))
                 + entry("", 0, nostream, 0, 0) * 2)
    out = bytearray(header)
    out += data + b"\x00" * (s * 512 - len(data))
    out += directory
    out += struct.pack(f"<{len(fat)}I", *fat)
    rest = fat_ids[109:]
    for i in range(difat_n):
        ids = rest[i * 127:(i + 1) * 127]
        nxt = difat_start + i + 1 if i + 1 < difat_n else end
        out += struct.pack("<128I", *(ids + [free] * (127 - len(ids)) + [nxt]))
    return bytes(out)


def legitimate_xls(rows: int = 65_000) -> bytes:
    """Not hostile: a valid .xls ledger of `rows` distinct workers, near BIFF8's 65,536 rows."""
    return xls_workbook([HEADERS, *valid_rows(rows)])


def wide_xls(rows: int = 38_000, cols: int = 64) -> bytes:
    """An .xls within the row, column and cell limits of .xlsx (64 columns × 38,000 rows, 2.4 million cells)
    that python-calamine would hold whole, every sheet of it, when it opens the workbook."""
    return xls_workbook([HEADERS + [f"备注{i}" for i in range(cols - len(HEADERS))],
                         *(["x"] * cols for _ in range(rows))])


def xls_long_strings(rows: int = 1_150) -> bytes:
    """An .xls within the cell and size bounds whose every 户籍地 is 4,000 characters (~9.4 MB of text)."""
    filler = "某" * 4000
    return xls_workbook([HEADERS, *([*values[:4], filler, *values[5:]] for values in valid_rows(rows))])


def shared_strings_flood(strings: int = 1_000_000) -> bytes:
    """A valid two-row ledger whose shared-string table also holds a million distinct random strings
    (32 MB of text that hardly compresses, so the zip stays under 20 MB and under the ratio bar)."""
    import os
    table = [*HEADERS, *next(valid_rows(1))]
    noise = os.urandom(16 * strings).hex()
    table += [noise[i * 32:(i + 1) * 32] for i in range(strings)]
    rows = ['<row r="1">' + "".join(f'<c r="{LETTERS[i]}1" t="s"><v>{i}</v></c>' for i in range(10)) + "</row>",
            '<row r="2">' + "".join(f'<c r="{LETTERS[i]}2" t="s"><v>{10 + i}</v></c>' for i in range(10)) + "</row>"]
    return workbook(rows, shared_strings=table)
