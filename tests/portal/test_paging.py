"""Issue #16: long lists come a page at a time, with their search and filters in the URL (a page can be
linked to and reloaded), and a later page reads as many queries as the first."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from portal.contracts.models import Contract
from portal.paging import PER_PAGE
from tests.conftest import login
from tests.portal.test_public_query_counts import _counting


def _contracts(db, world, n: int, prefix: str) -> None:
    side = world[1]
    db.execute(sa.insert(Contract), [
        {"bureau_id": side["bureau"].id, "operator_id": side["operator"].id, "number": f"{prefix}-{k:03d}",
         "title": f"{prefix}合同{k}", "scheme_id": "pingxiang-2024-lot1", "scheme_version": "test",
         "starts_on": date(2024, 3, 1), "ends_on": date(2025, 2, 28), "value": Decimal("100.00"),
         "payment_plan": [], "status": "active"} for k in range(n)])
    db.commit()


def _numbers(html: str, prefix: str) -> set[str]:
    return set(re.findall(rf">({prefix}-\d+)<", html))


def test_the_contract_list_pages_with_its_search_and_filter_in_the_url(app, db, world):
    _contracts(db, world, PER_PAGE + 10, "PG")
    _contracts(db, world, 5, "ZZ")
    client = app.test_client()
    login(client, "t1-reviewer")
    first = client.get("/contracts?q=PG&status=active").get_data(as_text=True)
    assert len(_numbers(first, "PG")) == PER_PAGE and not _numbers(first, "ZZ")
    assert f"共{PER_PAGE + 10}条" in first
    link = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    assert "q=PG" in link and "status=active" in link and "page=2" in link
    second = client.get(link).get_data(as_text=True)
    assert len(_numbers(second, "PG")) == 10 and not _numbers(first, "PG") & _numbers(second, "PG")
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert 'value="PG"' in second  # the search box shows what was searched
    for bad in ("0", "-1", "1e23", "99999999999999"):  # never an error, never an overflow
        assert client.get(f"/contracts?page={bad}").status_code == 200
    assert _numbers(client.get("/contracts?status=terminated").get_data(as_text=True), "PG") == set()
    with _counting(app) as one:
        client.get("/contracts?q=PG")
    with _counting(app) as two:
        client.get("/contracts?q=PG&page=2")
    assert len(one) == len(two)


def test_home_lists_the_first_contracts_and_links_to_the_rest(app, db, world):
    _contracts(db, world, 30, "HM")
    client = app.test_client()
    login(client, "t1-operator")
    html = client.get("/").get_data(as_text=True)
    assert 'data-testid="all-contracts"' in html
    table = html[html.index('data-testid="contracts"'):]
    assert len(re.findall(r"/contracts/\d+\"", table[:table.index("</table>")])) == 20
