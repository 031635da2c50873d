"""The blank .xlsx template operators download for each ledger type.

Row 1 is a title with short instructions, row 2 the Chinese headers (``*`` marks a required
column; the reader ignores the star), data from row 3. ID, credit-code and phone columns are
formatted as text so that Excel cannot turn an 18-digit ID into 1.10105E+17; enumerations and
是/否 columns get drop-down lists, dates and counts get validation. A second sheet explains every
column. Pure: no Flask, no database; the caller passes its ``gettext`` as ``_`` for the reader's
language (the headers, aliases and choices stay Chinese: an upload is read by them).
"""
from __future__ import annotations

import io

import xlsxwriter

from .excel import DEFAULT_MAX_BYTES, DEFAULT_MAX_ROWS, MAX_XLS_BYTES, MAX_XLS_CELLS, MB
from .ledger_types import TYPE_HINTS, Column, ColumnType, LedgerType, get_ledger_type

TEMPLATE_ROWS = 100_000  # rows covered by formats and validation (the reader's limit is 200,000)
HEADER_ROW = 1  # 0-based: the header is Excel row 2
_TEXT_TYPES = (ColumnType.TEXT, ColumnType.RESIDENT_ID, ColumnType.CREDIT_CODE, ColumnType.PHONE,
               ColumnType.ENUM, ColumnType.BOOL)


def _same(text: str, **values) -> str:
    """The Chinese source itself, when no translation is asked for."""
    return text % values if values else text


def template_filename(ledger_type: str | LedgerType) -> str:
    return f"{get_ledger_type(ledger_type).title}模板.xlsx"


def build_template(ledger_type: str | LedgerType, _=_same) -> bytes:
    ledger = get_ledger_type(ledger_type)
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False,
                                   "strings_to_numbers": False})
    wb.set_properties({"title": f"{ledger.title}模板", "subject": ledger.key, "comments": "kaohe ledger template"})
    ws = wb.add_worksheet(_(ledger.title)[:31])
    text = wb.add_format({"num_format": "@"})
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    month = wb.add_format({"num_format": "yyyy-mm"})
    number = wb.add_format({"num_format": "0"})
    decimal = wb.add_format({"num_format": "0.00"})
    title = wb.add_format({"bold": True, "font_size": 12, "text_wrap": True, "valign": "vcenter"})
    head_required = wb.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1, "align": "center",
                                   "valign": "vcenter", "text_wrap": True})
    head_optional = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "align": "center",
                                   "valign": "vcenter", "text_wrap": True})

    last_col = len(ledger.columns) - 1
    first, last = HEADER_ROW + 1, HEADER_ROW + TEMPLATE_ROWS
    ws.merge_range(0, 0, 0, last_col,
                   _("%(title)s（带*为必填；请从第3行起每行填写一条记录，不要合并单元格、不要使用公式；"
                     "身份证号、信用代码、电话列已设为文本格式，请勿改动；详见“填写说明”工作表）", title=_(ledger.title)),
                   title)
    ws.set_row(0, 42)
    ws.set_row(HEADER_ROW, 30)
    for c, col in enumerate(ledger.columns):
        label = f"*{col.header}" if col.required else col.header
        ws.write_string(HEADER_ROW, c, label, head_required if col.required else head_optional)
        fmt = {ColumnType.DATE: date, ColumnType.MONTH: month, ColumnType.INT: number,
               ColumnType.DECIMAL: decimal}.get(col.type, text if col.type in _TEXT_TYPES else None)
        ws.set_column(c, c, col.width, fmt)
        validation = _validation(col, _)
        if validation:
            ws.data_validation(first, c, last, c, validation)
        if col.note:
            ws.write_comment(HEADER_ROW, c, _(col.note), {"x_scale": 2, "y_scale": 1.2})
    ws.freeze_panes(HEADER_ROW + 1, 0)
    ws.autofilter(HEADER_ROW, 0, HEADER_ROW, last_col)

    _instructions(wb, ledger, _)
    wb.close()
    return buf.getvalue()


def _hint(col: Column, _=_same) -> str:
    if col.type is ColumnType.ENUM:
        return _("从下拉列表中选择：%(choices)s", choices="、".join(col.choices))
    return _(TYPE_HINTS[col.type])


