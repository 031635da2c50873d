"""Demo data: the bureaus of the five source documents, with operators, stations and contracts as the
documents describe them, and one login per role per bureau and per operator. Idempotent.

Company names, people, phone numbers and licence numbers are invented; credit codes carry a valid
GB 32100 check character. Where a document states no contract value (黔西, 新干, 吴江) the value is a
demo figure. The contracts are this round's renewals (2026) under the schemes the documents set out, and
each carries a history of submissions: mostly on time, some late or missing, one returned for changes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from pydantic_core import PydanticUndefined
from sqlmodel import select

from portal.auth.models import User, new_session_token
from portal.auth.services import hash_password
from portal.contracts.models import Contract, ContractStation, Station
from portal.contracts.services import scheme_version, stations_of
from portal.db import get_session
from portal.organisations.models import Bureau, CreditGrade, Operator
from portal.reporting.models import Submission
from rules.identifiers import credit_code_check_char, resident_id_check_char
from portal.schemes.services import scheme_for

DEMO_PASSWORD = "kaohe-demo-2026"


def _period_zh(key: str) -> str:
    """A period as the operator types it in a report (2026年第49周, 2026年3月); demo text is Chinese."""
    import re

    if m := re.fullmatch(r"(\d{4})W(\d{1,2})", key):
        return f"{m[1]}年第{int(m[2])}周"
    if m := re.fullmatch(r"(\d{4})-(\d{2})", key):
        return f"{m[1]}年{int(m[2])}月"
    return key


def _code(body17: str) -> str:
    return body17 + credit_code_check_char(body17)


BUREAUS = [
    # slug, name, short name, region, employment service centre (first review)
    ("qianxi", "黔西市人力资源和社会保障局", "黔西", "贵州省毕节市黔西市", "黔西市就业服务中心"),
    ("jindong", "金华市金东区人力资源和社会保障局", "金东", "浙江省金华市金东区", "金东区就业服务中心"),
    ("pingxiang", "凭祥市人力资源和社会保障局", "凭祥", "广西壮族自治区崇左市凭祥市", "凭祥市就业服务中心"),
    # seed 002 第二分标: the contract is signed by 凭祥市就业服务中心 with 宁明县人社局.
    ("ningming", "宁明县人力资源和社会保障局", "宁明", "广西壮族自治区崇左市宁明县", "凭祥市就业服务中心"),
    ("xingan", "新干县人力资源和社会保障局", "新干", "江西省吉安市新干县", "新干县就业创业服务中心"),
    ("wujiang", "苏州市吴江区人力资源和社会保障局", "吴江", "江苏省苏州市吴江区", "吴江区公共就业服务中心"),
]

OPERATORS = [
    # slug, registered by, name, credit code body (17), licence, contact, phone, address
    ("qianxi-hr", "qianxi", "贵州黔程人力资源服务有限公司", "91520581MA6H1K2X3", "（黔）人服证字〔2021〕第0581001号",
     "罗明", "13985710001", "贵州省黔西市锦星大道88号"),
    ("jindong-a", "jindong", "金华八婺人力资源有限公司", "91330703MA2HQ1L7X", "（浙）人服证字〔2019〕第0703012号",
     "陈立", "13857910002", "浙江省金华市金东区多湖街道光南路16号"),
    ("jindong-b", "jindong", "浙江协力劳务服务有限公司", "91330703MA2JC8T4W", "（浙）人服证字〔2020〕第0703027号",
     "吴倩", "13857910003", "浙江省金华市金东区东孝街道鞋塘路9号"),
    ("pingxiang-hr", "pingxiang", "广西边关人力资源服务有限公司", "91451481MA5QF3N2K", "（桂）人服证字〔2022〕第1481005号",
     "黄海", "13877110004", "广西凭祥市北大路27号"),
    ("ningming-hr", "ningming", "崇左明江人力资源有限公司", "91451422MA5R7D1H6", "（桂）人服证字〔2023〕第1422003号",
     "农丽", "13877110005", "广西宁明县城中镇兴宁大道52号"),
    ("xingan-hr", "xingan", "江西赣江就业服务有限公司", "91360824MA39T6P8R", "（赣）人服证字〔2022〕第0824002号",
     "刘强", "13979610006", "江西省新干县金川镇城南大道101号"),
    ("wujiang-1", "wujiang", "苏州吴越人力资源有限公司", "91320509MA1MX2C5Q", "（苏）人服证字〔2018〕第0509021号",
     "沈佳", "13862510007", "江苏省苏州市吴江区松陵街道中山南路1088号"),
    ("wujiang-2", "wujiang", "吴江太湖人才服务有限公司", "91320509MA1N4R7D8", "（苏）人服证字〔2019〕第0509033号",
     "钱程", "13862510008", "江苏省苏州市吴江区盛泽镇市场东路66号"),
    ("wujiang-3", "wujiang", "苏州汾湖劳务派遣有限公司", "91320509MA1P9K3F2", "（苏）人服证字〔2020〕第0509046号",
     "朱敏", "13862510009", "江苏省苏州市吴江区黎里镇汾湖大道558号"),
    ("wujiang-4", "wujiang", "吴江同里人力资源服务有限公司", "91320509MA1Q2H6L4", "（苏）人服证字〔2021〕第0509052号",
     "徐亮", "13862510010", "江苏省苏州市吴江区同里镇同兴路18号"),
]

_WORKSTATION_HOURS = "周一至周六 8:30–17:30"
STATIONS = [
    # operator, bureau, name, kind, address, required staff, opening hours, established
    # seed 000: three labour-cooperation workstations in Wenzhou (Longwan), Yiwu and Putian.
    ("qianxi-hr", "qianxi", "黔西市驻温州市龙湾区劳务协作工作站", "labour_cooperation", "浙江省温州市龙湾区永中街道", 1,
     _WORKSTATION_HOURS, date(2022, 1, 1)),
    ("qianxi-hr", "qianxi", "黔西市驻义乌市劳务协作工作站", "labour_cooperation", "浙江省义乌市稠城街道", 1,
     _WORKSTATION_HOURS, date(2022, 1, 1)),
    ("qianxi-hr", "qianxi", "黔西市驻莆田市劳务协作工作站", "labour_cooperation", "福建省莆田市城厢区", 1,
     _WORKSTATION_HOURS, date(2022, 1, 1)),
    # seed 001: out-of-province workstations recruiting for Jindong's employers.
    ("jindong-a", "jindong", "金东区驻贵州省思南县劳务协作工作站", "labour_cooperation", "贵州省铜仁市思南县思唐街道", 1,
     _WORKSTATION_HOURS, date(2021, 6, 1)),
    ("jindong-b", "jindong", "金东区驻云南省镇雄县劳务协作工作站", "labour_cooperation", "云南省昭通市镇雄县乌峰街道", 1,
     _WORKSTATION_HOURS, date(2021, 7, 1)),
    # seed 002 第一分标: the park station, the city HR market and three town gig markets.
    ("pingxiang-hr", "pingxiang", "凭祥产业园就业服务站（凭祥产业园零工市场）", "gig_market", "广西凭祥产业园", 4,
     "周一至周五 9:00–18:00；周六 9:00–17:30", date(2024, 3, 1)),
    ("pingxiang-hr", "pingxiang", "凭祥市人力资源市场（凭祥市就业服务站）", "employment_service", "广西凭祥市凭祥镇", 4,
     "周一至周六 9:00–21:00", date(2024, 3, 1)),
    ("pingxiang-hr", "pingxiang", "友谊镇零工市场（“家门口”就业服务站）", "gig_market", "广西凭祥市友谊镇镇区", 2,
     "周一至周六 9:00–18:00", date(2024, 3, 1)),
    ("pingxiang-hr", "pingxiang", "上石镇零工市场（“家门口”就业服务站）", "gig_market", "广西凭祥市上石镇镇区", 2,
     "周一至周六 9:00–18:00", date(2024, 3, 1)),
    ("pingxiang-hr", "pingxiang", "夏石镇零工市场（“家门口”就业服务站）", "gig_market", "广西凭祥市夏石镇镇区", 2,
     "周一至周六 9:00–18:00", date(2024, 3, 1)),
    # seed 002 第二分标: two Ningming stations with three full-time staff each.
    ("ningming-hr", "ningming", "凭祥产业园宁明片区（宜景小区）就业服务站", "employment_service", "广西宁明县宜景小区", 3,
     "周一至周五 9:00–18:00；周六 9:00–17:30", date(2024, 3, 1)),
    ("ningming-hr", "ningming", "宁明县城中镇三华社区就业服务站", "employment_service", "广西宁明县城中镇三华社区", 3,
     "周一至周五 9:00–18:00；周六 9:00–17:30", date(2024, 3, 1)),
    # seed 003: county, township and village employment homes.
    ("xingan-hr", "xingan", "新干县县级就业之家", "employment_home", "江西省新干县金川镇", 3, "周一至周五 8:30–17:30",
     date(2024, 1, 1)),
    ("xingan-hr", "xingan", "金川镇就业之家", "employment_home", "江西省新干县金川镇", 1, "周一至周五 8:30–17:30",
     date(2024, 1, 1)),
    ("xingan-hr", "xingan", "三湖镇就业之家", "employment_home", "江西省新干县三湖镇", 1, "周一至周五 8:30–17:30",
     date(2024, 1, 1)),
] + [
    # seed 004: the operators of the “乐业吴江” employment alliance.
    (f"wujiang-{n}", "wujiang", f"“乐业吴江”就业协作联盟运营点{n}", "alliance_operator", addr, 2, "周一至周五 9:00–17:00",
     date(2022, 1, 1))
    for n, addr in ((1, "吴江区松陵街道"), (2, "吴江区盛泽镇"), (3, "吴江区黎里镇"), (4, "吴江区同里镇"))
]

_ADVANCE_60 = [{"label": "预付款", "share": "0.4", "due": "签订购买服务协议后"},
               {"label": "考核结算", "share": "0.6", "due": "年度考核后按得分结算"}]
_PX_PLAN = [{"label": "预付款", "share": "0.4", "due": "合同签订之日起30个工作日内"},
            {"label": "第一阶段", "share": "0.2", "due": "签订之日起5个月后验收，按该期得分支付"},
            {"label": "第二阶段", "share": "0.2", "due": "签订之日起9个月后验收，按该期得分支付"},
            {"label": "第三阶段", "share": "0.2", "due": "合同期满验收合格之日起10个工作日内，按该期得分支付"}]
_ANNUAL = [{"label": "年度考核结算", "share": "1", "due": "年度考核后按考核结果支付"}]

CONTRACTS = [
    # number, bureau, operator, title, scheme, start, end, value, plan, stations (names)
    ("QX-2026-LWXZ-01", "qianxi", "qianxi-hr", "黔西市驻浙江省、福建省劳务协作工作站就业服务", "qianxi-2022",
     date(2026, 1, 1), date(2026, 12, 31), Decimal("600000.00"), _ADVANCE_60,
     [s[2] for s in STATIONS if s[1] == "qianxi"]),
    ("JD-2026-LWXZ-01", "jindong", "jindong-a", "金东区省外劳务协作工作站（思南）年度评估与补助", "jindong-2021",
     date(2026, 1, 1), date(2026, 12, 31), Decimal("70000.00"), _ANNUAL, ["金东区驻贵州省思南县劳务协作工作站"]),
    ("JD-2026-LWXZ-02", "jindong", "jindong-b", "金东区省外劳务协作工作站（镇雄）年度评估与补助", "jindong-2021",
     date(2026, 1, 1), date(2026, 12, 31), Decimal("70000.00"), _ANNUAL, ["金东区驻云南省镇雄县劳务协作工作站"]),
    ("PX-2026-FW-01", "pingxiang", "pingxiang-hr", "凭祥产业园就业服务站及城区、镇就业服务站建设（第一分标）",
     "pingxiang-2024-lot1", date(2026, 3, 1), date(2027, 2, 28), Decimal("1885000.00"), _PX_PLAN,
     [s[2] for s in STATIONS if s[1] == "pingxiang"]),
    ("PX-2026-FW-02", "ningming", "ningming-hr", "凭祥产业园宁明片区就业服务站建设（第二分标）", "ningming-2024-lot2",
     date(2026, 3, 1), date(2027, 2, 28), Decimal("1000000.00"), _PX_PLAN,
     [s[2] for s in STATIONS if s[1] == "ningming"]),
    ("XG-2026-JYZJ-01", "xingan", "xingan-hr", "新干县县乡村三级就业之家运营服务外包项目", "xingan",
     date(2026, 1, 1), date(2026, 12, 31), Decimal("800000.00"), _ANNUAL,
     [s[2] for s in STATIONS if s[1] == "xingan"]),
] + [
    (f"WJ-2026-LM-0{n}", "wujiang", f"wujiang-{n}", f"2026年“乐业吴江”就业协作联盟运营（运营点{n}）", "wujiang-2022",
     date(2026, 1, 1), date(2026, 12, 31), Decimal("200000.00"), _ANNUAL, [f"“乐业吴江”就业协作联盟运营点{n}"])
    for n in (1, 2, 3, 4)
]

CREDIT = [  # operator, kind, grade, given on, by
    ("wujiang-1", "hr_service", "A", date(2022, 3, 1), "苏州市人力资源和社会保障局"),
    ("wujiang-2", "hr_service", "B", date(2022, 3, 1), "苏州市人力资源和社会保障局"),
    ("wujiang-3", "labour_dispatch", "B", date(2022, 3, 1), "苏州市人力资源和社会保障局"),
    ("wujiang-4", "hr_service", "A", date(2022, 3, 1), "苏州市人力资源和社会保障局"),
]


def _get_or_add(session, model, lookup: dict, values: dict):
    obj = session.exec(select(model).filter_by(**lookup)).first()
    if obj is None:
        obj = model(**lookup, **values)
        session.add(obj)
        session.flush()
    return obj


def load_demo() -> list[tuple[str, str, str]]:
    """Create whatever is missing; return the demo logins as (username, role, where)."""
    session = get_session()
    bureaus, operators, stations = {}, {}, {}
    for slug, name, short, region, centre in BUREAUS:
        bureaus[slug] = _get_or_add(session, Bureau, {"name": name},
                                    {"short_name": short, "region": region, "service_centre": centre})
    for slug, by, name, body, licence, contact, phone, address in OPERATORS:
        operators[slug] = _get_or_add(
            session, Operator, {"credit_code": _code(body)},
            {"name": name, "licence_no": licence, "contact_name": contact, "contact_phone": phone,
             "address": address, "registered_by_bureau_id": bureaus[by].id})
    for op, bu, name, kind, address, staff, hours, established in STATIONS:
        stations[name] = _get_or_add(
            session, Station, {"bureau_id": bureaus[bu].id, "name": name},
            {"operator_id": operators[op].id, "kind": kind, "address": address, "required_staff": staff,
             "opening_hours": hours, "established_on": established})
    for number, bu, op, title, scheme, start, end, value, plan, names in CONTRACTS:
        contract = session.exec(select(Contract).where(Contract.number == number)).first()
        if contract is None:
            contract = Contract(number=number, bureau_id=bureaus[bu].id, operator_id=operators[op].id, title=title,
                                scheme_id=scheme, scheme_version=scheme_version(scheme, start), starts_on=start,
                                ends_on=end, value=value, payment_plan=plan)
            session.add(contract)
            session.flush()
            for name in names:
                session.add(ContractStation(contract_id=contract.id, station_id=stations[name].id))
    for op, kind, grade, given_on, by in CREDIT:
        _get_or_add(session, CreditGrade, {"operator_id": operators[op].id, "kind": kind, "given_on": given_on},
                    {"grade": grade, "given_by": by})

    logins = [("admin", "admin", "平台管理员 platform")]
    wanted = [("admin", "admin", None, None, "平台管理员")]
    for slug, name, short, *_ in BUREAUS:
        for role, label in (("reviewer", "初审"), ("approver", "审核"), ("admin", "管理员")):
            wanted.append((f"{slug}-{role}", role, bureaus[slug].id, None, f"{short}{label}"))
            logins.append((f"{slug}-{role}", role, name))
    for slug, _by, name, *_ in OPERATORS:
        wanted.append((f"op-{slug}", "operator", None, operators[slug].id, name[:12]))
        logins.append((f"op-{slug}", "operator", name))
    for username, role, bureau_id, operator_id, display in wanted:
        if session.exec(select(User.id).where(User.username == username)).first() is None:
            session.add(User(username=username, display_name=display, role=role, bureau_id=bureau_id,
                             operator_id=operator_id, password_hash=hash_password(DEMO_PASSWORD)))
    session.flush()
    for contract in session.exec(select(Contract)):
        if session.exec(select(Submission.id).where(Submission.contract_id == contract.id)).first() is None:
            _demo_submissions(session, contract)
    session.commit()
    from portal.compliance.services import sweep

    sweep()  # the rules run once, so the demo shows violations and alerts as the nightly sweep would
    _demo_publications()
    return logins




def _as(user) -> None:
    from flask_login import login_user

    login_user(user)  # the audit trail and notifications name who acted


def _demo_publications() -> None:
    """Seed 002's first stage (2026-03-01 … 07-31) is over: both lots are assessed (the facts no data gives
    take the scheme's example values), approved and published (公示). 宁明 objects and the bureau dismisses
    it; 凭祥 objects to one line, the bureau upholds it, the sheet is reopened, corrected, approved again and
    published as version 2. Skipped once published, so a second run adds nothing."""
    from flask import current_app

    from portal.assessment import services as assessment
    from portal.cycles import services as cycle_services
    from portal.publication import services as publication

    session = get_session()
    with current_app.test_request_context("/"):
        for number, objection in (("PX-2026-FW-01", "upheld"), ("PX-2026-FW-02", "dismissed")):
            contract = session.exec(select(Contract).where(Contract.number == number)).one()
            if publication.latest_version(contract.bureau_id, contract.scheme_id, "stage_1") is not None:
                continue
            users = {u.role: u for u in session.exec(select(User).where(User.bureau_id == contract.bureau_id))}
            operator_user = session.exec(select(User).where(User.operator_id == contract.operator_id)).first()
            cycle = cycle_services.find_cycle(contract, "stage_1")
            scheme = cycle_services.cycle_scheme(contract, cycle)
            sheet = assessment.open_sheet(contract, cycle)
            _as(users["reviewer"])
            for key in assessment.assess(contract, cycle, sheet).sheet.missing_facts:
                assessment.save_entry(contract, sheet, key, assessment.example_entry(scheme.facts[key]),
                                      "第一阶段验收现场核查（演示数据）", users["reviewer"], sheet.revision)
            assessment.submit_sheet(contract, cycle, sheet, users["reviewer"], sheet.revision)
            _as(users["approver"])
            assessment.approve_sheet(contract, cycle, sheet, users["approver"], sheet.revision, "同意")
            bureau = session.get(Bureau, contract.bureau_id)
            first = publication.publish(bureau, contract.scheme_id, "stage_1", users["approver"])
            row = publication.results_of(first)[0]
            _as(operator_user)
            if objection == "dismissed":
                filed = publication.file_objection(
                    row, operator_user, target="", text="认为第一阶段得分偏低，请复核。",
                    evidence="第一阶段工作总结及3—7月月度报告（已在平台报送）")
                _as(users["reviewer"])
                publication.answer_objection(filed, users["reviewer"], upheld=False, reason=(
                    "经复核，各项扣分均有抽查记录和报送记录为据，计分符合项目质量标准表，维持原结果。"))
                continue
            line = next(i for i in row.lines if i["path"] in {
                item["path"] for item in cycle_services.current_approval(sheet).figures["items"]
                if "hall_untidy_findings" in item["inputs"]} and i["level"] != "category")
            filed = publication.file_objection(
                row, operator_user, target=line["path"], text="5月抽查时服务大厅因装修闭馆，不应计为大厅不整洁。",
                evidence="装修闭馆公告及街道办证明（2026年5月）", files=[_closure_notice(contract)])
            _as(users["reviewer"])
            publication.answer_objection(filed, users["reviewer"], upheld=True, reason=(
                "经核实，抽查当日服务大厅闭馆装修，该次不整洁记录不成立，予以更正。"))
            _as(users["approver"])
            assessment.reopen_sheet(sheet, users["approver"], "异议成立：更正大厅不整洁次数", sheet.revision)
            _as(users["reviewer"])
            assessment.save_entry(contract, sheet, "hall_untidy_findings", "0", "异议成立：抽查当日闭馆装修，不计",
                                  users["reviewer"], sheet.revision)
            assessment.submit_sheet(contract, cycle, sheet, users["reviewer"], sheet.revision)
            _as(users["approver"])
            assessment.approve_sheet(contract, cycle, sheet, users["approver"], sheet.revision, "按异议处理结果更正")
            publication.publish(bureau, contract.scheme_id, "stage_1", users["approver"],
                                change_note="运营单位对“服务大厅整洁”一项的异议成立（抽查当日闭馆装修），更正该项得分。")
    session.commit()


def _closure_notice(contract: Contract):
    """The operator's evidence for its objection: the hall's closure notice, as a one-page PDF."""
    from portal.activities import evidence
    from portal.payments.exports import render_pdf

    operator = get_session().get(Operator, contract.operator_id)
    hall = next(iter(stations_of(contract.id)), None)
    data = render_pdf("demo/closure_notice.html", title="服务大厅装修闭馆公告", issuer=operator.name,
                      issued_on="2026年5月6日",
                      body=f"因服务大厅装修，{hall.name if hall else contract.title}服务大厅于2026年5月8日至5月20日闭馆，"
                           "其间求职登记、岗位推荐等服务改在线上及流动服务点办理。给您带来不便，敬请谅解。")
    return evidence.check("服务大厅装修闭馆公告.pdf", data)


def _demo_submissions(session, contract: Contract) -> None:
    """A believable history up to now: on time by the 3rd, a few late, a few missing, one returned.
    Seeded by the contract number, so the same contract always gets the same history."""
    import random
    from datetime import datetime, timedelta, timezone

    from portal.reporting.services import calendar

    rng = random.Random(contract.number)
    now = datetime.now(timezone.utc)
    operator_user = session.exec(select(User).where(User.operator_id == contract.operator_id)).first()
    reviewer = session.exec(select(User).where(User.bureau_id == contract.bureau_id,
                                               User.role == "reviewer")).first()
    scheme = scheme_for(contract.scheme_id, contract.starts_on)
    returned_one = False
    for obligation in calendar(contract):
        if obligation.spec.kind == "ledger" or obligation.due_at > now + timedelta(days=25):
            continue  # ledgers come through the Excel import; nothing is handed in a month ahead
        roll = rng.random()
        if obligation.due_at < now and roll < 0.06:
            continue  # missing
        late = obligation.due_at < now and roll < 0.14
        submitted = obligation.due_at + timedelta(hours=rng.randint(20, 70)) if late else \
            obligation.due_at - timedelta(days=rng.randint(1, 3), hours=rng.randint(1, 9))
        if submitted > now:
            continue
        figures = {key: str(rng.randint(0, 40 if scheme.facts[key].kind == "count" else 1))
                   for key in obligation.spec.fields}
        first = Submission(contract_id=contract.id, bureau_id=contract.bureau_id, operator_id=contract.operator_id,
                           obligation_key=obligation.spec.key, period_key=obligation.period.key,
                           due_at=obligation.due_at, submitted_at=submitted, submitted_by_id=operator_user.id,
                           figures=figures, narrative=f"{obligation.spec.label}（{_period_zh(obligation.period.key)}）：按计划完成。")
        session.add(first)
        if not returned_one and not late and obligation.spec.kind == "report" and rng.random() < 0.3:
            returned_one = True
            first.state, first.review_reason = "returned", "缺少上月工作总结的具体数据，请补充后重新提交。"
            first.reviewed_by_id, first.reviewed_at = reviewer.id, submitted + timedelta(days=1)
            if submitted + timedelta(days=2) < now:
                session.add(Submission(
                    contract_id=contract.id, bureau_id=contract.bureau_id, operator_id=contract.operator_id,
                    obligation_key=obligation.spec.key, period_key=obligation.period.key, due_at=obligation.due_at,
                    version=2, submitted_at=submitted + timedelta(days=2), submitted_by_id=operator_user.id,
                    figures=figures, narrative=first.narrative + "已补充上月工作总结数据。"))
        elif submitted + timedelta(days=2) < now:
            first.state, first.reviewed_by_id, first.reviewed_at = "accepted", reviewer.id, submitted + timedelta(days=2)


# --- province scale: `flask --app portal demo --scale N` ---------------------------------------------
#
# N bureaus' worth of contracts (20 each by default, so --scale 100 is a province's 2,000), for the
# benchmarks (bench/bench_sweep.py) and for trying pages at a province's size. It lives here, beside the
# demo, because it is the demo's top layer (it may use every domain and the real models, so every page
# works on what it writes) and because the command line already starts here; the benchmarks call
# load_province() directly. Rows are written with SQLAlchemy core inserts in chunks (one statement per
# chunk, ids returned in order), not one ORM object per row: 2,000 contracts load on PostgreSQL in minutes.
# What the portal computes is computed by the portal: violations are what rules.compliance finds in the
# facts portal/facts gathers from the rows written (plus, as rectified, what it found at earlier moments
# and no longer finds); approved sheets are portal/assessment's projection scored by rules.scoring with the
# scheme's example values for what only people know, frozen as approve_sheet freezes them; publications
# go through publication.publish(). What it leaves out: audit lines and notifications of the bulk rows
# (publishing writes its own), evidence files, applications, payments.
#
# Everything invented is plainly invented: bureaus 演示省第001县…, staff and ledger names 某+number, phone
# numbers 1990000xxxx, ID numbers of valid format (check character included) built from a counter.

SCALE_SCHEMES = [  # scheme, station kind, payment plan, the count fact a spot check adds to
    ("qianxi-2022", "labour_cooperation", _ADVANCE_60, "quarters_with_visit"),
    ("jindong-2021", "labour_cooperation", _ANNUAL, "matching_events"),
    ("pingxiang-2024-lot1", "gig_market", _PX_PLAN, "hall_untidy_findings"),
    ("ningming-2024-lot2", "employment_service", _PX_PLAN, "equipment_findings"),
    ("xingan", "employment_home", _ANNUAL, "central_provincial_media_reports"),
    ("wujiang-2022", "alliance_operator", _ANNUAL, "labour_bases"),
]
SCALE_CHUNK = 1000
_SHANGHAI = ZoneInfo("Asia/Shanghai")


def scale_bureau_name(k: int) -> str:
    return f"演示省第{k:03d}县人力资源和社会保障局"


@dataclass
class ScaleResult:
    bureaus: int = 0
    contracts: int = 0
    rows: dict = field(default_factory=dict)  # table -> rows written
    seconds: dict = field(default_factory=dict)  # step -> wall time


def _defaults(model) -> tuple[dict, dict]:
    plain, factories = {}, {}
    for name, info in model.model_fields.items():
        if name == "id":
            continue
        if info.default_factory is not None:
            factories[name] = info.default_factory
        elif info.default is not PydanticUndefined:
            plain[name] = info.default
    return plain, factories


class _Bulk:
    """Rows of one model in chunks through core inserts, the model's own defaults filled in."""

    def __init__(self, session, result: ScaleResult):
        self.session, self.result, self._defaults = session, result, {}

    def insert(self, model, rows: list[dict], returning: bool = False) -> list[int]:
        if model not in self._defaults:
            self._defaults[model] = _defaults(model)
        plain, factories = self._defaults[model]
        table = model.__table__
        ids: list[int] = []
        for start in range(0, len(rows), SCALE_CHUNK):
            chunk = [{**plain, **{k: f() for k, f in factories.items() if k not in row}, **row}
                     for row in rows[start:start + SCALE_CHUNK]]
            if returning:
                ids += self.session.execute(sa.insert(table).returning(table.c.id, sort_by_parameter_order=True),
                                            chunk).scalars().all()
            else:
                self.session.execute(sa.insert(table), chunk)
        self.result.rows[table.name] = self.result.rows.get(table.name, 0) + len(rows)
        return ids


