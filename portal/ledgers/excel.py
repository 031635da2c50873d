"""Reading and validating uploaded ledgers (台账): .xlsx, .xls and .csv.

Two steps, both pure (no Flask, no database):

1. ``sniff_upload(data, filename)`` looks at the bytes *before* any parser sees them and raises
   ``RefusedFile`` for what we never parse: empty or oversized files, zip bombs (judged from the
   zip's declared sizes and ratios, nothing is extracted), macro-enabled or encrypted workbooks,
   HTML or other text renamed .xlsx/.xls, anything that is not a workbook or a text CSV.
2. ``read_ledger(data, filename, ledger_type, existing_keys)`` reads the first worksheet whose
   header row matches the ledger type, checks every cell of every row and returns a
   ``LedgerResult``. The import is all-or-nothing: one error and no row is accepted. It calls
   ``sniff_upload`` itself and reports a refusal as ``result.refused`` with one file-level error,
   so a caller never has to catch anything for a bad upload.

For the web layer: call ``sniff_upload`` in the request for an instant refusal, run
``read_ledger`` in a job with ``progress=`` feeding the progress bar, offer
``result.errors_xlsx()`` / ``errors_csv()`` for download, store ``result.rows`` with
``result.row_numbers`` as evidence, and pass ``LedgerType.row_key`` of stored rows back as
``existing_keys`` on the next upload.

No file is held whole as rows (issue #13, upload memory): an .xlsx sheet is streamed from the zip
(xlsx_stream.py), a CSV decoded as it is read, an .xls (python-calamine, which holds it whole) bounded to
MAX_XLS_CELLS and MAX_XLS_BYTES. With ``keep_rows=False`` the check keeps a hash per duplicate key and the
first ``max_errors`` errors; the importer then stores an accepted file by reading it again
(``accepted_rows``) in batches.

Before a sheet is read, the raw sheet is pre-scanned: calamine holds a sheet as a
dense grid (one stray value in XFD1048576 would ask for billions of cells), and it returns only
the cached values of formulas. So for .xlsx the worksheet XML is streamed once with byte searches
for row numbers, columns beyond Z and ``<f>`` elements (a positional parse runs only when a
formula is there, to name its cells); for .xls the BIFF8 record stream is walked for cell
records and FORMULA records. Both cost a fraction of the read; openpyxl would cost more than the
whole import.
"""
from __future__ import annotations

import bisect
import codecs
import csv
import datetime as dt
import io
import operator
import re
import struct
import unicodedata
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Iterable, Iterator
from xml.etree import ElementTree

import olefile
import python_calamine

from rules.identifiers import InvalidIdentifier, mask_resident_id, parse_credit_code, parse_resident_id

from . import xlsx_stream
from .cells import neutral
from .ledger_types import Column, ColumnType, LedgerType, get_ledger_type, normalise_header

MB = 1024 * 1024
DEFAULT_MAX_BYTES = 20 * MB
MAX_UNCOMPRESSED_BYTES = 400 * MB  # sum of the zip's declared sizes
MAX_COMPRESSION_RATIO = 100  # per zip member larger than 1 MB; real sheets are ~5-30x
MAX_ZIP_MEMBERS = 5000
DEFAULT_MAX_ROWS = 200_000
DEFAULT_MAX_ERRORS = 5000
# calamine holds the used range as a dense grid (~40 bytes a cell before any value) and to_python() makes a
# Python list of it: the range is bounded before it is parsed (measured: bench/bench_upload_memory.py).
MAX_CELLS = 2_500_000  # rows x columns of the used range (a 200,000-row ledger of 12 columns fits)
MAX_COLUMNS = 64  # no ledger has more than 20 columns; a value further right is a stray cell
# An .xls is read by python-calamine, which holds every sheet of it as a grid when it opens the workbook
# (~220 bytes a cell, measured: 65,000 rows x 10 columns added 157 MB). Its cells (used ranges and values, all
# sheets together) are bounded so that it stays under the 100 MB bar; a larger ledger is saved as .xlsx,
# which is read row by row (portal/ledgers/xlsx_stream.py) up to the row limit.
MAX_XLS_CELLS = 300_000
MAX_XLS_BYTES = 10 * MB  # and its text: a 16.6 MB .xls of long strings added 85 MB (measured)
HEADER_SEARCH_ROWS = 30  # a title or instructions above the header is tolerated
PROGRESS_EVERY = 1000

ALLOWED_EXTENSIONS = (".xlsx", ".xls", ".csv")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"

_SAVE_AS_XLSX = "请用Excel（或WPS）打开该文件，点“另存为”，保存类型选“Excel工作簿(*.xlsx)”，再上传新文件"


# --- refusal before parsing ---------------------------------------------------------------------

