"""Reading and validating ledgers: every row checked, errors located as the clerk sees them in Excel."""
from __future__ import annotations

import ast
import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
import python_calamine

from tests.portal.ledgers.ledger_builders import (
    CREDIT, DELIVERED_HEADERS, FIXTURES, ID_F, ID_F2, ID_M, csv_bytes, good_row, xlsx,
)

from portal.ledgers import excel
from portal.ledgers.excel import ERROR_HEADERS, column_letter, read_ledger
from portal.ledgers.ledger_types import DELIVERED_WORKERS

MARCH_5 = dt.date(2024, 3, 5)


def read(data: bytes, name: str = "台账.xlsx", ledger: str = "delivered_workers", **kw):
    return read_ledger(data, name, ledger, **kw)


def only_error(result):
    assert not result.ok and result.rows == [], result.errors
    assert len(result.errors) == 1, [e.as_text() for e in result.errors]
    return result.errors[0]


# --- good files in every format -----------------------------------------------------------------

def test_good_xlsx_normalised_values():
    r = read(xlsx([good_row(), good_row(姓名=" 李四 ", 身份证号=ID_M, 性别="男", 是否签订劳动合同="否",
                                       手机号=13912345678)]))
    assert r.ok, [e.as_text() for e in r.errors]
    assert r.file_format == "xlsx" and r.header_row == 1 and r.row_numbers == [2, 3]
    first, second = r.rows
    assert first["resident_id"] == ID_F and first["hire_date"] == MARCH_5
    assert first["contract_signed"] is True and first["dispatched"] is False
    assert first["social_insurance_start"] == dt.date(2024, 3, 1)
    assert first["employer_credit_code"] is None  # optional column absent from the file
    assert list(first) == [c.key for c in DELIVERED_WORKERS.columns]
    assert second["name"] == "李四" and second["phone"] == "13912345678" and second["contract_signed"] is False
    assert "全部通过" in r.summary


def test_good_real_xls_binary_biff8():
    data = (FIXTURES / "delivered_good.xls").read_bytes()
    assert data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    r = read(data, "台账.xls")
    assert r.ok, [e.as_text() for e in r.errors]
    assert r.file_format == "xls" and r.header_row == 2  # a title row above the header
    assert r.row_numbers == [3, 4, 5]
    assert [row["hire_date"] for row in r.rows] == [MARCH_5, dt.date(2024, 3, 6), dt.date(2024, 3, 7)]
    assert r.rows[1]["phone"] == "13912345678"  # a number cell: 11 digits survive as a number
    assert r.rows[1]["social_insurance_start"] == dt.date(2024, 4, 1)
    assert r.rows[2]["sex"] is None and r.rows[2]["dispatched"] is True


def test_gbk_csv_fixture():
    r = read((FIXTURES / "delivered_gbk.csv").read_bytes(), "台账.csv")
    assert r.ok, [e.as_text() for e in r.errors]
    assert r.encoding == "GB18030" and r.rows[0]["name"] == "张三"
    assert [row["hire_date"] for row in r.rows] == [MARCH_5, dt.date(2024, 3, 6)]


@pytest.mark.parametrize("encoding,bom,label", [
    ("utf-8", False, "UTF-8"), ("utf-8", True, "UTF-8"), ("gbk", False, "GB18030"),
    ("utf-16", False, "UTF-16"),
])
def test_csv_encodings_detected(encoding, bom, label):
    r = read(csv_bytes([good_row(户籍地="广西壮族自治区凭祥市")], encoding=encoding, bom=bom), "台账.csv")
    assert r.ok, [e.as_text() for e in r.errors]
    assert r.encoding == label
    assert r.rows[0]["household_registration"] == "广西壮族自治区凭祥市"
    assert r.rows[0]["name"] == "张三"  # the BOM did not stick to the first header


def test_gb18030_only_character_in_a_name():
    # 䶮 (U+4DAE) exists in GB18030 but not in GBK.
    r = read(csv_bytes([good_row(姓名="刘䶮")], encoding="gb18030"), "台账.csv")
    assert r.ok and r.rows[0]["name"] == "刘䶮"


