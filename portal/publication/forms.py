"""Forms of publishing, objecting and answering."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.activities.forms import checked_files
from portal.forms import OnceForm, strip
from portal.publication.services import DEFAULT_NOTICE_DAYS


class PublishForm(FlaskForm):
    notice_days = IntegerField(_l("公示期（工作日）"), default=DEFAULT_NOTICE_DAYS,
                               validators=[InputRequired(), NumberRange(min=1, max=30)])
    change_note = TextAreaField(_l("更正理由"), validators=[Optional(), Length(max=2000)], filters=[strip])


class ObjectionForm(OnceForm):
    target = SelectField(_l("异议对象"), choices=[], validate_choice=True)
    text = TextAreaField(_l("异议内容"), validators=[DataRequired(message=_l("请写明异议内容")), Length(max=4000)],
                         filters=[strip])
    evidence = TextAreaField(_l("证据说明"), validators=[Optional(), Length(max=4000)], filters=[strip])
    evidence_files = MultipleFileField(_l("证据文件（照片或PDF，可多选）"))

    def validate_evidence_files(self, field):
        checked_files(self, field, required=False)


class ObjectionEvidenceForm(FlaskForm):
    evidence_files = MultipleFileField(_l("补充证据文件（照片或PDF，可多选）"))

    def validate_evidence_files(self, field):
        checked_files(self, field, required=True)


class AnswerForm(OnceForm):
    verdict = SelectField(_l("处理结果"), choices=[("dismissed", _l("驳回（异议不成立）")),
                                                  ("upheld", _l("异议成立，更正后重新公示"))],
                          validate_choice=True, validators=[DataRequired()])
    reason = TextAreaField(_l("答复理由（将公开）"), validators=[DataRequired(message=_l("答复必须写明理由")),
                                                          Length(max=2000)], filters=[strip])
