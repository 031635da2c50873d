"""The scheme upload form and the publish / discard decisions."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField

from portal.forms import OnceForm

MAX_FILE = 1024 * 1024  # a scheme file of a long rubric is ~40 KB


class UploadForm(FlaskForm):
    scheme_file = FileField(_l("方案文件（.toml）"), validators=[FileRequired(message=_l("请选择方案文件"))])
    cases_file = FileField(_l("测试用例文件（.toml 或 .json）"),
                           validators=[FileRequired(message=_l("请选择测试用例文件：用例全部通过后才能发布"))])
    bureau_id = SelectField(_l("所属人社局（新方案）"), coerce=int, default=0)

    def read(self, name: str) -> tuple[bytes, str] | None:
        """The file's bytes and name, or None with the field's error (too large)."""
        field = getattr(self, name)
        data = field.data.read(MAX_FILE + 1)
        if len(data) > MAX_FILE:
            field.errors = list(field.errors) + [_l("文件超过1 MB，不像是方案文件")]
            return None
        return data, (field.data.filename or "").replace("\\", "/").rsplit("/", 1)[-1]


class PublishForm(OnceForm):
    pass


class DiscardForm(OnceForm):
    pass
