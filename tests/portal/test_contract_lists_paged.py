"""Issue #16: a contract's own lists (violations, findings, events, staff, payments) come a page at a time with
their filters in the URL, and a link to one violation (a score line, a queue, a notification) opens the page
that holds it."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlmodel import select

from portal.paging import PER_PAGE
from tests.conftest import login
from tests.portal.test_page_query_counts import _clone
from tests.portal.test_public_query_counts import _counting

EXTRA = PER_PAGE + 5  # the world's own row and these: two pages, the second holding six


def _client(app, username: str):
    client = app.test_client()
    login(client, username)
    return client


def _pages(client, path: str, marker: str) -> tuple[list[str], list[str], str]:
    """The markers of page 1 and of page 2 (reached through the pager's own next link), and that link."""
    first = client.get(path).get_data(as_text=True)
    assert f"共{EXTRA + 1}条" in first, "the pager says how many there are"
    link = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    assert "page=2" in link
    second = client.get(link).get_data(as_text=True)
    assert 'rel="prev"' in second and 'rel="next"' not in second
    with _counting(client.application) as one:
        client.get(path)
    with _counting(client.application) as two:
        client.get(link)
    assert len(one) == len(two), "a later page reads as many queries as the first"
    return re.findall(marker, first), re.findall(marker, second), link


def _two_pages(first: list[str], second: list[str]) -> None:
    assert len(first) == PER_PAGE and len(second) == EXTRA + 1 - PER_PAGE
    assert not set(first) & set(second), "page 2 shows the rest, nothing of page 1"


def test_violations_page_and_a_link_to_one_opens_its_page(app, db, world):
    from portal.violations.models import Violation
    from portal.violations.services import violation_url

    side = world[1]
    start = datetime(2024, 6, 1, tzinfo=timezone.utc)
    for k in range(EXTRA):  # found before the world's own (found when the world was made): they come after it
        _clone(db, side["violation"], dedup_key=f"paged|{k}", message_zh=f"逾期第{k}号",
               first_found_at=start + timedelta(hours=k), last_found_at=start + timedelta(hours=k))
    db.commit()
    client = _client(app, "t1-reviewer")
    path = f"/contracts/{side['contract'].id}/violations"
    first, second, _link = _pages(client, path, r'id="violation-(\d+)"')
    _two_pages(first, second)
    oldest = db.exec(select(Violation).where(Violation.dedup_key == "paged|0")).one().id  # the last of page 2
    assert str(oldest) in second and str(side["violation"].id) in first
    with app.test_request_context():
        url = violation_url(db.get(Violation, oldest))
    assert url.endswith(f"#violation-{oldest}") and "item=" in url
    landed = client.get(url.split("#")[0]).get_data(as_text=True)
    assert f'id="violation-{oldest}"' in landed and 'rel="prev"' in landed, "the link opens page 2"
    newest = db.exec(select(Violation).where(Violation.dedup_key == f"paged|{EXTRA - 1}")).one()  # page 1
    with app.test_request_context():
        url = violation_url(newest)
    landed = client.get(url.split("#")[0]).get_data(as_text=True)
    assert f'id="violation-{newest.id}"' in landed and 'rel="prev"' not in landed
    # a pager link moves on from the item: it names the page, not the item
    assert "item=" not in re.search(r'href="([^"]+)" rel="next"', landed).group(1)
    # an id of another tenant or of nothing opens the first page, never an error or a leak
    for item in (world[2]["violation"].id, 999999, "1e9", "-1"):
        html = client.get(f"{path}?item={item}").get_data(as_text=True)
        assert 'rel="next"' in html and f'id="violation-{world[2]["violation"].id}"' not in html


def test_a_score_line_links_to_its_violation_on_the_page_that_holds_it(app, db, world):
    """The projection's deduction links (and the sheet's, the same helper) land on the violation even when
    newer violations have pushed it to the second page."""
    from portal.compliance.services import sweep
    from portal.violations.models import Violation

    side = world[1]
    with app.app_context():
        sweep(datetime(2024, 8, 1, tzinfo=timezone.utc))
    later = datetime(2024, 9, 1, tzinfo=timezone.utc)
    for k in range(EXTRA):
        _clone(db, side["violation"], dedup_key=f"later|{k}", first_found_at=later + timedelta(hours=k),
               last_found_at=later + timedelta(hours=k))
    db.commit()
    client = _client(app, "t1-operator")
    html = client.get(f"/contracts/{side['contract'].id}/score?cycle=stage_1").get_data(as_text=True)
    links = set(re.findall(r'href="([^"]+)" data-testid="violation-link"', html))
    assert links
    on_page_two = 0
    for link in links:
        link = link.replace("&amp;", "&")
        path, anchor = link.split("#")
        landed = client.get(path).get_data(as_text=True)
        assert f'id="{anchor}"' in landed, link
        on_page_two += 'rel="prev"' in landed
    assert on_page_two, "at least one linked violation is on the second page, and the link found it there"
    assert db.exec(select(Violation).where(Violation.contract_id == side["contract"].id)).all()


def test_findings_page_with_the_kind_filter_kept(app, db, world):
    from portal.findings.models import Finding

    side = world[1]
    for k in range(EXTRA):
        _clone(db, side["finding"], found_on=date(2024, 6, 1) + timedelta(days=k))
    _clone(db, side["finding"], kind="complaint", found_on=date(2024, 5, 1))  # filtered out below
    db.commit()
    client = _client(app, "t1-reviewer")
    first, second, link = _pages(client, f"/contracts/{side['contract'].id}/findings?kind=spot_check",
                                 r'id="finding-(\d+)"')
    _two_pages(first, second)
    assert "kind=spot_check" in link, "the filter is kept in the pager's link"
    assert str(side["finding"].id) in second
    complaint = db.exec(select(Finding).where(Finding.kind == "complaint")).one()
    assert str(complaint.id) not in first + second


def test_events_page_with_their_evidence_counts(app, db, world):
    side = world[1]
    for k in range(EXTRA):
        _clone(db, side["event"], held_on=date(2024, 6, 1) + timedelta(days=k), place=f"广场{k}")
    db.commit()
    client = _client(app, "t1-operator")
    first, second, _link = _pages(client, f"/contracts/{side['contract'].id}/events",
                                  r'href="/events/(\d+)"')
    _two_pages(first, second)
    assert str(side["event"].id) in second  # held first: the last
    html = client.get(f"/contracts/{side['contract'].id}/events?page=2").get_data(as_text=True)
    counts = re.findall(r'data-testid="event-evidence-count">(\d+)<', html)
    assert counts.count("1") == 1 and len(counts) == len(second), "the world's event keeps its one file"


def test_staff_page(app, db, world):
    side = world[1]
    for k in range(EXTRA):
        _clone(db, side["staff"], name=f"驻站员甲{k:02d}")
    db.commit()
    client = _client(app, "t1-operator")
    first, second, _link = _pages(client, f"/contracts/{side['contract'].id}/staff",
                                  r'data-testid="staff-name">([^<]+)<')
    _two_pages(first, second)
    assert "驻站员1" in first and f"驻站员甲{EXTRA - 1:02d}" in second


def test_payments_page_while_the_totals_count_every_payment(app, db, world):
    from decimal import Decimal

    side = world[1]
    for k in range(EXTRA):
        _clone(db, side["payment"], bank_reference=f"PAGED-{k:02d}")
    db.commit()
    client = _client(app, "t1-approver")
    first, second, _link = _pages(client, f"/contracts/{side['contract'].id}/payments", r'data-payment="(\d+)"')
    _two_pages(first, second)
    html = client.get(f"/contracts/{side['contract'].id}/payments?page=2").get_data(as_text=True)
    paid = Decimal("0.10") * (EXTRA + 1)
    assert f"¥{paid:,.2f}" in html, "the totals are of every payment, whatever the page"


@pytest.mark.parametrize("path", ["violations", "findings", "events", "staff", "payments"])
def test_a_short_list_shows_no_pager(app, world, path):
    html = _client(app, "t1-approver").get(f"/contracts/{world[1]['contract'].id}/{path}").get_data(as_text=True)
    assert 'data-testid="pager"' not in html
