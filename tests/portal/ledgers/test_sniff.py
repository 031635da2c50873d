"""Hostile and wrong files are refused before any parser sees them, with a message a clerk can act on."""
from __future__ import annotations

import io
import zipfile

import pytest

from tests.portal.ledgers.ledger_builders import FIXTURES, good_row, patch_central_directory, rezip, xlsx

from portal.ledgers.excel import RefusedFile, read_ledger, sniff_upload

GOOD = xlsx([good_row()])


def refused(data: bytes, filename: str, **kw) -> RefusedFile:
    with pytest.raises(RefusedFile) as info:
        sniff_upload(data, filename, **kw)
    # the same file through the whole import: refused, nothing accepted, the message kept
    result = read_ledger(data, filename, "delivered_workers", **kw)
    assert result.refused and not result.ok
    assert result.rows == [] and result.total_rows == 0
    assert result.errors[0].code == info.value.code
    assert info.value.message.split(" / ")[0] in result.summary
    return info.value


def test_good_files_pass_and_report_their_real_format():
    assert sniff_upload(GOOD, "台账.xlsx") == "xlsx"
    assert sniff_upload((FIXTURES / "delivered_good.xls").read_bytes(), "台账.xls") == "xls"
    assert sniff_upload("姓名,身份证号\r\n".encode("gbk"), "台账.csv") == "csv"
    # a workbook whose extension was changed by hand is judged by its content
    assert sniff_upload(GOOD, "台账.xls") == "xlsx"
    assert sniff_upload((FIXTURES / "delivered_good.xls").read_bytes(), "台账.xlsx") == "xls"


@pytest.mark.parametrize("data", [b"", b"   \r\n", b"\xef\xbb\xbf"])
def test_empty_file(data):
    e = refused(data, "台账.xlsx")
    assert e.code == "empty" and "文件是空的" in e.message


def test_oversized_file_names_size_and_limit():
    e = refused(GOOD, "台账.xlsx", max_bytes=1024)
    assert e.code == "too_large"
    assert "超过上限" in e.message and "MB" in e.message


def test_default_limit_is_20_mb():
    e = refused(b"a,b\n" * (6 * 1024 * 1024), "台账.csv")
    assert e.code == "too_large" and "上限20 MB" in e.message


def test_zip_bomb_by_ratio_is_refused_without_extracting():
    bomb = rezip(GOOD, replace={"xl/worksheets/sheet1.xml": b"\0" * (30 * 1024 * 1024)})
    assert len(bomb) < 200 * 1024  # 30 MB of zeros deflates to ~30 KB
    e = refused(bomb, "台账.xlsx")
    assert e.code == "zip_bomb" and "压缩炸弹" in e.message and "xl/worksheets/sheet1.xml" in e.message


def test_zip_bomb_by_declared_size():
    # The central directory claims 4 GB: refused from the declaration alone (nothing is inflated,
    # which would otherwise fail on the size/CRC mismatch).
    lying = patch_central_directory(GOOD, "xl/worksheets/sheet1.xml", file_size=0xFFFF0000)
    e = refused(lying, "台账.xlsx")
    assert e.code == "zip_bomb"


def test_too_many_zip_members():
    many = rezip(GOOD, add={f"xl/media/{i}.txt": b"" for i in range(5001)})
    assert refused(many, "台账.xlsx").code == "zip_bomb"


def test_macro_enabled_by_extension():
    e = refused(GOOD, "台账.xlsm")
    assert e.code == "macro" and "宏" in e.message


