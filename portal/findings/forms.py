"""The finding form: what was found, and its effects on the contract's scheme facts, each checked against
the fact's declaration (rules.scoring: kind, range) and the cycle's totals."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, FieldList, Form, FormField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.findings.models import DISPUTE_OUTCOMES, FINDING_KINDS
from portal.forms import strip
from rules.scoring.facts import check_fact_value

SHANGHAI = ZoneInfo("Asia/Shanghai")
EFFECT_ROWS = 3

_TRUE = {"是", "有", "true", "yes", "y", "1"}
_FALSE = {"否", "无", "false", "no", "n", "0"}


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class EffectForm(Form):
    """One effect on one scheme fact (a sub-form: the CSRF token is the outer form's)."""

    fact_key = SelectField(_l("考核指标"), choices=[], validate_choice=False)
    value = StringField(_l("数值"), validators=[Optional(), Length(max=20)], filters=[strip])
    reason = StringField(_l("理由"), validators=[Optional(), Length(max=1000)], filters=[strip])


class FindingForm(FlaskForm):
    finding_kind = SelectField(_l("类别"), choices=[(k, _l(v)) for k, v in FINDING_KINDS.items()])
    found_on = DateField(_l("日期"), validators=[DataRequired(message=_l("请填写日期"))])
    station_id = SelectField(_l("站点"), coerce=_optional_int, validate_choice=False)
    description = TextAreaField(_l("检查内容与发现"), validators=[DataRequired(message=_l("请写明检查了什么、发现了什么")),
                                                           Length(max=4000)], filters=[strip])
    people = StringField(_l("在场人员（人社局工作人员）"), validators=[Optional(), Length(max=300)], filters=[strip])
    verified = BooleanField(_l("投诉已核实"), default=True)
    serious = BooleanField(_l("严重（重大安全事故、严重损害权益的投诉）"))
    collective = BooleanField(_l("集体劳动争议"))
    outcome = SelectField(_l("争议结果"), default="",
                          choices=[("", "—")] + [(k, _l(v)) for k, v in DISPUTE_OUTCOMES.items()])
    effects = FieldList(FormField(EffectForm), min_entries=EFFECT_ROWS, max_entries=20)

    def setup(self, contract, rules: dict, stations: list) -> "FindingForm":
        """Choices from the contract: its stations, and the scheme facts a finding may set, with their cost."""
        self.contract, self.rules = contract, rules
        self.station_id.choices = [("", "—")] + [(s.id, s.name) for s in stations]
        self._station_ids = {s.id for s in stations}
        options = [("", "—")] + [(key, rule.meaning + (f" · {rule.cost}" if rule.cost else ""))
                                 for key, rule in rules.items()]
        for entry in self.effects:
            entry.fact_key.choices = options
        return self

    def validate_found_on(self, field):
        today = datetime.now(SHANGHAI).date()
        if field.data and field.data > today:
            raise ValidationError(_("日期不能晚于今天"))
        if field.data and not (self.contract.starts_on <= field.data <= self.contract.ends_on):
            raise ValidationError(_("日期必须在合同期限内（%(start)s – %(end)s）", start=self.contract.starts_on.isoformat(),
                               end=self.contract.ends_on.isoformat()))

    def validate_station_id(self, field):
        if field.data is not None and field.data not in self._station_ids:
            raise ValidationError(_("请选择本合同的站点"))

    def validate_outcome(self, field):
        if self.finding_kind.data == "dispute" and not field.data:
            raise ValidationError(_("劳动争议须选择结果"))

    # -- effects --------------------------------------------------------------------------------

    def effect_rows(self) -> list[dict]:
        """The filled effect rows as model values (after validate())."""
        return self._effects

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        self._effects = []
        seen: set[str] = set()
        for entry in self.effects:
            key, raw, reason = entry.fact_key.data or "", entry.value.data or "", entry.reason.data or ""
            if not (key or raw or reason):
                continue
            rule = self.rules.get(key)
            if rule is None:
                entry.fact_key.errors.append(_("请选择本合同考核方案中的指标"))
                ok = False
                continue
            if key in seen:
                entry.fact_key.errors.append(_("同一指标只能填写一次"))
                ok = False
                continue
            seen.add(key)
            try:
                value = parse_value(rule.spec, raw)
            except ValueError as exc:
                entry.value.errors.append(str(exc))
                ok = False
                continue
            if not reason:
                entry.reason.errors.append(_("请写明理由"))
                ok = False
                continue
            self._effects.append({"fact_key": key, "fact_kind": rule.spec.kind, "value": value, "reason": reason})
        return ok


def parse_value(spec, raw: str) -> Decimal:
    """A typed value for the fact's kind, checked by the scheme's own rules (rules.scoring.facts)."""
    text = raw.strip().lower().rstrip("%％")
    if not text:
        raise ValidationError(_("请填写数值"))
    if spec.kind == "bool":
        if text in _TRUE:
            return Decimal("1.00")
        if text in _FALSE:
            return Decimal("0.00")
        raise ValidationError(_("请填写“是”或“否”"))
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValidationError(_("“%(value)s”不是数字", value=raw)) from None
    if not number.is_finite() or number != number.quantize(Decimal("0.01")):
        raise ValidationError(_("最多两位小数"))
    try:
        check_fact_value(spec, int(number) if spec.kind == "count" and number == int(number) else number)
    except (TypeError, ValueError) as exc:
        from portal.explain import fact_problem

        raise ValidationError(fact_problem(exc)) from None
    return number.quantize(Decimal("0.01"))


class EditFindingForm(FindingForm):
    reason = TextAreaField(_l("修改理由"), validators=[DataRequired(message=_l("修改必须写明理由")), Length(max=1000)],
                           filters=[strip])


class WithdrawFindingForm(FlaskForm):
    reason = TextAreaField(_l("撤回理由"), validators=[DataRequired(message=_l("撤回必须写明理由")), Length(max=1000)],
                           filters=[strip])
