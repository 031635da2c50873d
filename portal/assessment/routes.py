"""The projected score sheet of a contract's current (or chosen) cycle."""
from flask import Blueprint, abort, request
from flask_login import login_required

from portal.assessment import services
from portal.auth.scoping import get_or_404
from portal.contracts.models import Contract
from portal.db import utcnow
from portal.htmx import render

bp = Blueprint("assessment", __name__)


@bp.get("/contracts/<int:contract_id>/score")
@login_required
def show_projection(contract_id: int):
    from zoneinfo import ZoneInfo

    contract = get_or_404(Contract, contract_id)
    all_cycles = services.cycles(contract)
    wanted = request.args.get("cycle")
    if wanted:
        cycle = next((c for c in all_cycles if c.id == wanted), None)
        if cycle is None:
            abort(404)
    else:
        cycle = services.current_cycle(contract, utcnow().astimezone(ZoneInfo("Asia/Shanghai")).date())
    projection = services.project(contract, cycle)
    return render("assessment/projection.html", contract=contract, cycles=all_cycles, projection=projection,
                  sheet=projection.sheet)
