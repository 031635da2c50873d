"""Credit and conduct: credit grades, complaints, incidents and labour disputes (seeds 001, 004).

Counts (complaints, incidents) are running totals: each complaint or incident is counted by a tally
rule as it arrives, and the end-of-input rule asserts the final count as a ``tally`` fact, so the
threshold rules (3 → veto, 5 → −5) only ever see the final figure.
"""
from __future__ import annotations

from decimal import Decimal

from durable.lang import m, ruleset

from .engine import Evaluation, InvalidFacts, end_of_input, rule, schemes_condition
from .facts import SHANGHAI, Input, boolean, parse_day, require
from .model import Clause, Consequence, Kind, Penalty, Remedy, RuleMeta, Severity

RULESET = "kaohe_conduct"
_001 = ("jindong-2021",)
_004 = ("wujiang-2022",)
GRADES = ("A", "B", "C", "D")

_004_NEGATIVE = "吴人社就〔2022〕15号 四（五）负面影响"

CREDIT_GRADE_C = RuleMeta(
    id="conduct.credit_grade_c_fail", ruleset=RULESET,
    remedy=Remedy("整改失信行为并申请信用修复，使信用等级恢复到B级及以上",
                  "Correct the conduct behind the grade and apply for credit repair until the grade is B or better"),
    clause=Clause(seed="004", item=_004_NEGATIVE + " 第3项",
                  text="运营单位为人力资源服务机构且在评价周期内信用等级评价为C级的，当年度考核等次列为不合格。"),
    message_zh="运营单位{operator}信用等级评价为C级，当年度考核等次列为不合格",
    message_en="Operator {operator} has credit grade C: the year's assessment fails",
    schemes=_004, scheme_item="vetoes/hr_credit_c", scheme_fact="hr_credit_grade", scheme_item_label="负面影响 / 信用等级",
    penalty=Penalty(consequence=Consequence.FAIL), severity=Severity.SERIOUS, kind=Kind.CONSEQUENCE,
)
CREDIT_GRADE_D = RuleMeta(
    id="conduct.credit_grade_d_disqualified", ruleset=RULESET,
    remedy=Remedy("运营资格已取消，不能通过整改挽回；信用修复后方可按规定重新申请",
                  "The operator's qualification is cancelled and cannot be won back by rectification; re-apply only after credit repair, as the rules allow"),
    clause=Clause(seed="004", item=_004_NEGATIVE + " 第3项",
                  text="评价为D级的，取消“乐业吴江”就业协作联盟运营单位资格。"),
    message_zh="运营单位{operator}信用等级评价为D级，取消联盟运营单位资格",
    message_en="Operator {operator} has credit grade D: disqualified as an alliance operator",
    schemes=_004, scheme_item="vetoes/hr_credit_d", scheme_fact="hr_credit_grade", scheme_item_label="负面影响 / 信用等级",
    penalty=Penalty(consequence=Consequence.DISQUALIFY), severity=Severity.SERIOUS, kind=Kind.CONSEQUENCE,
)
DISPATCH_LABOUR_CREDIT_C = RuleMeta(
    id="conduct.dispatch_labour_credit_c_fail", ruleset=RULESET,
    remedy=Remedy("整改劳动保障违法行为并申请劳动保障信用修复",
                  "Correct the labour-law violations and apply for repair of the labour-security credit grade"),
    clause=Clause(seed="004", item=_004_NEGATIVE + " 第2项",
                  text="运营单位为劳务派遣单位且在评价周期内劳动保障信用等级评价为C级的，当年度考核等次列为不合格。"),
    message_zh="劳务派遣单位{operator}劳动保障信用等级为C级，当年度考核等次列为不合格",
    message_en="Dispatch company {operator} has labour-security credit grade C: the year's assessment fails",
    schemes=_004, scheme_item="vetoes/dispatch_credit_c", scheme_fact="labour_credit_grade", scheme_item_label="负面影响 / 劳动保障信用等级",
    penalty=Penalty(consequence=Consequence.FAIL), severity=Severity.SERIOUS, kind=Kind.CONSEQUENCE,
)
MAJOR_INCIDENT_EXPELLED = RuleMeta(
    id="conduct.major_incident_expelled", ruleset=RULESET,
    remedy=Remedy("运营资格已取消，不能通过整改挽回；配合调查处置并落实整改",
                  "The qualification is cancelled and cannot be won back; cooperate with the investigation and carry out the rectification"),
    clause=Clause(seed="004", item=_004_NEGATIVE + " 第1项",
                  text="运营单位在评价周期内发生群体性、突发性等重大社会影响事件……当年度考核等次列为不合格，取消运营单位资格。"),
    message_zh="运营单位{operator}发生重大社会影响事件（{incident}），当年度不合格并取消运营单位资格",
    message_en="Operator {operator}: major incident {incident}; the year fails and the operator is expelled",
    schemes=_004, scheme_item="vetoes/major_incident", scheme_fact="major_incident", scheme_item_label="负面影响 / 重大事件",
    penalty=Penalty(consequence=Consequence.DISQUALIFY), severity=Severity.SERIOUS, kind=Kind.CONSEQUENCE,
)

