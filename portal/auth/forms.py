from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Email, ValidationError

from portal.auth.models import ROLES
from portal.auth.services import MIN_PASSWORD_LENGTH
from portal.forms import strip


class LoginForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(), Length(max=60)], filters=[strip])
    password = PasswordField(_l("密码"), validators=[DataRequired(), Length(max=200)])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("当前密码"), validators=[DataRequired()])
    new_password = PasswordField(_l("新密码"), validators=[
        DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200,
                               message=_l("密码至少%(n)d个字符", n=MIN_PASSWORD_LENGTH))])
    confirm = PasswordField(_l("确认新密码"), validators=[
        DataRequired(), EqualTo("new_password", message=_l("两次输入的新密码不一致"))])


class UserForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(), Length(min=3, max=60)], filters=[strip])
    display_name = StringField(_l("姓名"), validators=[DataRequired(), Length(max=60)], filters=[strip])
    email = EmailField(_l("电子邮箱"), validators=[Optional(), Email(check_deliverability=False), Length(max=200)],
                       filters=[strip])
    role = SelectField(_l("角色"), choices=[(k, _l(v)) for k, v in ROLES.items()])
    bureau_id = SelectField(_l("所属人社局"), coerce=int, validate_choice=True)
    operator_id = SelectField(_l("所属运营单位"), coerce=int, validate_choice=True)
    password = PasswordField(_l("初始密码"), validators=[Optional(), Length(min=MIN_PASSWORD_LENGTH, max=200)])
    active = BooleanField(_l("启用"), default=True)

    def validate_operator_id(self, field):
        if self.role.data == "operator" and not field.data:
            raise ValidationError(_l("运营单位账号必须绑定一个运营单位"))

    def validate_bureau_id(self, field):
        if self.role.data in ("reviewer", "approver") and not field.data:
            raise ValidationError(_l("人社局账号必须绑定一个人社局"))
