"""Dates and periods in words, in Chinese and in English, for text the rules and the portal compose
(messages, mails): 2026年3月5日 23:59（北京时间）, 2026年3月, 2026年第1季度 · 5 Mar 2026 23:59 Beijing time.
Pure string rewriting of ISO forms, independent of any request's language."""
from __future__ import annotations

import re

_ZH_DATES = (
    # a moment: 2026-03-05T23:59:59+08:00 → 2026年3月5日 23:59
    (re.compile(r"(?<![A-Za-z0-9-])(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?"),
     lambda m: f"{m[1]}年{int(m[2])}月{int(m[3])}日 {m[4]}:{m[5]}" + ("（北京时间）" if m[6] in ("+08:00", "+0800") else "")),
    (re.compile(r"(?<![A-Za-z0-9-])(\d{4})-(\d{2})-(\d{2})"), lambda m: f"{m[1]}年{int(m[2])}月{int(m[3])}日"),
    (re.compile(r"(?<![A-Za-z0-9-])(\d{4})-(\d{2})月"), lambda m: f"{m[1]}年{int(m[2])}月"),  # "{period}月" with a month period
    (re.compile(r"(?<![A-Za-z0-9-])(\d{4})-(\d{2})(?![\d-])"), lambda m: f"{m[1]}年{int(m[2])}月"),
    (re.compile(r"(?<![A-Za-z0-9-])(\d{4})-?Q(\d)(季度)?"), lambda m: f"{m[1]}年第{m[2]}季度"),
    (re.compile(r"(?<![A-Za-z0-9-])(\d{4})W(\d{1,2})"), lambda m: f"{m[1]}年第{int(m[2])}周"),
)


def zh_dates(text: str) -> str:
    """Dates and periods in a Chinese message as a reader writes them (2026年3月5日 23:59, 2026年3月,
    2026年第1季度, 2026年第50周), never ISO; the English message keeps the ISO forms."""
    for pattern, replace in _ZH_DATES:
        text = pattern.sub(replace, text)
    return text


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_EN_DATES = (
    (re.compile(r"(?<![A-Za-z0-9-])(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?"),
     lambda m: f"{int(m[3])} {_MONTHS[int(m[2]) - 1]} {m[1]} {m[4]}:{m[5]}"
               + (" Beijing time" if m[6] in ("+08:00", "+0800") else "")),
    (re.compile(r"(?<![A-Za-z0-9-])(\d{4})-(\d{2})-(\d{2})"), lambda m: f"{int(m[3])} {_MONTHS[int(m[2]) - 1]} {m[1]}"),
    (re.compile(r"(?<![A-Za-z0-9-])(\d{4})-(\d{2})(?![\d-])"), lambda m: f"{_MONTHS[int(m[2]) - 1]} {m[1]}"),
    (re.compile(r"(?<![A-Za-z0-9-])(\d{4})-?Q(\d)"), lambda m: f"Q{m[2]} {m[1]}"),
    (re.compile(r"(?<![A-Za-z0-9-])(\d{4})W(\d{1,2})"), lambda m: f"week {int(m[2])} of {m[1]}"),
)


def en_dates(text: str) -> str:
    """The English message's dates as people write them (5 Mar 2026 23:59 Beijing time, Mar 2026)."""
    for pattern, replace in _EN_DATES:
        text = pattern.sub(replace, text)
    return text


_CJK = re.compile(r"[\u3400-\u9fff]")


def dates_in_words(text: str) -> str:
    """Each line of a bilingual text (a mail) in its own language: Chinese lines by zh_dates, others by en_dates."""
    return "\n".join(zh_dates(line) if _CJK.search(line) else en_dates(line) for line in text.split("\n"))
