"""Command line: `flask --app portal migrate | demo`."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(url: str):
    from alembic.config import Config

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade_database(url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def init_app(app) -> None:
    @app.cli.command("migrate")
    @click.option("--revision", default="head", show_default=True)
    def migrate(revision: str) -> None:
        """Bring the database schema up to date (Alembic)."""
        upgrade_database(current_app.config["DATABASE_URL"], revision)
        click.echo(f"database at {revision}")

    @app.cli.command("demo")
    def demo() -> None:
        """Load the demo bureaus, operators, stations, contracts and logins (idempotent)."""
        from portal.demo import DEMO_PASSWORD, load_demo

        logins = load_demo()
        click.echo("演示账号 Demo logins (password for all: %s)" % DEMO_PASSWORD)
        width = max(len(u) for u, _, _ in logins)
        for username, role, where in logins:
            click.echo(f"  {username.ljust(width)}  {role:<9} {where}")
