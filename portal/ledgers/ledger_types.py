"""The ledgers (台账) operators upload, defined as data.

Each ledger type lists its columns: a key (used in code and storage), the Chinese header the
template writes, the other headers clerks actually use for the same column (aliases), the kind
of value, whether it is required, and which columns identify a row for duplicate detection.

Pure module: no Flask, no database. ``portal.ledgers.excel`` reads files against these
definitions and ``portal.ledgers.template`` writes the blank .xlsx templates from them.
"""
from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping



def N_(text: str) -> str:
    """The catalog's marker (as portal.i18n.N_; this module imports nothing of the portal): the template
    translates these strings where it writes them."""
    return text


class ColumnType(str, enum.Enum):
    TEXT = "text"
    RESIDENT_ID = "resident_id"  # 身份证号, GB 11643
    CREDIT_CODE = "credit_code"  # 统一社会信用代码, GB 32100
    DATE = "date"  # -> datetime.date
    MONTH = "month"  # -> datetime.date, first day of the month (社保起缴月份)
    INT = "int"
    DECIMAL = "decimal"  # -> decimal.Decimal, never float (DOMAIN.md §6.1)
    ENUM = "enum"  # one of Column.choices
    PHONE = "phone"  # mobile 11 digits, or landline 0xxx-xxxxxxx
    BOOL = "bool"  # 是 / 否 -> True / False


# What the clerk is told about each kind of value (template instructions and error messages).
TYPE_HINTS: dict[ColumnType, str] = {
    ColumnType.TEXT: N_("文字"),
    ColumnType.RESIDENT_ID: N_("18位身份证号（文本格式，末位可为X）"),
    ColumnType.CREDIT_CODE: N_("18位统一社会信用代码（文本格式）"),
    ColumnType.DATE: N_("日期，如 2024-03-05"),
    ColumnType.MONTH: N_("年月，如 2024-03"),
    ColumnType.INT: N_("整数"),
    ColumnType.DECIMAL: N_("数字，可带小数"),
    ColumnType.ENUM: N_("从下拉列表中选择"),
    ColumnType.PHONE: N_("11位手机号，或带区号的固定电话如 0571-88886666"),
    ColumnType.BOOL: N_("填“是”或“否”"),
}


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    type: ColumnType = ColumnType.TEXT
    required: bool = False
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()  # ENUM: the allowed values, as written in the template
    choice_aliases: Mapping[str, str] = field(default_factory=dict)  # other spellings -> choice
    min_value: int | None = None  # INT / DECIMAL
    max_value: int | None = None
    max_length: int = 200  # TEXT
    note: str = ""  # extra help shown in the template's instructions
    width: int = 14  # template column width

    @property
    def hint(self) -> str:
        if self.type is ColumnType.ENUM:
            return "从下拉列表中选择：" + "、".join(self.choices)
        return TYPE_HINTS[self.type]

    def header_names(self) -> tuple[str, ...]:
        return (self.header, *self.aliases)


# A cross-column check: takes a normalised row, returns (column key, problem, fix) findings.
RowCheck = Callable[[Mapping[str, Any]], "list[tuple[str, str, str]]"]