class RefusedFile(ValueError):
    """The upload is refused as a whole; ``message`` is for the clerk (Chinese, then English)."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


def _refuse(code: str, zh: str, en: str) -> RefusedFile:
    return RefusedFile(f"{zh} / {en}", code)


def _extension(filename: str) -> str:
    name = (filename or "").strip().lower()
    dot = name.rfind(".")
    return name[dot:] if dot >= 0 else ""


def sniff_upload(data: bytes, filename: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """Decide whether an upload may be parsed at all; return its real format.

    Returns ``"xlsx"``, ``"xls"`` or ``"csv"`` (from the content, not the name), or raises
    ``RefusedFile``. Nothing is decompressed except [Content_Types].xml (after its size has been
    checked), and for an OLE2 file only the workbook's global records are read.
    """
    ext = _extension(filename)
    if ext in (".xlsm", ".xltm", ".xlam", ".xlsb"):
        raise _refuse("macro", f"不接受{ext}文件（可能含宏或为二进制工作簿）。{_SAVE_AS_XLSX}",
                      f"{ext} files are not accepted (macro-enabled or binary workbook); save as .xlsx")
    if ext not in ALLOWED_EXTENSIONS:
        raise _refuse("extension", f"不支持“{ext or '无扩展名'}”文件，请上传Excel（.xlsx、.xls）或CSV文件",
                      "only .xlsx, .xls and .csv files are accepted")
    if not data or not data.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        raise _refuse("empty", "文件是空的，请检查是否选错了文件", "the file is empty")
    if len(data) > max_bytes:
        raise _refuse("too_large",
                      f"文件大小{len(data) / MB:.1f} MB，超过上限{max_bytes / MB:.0f} MB。请删除多余的工作表、"
                      "图片和空白格式，或分成几个文件上传",
                      f"the file is {len(data) / MB:.1f} MB, over the {max_bytes / MB:.0f} MB limit")

    if data.startswith(_ZIP_MAGIC):
        _check_xlsx_container(data)
        return "xlsx"
    if data.startswith(_OLE_MAGIC):
        _check_ole_container(data)
        return "xls"
    if data.startswith(b"PK"):
        raise _refuse("corrupt", "文件已损坏，无法作为Excel文件打开。" + _SAVE_AS_XLSX,
                      "the file is a damaged zip archive")

    _check_not_other_binary(data)
    text_kind = _text_kind(data)
    if ext != ".csv":
        if text_kind == "html":
            raise _refuse("html_renamed",
                          f"该文件实际是网页（HTML）格式，只是扩展名为{ext}。{_SAVE_AS_XLSX}",
                          f"this is an HTML page renamed {ext}, not an Excel workbook")
        if text_kind == "xml2003":
            raise _refuse("xml_spreadsheet",
                          f"该文件是“XML电子表格2003”格式，只是扩展名为{ext}。{_SAVE_AS_XLSX}",
                          "this is an Excel 2003 XML spreadsheet, not an .xlsx workbook")
        raise _refuse("text_renamed",
                      f"该文件是纯文本，不是Excel工作簿（扩展名为{ext}）。如果是CSV，请把扩展名改为.csv；"
                      f"否则{_SAVE_AS_XLSX}",
                      f"this is a text file named {ext}, not an Excel workbook")
    if text_kind in ("html", "xml2003"):
        raise _refuse("html_renamed", f"该文件是网页或XML格式，不是CSV。{_SAVE_AS_XLSX}",
                      "this is HTML/XML, not CSV")
    return "csv"


def _check_not_other_binary(data: bytes) -> None:
    head = data[:8192]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return
    known = {b"%PDF": "PDF", b"\x89PNG": "PNG图片", b"\xff\xd8\xff": "JPEG图片", b"GIF8": "GIF图片",
             b"Rar!": "RAR压缩包", b"7z\xbc\xaf": "7z压缩包", b"\x1f\x8b": "gzip压缩包", b"MZ": "程序"}
    for magic, what in known.items():
        if head.startswith(magic):
            raise _refuse("not_spreadsheet", f"该文件是{what}，不是Excel或CSV文件",
                          "the file is not a spreadsheet")
    if b"\x00" in head:
        raise _refuse("not_spreadsheet", "该文件不是Excel或CSV文件（无法识别的二进制内容）",
                      "unrecognised binary content")


def _text_kind(data: bytes) -> str:
    head = data[:4096]
    for bom in (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        if head.startswith(bom):
            head = head[len(bom):]
            if bom is not codecs.BOM_UTF8:
                head = head.replace(b"\x00", b"")
    head = head.lstrip().lower()
    if b"urn:schemas-microsoft-com:office:spreadsheet" in data[:65536].lower():
        return "xml2003"
    if head.startswith((b"<!doctype html", b"<html", b"<table", b"<meta", b"<head", b"<body")) or (
        head.startswith(b"<") and (b"<html" in head or b"<table" in head)
    ):
        return "html"
    if head.startswith(b"<?xml"):
        return "html"
    return "text"


def _check_xlsx_container(data: bytes) -> None:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, NotImplementedError):
        raise _refuse("corrupt", "文件已损坏，无法作为Excel文件打开。" + _SAVE_AS_XLSX,
                      "the file is a damaged zip archive") from None
    if len(infos) > MAX_ZIP_MEMBERS:
        raise _refuse("zip_bomb", f"文件内部包含{len(infos)}个部件，远超正常Excel文件，已拒绝",
                      "too many members in the archive")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise _refuse("encrypted", "文件已加密，请取消密码保护后再上传（Excel：文件→信息→保护工作簿→用密码进行加密，清空密码）",
                          "the workbook is encrypted; remove the password")
        total += info.file_size
        if info.file_size > MB and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
            raise _refuse("zip_bomb",
                          f"文件内部“{info.filename}”的压缩比异常（{info.file_size // max(info.compress_size, 1)}倍），"
                          "疑似压缩炸弹，已拒绝",
                          "abnormal compression ratio (zip bomb suspected)")
    if total > MAX_UNCOMPRESSED_BYTES:
        raise _refuse("zip_bomb",
                      f"文件解压后将达{total / MB:.0f} MB，超过上限{MAX_UNCOMPRESSED_BYTES / MB:.0f} MB，"
                      "疑似压缩炸弹，已拒绝。如确为大表，请分成几个文件上传",
                      "declared uncompressed size too large (zip bomb suspected)")
    names = {i.filename for i in infos}
    lower = {n.lower() for n in names}
    if any(n.endswith("vbaproject.bin") for n in lower) or any(
        n.startswith(("xl/macrosheets/", "xl/activex/")) for n in lower
    ):
        raise _refuse("macro", "文件含有宏（VBA）或ActiveX控件，出于安全考虑不予接收。" + _SAVE_AS_XLSX
                      + "（另存时选择不含宏的格式）", "macro-enabled workbooks are not accepted")
    if "[Content_Types].xml" not in names:
        raise _refuse("not_xlsx", "该文件是压缩包，但不是Excel工作簿。" + _SAVE_AS_XLSX,
                      "a zip archive but not an .xlsx workbook")
    ct_info = zf.getinfo("[Content_Types].xml")
    if ct_info.file_size > MB:
        raise _refuse("zip_bomb", "文件结构异常（内容类型清单过大），已拒绝", "oversized [Content_Types].xml")
    content_types = zf.read(ct_info).lower()
    if b"macroenabled" in content_types or b"vbaproject" in content_types:
        raise _refuse("macro", "文件是启用宏的工作簿，出于安全考虑不予接收。" + _SAVE_AS_XLSX,
                      "macro-enabled workbooks are not accepted")
    if "xl/workbook.xml" not in names:
        if "xl/workbook.bin" in lower:
            raise _refuse("xlsb", "不接受Excel二进制工作簿（.xlsb）。" + _SAVE_AS_XLSX, ".xlsb is not accepted")
        if "word/document.xml" in lower or "ppt/presentation.xml" in lower:
            raise _refuse("not_xlsx", "该文件是Word或PowerPoint文档，不是Excel工作簿", "a Word/PowerPoint file")
        raise _refuse("not_xlsx", "该文件是压缩包，但不是Excel工作簿。" + _SAVE_AS_XLSX,
                      "a zip archive but not an .xlsx workbook")


def _check_ole_container(data: bytes) -> None:
    try:
        ole = olefile.OleFileIO(data)
    except Exception:  # olefile raises assorted errors for damaged containers
        raise _refuse("corrupt", "文件已损坏，无法作为Excel文件打开。" + _SAVE_AS_XLSX,
                      "damaged OLE2 file") from None
    try:
        if ole.exists("EncryptionInfo") or ole.exists("EncryptedPackage"):
            raise _refuse("encrypted", "文件已加密（设置了打开密码），请取消密码后再上传",
                          "the workbook is encrypted; remove the password")
        if ole.exists("_VBA_PROJECT_CUR") or ole.exists("Macros") or ole.exists("_VBA_PROJECT"):
            raise _refuse("macro", "文件含有宏（VBA），出于安全考虑不予接收。" + _SAVE_AS_XLSX,
                          "workbooks with macros are not accepted")
        stream_name = "Workbook" if ole.exists("Workbook") else "Book" if ole.exists("Book") else None
        if stream_name is None:
            if ole.exists("WordDocument"):
                raise _refuse("not_xls", "该文件是Word文档，不是Excel工作簿", "a Word document")
            raise _refuse("not_xls", "该文件不是Excel工作簿。" + _SAVE_AS_XLSX, "not an Excel workbook")
        stream = ole.openstream(stream_name).read()
    finally:
        ole.close()
    globals_ = _biff_globals(stream)
    if globals_.encrypted:
        raise _refuse("encrypted", "文件已加密（设置了打开密码），请取消密码后再上传",
                      "the workbook is encrypted; remove the password")
    if globals_.macro_sheets:
        raise _refuse("macro", "文件含有Excel 4.0宏表，出于安全考虑不予接收。" + _SAVE_AS_XLSX,
                      "Excel 4.0 macro sheets are not accepted")


# --- pre-scan: extents and formulas, before python-calamine loads a sheet --------------------------
#
# calamine holds a sheet as a dense rows x columns grid, so one stray value in XFD1048576 of a
# 10 KB file would ask for billions of cells. The raw sheet is scanned first for its extent (and
# its formulas, which calamine does not report): cheap byte searches for .xlsx, a record walk for
# .xls.

@dataclass
class _SheetScan:
    rows: int = 0  # highest row number with a value (1-based)
    cols: int = 0  # highest column with a value (1-based)
    widest: str = ""  # the cell that sets `cols`, e.g. "KM20030" (to say where the stray value is)
    value_cells: int = 0
    has_formula: bool = False
    formulas: list[tuple[int, int]] | None = None  # 0-based (row, col); None: not located yet
    path: str = ""  # xlsx: the worksheet part
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)  # xlsx: <mergeCell>s


_BIFF_BOF, _BIFF_EOF, _BIFF_BOUNDSHEET = 0x0809, 0x000A, 0x0085
_BIFF_FILEPASS, _BIFF_FORMULA = 0x002F, 0x0006
# cell records whose body starts with row, column: FORMULA, BLANK, NUMBER, LABEL, BOOLERR, RK,
# LABELSST, RSTRING; MULRK and MULBLANK end with their last column.
_BIFF_CELLS = {0x0006, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x00D6}
_BIFF_MULTI = {0x00BD, 0x00BE}
_BIFF_FORMATTING_ONLY = {0x0201, 0x00BE}


@dataclass
class _BiffGlobals:
    encrypted: bool = False
    macro_sheets: bool = False
    sheets: dict[int, str] = field(default_factory=dict)  # BOF offset -> sheet name


def _biff_records(stream: bytes, start: int = 0) -> Iterator[tuple[int, int, bytes]]:
    pos, end = start, len(stream)
    while pos + 4 <= end:
        rtype, rlen = struct.unpack_from("<HH", stream, pos)
        yield pos, rtype, stream[pos + 4: pos + 4 + rlen]
        pos += 4 + rlen


def _biff_globals(stream: bytes) -> _BiffGlobals:
    g = _BiffGlobals()
    biff8 = True
    for _pos, rtype, body in _biff_records(stream):
        if rtype == _BIFF_BOF and len(body) >= 2:
            biff8 = struct.unpack_from("<H", body, 0)[0] == 0x0600
        elif rtype == _BIFF_FILEPASS:
            g.encrypted = True
        elif rtype == _BIFF_BOUNDSHEET and len(body) >= 7:
            offset, _vis, kind, cch = struct.unpack_from("<IBBB", body, 0)
            if biff8 and len(body) >= 8:
                wide = body[7] & 1
                name = body[8:8 + cch * (2 if wide else 1)].decode("utf-16-le" if wide else "latin-1", "replace")
            else:  # BIFF5 (Excel 95, old WPS): 8-bit name in the workbook's code page, GBK here
                name = body[7:7 + cch].decode("gbk", "replace")
            g.sheets[offset] = name
            if kind == 1:  # 1 = Excel 4.0 macro sheet
                g.macro_sheets = True
        elif rtype == _BIFF_EOF:
            break
    return g


def _scan_xls(data: bytes, limit: int) -> dict[str, _SheetScan]:
    ole = olefile.OleFileIO(data)
    try:
        stream = ole.openstream("Workbook" if ole.exists("Workbook") else "Book").read()
    finally:
        ole.close()
    out: dict[str, _SheetScan] = {}
    for offset, name in _biff_globals(stream).sheets.items():
        scan = out[name] = _SheetScan(formulas=[])
        for _pos, rtype, body in _biff_records(stream, offset):
            if rtype in _BIFF_FORMATTING_ONLY:  # BLANK, MULBLANK: a format, no value (calamine skips them)
                continue
            if rtype in _BIFF_CELLS and len(body) >= 4:
                row, col = struct.unpack_from("<HH", body, 0)
            elif rtype in _BIFF_MULTI and len(body) >= 6:
                row, = struct.unpack_from("<H", body, 0)
                col, = struct.unpack_from("<H", body, len(body) - 2)
            elif rtype == _BIFF_EOF:
                break
            else:
                continue
            if col + 1 > scan.cols:
                scan.widest = f"{column_letter(col)}{row + 1}"
            scan.rows, scan.cols = max(scan.rows, row + 1), max(scan.cols, col + 1)
            scan.value_cells += 1
            if rtype == _BIFF_FORMULA:
                scan.has_formula = True
                if len(scan.formulas) < limit:
                    scan.formulas.append((row, col))
    return out


_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
# Patterns that start with a plain letter let the regex engine skip ahead fast (one starting with
# "<" is ~10x slower on sheet XML): a cheap filter first, the exact pattern only on a hit.
_FORMULA_HINT = re.compile(rb"f[\s>/]")
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
# A cell that holds something: <c r="B7" t="s"><v>3</v></c>. A self-closing <c r="A1048576" s="3"/> is a format
# only (Excel writes whole formatted rows so): calamine skips it, and so does the extent.
_VALUE_ROW = re.compile(rb" r=\"[A-Z]{1,3}([0-9]{1,7})\"(?:[^>]*[^>/ \t\r\n])?[ \t\r\n]*>")
_VALUE_LETTERS = re.compile(rb" r=\"([A-Z]{1,3})[0-9]{1,7}\"(?:[^>]*[^>/ \t\r\n])?[ \t\r\n]*>")
_CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")
_MERGE = re.compile(rb"mergeCell\s+ref=\"([A-Z]{1,3})([0-9]{1,7})(?::([A-Z]{1,3})([0-9]{1,7}))?\"")


def _xlsx_sheet_paths(zf: zipfile.ZipFile) -> dict[str, str]:
    workbook = ElementTree.fromstring(zf.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {}
    for rel in rels.iter(f"{_NS_PKG_REL}Relationship"):
        target = rel.get("Target", "")
        targets[rel.get("Id")] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    out = {}
    for el in workbook.iter():
        if el.tag.endswith("}sheet") and el.get(f"{_NS_REL}id") in targets:
            out[el.get("name")] = targets[el.get(f"{_NS_REL}id")]
    return out


def _scan_xlsx(data: bytes) -> dict[str, _SheetScan]:
    zf = zipfile.ZipFile(io.BytesIO(data))
    names = set(zf.namelist())
    out: dict[str, _SheetScan] = {}
    for name, path in _xlsx_sheet_paths(zf).items():
        if path not in names:
            continue
        scan = out[name] = _SheetScan(path=path)
        cell_tags = refs = 0
        widest = (0, b"", b"")
        with zf.open(path) as fh:
            tail = b""
            while chunk := fh.read(1 << 20):
                buf = tail + chunk
                cut = buf.rfind(b">") + 1  # never split a tag between two chunks
                piece, tail = buf[:cut], buf[cut:]
                if not scan.has_formula and _FORMULA_HINT.search(piece) and _FORMULA_TAG.search(piece):
                    scan.has_formula = True
                cell_tags += piece.count(b"<c ") + piece.count(b"<c>")
                if b"mergeCell" in piece and len(scan.merged) <= MAX_MERGED_AREAS:
                    for m in _MERGE.finditer(piece):
                        c0, r0 = _column_index(m.group(1).decode()), int(m.group(2)) - 1
                        c1, r1 = (_column_index(m.group(3).decode()), int(m.group(4)) - 1) if m.group(3) else (c0, r0)
                        scan.merged.append(((min(r0, r1), min(c0, c1)), (max(r0, r1), max(c0, c1))))
                refs += piece.count(b'<c r="')  # a cell with r elsewhere is placed by the exact scan below
                # two searches giving bytes, not one giving a tuple a cell: a million tuples cost more than the search
                rows_found = _VALUE_ROW.findall(piece)
                if rows_found:
                    letters_found = _VALUE_LETTERS.findall(piece)
                    scan.value_cells += len(rows_found)
                    scan.rows = max(scan.rows, max(map(int, rows_found)))
                    for letters in set(letters_found):
                        index = _column_index(letters.decode()) + 1
                        if index > widest[0]:
                            widest = (index, letters, rows_found[letters_found.index(letters)])
        scan.cols = widest[0]
        scan.widest = (widest[1] + widest[2]).decode()
        if cell_tags > refs:  # cells without their r="…" (allowed): placed by position, counted exactly
            _scan_xlsx_by_position(zf, scan)
    return out


def _scan_xlsx_by_position(zf: zipfile.ZipFile, scan: _SheetScan) -> None:
    """The extent of a sheet whose cells (or rows) omit their reference, as calamine places them: a row
    without r follows the previous one, a cell without r the previous cell."""
    row = col = 0
    with zf.open(scan.path) as fh:
        for event, el in ElementTree.iterparse(fh, events=("start", "end")):
            tag = el.tag.rsplit("}", 1)[-1]
            if event == "start" and tag == "row":
                row = int(el.get("r") or row + 1)
                col = 0
            elif event == "end" and tag == "c":
                ref = _CELL_REF.match(el.get("r") or "")
                col = _column_index(ref.group(1)) + 1 if ref else col + 1
                if len(el):  # a value, an inline string or a formula
                    scan.value_cells += 1
                    scan.rows = max(scan.rows, row)
                    if col > scan.cols:
                        scan.cols, scan.widest = col, f"{column_letter(col - 1)}{row}"
                el.clear()
            elif event == "end" and tag == "row":
                el.clear()


def _xlsx_formula_cells(data: bytes, path: str, limit: int) -> list[tuple[int, int]]:
    """Where the formulas are: a positional parse, run only when the byte search found one."""
    zf = zipfile.ZipFile(io.BytesIO(data))
    found: list[tuple[int, int]] = []
    row, col = -1, -1
    with zf.open(path) as fh:
        for event, el in ElementTree.iterparse(fh, events=("start", "end")):
            tag = el.tag.rsplit("}", 1)[-1]
            if event == "start":
                if tag == "row":
                    row = int(el.get("r")) - 1 if el.get("r") else row + 1
                    col = -1
                elif tag == "c":
                    ref = el.get("r")
                    m = _CELL_REF.match(ref) if ref else None
                    col = _column_index(m.group(1)) if m else col + 1
                elif tag == "f":
                    found.append((row, col))
                    if len(found) >= limit:
                        break
            elif tag == "row":
                el.clear()
    return found


# --- results --------------------------------------------------------------------------------

@dataclass(frozen=True)
class CellError:
    """One problem, located as the clerk sees it in Excel."""

    sheet: str
    row: int | None  # Excel row number (1-based); None for a problem with the whole file
    column: str | None  # column letter, e.g. "C"
    header: str | None  # the header as written in the file (or the expected one if missing)
    value: str  # the cell as written
    problem: str  # 问题
    fix: str  # 如何修改
    code: str = ""

    @property
    def cell(self) -> str:
        if self.row is None:
            return ""
        return f"{self.column or ''}{self.row}"

    def as_text(self) -> str:
        where = f"第{self.row}行" if self.row else "文件"
        if self.column:
            where += f" {self.column}列"
        if self.header:
            where += f"（{self.header}）"
        value = f"“{self.value}”" if self.value else ""
        return f"{where}{value}：{self.problem}。{self.fix}"


ERROR_HEADERS = ("工作表", "行号", "列", "列名", "填写内容", "问题", "如何修改")


@dataclass
class LedgerResult:
    ledger_type: LedgerType
    filename: str
    file_format: str | None = None  # xlsx / xls / csv, from the content
    encoding: str | None = None  # csv only
    sheet: str | None = None
    header_row: int | None = None
    rows: list[dict[str, Any]] = field(default_factory=list)  # empty unless ok (all-or-nothing)
    row_numbers: list[int] = field(default_factory=list)  # Excel row of each accepted row
    errors: list[CellError] = field(default_factory=list)
    error_count: int = 0  # all errors found, also those beyond max_errors
    total_rows: int = 0  # non-blank data rows examined
    ignored_columns: list[str] = field(default_factory=list)  # headers we do not know
    refused: bool = False  # refused before parsing (RefusedFile)

    @property
    def ok(self) -> bool:
        return not self.errors and self.total_rows > 0

    @property
    def truncated(self) -> bool:
        return self.error_count > len(self.errors)

    @property
    def summary(self) -> str:
        if self.refused:
            return f"文件未被接收：{self.errors[0].problem}"
        if self.ok:
            return f"共{self.total_rows}行，全部通过检查，已接收。"
        shown = f"（下表仅列出前{len(self.errors)}处）" if self.truncated else ""
        return (f"共{self.total_rows}行，发现{self.error_count}处问题{shown}。"
                "本次导入未接收任何数据：请按错误清单修改后重新上传整个文件。")

    def keys(self) -> list[tuple]:
        """Duplicate-detection keys of the accepted rows (to pass as existing_keys next time)."""
        return [k for k in (self.ledger_type.row_key(r) for r in self.rows) if k is not None]

    def errors_xlsx(self) -> bytes:
        return errors_to_xlsx(self.errors, title=f"{self.ledger_type.title}：{self.filename} 错误清单",
                              note=self.summary)

    def errors_csv(self) -> bytes:
        return errors_to_csv(self.errors)


def _error_cells(e: CellError) -> list[Any]:
    return [e.sheet, e.row if e.row is not None else "", e.column or "", e.header or "", e.value,
            e.problem, e.fix]


def _csv_safe(value: Any) -> Any:
    # A cell starting with = + - @ would run as a formula when the clerk opens the CSV in Excel.
    return neutral(value)


def errors_to_csv(errors: Iterable[CellError]) -> bytes:
    """UTF-8 with BOM so that Excel on a Chinese Windows opens it without garbling."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(ERROR_HEADERS)
    for e in errors:
        w.writerow([_csv_safe(v) for v in _error_cells(e)])
    return codecs.BOM_UTF8 + buf.getvalue().encode("utf-8")


