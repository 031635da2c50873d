from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from portal.contracts.models import STATION_KINDS
from portal.forms import strip


class StationForm(FlaskForm):
    bureau_id = SelectField(_l("人社局"), coerce=int)
    operator_id = SelectField(_l("运营单位"), coerce=int)
    name = StringField(_l("站点名称"), validators=[DataRequired(), Length(max=100)], filters=[strip])
    kind = SelectField(_l("站点类型"), choices=[(k, _l(v)) for k, v in STATION_KINDS.items()])
    address = StringField(_l("地址"), validators=[DataRequired(), Length(max=200)], filters=[strip])
    required_staff = IntegerField(_l("应配工作人员数"), validators=[InputRequired(), NumberRange(min=0, max=500)])
    opening_hours = StringField(_l("开放时间"), validators=[Optional(), Length(max=200)], filters=[strip])
    established_on = DateField(_l("设立日期"), validators=[Optional()])


class MoneyField(DecimalField):
    """Yuan as typed by people: tolerates thousands separators and a currency sign."""

    def process_formdata(self, valuelist):
        if valuelist:
            valuelist = [valuelist[0].translate({ord(c): None for c in ",，¥￥ 元"})]
        super().process_formdata(valuelist)


def parse_payment_plan(text: str) -> list[dict]:
    """Lines of "标签, 比例%" (or "label, 0.40"); the shares must add up to exactly 100%."""
    stages, total = [], Decimal(0)
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        parts = [p.strip() for p in line.replace("，", ",").split(",")]
        if len(parts) < 2 or not parts[0]:
            raise ValidationError(_l("第%(n)d行应为“阶段名称, 比例”，例如“预付款, 40%%”", n=number))
        raw = parts[1].replace("％", "%")
        try:
            share = Decimal(raw.rstrip("%")) / 100 if raw.endswith("%") else Decimal(raw)
        except InvalidOperation:
            raise ValidationError(_l("第%(n)d行的比例“%(v)s”不是数字", n=number, v=parts[1])) from None
        if not (0 < share <= 1):
            raise ValidationError(_l("第%(n)d行的比例必须大于0且不超过100%%", n=number))
        stages.append({"label": parts[0], "share": f"{share.normalize():f}",
                       "due": parts[2] if len(parts) > 2 else ""})
        total += share
    if not stages:
        raise ValidationError(_l("请至少填写一个付款阶段"))
    if total != 1:
        raise ValidationError(_l("各阶段比例合计为%(t)s%%，应为100%%", t=f"{(total * 100).normalize():f}"))
    return stages


def format_payment_plan(stages: list[dict]) -> str:
    return "\n".join(
        ", ".join(filter(None, [s["label"], f"{(Decimal(s['share']) * 100).normalize():f}%", s.get("due", "")]))
        for s in stages
    )


class ContractForm(FlaskForm):
    bureau_id = SelectField(_l("人社局"), coerce=int)
    operator_id = SelectField(_l("运营单位"), coerce=int)
    number = StringField(_l("合同编号"), validators=[DataRequired(), Length(max=60)], filters=[strip])
    title = StringField(_l("项目名称"), validators=[DataRequired(), Length(max=200)], filters=[strip])
    scheme_id = SelectField(_l("考核方案"))
    starts_on = DateField(_l("开始日期"), validators=[DataRequired()])
    ends_on = DateField(_l("结束日期"), validators=[DataRequired()])
    value = MoneyField(_l("合同金额（元）"), places=2, validators=[InputRequired(), NumberRange(min=0)])
    station_ids = SelectMultipleField(_l("服务站点"), coerce=int)
    payment_plan = TextAreaField(_l("付款计划（每行：阶段, 比例, 条件）"), validators=[DataRequired()])

    def validate_ends_on(self, field):
        if self.starts_on.data and field.data and field.data <= self.starts_on.data:
            raise ValidationError(_l("结束日期必须晚于开始日期"))

    def validate_value(self, field):
        if field.data is not None and field.data != field.data.quantize(Decimal("0.01")):
            raise ValidationError(_l("金额最多两位小数"))

    def validate_payment_plan(self, field):
        self.parsed_payment_plan = parse_payment_plan(field.data)