def test_tab_separated_csv():
    r = read(csv_bytes([good_row()], delimiter="\t"), "台账.csv")
    assert r.ok and r.rows[0]["resident_id"] == ID_F


def test_csv_equals_quote_trick_keeps_text():
    r = read(csv_bytes([good_row(身份证号=f'="{ID_F}"')]), "台账.csv")
    assert r.ok and r.rows[0]["resident_id"] == ID_F


# --- dates ------------------------------------------------------------------------------------

@pytest.mark.parametrize("cell", [
    "2024-03-05", "2024/3/5", "2024.3.5", "2024年3月5日", "2024-3-5", "20240305", "２０２４－０３－０５",
    "2024年03月05日", " 2024/03/05 ", "2024-03-05 00:00:00", 45356, 45356.0, 20240305,
    dt.date(2024, 3, 5), dt.datetime(2024, 3, 5, 8, 30),
])
def test_every_date_style_in_xlsx(cell):
    r = read(xlsx([good_row(入职日期=cell)]))
    assert r.ok, [e.as_text() for e in r.errors]
    assert r.rows[0]["hire_date"] == MARCH_5


@pytest.mark.parametrize("cell", ["2024-03-05", "2024/3/5", "2024.3.5", "2024年3月5日"])
def test_every_date_style_in_gbk_csv(cell):
    r = read(csv_bytes([good_row(入职日期=cell)], encoding="gbk"), "台账.csv")
    assert r.ok and r.rows[0]["hire_date"] == MARCH_5


@pytest.mark.parametrize("cell,problem", [
    ("2024-02-30", "不存在"), ("3/5/2024", "歧义"), ("24-3-5", "歧义"), ("下周一", "不是能识别的日期"),
    ("1800-01-01", "年份1800不合理"), (12.5, "不是有效日期"),
])
def test_bad_dates(cell, problem):
    e = only_error(read(xlsx([good_row(入职日期=cell)])))
    assert (e.row, e.column, e.header) == (2, "G", "入职日期")
    assert problem in e.problem and e.fix


@pytest.mark.parametrize("cell", ["2024-03", "2024/3", "2024.3", "2024年3月", "202403", 202403, "2024-03-17",
                                  dt.date(2024, 3, 1)])
def test_month_styles(cell):
    r = read(xlsx([good_row(社保起缴月份=cell)]))
    assert r.ok, [e.as_text() for e in r.errors]
    assert r.rows[0]["social_insurance_start"] == dt.date(2024, 3, 1)


# --- identifiers ------------------------------------------------------------------------------

@pytest.mark.parametrize("cell", [1.10105194912310E+17, 110105194912310000, 520581199003071000])
def test_id_that_excel_turned_into_a_number(cell):
    e = only_error(read(xlsx([good_row(身份证号=cell)])))
    assert e.code == "id_as_number" and (e.row, e.column) == (2, "B")
    assert "存成了数字" in e.problem and "15位" in e.problem
    assert "文本" in e.fix and "单引号" in e.fix and "重新录入" in e.fix
    assert e.value == str(int(cell))  # shown as Excel shows it, zeros visible


@pytest.mark.parametrize("cell", ["1.10105E+17", "1.10105194912310E+17", "１．１０１０５Ｅ＋１７"])
def test_id_in_scientific_notation_text_csv(cell):
    e = only_error(read(csv_bytes([good_row(身份证号=cell)]), "台账.csv"))
    assert e.code == "id_as_number" and "单引号" in e.fix


def test_id_text_ending_000_with_wrong_check_digit_gets_the_excel_hint():
    e = only_error(read(xlsx([good_row(身份证号="110105194912310000")])))
    assert e.code == "id_as_number" and "校验码" in e.problem and "末尾为000" in e.problem


def test_id_in_old_xls_as_number_fixture():
    e = only_error(read((FIXTURES / "delivered_id_number.xls").read_bytes(), "台账.xls"))
    assert e.code == "id_as_number" and (e.row, e.column, e.header) == (3, "B", "身份证号")