def _validation(col: Column, _=_same) -> dict | None:
    common = {"ignore_blank": True, "error_title": col.header, "error_type": "stop"}
    if col.type is ColumnType.ENUM:
        return {**common, "validate": "list", "source": list(col.choices),
                "error_message": _("请从下拉列表中选择：%(choices)s", choices="、".join(col.choices))}
    if col.type is ColumnType.BOOL:
        return {**common, "validate": "list", "source": ["是", "否"], "error_message": _("请选择“是”或“否”")}
    if col.type in (ColumnType.DATE, ColumnType.MONTH):
        from datetime import date
        return {**common, "validate": "date", "criteria": "between",
                "minimum": date(1900, 1, 1), "maximum": date(2099, 12, 31),
                "input_title": col.header, "input_message": _("日期格式：2024-03-05") if col.type is ColumnType.DATE
                else _("年月：输入 2024-03-01 即可"),
                "error_message": _("请填写日期，如 2024-03-05")}
    if col.type is ColumnType.INT:
        return {**common, "validate": "integer", "criteria": "between",
                "minimum": col.min_value if col.min_value is not None else -2**31,
                "maximum": col.max_value if col.max_value is not None else 2**31 - 1,
                "error_message": _("请填写整数")}
    if col.type is ColumnType.DECIMAL:
        return {**common, "validate": "decimal", "criteria": "between",
                "minimum": col.min_value if col.min_value is not None else -1e12,
                "maximum": col.max_value if col.max_value is not None else 1e12,
                "error_message": _("请填写数字")}
    if col.type is ColumnType.RESIDENT_ID:
        return {**common, "validate": "length", "criteria": "==", "value": 18,
                "input_title": col.header, "input_message": _("18位，末位X用大写"),
                "error_message": _("身份证号应为18位")}
    if col.type is ColumnType.CREDIT_CODE:
        return {**common, "validate": "length", "criteria": "==", "value": 18,
                "error_message": _("统一社会信用代码应为18位")}
    return None


def upload_limits(_=_same) -> str:
    """The limits of one upload, as the instructions sheet states them (the reader's refusals say the same)."""
    return _("单次上传最多%(rows)s行数据，文件不超过%(mb)s MB；旧版Excel文件（.xls）最多%(cells)s万个单元格（约%(xls_rows)s行）、"
             "不超过%(xls_mb)s MB，更多的数据请保存为.xlsx，或分成几个文件上传。",
             rows=f"{DEFAULT_MAX_ROWS:,}", mb=DEFAULT_MAX_BYTES // MB, cells=MAX_XLS_CELLS // 10000,
             xls_rows=f"{MAX_XLS_CELLS // 10:,}", xls_mb=MAX_XLS_BYTES // MB)


def _instructions(wb: xlsxwriter.Workbook, ledger: LedgerType, _=_same) -> None:
    ws = wb.add_worksheet(_("填写说明"))
    bold = wb.add_format({"bold": True, "border": 1, "bg_color": "#EDEDED"})
    wrap = wb.add_format({"text_wrap": True, "valign": "top", "border": 1})
    ws.write_string(0, 0, _("%(title)s填写说明", title=_(ledger.title)), wb.add_format({"bold": True, "font_size": 13}))
    ws.write_string(1, 0, _(ledger.description))
    ws.write_string(2, 0, _("同一%(columns)s只能出现一次（含此前已上传的台账）。"
                            "上传时整份文件逐行检查，有任何错误则整份不接收，并给出错误清单。", columns=ledger.identity_headers))
    ws.write_string(3, 0, upload_limits(_))
    for c, h in enumerate((_("列名"), _("是否必填"), _("填写要求"), _("也可写作"), _("说明"))):
        ws.write_string(4, c, h, bold)
    for r, col in enumerate(ledger.columns, start=5):
        ws.write_string(r, 0, col.header, wrap)
        ws.write_string(r, 1, _("必填") if col.required else _("选填"), wrap)
        ws.write_string(r, 2, _hint(col, _), wrap)
        ws.write_string(r, 3, "、".join(col.aliases), wrap)
        ws.write_string(r, 4, _(col.note) if col.note else "", wrap)
    for c, width in enumerate((22, 9, 40, 36, 40)):
        ws.set_column(c, c, width)