_001_COMPLAINTS = Clause(
    seed="001", item="附件3 评估表 站点管理 / 处理意外责任事故及投诉情况（5分）",
    text="输送劳动力过程中没有发生安全责任事故或投诉。投诉经核实一例扣2分。发生安全责任事故或投诉3次以上，一票否决，年度评估为不合格。",
)
VERIFIED_COMPLAINT = RuleMeta(
    id="conduct.verified_complaint", ruleset=RULESET, clause=_001_COMPLAINTS,
    remedy=Remedy("处理并答复投诉人，整改被投诉的问题，向人社局书面报告处理结果",
                  "Resolve and answer the complaint, correct its cause and report the outcome to the bureau in writing"),
    message_zh="投诉{complaint}经核实，扣{points}分", message_en="Complaint {complaint} verified, −{points}",
    schemes=_001, scheme_item="station_management/incidents_complaints", scheme_fact="verified_complaints", scheme_item_label="站点管理 / 处理意外责任事故及投诉情况",
    penalty=Penalty(points=Decimal("2")), severity=Severity.NOTICE, kind=Kind.VIOLATION,
)
INCIDENT_COUNT = RuleMeta(
    id="conduct.safety_incident_count", ruleset=RULESET, clause=_001_COMPLAINTS,
    remedy=Remedy("落实安全责任，排查隐患，防止再次发生事故，并向人社局报告处理情况",
                  "Enforce safety duties, remove hazards so the incident does not recur, and report the handling to the bureau"),
    message_zh="安全责任事故计入事故及投诉次数", message_en="A safety incident counts towards incidents and complaints",
    schemes=_001, scheme_item="station_management/incidents_complaints", scheme_fact="safety_incidents", scheme_item_label="站点管理 / 处理意外责任事故及投诉情况",
    penalty=None, severity=Severity.INFO, kind=Kind.TALLY,
)
INCIDENTS_VETO = RuleMeta(
    id="conduct.incidents_veto", ruleset=RULESET, clause=_001_COMPLAINTS,
    remedy=Remedy("本年度已一票否决，不能挽回；逐件整改事故和投诉，防止下一年度再次发生",
                  "The year is vetoed and cannot be won back; rectify every incident and complaint so that next year is clean"),
    message_zh="安全责任事故及经核实投诉共{count}次（3次以上），一票否决，年度评估为不合格",
    message_en="{count} safety incidents and verified complaints (3 or more): veto, the year's evaluation fails",
    schemes=_001, scheme_item="vetoes/three_incidents_or_complaints", scheme_fact="incidents_and_complaints", scheme_item_label="站点管理 / 处理意外责任事故及投诉情况",
    penalty=Penalty(consequence=Consequence.VETO), severity=Severity.SERIOUS, kind=Kind.CONSEQUENCE,
)
MAJOR_INCIDENT_CANCEL = RuleMeta(
    id="conduct.major_incident_cancel_qualification", ruleset=RULESET,
    remedy=Remedy("工作站资格已取消，2年内不得重新申报；配合调查并落实整改",
                  "The station's qualification is cancelled with a 2-year ban; cooperate with the investigation and rectify"),
    clause=Clause(seed="001", item="金东人社〔2021〕14号 第八条（五）",
                  text="发生重大安全责任事故或严重损害务工人员或企业权益受到投诉并核实的，由区人社局取消劳务协作工作站资格，2年内不得重新申报。"),
    message_zh="发生重大安全责任事故或严重投诉（{incident}），取消工作站资格，2年内不得重新申报",
    message_en="Major safety incident or serious verified complaint ({incident}): qualification cancelled, no re-application for 2 years",
    schemes=_001, scheme_item="extra/qualification", scheme_fact="", scheme_item_label="取消资格",
    penalty=Penalty(consequence=Consequence.CANCEL_QUALIFICATION, ban_years=2), severity=Severity.SERIOUS,
    kind=Kind.CONSEQUENCE,
)