@pytest.mark.parametrize("cell,problem", [
    ("110105194912310021", "校验码错误（末位应为X）"),
    ("11010519491231002", "应为18位"),
    ("110105194902300021", "出生日期19490230不存在"),
])
def test_resident_id_checks(cell, problem):
    e = only_error(read(xlsx([good_row(身份证号=cell)])))
    assert problem in e.problem and e.code == "resident_id"


def test_resident_id_full_width_and_lower_x_normalised():
    r = read(xlsx([good_row(身份证号="１１０１０５１９４９１２３１００２ｘ")]))
    assert r.ok and r.rows[0]["resident_id"] == ID_F


def test_resident_id_born_in_the_future():
    from rules.identifiers import resident_id_check_char
    first17 = f"52058120{(dt.date.today().year + 1) % 100:02d}0101123"
    e = only_error(read(xlsx([good_row(身份证号=first17 + resident_id_check_char(first17), 性别=None)])))
    # the date as the clerk writes it (was 2027-01-01)
    assert e.problem == f"身份证号中的出生日期{dt.date.today().year + 1}年1月1日不合理"


def test_a_leaving_day_before_the_hiring_day_is_said_with_the_hiring_day_in_words():
    headers = DELIVERED_HEADERS + ["离职日期"]
    e = only_error(read(xlsx([good_row() + ["2024-03-04"]], headers=headers)))
    assert (e.header, e.problem) == ("离职日期", "离职日期早于入职日期（2024年3月5日）")  # was （2024-03-05）


def test_credit_code_checked_and_numeric_refused():
    headers = DELIVERED_HEADERS + ["用工单位统一社会信用代码"]
    ok = read(xlsx([good_row() + [CREDIT.lower()]], headers=headers))
    assert ok.ok and ok.rows[0]["employer_credit_code"] == CREDIT
    bad = only_error(read(xlsx([good_row() + [CREDIT[:-1] + "0"]], headers=headers)))
    assert "校验码错误" in bad.problem and bad.column == "K"
    num = only_error(read(xlsx([good_row() + [913301001234567000]], headers=headers)))
    assert num.code == "code_as_number" and "文本" in num.fix


# --- other kinds of value ----------------------------------------------------------------------

def test_required_blank_cell():
    e = only_error(read(xlsx([good_row(用工单位="  ")])))
    assert (e.row, e.column, e.header, e.code) == (2, "F", "用工单位", "required")
    assert e.problem == "必填项为空" and "用工单位" in e.fix


@pytest.mark.parametrize("cell,value", [("是", True), ("否", False), ("Y", True), ("n", False), (True, True),
                                        (1, True), (0, False), (" 是 ", True), ("√", True)])
def test_yes_no(cell, value):
    r = read(xlsx([good_row(是否签订劳动合同=cell)]))
    assert r.ok and r.rows[0]["contract_signed"] is value


def test_yes_no_rejects_other_words():
    e = only_error(read(xlsx([good_row(是否劳务派遣="不清楚")])))
    assert e.code == "bool" and "“是”或“否”" in e.fix


def test_enum_choice_alias_and_error():
    assert read(xlsx([good_row(性别="女性")])).rows[0]["sex"] == "女"
    e = only_error(read(xlsx([good_row(性别="未知")])))
    assert e.code == "enum" and "男、女" in e.fix


def test_sex_must_agree_with_id():
    e = only_error(read(xlsx([good_row(性别="男")])))  # ID_F is a woman's number
    assert e.column == "C" and "与身份证号不一致" in e.problem and "“女”" in e.problem


@pytest.mark.parametrize("cell,value", [("13812345678", "13812345678"), ("138 1234 5678", "13812345678"),
                                        ("138-1234-5678", "13812345678"), ("+86 13812345678", "13812345678"),
                                        (13812345678, "13812345678"), ("0571-88886666", "0571-88886666"),
                                        ("400-123-4567", "400-123-4567")])
