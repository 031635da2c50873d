"""Forms of rectification notices and termination proposals: every decision carries its reason."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.forms import strip


class NoticeForm(FlaskForm):
    approval_id = SelectField(_l("依据的考核结果"), coerce=str, choices=[], validate_choice=True)
    findings = TextAreaField(_l("需整改的内容"), validators=[DataRequired(message=_l("请写明需要整改的内容")),
                                                        Length(max=2000)], filters=[strip])
    clause = TextAreaField(_l("依据条款"), validators=[Optional(), Length(max=1000)], filters=[strip])
    due_on = DateField(_l("整改期限（含当日）"), validators=[Optional()])


class AnswerForm(FlaskForm):
    report = TextAreaField(_l("整改报告"), validators=[DataRequired(message=_l("整改报告不能为空")), Length(max=4000)],
                           filters=[strip])


class CloseNoticeForm(FlaskForm):
    outcome = RadioField(_l("整改结论"), choices=[("rectified", _l("整改通过")), ("failed", _l("整改不通过"))],
                         validators=[DataRequired(message=_l("请选择整改结论"))])
    reason = TextAreaField(_l("理由"), validators=[DataRequired(message=_l("必须写明理由")), Length(max=1000)],
                           filters=[strip])


class ProposalForm(FlaskForm):
    reason = TextAreaField(_l("终止理由"), validators=[DataRequired(message=_l("必须写明理由")), Length(max=1000)],
                           filters=[strip])
    clause = TextAreaField(_l("依据条款"), validators=[DataRequired(message=_l("请写明依据条款")), Length(max=1000)],
                           filters=[strip])
    effective_on = DateField(_l("生效日期"), validators=[DataRequired(message=_l("请填写生效日期"))])
    notice_id = SelectField(_l("整改不通过的整改通知"), coerce=str, choices=[], validate_choice=True)


class DeclineForm(FlaskForm):
    reason = TextAreaField(_l("不予确认的理由"), validators=[DataRequired(message=_l("必须写明理由")),
                                                        Length(max=1000)], filters=[strip])