COMPLAINT_COUNT = RuleMeta(
    id="conduct.complaint_count", ruleset=RULESET,
    remedy=Remedy("及时处理每一件投诉并整改服务问题，减少被投诉次数",
                  "Handle every complaint promptly and fix the service problems behind them"),
    clause=Clause(seed="004", item=_004_NEGATIVE + " 第6项", text="运营单位在评价周期内被投诉累计5次及以上的，扣5分。"),
    message_zh="投诉计入累计投诉次数", message_en="A complaint counts towards the period's complaints",
    schemes=_004, scheme_item="negative/complaints", scheme_fact="complaints", scheme_item_label="负面影响 / 投诉",
    penalty=None, severity=Severity.INFO, kind=Kind.TALLY,
)
FIVE_OR_MORE_COMPLAINTS = RuleMeta(
    id="conduct.five_or_more_complaints", ruleset=RULESET, clause=COMPLAINT_COUNT.clause,
    remedy=Remedy("逐件处理投诉并整改服务问题，向人社局报告处理结果",
                  "Handle each complaint, fix the service problems and report the outcome to the bureau"),
    message_zh="评价周期内被投诉累计{count}次（5次及以上），扣{points}分",
    message_en="{count} complaints in the period (5 or more), −{points}",
    schemes=_004, scheme_item="negative/complaints", scheme_fact="complaints", scheme_item_label="负面影响 / 投诉",
    penalty=Penalty(points=Decimal("5"), per_occurrence=False), severity=Severity.NOTICE, kind=Kind.VIOLATION,
)
COLLECTIVE_DISPUTE_LOST = RuleMeta(
    id="conduct.collective_dispute_lost", ruleset=RULESET,
    remedy=Remedy("履行裁决或判决，规范用工管理，预防新的劳动争议",
                  "Comply with the award or judgment and put employment practice in order to prevent new disputes"),
    clause=Clause(seed="004", item=_004_NEGATIVE + " 第4项", text="运营单位在评价周期内发生集体劳动争议案件且败诉的，每件扣10分。"),
    message_zh="集体劳动争议案件{dispute}败诉，扣{points}分", message_en="Collective labour dispute {dispute} lost, −{points}",
    schemes=_004, scheme_item="negative/collective_disputes", scheme_fact="collective_disputes_lost", scheme_item_label="负面影响 / 集体劳动争议",
    penalty=Penalty(points=Decimal("10")), severity=Severity.SERIOUS, kind=Kind.VIOLATION,
)
INDIVIDUAL_DISPUTE_LOST = RuleMeta(
    id="conduct.individual_dispute_lost", ruleset=RULESET,
    remedy=Remedy("履行裁决或判决，规范用工管理，预防新的劳动争议",
                  "Comply with the award or judgment and put employment practice in order to prevent new disputes"),
    clause=Clause(seed="004", item=_004_NEGATIVE + " 第5项", text="运营单位在评价周期内发生非集体劳动争议案件且败诉的，每件扣5分。"),
    message_zh="非集体劳动争议案件{dispute}败诉，扣{points}分", message_en="Individual labour dispute {dispute} lost, −{points}",
    schemes=_004, scheme_item="negative/individual_disputes", scheme_fact="individual_disputes_lost", scheme_item_label="负面影响 / 非集体劳动争议",
    penalty=Penalty(points=Decimal("5")), severity=Severity.NOTICE, kind=Kind.VIOLATION,
)

INCIDENTS_AND_COMPLAINTS = "incidents_and_complaints"  # seed 001 tally
COMPLAINTS = "complaints"  # seed 004 tally