def test_phone_normalised(cell, value):
    r = read(xlsx([good_row(手机号=cell)]))
    assert r.ok, [e.as_text() for e in r.errors]
    assert r.rows[0]["phone"] == value


@pytest.mark.parametrize("cell,code", [(571888866, "phone_as_number"), ("1381234567", "phone"),
                                       ("13812345678,13912345678", "phone")])
def test_phone_errors(cell, code):
    assert only_error(read(xlsx([good_row(手机号=cell)]))).code == code


def test_int_and_decimal_columns_of_job_postings():
    headers = ["企业名称", "岗位名称", "招聘人数", "月薪下限（元）", "月薪上限（元）", "工作地点", "发布日期"]
    rows = [["某鞋业有限公司", "普工", "20人", 3500.5, "5,000", "温州", "2024-03-05"],
            ["某鞋业有限公司", "质检", 3.0, "4000", "3800", "温州", "2024-03-05"],
            ["某鞋业有限公司", "仓管", 2.5, "abc", None, "温州", "2024-03-05"],
            ["某鞋业有限公司", "司机", 0, None, None, "温州", "2024-03-05"]]
    r = read(xlsx(rows, headers=headers), ledger="job_postings")
    problems = {(e.row, e.column): e.problem for e in r.errors}
    assert problems == {(3, "D"): "月薪下限大于月薪上限（3800）", (4, "C"): "应为整数", (4, "D"): "不是数字",
                        (5, "C"): "不能小于1"}
    assert r.rows == []
    good = read(xlsx(rows[:1], headers=headers), ledger="job_postings").rows[0]
    assert good["openings"] == 20 and good["salary_min"] == Decimal("3500.5")
    assert good["salary_max"] == Decimal("5000") and isinstance(good["salary_max"], Decimal)


def test_text_too_long():
    e = only_error(read(xlsx([good_row(姓名="张" * 51)])))
    assert e.code == "too_long" and "最多50字" in e.problem


# --- headers --------------------------------------------------------------------------------

def test_header_tolerance_title_row_full_width_spaces_stars_notes_aliases():
    headers = ["序号", " ＊姓名 ", "身份证号码", "性 别", "联系电话", "户籍所在地", "用人单位",
               "入职日期\n(yyyy-mm-dd)", "是否签订劳动合同（是/否）", "参保月份", "*是否劳务派遣"]
    rows = [[1] + good_row(), [2] + [None] * 10, [3] + good_row(身份证号=ID_M, 性别="男")]
    r = read(xlsx(rows, headers=headers, title="2024年第一季度 输送劳动力台账（黔西市）"))
    assert r.ok, [e.as_text() for e in r.errors]
    assert r.header_row == 2 and r.row_numbers == [3, 5]  # the numbered blank row is skipped
    assert r.ignored_columns == ["序号"]
    assert r.rows[1]["resident_id"] == ID_M


def test_two_row_header_with_group_title_and_vertical_merges():
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("251台账")
    ws.merge_range(0, 0, 0, 6, "凭祥市就业帮扶“251”服务台账")
    for c, h in enumerate(["姓名", "身份证号", "人员类别", "登记日期"]):
        ws.merge_range(1, c, 2, c, h)  # merged down over both header rows
    ws.merge_range(1, 4, 1, 6, "帮扶情况（次）")
    ws.write_row(2, 4, ["职业指导", "岗位推荐", "技能培训"])
    ws.write_row(3, 0, ["张三", ID_F, "高校毕业生", "2024-01-02", 2, 5, 1])
    wb.close()
    r = read(buf.getvalue(), ledger="assistance")
    assert r.ok, [e.as_text() for e in r.errors]
    assert r.header_row == 3 and r.row_numbers == [4]
    assert (r.rows[0]["career_guidance"], r.rows[0]["job_recommendations"], r.rows[0]["trainings"]) == (2, 5, 1)


