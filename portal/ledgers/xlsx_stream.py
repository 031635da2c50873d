"""An .xlsx worksheet read row by row, never whole (issue #13, upload memory).

python-calamine holds a whole sheet as a grid before it gives the first row (a 190,000-row ledger: ~190 MB,
measured), and its shared-string table as one string object each. Here the worksheet XML is streamed
through expat from the zip, one chunk at a time, and each row is handed on as soon as it is complete; the
shared strings are kept as one UTF-8 buffer with an offset per string. The values are the ones
python-calamine gives (tests/portal/ledgers/test_xlsx_stream.py compares both, cell for cell):

* a number is a float; under a date or time number format (built-in 14-22, 45, 47, or a custom format with
  d m y h s outside quotes and brackets) it is a date (whole days), a time (under one day) or a datetime;
  under a duration format ([h]:mm) a timedelta;
* ``t="s"`` a shared string, ``t="inlineStr"`` the inline text (rich-text runs joined, phonetic runs left
  out), ``t="str"`` the formula's cached text, ``t="b"`` a bool, ``t="d"`` a datetime, ``t="e"`` (an error
  such as #N/A) empty;
* a cell without ``r`` follows the previous cell, a row without ``r`` the previous row.

A row is a list indexed by column (None where no value); rows without any value are not yielded. Rows must
come in order (Excel and every writer we know do): a row before one already handed on is refused.
"""
from __future__ import annotations

import datetime as dt
import re
import zipfile
from array import array
from typing import Any, Iterator
from xml.parsers import expat

CHUNK = 1 << 18

_EPOCH = dt.datetime(1899, 12, 30)
_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")

# Number formats: 0 other, 1 date/time, 2 duration.
_OTHER, _DATETIME, _DURATION = 0, 1, 2
_BUILTIN = {**{i: _DATETIME for i in range(14, 23)}, 45: _DATETIME, 47: _DATETIME, 46: _DURATION}


class StreamError(ValueError):
    """The sheet XML cannot be read as a worksheet (damaged, or written out of order)."""


def _local(name: str) -> str:
    return name[name.rfind(":") + 1:]


def custom_format_kind(code: str) -> int:
    """Whether a custom number format shows a date/time, a duration or neither (calamine's rule)."""
    escaped = is_quote = ap = hms = False
    brackets = 0
    prev = " "
    for s in code:
        if escaped:
            escaped = False
        elif s in "_\\*":
            escaped = True
        elif is_quote:
            if s == '"':
                is_quote = False
        elif s == '"':
            is_quote = True
        elif s == ";":
            return _OTHER
        elif s == "[":
            brackets += 1
        elif s == "]" and brackets == 1 and hms:
            return _DURATION
        elif s == "]":
            brackets = max(brackets - 1, 0)
        elif s in "aA" and not ap and brackets == 0:
            ap = True
        elif s in "pm/PM" and ap and brackets == 0:
            return _DATETIME
        elif s in "dmhysDMHYS" and not ap and brackets == 0:
            return _DATETIME
        else:
            if not (hms and s.lower() == prev.lower()):
                hms = prev == "[" and s in "mhsMHS"
        prev = s
    return _OTHER


def _parse(fh, handlers: dict, stop=lambda: False) -> Iterator[None]:
    """Feed a zip member to a fresh expat parser chunk by chunk; yield after each chunk."""
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.ordered_attributes = False
    for name, fn in handlers.items():
        setattr(parser, name, fn)
    try:
        while chunk := fh.read(CHUNK):
            parser.Parse(chunk, False)
            yield
            if stop():
                return
        parser.Parse(b"", True)
        yield
    except expat.ExpatError as e:
        raise StreamError(f"XML: {e}") from None


def number_formats(zf: zipfile.ZipFile) -> bytes:
    """The kind (other / date / duration) of each cell style (cellXfs index), as one byte each."""
    if "xl/styles.xml" not in zf.namelist():
        return b""
    custom: dict[str, str] = {}
    kinds = bytearray()
    depth = {"cellXfs": 0}

    def start(name, attrs):
        tag = _local(name)
        if tag == "numFmt":
            code = attrs.get("formatCode", "")
            if code:
                custom[attrs.get("numFmtId", "")] = code
        elif tag == "cellXfs":
            depth["cellXfs"] += 1
        elif tag == "xf" and depth["cellXfs"]:
            fmt = attrs.get("numFmtId")
            if fmt is None:
                kinds.append(_OTHER)
            elif fmt in custom:
                kinds.append(custom_format_kind(custom[fmt]))
            else:
                kinds.append(_BUILTIN.get(int(fmt), _OTHER) if fmt.isdigit() else _OTHER)

    def end(name):
        if _local(name) == "cellXfs":
            depth["cellXfs"] -= 1

    with zf.open("xl/styles.xml") as fh:
        for _ in _parse(fh, {"StartElementHandler": start, "EndElementHandler": end}):
            pass
    return bytes(kinds)