def _operator(act, ev: Evaluation, meta: RuleMeta, evidence: dict) -> None:
    f = act.m
    ev.emit(meta, subject={"contract": f.contract, "operator": f.operator}, evidence=evidence)


def _tally(act, ev: Evaluation, meta: RuleMeta) -> None:
    f = act.m
    ev.emit(meta, subject={"contract": f.contract, "operator": ev.inp.operator_id},
            evidence={"count": f.count, "facts": list(f.ids)}, details={"count": f.count})


with ruleset(RULESET):
    end_of_input(RULESET)

    @rule(CREDIT_GRADE_C, (m.t == "operator") & schemes_condition(CREDIT_GRADE_C) & (m.is_hr == True) & (m.credit_grade == "C"))
    def credit_c(act, ev):
        _operator(act, ev, CREDIT_GRADE_C, {"credit_grade": "C"})

    @rule(CREDIT_GRADE_D, (m.t == "operator") & schemes_condition(CREDIT_GRADE_D) & (m.is_hr == True) & (m.credit_grade == "D"))
    def credit_d(act, ev):
        _operator(act, ev, CREDIT_GRADE_D, {"credit_grade": "D"})

    @rule(DISPATCH_LABOUR_CREDIT_C, (m.t == "operator") & schemes_condition(DISPATCH_LABOUR_CREDIT_C)
          & (m.is_dispatch == True) & (m.labour_credit_grade == "C"))
    def dispatch_c(act, ev):
        _operator(act, ev, DISPATCH_LABOUR_CREDIT_C, {"labour_credit_grade": "C"})

    @rule(MAJOR_INCIDENT_EXPELLED, (m.t == "incident") & schemes_condition(MAJOR_INCIDENT_EXPELLED) & (m.major == True))
    def major_expelled(act, ev):
        f = act.m
        ev.emit(MAJOR_INCIDENT_EXPELLED, subject={"contract": f.contract, "operator": ev.inp.operator_id},
                key=(f.src,), evidence={"incident": f.src, "occurred_on": f.occurred_on}, details={"incident": f.src})

    # seed 001: each verified complaint −2 and counts towards the veto
    @rule(VERIFIED_COMPLAINT, (m.t == "complaint") & schemes_condition(VERIFIED_COMPLAINT) & (m.verified == True))
    def verified_complaint(act, ev):
        f = act.m
        ev.count(RULESET, INCIDENTS_AND_COMPLAINTS, f.id)
        ev.emit(VERIFIED_COMPLAINT, subject={"contract": f.contract, "complaint": f.src},
                evidence={"complaint": f.src, "received_on": f.received_on, "station": f.station},
                details={"complaint": f.src})

    @rule(INCIDENT_COUNT, (m.t == "incident") & schemes_condition(INCIDENT_COUNT))
    def incident_count(act, ev):
        ev.count(RULESET, INCIDENTS_AND_COMPLAINTS, act.m.id)

    @rule(INCIDENTS_VETO, (m.t == "tally") & (m.name == INCIDENTS_AND_COMPLAINTS) & schemes_condition(INCIDENTS_VETO)
          & (m.count >= 3))
    def incidents_veto(act, ev):
        _tally(act, ev, INCIDENTS_VETO)

    @rule(MAJOR_INCIDENT_CANCEL, (m.t == "incident") & schemes_condition(MAJOR_INCIDENT_CANCEL) & (m.major == True))
    def major_incident_cancel(act, ev):
        f = act.m
        ev.emit(MAJOR_INCIDENT_CANCEL, subject={"contract": f.contract, "operator": ev.inp.operator_id},
                key=(f.src,), evidence={"incident": f.src, "occurred_on": f.occurred_on}, details={"incident": f.src})

    @rule(MAJOR_INCIDENT_CANCEL, (m.t == "complaint") & schemes_condition(MAJOR_INCIDENT_CANCEL)
          & (m.verified == True) & (m.serious == True))
    def serious_complaint_cancel(act, ev):
        f = act.m
        ev.emit(MAJOR_INCIDENT_CANCEL, subject={"contract": f.contract, "operator": ev.inp.operator_id},
                key=(f.src,), evidence={"complaint": f.src, "received_on": f.received_on}, details={"incident": f.src})

    # seed 004: every complaint received counts; 5 or more −5
    @rule(COMPLAINT_COUNT, (m.t == "complaint") & schemes_condition(COMPLAINT_COUNT))
    def complaint_count(act, ev):
        ev.count(RULESET, COMPLAINTS, act.m.id)

    @rule(FIVE_OR_MORE_COMPLAINTS, (m.t == "tally") & (m.name == COMPLAINTS) & schemes_condition(FIVE_OR_MORE_COMPLAINTS)
          & (m.count >= 5))
    def five_complaints(act, ev):
        _tally(act, ev, FIVE_OR_MORE_COMPLAINTS)

    @rule(COLLECTIVE_DISPUTE_LOST, (m.t == "dispute") & schemes_condition(COLLECTIVE_DISPUTE_LOST)
          & (m.collective == True) & (m.outcome == "lost"))
    def collective_lost(act, ev):
        f = act.m
        ev.emit(COLLECTIVE_DISPUTE_LOST, subject={"contract": f.contract, "dispute": f.src},
                evidence={"dispute": f.src, "decided_on": f.decided_on, "collective": True, "outcome": "lost"},
                details={"dispute": f.src})

    @rule(INDIVIDUAL_DISPUTE_LOST, (m.t == "dispute") & schemes_condition(INDIVIDUAL_DISPUTE_LOST)
          & (m.collective == False) & (m.outcome == "lost"))
    def individual_lost(act, ev):
        f = act.m
        ev.emit(INDIVIDUAL_DISPUTE_LOST, subject={"contract": f.contract, "dispute": f.src},
                evidence={"dispute": f.src, "decided_on": f.decided_on, "collective": False, "outcome": "lost"},
                details={"dispute": f.src})


