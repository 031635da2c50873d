"""One page of a list: `page_of(query)` reads the page the URL asks for (`?page=`) and the total in two
queries, whatever the number of rows; the pager's links keep every other argument of the URL (search and
filters), so a page can be linked to and reloaded."""
from __future__ import annotations

from dataclasses import dataclass

from flask import request, url_for
from sqlmodel import func, select

from portal.db import get_session

PER_PAGE = 50


def page_number() -> int:
    """The page asked for; anything but a plain page number (1e23, -1, 10**30) is the first page, never an
    overflow in OFFSET."""
    raw = str(request.args.get("page", "1"))
    return max(int(raw), 1) if raw.isascii() and raw.isdigit() and len(raw) <= 6 else 1


@dataclass
class Page:
    items: list
    total: int
    number: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.items else 0

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1 if self.items else 0

    def url(self, number: int) -> str:
        """This list at page `number`, with the URL's search and filters."""
        args = {k: v for k, v in request.args.items() if k != "page"}
        if number > 1:
            args["page"] = number
        return url_for(request.endpoint, **(request.view_args or {}), **args)


def page_of(query, per_page: int = PER_PAGE) -> Page:
    """`query` (a SELECT of one model, ordered) at the URL's page, with the number of all its rows."""
    session = get_session()
    number = page_number()
    total = session.exec(select(func.count()).select_from(query.order_by(None).subquery())).one()
    items = session.exec(query.offset((number - 1) * per_page).limit(per_page)).all() if total else []
    return Page(list(items), total, number, per_page)


def search_terms(name: str = "q") -> str:
    """The URL's search text, trimmed and bounded."""
    return request.args.get(name, "").strip()[:100]