def test_missing_required_column_is_one_error_not_one_per_row():
    from tests.portal.applications.roster_builders import resident_id

    headers = [h for h in DELIVERED_HEADERS if h != "入职日期"]
    rows = [[v for h, v in zip(DELIVERED_HEADERS, good_row(身份证号=resident_id(i, male=False))) if h != "入职日期"]
            for i in range(50)]
    r = read(xlsx(rows, headers=headers))
    e = only_error(r)
    assert e.code == "missing_column" and "缺少必填列“入职日期”" in e.problem and e.row == 1
    assert r.total_rows == 50  # the rows are still counted (and checked), not "共0行"


def test_row_problems_show_together_with_a_missing_column():
    headers = [h for h in DELIVERED_HEADERS if h != "入职日期"]
    rows = [[v for h, v in zip(DELIVERED_HEADERS, good_row(手机号="12345")) if h != "入职日期"]]
    r = read(xlsx(rows, headers=headers))
    assert {e.code for e in r.errors} >= {"missing_column"} and len(r.errors) == 2
    assert any(e.header == "手机号" and e.row == 2 for e in r.errors)


def test_duplicate_header_columns():
    headers = DELIVERED_HEADERS + ["身份证号码"]
    e = only_error(read(xlsx([good_row() + [ID_M]], headers=headers)))
    assert e.code == "duplicate_column" and "B、K" in e.problem


def test_no_header_at_all():
    e = only_error(read(xlsx([["a", "b"], [1, 2]], headers=None)))
    assert e.code == "no_header" and "姓名" in e.fix and e.row is None


def test_header_only_is_an_empty_ledger():
    e = only_error(read(xlsx([])))
    assert e.code == "no_rows" and "没有数据" in e.problem


def test_instructions_and_hidden_sheets_are_skipped():
    r = read(xlsx([good_row()], extra_sheets={"填写说明": [["列名", "说明"], ["姓名", "必填"]]}, hidden_first=True))
    assert r.ok and r.sheet == "台账" and r.rows[0]["name"] == "张三"


def test_merged_cells_over_rows_one_error_per_area():
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("台账")
    ws.merge_range(0, 0, 0, 9, "输送劳动力台账")  # a merged title above the header is fine
    ws.write_row(1, 0, DELIVERED_HEADERS)
    ws.write_row(2, 0, good_row())
    ws.write_row(3, 0, good_row(身份证号=ID_M, 性别="男"))
    ws.write_row(4, 0, good_row(身份证号=ID_F2))
    ws.merge_range(2, 5, 4, 5, "温州龙湾某鞋业有限公司")  # 用工单位 merged over three rows
    wb.close()
    e = only_error(read(buf.getvalue()))
    assert (e.code, e.row, e.column) == ("merged", 3, "F")
    assert "F3:F5" in e.problem and "取消" in e.fix


def test_row_limit_and_stray_far_cell_refused():
    r = read(xlsx([good_row(), good_row(身份证号=ID_M, 性别="男")]), max_rows=1)
    assert r.refused and r.errors[0].code == "too_many_rows" and "上限1行" in r.errors[0].problem
    r = read(_stray_cell_workbook())
    # refused before calamine builds the grid, naming the stray cell so the clerk can delete it
    assert r.refused and r.errors[0].code == "too_many_columns" and "XFD500" in r.errors[0].problem


def test_stray_cell_in_the_last_cell_of_excel_is_refused_before_loading():
    # 1,048,576 x 16,384 cells as a dense grid would exhaust memory: the extent is checked first.
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("台账")
    ws.write_row(0, 0, DELIVERED_HEADERS)
    ws.write_string(1048575, 16383, "x")
    wb.close()
    assert len(buf.getvalue()) < 20_000
    r = read(buf.getvalue())
    assert r.refused and r.errors[0].code == "too_many_rows" and "1048576" in r.errors[0].problem


def test_stray_cell_far_away_in_xls():
    r = read((FIXTURES / "delivered_far_cell.xls").read_bytes(), "台账.xls")
    assert r.refused and r.errors[0].code == "too_many_columns" and "IV60001" in r.errors[0].problem


