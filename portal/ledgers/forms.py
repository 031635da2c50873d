from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField


class UploadForm(FlaskForm):
    ledger_type = SelectField(_l("台账类型"))
    obligation = SelectField(_l("对应的报送事项"), validate_choice=True)
    file = FileField(_l("文件（.xlsx、.xls 或 .csv）"), validators=[FileRequired(message=_l("请选择要上传的文件"))])
