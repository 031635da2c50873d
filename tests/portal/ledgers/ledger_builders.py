"""Small builders for ledger files used by the tests (xlsx, csv, zip surgery)."""
from __future__ import annotations

import datetime as dt
import io
import struct
import zipfile
from pathlib import Path
from typing import Any, Iterable

import xlsxwriter

FIXTURES = Path(__file__).resolve().parent / "fixtures"

# Valid GB 11643 numbers.
ID_F = "11010519491231002X"  # female (17th digit 2)
ID_M = "520581199003071233"  # male (17th digit 3)
ID_F2 = "520581199003071241"  # female
# Valid GB 32100 code.
CREDIT = "91350100M000100Y43"

DELIVERED_HEADERS = ["姓名", "身份证号", "性别", "手机号", "户籍地", "用工单位", "入职日期",
                     "是否签订劳动合同", "社保起缴月份", "是否劳务派遣"]


def good_row(**over: Any) -> list[Any]:
    row = {"姓名": "张三", "身份证号": ID_F, "性别": "女", "手机号": "13812345678", "户籍地": "贵州省黔西市",
           "用工单位": "温州龙湾某鞋业有限公司", "入职日期": "2024-03-05", "是否签订劳动合同": "是",
           "社保起缴月份": "2024-03", "是否劳务派遣": "否"}
    row.update(over)
    return [row[h] for h in DELIVERED_HEADERS]


def xlsx(rows: Iterable[Iterable[Any]], *, headers: list[str] | None = DELIVERED_HEADERS,
         title: str | None = None, sheet: str = "台账", formulas: dict[str, str] | None = None,
         extra_sheets: dict[str, list[list[Any]]] | None = None, hidden_first: bool = False) -> bytes:
    """Write cells with their Python types: str as text, int/float as numbers, dates as date cells."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False,
                                   "strings_to_numbers": False})
    datef = wb.add_format({"num_format": "yyyy-mm-dd"})
    if hidden_first:
        hidden = wb.add_worksheet("旧表")
        hidden.write_row(0, 0, DELIVERED_HEADERS)
        hidden.write_row(1, 0, ["x"] * len(DELIVERED_HEADERS))
        hidden.hide()
    for name, data in (extra_sheets or {}).items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(data):
            for c, v in enumerate(row):
                ws.write(r, c, v)
    ws = wb.add_worksheet(sheet)
    r = 0
    if title:
        ws.write_string(0, 0, title)
        r = 1
    if headers:
        for c, h in enumerate(headers):
            ws.write_string(r, c, h)
        r += 1
    for row in rows:
        for c, v in enumerate(row):
            if v is None:
                continue
            if isinstance(v, bool):
                ws.write_boolean(r, c, v)
            elif isinstance(v, (int, float)):
                ws.write_number(r, c, v)
            elif isinstance(v, (dt.date, dt.datetime)):
                ws.write_datetime(r, c, v if isinstance(v, dt.datetime) else dt.datetime.combine(v, dt.time()),
                                  datef)
            else:
                ws.write_string(r, c, str(v))
        r += 1
    for ref, formula in (formulas or {}).items():
        ws.write_formula(ref, formula)
    if hidden_first or extra_sheets:
        ws.activate()
    wb.close()
    return buf.getvalue()


def csv_bytes(rows: Iterable[Iterable[Any]], *, encoding: str = "utf-8", bom: bool = False,
              headers: list[str] | None = DELIVERED_HEADERS, delimiter: str = ",") -> bytes:
    lines = []
    if headers:
        lines.append(delimiter.join(headers))
    for row in rows:
        lines.append(delimiter.join("" if v is None else str(v) for v in row))
    data = ("\r\n".join(lines) + "\r\n").encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def rezip(data: bytes, *, add: dict[str, bytes] | None = None, drop: Iterable[str] = (),
          replace: dict[str, bytes] | None = None) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in drop:
                continue
            body = (replace or {}).get(info.filename, src.read(info))
            dst.writestr(info.filename, body)
        for name, body in (add or {}).items():
            dst.writestr(name, body)
    return out.getvalue()


def patch_central_directory(data: bytes, name: str, *, file_size: int | None = None,
                            flag_bits: int | None = None) -> bytes:
    """Lie in the zip's central directory (what a crafted bomb does) without touching the data."""
    buf = bytearray(data)
    target = name.encode()
    pos = 0
    while (pos := buf.find(b"PK\x01\x02", pos)) >= 0:
        name_len = struct.unpack_from("<H", buf, pos + 28)[0]
        if bytes(buf[pos + 46: pos + 46 + name_len]) == target:
            if file_size is not None:
                struct.pack_into("<I", buf, pos + 24, file_size)
            if flag_bits is not None:
                struct.pack_into("<H", buf, pos + 8, flag_bits)
            return bytes(buf)
        pos += 4
    raise AssertionError(f"{name} not in central directory")
