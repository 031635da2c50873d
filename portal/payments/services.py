"""A contract's payment schedule, computed from its scheme's [payment] and [subsidy] and the approved sheets.

Every amount comes from the scoring engine (`ScoreSheet.payment_due`, `payment_explanation_for`,
`subsidy_total`) run on the frozen inputs of the approval that justifies it; nothing here knows a score band.
A line whose cycle has no approved sheet has no amount yet ("awaiting assessment"), never a guess.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from sqlmodel import select

from portal.cycles.models import AssessmentSheet, SheetApproval
from portal.cycles.services import Cycle, current_approval, find_cycle, sheet_of
from portal.audit import services as audit
from portal.contracts.models import Contract
from portal.db import get_session, lock_row
from portal.i18n import N_
from portal.payments.models import Payment
from portal.schemes.services import approval_scheme, contract_scheme
from rules.scoring import FactsError, Scheme, SchemeError, ScoreSheet, score

ZERO = Decimal("0.00")
_SHANGHAI = ZoneInfo("Asia/Shanghai")


class PaymentRefused(ValueError):
    """A payment or reversal the schedule does not allow; `field` names the form field to blame."""

    def __init__(self, message: str, field: str = "amount"):
        super().__init__(message)
        self.field = field


@dataclass
class ScheduleLine:
    key: str  # "advance", a stage id of the scheme, "subsidy:<cycle id>"
    kind: str  # advance | stage | subsidy
    label: str
    clause: str
    share: Decimal | None = None  # of the contract value (advance and stages)
    cycle: Cycle | None = None  # the cycle whose approved sheet sets the amount
    sheet: AssessmentSheet | None = None
    approval: SheetApproval | None = None
    due: Decimal | None = None  # None while awaiting assessment
    explanation: str = ""  # the engine's English (developers, tests); readers see `steps` through portal/explain
    steps: list = field(default_factory=list)
    problem: str = ""  # why an approved sheet could not give an amount (scheme changed, facts refused)
    payments: list[Payment] = field(default_factory=list)

    @property
    def awaiting(self) -> bool:
        return self.due is None

    @property
    def translatable(self) -> bool:
        """The advance and the annual award are named in the product's words (shown through the catalog);
        a stage is named by the scheme, a station grant by its station."""
        return self.key == "advance" or (self.key.startswith("subsidy:") and self.kind == "subsidy")

    @property
    def paid(self) -> Decimal:
        return sum((p.amount for p in self.payments), ZERO)

    @property
    def outstanding(self) -> Decimal | None:
        return None if self.due is None else self.due - self.paid


@dataclass
class Schedule:
    contract: Contract
    scheme: Scheme
    lines: list[ScheduleLine]
    plan_matches_scheme: bool  # the contract's own payment plan says the same shares as the scheme

    def line(self, key: str) -> ScheduleLine:
        for line in self.lines:
            if line.key == key:
                return line
        raise KeyError(key)

    @property
    def total_due(self) -> Decimal:
        """What is due on the lines that have an amount (awaiting lines add nothing: they are not known yet)."""
        return sum((line.due for line in self.lines if line.due is not None), ZERO)

    @property
    def total_paid(self) -> Decimal:
        return sum((line.paid for line in self.lines), ZERO)

    @property
    def total_outstanding(self) -> Decimal:
        return sum((line.outstanding for line in self.lines if line.outstanding is not None), ZERO)

    @property
    def awaiting(self) -> list[ScheduleLine]:
        return [line for line in self.lines if line.awaiting]

    @property
    def payments(self) -> list[Payment]:
        return sorted((p for line in self.lines for p in line.payments), key=lambda p: p.id)


def approved_sheet(approval: SheetApproval) -> ScoreSheet:
    """The ScoreSheet an approval froze, rebuilt from its stored inputs under the exact version it froze."""
    return score(approval_scheme(approval), dict(approval.facts))


def _approval_of(contract: Contract, cycle: Cycle | None) -> tuple[AssessmentSheet | None, SheetApproval | None]:
    if cycle is None:
        return None, None
    sheet = sheet_of(contract, cycle)
    return sheet, current_approval(sheet)


def _rebuilt(line: ScheduleLine) -> ScoreSheet | None:
    """The approval's sheet, if it still gives the figures it was approved with (else the line says why)."""
    try:
        sheet = approved_sheet(line.approval)
    except FactsError as exc:  # the frozen facts no longer fit the frozen scheme: the fact and why, in words
        from flask_babel import gettext as _

        from portal.explain import fact_label, fact_problem

        scheme_id = line.approval.scheme_id
        line.problem = _("按冻结的输入复算失败：“%(fact)s”%(problem)s。请重新开启考核并审批",
                         fact=fact_label(exc.key, scheme_id), problem=fact_problem(exc, scheme_id))
        return None
    except SchemeError:  # the version it froze is not stored (a database restored without its scheme versions)
        line.problem = (f"找不到审批时所用的考核方案版本（{line.approval.scheme_version}），无法复算 / "
                        f"the scheme version it was approved under ({line.approval.scheme_version}) is not stored")
        return None
    except ValueError:
        line.problem = "按冻结的输入无法复算，请重新开启考核并审批 / the frozen inputs cannot be recomputed: reopen and approve again"
        return None
    if sheet.total != line.approval.total or sheet.payment_ratio != line.approval.payment_ratio:
        line.problem = (f"按冻结的输入复算得 {sheet.total} 分，与审批时的 {line.approval.total} 分不一致，请重新开启考核并审批 / "
                        f"recomputed {sheet.total}, approved {line.approval.total}: reopen and approve again")
        return None
    return sheet


