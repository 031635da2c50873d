"""Issue #16: the public pages' query count does not grow with the data. Counted at 1× and at 20× rows (a
publication of 20 results with objections; an operator with 20 published cycles): equal counts."""
from __future__ import annotations

from contextlib import contextmanager

import sqlalchemy as sa
from sqlmodel import select

from portal.publication.services import forget_stamps
from portal.publication.models import Objection, Publication, PublishedResult
from tests.conftest import add_contract
from tests.portal.test_publication import approver, published, reviewer  # noqa: F401

_COPIED = ("bureau_id", "operator_id", "contract_id", "approval_id", "operator_name", "station_names", "total",
           "passed", "band", "consequence", "grade", "rank", "lines", "timeliness")
_PUBLICATION = ("bureau_id", "bureau_name", "scheme_id", "scheme_version", "cycle_label", "cycle_start",
                "cycle_end", "notice_days", "objection_deadline", "published_by_id", "change_note", "changes",
                "left_out")


@contextmanager
def _counting(app):
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = app.extensions["kaohe_engine"]
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def _queries(app, paths: list[str]) -> dict[str, int]:
    client = app.test_client()
    out = {}
    for path in paths:
        if (rendered := app.extensions.get("kaohe_public_rendered")) is not None:
            rendered.clear()  # count what rendering the page reads, not an answer kept from an earlier GET
        forget_stamps(app.extensions["kaohe_engine"])  # and its stamp, not one kept from an earlier GET
        with _counting(app) as statements:
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        out[path] = len(statements)
    return out


def _paths(publication: Publication, row: PublishedResult) -> list[str]:
    p, op = publication.id, row.operator_id
    return [f"/public/publications/{p}", f"/public/publications/{p}.json", f"/public/publications/{p}.csv",
            f"/public/publications/{p}/histogram.svg", f"/public/results/{row.id}", f"/public/operators/{op}",
            f"/public/operators/{op}.json", f"/public/operators/{op}.csv", f"/public/operators/{op}/totals.svg",
            f"/public/bureaus/{publication.bureau_id}", "/public/"]


def _grow(db, world, publication: Publication, row: PublishedResult, times: int) -> None:
    """`times` more rows in the publication, each of a contract of its own (every other one objected to), and
    `times` more published cycles in which the operator has a row."""
    copied = {k: getattr(row, k) for k in _COPIED}
    for n in range(times):
        contract = add_contract(db, world, scheme_id=publication.scheme_id, starts_on=publication.cycle_start,
                                ends_on=publication.cycle_end, number=f"GROW-{n}")
        extra = PublishedResult(publication_id=publication.id, **{**copied, "contract_id": contract.id})
        db.add(extra)
        db.flush()
        if n % 2 == 0:
            db.add(Objection(result_id=extra.id, publication_id=publication.id, bureau_id=row.bureau_id,
                             operator_id=row.operator_id, contract_id=contract.id, target="",
                             target_title="总分", text="对结果有异议", filed_by_id=publication.published_by_id))
        cycle = Publication(cycle_id=f"extra_{n}", version=1, **{k: getattr(publication, k) for k in _PUBLICATION})
        db.add(cycle)
        db.flush()
        db.add(PublishedResult(publication_id=cycle.id, **copied))
    db.commit()


def test_public_pages_read_as_many_queries_at_20_rows_as_at_1(app, db, world, published):  # noqa: F811
    row = db.exec(select(PublishedResult).where(PublishedResult.publication_id == published.id)).first()
    paths = _paths(published, row)
    once = _queries(app, paths)
    _grow(db, world, published, row, 19)
    assert len(db.exec(select(PublishedResult).where(PublishedResult.publication_id == published.id)).all()) >= 20
    twenty = _queries(app, paths)
    assert twenty == once, {p: (once[p], twenty[p]) for p in paths if once[p] != twenty[p]}


def test_the_public_index_reads_as_many_queries_with_20_bureaus_as_with_2(app, db, world):
    """The index lists every bureau with published results and how many cycles each published."""
    from portal.organisations.models import Bureau

    once = _queries(app, ["/public/"])
    template = world[1]["publication"]
    for n in range(18):
        bureau = Bureau(name=f"另一局{n}", short_name=f"另{n}", region="广西", service_centre=f"中心{n}")
        db.add(bureau)
        db.flush()
        for cycle in ("stage_1", "stage_2"):
            db.add(Publication(cycle_id=cycle, version=1, **{**{k: getattr(template, k) for k in _PUBLICATION},
                                                               "bureau_id": bureau.id, "bureau_name": bureau.name}))
    db.commit()
    html = app.test_client().get("/public/").get_data(as_text=True)
    assert "另一局17" in html and "2期公示" in html
    assert _queries(app, ["/public/"]) == once
