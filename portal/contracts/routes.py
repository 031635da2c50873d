"""Contracts and stations: everyone sees their own; admins create and edit them."""
from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.scoping import get_or_404, roles_required, scoped
from portal.contracts import services
from portal.contracts.forms import ContractForm, StationForm, format_payment_plan
from portal.contracts.models import CONTRACT_STATUSES, Contract, Station
from portal.db import get_session
from portal.forms import form_data
from portal.htmx import render
from portal.paging import page_of, search_terms
from portal.organisations.models import Bureau, Operator

bp = Blueprint("contracts", __name__)


def _owner_choices(form) -> None:
    """Bureau and operator choices limited to what the current user may reach."""
    session = get_session()
    bureaus = session.exec(scoped(Bureau).order_by(Bureau.id)).all()
    form.bureau_id.choices = [(b.id, b.name) for b in bureaus]
    if current_user.bureau_id is not None and form.bureau_id.data is None:
        form.bureau_id.data = current_user.bureau_id
    form.operator_id.choices = [(o.id, o.name) for o in session.exec(scoped(Operator).order_by(Operator.id))]


@bp.get("/contracts")
@login_required
def list_contracts():
    """The contracts, a page at a time, searched by number or title and filtered by status (all in the URL)."""
    query, status = scoped(Contract), request.args.get("status", "")
    if q := search_terms():
        query = query.where(Contract.number.contains(q, autoescape=True) | Contract.title.contains(q, autoescape=True))
    if status in CONTRACT_STATUSES:
        query = query.where(Contract.status == status)
    page = page_of(query.order_by(Contract.starts_on.desc(), Contract.id))
    return render("contracts/contracts.html", contracts=page.items, page=page, q=q, status_filter=status,
                  statuses=CONTRACT_STATUSES, names=services.owner_names())


@bp.get("/contracts/<int:contract_id>")
@login_required
def show_contract(contract_id: int):
    from portal.cycles import services as cycle_services

    contract = get_or_404(Contract, contract_id)
    session = get_session()
    return render("contracts/contract.html", contract=contract,
                  bureau=session.get(Bureau, contract.bureau_id),
                  operator=session.get(Operator, contract.operator_id),
                  stations=services.stations_of(contract.id),
                  scheme=services.scheme_summary(contract.scheme_id, contract.starts_on),
                  assessments=cycle_services.cycle_overview(contract))


def _contract_form(contract: Contract | None) -> ContractForm:
    form = ContractForm(obj=contract)
    _owner_choices(form)
    form.scheme_id.choices = services.scheme_choices(current_user.bureau_id)
    form.station_ids.choices = [
        (s.id, f"{s.name}（{_(s.kind_label)}）") for s in get_session().exec(scoped(Station).order_by(Station.id))]
    if contract is not None and not form.is_submitted():
        form.station_ids.data = services.station_ids_of(contract.id)
        form.payment_plan.data = format_payment_plan(contract.payment_plan)
    return form


_FIXED_ONCE_IN_USE = ("bureau_id", "operator_id", "scheme_id", "starts_on")


def _contract_valid(form: ContractForm, contract: Contract | None = None) -> bool:
    if not form.validate_on_submit():
        return False
    if contract is not None and services.has_data(contract.id):
        # Submissions, violations and ledgers keep their owners and periods: these fields no longer move.
        changed = [name for name in _FIXED_ONCE_IN_USE if getattr(form, name).data != getattr(contract, name)]
        for name in changed:
            getattr(form, name).errors.append(_("合同已有报送或违规记录，此项不能再修改"))
        if changed:
            return False
    if contract is not None:
        # An approved cycle froze amounts worked out from the contract's value and cycles laid on its term.
        from sqlmodel import select

        from portal.cycles.models import AssessmentSheet

        approved = get_session().exec(select(AssessmentSheet).where(AssessmentSheet.contract_id == contract.id,
                                                                    AssessmentSheet.state == "approved")).first()
        changed = [name for name in ("value", "ends_on") if getattr(form, name).data != getattr(contract, name)]
        if approved is not None and changed:
            for name in changed:
                getattr(form, name).errors.append(_("%(cycle)s的考核已审批，合同金额和期限不能再修改；请先由审批人重新开启考核",
                                                    cycle=approved.cycle_label))
            return False
    # A bureau's own scheme serves only its own contracts (the platform-wide ones serve every bureau).
    if form.scheme_id.data not in dict(services.scheme_choices(form.bureau_id.data)):
        form.scheme_id.errors.append(_("该考核方案属于其他人社局，不能用于本合同"))
        return False
    # Stations must be the chosen operator's and sit under the chosen bureau.
    chosen = get_session().exec(scoped(Station).where(Station.id.in_(form.station_ids.data or [-1]))).all()
    if any(s.operator_id != form.operator_id.data or s.bureau_id != form.bureau_id.data for s in chosen):
        form.station_ids.errors.append(_("所选站点必须属于该运营单位和该人社局"))
        return False
    return True


