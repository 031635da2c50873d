"""Delivered workers (seed 001): who counts, and the labour contract of those who do.

seed 001 第一条: 输送劳动力 = 在金东参加社会保险且连续缴纳2个月以上的法定劳动年龄段省外户籍务工人员，
不含劳务派遣人员. Each condition a worker fails is one determination finding (not counted, and why);
every worker's status is derived at the end of input, and each counted worker is asserted as a
``counted_worker`` fact that the labour-contract rule matches.
"""
from __future__ import annotations

from decimal import Decimal

from durable.lang import c, m, ruleset

from rules.identifiers import InvalidIdentifier, mask_resident_id, parse_resident_id

from .engine import END, Evaluation, derive, end_of_input, rule, schemes_condition
from .facts import SHANGHAI, Input, boolean, month_index, parse_day, parse_month, require
from .model import Clause, Consequence, Kind, Penalty, Remedy, RuleMeta, Severity

RULESET = "kaohe_workers"
ZHEJIANG = "33"  # GB/T 2260 province code (DOMAIN.md §6.7)
MIN_INSURED_MONTHS = 2  # 连续缴纳2个月以上 (以上 includes 2)

_001 = ("jindong-2021",)
_DEFINITION = Clause(
    seed="001", item="金东人社〔2021〕14号 第一条",
    text="本办法所称输送劳动力，是指在金东参加社会保险且连续缴纳2个月以上的法定劳动年龄段省外户籍务工人员，不含劳务派遣人员。",
)


def _not_counted(rule_id: str, zh: str, en: str, remedy: Remedy) -> RuleMeta:
    return RuleMeta(
        id=rule_id, ruleset=RULESET, clause=_DEFINITION, remedy=remedy,
        message_zh="务工人员{worker}不计入输送劳动力：" + zh,
        message_en="Worker {worker} does not count as a delivered worker: " + en,
        schemes=_001, scheme_item="cooperation_results/delivered", scheme_fact="delivered_workers",
        scheme_item_label="协作效果 / 输送人数", penalty=Penalty(consequence=Consequence.NOT_COUNTED), severity=Severity.INFO, kind=Kind.DETERMINATION,
    )


INVALID_RESIDENT_ID = _not_counted(
    "workers.invalid_resident_id", "身份证号无效（{reason}）", "the resident ID is invalid ({reason})",
    Remedy("核对并更正台账中的身份证号后重新上传", "Check and correct the resident ID in the ledger, then upload it again"))
HOUSEHOLD_IN_ZHEJIANG = _not_counted(
    "workers.household_in_zhejiang", "户籍在浙江省（身份证号前两位为33），不是省外户籍",
    "household registered in Zhejiang (ID starts with 33), not outside the province",
    Remedy("浙江省户籍人员不计入输送劳动力，请从输送人数中剔除", "Workers registered in Zhejiang do not count; remove them from the delivered count"))
OUTSIDE_WORKING_AGE = _not_counted(
    "workers.outside_working_age", "入职时{age}周岁，不在法定劳动年龄段（{minimum_age}周岁至{retirement_age}周岁以下）",
    "aged {age} at hire, outside working age ({minimum_age} to under {retirement_age})",
    Remedy("不在法定劳动年龄段的人员不计入，请核对入职日期和身份证号，不符合的剔除", "Workers outside working age do not count; check the hire date and ID, and remove those who do not qualify"))
INSURANCE_UNDER_TWO_MONTHS = _not_counted(
    "workers.insurance_under_two_months", "在金东连续缴纳社会保险{run}个月，不足2个月",
    "{run} consecutive month(s) of local social insurance, fewer than 2",
    Remedy("该人员在金东连续参保满2个月后，补录参保月份即可计入", "Once the worker has two consecutive months of local social insurance, record those months and the worker counts"))
DISPATCHED = _not_counted(
    "workers.dispatched", "属劳务派遣人员", "a dispatched (劳务派遣) worker",
    Remedy("劳务派遣人员不计入输送劳动力，请从输送人数中剔除", "Dispatched workers do not count; remove them from the delivered count"))

DELIVERED_WORKER_STATUS = RuleMeta(
    id="workers.delivered_worker_status", ruleset=RULESET, clause=_DEFINITION,
    remedy=Remedy("补齐输送劳动力的身份证号、参保月份和劳动合同信息",
                  "Complete each delivered worker's resident ID, insured months and labour-contract record"),
    message_zh="务工人员{worker}是否计入输送劳动力（派生事实，供评分与其他规则使用）",
    message_en="Whether worker {worker} counts as a delivered worker (derived; used by the score and other rules)",
    schemes=_001, scheme_item="cooperation_results/delivered", scheme_fact="delivered_workers", scheme_item_label="协作效果 / 输送人数",
    penalty=None, severity=Severity.INFO, kind=Kind.DERIVED,
)

LABOUR_CONTRACT_MISSING = RuleMeta(
    id="workers.labour_contract_missing", ruleset=RULESET,
    remedy=Remedy("督促用人单位与该人员签订劳动合同，并在台账中补录签订情况",
                  "Have the employer sign a labour contract with the worker and record it in the ledger"),
    clause=Clause(seed="001", item="附件3 评估表 工作管理 / 签订合同（5分）",
                  text="输送劳动力与用人单位签订劳动合同。发现未落实一例扣1分。"),
    message_zh="输送劳动力{worker}未与用人单位签订劳动合同，扣{points}分",
    message_en="Delivered worker {worker} has no signed labour contract with the employer, −{points}",
    schemes=_001, scheme_item="work_management/labour_contracts", scheme_fact="delivered_without_contract", scheme_item_label="工作管理 / 签订合同",
    penalty=Penalty(points=Decimal("1")), severity=Severity.NOTICE, kind=Kind.VIOLATION,
)

