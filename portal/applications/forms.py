from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, IntegerField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.applications.models import CANCELLATION_GROUNDS, MATERIALS
from portal.contracts.models import STATION_KINDS
from portal.forms import OnceForm, phone, strip


class Choices(RadioField):
    widget = ListWidget(prefix_label=False)


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


# The 附件1 form's fields, in its order, plus 第三条's staff, premises and agreement.
APPLICATION_FIELDS = ("station_name", "kind", "cooperation_region", "applicant_head", "applicant_phone",
                      "partner_name", "partner_head", "partner_phone", "address", "remote_office", "liaison_person",
                      "required_staff", "agreement", "term_until", "introduction", "materials", "materials_note",
                      "commitment")


class ApplicationForm(FlaskForm):
    bureau_id = SelectField(_l("申请的人社局"), coerce=int)
    station_name = StringField(_l("工作站名称"), validators=[DataRequired(), Length(max=100)], filters=[strip])
    kind = SelectField(_l("站点类型"), choices=[(k, _l(v)) for k, v in STATION_KINDS.items()], default="labour_cooperation")
    cooperation_region = StringField(_l("省外劳务协作地区（省市县）"), validators=[DataRequired(), Length(max=100)],
                                     filters=[strip])
    applicant_head = StringField(_l("申请机构负责人"), validators=[DataRequired(), Length(max=30)], filters=[strip])
    applicant_phone = StringField(_l("申请机构负责人联系电话"), validators=[DataRequired(), phone], filters=[strip])
    partner_name = StringField(_l("合作机构名称"), validators=[DataRequired(), Length(max=100)], filters=[strip])
    partner_head = StringField(_l("合作机构负责人"), validators=[DataRequired(), Length(max=30)], filters=[strip])
    partner_phone = StringField(_l("合作机构负责人联系电话"), validators=[DataRequired(), phone], filters=[strip])
    address = StringField(_l("劳务协作工作站地址"), validators=[DataRequired(), Length(max=200)], filters=[strip])
    remote_office = StringField(_l("省外劳务输出地区的工作地点"), validators=[DataRequired(), Length(max=200)],
                                filters=[strip])
    liaison_person = StringField(_l("负责两地劳务协作对接的专人"), validators=[DataRequired(), Length(max=30)],
                                 filters=[strip])
    required_staff = IntegerField(_l("配备工作人员数"), validators=[InputRequired(), NumberRange(min=1, max=500)])
    agreement = TextAreaField(_l("与劳务输出地区的劳务协作协议（协议方、签订日期、主要内容）"),
                              validators=[DataRequired(), Length(max=500)], filters=[strip])
    term_until = DateField(_l("申请经营期限：自申请之日起至"), validators=[DataRequired()])
    introduction = TextAreaField(_l("劳务协作工作站简介"), validators=[Optional(), Length(max=4000)], filters=[strip])
    materials = CheckboxesField(_l("已提供的申请材料（第四条）"), choices=[(k, _l(v)) for k, v in MATERIALS.items()],
                                validate_choice=True)
    materials_note = TextAreaField(_l("材料说明"), validators=[Optional(), Length(max=1000)], filters=[strip])
    commitment = BooleanField(_l("本单位保证本表所填信息和提供的所有材料真实、有效、合法。"))

    def validate_term_until(self, field):
        from portal.applications.services import today

        if field.data is not None and field.data <= today():
            raise ValidationError(_l("经营期限须晚于今天"))


class RosterForm(FlaskForm):
    file = FileField(_l("累计输送劳动力名册（附件2，.xlsx、.xls 或 .csv）"),
                     validators=[FileRequired(message=_l("请选择要上传的文件"))])


class SubmitForm(FlaskForm):
    pass


class ReviewForm(FlaskForm):
    """第五条 初审 (区就业服务中心)."""

    outcome = Choices(_l("初审意见"), choices=[("pass", _l("初审通过，报人社局审核")), ("return", _l("退回修改")),
                                                  ("reject", _l("不予通过"))], validators=[DataRequired()])
    # No Optional(): it stops the chain before validate_reason, and an empty reason must be caught there.
    reason = TextAreaField(_l("理由"), validators=[Length(max=2000)], filters=[strip])

    def validate_reason(self, field):
        if self.outcome.data in ("return", "reject") and not field.data:
            raise ValidationError(_l("退回修改或不予通过必须写明理由"))


class DecisionForm(OnceForm):
    """第五条 审核 (区人社局)."""

    outcome = Choices(_l("审核意见"), choices=[("approve", _l("批准设立")), ("reject", _l("不予设立"))],
                         validators=[DataRequired()])
    # No Optional(): it stops the chain before validate_reason, and an empty reason must be caught there.
    reason = TextAreaField(_l("理由"), validators=[Length(max=2000)], filters=[strip])

    def validate_reason(self, field):
        if self.outcome.data == "reject" and not field.data:
            raise ValidationError(_l("不予设立必须写明理由"))


class CancellationForm(FlaskForm):
    ground = SelectField(_l("取消资格的情形（第八条）"), choices=[(k, _l(v)) for k, v in CANCELLATION_GROUNDS.items()])
    cancelled_on = DateField(_l("取消日期"), validators=[DataRequired()])
    reason = TextAreaField(_l("理由"), validators=[DataRequired(message=_l("取消资格必须写明理由")), Length(max=2000)],
                           filters=[strip])


class ExcellentForm(OnceForm):
    """第十条: the approver confirms each condition (the page shows them from the scheme file); the document
    sets no quota (第十一条: a selection every 2 years, no station selected twice)."""

    year = IntegerField(_l("评选年度"), validators=[InputRequired(), NumberRange(min=2021, max=2100)])
    condition_1 = BooleanField(_l("已核实第十条（一）"),
                               validators=[DataRequired(message=_l("不满足第十条（一），不能评为优秀站点"))])
    condition_2 = BooleanField(_l("已核实第十条（二）"),
                               validators=[DataRequired(message=_l("不满足第十条（二），不能评为优秀站点"))])
    condition_3 = BooleanField(_l("已核实第十条（三）"),
                               validators=[DataRequired(message=_l("不满足第十条（三），不能评为优秀站点"))])
    condition_4 = BooleanField(_l("已核实第十条（四）"),
                               validators=[DataRequired(message=_l("不满足第十条（四），不能评为优秀站点"))])
    reason = TextAreaField(_l("评选依据"), validators=[DataRequired(message=_l("请写明评选依据")), Length(max=2000)],
                           filters=[strip])
