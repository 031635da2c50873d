"""What a user reads: every page each demo role can reach, every export and every mail, as visible text.

Used by tests/portal/test_visible_text.py (issue #12): the demo is loaded, each demo login follows every
same-site link (``href``, ``hx-get``) it is shown, downloads what it is offered (xlsx, PDF, CSV, JSON),
and the mails the demo queued are read. Visible text is the text between tags (scripts and styles
removed) and the attributes a user reads (title, placeholder, aria-label, alt, value of buttons).
URLs and form field names are not visible.
"""
from __future__ import annotations

import io
import re
from collections import deque
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser

_LINK = re.compile(r'(?:href|hx-get)="(/[^"#]*)"')
_NUMBER = re.compile(r"\d+")
_SKIP = ("/logout", "/static/", "/lang/", "/login")
_READ_ATTRS = {"title", "placeholder", "aria-label", "alt"}


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if value and (name in _READ_ATTRS or (tag == "input" and name == "value"
                                                    and dict(attrs).get("type") in ("submit", "button"))):
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts)


def xlsx_text(data: bytes) -> str:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True)
    out = []
    for ws in book.worksheets:
        out.append(ws.title)
        for row in ws.iter_rows(values_only=True):
            out.extend(str(v) for v in row if v is not None and not hasattr(v, "year"))
    return "\n".join(out)


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


@dataclass
class Document:
    where: str  # "<login> <url>" or "mail #n"
    kind: str  # page | xlsx | pdf | csv | json | mail | cli
    text: str


@dataclass
class Crawl:
    documents: list[Document] = field(default_factory=list)
    # PDFs read so far, by (reader group, URL shape): a PDF is laid out afresh for each reader (about 1.3 s each),
    # and the readers of one group are shown the same template, so a group reads one of each shape
    pdfs: dict[tuple[str, str], int] = field(default_factory=dict)
    pdfs_per_group: int = 1

    def add(self, where: str, kind: str, text: str) -> None:
        self.documents.append(Document(where, kind, text))


def _shape(url: str) -> str:
    """URLs that differ only in ids are one page shape; a few of each are enough to read."""
    return _NUMBER.sub("N", url.split("?")[0])


def crawl_role(client, login_name: str, crawl: Crawl, *, per_shape: int = 2, start: tuple[str, ...] = ("/",),
               group: str | None = None) -> int:
    """Follow every link `login_name` is shown; `group` (default: the login itself) shares the PDF quota."""
    group = group or login_name
    queue = deque(start)
    seen: set[str] = set()
    shapes: dict[str, int] = {}
    while queue:
        url = queue.popleft()
        if url in seen or url.startswith(_SKIP) or "lang=" in url:  # a public page's language switch
            continue
        shape = _shape(url)
        if shapes.get(shape, 0) >= per_shape:
            continue
        if shape.endswith(".pdf"):
            if crawl.pdfs.get((group, shape), 0) >= crawl.pdfs_per_group:
                continue
            crawl.pdfs[(group, shape)] = crawl.pdfs.get((group, shape), 0) + 1
        seen.add(url)
        shapes[shape] = shapes.get(shape, 0) + 1
        response = client.get(url)
        if response.status_code != 200:
            continue
        where = f"{login_name} {url}"
        mimetype = response.mimetype
        data = response.get_data()
        if mimetype == "text/html":
            html = data.decode()
            crawl.add(where, "page", visible_text(html))
            queue.extend(unescape(link) for link in _LINK.findall(html) if unescape(link) not in seen)
        elif "spreadsheetml" in mimetype:
            crawl.add(where, "xlsx", xlsx_text(data))
        elif mimetype == "application/pdf":
            crawl.add(where, "pdf", pdf_text(data))
        elif mimetype in ("text/csv", "application/json"):
            crawl.add(where, mimetype.split("/")[1], data.decode())
        elif mimetype == "image/svg+xml":
            crawl.add(where, "svg", visible_text(data.decode()))
    return len(seen)
