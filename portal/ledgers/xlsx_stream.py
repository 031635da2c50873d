"""An .xlsx worksheet read row by row, never whole (issue #13, upload memory).

python-calamine holds a whole sheet as a grid before it gives the first row (a 190,000-row ledger: ~190 MB,
measured), and its shared-string table as one string object each. Here the worksheet XML is fed from the
zip to the C XML parser (ElementTree.XMLPullParser) one chunk at a time, each row is handed on as soon as it
is complete and then dropped; the shared strings are kept as one UTF-8 buffer with an offset per string.
The values are the ones python-calamine gives (tests/portal/ledgers/test_import_memory.py compares both,
cell for cell). It is slower than calamine (about 8x on this machine) and the import reads twice: memory
bought with time, in a background consumer.

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
from itertools import accumulate
from typing import Any, Iterator
from xml.etree import ElementTree

CHUNK = 1 << 18

_EPOCH = dt.datetime(1899, 12, 30)
_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")

# Number formats: 0 other, 1 date/time, 2 duration.
_OTHER, _DATETIME, _DURATION = 0, 1, 2
_BUILTIN = {**{i: _DATETIME for i in range(14, 23)}, 45: _DATETIME, 47: _DATETIME, 46: _DURATION}


class StreamError(ValueError):
    """The sheet XML cannot be read as a worksheet (damaged, or written out of order)."""


def _local(name: str) -> str:
    return name[name.rfind("}") + 1:]


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


def _events(fh, container: str, item: str) -> Iterator:
    """The complete `item` elements of an XML part (e.g. each <row> of <sheetData>), parsed chunk by chunk
    by the C parser; each is detached from its `container` once handed on, so nothing accumulates."""
    return _pull(ElementTree.XMLPullParser(events=("start", "end")), fh, b"", container, item)


def _pull(parser, fh, first: bytes, container: str, item: str, holder=None) -> Iterator:
    """_events with a parser that may already have read the part's opening (and `holder`, the container
    element, if it has): `first` is fed before the rest of `fh`."""
    try:
        chunk = first
        while chunk or (chunk := fh.read(CHUNK)):
            parser.feed(chunk)
            chunk = b""
            for event, el in parser.read_events():
                if event == "start":
                    if holder is None and _local(el.tag) == container:
                        holder = el
                    continue
                tag = _local(el.tag)
                if tag == item:
                    yield el
                    if holder is not None:
                        holder.clear()
                elif tag == container:
                    return
        parser.close()
    except ElementTree.ParseError as e:
        raise StreamError(f"XML: {e}") from None


def number_formats(zf: zipfile.ZipFile) -> bytes:
    """The kind (other / date / duration) of each cell style (cellXfs index), as one byte each."""
    if "xl/styles.xml" not in zf.namelist():
        return b""
    custom: dict[str, str] = {}
    kinds = bytearray()
    with zf.open("xl/styles.xml") as fh:
        try:
            for event, el in ElementTree.iterparse(fh, events=("start", "end")):
                tag = _local(el.tag)
                if event == "start" and tag == "numFmt" and el.get("formatCode"):
                    custom[el.get("numFmtId", "")] = el.get("formatCode")
                elif event == "end" and tag == "cellXfs":
                    for xf in el:
                        if _local(xf.tag) != "xf":
                            continue
                        fmt = xf.get("numFmtId")
                        if fmt is None:
                            kinds.append(_OTHER)
                        elif fmt in custom:
                            kinds.append(custom_format_kind(custom[fmt]))
                        else:
                            kinds.append(_BUILTIN.get(int(fmt), _OTHER) if fmt.isdigit() else _OTHER)
                    el.clear()
        except ElementTree.ParseError as e:
            raise StreamError(f"XML: {e}") from None
    return bytes(kinds)


class SharedStrings:
    """The shared-string table in one UTF-8 buffer (an offset per string), not one object per string."""

    def __init__(self) -> None:
        self.blob = bytearray()
        self.offsets = array("I", [0])  # the buffer is bounded far below 4 GB

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


def _text(el) -> str | None:
    """The text of <si> / <is>: its <t>, or the <t> of each rich-text run; phonetic runs (<rPh>) left out.
    None when there is no <t> at all."""
    parts = None
    for child in el:
        tag = _local(child.tag)
        if tag == "t":
            parts = parts or []
            parts.append(child.text or "")
        elif tag == "r":
            for t in child:
                if _local(t.tag) == "t":
                    parts = parts or []
                    parts.append(t.text or "")
    return None if parts is None else "".join(parts)


_SI = re.compile(rb'<si><t(?: xml:space="preserve")?>([^<&\r]*)</t></si>')
_SST = re.compile(rb'<sst(?:[ \t\r\n]+[A-Za-z_][\w.:-]*="[^"<>&]*")*[ \t\r\n]*(/?)>')


def shared_strings(zf: zipfile.ZipFile, max_bytes: int) -> SharedStrings:
    """Read xl/sharedStrings.xml; StreamError once its text passes `max_bytes` (the caller refuses).

    The plain shape every writer uses for a plain string (<si><t>text</t></si>, no entity) is read by a
    regular expression, its UTF-8 bytes kept as they are; a table with anything else (rich text, phonetic
    runs, entities, a DTD) is read again by the XML parser."""
    path = next((n for n in zf.namelist() if n.lower() == "xl/sharedstrings.xml"), None)
    if path is None:
        return SharedStrings()
    with zf.open(path) as fh:
        out = _plain_shared_strings(fh, max_bytes)
    if out is not None:
        return out
    out = SharedStrings()
    with zf.open(path) as fh:
        for si in _events(fh, "sst", "si"):
            value = _text(si)
            if value is not None:  # calamine skips an <si> without text: the indexes after it shift
                out.append(value)
                if out.nbytes > max_bytes:
                    raise StreamError("shared strings too large")
    return out


def _plain_shared_strings(fh, max_bytes: int) -> SharedStrings | None:
    """The table if every <si> of it is in the plain shape (each "<" of the part inside one found), else None."""
    out = SharedStrings()
    buf = b""
    while True:
        chunk = fh.read(CHUNK)
        buf += chunk
        m = _SST.search(buf)
        if m or not chunk or len(buf) > _MAX_PROLOG:
            break
    prolog = buf[:m.end()].lower() if m else b""
    if not m or b"<!" in prolog or b"encoding" in prolog and not (
            b'encoding="utf-8"' in prolog or b"encoding='utf-8'" in prolog):
        return None
    try:
        parser = ElementTree.XMLPullParser()
        parser.feed(buf[:m.end()] + (b"" if m.group(1) else b"</sst>"))
        parser.close()
    except ElementTree.ParseError as e:
        raise StreamError(f"XML: {e}") from None
    if m.group(1):
        return out
    tail = buf[m.end():]
    eof = False
    while True:
        end = tail.find(b"</sst>")
        if end >= 0:
            stretch = tail[:end]
        else:
            if eof:
                return None
            cut = tail.rfind(b"<si>")
            if cut <= 0:
                if len(tail) > _MAX_PROLOG:
                    return None
                chunk = fh.read(CHUNK)
                eof = not chunk
                tail += chunk
                continue
            stretch, tail = tail[:cut], tail[cut:]
        found = _SI.findall(stretch)
        if b"&" in stretch or 4 * len(found) != stretch.count(b"<"):
            return None
        try:
            stretch.decode()  # the XML parser refuses bytes that are not UTF-8: so does this
        except UnicodeDecodeError as e:
            raise StreamError(f"XML: {e}") from None
        base = len(out.blob)
        out.blob += b"".join(found)
        ends = accumulate(map(len, found), initial=base)
        next(ends)
        out.offsets.extend(ends)
        if out.nbytes > max_bytes:
            raise StreamError("shared strings too large")
        if end >= 0:
            return out
        if not eof:
            chunk = fh.read(CHUNK)
            eof = not chunk
            tail += chunk


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


# --- the fast path: sheetData as the common writers write it, read with one regular expression ----------------
#
# The C XML parser makes an element of every <row>, <c> and <v> and hands each to Python (~8 µs a cell, 87 s for
# a 100,000-row ledger). Excel, WPS, XlsxWriter and openpyxl write sheetData in one plain shape (no entities,
# CDATA, comments or namespace prefixes; a cell's r, s, t in that order and nothing else on it), whose row
# starts and cells one regular expression takes in order at C speed. A stretch of complete rows is read so only
# when every "<" in it begins a tag of a token found (counted: a token that is not there, or anything else,
# leaves a "<" over) and it has no "&"; its rows are handed on after that check. From the first stretch in any
# other shape (or for a worksheet with a DOCTYPE, another encoding or a prefixed sheetData), the XML parser
# reads on, fed the worksheet's opening up to <sheetData> first, so its namespaces are the worksheet's. The
# values are the same either way (tests/portal/ledgers/test_import_memory.py compares both with
# python-calamine). Text between tags (which the XML parser ignores too) is not looked at.

_TOKENS = re.compile(
    rb'(<row)(?: r="([^"<>&]*)")?(?: (?!r=|xmlns)[A-Za-z_][\w.:-]*="[^"<>&]*")*[ \t\r\n]*(/?)>'
    rb'|<c(?: r="([A-Z]{1,3})([0-9]{1,7})")?(?: s="([0-9]{1,9})")?(?: t="([a-zA-Z]{1,9})")?'
    rb'(?:/>|>(?:<v>([^<&\r]+)</v>|<is><t(?: xml:space="preserve")?>([^<&\r]+)</t></is>)</c>)')
_SHEET_DATA = re.compile(rb'<sheetData(?:[ \t\r\n]+[A-Za-z_][\w.:-]*="[^"<>&]*")*[ \t\r\n]*(/?)>')
_MAX_PROLOG = 1 << 22  # bytes before <sheetData> (a few KB in practice), or of one row


def iter_rows(zf: zipfile.ZipFile, path: str, strings: SharedStrings, formats: bytes,
              is_1904: bool = False) -> Iterator[tuple[int, list[Any]]]:
    """(0-based row index, values by column) for every row of the worksheet holding a value, in order."""
    row_next = 0  # the index of a row without r
    last = -1
    cur, cells = -1, None
    blob, offsets, n_strings = strings.blob, strings.offsets, len(strings)
    n_formats = len(formats)
    columns: dict[bytes, int] = {}
    with zf.open(path) as fh:
        parser = ElementTree.XMLPullParser(events=("start", "end"))
        pending = None  # bytes the XML parser is to read on from (the fast path stopped, or never started)
        buf = b""
        while True:  # the opening, up to and with <sheetData>
            chunk = fh.read(CHUNK)
            buf += chunk
            m = _SHEET_DATA.search(buf)
            if m or not chunk or len(buf) > _MAX_PROLOG:
                break
        holder = None
        prolog = buf[:m.end()].lower() if m else b""
        if not m or b"<!" in prolog or b"encoding" in prolog and not (
                b'encoding="utf-8"' in prolog or b"encoding='utf-8'" in prolog):
            pending = buf  # a DTD could give attributes defaults, another encoding other bytes: the parser reads it
        else:
            try:
                parser.feed(buf[:m.end()])
                for event, el in parser.read_events():
                    if event == "start" and _local(el.tag) == "sheetData":
                        holder = el
            except ElementTree.ParseError as e:
                raise StreamError(f"XML: {e}") from None
            if m.group(1):  # <sheetData/>: no rows
                return
            tail = buf[m.end():]
            eof = False
            while True:
                end = tail.find(b"</sheetData>")
                if end >= 0:
                    stretch, rest = tail[:end], tail[end:]
                else:
                    cut = tail.rfind(b"<row")  # the last row may be incomplete: it waits for the next chunk
                    if eof:
                        cut = len(tail)
                    if cut <= 0 and not eof:
                        if len(tail) > _MAX_PROLOG:  # no row ends in 4 MB: not the common shape
                            pending = tail
                            break
                        chunk = fh.read(CHUNK)
                        eof = not chunk
                        tail += chunk
                        continue
                    stretch, rest = tail[:cut], tail[cut:]
                tokens = _TOKENS.findall(stretch) if end >= 0 or not eof else None
                if not tokens or b"&" in stretch or tokens[0][0] != b"<row":
                    if tokens is None or stretch.strip(b" \t\r\n"):
                        pending = tail
                        break
                saved = row_next, last, cur, cells and cells[:]
                done: list[tuple[int, list[Any]]] = []  # handed on once the stretch is known to be read whole
                covered = closed = 0  # the "<" of the tokens found, the rows with an end tag
                row_digits = b""
                for (row_tag, row_r, empty, letters, digits, style, t, v, inline) in tokens:
                    if row_tag:
                        if not empty:
                            covered += 1
                            closed += 1
                        covered += 1
                        if row_r:
                            if not row_r.isdigit():
                                raise StreamError(f"row number {row_r[:20]!r}")
                            row_index = int(row_r) - 1
                        else:
                            row_index = row_next
                        row_next = row_index + 1
                        row_digits = row_r
                        col_index = 0
                        continue
                    if letters:
                        r = row_index if digits == row_digits else int(digits) - 1
                        col_index = columns.get(letters)
                        if col_index is None:
                            col_index = columns[letters] = _column_index(letters.decode())
                    else:
                        r = row_index
                    if inline:
                        covered += 6
                        value = inline.decode()
                    elif not v:
                        covered += 1
                        value = None
                    else:
                        covered += 4
                        if t == b"s":
                            try:
                                i = int(v)
                            except ValueError:
                                raise StreamError("shared string index not found") from None
                            if not 0 <= i < n_strings:
                                raise StreamError("shared string index not found")
                            value = blob[offsets[i]:offsets[i + 1]].decode()
                        elif not t or t == b"n":
                            try:
                                value = float(v)
                            except ValueError:
                                if t:
                                    raise StreamError("number") from None
                                value = v.decode()
                            else:
                                if style:
                                    k = int(style)
                                    if k < n_formats and formats[k]:
                                        value = _as_date(value, formats[k], is_1904)
                        elif t == b"str":
                            value = v.decode()
                        elif t == b"b":
                            value = v != b"0"
                        elif t == b"e" or t == b"inlineStr" or t == b"is":
                            value = None
                        elif t == b"d":
                            value = _iso_datetime(v.decode())
                        else:
                            raise StreamError(f"cell type {t[:10].decode()!r}")
                    if value is not None:
                        if cells is not None and r != cur:
                            done.append((cur, cells))
                            last, cells = cur, None
                        if cells is None:
                            if r <= last:
                                raise StreamError("rows out of order")
                            cur, cells = r, []
                        width = len(cells)
                        if col_index == width:
                            cells.append(value)
                        else:
                            if col_index > width:
                                cells.extend([None] * (col_index + 1 - width))
                            cells[col_index] = value  # the same cell twice: the later one, as calamine
                    col_index += 1
                if covered != stretch.count(b"<") or closed != stretch.count(b"</row>"):
                    row_next, last, cur, cells = saved
                    pending = tail
                    break
                yield from done
                if end >= 0:
                    break
                tail = rest
                if not eof:
                    chunk = fh.read(CHUNK)
                    eof = not chunk
                    tail += chunk
        # the XML parser reads on from `pending`
        for row in _pull(parser, fh, pending, "sheetData", "row", holder) if pending is not None else ():
            ns = row.tag[:-3]
            c_tag = ns + "c"
            r_attr = row.get("r")
            if r_attr:
                if not r_attr.isdigit():
                    raise StreamError(f"row number {r_attr[:20]!r}")
                row_next = int(r_attr) - 1
            row_index = row_next
            row_next += 1
            col_index = 0
            for c in row:
                if c.tag != c_tag:
                    continue
                ref = c.get("r")
                if ref:
                    m = _CELL_REF.match(ref)
                    if not m:
                        raise StreamError(f"cell reference {ref[:20]!r}")
                    r, col_index = int(m.group(2)) - 1, _column_index(m.group(1))
                else:
                    r = row_index
                value = _cell_value(c, ns, strings, formats, is_1904)
                if value is not None:
                    if cells is not None and r != cur:
                        yield cur, cells
                        last, cells = cur, None
                    if cells is None:
                        if r <= last:
                            raise StreamError("rows out of order")
                        cur, cells = r, []
                    if col_index >= len(cells):
                        cells.extend([None] * (col_index + 1 - len(cells)))
                    cells[col_index] = value  # the same cell twice: the later one, as calamine
                col_index += 1
    if cells is not None:
        yield cur, cells


def _cell_value(c, ns: str, strings: SharedStrings, formats: bytes, is_1904: bool) -> Any:
    """One <c>'s value as python-calamine gives it; None for an empty cell. The cell's last child decides
    (calamine's rule): <f> alone gives nothing, <is> the inline text, <v> the value of type t."""
    last = kind_tag = None
    for child in c:
        tag = child.tag[len(ns):] if child.tag.startswith(ns) else None
        if tag in ("v", "is", "f"):
            last, kind_tag = child, tag
    if last is None or kind_tag == "f":
        return None
    t = c.get("t")
    if kind_tag == "is":
        return _text(last)
    if t in ("inlineStr", "is"):
        return None
    raw = last.text or ""
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
    s = c.get("s")
    if s is None:
        return number
    try:
        i = int(s)
    except ValueError:
        i = 0
    kind = formats[i] if 0 <= i < len(formats) else 0
    return _as_date(number, kind, is_1904) if kind else number