def errors_to_xlsx(errors: Iterable[CellError], *, title: str = "错误清单", note: str = "") -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False,
                                   "strings_to_numbers": False, "strings_to_urls": False})
    ws = wb.add_worksheet("错误清单")
    bold = wb.add_format({"bold": True, "bg_color": "#F2DCDB", "border": 1, "text_wrap": True})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    text = wb.add_format({"num_format": "@", "valign": "top"})
    ws.write_string(0, 0, title, wb.add_format({"bold": True, "font_size": 13}))
    ws.write_string(1, 0, note)
    for c, h in enumerate(ERROR_HEADERS):
        ws.write_string(2, c, h, bold)
    for r, e in enumerate(errors, start=3):
        for c, v in enumerate(_error_cells(e)):
            if isinstance(v, int):
                ws.write_number(r, c, v)
            else:
                ws.write_string(r, c, str(v), wrap if c >= 5 else text)
    for c, width in enumerate((12, 7, 5, 18, 24, 48, 48)):
        ws.set_column(c, c, width)
    ws.freeze_panes(3, 0)
    ws.autofilter(2, 0, 2, len(ERROR_HEADERS) - 1)
    wb.close()
    return buf.getvalue()


# --- cell conversion --------------------------------------------------------------------------

class _Problem(Exception):
    def __init__(self, problem: str, fix: str, code: str):
        super().__init__(problem)
        self.problem, self.fix, self.code = problem, fix, code