def _advance_line(contract: Contract, scheme: Scheme) -> ScheduleLine:
    payment = scheme.payment
    line = ScheduleLine("advance", "advance", N_("预付款（合同签订后支付，不依考核结果）"), payment.clause,
                        share=payment.advance_share)
    # The advance depends on no score (seed 002: 签订之日起30个工作日内…拨付…40%作为预付款); the engine
    # computes it from the scheme alone, so an empty set of facts is enough.
    blank = score(scheme, {})
    line.due = blank.payment_due(contract.value, "advance")
    line.explanation = blank.payment_explanation_for(contract.value, "advance")
    line.steps = blank.payment_steps_for(contract.value, "advance")
    return line


def stage_cycle_id(scheme: Scheme, stage) -> str:
    """The cycle whose score scales a stage: the one it names, else the scheme's only (or last) cycle."""
    return stage.cycle or scheme.cycles[-1].id


def _stage_lines(contract: Contract, scheme: Scheme) -> list[ScheduleLine]:
    out = []
    for stage in scheme.payment.stages:
        cycle = find_cycle(contract, stage_cycle_id(scheme, stage))
        sheet, approval = _approval_of(contract, cycle)
        line = ScheduleLine(stage.id, "stage", stage.label, stage.clause or scheme.payment.clause, share=stage.share,
                            cycle=cycle, sheet=sheet, approval=approval)
        if approval is not None and (rebuilt := _rebuilt(line)) is not None:
            line.due = rebuilt.payment_due(contract.value, stage.id)
            line.explanation = rebuilt.payment_explanation_for(contract.value, stage.id)
            line.steps = rebuilt.payment_steps_for(contract.value, stage.id)
        out.append(line)
    return out