_CONTRACT_FIELDS = ("bureau_id", "operator_id", "number", "title", "scheme_id", "starts_on", "ends_on", "value")


def _contract_data(form: ContractForm, contract=None) -> dict:
    data = form_data(form, *_CONTRACT_FIELDS)
    if contract is not None and contract.scheme_id == form.scheme_id.data and contract.scheme_version:
        data["scheme_version"] = contract.scheme_version  # signed under it: an edit never moves it to a newer one
    else:
        data["scheme_version"] = services.scheme_version(form.scheme_id.data, form.starts_on.data)
    data["payment_plan"] = form.parsed_payment_plan
    return data


@bp.route("/contracts/new", methods=["GET", "POST"])
@roles_required("admin")
def create_contract():
    form = _contract_form(None)
    if _contract_valid(form):
        contract = services.save_contract(None, _contract_data(form), form.station_ids.data)
        flash(_("已创建合同 %(number)s", number=contract.number), "success")
        return redirect(url_for(".show_contract", contract_id=contract.id))
    return render("contracts/contract_form.html", form=form, contract=None)


@bp.route("/contracts/<int:contract_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def edit_contract(contract_id: int):
    contract = get_or_404(Contract, contract_id)
    form = _contract_form(contract)
    if _contract_valid(form, contract):
        services.save_contract(contract, _contract_data(form, contract), form.station_ids.data)
        flash(_("已保存"), "success")
        return redirect(url_for(".show_contract", contract_id=contract.id))
    return render("contracts/contract_form.html", form=form, contract=contract)


@bp.get("/stations")
@login_required
def list_stations():
    """The stations, a page at a time, searched by name or address (in the URL)."""
    query = scoped(Station)
    if q := search_terms():
        query = query.where(Station.name.contains(q, autoescape=True) | Station.address.contains(q, autoescape=True))
    page = page_of(query.order_by(Station.id))
    return render("contracts/stations.html", stations=page.items, page=page, q=q)


@bp.get("/stations/<int:station_id>")
@login_required
def show_station(station_id: int):
    station = get_or_404(Station, station_id)
    session = get_session()
    return render("contracts/station.html", station=station,
                  bureau=session.get(Bureau, station.bureau_id),
                  operator=session.get(Operator, station.operator_id))


_STATION_FIELDS = ("bureau_id", "operator_id", "name", "kind", "address", "required_staff", "opening_hours",
                   "established_on")


@bp.route("/stations/new", methods=["GET", "POST"])
@roles_required("admin")
def create_station():
    form = StationForm()
    _owner_choices(form)
    if form.validate_on_submit():
        station = services.save_station(None, form_data(form, *_STATION_FIELDS))
        flash(_("已创建站点：%(name)s", name=station.name), "success")
        return redirect(url_for(".show_station", station_id=station.id))
    return render("contracts/station_form.html", form=form, station=None)


@bp.route("/stations/<int:station_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def edit_station(station_id: int):
    station = get_or_404(Station, station_id)
    form = StationForm(obj=station)
    _owner_choices(form)
    if form.validate_on_submit():
        services.save_station(station, form_data(form, *_STATION_FIELDS))
        flash(_("已保存"), "success")
        return redirect(url_for(".show_station", station_id=station.id))
    return render("contracts/station_form.html", form=form, station=station)


@bp.app_context_processor
def _contracts_of():
    """The contracts and stations an organisation's page lists (organisations sit below contracts and do
    not query them): `contracts_of(bureau_id=…)`, `contracts_of(operator_id=…)`, `stations_of(operator_id)`,
    each through the user's scope."""
    def contracts_of(*, bureau_id: int | None = None, operator_id: int | None = None) -> list[Contract]:
        query = scoped(Contract).order_by(Contract.id)
        if bureau_id is not None:
            query = query.where(Contract.bureau_id == bureau_id)
        if operator_id is not None:
            query = query.where(Contract.operator_id == operator_id)
        return list(get_session().exec(query))

    def stations_of(operator_id: int) -> list[Station]:
        return list(get_session().exec(scoped(Station).where(Station.operator_id == operator_id).order_by(Station.id)))

    return {"contracts_of": contracts_of, "stations_of": stations_of}
