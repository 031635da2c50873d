"""Which scheme version scores what: the published versions in force by date, compiled once per sha256.

    scheme_for(scheme_id, on)      the published version in force on that day (the latest effective_from <= on;
                                   before the first version, the first)
    scheme_by_sha(sha256)          exactly the version an approval froze (recomputation gives identical figures)
    contract_scheme(contract)      the version in force on the contract's first day (its calendar of cycles)

A compiled scheme is pure data keyed by the sha256 of its text, so it is cached for the life of the process.
Which versions exist is cached per app and validated by one cheap query (count and latest id of the
published versions) at most once per request: a page that scores 20 rows reads it once, not 20 times.
Published versions are never changed or deleted, so a new count is the only way the answer can change.
"""
from __future__ import annotations

import dataclasses
import hashlib
import tomllib
from bisect import bisect_right
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app, g, has_app_context
from sqlmodel import select

from portal.db import get_session, utcnow
from portal.schemes.models import SchemeVersion
from rules.scoring.loader import build_scheme
from rules.scoring.model import Scheme, SchemeError

_COMPILED: dict[str, Scheme] = {}  # sha256 -> Scheme (content-addressed: valid for every database)


def compile_text(text: str, file_name: str, scheme_id: str | None = None) -> Scheme:
    """The Scheme of a stored file text (already checked when it was stored), cached by its sha256."""
    raw = text.encode("utf-8")
    sha = hashlib.sha256(raw).hexdigest()
    scheme = _COMPILED.get(sha)
    if scheme is None:
        data = tomllib.loads(text.removeprefix("\ufeff"), parse_float=Decimal)
        scheme = dataclasses.replace(build_scheme(data, file=file_name, expected_id=scheme_id), sha256=sha)
        _COMPILED[sha] = scheme
    return scheme


# -- the versions in force --------------------------------------------------------------------------

def _index() -> dict[str, list[tuple[date, str, str, str]]]:
    """scheme id -> [(effective_from, sha256, file_name, text)] of its published versions, oldest first."""
    session = get_session()
    checked = g.get("kaohe_scheme_index")
    if checked is not None:
        return checked
    cache = current_app.extensions.setdefault("kaohe_scheme_index", {})
    stamp = tuple(session.exec(select(sa.func.count(SchemeVersion.id), sa.func.max(SchemeVersion.id)).where(
        SchemeVersion.state == "published")).one())
    if cache.get("stamp") != stamp:
        rows = session.exec(select(SchemeVersion.scheme_id, SchemeVersion.effective_from, SchemeVersion.sha256,
                                   SchemeVersion.file_name, SchemeVersion.text)
                            .where(SchemeVersion.state == "published")
                            .order_by(SchemeVersion.scheme_id, SchemeVersion.effective_from, SchemeVersion.id)).all()
        index: dict[str, list] = {}
        for scheme_id, effective_from, sha, file_name, text in rows:
            index.setdefault(scheme_id, []).append((effective_from, sha, file_name, text))
        cache.update(stamp=stamp, index=index)
    g.kaohe_scheme_index = cache["index"]
    return cache["index"]


def forget_index() -> None:
    """After a publication in this request: the next lookup reads the versions again."""
    if has_app_context():
        g.pop("kaohe_scheme_index", None)


def scheme_ids() -> list[str]:
    return sorted(_index())


def versions_in_force(scheme_id: str) -> list[tuple[date, str]]:
    return [(day, sha) for day, sha, _f, _t in _index().get(scheme_id, [])]


def scheme_for(scheme_id: str, on: date) -> Scheme:
    """The published version of `scheme_id` in force on `on` (before the first version: the first)."""
    versions = _index().get(scheme_id)
    if not versions:
        raise SchemeError(f"{scheme_id}.toml", "", "no published version of this scheme")
    at = max(bisect_right([v[0] for v in versions], on) - 1, 0)
    _day, sha, file_name, text = versions[at]
    return _COMPILED.get(sha) or compile_text(text, file_name, scheme_id)


def contract_scheme(contract: Any) -> Scheme:
    """The version in force on the contract's first day: the one the contract was signed under. Its calendar
    lays the contract's cycles and names what the contract's pages show; each cycle is then scored by the
    version in force on its own first day (`scheme_for(contract.scheme_id, cycle.start)`)."""
    return scheme_for(contract.scheme_id, contract.starts_on)