def test_macro_by_vba_project_inside_an_xlsx():
    with_vba = rezip(GOOD, add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0fake"})
    e = refused(with_vba, "台账.xlsx")
    assert e.code == "macro" and "宏" in e.message and "另存为" in e.message


def test_macro_by_content_type():
    ct = zipfile.ZipFile(io.BytesIO(GOOD)).read("[Content_Types].xml").replace(
        b"spreadsheetml.sheet.main+xml", b"sheet.macroEnabled.main+xml")
    assert b"macroEnabled" in ct
    e = refused(rezip(GOOD, replace={"[Content_Types].xml": ct}), "台账.xlsx")
    assert e.code == "macro"


def test_excel4_macro_sheet_inside_xlsx():
    assert refused(rezip(GOOD, add={"xl/macrosheets/sheet1.xml": b"<x/>"}), "台账.xlsx").code == "macro"


def test_macro_in_xls_vba_storage():
    e = refused((FIXTURES / "delivered_macro.xls").read_bytes(), "台账.xls")
    assert e.code == "macro" and "宏" in e.message


def test_word_document_named_xls():
    e = refused((FIXTURES / "word_renamed.xls").read_bytes(), "台账.xls")
    assert e.code == "not_xls" and "Word" in e.message


def test_damaged_ole_file():
    good = (FIXTURES / "delivered_good.xls").read_bytes()
    assert refused(good[:700], "台账.xls").code == "corrupt"


@pytest.mark.parametrize("ext", [".xlsx", ".xls"])
def test_html_renamed_as_excel(ext):
    html = "<html><head><meta charset='utf-8'></head><body><table><tr><td>姓名</td></tr></table></body></html>"
    e = refused(html.encode(), "导出" + ext)
    assert e.code == "html_renamed"
    assert "网页（HTML）" in e.message and "另存为" in e.message and ext in e.message


def test_html_table_without_html_tag():
    assert refused(b"\r\n  <table border=1><tr><td>1</td></tr></table>", "x.xls").code == "html_renamed"


def test_excel_2003_xml_spreadsheet_renamed():
    xml = (b'<?xml version="1.0"?><?mso-application progid="Excel.Sheet"?>'
           b'<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"></Workbook>')
    e = refused(xml, "台账.xls")
    assert e.code == "xml_spreadsheet" and "XML电子表格2003" in e.message


def test_csv_text_named_xls():
    e = refused("姓名,身份证号\r\n张三,11010519491231002X\r\n".encode(), "台账.xls")
    assert e.code == "text_renamed" and "改为.csv" in e.message


def test_html_named_csv():
    assert refused(b"<!DOCTYPE html><html></html>", "a.csv").code == "html_renamed"


@pytest.mark.parametrize("head,what", [(b"%PDF-1.7\n", "PDF"), (b"\x89PNG\r\n\x1a\n", "PNG"),
                                       (b"Rar!\x1a\x07\x00", "RAR")])
def test_other_binary_named_xlsx(head, what):
    e = refused(head + b"\x00" * 100, "台账.xlsx")
    assert e.code == "not_spreadsheet" and what in e.message


def test_binary_named_csv():
    assert refused(b"ab\x00\x01\x02" * 10, "台账.csv").code == "not_spreadsheet"


def test_word_document_zip_named_xlsx():
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    e = refused(docx.getvalue(), "台账.xlsx")
    assert e.code == "not_xlsx" and "Word" in e.message


def test_plain_zip_named_xlsx():
    z = io.BytesIO()
    with zipfile.ZipFile(z, "w") as zz:
        zz.writestr("readme.txt", "hello")
    assert refused(z.getvalue(), "台账.xlsx").code == "not_xlsx"


def test_truncated_xlsx_is_corrupt():
    e = refused(GOOD[: len(GOOD) // 2], "台账.xlsx")
    assert e.code == "corrupt" and "损坏" in e.message


def test_encrypted_xlsx_real_excel_encryption():
    data = (FIXTURES / "delivered_encrypted.xlsx").read_bytes()
    assert data.startswith(b"\xd0\xcf\x11\xe0")  # Excel wraps an encrypted .xlsx in OLE2
    e = refused(data, "台账.xlsx")
    assert e.code == "encrypted" and "密码" in e.message


def test_encrypted_xls_filepass_record():
    e = refused((FIXTURES / "delivered_encrypted.xls").read_bytes(), "台账.xls")
    assert e.code == "encrypted" and "密码" in e.message


def test_zip_entry_with_encryption_flag():
    flagged = patch_central_directory(GOOD, "xl/workbook.xml", flag_bits=0x1)
    assert refused(flagged, "台账.xlsx").code == "encrypted"


@pytest.mark.parametrize("name", ["台账.txt", "台账.docx", "台账", "台账.xlsb"])
def test_unsupported_extensions(name):
    e = refused(GOOD, name)
    assert e.code in ("extension", "macro")
    if name.endswith(".xlsb"):
        assert ".xlsb" in e.message
    else:
        assert ".xlsx" in e.message and ".csv" in e.message


def test_refusal_message_has_chinese_then_english():
    e = refused(b"", "a.xlsx")
    zh, en = e.message.split(" / ")
    assert "空" in zh and "empty" in en
