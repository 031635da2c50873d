from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from portal.forms import credit_code, phone, strip
from portal.organisations.models import CREDIT_GRADES, CREDIT_KINDS


class BureauForm(FlaskForm):
    name = StringField(_l("名称"), validators=[DataRequired(), Length(max=100)], filters=[strip])
    short_name = StringField(_l("简称"), validators=[DataRequired(), Length(max=30)], filters=[strip])
    region = StringField(_l("地区"), validators=[DataRequired(), Length(max=100)], filters=[strip])
    service_centre = StringField(_l("就业服务中心（初审单位）"), validators=[DataRequired(), Length(max=100)],
                                 filters=[strip])


class OperatorForm(FlaskForm):
    name = StringField(_l("单位名称"), validators=[DataRequired(), Length(max=100)], filters=[strip])
    credit_code = StringField(_l("统一社会信用代码"), validators=[DataRequired(), credit_code], filters=[strip])
    licence_no = StringField(_l("人力资源服务许可证编号"), validators=[DataRequired(), Length(max=50)],
                             filters=[strip])
    contact_name = StringField(_l("联系人"), validators=[DataRequired(), Length(max=30)], filters=[strip])
    contact_phone = StringField(_l("联系电话"), validators=[DataRequired(), phone], filters=[strip])
    address = StringField(_l("地址"), validators=[Optional(), Length(max=200)], filters=[strip])


class CreditGradeForm(FlaskForm):
    kind = SelectField(_l("评级类别"), choices=[(k, _l(v)) for k, v in CREDIT_KINDS.items()])
    grade = SelectField(_l("等级"), choices=[(g, g) for g in CREDIT_GRADES])
    given_on = DateField(_l("评定日期"), validators=[DataRequired()])
    given_by = StringField(_l("评定机关"), validators=[DataRequired(), Length(max=100)], filters=[strip])
    note = StringField(_l("备注"), validators=[Optional(), Length(max=200)], filters=[strip])
