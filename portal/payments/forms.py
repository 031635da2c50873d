"""Forms of the payment schedule: recording a payment for one line, reversing one with a reason."""
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import DateField, DecimalField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from portal.forms import OnceForm, strip


def _positive_cents(form, field) -> None:
    if field.data is None:
        return
    if not field.data.is_finite():  # "NaN", "Infinity": Decimal accepts them, money does not
        raise ValidationError(_l("请填写有效的金额"))
    if field.data <= 0:
        raise ValidationError(_l("付款金额须大于0"))
    if field.data.adjusted() > 12 or field.data != field.data.quantize(Decimal("0.01")):
        raise ValidationError(_l("金额最多两位小数"))


class PaymentForm(OnceForm):
    line = SelectField(_l("款项"), choices=[], validate_choice=True, validators=[DataRequired()])
    amount = DecimalField(_l("付款金额（元）"), places=None,
                          validators=[InputRequired(message=_l("请填写付款金额")), _positive_cents])
    paid_on = DateField(_l("付款日期"), validators=[InputRequired(message=_l("请填写付款日期"))])
    bank_reference = StringField(_l("银行流水号"), validators=[DataRequired(message=_l("请填写银行流水号")),
                                                             Length(max=100)], filters=[strip])


class ReverseForm(OnceForm):
    reason = TextAreaField(_l("冲正理由"), validators=[DataRequired(message=_l("冲正必须写明理由")), Length(max=1000)],
                           filters=[strip])