class SharedStrings:
    """The shared-string table in one UTF-8 buffer (an offset per string), not one object per string."""

    def __init__(self) -> None:
        self.blob = bytearray()
        self.offsets = array("Q", [0])

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, i: int) -> str:
        if i < 0:
            raise IndexError(i)
        return self.blob[self.offsets[i]:self.offsets[i + 1]].decode("utf-8")

    def append(self, s: str) -> None:
        self.blob += s.encode("utf-8")
        self.offsets.append(len(self.blob))

    @property
    def nbytes(self) -> int:
        return len(self.blob) + self.offsets.itemsize * len(self.offsets)


class _Text:
    """Collects the text of <si> / <is>: the <t> of the string and of its rich runs, not phonetic runs."""

    __slots__ = ("parts", "in_t", "in_rph", "seen_t")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.in_t = self.seen_t = False
        self.in_rph = 0

    def start(self, tag: str) -> None:
        if tag == "rPh":
            self.in_rph += 1
        elif tag == "t" and not self.in_rph:
            self.in_t = self.seen_t = True

    def end(self, tag: str) -> None:
        if tag == "rPh":
            self.in_rph -= 1
        elif tag == "t":
            self.in_t = False

    def data(self, text: str) -> None:
        if self.in_t:
            self.parts.append(text)

    def value(self) -> str | None:
        return "".join(self.parts) if self.seen_t else None


def shared_strings(zf: zipfile.ZipFile, max_bytes: int) -> SharedStrings:
    """Read xl/sharedStrings.xml; StreamError once its text passes `max_bytes` (the caller refuses)."""
    out = SharedStrings()
    path = next((n for n in zf.namelist() if n.lower() == "xl/sharedstrings.xml"), None)
    if path is None:
        return out
    state: dict[str, Any] = {"text": None}

    def start(name, attrs):
        tag = _local(name)
        if tag == "si":
            state["text"] = _Text()
        elif state["text"] is not None:
            state["text"].start(tag)

    def end(name):
        tag = _local(name)
        text = state["text"]
        if tag == "si" and text is not None:
            value = text.value()
            if value is not None:  # calamine skips an <si> without text: the indexes after it shift
                out.append(value)
            state["text"] = None
        elif text is not None:
            text.end(tag)

    def data(s):
        if state["text"] is not None:
            state["text"].data(s)

    with zf.open(path) as fh:
        for _ in _parse(fh, {"StartElementHandler": start, "EndElementHandler": end, "CharacterDataHandler": data}):
            if out.nbytes > max_bytes:
                raise StreamError("shared strings too large")
    return out


