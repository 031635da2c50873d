"""Each role's home page, and the health check."""
from decimal import Decimal

from flask import Blueprint, jsonify, redirect, url_for
from flask_login import current_user
from sqlalchemy import text
from sqlmodel import func

from portal.auth.models import User
from portal.scoping import scoped
from portal.contracts.models import CONTRACT_STATUSES, Contract, Station
from portal.contracts.services import owner_names
from portal.db import get_engine, get_session
from portal.htmx import render
from portal.organisations.models import Bureau, Operator

bp = Blueprint("home", __name__)

HOME_ROWS = 20  # contracts and stations listed at home; the rest are on their own (paged) lists
WORKSPACES = 12  # running contracts with their next reports and open violations


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    db = get_session()
    order = (Contract.starts_on.desc(), Contract.id)
    # The first rows of each list (the whole list is a page away, searchable and paged); counts in SQL.
    contracts = db.exec(scoped(Contract).order_by(*order).limit(HOME_ROWS)).all()
    stations = db.exec(scoped(Station).order_by(Station.id).limit(HOME_ROWS)).all()
    names = owner_names()
    counts = {}
    if current_user.role == "admin":
        for label, model in (("bureaus", Bureau), ("operators", Operator), ("stations", Station),
                             ("contracts", Contract), ("users", User)):
            counts[label] = db.exec(scoped(model).with_only_columns(func.count()).order_by(None)).one()
    by_status = dict(db.execute(
        scoped(Contract).with_only_columns(Contract.status, func.count()).group_by(Contract.status).order_by(None)).all())
    by_status = {status: by_status[status] for status in CONTRACT_STATUSES if status in by_status}
    running = db.exec(scoped(Contract).where(Contract.status.in_(("active", "rectification")))
                      .order_by(*order).limit(WORKSPACES)).all()
    from zoneinfo import ZoneInfo

    from portal.db import utcnow
    from portal.home.queues import queues_for

    queues = queues_for(current_user, utcnow().astimezone(ZoneInfo("Asia/Shanghai")).date())
    return render("home/index.html", contracts=contracts, stations=stations, names=names, counts=counts,
                  by_status=by_status, status_labels=CONTRACT_STATUSES, queues=queues, home_rows=HOME_ROWS,
                  workspace=_workspaces(running))


def _card_columns() -> tuple:
    from portal.violations.models import Violation

    return (Violation.id, Violation.contract_id, Violation.rule_id, Violation.message_zh, Violation.message_en,
            Violation.penalty_points, Violation.per_occurrence, Violation.consequence, Violation.first_found_at)


def _workspaces(contracts: list[Contract]) -> list[dict]:
    """Per running contract: the next things due and the open violations with the points at stake (two
    queries for all of them: their reports' versions and their open violations)."""
    from portal.reporting.services import entries, versions_by_contract
    from portal.violations.models import Violation

    ids = [c.id for c in contracts]
    versions = versions_by_contract(ids)
    violations: dict[int, list] = {i: [] for i in ids}
    if ids:
        # The columns a card shows and sorts by, not whole violations (their evidence, JSON, and five moments).
        for v in get_session().execute(scoped(Violation).where(Violation.contract_id.in_(ids),
                                                               Violation.status.in_(("open", "acknowledged")))
                                       .with_only_columns(*_card_columns())):
            violations[v.contract_id].append(v)
    out = []
    for contract in contracts:
        due = [e for e in entries(contract, index=versions[contract.id])
               if e.status in ("returned", "due_soon", "upcoming")]
        due.sort(key=lambda e: (e.status != "returned", e.obligation.due_at))
        # Every open violation with the points at stake, the largest first (issue #5: what wins them back).
        open_violations = sorted(violations[contract.id], key=lambda v: (-(v.penalty_points or 0), v.first_found_at, v.id))
        out.append({"contract": contract, "due": due[:3], "violations": open_violations,
                    "open_violations": len(open_violations),
                    "points": sum((v.penalty_points for v in open_violations if v.penalty_points is not None),
                                  Decimal(0))})
    return out


@bp.get("/healthz")
def healthz():
    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:  # any failure to reach the database is "not healthy"
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
