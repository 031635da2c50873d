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


def fact_input(spec, formdata) -> tuple[str, str, int | None, str]:
    """One fact of the sheet form as posted: (the value as parse_entry reads it, the reason, the revision the
    page showed, an error to show beside the field or "")."""
    from flask_babel import gettext as _

    from portal.assessment.services import is_no_deduction

    raw = (formdata.get("value") or "").strip()
    reason = (formdata.get("reason") or "").strip()[:1000]
    if spec.kind == "judgement_list" and formdata.get("mode") == "none":
        raw = "无扣分"
    try:
        seen = int(formdata.get("revision", ""))
    except ValueError:
        return raw, reason, None, _("页面已过期，请刷新后重新填写")
    if len(raw) > 4000:
        return raw, reason, seen, _("内容过长")
    if raw == "":
        return raw, reason, seen, _("请填写每行“分值 理由”，或选择“无扣分”") if spec.kind == "judgement_list" \
            else _("请填写数值")
    if not reason and not is_no_deduction(spec, raw):
        return raw, reason, seen, _("请写明理由（写明后自动保存）")
    return raw, reason, seen, ""