def subsidy_lines(contract: Contract, scheme: Scheme) -> list[ScheduleLine]:
    """The schedule's subsidy lines: the scheme's score-band subsidy, from the approved sheet of the scheme's
    last (annual) cycle (seed 001 第十二条（二）: 每年按照年度评估分数…给予…年度绩效奖励), and the one-off grants
    decided for the contract's stations within its term (seed 001 第十二条（一）新设立站点一次性1万元;（三）优秀站点),
    each tied to the approver's decision (`StationSubsidy`). Never derived from the scheme's `one_off` table:
    whether a station is new or excellent is a decision, not a score.
    """
    lines = []
    if scheme.subsidy is not None:
        cycle = find_cycle(contract, scheme.cycles[-1].id)
        sheet, approval = _approval_of(contract, cycle)
        line = ScheduleLine(f"subsidy:{scheme.cycles[-1].id}", "subsidy", N_("年度绩效奖励"),
                            scheme.subsidy.clause, cycle=cycle, sheet=sheet, approval=approval)
        if approval is not None and (rebuilt := _rebuilt(line)) is not None:
            line.due, line.explanation = rebuilt.subsidy_total()
            line.steps = rebuilt.subsidy_steps_for()
        lines.append(line)
    lines.extend(station_grant_lines(contract))
    return lines


def station_grant_lines(contract: Contract) -> list[ScheduleLine]:
    from portal.applications.models import StationSubsidy
    from portal.contracts.models import ContractStation, Station

    grants = get_session().exec(
        select(StationSubsidy, Station).join(Station, Station.id == StationSubsidy.station_id)
        .where(StationSubsidy.station_id.in_(select(ContractStation.station_id)
                                             .where(ContractStation.contract_id == contract.id)),
               StationSubsidy.granted_on >= contract.starts_on, StationSubsidy.granted_on <= contract.ends_on)
        .order_by(StationSubsidy.granted_on, StationSubsidy.id)).all()
    label = {"new_station": "新设立站点一次性补助", "excellent_station": "优秀站点一次性奖励"}
    return [ScheduleLine(f"station_subsidy:{grant.id}", "subsidy", f"{label.get(grant.kind, grant.kind)}（{station.name}）",
                         grant.clause, due=grant.amount,
                         explanation=f"{grant.granted_on.isoformat()} 审批决定：{grant.amount} 元（{grant.clause}）",
                         steps=[{"step": "grant_decision", "on": grant.granted_on.isoformat(), "amount": str(grant.amount),
                                 "clause": grant.clause}])
            for grant, station in grants]


def _plan_matches(contract: Contract, scheme: Scheme) -> bool:
    """Whether the contract's own plan (data entry) lists the same shares, in order, as the scheme's rubric."""
    if scheme.payment is None:
        return not contract.payment_plan
    wanted = [scheme.payment.advance_share] + [s.share for s in scheme.payment.stages]
    try:
        given = [Decimal(str(stage.get("share", ""))) for stage in contract.payment_plan]
    except ArithmeticError:
        return False
    return given == wanted


def payments_of(contract: Contract) -> list[Payment]:
    return list(get_session().exec(select(Payment).where(Payment.contract_id == contract.id).order_by(Payment.id)))


def schedule_of(contract: Contract) -> Schedule:
    # The payment plan (advance, stage shares, subsidies) is a term of the contract: the version in force on
    # its first day; each stage's band comes from its approved sheet, scored by its own cycle's version.
    scheme = contract_scheme(contract)
    lines: list[ScheduleLine] = []
    if scheme.payment is not None:
        lines.append(_advance_line(contract, scheme))
        lines.extend(_stage_lines(contract, scheme))
    lines.extend(subsidy_lines(contract, scheme))
    by_key = {line.key: line for line in lines}
    for payment in payments_of(contract):
        if payment.line_key not in by_key:  # a line the scheme no longer has: kept visible, never dropped
            by_key[payment.line_key] = ScheduleLine(payment.line_key, "other", payment.line_label, "")
            lines.append(by_key[payment.line_key])
        by_key[payment.line_key].payments.append(payment)
    return Schedule(contract, scheme, lines, _plan_matches(contract, scheme))


# -- recording payments: append-only, audited ----------------------------------------------------------

def _locked(contract: Contract) -> Contract:
    """The contract row, locked for this transaction (FOR UPDATE; SQLite's write lock), so two payments
    cannot both fit one line: the second computes the schedule after the first is committed."""
    return lock_row(Contract, contract.id)


