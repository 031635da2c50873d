"""One neutraliser for every cell the portal exports (CSV, xlsx): text a spreadsheet would run.
(Beside the ledger reader, which imports no portal module; every export imports it from here.)

A cell whose text begins with = + - @ (or a tab or carriage return, which Excel skips before them) is a
formula when the file is opened; ledger cells are stored as the operator wrote them, so every export
passes its text through `neutral()`, which prefixes an apostrophe (shown by no spreadsheet, kept in the
value). Numbers are not touched: -5 written as a number stays a number.
"""
from __future__ import annotations

from typing import Any

_ACTIVE = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")  # full-width too


def neutral(value: Any) -> Any:
    if isinstance(value, str) and value.lstrip(" ")[:1] in _ACTIVE:
        return "'" + value
    return value


def neutral_row(values) -> list:
    return [neutral(v) for v in values]