_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
_SCI = re.compile(r"^[+-]?\d+(\.\d+)?E\+?\d+$", re.I)
_INVISIBLE_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_AS_TEXT_FIX = ("请在Excel中选中整列，右键“设置单元格格式”→“文本”，然后重新录入完整号码；"
                "或在号码前加英文单引号 ' 再录入（如 '11010519491231002X）。注意：已变成0的位数无法恢复，必须重新录入")


def _clean(v: str) -> str:
    # str.strip() already removes full-width (U+3000) and no-break spaces; zero-width ones it keeps.
    s = v.strip()
    if not s.isascii() and _INVISIBLE_RE.search(s):
        s = s.translate(_INVISIBLE).strip()
    return s


def _nfkc(v: str) -> str:
    s = _clean(v)
    return s if s.isascii() else unicodedata.normalize("NFKC", s)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def display(v: Any) -> str:
    """A cell as the clerk would recognise it in Excel."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e21:
            # Excel keeps 15 significant digits: show 520581199003071000, not ...070976
            return str(int(Decimal(f"{v:.15g}"))) if abs(v) >= 1e15 else str(int(v))
        return repr(v)
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ") if v.time() != dt.time() else v.date().isoformat()
    if isinstance(v, (dt.date, dt.time)):
        return v.isoformat()
    s = str(v)
    return s if len(s) <= 100 else s[:100] + "…"


def _to_text(col: Column) -> Callable[[Any], str]:
    limit = col.max_length

    def conv(v: Any) -> str:
        if isinstance(v, str):
            s = v.strip() if v.isascii() or not _INVISIBLE_RE.search(v) else _clean(v)
            if "\n" in v or "  " in v:
                s = " ".join(s.split())
        elif isinstance(v, bool):
            s = "是" if v else "否"
        else:
            s = display(v)
        if len(s) > limit:
            raise _Problem(f"内容过长（{len(s)}字，最多{limit}字）", "请精简内容", "too_long")
        return s
    return conv


def _to_resident_id(col: Column) -> Callable[[Any], str]:
    def conv(v: Any) -> str:
        if (_is_number(v) and abs(v) >= 1e14) or (isinstance(v, str) and _SCI.match(_nfkc(v))):
            raise _Problem("身份证号被Excel存成了数字，末尾几位已变成0（Excel数字只保留15位有效数字）",
                           _AS_TEXT_FIX, "id_as_number")
        if _is_number(v):
            raise _Problem("不是18位身份证号", "请把该列设为“文本”格式，填写18位身份证号", "resident_id")
        if not isinstance(v, str):
            raise _Problem("不是身份证号", "请填写18位身份证号", "resident_id")
        try:
            rid = parse_resident_id(v)
        except InvalidIdentifier as e:
            text = str(e).split(" / ")[0]
            number = _nfkc(v).replace(" ", "")
            if len(number) == 18 and number.isdigit() and number.endswith("000") and "校验码" in text:
                raise _Problem(text + "；末尾为000，很可能是被Excel当成数字后丢失了末几位", _AS_TEXT_FIX,
                               "id_as_number") from None
            raise _Problem(text, "请核对身份证原件后重新填写18位号码（末位X请用大写）", "resident_id") from None
        if rid.birth_date > dt.date.today() or rid.birth_date.year < 1900:
            born = rid.birth_date
            raise _Problem(f"身份证号中的出生日期{born.year}年{born.month}月{born.day}日不合理", "请核对身份证号",
                           "resident_id")
        return rid.number
    return conv


def _to_credit_code(col: Column) -> Callable[[Any], str]:
    def conv(v: Any) -> str:
        if _is_number(v) or (isinstance(v, str) and _SCI.match(_nfkc(v))):
            raise _Problem("统一社会信用代码被Excel存成了数字，可能已丢失末几位",
                           _AS_TEXT_FIX.replace("11010519491231002X", "91330381MA2A1B2C3D"), "code_as_number")
        try:
            return parse_credit_code(str(v))
        except InvalidIdentifier as e:
            raise _Problem(str(e).split(" / ")[0], "请对照营业执照重新填写18位代码（字母用大写）",
                           "credit_code") from None
    return conv


_EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:\s*T?\s*\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_MONTH_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
_MONTH_COMPACT = re.compile(r"^(\d{4})(\d{2})$")
_DATE_FIX = "请写成 2024-03-05、2024/3/5、2024.3.5 或 2024年3月5日，年份写4位"


def _make_date(y: int, m: int, d: int) -> dt.date:
    if not 1900 <= y <= 2100:
        raise _Problem(f"年份{y}不合理", _DATE_FIX, "date")
    try:
        return dt.date(y, m, d)
    except ValueError:
        raise _Problem(f"日期{y}年{m}月{d}日不存在", "请核对月份和日期", "date") from None


def _number_to_date(v: float) -> dt.date:
    if float(v).is_integer() and 19000101 <= v <= 21001231:
        s = str(int(v))
        return _make_date(int(s[:4]), int(s[4:6]), int(s[6:]))
    if 61 <= v < 73051:  # Excel serials 1900-03-01 .. 2099-12-31 (before 61: the 1900 leap bug)
        return _EXCEL_EPOCH + dt.timedelta(days=int(v))
    raise _Problem("不是有效日期", _DATE_FIX, "date")


def _to_date(col: Column) -> Callable[[Any], dt.date]:
    def conv(v: Any) -> dt.date:
        if isinstance(v, dt.datetime):
            return _make_date(v.year, v.month, v.day)
        if isinstance(v, dt.date):
            return _make_date(v.year, v.month, v.day)
        if _is_number(v):
            return _number_to_date(v)
        if not isinstance(v, str):
            raise _Problem("不是日期", _DATE_FIX, "date")
        s = _nfkc(v)
        m = _DATE_RE.match(s) or _DATE_COMPACT.match(s)
        if m:
            return _make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if re.match(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}$", s):
            raise _Problem("日期写法有歧义（无法判断年月日顺序）或年份不是4位", _DATE_FIX, "date")
        raise _Problem("不是能识别的日期", _DATE_FIX, "date")
    return conv


def _to_month(col: Column) -> Callable[[Any], dt.date]:
    as_date = _to_date(col)

    def conv(v: Any) -> dt.date:
        if _is_number(v) and float(v).is_integer() and 190001 <= v <= 210012:
            s = str(int(v))
            return _make_date(int(s[:4]), int(s[4:]), 1)
        if isinstance(v, str):
            s = _nfkc(v)
            m = _MONTH_RE.match(s) or _MONTH_COMPACT.match(s)
            if m:
                return _make_date(int(m.group(1)), int(m.group(2)), 1)
        try:
            return as_date(v).replace(day=1)
        except _Problem as p:
            raise _Problem(p.problem.replace("日期", "年月"), "请写成 2024-03、2024/3 或 2024年3月", "month") from None
    return conv


_INT_RE = re.compile(r"^([+-]?\d+)(?:\.0*)?\s*[人次个家名位户]?$")


def _check_range(col: Column, n: Any) -> None:
    if col.min_value is not None and n < col.min_value:
        raise _Problem(f"不能小于{col.min_value}", f"请填写不小于{col.min_value}的数", "range")
    if col.max_value is not None and n > col.max_value:
        raise _Problem(f"不能大于{col.max_value}", "请核对数字", "range")


def _to_int(col: Column) -> Callable[[Any], int]:
    def conv(v: Any) -> int:
        if _is_number(v):
            if not float(v).is_integer():
                raise _Problem("应为整数", "请填写整数，不要带小数", "int")
            n = int(v)
        elif isinstance(v, str):
            m = _INT_RE.match(_nfkc(v).replace(",", ""))
            if not m:
                raise _Problem("不是整数", "请只填写阿拉伯数字，如 5", "int")
            n = int(m.group(1))
        else:
            raise _Problem("不是整数", "请只填写阿拉伯数字，如 5", "int")
        _check_range(col, n)
        return n
    return conv


def _to_decimal(col: Column) -> Callable[[Any], Decimal]:
    def conv(v: Any) -> Decimal:
        try:
            if isinstance(v, float):
                d = Decimal(repr(v))  # shortest repr: 3500.1 stays 3500.1, not a binary expansion
            elif isinstance(v, int) and not isinstance(v, bool):
                d = Decimal(v)
            elif isinstance(v, str):
                s = _nfkc(v).replace(",", "").replace("¥", "").replace("元", "").strip()
                d = Decimal(s)
            else:
                raise InvalidOperation
        except InvalidOperation:
            raise _Problem("不是数字", "请只填写数字，如 3500 或 3500.5，不要带单位", "decimal") from None
        if not d.is_finite():
            raise _Problem("不是数字", "请只填写数字", "decimal")
        _check_range(col, d)
        return d
    return conv


def _to_enum(col: Column) -> Callable[[Any], str]:
    lookup = {c.upper(): c for c in col.choices}
    lookup.update({k.upper(): c for k, c in col.choice_aliases.items()})
    lookup_exact = frozenset(col.choices)
    choices = "、".join(col.choices)

    def conv(v: Any) -> str:
        if v in lookup_exact:
            return v
        s = "".join(_nfkc(display(v) if not isinstance(v, str) else v).split()).upper()
        try:
            return lookup[s]
        except KeyError:
            raise _Problem("不是可选的值", f"请从下拉列表中选择：{choices}", "enum") from None
    return conv


_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?[1-9]\d{6,7}(?:-\d{1,6})?$")
_SERVICE = re.compile(r"^[48]00-?\d{3}-?\d{4}$")


def _to_phone(col: Column) -> Callable[[Any], str]:
    def conv(v: Any) -> str:
        if type(v) is str and len(v) == 11 and _MOBILE.match(v):
            return v
        if _is_number(v):
            if not float(v).is_integer():
                raise _Problem("不是电话号码", "请填写11位手机号", "phone")
            s = str(int(v))
            if len(s) in (9, 10, 11) and not _MOBILE.match(s):
                raise _Problem("电话号码被Excel存成了数字，区号前的0已丢失",
                               "请把该列设为“文本”格式后重新录入，如 0571-88886666", "phone_as_number")
        else:
            s = _nfkc(str(v))
        s = re.sub(r"[\s()（）]", "", s)
        if s.startswith("+86"):
            s = s[3:]
        elif len(s) == 13 and s.startswith("86"):
            s = s[2:]
        if re.search(r"[,，;；/、]", s):
            raise _Problem("填写了多个号码", "每格只填写一个号码，其他号码写到备注", "phone")
        digits = s.replace("-", "")
        if _MOBILE.match(digits):
            return digits
        if _LANDLINE.match(s) or _SERVICE.match(s):
            return s
        raise _Problem("不是有效的手机号或固定电话", "手机号为11位数字；固定电话请带区号，如 0571-88886666", "phone")
    return conv


_TRUE = {"是", "Y", "YES", "TRUE", "1", "√", "有", "已签", "已签订"}
_FALSE = {"否", "N", "NO", "FALSE", "0", "×", "X", "无", "未签", "未签订"}


def _to_bool(col: Column) -> Callable[[Any], bool]:
    def conv(v: Any) -> bool:
        if v == "是" or v is True:
            return True
        if v == "否" or v is False:
            return False
        s = "".join(_nfkc(display(v)).split()).upper()
        if s in _TRUE:
            return True
        if s in _FALSE:
            return False
        raise _Problem("应填“是”或“否”", "请填写“是”或“否”", "bool")
    return conv


_CONVERTERS = {
    ColumnType.TEXT: _to_text, ColumnType.RESIDENT_ID: _to_resident_id,
    ColumnType.CREDIT_CODE: _to_credit_code, ColumnType.DATE: _to_date, ColumnType.MONTH: _to_month,
    ColumnType.INT: _to_int, ColumnType.DECIMAL: _to_decimal, ColumnType.ENUM: _to_enum,
    ColumnType.PHONE: _to_phone, ColumnType.BOOL: _to_bool,
}


def converter(col: Column) -> Callable[[Any], Any]:
    """The function that turns one raw cell of ``col`` into its normalised value (or raises)."""
    return _CONVERTERS[col.type](col)


def _is_blank(v: Any) -> bool:
    return v is None or v == "" or (type(v) is str and not _clean(v))


# --- tables --------------------------------------------------------------------------------

def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


@dataclass
class _Header:
    row: int  # 0-based
    columns: dict[int, Column]  # 0-based column index -> column
    written: dict[int, str]  # column index -> header as written
    missing: list[Column]
    duplicates: list[tuple[Column, list[int]]]
    unknown: list[str]

    @property
    def score(self) -> tuple[int, int]:
        return (-len(self.missing), len(self.columns))


def _find_header(rows: list[list[Any]], ledger: LedgerType) -> _Header | None:
    """The row (or pair of rows) among the first HEADER_SEARCH_ROWS that best matches the ledger.

    Two-row headers are common: a merged group title above (帮扶情况 over 职业指导次数,
    岗位推荐次数...) with 姓名 and 身份证号 merged down over both rows. For a pair of rows, each
    column takes its header from the lower row, or from the upper one where the lower is blank.
    """
    lookup = ledger.header_lookup()
    best: _Header | None = None
    top = rows[:HEADER_SEARCH_ROWS]
    for r in range(len(top)):
        candidates = [(r, top[r])]
        if r + 1 < len(top):
            upper, lower = top[r], top[r + 1]
            merged = [lower[c] if c < len(lower) and not _is_blank(lower[c]) else
                      (upper[c] if c < len(upper) else None) for c in range(max(len(upper), len(lower)))]
            candidates.append((r + 1, merged))
        for last, row in candidates:
            h = _match_header(last, row, ledger, lookup)
            if h is not None and (best is None or h.score > best.score):
                best = h
    return best


def _match_header(r: int, row: list[Any], ledger: LedgerType, lookup: dict[str, Column]) -> _Header | None:
    cols: dict[int, Column] = {}
    written: dict[int, str] = {}
    by_key: dict[str, list[int]] = {}
    unknown: list[str] = []
    for c, v in enumerate(row):
        if _is_blank(v):
            continue
        col = lookup.get(normalise_header(v))
        if col is None:
            unknown.append(display(v))
            continue
        by_key.setdefault(col.key, []).append(c)
        if len(by_key[col.key]) == 1:
            cols[c] = col
            written[c] = _clean(str(v)).lstrip("*＊ ")
    if len(cols) < 2:
        return None
    missing = [c for c in ledger.columns if c.required and c.key not in by_key]
    dups = [(ledger.column(k), idx) for k, idx in by_key.items() if len(idx) > 1]
    return _Header(r, cols, written, missing, dups, unknown)


@dataclass
class _Table:
    """A sheet ready to be read row by row (twice if need be: the import checks, then stores)."""

    sheet: str
    head_rows: list[list[Any]]  # the first HEADER_SEARCH_ROWS rows, where the header is looked for
    extent: int  # rows up to the last one holding a value (what a whole read would give)
    open_rows: Callable[[], Iterator[tuple[int, list[Any]]]]  # (0-based row, values by column), rows with values
    header: _Header | None
    formula_cells: list[tuple[int, int]] = field(default_factory=list)
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)


MAX_SHARED_STRING_BYTES = 40 * MB  # the text of xl/sharedStrings.xml, kept as one buffer while a sheet is read
MAX_MERGED_AREAS = 20_000


def _head(rows: Iterator[tuple[int, list[Any]]]) -> list[list[Any]]:
    """The first HEADER_SEARCH_ROWS rows (as a whole read gives them) from a row iterator, which is closed."""
    head: list[list[Any]] = []
    try:
        for r, row in rows:
            if r >= HEADER_SEARCH_ROWS:
                break
            head.extend([] for _ in range(r - len(head)))
            head.append(row)
    finally:
        close = getattr(rows, "close", None)
        if close:
            close()
    return head


def _xlsx_workbook(zf: zipfile.ZipFile) -> tuple[list[tuple[str, str, bool, bool]], bool]:
    """(name, part, visible, is a worksheet) of each sheet in workbook order, and the 1904 date system."""
    workbook = ElementTree.fromstring(zf.read("xl/workbook.xml"))
    paths = _xlsx_sheet_paths(zf)
    sheets, is_1904 = [], False
    for el in workbook.iter():
        tag = el.tag.rsplit("}", 1)[-1]
        if tag == "workbookPr":
            is_1904 = el.get("date1904", "").lower() in ("1", "true")
        elif tag == "sheet" and el.get("name") in paths:
            path = paths[el.get("name")]
            sheets.append((el.get("name"), path, el.get("state", "visible") == "visible", "/worksheets/" in path))
    return sheets, is_1904


def _corrupt() -> RefusedFile:
    return _refuse("corrupt", f"文件结构已损坏，无法读取。{_SAVE_AS_XLSX}", "the workbook structure is damaged")


def _read_workbook(data: bytes, fmt: str, ledger: LedgerType, max_rows: int, max_errors: int) -> _Table:
    try:
        scans = _scan_xlsx(data) if fmt == "xlsx" else _scan_xls(data, max_errors)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, ElementTree.ParseError, struct.error, EOFError):
        raise _corrupt() from None
    for name, scan in scans.items():
        if scan.rows > max_rows + HEADER_SEARCH_ROWS:
            raise _refuse("too_many_rows",
                          f"工作表“{name}”用到了第{scan.rows}行，超过单次上传上限{max_rows}行。请分成几个文件上传；"
                          "如果实际没有这么多数据，请删除表格下方多余的内容", f"more than {max_rows} rows")
        if scan.cols > MAX_COLUMNS:
            raise _refuse("too_many_columns",
                          f"工作表“{name}”的{scan.widest}单元格有内容，超出台账的列数（最多{MAX_COLUMNS}列）。"
                          f"请删除该单元格（以及右侧其他多余的内容）后再上传",
                          f"a value in {scan.widest}, beyond the {MAX_COLUMNS} columns a ledger may have")
        if scan.rows * scan.cols > MAX_CELLS:
            raise _refuse("too_many_cells",
                          f"工作表“{name}”的数据区域过大（{scan.rows}行×{scan.cols}列），请删除右侧和下方多余的内容后再上传",
                          "the used range of a sheet is too large")
        if len(scan.merged) > MAX_MERGED_AREAS:
            raise _refuse("too_many_merged",
                          f"工作表“{name}”有{len(scan.merged)}处合并单元格，台账不接受合并单元格。请全选表格，取消“合并后居中”，"
                          "并在每一行都填上内容后再上传", "too many merged areas")
    if fmt == "xls" and len(data) > MAX_XLS_BYTES:
        raise _refuse("too_large_xls",
                      f"旧版Excel文件（.xls）不能超过{MAX_XLS_BYTES // MB} MB，本文件{len(data) / MB:.1f} MB。{_SAVE_AS_XLSX}",
                      f"an .xls file may be at most {MAX_XLS_BYTES // MB} MB; save it as .xlsx")
    if fmt == "xls":
        area = sum(scan.rows * scan.cols for scan in scans.values())
        values = sum(scan.value_cells for scan in scans.values())
        if max(area, values) > MAX_XLS_CELLS:
            raise _refuse("too_many_cells_xls",
                          f"旧版Excel文件（.xls）最多接收{MAX_XLS_CELLS // 10000}万个单元格（约{MAX_XLS_CELLS // 10:,}行×10列），"
                          f"本文件有{max(area, values):,}个。{_SAVE_AS_XLSX}（.xlsx文件单次可上传{max_rows:,}行）",
                          f"an .xls file may hold at most {MAX_XLS_CELLS:,} cells; save it as .xlsx")
    table = _read_xlsx(data, ledger, scans) if fmt == "xlsx" else _read_xls(data, ledger, scans)
    scan = scans.get(table.sheet, _SheetScan(formulas=[]))
    table.formula_cells = scan.formulas or []
    if scan.has_formula and scan.formulas is None:
        table.formula_cells = _xlsx_formula_cells(data, scan.path, max_errors)
    return table


def _best_sheet(candidates, ledger: LedgerType, head_of) -> tuple[Any, _Header | None, list[list[Any]]]:
    best = None
    for candidate in candidates:
        rows = head_of(candidate)
        head = _find_header(rows, ledger)
        if head is not None and (best is None or best[1] is None or head.score > best[1].score):
            best = (candidate, head, rows)
            if not head.missing:
                break
        elif best is None:
            best = (candidate, None, rows)
    if best is None:
        raise _refuse("no_sheet", "工作簿中没有工作表", "the workbook has no worksheet")
    return best


def _read_xlsx(data: bytes, ledger: LedgerType, scans: dict[str, _SheetScan]) -> _Table:
    """The sheet streamed from the zip (portal/ledgers/xlsx_stream.py), never held whole."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        sheets, is_1904 = _xlsx_workbook(zf)
        formats = xlsx_stream.number_formats(zf)
        try:
            strings = xlsx_stream.shared_strings(zf, MAX_SHARED_STRING_BYTES)
        except xlsx_stream.StreamError as e:
            if "too large" not in str(e):
                raise
            raise _refuse("too_many_strings",
                          f"工作簿的文字内容超过{MAX_SHARED_STRING_BYTES // MB} MB，请删除多余的工作表和内容，或分成几个文件上传",
                          "the shared strings are too large") from None
        worksheets = [s for s in sheets if s[3] and s[1] in zf.namelist()]
        candidates = [s for s in worksheets if s[2]] or worksheets

        def rows_of(sheet) -> Callable[[], Iterator[tuple[int, list[Any]]]]:
            return lambda: xlsx_stream.iter_rows(zf, sheet[1], strings, formats, is_1904)

        sheet, head, head_rows = _best_sheet(candidates, ledger, lambda s: _head(rows_of(s)()))
    except RefusedFile:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, ElementTree.ParseError, EOFError):
        raise _corrupt() from None
    scan = scans.get(sheet[0], _SheetScan())
    return _Table(sheet[0], head_rows, scan.rows, rows_of(sheet), head, merged=scan.merged)