@dataclass(frozen=True)
class LedgerType:
    key: str
    title: str  # e.g. 输送劳动力台账
    columns: tuple[Column, ...]
    identity: tuple[str, ...]  # column keys that identify one row (duplicates)
    description: str = ""
    aliases: tuple[str, ...] = ()  # other names of the ledger (外出务工人员台账)
    checks: tuple[RowCheck, ...] = ()

    def __post_init__(self) -> None:
        keys = [c.key for c in self.columns]
        if len(set(keys)) != len(keys):
            raise ValueError(f"{self.key}: duplicate column keys")
        for k in self.identity:
            if k not in keys:
                raise ValueError(f"{self.key}: identity column {k!r} is not a column")
        seen: dict[str, str] = {}
        for c in self.columns:
            for name in c.header_names():
                n = normalise_header(name)
                if seen.get(n, c.key) != c.key:
                    raise ValueError(f"{self.key}: header {name!r} used by {seen[n]} and {c.key}")
                seen[n] = c.key

    def column(self, key: str) -> Column:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)

    @property
    def identity_headers(self) -> str:
        return "、".join(self.column(k).header for k in self.identity)

    def row_key(self, row: Mapping[str, Any]) -> tuple | None:
        """The duplicate-detection key of a normalised row; None if an identity value is missing.

        The web layer computes the same key from rows it stored earlier and passes them to
        ``read_ledger(existing_keys=...)``.
        """
        values = []
        for k in self.identity:
            v = row.get(k)
            if v is None or v == "":
                return None
            values.append(_key_part(v))
        return tuple(values)

    def header_lookup(self) -> dict[str, Column]:
        """Normalised header text (and every alias) -> column."""
        out: dict[str, Column] = {}
        for c in self.columns:
            for name in c.header_names():
                out[normalise_header(name)] = c
        return out


def _key_part(v: Any) -> Any:
    if isinstance(v, str):
        # Names and titles compare without spaces and case: "张 三" and "张三" are one person.
        return re.sub(r"\s+", "", unicodedata.normalize("NFKC", v)).upper()
    return v


_HEADER_NOTE = re.compile(r"[\(\[【][^\)\]】]*[\)\]】]")
_HEADER_JUNK = re.compile(r"[\s*＊:：]+")


