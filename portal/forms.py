"""Validators shared by every domain's forms."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

from rules.identifiers import InvalidIdentifier, normalise_resident_id, parse_credit_code

_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


def credit_code(form, field) -> None:
    """GB 32100: 18 characters with a MOD 31 check character; the field keeps the clean value."""
    try:
        field.data = parse_credit_code(field.data)
    except InvalidIdentifier as exc:
        raise ValidationError(str(exc)) from None


def phone(form, field) -> None:
    value = normalise_resident_id(field.data).replace("-", "")
    raw = normalise_resident_id(field.data)
    if not (_PHONE.match(value) or _PHONE.match(raw)):
        raise ValidationError(_l("电话号码格式不正确（11位手机号，或区号加座机号）"))
    field.data = raw


def strip(value):
    return value.strip() if isinstance(value, str) else value


def form_data(form, *names) -> dict:
    """The named fields' cleaned values, for a service call."""
    return {name: getattr(form, name).data for name in names}