def _read_xls(data: bytes, ledger: LedgerType, scans: dict[str, _SheetScan]) -> _Table:
    """An .xls through python-calamine: a BIFF8 sheet has at most 65,536 rows, and calamine reads every sheet
    of it when it opens the workbook anyway."""
    try:
        wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError:
        raise _refuse("encrypted", "文件已加密，请取消密码保护后再上传", "the workbook is encrypted") from None
    except Exception as e:  # calamine raises several error types for damaged files
        raise _refuse("corrupt", f"文件无法读取（{type(e).__name__}），可能已损坏。{_SAVE_AS_XLSX}",
                      "the workbook could not be read") from None

    def rows_of(sheet) -> Iterator[tuple[int, list[Any]]]:
        r0, c0 = sheet.start or (0, 0)
        pad = [None] * c0
        for k, row in enumerate(sheet.iter_rows()):
            if any(v != "" for v in row):
                yield r0 + k, pad + row

    try:
        candidates = [m for m in wb.sheets_metadata if m.typ == python_calamine.SheetTypeEnum.WorkSheet]
        visible = [m for m in candidates if m.visible == python_calamine.SheetVisibleEnum.Visible]
        loaded: dict[str, Any] = {}  # calamine parses the whole sheet on get: do it once

        def head_of(meta) -> list[list[Any]]:
            sheet = loaded[meta.name] = wb.get_sheet_by_name(meta.name)
            return sheet.to_python(skip_empty_area=False, nrows=HEADER_SEARCH_ROWS)

        meta, head, head_rows = _best_sheet(visible or candidates, ledger, head_of)
        sheet = loaded[meta.name]
        end = sheet.end
        merged = sheet.merged_cell_ranges or []
    except python_calamine.CalamineError as e:
        raise _refuse("corrupt", f"工作表无法读取（{type(e).__name__}），可能已损坏。{_SAVE_AS_XLSX}",
                      "a worksheet could not be read") from None
    return _Table(meta.name, head_rows, end[0] + 1 if end else 0, lambda: rows_of(sheet), head, merged=merged)


