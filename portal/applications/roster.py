"""The roster an application carries: seed 001 附件2 累计输送劳动力名册 (序号、姓名、身份证号、户籍、入职企业、
入职时间), read with the ledger reader (hostile-file checks, row-level errors, all-or-nothing).

Pure: no Flask, no database. A row is a delivered worker (第一条) only if registered outside Zhejiang and of
legal working age at the hire date (DOMAIN.md §6.7); the roster's columns cannot show the insurance months
or dispatch, which the first review verifies. Duplicates (the same resident ID twice) are row errors, so an
accepted roster holds distinct workers only.
"""
from __future__ import annotations

from typing import Any, Mapping

from portal.i18n import N_
from portal.ledgers.excel import LedgerResult, read_ledger
from portal.ledgers.ledger_types import Column, ColumnType, LedgerType
from rules.identifiers import InvalidIdentifier, parse_resident_id
from rules.scoring.jindong import ZHEJIANG

MAX_ROWS = 20_000  # a roster is hundreds of rows; more is a wrong file
RETIREMENT_AGE = {"M": 60, "F": 50}  # DOMAIN.md §6.7


# Zhejiang and its eleven prefecture-level cities: a 户籍 naming one of them is in the province.
ZHEJIANG_PLACES = ("浙江", "杭州", "宁波", "温州", "嘉兴", "湖州", "绍兴", "金华", "衢州", "舟山", "台州", "丽水")


def registered_in_zhejiang(household_registration: str | None) -> bool:
    text = (household_registration or "").replace(" ", "")
    return any(place in text for place in ZHEJIANG_PLACES)


def _delivered_worker(row: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """第一条: 户籍在浙江省外 and 法定劳动年龄段 at the hire date.

    The 户籍 column says where the worker is registered now; the resident ID says where the number was first
    issued (it does not change when the registration moves). Either one in Zhejiang is refused with its
    reason: a 户籍 in Zhejiang is not a provincial-outside worker whatever the ID says; an ID issued in
    Zhejiang with a 户籍 elsewhere must be checked against the household register before it counts.
    """
    household = str(row.get("household_registration") or "")
    if registered_in_zhejiang(household):
        return [("household_registration", f"户籍“{household[:40]}”在浙江省内，不属于省外劳动力（第一条：户籍在浙江省外）",
                 "名册只列户籍在浙江省外的输送劳动力，请删除该行；如户籍已迁出浙江，请填写现户籍所在地")]
    try:
        rid = parse_resident_id(row.get("resident_id"))
    except InvalidIdentifier:
        return []  # the ID column already carries its own error
    if rid.province_code == ZHEJIANG:
        return [("resident_id", "身份证号显示为浙江省户籍，不属于省外劳动力（第一条）",
                 "名册只列省外户籍的输送劳动力，请删除该行")]
    hired = row.get("hire_date")
    if hired is not None:
        age, limit = rid.age_on(hired), RETIREMENT_AGE[rid.sex]
        if not 16 <= age < limit:
            return [("hire_date", f"入职时{age}岁，不在法定劳动年龄段（16至{limit}岁，第一条）",
                     "请核对入职时间或身份证号，不符合的请删除该行")]
    return []


ROSTER = LedgerType(
    key="delivered_roster",
    title=N_("累计输送劳动力名册"),
    aliases=("输送劳动力清单", "输送劳动力名册"),
    description=N_("《金东区省外劳务协作工作站设立与管理办法（试行）》附件2：申请设立劳务协作工作站需已为区内企业累计输送省外劳动力50人以上，每人一行。"),
    columns=(
        Column("seq", "序号", ColumnType.INT, min_value=1, max_value=1_000_000, width=6),
        Column("name", "姓名", required=True, aliases=("人员姓名", "劳动者姓名"), max_length=50, width=10),
        Column("resident_id", "身份证号", ColumnType.RESIDENT_ID, required=True,
               aliases=("身份证号码", "公民身份号码", "身份证"), width=22,
               note=N_("请先将本列设为“文本”格式再录入，否则Excel会把后几位变成0")),
        Column("household_registration", "户籍", required=True, aliases=("户籍地", "户籍所在地", "户口所在地"),
               width=22, note=N_("填到县（市、区），如 贵州省黔西市")),
        Column("employer", "入职企业", required=True,
               aliases=("用工单位", "用人单位", "就业单位", "入职单位"), width=28),
        Column("hire_date", "入职时间", ColumnType.DATE, required=True, aliases=("入职日期",), width=12),
    ),
    identity=("resident_id",),
    checks=(_delivered_worker,),
)


def read_roster(data: bytes, filename: str) -> LedgerResult:
    return read_ledger(data, filename, ROSTER, max_rows=MAX_ROWS)
