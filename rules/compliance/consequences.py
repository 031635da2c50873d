"""Consequences that follow from scores: rectification, termination, cancellation (seeds 002, 001).

The period scores come from the scoring engine (rounded half up to 2 decimals, DOMAIN.md §6.1) and
are compared here as exact hundredths.
"""
from __future__ import annotations

from datetime import timedelta

from durable.lang import c, m, ruleset

from .engine import Evaluation, InvalidFacts, end_of_input, rule, schemes_condition
from .facts import (SHANGHAI, Input, add_one_month, boolean, cutoff_after, iso, parse_day, require, score_cents,
                    shanghai_midnight, to_us)
from .model import Clause, Consequence, Kind, Penalty, Remedy, RuleMeta, Severity

RULESET = "kaohe_consequences"
_002 = ("pingxiang-2024-lot1", "ningming-2024-lot2")
_001 = ("jindong-2021",)
RECTIFY_BELOW = 5000  # seed 002: 考核得分低于50分 (hundredths)
PASS_MARK = 6000  # seed 001 第七条: 60分（含）以上为合格 (hundredths)

_002_PAYMENT = Clause(
    seed="002", item="服务内容 4.监督考核（标项一、标项二）",
    text="考核得分低于50分以下的将不支付该期的服务费用，并限服务方一个月内整改完毕，整改不通过的，采购人有权单方解除合同。",
)

RECTIFICATION_NOTICE = RuleMeta(
    id="consequences.rectification_notice", ruleset=RULESET, clause=_002_PAYMENT,
    remedy=Remedy("在整改期限前完成整改并提交整改报告，申请人社局验收",
                  "Complete the rectification before the deadline, submit a rectification report and ask the bureau to accept it"),
    message_zh="{period}考核得分{score}分，低于50分：不支付该期服务费，限于{due}前整改完毕",
    message_en="Period {period} scored {score}, below 50: no payment for the period; rectify by {due}",
    schemes=_002, scheme_item="payment/rectification", scheme_fact="", scheme_item_label="考核得分与付款比例",
    penalty=Penalty(consequence=Consequence.RECTIFICATION), severity=Severity.SERIOUS, kind=Kind.CONSEQUENCE,
)
TERMINATION_PROPOSED = RuleMeta(
    id="consequences.termination_proposed", ruleset=RULESET, clause=_002_PAYMENT,
    remedy=Remedy("整改期限已过：立即提交整改报告并与采购人沟通；是否解除合同由采购人决定",
                  "The rectification deadline has passed: submit the rectification report at once and talk to the purchaser, who decides on termination"),
    message_zh="{period}考核得分{score}分，整改期限{due}已过且未整改通过，采购人有权单方解除合同（建议终止）",
    message_en="Period {period} scored {score}; the rectification deadline {due} passed without an accepted "
               "rectification: termination proposed",
    schemes=_002, scheme_item="payment/rectification", scheme_fact="", scheme_item_label="考核得分与付款比例",
    penalty=Penalty(consequence=Consequence.TERMINATION_PROPOSED), severity=Severity.SERIOUS, kind=Kind.CONSEQUENCE,
)
QUALIFICATION_CANCELLED = RuleMeta(
    id="consequences.qualification_cancelled", ruleset=RULESET,
    remedy=Remedy("工作站资格已取消，2年内不得重新申报",
                  "The station's qualification is cancelled; it may not re-apply for 2 years"),
    clause=Clause(seed="001", item="金东人社〔2021〕14号 第八条（三）",
                  text="连续两个年度评估不合格的，由区人社局取消劳务协作工作站资格并予以公布，被取消的劳务协作工作站2年内不得重新申报。"),
    message_zh="{first_year}、{second_year}连续两个年度评估不合格，取消劳务协作工作站资格，2年内不得重新申报",
    message_en="Failed the annual evaluation in {first_year} and {second_year}: qualification cancelled, "
               "no re-application for 2 years",
    schemes=_001, scheme_item="extra/qualification", scheme_fact="", scheme_item_label="取消资格",
    penalty=Penalty(consequence=Consequence.CANCEL_QUALIFICATION, ban_years=2), severity=Severity.SERIOUS,
    kind=Kind.CONSEQUENCE,
)


def _score(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}" if cents >= 0 else "-" + _score(-cents)