def _stray_cell_workbook() -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("台账")
    ws.write_row(0, 0, DELIVERED_HEADERS)
    ws.write_row(1, 0, good_row())
    ws.write_string(499, 16383, "x")  # XFD500: the used range becomes 500 x 16384 cells
    wb.close()
    return buf.getvalue()


# --- formulas -------------------------------------------------------------------------------

def test_formula_cell_in_xlsx_refused_with_its_address():
    r = read(xlsx([good_row(), good_row(身份证号=ID_M, 性别="男")], formulas={"E3": '="贵州"&"黔西"'}))
    e = only_error(r)
    assert (e.code, e.row, e.column, e.header) == ("formula", 3, "E", "户籍地")
    assert "公式" in e.problem and "选择性粘贴" in e.fix and "数值" in e.fix


def test_formula_in_a_required_column_is_reported_once():
    e = only_error(read(xlsx([good_row(用工单位=None)], formulas={"F2": '=""'})))
    assert (e.code, e.cell) == ("formula", "F2")


def test_formula_outside_the_ledger_columns_is_refused_too():
    e = only_error(read(xlsx([good_row()], formulas={"M2": "=SUM(1,2)"})))
    assert (e.code, e.column, e.header) == ("formula", "M", None)


def test_formula_in_real_xls():
    e = only_error(read((FIXTURES / "delivered_formula.xls").read_bytes(), "台账.xls"))
    assert (e.code, e.row, e.column, e.header) == ("formula", 4, "E", "户籍地")


def test_formula_text_in_csv():
    e = only_error(read(csv_bytes([good_row(户籍地="=HYPERLINK(\"http://x\")")]), "台账.csv"))
    assert (e.code, e.row, e.column) == ("formula", 2, "E")


# --- duplicates -----------------------------------------------------------------------------

def test_duplicate_within_the_file_points_to_the_first_row():
    rows = [good_row(), good_row(身份证号=ID_M, 性别="男"), good_row(姓名="张三三")]
    e = only_error(read(xlsx(rows)))
    assert (e.code, e.row, e.column) == ("duplicate", 4, "B")
    assert "与第2行重复" in e.problem and "身份证号相同" in e.problem


def test_duplicate_against_earlier_uploads():
    first = read(xlsx([good_row()]))
    assert first.ok
    keys = frozenset(first.keys())
    assert keys == {(ID_F,)}
    again = read(xlsx([good_row(身份证号=ID_M, 性别="男"), good_row()]), existing_keys=keys)
    e = only_error(again)
    assert e.code == "duplicate_existing" and e.row == 3 and "此前已导入" in e.problem


def test_duplicate_key_of_several_columns_normalises_spaces():
    headers = ["企业名称", "岗位名称", "招聘人数", "工作地点", "发布日期"]
    rows = [["某公司", "普工", 5, "温州", "2024-03-05"], ["某 公司", "普工", 3, "温州", "2024/3/5"],
            ["某公司", "普工", 3, "温州", "2024/3/6"]]
    r = read(xlsx(rows, headers=headers), ledger="job_postings")
    e = only_error(r)
    assert e.row == 3 and e.column == "A" and "企业名称、岗位名称、发布日期相同" in e.problem


# --- all-or-nothing, error list, exports, progress -------------------------------------------------

def test_all_or_nothing_one_bad_row_rejects_everything():
    rows = [good_row(身份证号=ID_M, 性别="男"), good_row(身份证号=ID_F2), good_row(入职日期="昨天")]
    r = read(xlsx(rows))
    assert r.total_rows == 3 and r.rows == [] and r.row_numbers == [] and not r.ok
    assert "未接收任何数据" in r.summary and "共3行" in r.summary


def test_every_row_is_checked_and_errors_sorted():
    rows = [good_row(身份证号="1", 入职日期="x"), good_row(身份证号=ID_M, 性别="男", 是否劳务派遣="?")]
    r = read(xlsx(rows))
    assert [(e.row, e.column) for e in r.errors] == [(2, "B"), (2, "G"), (3, "J")]
    assert r.error_count == 3 and not r.truncated