def today() -> date:
    from portal.db import utcnow

    return utcnow().astimezone(_SHANGHAI).date()


def record_payment(contract: Contract, line_key: str, amount: Decimal, paid_on: date, bank_reference: str,
                   user) -> Payment:
    """The approver records one transfer for one line; it may not exceed what is still outstanding on it."""
    contract = _locked(contract)
    schedule = schedule_of(contract)
    try:
        line = schedule.line(line_key)
    except KeyError:
        raise PaymentRefused(f"付款计划中没有该款项 / no such schedule line: {line_key}", "line") from None
    if line.due is None:
        raise PaymentRefused("该款项所依据的考核尚未审批，不能付款 / this line awaits an approved assessment", "line")
    if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise PaymentRefused("付款金额须大于0，最多两位小数 / the amount must be positive, with at most 2 decimals")
    if amount > line.outstanding:
        raise PaymentRefused(
            f"付款金额 ¥{amount:,.2f} 超过该款项尚未支付的 ¥{line.outstanding:,.2f}（应付 ¥{line.due:,.2f}，"
            f"已付 ¥{line.paid:,.2f}） / the amount exceeds what is outstanding on this line")
    if paid_on > today():
        raise PaymentRefused("付款日期不能晚于今天 / the payment date cannot be in the future", "paid_on")
    if not bank_reference.strip():
        raise PaymentRefused("请填写银行流水号 / enter the bank reference", "bank_reference")
    payment = Payment(contract_id=contract.id, bureau_id=contract.bureau_id, operator_id=contract.operator_id,
                      line_key=line.key, line_label=line.label, amount=amount, due_when_recorded=line.due,
                      approval_id=line.approval.id if line.approval else None, paid_on=paid_on,
                      bank_reference=bank_reference.strip(), recorded_by_id=user.id)
    get_session().add(payment)
    get_session().flush()
    audit.record("record_payment", payment,
                 reason=f"{line.label}：¥{amount:,.2f}（应付 ¥{line.due:,.2f}），银行流水 {payment.bank_reference}")
    return payment


def reversal_of(payment: Payment) -> Payment | None:
    return get_session().exec(select(Payment).where(Payment.reverses_id == payment.id)).first()


def reverse_payment(payment: Payment, reason: str, user) -> Payment:
    """Cancel a recorded payment by a reversing entry with the opposite amount and a reason."""
    _locked(get_session().get(Contract, payment.contract_id))
    if not reason.strip():
        raise PaymentRefused("冲正必须写明理由 / a reversal needs a reason", "reason")
    if payment.is_reversal:
        raise PaymentRefused("冲正记录本身不能再冲正；如需更正，请重新登记付款 / a reversal cannot be reversed", "reason")
    if reversal_of(payment) is not None:
        raise PaymentRefused("该笔付款已冲正 / this payment was already reversed", "reason")
    reversal = Payment(contract_id=payment.contract_id, bureau_id=payment.bureau_id, operator_id=payment.operator_id,
                       line_key=payment.line_key, line_label=payment.line_label, amount=-payment.amount,
                       due_when_recorded=payment.due_when_recorded, approval_id=payment.approval_id,
                       paid_on=today(), bank_reference=payment.bank_reference, reverses_id=payment.id,
                       reason=reason.strip(), recorded_by_id=user.id)
    get_session().add(reversal)
    get_session().flush()
    audit.record("reverse_payment", reversal, before=audit.snapshot(payment), reason=reason.strip())
    return reversal


def plan_rows(contract: Contract) -> list[dict]:
    """The contract's own payment plan with amounts, for showing beside the scheme's rubric."""
    rows = []
    for stage in contract.payment_plan:
        try:
            share = Decimal(str(stage.get("share", "")))
        except ArithmeticError:
            share = None
        amount = (contract.value * share).quantize(Decimal("0.01"), ROUND_HALF_UP) if share is not None else None
        rows.append({"label": stage.get("label", ""), "share": share, "amount": amount, "due": stage.get("due", "")})
    return rows
