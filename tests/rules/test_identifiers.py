"""GB 11643 resident ID numbers and GB 32100 credit codes, pinned by numbers written out here.

No expected value below is computed by `rules.identifiers`: the two GB 11643 examples are the standard's own
(11010519491231002X, 440524188001010014); the others were worked out by ISO 7064 MOD 11-2 (resident ID) and
MOD 31 with weights 3^i mod 31 (credit code) by hand and written down, one per check character, so that a
changed weight or a changed check table fails here.
"""
from __future__ import annotations

from datetime import date

import pytest

from rules.identifiers import (InvalidIdentifier, is_credit_code, is_resident_id, mask_name, mask_phone,
                               mask_resident_id, parse_credit_code, parse_resident_id)

# GB 11643-1999: one valid number per check character 0…9 and X.
VALID_IDS = [
    "11010519491231002X",  # the standard's example
    "440524188001010014",  # the standard's example
    "330102199001010020", "330102199001010071", "330102199001010012", "330102199001010063",
    "330102199001010004", "330102199001010055", "330102199001010186", "330102199001010047",
    "330102199001010098", "330102199001010039", "33010219900101008X",
]


@pytest.mark.parametrize("number", VALID_IDS)
def test_a_valid_resident_id_is_accepted(number):
    """GB 11643-1999 §8.2: the 18th character is the ISO 7064 MOD 11-2 check character of the first 17."""
    assert is_resident_id(number)
    assert parse_resident_id(number).number == number


@pytest.mark.parametrize("number", VALID_IDS)
def test_every_other_check_character_is_refused(number):
    """GB 11643-1999 §8.2: exactly one check character fits; the ten others are wrong, each said so."""
    for other in "0123456789X":
        if other == number[17]:
            continue
        with pytest.raises(InvalidIdentifier, match=f"check character is wrong \\(expected {number[17]}\\)"):
            parse_resident_id(number[:17] + other)


@pytest.mark.parametrize("number", [
    "11010519491231002X"[:16] + "1X",  # a changed sequence digit, the old check character
    "440524188001010041",  # two digits swapped
    "330102199001010002",  # the last two swapped
])
def test_typing_errors_are_caught_by_the_check_character(number):
    """GB 11643-1999 §8.2: the check character catches a changed digit and a transposition."""
    assert not is_resident_id(number)


def test_what_the_number_says():
    """GB 11643-1999 §6: address code (province = first two digits), birth date, sequence (17th odd = male)
    (DOMAIN.md §6.7)."""
    man = parse_resident_id("440524188001010014")  # 17th character 1: odd
    assert (man.birth_date, man.sex, man.province_code, man.province) == (date(1880, 1, 1), "M", "44", "广东")
    woman = parse_resident_id("11010519491231002X")  # 17th character 2: even
    assert (woman.birth_date, woman.sex, woman.province) == (date(1949, 12, 31), "F", "北京")
    assert parse_resident_id("990102199001010015").province == "99"  # an unknown code is shown as is


def test_age_counts_whole_years_on_the_day():
    """DOMAIN.md §6.7: working age from the ID number at the hire date; the birthday itself completes a year."""
    person = parse_resident_id("11010519491231002X")
    assert person.age_on(date(1999, 12, 30)) == 49
    assert person.age_on(date(1999, 12, 31)) == 50
    assert person.age_on(date(2000, 1, 1)) == 50
    assert parse_resident_id("440524188001010014").age_on(date(1940, 1, 1)) == 60


def test_written_forms_are_normalised():
    """A ledger may hold a lower-case x, spaces or full-width digits; the number is the same."""
    assert parse_resident_id(" 11010519491231002x ").number == "11010519491231002X"
    assert parse_resident_id("１１０１０５ １９４９１２３１００２Ｘ").number == "11010519491231002X"


@pytest.mark.parametrize("value, message", [
    ("", "resident ID number is empty"),
    (None, "resident ID number is empty"),
    ("11010519491231002", "got 17 characters"),
    ("11010519491231002XX", "got 19 characters"),
    ("1101051949123100AX", "got 18 characters"),
    ("110105194902300021", "birth date 19490230 in the ID does not exist"),
])
def test_malformed_resident_ids_are_refused_with_the_reason(value, message):
    """GB 11643-1999 §5: 17 digits, then a digit or X; the birth date must exist."""
    with pytest.raises(InvalidIdentifier, match=message):
        parse_resident_id(value)
    assert not is_resident_id(value)