def _excel_datetime(v: float, is_1904: bool) -> dt.datetime:
    if is_1904:
        v += 1462
    elif v < 60:  # Excel's 1900 counts a 29 February that never was
        v += 1
    days = int(v // 1)
    ms = round((v - days) * 86_400_000)
    return _EPOCH + dt.timedelta(days=days, milliseconds=ms)


def _as_date(v: float, kind: int, is_1904: bool) -> Any:
    try:
        if kind == _DURATION:
            return dt.timedelta(milliseconds=round(v * 86_400_000))
        if v < 1:
            return _excel_datetime(v, is_1904).time() if v >= 0 else v
        moment = _excel_datetime(v, is_1904)
        return moment.date() if v == int(v) else moment
    except (OverflowError, ValueError):
        return v


def _iso_datetime(text: str) -> Any:
    try:
        return dt.datetime.fromisoformat(text.rstrip("Z"))
    except ValueError:
        try:
            return dt.datetime.combine(dt.date.fromisoformat(text), dt.time())
        except ValueError:
            return text


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def iter_rows(zf: zipfile.ZipFile, path: str, strings: SharedStrings, formats: bytes,
              is_1904: bool = False) -> Iterator[tuple[int, list[Any]]]:
    """(0-based row index, values by column) for every row of the worksheet holding a value, in order."""
    done: list[tuple[int, list[Any]]] = []
    st: dict[str, Any] = {"row": 0, "col": 0, "cur": -1, "cells": None, "last": -1, "end": False,
                          "c": None, "t": None, "s": None, "v": None, "text": None, "in_sheet": False}

    def flush() -> None:
        cells = st["cells"]
        if cells is not None:
            if st["cur"] < st["last"]:
                raise StreamError("rows out of order")
            done.append((st["cur"], cells))
            st["last"] = st["cur"]
        st["cells"] = None

    def put(r: int, c: int, value: Any) -> None:
        if st["cells"] is not None and r != st["cur"]:
            flush()
        if st["cells"] is None:
            if r <= st["last"]:
                raise StreamError("rows out of order")
            st["cur"], st["cells"] = r, []
        cells = st["cells"]
        if c >= len(cells):
            cells.extend([None] * (c + 1 - len(cells)))
        cells[c] = value  # the same cell twice: the later one, as calamine

    def start(name, attrs):
        tag = _local(name)
        if not st["in_sheet"]:
            if tag == "sheetData":
                st["in_sheet"] = True
            return
        if st["c"] is not None:
            # calamine keeps the value of the cell's last child (<f> alone gives none)
            if tag == "v":
                st["v"], st["text"] = [], None
            elif tag == "is":
                st["v"], st["text"] = None, _Text()
            elif tag == "f":
                st["v"], st["text"] = None, None
            elif st["text"] is not None:
                st["text"].start(tag)
            return
        if tag == "c":
            ref = attrs.get("r")
            m = _CELL_REF.match(ref) if ref else None
            if m:
                r, c = int(m.group(2)) - 1, _column_index(m.group(1))
                st["col"] = c
            elif ref:
                raise StreamError(f"cell reference {ref[:20]!r}")
            else:
                r, c = st["row"], st["col"]
            st["c"], st["t"], st["s"], st["v"], st["text"] = (r, c), attrs.get("t"), attrs.get("s"), None, None
        elif tag == "row":
            r = attrs.get("r")
            if r:
                if not r.isdigit():
                    raise StreamError(f"row number {r[:20]!r}")
                st["row"] = int(r) - 1

    def end(name):
        tag = _local(name)
        if not st["in_sheet"]:
            return
        if st["c"] is not None:
            if tag == "c":
                value = _value(st["t"], st["s"], st["v"], st["text"])
                r, c = st["c"]
                if value is not None:
                    put(r, c, value)
                st["c"] = None
                st["col"] = c + 1
            elif st["text"] is not None and tag != "is":
                st["text"].end(tag)
            return
        if tag == "row":
            st["row"] += 1
            st["col"] = 0
        elif tag == "sheetData":
            flush()
            st["in_sheet"], st["end"] = False, True

    def data(s):
        if st["c"] is not None:
            if st["text"] is not None:
                st["text"].data(s)
            elif st["v"] is not None:
                st["v"].append(s)

    def _value(t, s, v, text):
        if text is not None:
            return text.value()
        if v is None:
            return None
        raw = "".join(v)
        if t == "s":
            if not raw:
                return None
            try:
                return strings[int(raw)]
            except (ValueError, IndexError):
                raise StreamError("shared string index not found") from None
        if t == "b":
            return raw != "0"
        if t == "e":
            return None
        if t == "str":
            return raw
        if t == "d":
            return _iso_datetime(raw)
        if t in ("inlineStr", "is"):
            return None
        if t not in (None, "n"):
            raise StreamError(f"cell type {t[:10]!r}")
        if not raw:
            return None
        try:
            number = float(raw)
        except ValueError:
            if t is None:
                return raw
            raise StreamError("number") from None
        kind = _OTHER
        if s is not None:
            try:
                i = int(s)
                kind = formats[i] if 0 <= i < len(formats) else -1
            except ValueError:
                kind = formats[0] if formats else -1
        if kind > 0:
            return _as_date(number, kind, is_1904)
        return number

    with zf.open(path) as fh:
        for _ in _parse(fh, {"StartElementHandler": start, "EndElementHandler": end, "CharacterDataHandler": data},
                        stop=lambda: st["end"]):
            yield from done  # complete rows only: the row being read stays in st["cells"]
            done.clear()
    if st["in_sheet"] and not st["end"]:
        raise StreamError("the sheet ends inside its data")
    flush()
    yield from done