def _month_start(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _fake_resident_id(n: int) -> str:
    """Region 520581 (the demo's county), a birth date and a sequence from the counter (unique up to 17
    million), the check character: valid in form, nobody's."""
    from datetime import timedelta

    born = date(1966, 1, 1) + timedelta(days=n % 17000)
    first17 = f"520581{born:%Y%m%d}{(n // 17000) % 1000:03d}"
    return first17 + resident_id_check_char(first17)


def _marks(rng, month: str, until: date, short: bool) -> str:
    """One person's month of codes; `short`: fewer than 15 days at the station (seed 000 resident staff days)."""
    year, mo = map(int, month.split("-"))
    from calendar import monthrange

    codes = []
    for d in range(1, monthrange(year, mo)[1] + 1):
        day = date(year, mo, d)
        if day > until:
            codes.append("-")
        elif day.weekday() == 6 or (short and d > 12):
            codes.append("R")
        else:
            roll = rng.random()
            codes.append("P" if roll < 0.82 else "F" if roll < 0.93 else "L" if roll < 0.98 else "A")
    return "".join(codes)


def load_province(bureaus: int, per_bureau: int = 20, seed: int = 1, now: datetime | None = None,
                  progress=None) -> ScaleResult:
    """Create bureaus 1…N not yet present with `per_bureau` contracts each and a year of data; commit.

    Needs an application context and, for publishing, runs in a test request context of its own."""
    import random
    import time
    from datetime import timedelta

    from flask import current_app

    from portal.activities.models import ActivityEvent, AttendanceSheet, StaffMember
    from portal.db import utcnow
    from portal.findings.models import Finding, FindingEffect
    from portal.ledgers.models import LedgerRow, LedgerUpload
    from rules.reporting import build_calendar

    say = progress or (lambda message: None)
    now = now or utcnow()
    session = get_session()
    result = ScaleResult()
    bulk = _Bulk(session, result)
    clock = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal clock
        result.seconds[step] = round(time.perf_counter() - clock, 2)
        say(f"{step}: {result.seconds[step]:.1f} s")
        clock = time.perf_counter()

    existing = set(session.exec(select(Bureau.name)))
    wanted = [k for k in range(1, bureaus + 1) if scale_bureau_name(k) not in existing]
    if not wanted:
        return result
    local_today = now.astimezone(_SHANGHAI).date()
    starts_on = _month_start(local_today, -11)  # a year's term, in its twelfth month now
    ends_on = _month_start(starts_on, 12) - timedelta(days=1)
    password = hash_password(DEMO_PASSWORD)  # one hash for every login: hashing is slow on purpose

    # -- organisations, logins, stations, contracts ------------------------------------------------
    bureau_ids = bulk.insert(Bureau, [dict(name=scale_bureau_name(k), short_name=f"演示{k:03d}",
                                           region=f"演示省演示市第{k:03d}县", service_centre=f"演示省第{k:03d}县就业服务中心")
                                      for k in wanted], returning=True)
    per_operator = 3
    operators, users, grades = [], [], []
    for k, bureau_id in zip(wanted, bureau_ids):
        for j in range((per_bureau + per_operator - 1) // per_operator):
            body = f"91520581{k:04d}{j:03d}00"
            operators.append(dict(name=f"演示{k:03d}县第{j + 1}人力资源服务有限公司", credit_code=_code(body),
                                  licence_no=f"（演）人服证字〔2024〕第{k:03d}{j:03d}号", contact_name=f"联系人{k:03d}{j:02d}",
                                  contact_phone=f"1990000{(k * 37 + j) % 10000:04d}", address=f"演示省第{k:03d}县{j + 1}号",
                                  registered_by_bureau_id=bureau_id))
        for role, label in (("reviewer", "初审"), ("approver", "审核"), ("admin", "管理员")):
            users.append(dict(username=f"p{k:03d}-{role}", display_name=f"演示{k:03d}{label}", role=role,
                              bureau_id=bureau_id, password_hash=password, session_token=new_session_token()))
    operator_ids = bulk.insert(Operator, operators, returning=True)
    operator_slugs = []
    for (k, bureau_id), group in zip(zip(wanted, bureau_ids), _groups(operator_ids, (per_bureau + per_operator - 1)
                                                                       // per_operator)):
        for j, operator_id in enumerate(group):
            operator_slugs.append((k, bureau_id, j, operator_id))
            users.append(dict(username=f"op-p{k:03d}-{j + 1}", display_name=f"演示{k:03d}运营{j + 1}", role="operator",
                              operator_id=operator_id, password_hash=password, session_token=new_session_token()))
    user_ids = dict(zip([u["username"] for u in users], bulk.insert(User, users, returning=True)))
    rng = random.Random(seed)
    for _k, _b, j, operator_id in operator_slugs:
        if rng.random() < 0.3:
            grades.append(dict(operator_id=operator_id, kind="hr_service", grade=rng.choice("AABBBC"),
                               given_on=date(starts_on.year - 1, 3, 1), given_by="演示省人力资源和社会保障厅"))
        if rng.random() < 0.1:
            grades.append(dict(operator_id=operator_id, kind="labour_dispatch", grade=rng.choice("ABBC"),
                               given_on=date(starts_on.year - 1, 3, 1), given_by="演示省人力资源和社会保障厅"))
    bulk.insert(CreditGrade, grades)

    contracts, stations = [], []  # contract rows; (contract index, station row)
    for k, bureau_id in zip(wanted, bureau_ids):
        scheme_id, kind, plan, _fact = SCALE_SCHEMES[(k - 1) % len(SCALE_SCHEMES)]
        ops = [o for o in operator_slugs if o[0] == k]
        for n in range(per_bureau):
            _k, _b, j, operator_id = ops[n // per_operator]
            contracts.append(dict(number=f"SC{k:03d}-{starts_on.year}-{n + 1:02d}", bureau_id=bureau_id,
                                  operator_id=operator_id, title=f"演示{k:03d}县{STATION_KINDS_ZH[kind]}运营服务（{n + 1}）",
                                  scheme_id=scheme_id, scheme_version=scheme_version(scheme_id, starts_on), starts_on=starts_on,
                                  ends_on=ends_on, value=Decimal(rng.randrange(20, 200) * 10000), payment_plan=plan))
            for s in range(rng.choice((1, 1, 2, 3))):
                stations.append((len(contracts) - 1, dict(
                    bureau_id=bureau_id, operator_id=operator_id, kind=kind,
                    name=f"演示{k:03d}县{STATION_KINDS_ZH[kind]}{n + 1}-{s + 1}", address=f"演示省第{k:03d}县{n + 1}路{s + 1}号",
                    required_staff=rng.choice((1, 2, 2, 3)), opening_hours="周一至周五 9:00–17:30",
                    established_on=starts_on)))
    contract_ids = bulk.insert(Contract, contracts, returning=True)
    station_ids = bulk.insert(Station, [row for _, row in stations], returning=True)
    bulk.insert(ContractStation, [dict(contract_id=contract_ids[i], station_id=sid)
                                  for (i, _), sid in zip(stations, station_ids)])
    staff = []  # (contract index, row)
    for (i, row), station_id in zip(stations, station_ids):
        for p in range(row["required_staff"] if rng.random() < 0.9 else max(row["required_staff"] - 1, 1)):
            c = contracts[i]
            staff.append((i, dict(contract_id=contract_ids[i], bureau_id=c["bureau_id"], operator_id=c["operator_id"],
                                  station_id=station_id, name=f"某{len(staff) + 1:05d}", post="驻站工作人员" if p else "站长")))
    staff_ids = bulk.insert(StaffMember, [row for _, row in staff], returning=True)
    staff_by_contract: dict[int, list[int]] = {}
    for (i, _row), sid in zip(staff, staff_ids):
        staff_by_contract.setdefault(i, []).append(sid)
    session.commit()
    result.bureaus, result.contracts = len(wanted), len(contracts)
    lap("organisations, contracts, stations, staff")

    # -- submissions, attendance, ledgers, events, findings ----------------------------------------
    calendars = {s[0]: build_calendar(s[0], starts_on, ends_on) for s in SCALE_SCHEMES}
    months = [f"{m:%Y-%m}" for m in (_month_start(starts_on, i) for i in range(12)) if m <= local_today]
    submissions, sheets, uploads, ledger_rows, events, findings, effects = [], [], [], [], [], [], []
    sheet_submission: list[int | None] = []  # per sheet: index into submissions, or None
    upload_submission: list[int] = []
    person = 0
    operator_no = {oid: j + 1 for _k, _b, j, oid in operator_slugs}
    looks_back: dict[int, list[datetime]] = {}  # contract index -> moments the rules found what was corrected later
    for i, c in enumerate(contracts):
        rng = random.Random(f"{seed}:{c['number']}")
        operator_user = user_ids[f"op-p{c['number'][2:5]}-{operator_no[c['operator_id']]}"]
        reviewer = user_ids[f"p{c['number'][2:5]}-reviewer"]
        approver = user_ids[f"p{c['number'][2:5]}-approver"]
        scheme = scheme_for(c["scheme_id"], c["starts_on"])
        base = dict(contract_id=contract_ids[i], bureau_id=c["bureau_id"], operator_id=c["operator_id"])
        monthly_attendance = {}
        returned_one = False
        for obligation in calendars[c["scheme_id"]]:
            if obligation.due_at > now + timedelta(days=25):
                continue  # nothing is handed in a month ahead
            roll = rng.random()
            if obligation.due_at < now and roll < 0.06:
                continue  # missing
            late = obligation.due_at < now and roll < 0.14
            submitted = obligation.due_at + timedelta(hours=rng.randint(20, 70)) if late else \
                obligation.due_at - timedelta(days=rng.randint(1, 3), hours=rng.randint(1, 9))
            if submitted > now:
                continue
            row = dict(base, obligation_key=obligation.spec.key, period_key=obligation.period.key,
                       due_at=obligation.due_at, submitted_at=submitted, submitted_by_id=operator_user)
            if obligation.spec.kind == "ledger":
                for version, ledger_type in enumerate(obligation.spec.ledger_types, start=1):
                    count = rng.randint(2, 10)
                    uploads.append(dict(base, ledger_type=ledger_type, obligation_key=obligation.spec.key,
                                        period_key=obligation.period.key,
                                        filename=f"{ledger_type}-{obligation.period.key}.xlsx", size=8000 + 120 * count,
                                        sha256=f"{len(uploads):064x}", uploaded_by_id=operator_user,
                                        uploaded_at=submitted, queue_seen_at=submitted, state="accepted", attempts=1,
                                        progress_done=count, progress_total=count, total_rows=count,
                                        summary=f"共{count}行，全部通过检查，已接收。", finished_at=submitted + timedelta(minutes=1)))
                    rows = []
                    for number in range(count):
                        person += 1
                        rows.append((number + 3, _ledger_row(ledger_type, person, obligation.period.start, rng)))
                    ledger_rows.append(rows)
                    # every accepted upload for the obligation is its next version (ledgers._record_submission)
                    submissions.append(dict(row, version=version, figures={}, state="accepted", reviewed_by_id=reviewer,
                                            reviewed_at=submitted + timedelta(days=2), narrative=""))
                    upload_submission.append(len(submissions) - 1)
                    submitted += timedelta(minutes=5)
                    row = dict(row, submitted_at=submitted)
                continue
            figures = {key: str(rng.randint(0, 40 if scheme.facts[key].kind == "count" else 1))
                       for key in obligation.spec.fields}
            if obligation.spec.kind == "attendance" and obligation.spec.frequency == "monthly":
                monthly_attendance[obligation.period.key] = (row, submitted)
                continue
            first = dict(row, figures=figures, narrative=f"{obligation.spec.label}（{obligation.period.key}）：按计划完成。")
            if not returned_one and not late and obligation.spec.kind == "report" and rng.random() < 0.3:
                returned_one = True
                submissions.append(dict(first, state="returned", review_reason="缺少上月工作总结的具体数据，请补充后重新提交。",
                                        reviewed_by_id=reviewer, reviewed_at=submitted + timedelta(days=1)))
                if submitted + timedelta(days=2) < now:
                    submissions.append(dict(first, version=2, submitted_at=submitted + timedelta(days=2),
                                            narrative=first["narrative"] + "已补充上月工作总结数据。"))
            elif submitted + timedelta(days=2) < now:
                submissions.append(dict(first, state="accepted", reviewed_by_id=reviewer,
                                        reviewed_at=submitted + timedelta(days=2)))
            else:
                submissions.append(first)
        # Attendance: a sheet a month for every contract with staff (the monthly obligation where the scheme has one).
        people = staff_by_contract.get(i, [])
        has_monthly = any(o.spec.kind == "attendance" and o.spec.frequency == "monthly"
                          for o in calendars[c["scheme_id"]])
        for month in months:
            if not people:
                break
            year, mo = map(int, month.split("-"))
            due = _month_start(date(year, mo, 1), 1)
            filed = monthly_attendance.get(month)
            if filed is None and (has_monthly or rng.random() < 0.05):
                continue  # the monthly attendance obligation was missed (or, without one, a month not recorded)
            moment = filed[1] if filed else datetime.combine(due, datetime.min.time(), _SHANGHAI) + timedelta(hours=10)
            if moment > now:
                continue
            until = min(local_today, ends_on)
            marks = {str(sid): _marks(rng, month, until, rng.random() < 0.04) for sid in people}
            versions = [(moment, marks)]
            corrected = moment + timedelta(days=3)
            if any(m.count("R") > 12 for m in marks.values()) and rng.random() < 0.6 and corrected < now:
                # a short month corrected by a second version: the rules found it, then no longer do
                versions.append((corrected, {k: _marks(rng, month, until, False) for k in marks}))
                looks_back.setdefault(i, []).append(moment + timedelta(days=1))
            for version, (at, rows) in enumerate(versions, start=1):
                sheets.append(dict(base, month=month, version=version, source="form", marks=rows, submitted_at=at,
                                   submitted_by_id=operator_user))
                if filed:
                    submissions.append(dict(filed[0], version=version, submitted_at=at,
                                            figures={"staff": str(len(rows))},
                                            narrative=f"考勤表第{version}版（在线填报），{len(rows)}人"))
                    sheet_submission.append(len(submissions) - 1)
                else:
                    sheet_submission.append(None)
        for e in range(2):
            held = starts_on + timedelta(days=rng.randrange(max((local_today - starts_on).days, 1)))
            events.append(dict(base, kind=rng.choice(("recruitment_fair", "live_stream", "visit", "training")),
                               held_on=held, place=f"演示省第{c['number'][2:5]}县", participants=rng.randint(10, 300),
                               description="演示活动", created_by_id=operator_user,
                               created_at=datetime.combine(held, datetime.min.time(), _SHANGHAI)))
        fact = SCALE_SCHEMES[[s[0] for s in SCALE_SCHEMES].index(c["scheme_id"])][3]
        for f in range(rng.choice((0, 1, 1, 2, 3))):
            found_on = starts_on + timedelta(days=rng.randrange(max((local_today - starts_on).days, 1)))
            kind = rng.choice(("spot_check", "spot_check", "complaint", "complaint", "dispute", "incident"))
            row = dict(base, kind=kind, found_on=found_on, description=f"演示{FINDING_WORDS[kind]}记录",
                       recorded_by_id=reviewer, recorded_at=datetime.combine(found_on, datetime.min.time(), _SHANGHAI)
                       + timedelta(hours=15), serious=kind == "incident" and rng.random() < 0.2,
                       outcome=rng.choice(("lost", "won", "settled")) if kind == "dispute" else "",
                       collective=kind == "dispute" and rng.random() < 0.2)
            if rng.random() < 0.05:
                row.update(status="withdrawn", withdrawn_reason="核实有误，撤回。", withdrawn_by_id=approver,
                           withdrawn_at=row["recorded_at"] + timedelta(days=3))
            findings.append(row)
            effects.append((len(findings) - 1, fact) if kind == "spot_check" and fact in scheme.facts else None)

    upload_ids = bulk.insert(LedgerUpload, uploads, returning=True)
    for upload, upload_id, index in zip(uploads, upload_ids, upload_submission):
        submissions[index]["narrative"] = (f"台账上传：{upload['filename']}，{upload['total_rows']}行"
                                           f"（上传编号 {upload_id}）")
    submission_ids = bulk.insert(Submission, submissions, returning=True)
    for row, index in zip(sheets, sheet_submission):
        row["submission_id"] = submission_ids[index] if index is not None else None
    bulk.insert(AttendanceSheet, sheets)
    rows = []
    for upload, upload_id, numbered in zip(uploads, upload_ids, ledger_rows):
        key = LEDGER_KEYS[upload["ledger_type"]]
        for number, data in numbered:
            rows.append(dict(upload_id=upload_id, contract_id=upload["contract_id"], bureau_id=upload["bureau_id"],
                             operator_id=upload["operator_id"], ledger_type=upload["ledger_type"], row_number=number,
                             row_key="|".join(str(data[k]) for k in key), data=data))
    bulk.insert(LedgerRow, rows)
    bulk.insert(ActivityEvent, events)
    finding_ids = bulk.insert(Finding, findings, returning=True)
    bulk.insert(FindingEffect, [dict(finding_id=finding_ids[e[0]], fact_key=e[1], fact_kind="count", value=Decimal(1),
                                     reason="抽查发现（演示数据）") for e in effects if e])
    session.commit()
    lap("submissions, attendance, ledgers, events, findings")

    # -- violations: what the rules find, as of now and at earlier moments -------------------------
    swept = session.exec(select(Contract).where(Contract.id.in_(contract_ids)).order_by(Contract.id)).all()
    _store_violations(session, bulk, swept, now, {contract_ids[i]: m for i, m in looks_back.items()}, seed)
    session.commit()
    lap("violations (rules on every contract)")

    # -- assessments: sheets of ended cycles approved and frozen; some still in review --------------
    approved_contracts = _assess(session, bulk, swept, user_ids, now, seed)
    session.commit()
    lap("score sheets and approvals")
    # The approvals are facts of the consequences rules: what they find now is stored too.
    _store_violations(session, bulk, [c for c in swept if c.id in approved_contracts], now, {}, seed)
    session.commit()
    lap("violations of the approved cycles")

    with current_app.test_request_context("/"):
        _publish_scale(session, wanted, bureau_ids, now)
    session.commit()
    from portal.publication.models import Publication, PublishedResult

    for model in (Publication, PublishedResult):  # written by publication.publish(), not in bulk
        result.rows[model.__tablename__] = session.exec(select(sa.func.count()).select_from(model)
                                                        .where(model.bureau_id.in_(bureau_ids))).one()
    lap("publications")
    return result


STATION_KINDS_ZH = {"labour_cooperation": "劳务协作工作站", "employment_service": "就业服务站", "gig_market": "零工市场",
                    "employment_home": "就业之家", "alliance_operator": "就业协作联盟运营点"}
FINDING_WORDS = {"spot_check": "抽查", "complaint": "投诉", "dispute": "劳动争议", "incident": "安全事故", "survey": "调查"}
LEDGER_KEYS = {"delivered_workers": ("resident_id",), "entrepreneurs": ("resident_id",), "assistance": ("resident_id",),
               "enterprises": ("credit_code",), "job_postings": ("enterprise_name", "job_title", "published_on")}


def _groups(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def _ledger_row(ledger_type: str, n: int, period_start: date, rng) -> dict:
    """One row as an accepted import stores it (every value JSON: dates ISO, numbers as strings)."""
    from datetime import timedelta

    rid = _fake_resident_id(n)
    day = (period_start + timedelta(days=n % 27)).isoformat()
    code = _code(f"91520581{n % 10_000_000:07d}30")
    if ledger_type in ("delivered_workers", "entrepreneurs", "assistance"):
        row = {"name": f"某{n:06d}", "resident_id": rid, "phone": f"1990000{n % 10000:04d}"}
        if ledger_type == "delivered_workers":
            row.update(sex="男" if int(rid[16]) % 2 else "女", household_registration="贵州省黔西市",
                       employer=f"演示用工单位{n % 300:03d}有限公司", employer_credit_code=code, job="普工",
                       hire_date=day, contract_signed=n % 17 != 0, social_insurance_start=day[:8] + "01",
                       dispatched=n % 41 == 0, skilled=n % 9 == 0)
        elif ledger_type == "entrepreneurs":
            row.update(sex="男" if int(rid[16]) % 2 else "女", household_registration="贵州省黔西市",
                       business_name=f"演示创业项目{n:06d}", business_type="个体工商户", started_on=day,
                       jobs_created=n % 6, subsidy=n % 3 == 0)
        else:
            row.update(category=rng.choice(("高校毕业生", "登记失业人员", "就业困难人员", "农村劳动力")), registered_on=day,
                       policy_briefings=1, career_guidance=rng.randint(0, 3), job_recommendations=rng.randint(1, 6),
                       trainings=rng.randint(0, 2), internships=0, employed=n % 3 == 0)
        return row
    if ledger_type == "enterprises":
        return {"enterprise_name": f"演示企业{n:06d}有限公司", "credit_code": code, "industry": "制造业",
                "address": "演示省演示市", "contact": f"某{n:06d}", "phone": f"1990000{n % 10000:04d}",
                "employees": 50 + n % 900, "demand": n % 40, "agreement_signed": n % 2 == 0}
    return {"enterprise_name": f"演示企业{n % 500:03d}有限公司", "job_title": f"普工{n:06d}", "openings": 1 + n % 20,
            "salary_min": "3500", "salary_max": "6000", "education": "不限", "work_place": "演示省演示市",
            "published_on": day}


def _store_violations(session, bulk: "_Bulk", contracts, now: datetime, looks_back: dict, seed: int) -> None:
    """What rules.compliance finds in each contract's facts (portal/facts), stored as store_findings stores
    it but in bulk: found now → open (a few acknowledged or waived); found by the sweep at one of the
    contract's `looks_back` moments (the facts as they stood then) and no longer → rectified. Keys already
    stored are left alone (a second call adds what is new)."""
    import random
    from datetime import timedelta

    from portal.facts.services import rule_facts, rule_inputs
    from portal.violations.models import Violation
    from portal.violations.services import violation_values
    from rules.compliance import evaluate

    stored = {(c, k) for c, k in session.exec(select(Violation.contract_id, Violation.dedup_key)
                                               .where(Violation.contract_id.in_([c.id for c in contracts])))}
    rows, inputs = [], {}
    for n, contract in enumerate(contracts):
        if n % 200 == 0:  # what the rules read, loaded for 200 contracts at a time (as the sweep does)
            inputs = rule_inputs(contracts[n:n + 200], now)
        rng = random.Random(f"{seed}:violations:{contract.id}")
        facts = rule_facts(contract, now, inputs[contract.id])
        found = {f.dedup_key: f for f in evaluate(facts)}
        gone = {}
        for moment in looks_back.get(contract.id, []):
            past = rule_facts(contract, moment)  # attendance as it stood then
            past["submissions"] = [s for s in past["submissions"] if s["submitted_at"] <= past["as_of"]]
            for f in evaluate(past):
                if f.dedup_key not in found and f.dedup_key not in gone:
                    gone[f.dedup_key] = (f, moment)
        base = dict(contract_id=contract.id, bureau_id=contract.bureau_id, operator_id=contract.operator_id)
        for key, f in found.items():
            if (contract.id, key) in stored:
                continue
            row = dict(base, dedup_key=key, first_found_at=now, last_found_at=now, **violation_values(f))
            roll = rng.random()
            if f.kind == "violation" and roll < 0.08:
                row.update(status="acknowledged")
            elif f.kind == "violation" and roll < 0.12:
                row.update(status="waived", status_reason="经核实属不可抗力（演示数据）", resolved_at=now)
            rows.append(row)
        for key, (f, moment) in gone.items():
            if (contract.id, key) in stored:
                continue
            rows.append(dict(base, dedup_key=key, first_found_at=moment, last_found_at=moment, status="rectified",
                             status_reason="规则复核时已不再发现该问题 / the rules no longer find it",
                             resolved_at=moment + timedelta(days=7), **violation_values(f)))
    bulk.insert(Violation, rows)


def _assess(session, bulk: "_Bulk", contracts, user_ids: dict, now: datetime, seed: int) -> set[int]:
    """Sheets of the cycles that ended a month ago or more: most approved and frozen as approve_sheet freezes
    them (the facts only people know take the scheme's example values), some submitted, some in draft; the
    current cycle's sheet in draft. Returns the ids of contracts with an approval."""
    import random
    from datetime import timedelta

    from portal.assessment import services as assessment
    from portal.cycles.models import AssessmentSheet, SheetApproval
    from portal.cycles.services import cycles
    from rules.scoring import score, sheet_to_dict

    sheets = []
    local_today = now.astimezone(_SHANGHAI).date()
    for contract in contracts:
        rng = random.Random(f"{seed}:sheets:{contract.id}")
        k = contract.number[2:5]
        reviewer, approver = user_ids[f"p{k}-reviewer"], user_ids[f"p{k}-approver"]
        scheme = scheme_for(contract.scheme_id, contract.starts_on)
        bureau_fate = random.Random(f"{seed}:bureau:{contract.bureau_id}").random()
        for cycle in cycles(contract):
            ended = cycle.end + timedelta(days=30) < local_today
            if not ended:
                if cycle.start <= local_today:  # the current cycle's sheet, started by the reviewer
                    sheets.append((None, dict(contract_id=contract.id, bureau_id=contract.bureau_id,
                                              operator_id=contract.operator_id, cycle_id=cycle.id,
                                              cycle_label=cycle.label, cycle_start=cycle.start, cycle_end=cycle.end,
                                              state="draft")))
                break
            # The first ended cycle is approved everywhere; a later one is still in review at a third of the bureaus.
            first = cycle.id == cycles(contract)[0].id
            state = "approved" if first or bureau_fate < 0.67 else rng.choice(("approved", "submitted", "draft"))
            at = datetime.combine(cycle.end + timedelta(days=rng.randint(12, 25)), datetime.min.time(), _SHANGHAI) \
                + timedelta(hours=10)
            row = None
            projection = assessment.project(contract, cycle)
            entries = {}
            for key in projection.sheet.missing_facts:
                spec = scheme.facts[key]
                entries[key] = {"value": assessment.parse_entry(spec, assessment.example_entry(spec), "现场核查（演示数据）"),
                                "reason": "现场核查（演示数据）", "by": f"p{k}-reviewer", "by_name": f"演示{k}初审",
                                "at": (at - timedelta(days=3)).isoformat(timespec="seconds")}
            values = dict(contract_id=contract.id, bureau_id=contract.bureau_id, operator_id=contract.operator_id,
                          cycle_id=cycle.id, cycle_label=cycle.label, cycle_start=cycle.start, cycle_end=cycle.end,
                          state=state, entries=entries, revision=len(entries) + (3 if state == "approved" else 2),
                          created_at=at - timedelta(days=5), updated_at=at)
            if state != "draft":
                values.update(submitted_by_id=reviewer, submitted_at=at - timedelta(days=1))
            approval = None
            if state == "approved":
                # assessment.assess() on the projection just made: the entries laid over the data, scored
                facts, sources = dict(projection.facts), dict(projection.sources)
                for key, entry in entries.items():
                    facts[key], sources[key] = entry["value"], "assessment"
                result = assessment.Assessment(projection, row, facts, sources, score(scheme, facts))
                if result.sheet.missing_facts:  # rank-based lines wait for the cohort: leave it submitted
                    values["state"] = "submitted"
                else:
                    approval = dict(
                        number=1, contract_id=contract.id, bureau_id=contract.bureau_id,
                        operator_id=contract.operator_id, cycle_id=cycle.id, scheme_id=result.sheet.scheme_id,
                        scheme_version=result.sheet.scheme_version,
                        scheme_sha256=result.sheet.scheme_sha256, facts=assessment.to_json(result.facts),
                        sources=dict(result.sources), figures=sheet_to_dict(result.sheet), total=result.sheet.total,
                        passed=result.sheet.passed, payment_ratio=result.sheet.payment_ratio, submitted_by_id=reviewer,
                        approved_by_id=approver, approved_at=at, note="同意（演示数据）")
            sheets.append((approval, values))
    ids = bulk.insert(AssessmentSheet, [values for _, values in sheets], returning=True)
    rows = [dict(approval, sheet_id=sheet_id) for (approval, _), sheet_id in zip(sheets, ids) if approval]
    bulk.insert(SheetApproval, rows)
    return {row["contract_id"] for row in rows}


def _publish_scale(session, wanted: list[int], bureau_ids: list[int], now: datetime) -> None:
    """Every bureau+scheme+cycle whose sheets are all approved is published (公示) by the bureau's approver,
    on the day after the last approval, through publication.publish()."""
    from datetime import timedelta

    from portal.cycles.models import AssessmentSheet, SheetApproval
    from portal.publication import services as publication

    for k, bureau_id in zip(wanted, bureau_ids):
        approver = session.exec(select(User).where(User.username == f"p{k:03d}-approver")).one()
        _as(approver)
        bureau = session.get(Bureau, bureau_id)
        states: dict[tuple[str, str], set] = {}
        for contract, sheet in session.exec(select(Contract, AssessmentSheet).outerjoin(
                AssessmentSheet, AssessmentSheet.contract_id == Contract.id).where(Contract.bureau_id == bureau_id)):
            if sheet is not None:
                states.setdefault((contract.scheme_id, sheet.cycle_id), set()).add(sheet.state)
        for (scheme_id, cycle_id), seen in sorted(states.items()):
            if seen != {"approved"}:
                continue
            last = session.exec(select(sa.func.max(SheetApproval.approved_at)).where(
                SheetApproval.bureau_id == bureau_id, SheetApproval.cycle_id == cycle_id)).one()
            publication.publish(bureau, scheme_id, cycle_id, approver, now=min(last + timedelta(days=1), now))
