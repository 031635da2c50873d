"""Forms of the assessment sheet. Each carries the revision the user saw, so a stale save is refused."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.forms import strip


class _Revisioned(FlaskForm):
    revision = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])


class EntryForm(_Revisioned):
    fact = SelectField(_l("考核事实"), choices=[], validate_choice=True, validators=[DataRequired()])
    value = TextAreaField(_l("数值"), validators=[DataRequired(message=_l("请填写数值")), Length(max=4000)],
                          filters=[strip])
    reason = TextAreaField(_l("理由"), validators=[DataRequired(message=_l("每一项录入都必须写明理由")),
                                                    Length(max=1000)], filters=[strip])


class RemoveEntryForm(_Revisioned):
    fact = HiddenField(validators=[DataRequired()])
    reason = TextAreaField(_l("删除理由"), validators=[DataRequired(message=_l("删除录入必须写明理由")),
                                                      Length(max=1000)], filters=[strip])


class ReasonForm(_Revisioned):
    reason = TextAreaField(_l("理由"), validators=[DataRequired(message=_l("必须写明理由")), Length(max=1000)],
                           filters=[strip])


class ApproveForm(_Revisioned):
    note = TextAreaField(_l("审批意见"), validators=[Optional(), Length(max=1000)], filters=[strip])


class SubmitForm(_Revisioned):
    pass