def normalise_header(text: Any) -> str:
    """Compare headers as clerks write them: full width, stray spaces or line breaks, a ``*``
    marking a required column, notes in brackets such as ``入职日期（yyyy-mm-dd）``."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", str(text))
    s = _HEADER_NOTE.sub("", s)
    s = _HEADER_JUNK.sub("", s)
    return s.lower()


# --- shared column definitions -----------------------------------------------------------------

_SEX = dict(
    type=ColumnType.ENUM,
    choices=("男", "女"),
    choice_aliases={"男性": "男", "女性": "女", "M": "男", "F": "女"},
    width=8,
)
_YES_NO_NOTE = "填“是”或“否”"


def _name(required: bool = True) -> Column:
    return Column("name", "姓名", required=required, aliases=("人员姓名", "劳动者姓名"), max_length=50,
                  width=10)


def _resident_id() -> Column:
    return Column("resident_id", "身份证号", ColumnType.RESIDENT_ID, required=True,
                  aliases=("身份证号码", "公民身份号码", "身份证", "证件号码"), width=22,
                  note=N_("请先将本列设为“文本”格式再录入，否则Excel会把后几位变成0"))


def _phone(header: str = "手机号", required: bool = False, key: str = "phone") -> Column:
    aliases = tuple(a for a in ("手机号", "手机号码", "联系电话", "电话", "联系方式") if a != header)
    return Column(key, header, ColumnType.PHONE, required=required, aliases=aliases, width=15)


def _sex_matches_id(row: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    # DOMAIN.md §6.7: the 17th character of the ID gives the sex (odd = male).
    rid, sex = row.get("resident_id"), row.get("sex")
    if not rid or not sex or len(rid) != 18 or not rid[16].isdigit():
        return []
    from_id = "男" if int(rid[16]) % 2 == 1 else "女"
    if sex != from_id:
        return [("sex", f"性别“{sex}”与身份证号不一致（按身份证号第17位应为“{from_id}”）",
                 "请核对性别或身份证号")]
    return []


def _not_before(later: tuple[str, str], earlier: tuple[str, str]) -> RowCheck:
    """(key, header) of a date that may not be earlier than another."""
    def check(row: Mapping[str, Any]) -> list[tuple[str, str, str]]:
        a, b = row.get(later[0]), row.get(earlier[0])
        if a is not None and b is not None and a < b:
            return [(later[0], f"{later[1]}早于{earlier[1]}（{b.year}年{b.month}月{b.day}日）",
                     f"请核对{later[1]}和{earlier[1]}")]
        return []
    return check


def _at_most(low: tuple[str, str], high: tuple[str, str]) -> RowCheck:
    def check(row: Mapping[str, Any]) -> list[tuple[str, str, str]]:
        a, b = row.get(low[0]), row.get(high[0])
        if a is not None and b is not None and a > b:
            return [(low[0], f"{low[1]}大于{high[1]}（{b}）", f"请核对{low[1]}和{high[1]}")]
        return []
    return check


# --- the ledger types --------------------------------------------------------------------------

# 输送劳动力 / 外出务工人员台账: seed 000 台账建立 (migrant-worker ledger), seed 001 送工花名册;
# a delivered worker counts only if registered outside the province, of working age, insured
# for ≥2 consecutive months and not dispatched (seed 001 附件3), hence those columns.
DELIVERED_WORKERS = LedgerType(
    key="delivered_workers",
    title=N_("输送劳动力台账"),
    aliases=("外出务工人员台账", "送工花名册", "输送人员花名册"),
    description=N_("输送到用工单位就业的劳动力（外出务工人员）花名册，每人一行。"),
    columns=(
        _name(),
        _resident_id(),
        Column("sex", "性别", **_SEX),
        _phone(),
        Column("household_registration", "户籍地", aliases=("户籍所在地", "户籍", "户口所在地"),
               width=22, note=N_("填到县（市、区），如 贵州省黔西市")),
        Column("employer", "用工单位", required=True,
               aliases=("用人单位", "就业单位", "务工单位", "单位名称"), width=28),
        Column("employer_credit_code", "用工单位统一社会信用代码", ColumnType.CREDIT_CODE,
               aliases=("统一社会信用代码", "单位统一社会信用代码", "信用代码"), width=22),
        Column("job", "工种岗位", aliases=("岗位", "工种", "岗位名称"), width=14),
        Column("hire_date", "入职日期", ColumnType.DATE, required=True,
               aliases=("入职时间", "就业日期", "就业时间", "上岗日期", "到岗日期"), width=12),
        Column("contract_signed", "是否签订劳动合同", ColumnType.BOOL, required=True,
               aliases=("签订劳动合同", "是否签订合同", "劳动合同"), width=10,
               note=N_("《金东区省外劳务协作工作站设立与管理办法（试行）》附件3：未签订劳动合同的每人扣1分")),
        Column("social_insurance_start", "社保起缴月份", ColumnType.MONTH,
               aliases=("社保起缴时间", "参保月份", "参保时间", "社保缴纳起始月份"), width=12),
        Column("dispatched", "是否劳务派遣", ColumnType.BOOL, required=True,
               aliases=("劳务派遣", "是否派遣"), width=10),
        Column("skilled", "是否技能人才", ColumnType.BOOL, aliases=("技能人才",), width=10),
        Column("leave_date", "离职日期", ColumnType.DATE, aliases=("离职时间",), width=12),
        Column("remarks", "备注", max_length=500, width=20),
    ),
    identity=("resident_id",),
    checks=(_sex_matches_id, _not_before(("leave_date", "离职日期"), ("hire_date", "入职日期"))),
)

JOB_POSTINGS = LedgerType(
    key="job_postings",
    title=N_("岗位信息台账"),
    aliases=("岗位需求台账", "用工需求台账"),
    description=N_("收集并发布的企业岗位信息，每个岗位每次发布一行。"),
    columns=(
        Column("enterprise_name", "企业名称", required=True, aliases=("用工单位", "招聘单位", "单位名称"),
               width=28),
        Column("credit_code", "统一社会信用代码", ColumnType.CREDIT_CODE,
               aliases=("企业统一社会信用代码", "信用代码"), width=22),
        Column("job_title", "岗位名称", required=True, aliases=("招聘岗位", "岗位", "工种"), width=16),
        Column("openings", "招聘人数", ColumnType.INT, required=True,
               aliases=("需求人数", "用工人数", "招聘数量"), min_value=1, max_value=100000, width=10),
        Column("salary_min", "月薪下限（元）", ColumnType.DECIMAL, aliases=("薪资下限", "最低月薪"),
               min_value=0, max_value=1000000, width=12),
        Column("salary_max", "月薪上限（元）", ColumnType.DECIMAL, aliases=("薪资上限", "最高月薪"),
               min_value=0, max_value=1000000, width=12),
        Column("education", "学历要求", ColumnType.ENUM,
               choices=("不限", "初中", "高中/中专", "大专", "本科", "硕士及以上"),
               choice_aliases={"无": "不限", "高中": "高中/中专", "中专": "高中/中专", "职高": "高中/中专",
                               "专科": "大专", "研究生": "硕士及以上", "硕士": "硕士及以上",
                               "博士": "硕士及以上"}, width=12),
        Column("work_place", "工作地点", required=True, aliases=("工作地址", "用工地点"), width=20),
        Column("contact", "联系人", max_length=50, width=10),
        _phone("联系电话"),
        Column("published_on", "发布日期", ColumnType.DATE, required=True,
               aliases=("发布时间", "收集日期", "登记日期"), width=12),
        Column("valid_until", "截止日期", ColumnType.DATE, aliases=("有效期至", "截止时间"), width=12),
        Column("remarks", "备注", max_length=500, width=20),
    ),
    identity=("enterprise_name", "job_title", "published_on"),
    checks=(_at_most(("salary_min", "月薪下限"), ("salary_max", "月薪上限")),
            _not_before(("valid_until", "截止日期"), ("published_on", "发布日期"))),
)

ENTERPRISES = LedgerType(
    key="enterprises",
    title=N_("企业信息台账"),
    aliases=("合作企业台账", "企业信息登记表"),
    description=N_("服务或签订合作协议的企业，每家企业一行。"),
    columns=(
        Column("enterprise_name", "企业名称", required=True, aliases=("单位名称", "企业（单位）名称"),
               width=28),
        Column("credit_code", "统一社会信用代码", ColumnType.CREDIT_CODE, required=True,
               aliases=("企业统一社会信用代码", "信用代码"), width=22),
        Column("industry", "所属行业", aliases=("行业",), width=14),
        Column("address", "企业地址", aliases=("地址", "单位地址"), width=28),
        Column("contact", "联系人", required=True, max_length=50, width=10),
        _phone("电话", required=True),
        Column("employees", "职工人数", ColumnType.INT, aliases=("员工人数", "在职人数"),
               min_value=0, max_value=10000000, width=10),
        Column("demand", "用工需求人数", ColumnType.INT, aliases=("需求人数", "缺工人数"),
               min_value=0, max_value=1000000, width=12),
        Column("agreement_signed", "是否签订合作协议", ColumnType.BOOL, aliases=("签订合作协议", "合作协议"),
               width=10, note=N_("《黔西市驻浙江省、福建省劳务协作工作站开展就业服务工作的考核实施细则》：签订合作协议的企业每家1分，最高10分")),
        Column("agreement_date", "协议签订日期", ColumnType.DATE, aliases=("签约日期", "协议日期"), width=12),
        Column("last_visit", "最近走访日期", ColumnType.DATE, aliases=("走访日期", "走访时间"), width=12),
        Column("remarks", "备注", max_length=500, width=20),
    ),
    identity=("credit_code",),
)

ENTREPRENEURS = LedgerType(
    key="entrepreneurs",
    title=N_("创业人员台账"),
    aliases=("返乡创业人员台账", "创业人员花名册"),
    description=N_("服务的创业人员，每人一行。"),
    columns=(
        _name(),
        _resident_id(),
        Column("sex", "性别", **_SEX),
        _phone(),
        Column("household_registration", "户籍地", aliases=("户籍所在地", "户籍", "户口所在地"), width=22),
        Column("business_name", "创业项目名称", required=True,
               aliases=("创业项目", "企业名称", "经营主体名称", "创办实体名称"), width=28),
        Column("credit_code", "统一社会信用代码", ColumnType.CREDIT_CODE, aliases=("信用代码",), width=22),
        Column("business_type", "创业类型", ColumnType.ENUM,
               choices=("个体工商户", "企业", "农民专业合作社", "家庭农场", "其他"),
               choice_aliases={"个体": "个体工商户", "公司": "企业", "合作社": "农民专业合作社"}, width=14),
        Column("place", "创业地点", aliases=("经营地址", "创业地址"), width=22),
        Column("started_on", "创业时间", ColumnType.DATE, required=True,
               aliases=("创业日期", "成立日期", "注册日期"), width=12),
        Column("jobs_created", "带动就业人数", ColumnType.INT, aliases=("带动就业",), min_value=0,
               max_value=100000, width=12),
        Column("subsidy", "是否享受创业扶持", ColumnType.BOOL,
               aliases=("是否享受创业补贴", "是否享受创业担保贷款"), width=10),
        Column("remarks", "备注", max_length=500, width=20),
    ),
    identity=("resident_id",),
    checks=(_sex_matches_id,),
)

# seed 002 第4项: "251" assistance = 2 career-guidance sessions, 5 job recommendations and 1
# training per person (−0.01 per person short); the "1131" graduate service counts the same
# way (1 policy briefing, 1 guidance, 3 job recommendations, 1 training or internship).
ASSISTANCE = LedgerType(
    key="assistance",
    title=N_("就业帮扶台账"),
    aliases=("251服务台账", "1131服务台账", "就业服务台账"),
    description=N_("“251”/“1131”就业帮扶：每位服务对象一行，填写截至本期的累计服务次数。"),
    columns=(
        _name(),
        _resident_id(),
        _phone(),
        Column("category", "人员类别", ColumnType.ENUM, required=True,
               choices=("高校毕业生", "登记失业人员", "就业困难人员", "脱贫劳动力", "农村劳动力", "其他"),
               choice_aliases={"失业人员": "登记失业人员", "毕业生": "高校毕业生",
                               "脱贫人口": "脱贫劳动力", "农民工": "农村劳动力"}, width=14),
        Column("registered_on", "登记日期", ColumnType.DATE, required=True,
               aliases=("登记时间", "求职登记日期"), width=12),
        Column("policy_briefings", "政策宣介次数", ColumnType.INT, aliases=("政策宣讲次数",),
               min_value=0, max_value=1000, width=10),
        Column("career_guidance", "职业指导次数", ColumnType.INT, required=True,
               aliases=("职业指导",), min_value=0, max_value=1000, width=10),
        Column("job_recommendations", "岗位推荐次数", ColumnType.INT, required=True,
               aliases=("岗位推荐", "推荐岗位次数", "岗位推介次数"), min_value=0, max_value=1000, width=10),
        Column("trainings", "技能培训次数", ColumnType.INT, required=True,
               aliases=("技能培训", "职业培训次数"), min_value=0, max_value=1000, width=10),
        Column("internships", "就业见习次数", ColumnType.INT, aliases=("就业见习",), min_value=0,
               max_value=1000, width=10),
        Column("employed", "是否已就业", ColumnType.BOOL, aliases=("是否就业",), width=10),
        Column("employed_on", "就业日期", ColumnType.DATE, aliases=("就业时间",), width=12),
        Column("employer", "就业单位", aliases=("用工单位",), width=24),
        Column("remarks", "备注", max_length=500, width=20),
    ),
    identity=("resident_id",),
    checks=(_not_before(("employed_on", "就业日期"), ("registered_on", "登记日期")),),
)

LEDGER_TYPES: dict[str, LedgerType] = {
    t.key: t for t in (DELIVERED_WORKERS, JOB_POSTINGS, ENTERPRISES, ENTREPRENEURS, ASSISTANCE)
}


def get_ledger_type(ledger_type: str | LedgerType) -> LedgerType:
    if isinstance(ledger_type, LedgerType):
        return ledger_type
    try:
        return LEDGER_TYPES[ledger_type]
    except KeyError:
        raise KeyError(f"unknown ledger type {ledger_type!r}; known: {', '.join(LEDGER_TYPES)}") from None
