from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, MultipleFileField
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from portal.activities import evidence
from portal.activities.models import ATTENDANCE_MARKS, EVENT_KINDS
from portal.forms import strip

# Fields the event form checks one at a time while the operator types (htmx inline validation).
CHECKED_EVENT_FIELDS = ("event_kind", "held_on", "place", "participants", "description")


class StaffForm(FlaskForm):
    name = StringField(_l("姓名"), validators=[DataRequired(), Length(max=50)], filters=[strip])
    post = StringField(_l("岗位"), validators=[DataRequired(), Length(max=50)], filters=[strip])
    station_id = SelectField(_l("所在站点"), coerce=int, validators=[InputRequired()])


def checked_files(form, field, required: bool) -> None:
    """Sniff every file now, so the operator sees a refused file next to the field; keep the checked bytes."""
    from portal.activities.services import read_upload

    files = field.data if isinstance(field.data, list) else ([field.data] if field.data else [])
    form.checked_files = []
    for storage in files:
        try:
            form.checked_files.append(read_upload(storage))
        except evidence.EvidenceRefused as exc:
            raise ValidationError(f"{storage.filename}：{exc.message}") from None
    if required and not form.checked_files:
        raise ValidationError(_l("请选择要上传的文件"))


class EventForm(FlaskForm):
    event_kind = SelectField(_l("活动类型"), choices=[(k, _l(v)) for k, v in EVENT_KINDS.items()], validators=[DataRequired()])
    held_on = DateField(_l("举办日期"), validators=[DataRequired(message=_l("请填写日期，如 2024-06-01"))])
    place = StringField(_l("地点"), validators=[DataRequired(message=_l("请填写举办地点")), Length(max=200)],
                        filters=[strip])
    participants = IntegerField(_l("参加人数"), validators=[
        InputRequired(message=_l("请填写参加人数，没有请填0")),
        NumberRange(min=0, max=1_000_000, message=_l("参加人数须为0至1000000之间的整数"))])
    description = TextAreaField(_l("活动内容"), validators=[Optional(), Length(max=4000)], filters=[strip])
    evidence = MultipleFileField(_l("佐证材料（照片或PDF，可多选）"))

    contract = None  # set by the route: the date must fall in the contract's term

    def validate_held_on(self, field):
        from portal.activities.services import today

        if field.data is None or self.contract is None:
            return
        if field.data > today():
            raise ValidationError(_l("活动日期不能晚于今天（登记的是已举办的活动）"))
        if not (self.contract.starts_on <= field.data <= self.contract.ends_on):
            raise ValidationError(_l("活动日期不在合同期限内（%(start)s 至 %(end)s）",
                                     start=self.contract.starts_on.isoformat(), end=self.contract.ends_on.isoformat()))

    def validate_evidence(self, field):
        checked_files(self, field, required=False)


class EvidenceForm(FlaskForm):
    evidence = FileField(_l("佐证材料（照片或PDF）"), validators=[FileRequired(message=_l("请选择要上传的文件"))])

    def validate_evidence(self, field):
        checked_files(self, field, required=True)


class AttendanceUploadForm(FlaskForm):
    sheet = FileField(_l("考勤表文件（.xlsx、.xls 或 .csv）"),
                      validators=[FileRequired(message=_l("请选择要上传的文件"))])


def cell_name(staff_id: int, day: int) -> str:
    return f"m{staff_id}_{day}"


def attendance_form(staff: list, ndays: int, formdata, **kwargs) -> FlaskForm:
    """The month's grid: one select per staff member and day; blank means not recorded."""

    class Form(FlaskForm):
        pass

    choices = [("-", "")] + [(code, label) for code, label in ATTENDANCE_MARKS.items() if code != "-"]
    for person in staff:
        for day in range(1, ndays + 1):
            setattr(Form, cell_name(person.id, day), SelectField(str(day), choices=choices, default="-"))
    form = Form(formdata=formdata, **kwargs)
    form.staff, form.ndays = staff, ndays
    return form


def row_codes(form, staff_id: int) -> str:
    """One person's codes from the grid; a value that is not a known code stays visible to the row check."""
    codes = []
    for day in range(1, form.ndays + 1):
        value = form[cell_name(staff_id, day)].data or "-"
        codes.append(value if len(value) == 1 else "?")
    return "".join(codes)
