"""The downloadable templates, and the ledger definitions they are written from."""
from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from portal.ledgers.excel import read_ledger
from portal.ledgers.ledger_types import (
    LEDGER_TYPES, Column, ColumnType, LedgerType, get_ledger_type, normalise_header,
)
from portal.ledgers.template import build_template, template_filename


def _load(key: str):
    return openpyxl.load_workbook(io.BytesIO(build_template(key)))


@pytest.mark.parametrize("key", list(LEDGER_TYPES))
def test_template_headers_title_frozen_and_instructions(key):
    ledger = LEDGER_TYPES[key]
    wb = _load(key)
    ws = wb.worksheets[0]
    assert wb.sheetnames == [ledger.title, "填写说明"]
    assert ledger.title in ws["A1"].value and "必填" in ws["A1"].value
    headers = [c.value for c in ws[2]]
    assert [h.lstrip("*") for h in headers] == [c.header for c in ledger.columns]
    assert [h.startswith("*") for h in headers] == [c.required for c in ledger.columns]
    assert ws.freeze_panes == "A3"
    notes = [r[0].value for r in wb["填写说明"].iter_rows(min_row=6)]
    assert notes == [c.header for c in ledger.columns]


@pytest.mark.parametrize("key", list(LEDGER_TYPES))
def test_template_formats_and_validation(key):
    ledger = LEDGER_TYPES[key]
    ws = _load(key).worksheets[0]
    from openpyxl.utils import get_column_letter

    validations = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            validations[get_column_letter(rng.min_col)] = (dv.type, dv.formula1, rng.min_row)
    formats = {}
    for letter, dim in ws.column_dimensions.items():
        for i in range(dim.min, dim.max + 1):
            formats[get_column_letter(i)] = dim.number_format
    for i, col in enumerate(ledger.columns, start=1):
        letter = get_column_letter(i)
        if col.type in (ColumnType.RESIDENT_ID, ColumnType.CREDIT_CODE, ColumnType.PHONE):
            assert formats[letter] == "@", (col.header, formats.get(letter))
        if col.type is ColumnType.DATE:
            assert formats[letter] == "yyyy-mm-dd" and validations[letter][0] == "date"
        if col.type is ColumnType.BOOL:
            assert validations[letter][:2] == ("list", '"是,否"')
        if col.type is ColumnType.ENUM:
            assert validations[letter] == ("list", '"' + ",".join(col.choices) + '"', 3)
        if col.type is ColumnType.INT:
            assert validations[letter][0] == "whole"


@pytest.mark.parametrize("key", list(LEDGER_TYPES))
def test_blank_template_reads_back_as_header_without_rows(key):
    r = read_ledger(build_template(key), template_filename(key), key)
    assert r.header_row == 2 and [e.code for e in r.errors] == ["no_rows"]


def test_filled_template_is_accepted():
    wb = _load("delivered_workers")
    ws = wb.worksheets[0]
    ws.append(["张三", "11010519491231002X", "女", "13812345678", "贵州省黔西市", "温州龙湾某鞋业有限公司",
               "91350100M000100Y43", "普工", dt.datetime(2024, 3, 5), "是", dt.datetime(2024, 3, 1), "否",
               "否", None, "首批"])
    buf = io.BytesIO()
    wb.save(buf)
    r = read_ledger(buf.getvalue(), "输送劳动力台账模板.xlsx", "delivered_workers")
    assert r.ok, [e.as_text() for e in r.errors]
    assert r.row_numbers == [3]
    assert r.rows[0]["social_insurance_start"] == dt.date(2024, 3, 1) and r.rows[0]["remarks"] == "首批"


def test_template_filename():
    assert template_filename("enterprises") == "企业信息台账模板.xlsx"


# --- definitions --------------------------------------------------------------------------

def test_ledger_types_cover_the_five_ledgers():
    assert set(LEDGER_TYPES) == {"delivered_workers", "job_postings", "enterprises", "entrepreneurs", "assistance"}
    assert LEDGER_TYPES["assistance"].column("career_guidance").required
    for ledger in LEDGER_TYPES.values():
        assert ledger.identity and all(ledger.column(k).required for k in ledger.identity)


def test_delivered_workers_has_what_seed_001_counts():
    cols = {c.key: c for c in LEDGER_TYPES["delivered_workers"].columns}
    for key in ("resident_id", "household_registration", "hire_date", "social_insurance_start", "dispatched",
                "contract_signed"):
        assert key in cols
    assert cols["dispatched"].type is ColumnType.BOOL and cols["social_insurance_start"].type is ColumnType.MONTH


@pytest.mark.parametrize("written,expected", [
    (" ＊身份证号 ", "身份证号"), ("入职日期\n（yyyy-mm-dd）", "入职日期"), ("身 份 证 号", "身份证号"),
    ("月薪下限(元)", "月薪下限"), ("是否签订劳动合同：", "是否签订劳动合同"), (None, ""), ("ABC", "abc"),
])
def test_normalise_header(written, expected):
    assert normalise_header(written) == expected


def test_header_collisions_are_caught_when_a_type_is_defined():
    with pytest.raises(ValueError, match="header"):
        LedgerType("x", "x", (Column("a", "姓名"), Column("b", "名字", aliases=("姓 名",))), identity=("a",))
    with pytest.raises(ValueError, match="identity"):
        LedgerType("x", "x", (Column("a", "姓名"),), identity=("b",))


def test_row_key_normalises_and_needs_every_part():
    jobs = get_ledger_type("job_postings")
    assert jobs.row_key({"enterprise_name": "某 公司", "job_title": "普工", "published_on": dt.date(2024, 3, 5)}) == (
        "某公司", "普工", dt.date(2024, 3, 5))
    assert jobs.row_key({"enterprise_name": "某公司", "job_title": None, "published_on": None}) is None
    with pytest.raises(KeyError, match="known"):
        get_ledger_type("attendance")
