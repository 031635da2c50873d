"""Writing stations and contracts; each write leaves an audit line."""
from __future__ import annotations

from datetime import date

from sqlmodel import delete, select

from portal.audit import services as audit
from portal.contracts.models import CONTRACT_DATA, Contract, ContractStation, Station
from portal.db import get_session, local_today


def save_station(station: Station | None, data: dict) -> Station:
    session = get_session()
    before = audit.snapshot(station)
    station = station or Station()
    for key, value in data.items():
        setattr(station, key, value)
    session.add(station)
    session.flush()
    audit.record("create_station" if before is None else "update_station", station, before=before)
    session.commit()
    return station


def save_contract(contract: Contract | None, data: dict, station_ids: list[int]) -> Contract:
    session = get_session()
    before = audit.snapshot(contract)
    if before is not None:
        before["station_ids"] = station_ids_of(contract.id)
    contract = contract or Contract()
    for key, value in data.items():
        setattr(contract, key, value)
    session.add(contract)
    session.flush()
    session.exec(delete(ContractStation).where(ContractStation.contract_id == contract.id))
    for station_id in sorted(set(station_ids)):
        session.add(ContractStation(contract_id=contract.id, station_id=station_id))
    after = audit.snapshot(contract)
    after["station_ids"] = sorted(set(station_ids))
    audit.record("create_contract" if before is None else "update_contract", contract, before=before,
                 after=after)
    session.commit()
    return contract


def owner_names() -> dict:
    """Names of the bureaus and operators the current user may see, for contract tables."""
    from portal.scoping import scoped
    from portal.organisations.models import Bureau, Operator

    session = get_session()
    return {"bureau": dict(session.execute(scoped(Bureau).with_only_columns(Bureau.id, Bureau.short_name)).all()),
            "operator": dict(session.execute(scoped(Operator).with_only_columns(Operator.id, Operator.name)).all())}


def has_data(contract_id: int) -> bool:
    """Whether anything was handed in or found under the contract (its owners and periods are then fixed):
    a row of any model its domain marked as the contract's data (models.contract_data)."""
    session = get_session()
    return any(session.exec(select(model.id).where(model.contract_id == contract_id)).first() is not None
               for model in CONTRACT_DATA)


def station_ids_of(contract_id: int) -> list[int]:
    return sorted(get_session().exec(
        select(ContractStation.station_id).where(ContractStation.contract_id == contract_id)))


def stations_of(contract_id: int) -> list[Station]:
    return list(get_session().exec(
        select(Station).join(ContractStation, ContractStation.station_id == Station.id)
        .where(ContractStation.contract_id == contract_id).order_by(Station.id)))


def scheme_choices(bureau_id: int | None) -> list[tuple[str, str]]:
    """The schemes a contract of the bureau may use: the platform-wide ones and its own (None: all)."""
    from portal.schemes.services import offered_schemes

    return [(s.id, f"{s.title}（{s.id}）") for s in offered_schemes(bureau_id)]


def scheme_version(scheme_id: str, on: date | None = None) -> str:
    """The version a contract is signed under (DOMAIN.md §6.8): id, document number, effective date — of the
    version in force on its first day (today in Beijing when the day is not given yet)."""
    from portal.schemes.services import scheme_for

    return scheme_for(scheme_id, on or local_today()).version


def scheme_summary(scheme_id: str, on: date | None = None):
    from portal.schemes.services import scheme_for
    from rules.schemes import SchemeError

    try:
        return scheme_for(scheme_id, on or local_today())
    except (SchemeError, KeyError, FileNotFoundError):
        return None


def assessed_cycles(scheme_id: str) -> list:
    """The cycles of the scheme's contracts whose sheet is submitted and awaits approval: (contract number, cycle
    label, first day, last day) each, by first day. A scheme version taking effect on or before such a cycle's
    first day would change its scores under the approver's hand (portal.schemes.services.backdating_refusal).
    An approved sheet is frozen with its version: a later version never changes it (the dry run shows what a
    reassessment would give)."""
    from portal.cycles.models import AssessmentSheet

    return [tuple(row) for row in get_session().exec(
        select(Contract.number, AssessmentSheet.cycle_label, AssessmentSheet.cycle_start, AssessmentSheet.cycle_end)
        .join(Contract, Contract.id == AssessmentSheet.contract_id)
        .where(Contract.scheme_id == scheme_id, AssessmentSheet.state == "submitted")
        .order_by(AssessmentSheet.cycle_start, Contract.number)).all()]


def init_app(app) -> None:
    """The scheme versions (a lower package) ask which cycles were assessed before publishing a version."""
    from portal.schemes import services as scheme_services

    if assessed_cycles not in scheme_services.ASSESSED_CYCLES:
        scheme_services.ASSESSED_CYCLES.append(assessed_cycles)