def test_max_errors_truncates_but_counts():
    rows = [good_row(入职日期="x") for _ in range(30)]
    r = read(xlsx(rows), max_errors=10)
    assert len(r.errors) == 10 and r.error_count == 30 + 29  # 30 bad dates, 29 duplicates
    assert r.truncated and "前10处" in r.summary


def test_error_exports_xlsx_and_csv():
    r = read(csv_bytes([good_row(户籍地="=1+1"), good_row(身份证号="1.10105E+17")]), "台账.csv")
    assert not r.ok
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(r.errors_xlsx()))
    table = book.get_sheet_by_index(0).to_python()
    assert tuple(table[2]) == ERROR_HEADERS
    assert [row[1] for row in table[3:]] == [2.0, 3.0]
    assert "公式" in table[3][5] and "存成了数字" in table[4][5]
    raw = r.errors_csv()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert tuple(lines[0]) == ERROR_HEADERS and len(lines) == 3
    assert lines[1][4].startswith("'=")  # a formula in the export would run when opened: escaped


def test_progress_callback_reports_rows_done_of_total():
    calls = []
    rows = [good_row(身份证号=_id(i), 性别=None) for i in range(2500)]
    r = read(xlsx(rows), progress=lambda done, total: calls.append((done, total)))
    assert r.ok, r.errors[:3]
    assert calls[0] == (0, 2500) and calls[-1] == (2500, 2500)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls) and len(calls) >= 3


def test_error_as_text_reads_like_a_sentence():
    e = only_error(read(xlsx([good_row(入职日期="2024-13-01")])))
    assert e.as_text().startswith("第2行 G列（入职日期）“2024-13-01”：日期2024年13月1日不存在。")
    assert e.cell == "G2"


def test_other_ledger_types_read():
    headers = ["企业名称", "统一社会信用代码", "联系人", "电话", "是否签订合作协议", "最近走访日期"]
    r = read(xlsx([["某鞋业有限公司", CREDIT, "王经理", "0577-86001234", "是", "2024.1.9"]], headers=headers),
             ledger="enterprises")
    assert r.ok and r.rows[0]["credit_code"] == CREDIT and r.rows[0]["agreement_signed"] is True
    headers = ["姓名", "身份证号", "人员类别", "登记日期", "职业指导次数", "岗位推荐次数", "技能培训次数"]
    r = read(xlsx([["张三", ID_F, "失业人员", "2024-01-02", 2, "5次", 1]], headers=headers), ledger="assistance")
    assert r.ok, [e.as_text() for e in r.errors]
    assert (r.rows[0]["category"], r.rows[0]["job_recommendations"]) == ("登记失业人员", 5)
    headers = ["姓名", "身份证号", "创业项目名称", "创业时间", "带动就业人数"]
    r = read(xlsx([["李四", ID_M, "李四农家乐", dt.date(2023, 5, 1), 3]], headers=headers), ledger="entrepreneurs")
    assert r.ok and r.rows[0]["started_on"] == dt.date(2023, 5, 1)


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 51, 52, 701, 702)] == ["A", "Z", "AA", "AZ", "BA", "ZZ", "AAA"]


def test_ledger_modules_import_neither_flask_nor_a_database():
    root = Path(excel.__file__).resolve().parent
    for name in ("excel.py", "ledger_types.py", "template.py"):
        tree = ast.parse((root / name).read_text(encoding="utf-8"))
        imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        imported |= {(n.module or "").split(".")[0] for n in ast.walk(tree)
                     if isinstance(n, ast.ImportFrom) and n.level == 0}
        assert not imported & {"flask", "sqlmodel", "sqlalchemy", "flask_login", "portal"}, (name, imported)


def _id(i: int) -> str:
    from rules.identifiers import resident_id_check_char
    first17 = f"5205811990{(i // 28) % 12 + 1:02d}{i % 28 + 1:02d}{i % 1000:03d}"
    return first17 + resident_id_check_char(first17)
