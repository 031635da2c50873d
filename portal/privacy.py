"""Personal data in free text, found in one place for every text that goes public (objection answers,
correction notes, left-out reasons) and for the crawl of the public pages.

The text is normalised first, so a number written with spaces, hyphens, dots, full-width digits or a
country code is the same number: `330703 19900101 0011`, `138-1234-5678`, `+86 138 1234 5678`,
`１３８１２３４５６７８`. Found are: resident ID numbers (18 characters, or the old 15 digits, with a birth date
that exists: a mistyped check character is still somebody's number), mainland mobile numbers, and names
of people: those the portal knows (workers, staff, contacts, applicants, account holders) and any name
written with a title or a label (张先生, 王女士, 联系人：李四).
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date

# Separators people put inside numbers; a run of digits joined by them is read as one number.
_SEPARATORS = " \t\u00a0\u3000-‐‑‒–—―.·・_/()（）"
_RUN = re.compile(r"\+?\d(?:[" + re.escape(_SEPARATORS) + r"]*\d)*(?:[" + re.escape(_SEPARATORS) + r"]*[Xx])?")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_MOBILE = re.compile(r"^(?:\+?86|0086)?(1[3-9]\d{9})$")
_ID18 = re.compile(r"^\d{17}[\dX]$")
_ID15 = re.compile(r"^\d{15}$")
_TITLED_NAME = re.compile(r"[\u4e00-\u9fff]{1,2}(?:先生|女士|小姐)")
_LABELLED_NAME = re.compile(r"(?:姓名|联系人|负责人|申请人|举报人|投诉人|当事人)[:：]\s*([\u4e00-\u9fff·]{2,4})")


def normalise(text: str | None) -> str:
    """NFKC (full-width digits and letters to ASCII), invisible characters removed."""
    return unicodedata.normalize("NFKC", text or "").translate(_INVISIBLE)


def _numbers(text: str) -> set[str]:
    """Every number in `text`, separators removed (a trailing X kept, upper-cased): each run of digits and
    separators as a whole, and each stretch of up to five of its space-separated groups (so a date or a
    count written before a phone number does not hide it)."""
    out: set[str] = set()
    for m in _RUN.finditer(text):
        groups = [g for g in re.split(r"[\s\u00a0\u3000]+", m.group(0).upper()) if g]
        for i in range(len(groups)):
            for j in range(i + 1, min(i + 5, len(groups)) + 1):
                out.add(re.sub(r"[^\dX+]", "", "".join(groups[i:j])))
    return out


def _date_exists(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _is_resident_id(digits: str) -> bool:
    if _ID18.match(digits):
        return 1900 <= int(digits[6:10]) <= 2100 and _date_exists(int(digits[6:10]), int(digits[10:12]),
                                                                   int(digits[12:14]))
    if _ID15.match(digits):  # the first-generation card: YYMMDD from the seventh digit
        return _date_exists(1900 + int(digits[6:8]), int(digits[8:10]), int(digits[10:12]))
    return False


def personal_data_in(text: str | None, names: set[str] | frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """(kind, what was found) for each ID number, mobile number and name of a person in `text`.

    `names` are the people the caller knows of (see known_names); a name shorter than two characters is
    never matched (it would match everywhere).
    """
    clean = normalise(text)
    hits: list[tuple[str, str]] = []
    for number in sorted(_numbers(clean)):
        digits = number.lstrip("+")
        if (mobile := _MOBILE.match(number)) is not None:
            hits.append(("phone", mobile.group(1)))
        elif _is_resident_id(digits):
            hits.append(("resident_id", digits))
    squeezed = re.sub(r"\s+", "", clean)
    for name in names:
        name = normalise(name).strip()
        if len(name) >= 2 and name in squeezed:
            hits.append(("name", name))
    hits.extend(("name", m) for m in _TITLED_NAME.findall(squeezed))
    hits.extend(("name", m) for m in _LABELLED_NAME.findall(clean))
    return list(dict.fromkeys(hits))


def known_names(bureau_id: int | None = None) -> set[str]:
    """Names of people the portal holds for a bureau (all bureaus when None): delivered workers, station
    staff, operators' contacts, applicants and partners, its accounts and the platform's, the names
    in ledger rows."""
    from sqlmodel import select

    from portal.activities.models import StaffMember
    from portal.applications.models import ApplicationWorker, StationApplication
    from portal.auth.models import User
    from portal.contracts.models import Contract
    from portal.db import get_session
    from portal.ledgers.models import LedgerRow
    from portal.organisations.models import Operator

    session = get_session()

    def of(model, *columns):
        out = []
        for column in columns:
            query = select(column)
            if bureau_id is not None and hasattr(model, "bureau_id"):
                query = query.where(model.bureau_id == bureau_id)
            out.extend(v for v in session.exec(query) if v)
        return out

    names: set[str] = set()
    names.update(of(ApplicationWorker, ApplicationWorker.name))
    names.update(of(StaffMember, StaffMember.name))
    names.update(of(StationApplication, StationApplication.applicant_head, StationApplication.partner_head,
                    StationApplication.liaison_person))
    accounts = select(User.display_name).where(User.role != "operator")
    if bureau_id is not None:  # the bureau's own accounts and the platform's (no bureau), not another bureau's
        accounts = accounts.where((User.bureau_id == bureau_id) | User.bureau_id.is_(None))
    names.update(v for v in session.exec(accounts) if v)
    operators = select(Operator.contact_name)
    if bureau_id is not None:
        operators = operators.where(Operator.id.in_(select(Contract.operator_id).where(Contract.bureau_id == bureau_id))
                                    | (Operator.registered_by_bureau_id == bureau_id))
    names.update(v for v in session.exec(operators) if v)
    rows = select(LedgerRow.data)
    if bureau_id is not None:
        rows = rows.where(LedgerRow.bureau_id == bureau_id)
    for data in session.exec(rows):
        names.update(str(v).strip() for k, v in (data or {}).items() if v and ("姓名" in k or "name" in k.lower()))
    return {n for n in names if len(n.strip()) >= 2}


def _counted(hits: list[tuple[str, str]]) -> dict[str, int]:
    """How many of each kind were found, in the order first found (collections.Counter keeps it)."""
    from collections import Counter

    return Counter(kind for kind, _ in hits)


def describe(hits: list[tuple[str, str]]) -> str:
    """What was found, said without repeating it: e.g. 身份证号1处、手机号2处."""
    labels = {"resident_id": "身份证号", "phone": "手机号", "name": "人名"}
    return "、".join(f"{labels[k]}{n}处" for k, n in _counted(hits).items())


def describe_en(hits: list[tuple[str, str]]) -> str:
    """describe() in English: e.g. 1 ID number, 2 phone numbers."""
    labels = {"resident_id": ("ID number", "ID numbers"), "phone": ("phone number", "phone numbers"),
              "name": ("name of a person", "names of people")}
    return ", ".join(f"{n} {labels[k][n > 1]}" for k, n in _counted(hits).items())
