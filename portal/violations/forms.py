from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from portal.forms import strip


class WaiveForm(FlaskForm):
    reason = TextAreaField(_l("豁免理由"), validators=[DataRequired(message=_l("豁免必须写明理由")), Length(max=1000)],
                           filters=[strip])