def _csv_encoding(data: bytes) -> tuple[str, str]:
    """The codec that decodes the whole file, checked chunk by chunk (the text is never held whole)."""
    if data.startswith(codecs.BOM_UTF8):
        candidates = [("utf-8-sig", "UTF-8")]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = [("utf-16", "UTF-16")]
    else:
        # GB18030 is a superset of GBK and GB2312, so one attempt covers all three.
        candidates = [("utf-8", "UTF-8"), ("gb18030", "GB18030")]
    view = memoryview(data)
    for codec, label in candidates:
        decoder = codecs.getincrementaldecoder(codec)()
        try:
            for i in range(0, len(data), 1 << 20):
                decoder.decode(view[i:i + (1 << 20)])
            decoder.decode(b"", final=True)
            return codec, label
        except UnicodeDecodeError:
            continue
    raise _refuse("encoding", "无法识别CSV文件的文字编码（支持UTF-8和GBK/GB18030）。请用Excel打开后另存为“CSV UTF-8”或.xlsx",
                  "unknown text encoding (UTF-8 and GBK/GB18030 are supported)")


_TEXT_FORMULA = re.compile(r'^="(.*)"$', re.S)  # ="0571..." is the usual way to keep text


def _read_csv(data: bytes, ledger: LedgerType, max_rows: int, max_errors: int) -> tuple[_Table, str]:
    codec, encoding = _csv_encoding(data)

    def text():
        return io.TextIOWrapper(io.BytesIO(data), encoding=codec, newline="")

    with text() as fh:
        sample = "".join(line for _, line in zip(range(HEADER_SEARCH_ROWS), fh))
    delimiter = max((",", "\t", ";"), key=sample.count)

    def raw_rows() -> Iterator[tuple[int, list[Any]]]:
        with text() as fh:
            yield from enumerate(csv.reader(fh, delimiter=delimiter))

    def rows() -> Iterator[tuple[int, list[Any]]]:
        for r, row in raw_rows():
            for c, v in enumerate(row):
                if v.startswith("="):
                    m = _TEXT_FORMULA.match(v)
                    if m:
                        row[c] = m.group(1)
            yield r, row

    # One pass first: the row count (the limit, the progress bar) and where the formulas are.
    formulas: list[tuple[int, int]] = []
    extent = 0
    for r, row in raw_rows():
        if r >= max_rows + HEADER_SEARCH_ROWS:
            raise _refuse("too_many_rows", f"文件超过单次上传上限{max_rows}行，请分成几个文件上传",
                          f"more than {max_rows} rows")
        extent = r + 1
        for c, v in enumerate(row):
            if v.startswith("=") and not _TEXT_FORMULA.match(v) and len(formulas) < max_errors:
                formulas.append((r, c))
    head_rows = _head(rows())
    return _Table("CSV", head_rows, extent, rows, _find_header(head_rows, ledger), formulas), encoding