def _period_finding(act, ev: Evaluation, meta: RuleMeta, **extra) -> None:
    f = act.m
    due = parse_day(f.due, "due")
    evidence = {"period_score": f.src, "period": f.period, "score": _score(f.score_cents),
                "assessed_on": f.assessed_on, "rectification_due": f.due, **extra}
    ev.emit(meta, subject={"contract": f.contract, "period": f.period}, evidence=evidence,
            details={"score": _score(f.score_cents), "due": f.due},
            penalty=Penalty(consequence=meta.penalty.consequence, due=due))


def _failed():
    """seed 001 第七条: below 60 fails; a veto fails the year whatever the score."""
    return (m.score_cents < PASS_MARK) | (m.vetoed == True)


with ruleset(RULESET):
    end_of_input(RULESET)

    @rule(RECTIFICATION_NOTICE, (m.t == "period_score") & schemes_condition(RECTIFICATION_NOTICE)
          & (m.score_cents < RECTIFY_BELOW))
    def rectification(act, ev):
        _period_finding(act, ev, RECTIFICATION_NOTICE)

    _overdue = ((m.t == "period_score") & schemes_condition(TERMINATION_PROPOSED) & (m.score_cents < RECTIFY_BELOW)
                & (m.as_of_us >= m.due_cutoff_us))

    @rule(TERMINATION_PROPOSED, _overdue & (m.rectified == False))
    def not_rectified(act, ev):
        _period_finding(act, ev, TERMINATION_PROPOSED, rectification_passed_on=None)

    @rule(TERMINATION_PROPOSED, _overdue & (m.rectified == True) & (m.rectified_us >= m.due_cutoff_us))
    def rectified_late(act, ev):
        _period_finding(act, ev, TERMINATION_PROPOSED, rectification_passed_on=act.m.rectified_on)

    @rule(QUALIFICATION_CANCELLED,
          c.first << ((m.t == "annual_result") & schemes_condition(QUALIFICATION_CANCELLED) & _failed()),
          c.second << ((m.t == "annual_result") & (m.subject_key == c.first.subject_key)
                       & (m.year == c.first.year + 1) & _failed()))
    def two_failing_years(act, ev):
        a, b = act.first, act.second
        ev.emit(QUALIFICATION_CANCELLED, subject={"contract": a.contract, "station": a.station},
                key=(a.year, b.year),
                evidence={"period_scores": [a.src, b.src], "years": [a.year, b.year],
                          "scores": [_score(a.score_cents), _score(b.score_cents)], "vetoed": [a.vetoed, b.vetoed]},
                details={"first_year": a.year, "second_year": b.year})


def prepare(inp: Input) -> list[dict]:
    facts = []
    as_of_day = inp.as_of.astimezone(SHANGHAI).date()
    for row in inp.rows("period_scores"):
        where = f"period_scores[{row['id']}]"
        period = str(require(row, "period", where))
        cents = score_cents(require(row, "score", where), f"{where}.score")
        vetoed = boolean(row, "vetoed", where, default=False)
        station = str(row.get("station") or "")
        if QUALIFICATION_CANCELLED.id in inp.in_force:
            # seed 001 evaluates a station once a year: the period is the year
            if not (len(period) == 4 and period.isascii() and period.isdigit()):  # not '202²', not full-width digits
                raise InvalidFacts(f"{where}: the annual evaluation's period must be a year (YYYY), got {period!r}")
            fact = inp.base("annual_result", row["id"])
            fact.update(period=period, year=int(period), score_cents=cents, vetoed=vetoed, station=station,
                        subject_key=f"{inp.contract_id}|{station}")
            facts.append(fact)
            continue
        assessed_on = parse_day(require(row, "assessed_on", where), f"{where}.assessed_on")
        if assessed_on > as_of_day:
            continue  # not assessed yet as of as_of
        due = add_one_month(assessed_on)
        cutoff = cutoff_after(due)
        fact = inp.base("period_score", row["id"])
        fact.update(period=period, score_cents=cents, vetoed=vetoed, assessed_on=assessed_on.isoformat(),
                    due=due.isoformat(), due_cutoff_us=to_us(cutoff), due_end=iso(cutoff - timedelta(seconds=1)),
                    as_of_us=inp.as_of_us, rectified=False, station=station)
        passed = row.get("rectification_passed_on")
        if passed:
            passed_on = parse_day(passed, f"{where}.rectification_passed_on")
            if passed_on <= as_of_day:  # a rectification accepted after as_of has not happened yet
                fact.update(rectified=True, rectified_on=passed_on.isoformat(),
                            rectified_us=to_us(shanghai_midnight(passed_on)))
        facts.append(fact)
    return facts
