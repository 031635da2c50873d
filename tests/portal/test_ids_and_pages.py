"""Issue #13: ids and page numbers no database can hold answer 404 or the first page, never 500."""
from __future__ import annotations

import pytest

from tests.conftest import login


@pytest.mark.parametrize("path", ["/contracts/99999999999999999999", "/contracts/2147483648",
                                  "/contracts/99999999999999999999/payments", "/operators/9223372036854775808"])
def test_an_id_too_large_for_any_row_is_not_found(app, world, path):
    client = app.test_client()
    login(client, "t1-approver")
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("page", ["1e23", "99999999999999999999999", "-1", "０", "1.5", ""])
def test_an_audit_page_number_that_is_not_one_shows_the_first_page(app, world, page):
    client = app.test_client()
    login(client, "t1-approver")
    response = client.get(f"/audit?page={page}")
    assert response.status_code == 200