_worker = (m.t == "worker") & schemes_condition(DELIVERED_WORKER_STATUS)


def _exclude(act, ev: Evaluation, meta: RuleMeta, evidence: dict, details: dict | None = None) -> None:
    f = act.m
    ev.worker_reasons.setdefault(f.worker, []).append(meta.id)
    ev.emit(meta, subject={"contract": f.contract, "worker": f.worker},
            evidence={"worker": f.worker, "resident_id": f.masked_id, **evidence}, details=details)


with ruleset(RULESET):
    end_of_input(RULESET)

    @rule(INVALID_RESIDENT_ID, _worker & (m.id_valid == False))
    def invalid_id(act, ev):
        _exclude(act, ev, INVALID_RESIDENT_ID, {"reason": act.m.id_error}, {"reason": act.m.id_error})

    @rule(HOUSEHOLD_IN_ZHEJIANG, _worker & (m.province_code == ZHEJIANG))
    def in_zhejiang(act, ev):
        _exclude(act, ev, HOUSEHOLD_IN_ZHEJIANG, {"province_code": act.m.province_code})

    @rule(OUTSIDE_WORKING_AGE, _worker & ((m.age_at_hire < m.minimum_age) | (m.age_at_hire >= m.retirement_age)))
    def outside_age(act, ev):
        f = act.m
        _exclude(act, ev, OUTSIDE_WORKING_AGE,
                 {"birth_date": f.birth_date, "hired_on": f.hired_on, "sex": f.sex, "age_at_hire": f.age_at_hire,
                  "minimum_age": f.minimum_age, "retirement_age": f.retirement_age},
                 {"age": f.age_at_hire, "minimum_age": f.minimum_age, "retirement_age": f.retirement_age})

    @rule(INSURANCE_UNDER_TWO_MONTHS, _worker & (m.insured_run < MIN_INSURED_MONTHS))
    def short_insurance(act, ev):
        f = act.m
        _exclude(act, ev, INSURANCE_UNDER_TWO_MONTHS,
                 {"insured_months": list(f.insured_months), "longest_consecutive_run": f.insured_run},
                 {"run": f.insured_run})

    @rule(DISPATCHED, _worker & (m.dispatched == True))
    def dispatched(act, ev):
        _exclude(act, ev, DISPATCHED, {"dispatched": True})

    # Joined with the end-of-input marker: every exclusion above has fired by then.
    @rule(DELIVERED_WORKER_STATUS, c.w << _worker, c.end << (m.t == END))
    def status(act, ev):
        w = act.w
        ev.worker_seen[w.worker] = True
        if not ev.worker_reasons.get(w.worker):
            derive(act, {"t": "counted_worker", "id": f"counted_worker:{w.worker}", "worker": w.worker,
                         "contract": w.contract, "scheme": w.scheme, "contract_signed": w.contract_signed,
                         "masked_id": w.masked_id, "src": w.src, **ev.inp.flags})

    @rule(LABOUR_CONTRACT_MISSING,
          (m.t == "counted_worker") & schemes_condition(LABOUR_CONTRACT_MISSING) & (m.contract_signed == False))
    def labour_contract_missing(act, ev):
        f = act.m
        ev.emit(LABOUR_CONTRACT_MISSING, subject={"contract": f.contract, "worker": f.worker},
                evidence={"worker": f.worker, "resident_id": f.masked_id, "contract_signed": False})


def longest_run(months: list[tuple[int, int]]) -> int:
    """Longest run of consecutive calendar months."""
    idx = sorted({month_index(y, mo) for y, mo in months})
    best = run = 0
    prev = None
    for i in idx:
        run = run + 1 if prev is not None and i == prev + 1 else 1
        best = max(best, run)
        prev = i
    return best


def prepare(inp: Input) -> list[dict]:
    facts = []
    local = inp.as_of.astimezone(SHANGHAI)
    as_of_month = month_index(local.year, local.month)
    for row in inp.rows("workers"):
        where = f"workers[{row['id']}]"
        hired_on = parse_day(require(row, "hired_on", where), f"{where}.hired_on")
        insured = []
        for i, value in enumerate(row.get("insured_months") or []):
            y, mo = parse_month(value, f"{where}.insured_months[{i}]")
            if month_index(y, mo) <= as_of_month:  # months not yet paid as of as_of do not count
                insured.append((y, mo))
        fact = inp.base("worker", row["id"])
        raw_id = require(row, "resident_id", where)
        fact.update(worker=str(row["id"]), hired_on=hired_on.isoformat(),
                    insured_months=[f"{y:04d}-{mo:02d}" for y, mo in sorted(set(insured))],
                    insured_run=longest_run(insured), dispatched=boolean(row, "dispatched", where, default=False),
                    contract_signed=boolean(row, "contract_signed", where), masked_id=mask_resident_id(str(raw_id)),
                    station=str(row.get("station") or ""))
        try:
            rid = parse_resident_id(raw_id)
        except InvalidIdentifier as exc:
            fact.update(id_valid=False, id_error=str(exc))
        else:
            fact.update(id_valid=True, province_code=rid.province_code, sex=rid.sex,
                        birth_date=rid.birth_date.isoformat(), age_at_hire=rid.age_on(hired_on),
                        minimum_age=inp.config["minimum_age"], retirement_age=inp.config["retirement_age"][rid.sex])
        facts.append(fact)
    return facts