def _grade(value, where: str) -> str:
    if value is None or value == "":
        return ""
    grade = str(value).strip().upper()
    if grade not in GRADES:
        raise InvalidFacts(f"{where}: credit grade {value!r} is not one of A, B, C, D")
    return grade


def prepare(inp: Input) -> list[dict]:
    facts = []
    operator = inp.raw.get("operator") or {}
    fact = inp.base("operator", inp.operator_id)
    fact.update(operator=inp.operator_id,
                credit_grade=_grade(operator.get("credit_grade"), "operator.credit_grade"),
                labour_credit_grade=_grade(operator.get("labour_credit_grade"), "operator.labour_credit_grade"),
                is_hr=boolean(operator, "is_hr", "operator", default=True),
                is_dispatch=boolean(operator, "is_dispatch", "operator", default=False))
    facts.append(fact)
    as_of_day = inp.as_of.astimezone(SHANGHAI).date()
    for row in inp.rows("complaints"):
        where = f"complaints[{row['id']}]"
        received = parse_day(require(row, "received_on", where), f"{where}.received_on")
        if received > as_of_day:
            continue  # not received yet as of as_of
        fact = inp.base("complaint", row["id"])
        fact.update(received_on=received.isoformat(), verified=boolean(row, "verified", where, default=False),
                    serious=boolean(row, "serious", where, default=False), station=str(row.get("station") or ""))
        facts.append(fact)
    for row in inp.rows("incidents"):
        where = f"incidents[{row['id']}]"
        occurred = parse_day(require(row, "occurred_on", where), f"{where}.occurred_on")
        if occurred > as_of_day:
            continue
        fact = inp.base("incident", row["id"])
        fact.update(occurred_on=occurred.isoformat(), major=boolean(row, "major", where, default=False))
        facts.append(fact)
    for row in inp.rows("disputes"):
        where = f"disputes[{row['id']}]"
        outcome = str(require(row, "outcome", where))
        if outcome not in ("lost", "won", "pending", "settled"):
            raise InvalidFacts(f"{where}: outcome {outcome!r} is not lost, won, pending or settled")
        decided = row.get("decided_on")
        decided_on = parse_day(decided, f"{where}.decided_on") if decided else None
        if outcome == "lost" and (decided_on is None or decided_on > as_of_day):
            continue  # a case is lost from the day it is decided
        fact = inp.base("dispute", row["id"])
        fact.update(collective=boolean(row, "collective", where), outcome=outcome,
                    decided_on=decided_on.isoformat() if decided_on else "")
        facts.append(fact)
    return facts
