"""Chinese identifiers the schemes and ledgers depend on.

- Resident ID number (公民身份号码), GB 11643-1999: 17 digits + ISO 7064 MOD 11-2 check character.
- Unified social credit code (统一社会信用代码), GB 32100-2015: 18 characters, MOD 31 check.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date


class InvalidIdentifier(ValueError):
    """The value is not a valid identifier; the message says why, in Chinese and English."""


# --- GB 11643 resident ID -------------------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")

# GB/T 2260 province-level codes (first two digits).
PROVINCES = {
    "11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古",
    "21": "辽宁", "22": "吉林", "23": "黑龙江",
    "31": "上海", "32": "江苏", "33": "浙江", "34": "安徽", "35": "福建", "36": "江西", "37": "山东",
    "41": "河南", "42": "湖北", "43": "湖南", "44": "广东", "45": "广西", "46": "海南",
    "50": "重庆", "51": "四川", "52": "贵州", "53": "云南", "54": "西藏",
    "61": "陕西", "62": "甘肃", "63": "青海", "64": "宁夏", "65": "新疆",
    "71": "台湾", "81": "香港", "82": "澳门",
}


@dataclass(frozen=True)
class ResidentId:
    number: str
    birth_date: date
    sex: str  # "M" or "F": the 17th character, odd = male (DOMAIN.md §6.7)
    province_code: str  # first two digits, e.g. "33" = Zhejiang

    @property
    def province(self) -> str:
        return PROVINCES.get(self.province_code, self.province_code)

    def age_on(self, day: date) -> int:
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years


def resident_id_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS))
    return _ID_CHECK[total % 11]


def normalise_resident_id(value: object) -> str:
    """Strip spaces and full-width characters; upper-case the X. Does not validate."""
    text = str(value if value is not None else "")
    text = text.translate(_FULLWIDTH).strip().replace(" ", "").upper()
    return text


def parse_resident_id(value: object) -> ResidentId:
    number = normalise_resident_id(value)
    if not number:
        raise InvalidIdentifier("身份证号为空 / resident ID number is empty")
    if not _ID_SHAPE.match(number):
        raise InvalidIdentifier(
            f"身份证号应为18位（17位数字加1位数字或X），实际为{len(number)}位"
            f" / resident ID must be 17 digits plus a digit or X; got {len(number)} characters"
        )
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdentifier(
            f"身份证号中的出生日期{number[6:14]}不存在 / birth date {number[6:14]} in the ID does not exist"
        ) from None
    expected = resident_id_check_char(number[:17])
    if number[17] != expected:
        raise InvalidIdentifier(
            f"身份证号校验码错误（末位应为{expected}） / resident ID check character is wrong (expected {expected})"
        )
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return ResidentId(number=number, birth_date=born, sex=sex, province_code=number[:2])


def is_resident_id(value: object) -> bool:
    try:
        parse_resident_id(value)
    except InvalidIdentifier:
        return False
    return True


# --- GB 32100 unified social credit code ------------------------------------------------------

_CC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z
_CC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CC_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def credit_code_check_char(first17: str) -> str:
    total = sum(_CC_CHARS.index(c) * w for c, w in zip(first17, _CC_WEIGHTS))
    return _CC_CHARS[(31 - total % 31) % 31]


def parse_credit_code(value: object) -> str:
    code = normalise_resident_id(value)  # same clean-up: spaces, full width, upper case
    if not code:
        raise InvalidIdentifier("统一社会信用代码为空 / credit code is empty")
    if len(code) != 18:
        raise InvalidIdentifier(
            f"统一社会信用代码应为18位，实际为{len(code)}位 / credit code must be 18 characters; got {len(code)}"
        )
    if not _CC_SHAPE.match(code):
        raise InvalidIdentifier(
            "统一社会信用代码含有不允许的字符（不使用I、O、S、V、Z） / credit code has characters"
            " outside GB 32100 (I, O, S, V, Z are never used)"
        )
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        raise InvalidIdentifier(
            f"统一社会信用代码校验码错误（末位应为{expected}） / credit code check character is wrong (expected {expected})"
        )
    return code


def is_credit_code(value: object) -> bool:
    try:
        parse_credit_code(value)
    except InvalidIdentifier:
        return False
    return True


# --- masking (personal data shown to roles that do not need it in full) ------------------------

def mask_resident_id(value: str | None) -> str:
    if not value:
        return ""
    v = str(value)
    return v[:3] + "*" * max(len(v) - 7, 0) + v[-4:] if len(v) > 7 else "*" * len(v)


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    v = str(value)
    return v[:3] + "****" + v[-4:] if len(v) >= 11 else "*" * len(v)


def mask_name(value: str | None) -> str:
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1)


_FULLWIDTH = {0xFF01 + i: 0x21 + i for i in range(94)}
_FULLWIDTH[0x3000] = 0x20
