"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""
from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.models import metadata


def test_models_and_migrations_do_not_drift(app):
    engine = app.extensions["kaohe_engine"]
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    assert diff == [], f"models and migrations differ; write a migration: {diff}"


def test_migration_history_is_linear_and_dated():
    from alembic.script import ScriptDirectory

    from portal.cli import alembic_config

    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(scripts.get_heads()) == 1
    for revision in scripts.walk_revisions():
        name = revision.path.rsplit("/", 1)[-1]
        assert name[:8].isdigit(), f"{name}: migration files start with a date"


def test_downgrade_to_base_and_up_again(tmp_path):
    from alembic import command

    from portal.cli import alembic_config, upgrade_database

    url = f"sqlite:///{tmp_path / 'roundtrip.sqlite3'}"
    upgrade_database(url)
    command.downgrade(alembic_config(url), "base")
    upgrade_database(url)
    engine = sa.create_engine(url)
    assert "contract" in sa.inspect(engine).get_table_names()
    engine.dispose()
