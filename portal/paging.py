"""One page of a list: `page_of(query)` reads the page the URL asks for (`?page=`) and the total in two
queries, whatever the number of rows; the pager's links keep every other argument of the URL (search and
filters), so a page can be linked to and reloaded. A link to one row of a paged list (`?item=<id>#anchor`,
made by `item_url`) opens the page that holds it, whatever page it has moved to since the link was made."""
from __future__ import annotations

from dataclasses import dataclass

from flask import request, url_for
from sqlmodel import func, select

from portal.db import get_session
from portal.urls import url_for as shaped_url_for

PER_PAGE = 50


ITEM = "item"  # the URL argument naming the row a link points at (see item_url)


def _plain_number(raw) -> int | None:
    raw = str(raw)
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 and int(raw) < 2**31 else None


def page_number() -> int:
    """The page asked for; anything but a plain page number (1e23, -1, 10**30) is the first page, never an
    overflow in OFFSET."""
    raw = str(request.args.get("page", "1"))
    return max(int(raw), 1) if raw.isascii() and raw.isdigit() and len(raw) <= 6 else 1


def item_url(endpoint: str, item_id: int, anchor: str, **values) -> str:
    """A link to one row of a paged list: the list at the page holding row `item_id` (found when the link is
    followed, so it stays right as rows are added), scrolled to `#anchor`."""
    return shaped_url_for(endpoint, **values, **{ITEM: item_id}, _anchor=anchor)


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
        args = {k: v for k, v in request.args.items() if k not in ("page", ITEM)}
        if number > 1:
            args["page"] = number
        return url_for(request.endpoint, **(request.view_args or {}), **args)


def _page_holding(query, item_id: int, per_page: int) -> int | None:
    """The page of `query` (a SELECT of one model with an `id`, ordered) that holds the row `item_id`: its
    position in the query's own order, counted by the database (one query); None when the query has no
    such row (another filter, another tenant, a wrong id)."""
    model = query.column_descriptions[0]["entity"]
    position = func.row_number().over(order_by=query._order_by_clauses).label("position")
    numbered = query.order_by(None).with_only_columns(model.id.label("item_id"), position).subquery()
    found = get_session().exec(select(numbered.c.position).where(numbered.c.item_id == item_id)).first()
    return None if found is None else (found - 1) // per_page + 1


def page_of(query, per_page: int = PER_PAGE) -> Page:
    """`query` (a SELECT of one model, ordered) at the URL's page, with the number of all its rows. Without
    a page in the URL, `?item=<id>` (see item_url) asks for the page holding that row."""
    session = get_session()
    number = page_number()
    item = _plain_number(request.args.get(ITEM, ""))
    if "page" not in request.args and item is not None:
        number = _page_holding(query, item, per_page) or 1
    total = session.exec(select(func.count()).select_from(query.order_by(None).subquery())).one()
    items = session.exec(query.offset((number - 1) * per_page).limit(per_page)).all() if total else []
    return Page(list(items), total, number, per_page)


def page_in(items: list, per_page: int = PER_PAGE) -> Page:
    """A list already read whole (because the page needs all of it anyway, e.g. for totals) at the URL's
    page."""
    number = page_number()
    start = (number - 1) * per_page
    return Page(list(items[start:start + per_page]), len(items), number, per_page)


def search_terms(name: str = "q") -> str:
    """The URL's search text, trimmed and bounded."""
    return request.args.get(name, "").strip()[:100]
