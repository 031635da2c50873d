"""Scheme versions are stored: the shipped schemes are there on a fresh database, a published version never
changes (ORM and database both refuse), (scheme id, version) is unique."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import select

from portal.schemes.models import FrozenSchemeVersion, SchemeVersion
from rules.schemes import load_scheme, scheme_ids


def test_the_shipped_schemes_are_their_first_published_versions(db):
    rows = db.exec(select(SchemeVersion)).all()
    assert sorted(r.scheme_id for r in rows) == scheme_ids()
    for row in rows:
        shipped = load_scheme(row.scheme_id)
        assert (row.version, row.state, row.bureau_id) == ("1", "published", None)
        assert row.sha256 == shipped.sha256 and row.effective_from == shipped.effective_date
        assert row.document == shipped.citation and row.published_at is not None


def test_a_published_version_is_refused_updates_and_deletes_by_the_orm(db):
    row = db.exec(select(SchemeVersion).where(SchemeVersion.scheme_id == "jindong-2021")).one()
    row.text = row.text + "\n# changed"
    db.add(row)
    with pytest.raises(FrozenSchemeVersion):
        db.commit()
    db.rollback()
    row = db.exec(select(SchemeVersion).where(SchemeVersion.scheme_id == "jindong-2021")).one()
    db.delete(row)
    with pytest.raises(FrozenSchemeVersion):
        db.commit()
    db.rollback()


@pytest.mark.parametrize("statement", [
    "UPDATE scheme_version SET text = text || ' ' WHERE scheme_id = 'jindong-2021'",
    "UPDATE scheme_version SET sha256 = 'x' WHERE scheme_id = 'jindong-2021'",
    "UPDATE scheme_version SET state = 'draft' WHERE scheme_id = 'jindong-2021'",
    "DELETE FROM scheme_version WHERE scheme_id = 'jindong-2021'",
])
def test_a_published_version_is_refused_by_the_database(app, statement):
    engine = app.extensions["kaohe_engine"]
    with pytest.raises(sa.exc.DatabaseError, match="frozen"):
        with engine.begin() as conn:
            conn.execute(sa.text(statement))
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM scheme_version WHERE scheme_id = 'jindong-2021'")).scalar() == 1


def test_scheme_id_and_version_are_unique(db):
    row = db.exec(select(SchemeVersion).where(SchemeVersion.scheme_id == "jindong-2021")).one()
    copy = SchemeVersion(**{k: v for k, v in row.model_dump().items() if k not in ("id", "sha256")}, sha256="0" * 64)
    db.add(copy)
    with pytest.raises(sa.exc.IntegrityError):
        db.commit()
    db.rollback()


def test_a_draft_changes_only_by_being_published(app, db, world):
    version = world[1]["scheme_version"]
    engine = app.extensions["kaohe_engine"]
    for statement in ("UPDATE scheme_version SET text = text || ' ' WHERE id = :id",
                      "UPDATE scheme_version SET effective_from = '2025-01-01' WHERE id = :id",
                      "UPDATE scheme_version SET bureau_id = NULL WHERE id = :id"):
        with pytest.raises(sa.exc.DatabaseError, match="frozen"):
            with engine.begin() as conn:
                conn.execute(sa.text(statement), {"id": version.id})
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE scheme_version SET state = 'published', published_at = CURRENT_TIMESTAMP "
                             "WHERE id = :id"), {"id": version.id})
    db.expire_all()
    assert db.get(SchemeVersion, version.id).state == "published"
    db.get(SchemeVersion, version.id).cases_text = "changed"
    with pytest.raises(FrozenSchemeVersion):
        db.commit()
    db.rollback()