# --- the import -------------------------------------------------------------------------------

ProgressCallback = Callable[[int, int], None]
# Either a set of LedgerType.row_key tuples already imported, or a function that, given a batch of keys,
# returns those already imported (the importer asks the database, EXISTING_BATCH keys at a time).
Existing = Callable[[list[tuple]], Iterable[tuple]] | frozenset | set
EXISTING_BATCH = 500


def _open_table(data: bytes, filename: str, ledger: LedgerType, result: LedgerResult, max_bytes: int,
                max_rows: int, max_errors: int) -> _Table | None:
    """The sniffed, pre-scanned table; None (and the refusal in `result`) for a file refused whole."""
    try:
        result.file_format = sniff_upload(data, filename, max_bytes=max_bytes)
        if result.file_format == "csv":
            table, result.encoding = _read_csv(data, ledger, max_rows, max_errors)
        else:
            table = _read_workbook(data, result.file_format, ledger, max_rows, max_errors)
    except RefusedFile as e:
        result.refused = True
        zh = e.message.split(" / ")[0]
        result.errors = [CellError("", None, None, None, filename, zh, "", e.code)]
        result.error_count = 1
        return None
    result.sheet = table.sheet
    data_rows = table.extent - (table.header.row + 1 if table.header else 0)
    if data_rows > max_rows:
        e = _refuse("too_many_rows", f"文件有{data_rows}行数据，超过单次上传上限{max_rows}行。请分成几个文件上传；"
                    "如果实际没有这么多数据，请删除表格下方多余的内容", f"more than {max_rows} rows")
        result.refused = True
        result.errors = [CellError(table.sheet, None, None, None, filename, e.message.split(" / ")[0], "", e.code)]
        result.error_count = 1
        return None
    return table


def read_ledger(
    data: bytes,
    filename: str,
    ledger_type: str | LedgerType,
    existing_keys: Existing = frozenset(),
    *,
    progress: ProgressCallback | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = DEFAULT_MAX_ROWS,
    max_errors: int = DEFAULT_MAX_ERRORS,
    keep_rows: bool = True,
) -> LedgerResult:
    """Read and check a whole ledger; never raises for a bad upload (see ``result.errors``).

    ``existing_keys`` holds ``LedgerType.row_key`` tuples of rows already imported earlier, or is a function
    answering that for a batch of keys. ``progress(done, total)`` is called every ``PROGRESS_EVERY`` data
    rows and at the end. The file is read row by row; with ``keep_rows=False`` no row is kept (the checks
    keep only a hash per duplicate key and the first ``max_errors`` errors), and an importer stores the
    rows of an accepted file by reading them again with ``accepted_rows``.
    """
    ledger = get_ledger_type(ledger_type)
    result = LedgerResult(ledger, filename)
    table = _open_table(data, filename, ledger, result, max_bytes, max_rows, max_errors)
    if table is None:
        return result
    try:
        for number, row in _check_rows(table, ledger, result, existing_keys, progress, max_errors):
            if keep_rows:
                result.rows.append(row)
                result.row_numbers.append(number)
    except (xlsx_stream.StreamError, csv.Error, UnicodeDecodeError):  # damaged further down than the header
        e = _corrupt()
        result.refused, result.error_count, result.total_rows = True, 1, 0
        result.errors = [CellError("", None, None, None, filename, e.message.split(" / ")[0], "", e.code)]
    if result.errors:
        result.rows, result.row_numbers = [], []  # all-or-nothing
        result.errors.sort(key=lambda e: (e.row or 0, len(e.column or ""), e.column or ""))
    return result


class RereadMismatch(RuntimeError):
    """The second reading of an accepted file found a problem the first did not: store nothing."""


def accepted_rows(data: bytes, filename: str, ledger_type: str | LedgerType, *, max_bytes: int = DEFAULT_MAX_BYTES,
                  max_rows: int = DEFAULT_MAX_ROWS) -> Iterator[tuple[int, dict[str, Any]]]:
    """(Excel row, checked row) of a file ``read_ledger`` accepted, read again one row at a time.

    The importer's second pass: it stores the rows in batches as they come, so no more than a batch is held.
    The same reading and conversion run again (duplicates are not looked for again: the first pass did); a
    file that reads differently raises ``RereadMismatch`` at the end, and the importer's transaction keeps
    nothing."""
    ledger = get_ledger_type(ledger_type)
    scratch = LedgerResult(ledger, filename)
    table = _open_table(data, filename, ledger, scratch, max_bytes, max_rows, 1)
    if table is None:
        raise RereadMismatch("refused on the second reading")
    yield from _check_rows(table, ledger, scratch, frozenset(), None, 1, dedupe=False)
    if scratch.errors:
        raise RereadMismatch(scratch.errors[0].code)


class _Errors:
    def __init__(self, result: LedgerResult, limit: int):
        self.result, self.limit = result, limit

    def add(self, e: CellError) -> None:
        self.result.error_count += 1
        if len(self.result.errors) < self.limit:
            self.result.errors.append(e)


class _Merges:
    """Which cells lie in a merged area below the header: per column, areas sorted by first row, with the
    furthest last row so far (a bisection answers; areas may overlap in a hostile file)."""

    def __init__(self, areas: Iterable[tuple[int, int, int, int]]):
        by_col: dict[int, list[tuple[int, int]]] = {}
        for r0, c0, r1, c1 in areas:
            for c in range(c0, c1 + 1):
                by_col.setdefault(c, []).append((r0, r1))
        self.starts: dict[int, list[int]] = {}
        self.reach: dict[int, list[int]] = {}
        for c, spans in by_col.items():
            spans.sort()
            self.starts[c] = [r0 for r0, _r1 in spans]
            far, reach = -1, []
            for _r0, r1 in spans:
                far = max(far, r1)
                reach.append(far)
            self.reach[c] = reach

    def __contains__(self, cell: tuple[int, int]) -> bool:
        r, c = cell
        starts = self.starts.get(c)
        if not starts:
            return False
        i = bisect.bisect_right(starts, r) - 1
        return i >= 0 and self.reach[c][i] >= r