# GB 32100-2015: one valid code per check character, all 31 of them.
VALID_CODES = [
    "91350100M000100Y43",  # the standard's example
    "91330100MA20000120", "91330100MA20000221", "91330100MA20000032", "91330100MA20000133", "91330100MA20000234",
    "91330100MA20000045", "91330100MA20000146", "91330100MA20000247", "91330100MA20000058", "91330100MA20000159",
    "91330100MA2000025A", "91330100MA2000006B", "91330100MA2000016C", "91330100MA2000026D", "91330100MA2000007E",
    "91330100MA2000017F", "91330100MA2000027G", "91330100MA2000008H", "91330100MA2000018J", "91330100MA2000028K",
    "91330100MA2000009L", "91330100MA2000019M", "91330100MA2000029N", "91330100MA2000039P", "91330100MA2000000Q",
    "91330100MA2000010R", "91330100MA2000020T", "91330100MA2000001U", "91330100MA2000011W", "91330100MA2000021X",
    "91330100MA2000002Y",
]


@pytest.mark.parametrize("code", VALID_CODES)
def test_a_valid_credit_code_is_accepted_and_one_changed_check_character_is_not(code):
    """GB 32100-2015 §4.5: the 18th character is the MOD 31 check character of the first 17 (weights 3^i mod 31)."""
    assert is_credit_code(code) and parse_credit_code(code) == code
    wrong = "1" if code[17] != "1" else "2"
    with pytest.raises(InvalidIdentifier, match=f"check character is wrong \\(expected {code[17]}\\)"):
        parse_credit_code(code[:17] + wrong)


@pytest.mark.parametrize("value, message", [
    ("", "credit code is empty"),
    ("91350100M000100Y4", "got 17"),
    ("91350100M000100Y433", "got 19"),
    ("91350100M000100I43", "I, O, S, V, Z are never used"),
    ("9135010AM000100Y43", "I, O, S, V, Z are never used"),  # the region code (characters 3–8) is digits
])
def test_malformed_credit_codes_are_refused_with_the_reason(value, message):
    """GB 32100-2015 §4: 18 characters; no I, O, S, V or Z; characters 3–8 are the region code."""
    with pytest.raises(InvalidIdentifier, match=message):
        parse_credit_code(value)
    assert not is_credit_code(value)


def test_the_messages_say_why_in_chinese_and_english():
    """A ledger row's error is shown as it is (rules/identifiers: "the message says why, in Chinese and English")."""
    def message(parse, value):
        with pytest.raises(InvalidIdentifier) as caught:
            parse(value)
        return str(caught.value)

    assert message(parse_resident_id, " ") == "身份证号为空 / resident ID number is empty"
    assert message(parse_resident_id, "110105194902300021") == (
        "身份证号中的出生日期19490230不存在 / birth date 19490230 in the ID does not exist")
    assert message(parse_resident_id, "11010519491231002") == (
        "身份证号应为18位（17位数字加1位数字或X），实际为17位 / resident ID must be 17 digits plus a digit or X; "
        "got 17 characters")
    assert message(parse_resident_id, "110105194912310021") == (
        "身份证号校验码错误（末位应为X） / resident ID check character is wrong (expected X)")
    assert message(parse_credit_code, "") == "统一社会信用代码为空 / credit code is empty"
    assert message(parse_credit_code, "91350100M000100Y4") == (
        "统一社会信用代码应为18位，实际为17位 / credit code must be 18 characters; got 17")
    assert message(parse_credit_code, "91350100M000100I43") == (
        "统一社会信用代码含有不允许的字符（不使用I、O、S、V、Z） / credit code has characters outside GB 32100 "
        "(I, O, S, V, Z are never used)")
    assert message(parse_credit_code, "91350100M000100Y44") == (
        "统一社会信用代码校验码错误（末位应为3） / credit code check character is wrong (expected 3)")


def test_a_credit_code_is_normalised_like_an_id():
    assert parse_credit_code(" 91350100m000100y43 ") == "91350100M000100Y43"


def test_masks_keep_only_what_a_person_can_be_found_by_nothing_more():
    """Personal data shown to roles that do not need it in full: ID 3 + 4, phone 3 + 4, the surname."""
    assert mask_resident_id("11010519491231002X") == "110***********002X"
    assert mask_resident_id("12345678") == "123*5678"
    assert mask_resident_id("1234567") == "*******"
    assert mask_resident_id(None) == "" and mask_resident_id("") == ""
    assert mask_phone("13800138000") == "138****8000"
    assert mask_phone("0771123") == "*******"
    assert mask_phone(None) == ""
    assert mask_name("张三丰") == "张**"
    assert mask_name("") == "" and mask_name(None) == ""
