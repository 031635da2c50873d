from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from portal.forms import strip


class ReportForm(FlaskForm):
    narrative = TextAreaField(_l("工作情况说明"), validators=[DataRequired(), Length(max=20000)], filters=[strip])
    # Set once when the form is shown: the same form sent twice is stored once (issue #17).
    form_key = HiddenField(validators=[Length(max=32)])


def report_form(fact_specs: list, formdata=None) -> ReportForm:
    """The report form for an obligation: the narrative plus one whole-number field per figure it carries."""

    class Form(ReportForm):
        pass

    for spec in fact_specs:
        label = spec.meaning.split(" / ")[0]
        if spec.unit:
            label = f"{label}（{spec.unit}）"
        setattr(Form, f"fact_{spec.key}", IntegerField(label, validators=[
            InputRequired(message=_l("请填写本期数字，没有请填0")), NumberRange(min=0, max=10_000_000)]))
    # formdata: the query string of an htmx inline check (no CSRF: a GET that changes nothing)
    form = Form() if formdata is None else Form(formdata=formdata, meta={"csrf": False})
    form.fact_keys = [spec.key for spec in fact_specs]
    return form


class ReviewForm(FlaskForm):
    decision = RadioField(_l("审核意见"), choices=[("accept", _l("接收")), ("return", _l("退回修改"))],
                          validators=[DataRequired()])
    # No Optional(): it would stop the chain before validate_reason (a return needs its reason).
    reason = TextAreaField(_l("理由"), validators=[Length(max=2000)], filters=[strip])

    def validate_reason(self, field):
        if self.decision.data == "return" and not field.data:
            raise ValidationError(_l("退回修改必须写明理由"))
