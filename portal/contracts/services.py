"""Writing stations and contracts; each write leaves an audit line."""
from __future__ import annotations

from sqlmodel import delete, select

from portal.audit import services as audit
from portal.contracts.models import CONTRACT_DATA, Contract, ContractStation, Station
from portal.db import get_session


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


def scheme_choices() -> list[tuple[str, str]]:
    from rules.schemes import all_schemes

    return [(s.id, f"{s.title}（{s.id}）") for s in all_schemes()]


def scheme_version(scheme_id: str) -> str:
    """The version a contract is signed under (DOMAIN.md §6.8): id, document number, effective date."""
    from rules.schemes import load_scheme

    return load_scheme(scheme_id).version


def scheme_summary(scheme_id: str):
    from rules.schemes import SchemeError, load_scheme

    try:
        return load_scheme(scheme_id)
    except (SchemeError, KeyError, FileNotFoundError):
        return None
