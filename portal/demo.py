"""Demo data: the bureaus of the five source documents, with operators, stations and contracts as the
documents describe them, and one login per role per bureau and per operator. Idempotent.

Company names, people, phone numbers and licence numbers are invented; credit codes carry a valid
GB 32100 check character. Where a document states no contract value (黔西, 新干, 吴江) the value is a
demo figure. The contracts are this round's renewals (2026) under the schemes the documents set out, and
each carries a history of submissions: mostly on time, some late or missing, one returned for changes.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlmodel import select

from portal.auth.models import User
from portal.auth.services import hash_password
from portal.contracts.models import Contract, ContractStation, Station
from portal.contracts.services import scheme_version, stations_of
from portal.db import get_session
from portal.organisations.models import Bureau, CreditGrade, Operator
from portal.reporting.models import Submission
from rules.identifiers import credit_code_check_char

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
                                scheme_id=scheme, scheme_version=scheme_version(scheme), starts_on=start,
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
    from rules.schemes import load_scheme

    session = get_session()
    with current_app.test_request_context("/"):
        for number, objection in (("PX-2026-FW-01", "upheld"), ("PX-2026-FW-02", "dismissed")):
            contract = session.exec(select(Contract).where(Contract.number == number)).one()
            if publication.latest_version(contract.bureau_id, contract.scheme_id, "stage_1") is not None:
                continue
            users = {u.role: u for u in session.exec(select(User).where(User.bureau_id == contract.bureau_id))}
            operator_user = session.exec(select(User).where(User.operator_id == contract.operator_id)).first()
            scheme = load_scheme(contract.scheme_id)
            cycle = cycle_services.find_cycle(contract, "stage_1")
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
    from rules.schemes import load_scheme

    rng = random.Random(contract.number)
    now = datetime.now(timezone.utc)
    operator_user = session.exec(select(User).where(User.operator_id == contract.operator_id)).first()
    reviewer = session.exec(select(User).where(User.bureau_id == contract.bureau_id,
                                               User.role == "reviewer")).first()
    scheme = load_scheme(contract.scheme_id)
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
