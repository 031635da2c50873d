"""Template filters for money and shares: Decimal in, text out; floats are refused."""
from __future__ import annotations

import functools
from decimal import ROUND_HALF_UP, Decimal


def decimal(value) -> Decimal:
    if isinstance(value, float):
        raise TypeError("float where a Decimal is required")
    return Decimal(str(value))


def yuan(value) -> str:
    if value is None:
        return "—"
    amount = decimal(value).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return f"¥{amount:,.2f}"


def percent(value) -> str:
    share = decimal(value) * 100
    return f"{share.quantize(Decimal('0.01'), ROUND_HALF_UP).normalize():f}%"


def init_app(app) -> None:
    app.add_template_filter(decimal, "decimal")
    app.add_template_filter(yuan, "yuan")
    app.add_template_filter(percent, "percent")
    init_dates(app)


# -- dates, months, periods and schemes as a reader writes them (issue #12 item 6) -----------------
# One set of filters for pages, exports and mail: Beijing time, the reader's language, never ISO or UTC.

def _as_date(value):
    from datetime import date, datetime

    if isinstance(value, str):
        text = value.strip()
        try:
            return datetime.fromisoformat(text) if "T" in text or " " in text else date.fromisoformat(text)
        except ValueError:
            return value
    return value


def _reader() -> tuple[str, str] | None:
    """What a date's text depends on besides the date: the reader's language and time zone (None outside an
    application: nothing is kept)."""
    from flask import has_app_context
    from flask_babel import get_locale, get_timezone

    return (str(get_locale()), str(get_timezone())) if has_app_context() else None


def day(value) -> str:
    """2026年3月5日 (a date, or the Beijing day of a moment)."""
    value = _as_date(value)
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        return value
    reader = _reader()
    return _day(value, *reader) if reader else _day.__wrapped__(value, "", "")


def moment(value, seconds: bool = False) -> str:
    """2026年3月5日 23:59 北京时间: a moment in Beijing time, with the zone named."""
    from datetime import datetime

    value = _as_date(value)
    if value is None or value == "":
        return "—"
    if not isinstance(value, datetime):
        return day(value)
    reader = _reader()
    return _moment(value, seconds, *reader) if reader else _moment.__wrapped__(value, seconds, "", "")


# A page shows the same few days again and again (every row's deadline): each text is made once per process for
# its language and time zone, which the cache key carries (issue #16).
@functools.lru_cache(maxsize=8192)
def _day(value, _locale: str, _zone: str) -> str:
    from datetime import datetime

    from flask_babel import format_date, to_user_timezone

    if isinstance(value, datetime):
        value = to_user_timezone(value).date() if value.tzinfo else value.date()
    return format_date(value, "long")


@functools.lru_cache(maxsize=8192)
def _moment(value, seconds: bool, locale: str, zone: str) -> str:
    from flask_babel import gettext, to_user_timezone

    local = to_user_timezone(value) if value.tzinfo else value
    clock = local.strftime("%H:%M:%S" if seconds else "%H:%M")
    the_day = _day(local.date(), locale, zone) if locale else _day.__wrapped__(local.date(), "", "")
    return gettext("%(day)s %(clock)s 北京时间", day=the_day, clock=clock)


def month(value) -> str:
    """2026年3月, from a date, a moment or "2026-03"."""
    from datetime import date, datetime

    from flask_babel import gettext

    if isinstance(value, str):
        try:
            year, mon = value.strip()[:7].split("-")
            value = date(int(year), int(mon), 1)
        except ValueError:
            return value
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = value.date()
    return gettext("%(year)s年%(month)s月", year=value.year, month=value.month)


def period(key) -> str:
    """A reporting period by how people name it: 2026年3月, 2026年第50周, 2026年第1季度, 2026年度."""
    import re

    from flask_babel import gettext

    text = str(key or "")
    if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
        return month(text)
    if m := re.fullmatch(r"(\d{4})W(\d{1,2})", text):
        return gettext("%(year)s年第%(week)s周", year=m[1], week=int(m[2]))
    if m := re.fullmatch(r"(\d{4})-?Q(\d)", text):
        return gettext("%(year)s年第%(quarter)s季度", year=m[1], quarter=m[2])
    if m := re.fullmatch(r"(\d{4})(?:-?H(\d))", text):
        return gettext("%(year)s年上半年", year=m[1]) if m[2] == "1" else gettext("%(year)s年下半年", year=m[1])
    if m := re.fullmatch(r"Y(\d+)", text):
        return gettext("第%(n)s年度", n=m[1])
    if m := re.fullmatch(r"(\d{4})", text):
        return gettext("%(year)s年度", year=m[1])
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return day(text)
    return text


def zh(fn, *args) -> str:
    """fn(*args) in Chinese whatever the request's language: for text stored once and shown as it stands (a
    contract's status reason, an audit reason), which no reader's language can word later."""
    from flask_babel import force_locale

    with force_locale("zh"):
        return fn(*args)


# Lookups of a scheme's citation from its id or stored version text, registered by portal/schemes (which sits
# above this module); without one, the shipped files answer.
SCHEME_CITATIONS: list = []


def scheme_cite(value) -> str:
    """A scheme as its document is cited: 吴人社就〔2022〕15号《…考核细则》, from its id or a stored version
    ("<id> (<number>, effective <date>)", which old contracts and approvals keep)."""
    from rules.schemes import load_scheme

    for cite in SCHEME_CITATIONS:  # the portal's stored versions (portal/schemes registers the lookup)
        if found := cite(str(value or "")):
            return found
    scheme_id = str(value or "").split(" ")[0]
    try:
        scheme = load_scheme(scheme_id)
    except Exception:  # an id no longer shipped: show what was stored
        return str(value or "")
    return scheme.citation


def dates_in_words(text) -> str:
    """Stored text as it stands (an audit reason), its ISO dates and periods in words line by line, as mail has
    them (rules.dates: 2024年3月5日 on a Chinese line, 5 Mar 2024 on another)."""
    from rules.dates import dates_in_words as words

    return words(str(text or ""))


def init_dates(app) -> None:
    for name, fn in (("day", day), ("moment", moment), ("month", month), ("period", period),
                     ("scheme_cite", scheme_cite), ("dates_in_words", dates_in_words)):
        app.add_template_filter(fn, name)