def _check_rows(table: _Table, ledger: LedgerType, result: LedgerResult, existing: Existing,
                progress: ProgressCallback | None, max_errors: int, *, dedupe: bool = True
                ) -> Iterator[tuple[int, dict[str, Any]]]:
    """Check every row of the table, adding problems to ``result``; yield (Excel row, row) for each
    non-blank data row as it is read. Nothing is kept per row but a hash of its duplicate key."""
    errors = _Errors(result, max_errors)
    sheet = table.sheet
    head = table.header
    expected = "、".join(c.header for c in ledger.columns if c.required)
    if head is None:
        errors.add(CellError(sheet, None, None, None, "", f"在工作表“{sheet}”的前{HEADER_SEARCH_ROWS}行中没有找到"
                             f"{ledger.title}的表头",
                             f"请使用系统下载的{ledger.title}模板，表头须包括：{expected}", "no_header"))
        return
    result.header_row = head.row + 1
    result.ignored_columns = head.unknown
    for col in head.missing:
        errors.add(CellError(sheet, head.row + 1, None, col.header, "", f"缺少必填列“{col.header}”",
                             f"请在表头（第{head.row + 1}行）加上“{col.header}”列，或使用系统下载的模板", "missing_column"))
    for col, idx in head.duplicates:
        letters = "、".join(column_letter(i) for i in idx)
        errors.add(CellError(sheet, head.row + 1, column_letter(idx[1]), col.header, "",
                             f"“{col.header}”列出现了{len(idx)}次（{letters}列）", "请删除重复的列，只保留一列", "duplicate_column"))
    # A missing column is said once (above), not on every row; the columns that are there are still checked,
    # so every problem of the file shows in one upload and the row count is the file's.

    start = head.row + 1
    last = table.extent - 1

    def formula_error(r: int, c: int, value: Any) -> None:
        header = head.written.get(c) if c in head.columns else None
        errors.add(CellError(sheet, r + 1, column_letter(c), header, display(value), "单元格是公式，台账只接受数值",
                             "请选中这些单元格“复制”，再右键“选择性粘贴→数值”覆盖原处后重新上传", "formula"))

    # Formula cells are reported with their cached value, as their row is read (those in the header rows now).
    reported = set(table.formula_cells)  # a formula cell is reported once, as a formula
    formulas_by_row: dict[int, list[int]] = {}
    for r, c in table.formula_cells:
        if r < start:
            row = table.head_rows[r] if r < len(table.head_rows) else []
            formula_error(r, c, row[c] if c < len(row) else "")
        else:
            formulas_by_row.setdefault(r, []).append(c)

    # Clerks merge a cell over rows that share a value (the same employer): only the first row
    # holds it, the others read as blank. One error per merged area (said when its first row is read), not one
    # per row; the blanks inside an area are not reported again.
    areas: list[tuple[int, int, int, int]] = []
    merge_errors: dict[int, list[tuple[int, int, str]]] = {}
    for (r0, c0), (r1, c1) in table.merged:
        if r1 <= head.row or not any(c0 <= c <= c1 for c in head.columns):
            continue
        r0, r1 = max(r0, start), min(r1, last)
        c1 = min(c1, max(head.columns))
        if r0 > r1:
            continue
        c = next(c for c in sorted(head.columns) if c0 <= c <= c1)
        areas.append((r0, c0, r1, c1))
        merge_errors.setdefault(r0, []).append((c0, c, f"{column_letter(c0)}{r0 + 1}:{column_letter(c1)}{r1 + 1}"))
    in_merge = _Merges(areas)

    def merge_error(r0: int, c0: int, c: int, area: str, value: Any) -> None:
        errors.add(CellError(sheet, r0 + 1, column_letter(c), head.written[c], display(value),
                             f"合并了单元格（{area}），合并区域中只有第一格有内容",
                             "请选中该区域，取消“合并后居中”，并在每一行都填上内容（可用Ctrl+D向下填充）", "merged"))

    columns = sorted(head.columns.items())
    plan = [(c, col, converter(col), column_letter(c), head.written[c]) for c, col in columns]
    indexes = [c for c, _col in columns]
    n_columns, widest = len(indexes), max(indexes, default=0)
    invisible = _INVISIBLE_RE.search
    take = operator.itemgetter(*indexes) if n_columns > 1 else lambda row: (row[indexes[0]],)  # a row wide enough
    all_keys = [col.key for col in ledger.columns]
    identity_set = set(ledger.identity)
    first_identity = ledger.column(ledger.identity[0])
    id_col_index = {col.key: c for c, col in columns}
    seen: dict[int, int] = {}  # hash of a duplicate key -> the Excel row it was first seen on
    ask = existing if callable(existing) else None
    known = frozenset() if ask else existing
    pending: list[tuple[tuple, int, int, str]] = []  # (key, Excel row, column, shown) waiting for `ask`

    def resolve() -> None:
        found = set(ask([k for k, *_ in pending])) if pending else set()
        for key, excel_row, c, shown in pending:
            if key in found:
                errors.add(CellError(sheet, excel_row, column_letter(c), head.written[c], shown,
                                     f"与此前已导入的{ledger.title}重复（{ledger.identity_headers}相同）",
                                     "已导入过的记录不要重复上传：请删除该行", "duplicate_existing"))
        pending.clear()

    total = max(table.extent - start, 0)
    reported_done = -1
    if progress:
        progress(0, total)
        reported_done = 0
    rows = table.open_rows()
    try:
        for i, raw_row in rows:
            if i < start:
                continue
            if progress and (i - start + 1) // PROGRESS_EVERY > reported_done // PROGRESS_EVERY:
                reported_done = (i - start + 1) // PROGRESS_EVERY * PROGRESS_EVERY
                progress(reported_done, total)
            width = len(raw_row)
            for c in formulas_by_row.pop(i, ()):
                formula_error(i, c, raw_row[c] if c < width else "")
            for c0, c, area in merge_errors.pop(i, ()):
                merge_error(i, c0, c, area, raw_row[c0] if c0 < width else "")
            excel_row = i + 1
            # clean strings once; converters get them stripped of spaces and zero-width characters
            values = [(v.strip() if v.isascii() or not invisible(v) else _clean(v)) if type(v) is str else v for v in
                      (take(raw_row) if width > widest else [raw_row[c] if c < width else None for c in indexes])]
            if values.count(None) + values.count("") == n_columns:
                continue
            result.total_rows += 1
            out = dict.fromkeys(all_keys)  # columns in the ledger's order; absent ones stay None
            bad: set[str] = set()
            for v, (c, col, conv, letter, written) in zip(values, plan):
                if reported and (i, c) in reported:
                    continue
                if v is None or v == "":
                    out[col.key] = None
                    if col.required and (i, c) not in in_merge:
                        bad.add(col.key)
                        errors.add(CellError(sheet, excel_row, letter, written, "", "必填项为空",
                                             f"请填写{col.header}（{col.hint}）", "required"))
                    continue
                try:
                    out[col.key] = conv(v)
                except _Problem as p:
                    out[col.key] = None
                    bad.add(col.key)
                    errors.add(CellError(sheet, excel_row, letter, written, display(v), p.problem, p.fix, p.code))
            for check in ledger.checks:
                for key, problem, fix in check(out):
                    if key in bad or key not in id_col_index:
                        continue
                    c = id_col_index[key]
                    errors.add(CellError(sheet, excel_row, column_letter(c), head.written[c],
                                         display(raw_row[c] if c < width else None), problem, fix, "cross_check"))
                    bad.add(key)
            key = ledger.row_key(out) if dedupe and not (bad & identity_set) else None
            if key is not None:
                c = id_col_index[first_identity.key]
                # A valid ID number (it passed its check) is somebody's: shown masked, like on every other page;
                # the row numbers say which rows to compare.
                shown = (mask_resident_id(display(raw_row[c])) if first_identity.type == ColumnType.RESIDENT_ID
                         else display(raw_row[c]))
                h = hash(key)
                if h in seen:
                    errors.add(CellError(sheet, excel_row, column_letter(c), head.written[c], shown,
                                         f"与第{seen[h]}行重复（{ledger.identity_headers}相同）",
                                         "同一条记录只填一行：请删除重复行或核对号码", "duplicate"))
                else:
                    seen[h] = excel_row
                    if ask:
                        pending.append((key, excel_row, c, shown))
                        if len(pending) >= EXISTING_BATCH:
                            resolve()
                    elif key in known:
                        errors.add(CellError(sheet, excel_row, column_letter(c), head.written[c], shown,
                                             f"与此前已导入的{ledger.title}重复（{ledger.identity_headers}相同）",
                                             "已导入过的记录不要重复上传：请删除该行", "duplicate_existing"))
            yield excel_row, out
    finally:
        close = getattr(rows, "close", None)
        if close:
            close()
    if ask:
        resolve()
    # Formula cells and merged areas whose row holds no value at all: said with an empty value.
    for r, cs in sorted(formulas_by_row.items()):
        for c in cs:
            formula_error(r, c, "")
    for r0, found in sorted(merge_errors.items()):
        for c0, c, area in found:
            merge_error(r0, c0, c, area, "")
    if progress and reported_done != total:
        progress(total, total)
    if result.total_rows == 0 and not result.errors:
        errors.add(CellError(sheet, None, None, None, "", f"表头（第{head.row + 1}行）下面没有数据",
                             "请在表头下方逐行填写数据后再上传", "no_rows"))