def scheme_by_sha(sha256: str, scheme_id: str | None = None) -> Scheme:
    """Exactly the version whose text has this sha256 (what an approval froze), published or not."""
    scheme = _COMPILED.get(sha256)
    if scheme is not None:
        return scheme
    row = get_session().exec(select(SchemeVersion.file_name, SchemeVersion.text, SchemeVersion.scheme_id)
                             .where(SchemeVersion.sha256 == sha256)).first()
    if row is not None:
        return compile_text(row[1], row[0], row[2])
    if scheme_id:  # an approval made before versions were stored: the shipped file, if it is still the same
        from rules.schemes import load_scheme

        try:
            shipped = load_scheme(scheme_id)
        except SchemeError:
            shipped = None
        if shipped is not None and shipped.sha256 == sha256:
            return shipped
    raise SchemeError(f"{scheme_id or sha256}.toml", "", f"no stored scheme version with sha256 {sha256}")


def approval_scheme(approval: Any) -> Scheme:
    """The scheme an approval was computed with (its frozen sha256): recomputing it gives its figures."""
    return scheme_by_sha(approval.scheme_sha256, approval.scheme_id)


# -- the shipped schemes as first versions ------------------------------------------------------------

def shipped_rows() -> list[dict[str, Any]]:
    """The scheme files shipped in rules/schemes/, as first published, platform-wide versions."""
    from rules.schemes import SCHEME_DIR, load_scheme_file

    now = utcnow()
    rows = []
    for path in sorted(Path(SCHEME_DIR).glob("*.toml")):
        text = path.read_bytes().decode("utf-8")
        scheme = load_scheme_file(path)
        rows.append(dict(scheme_id=scheme.id, version="1", effective_from=scheme.effective_date,
                         title=scheme.title[:300], document=scheme.citation[:400], file_name=path.name,
                         sha256=scheme.sha256, text=text, cases_text="", cases_file_name="", cases_passed=False,
                         bureau_id=None, state="published", uploaded_by_id=None, uploaded_at=now,
                         published_by_id=None, published_at=now))
    return rows


def install_shipped(connection) -> int:
    """Store each shipped scheme that has no version yet as its first published version (idempotent).
    Called after every migration (`flask migrate`, `make run`, the tests' databases)."""
    table = SchemeVersion.__table__
    if not sa.inspect(connection).has_table(table.name):
        return 0
    present = set(connection.execute(sa.select(table.c.scheme_id).distinct()).scalars())
    rows = [row for row in shipped_rows() if row["scheme_id"] not in present]
    if rows:
        connection.execute(table.insert(), rows)
    return len(rows)


def owners() -> dict[str, int | None]:
    """scheme id -> the bureau whose document it is (None: platform-wide), from its versions."""
    return dict(get_session().exec(select(SchemeVersion.scheme_id, sa.func.max(SchemeVersion.bureau_id))
                                   .group_by(SchemeVersion.scheme_id)).all())


def offered_schemes(bureau_id: int | None, on: date | None = None) -> list[Scheme]:
    """The schemes a bureau's contract may use (platform-wide and the bureau's own; None: every one), each
    as the version in force on `on` (today)."""
    on = on or date.today()
    index = _index()
    return [scheme_for(sid, on) for sid, owner in sorted(owners().items())
            if sid in index and (bureau_id is None or owner is None or owner == bureau_id)]


def citation_of(value: str) -> str | None:
    """The citation of a stored scheme from its id or a stored version text "<id> (<number>, effective
    <date>)" (what contracts and approvals keep): the version of that date, else the one in force today."""
    import re

    scheme_id = value.split(" ")[0]
    if not scheme_id or not has_app_context():
        return None
    m = re.search(r"effective (\d{4}-\d{2}-\d{2})\)$", value)
    try:
        return scheme_for(scheme_id, date.fromisoformat(m.group(1)) if m else date.today()).citation
    except (SchemeError, ValueError):
        return None


def init_app(app) -> None:
    from portal import filters

    if citation_of not in filters.SCHEME_CITATIONS:
        filters.SCHEME_CITATIONS.append(citation_of)
