"""Command line: `flask --app portal migrate | demo | schemes | score` (the last two: portal/schemes/commands.py)."""
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
    if revision == "head":  # the shipped schemes as their first published versions (idempotent)
        import sqlalchemy as sa

        from portal.schemes.services import install_shipped

        engine = sa.create_engine(url)
        try:
            with engine.begin() as conn:
                install_shipped(conn)
        finally:
            engine.dispose()


def init_app(app) -> None:
    from portal.schemes.commands import init_scheme_commands

    init_scheme_commands(app)
    init_compliance_commands(app)

    @app.cli.command("migrate")
    @click.option("--revision", default="head", show_default=True)
    def migrate(revision: str) -> None:
        """Bring the database schema up to date (Alembic)."""
        upgrade_database(current_app.config["DATABASE_URL"], revision)
        click.echo(f"database at {revision}")

    @app.cli.command("worker")
    @click.option("-w", "--workers", type=int, default=None, help="Tasks run at once (default TASK_WORKERS).")
    @click.option("--no-periodic", is_flag=True, help="Leave the scheduled tasks to another consumer.")
    def worker(workers: int | None, no_periodic: bool) -> None:
        """Run the task consumer: ledger imports, rules after submissions, the sweep, reminders, mail."""
        import logging

        from portal import jobs

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        app_ = current_app._get_current_object()
        jobs.run_consumer(app_, workers or app_.config["TASK_WORKERS"], periodic=not no_periodic)

    @app.cli.command("demo")
    @click.option("--scale", "scale", type=click.IntRange(min=1), default=None,
                  help="Instead: N invented bureaus with a year of data (20 contracts each: 100 = a province's 2,000).")
    @click.option("--per-bureau", type=click.IntRange(min=1), default=20, show_default=True,
                  help="With --scale: contracts per bureau.")
    @click.option("--seed", type=int, default=1, show_default=True, help="With --scale: the random seed.")
    def demo(scale: int | None, per_bureau: int, seed: int) -> None:
        """Load the demo bureaus, operators, stations, contracts and logins (idempotent); with --scale, a
        province's worth of invented ones instead (bureaus already there are skipped)."""
        from portal.demo import DEMO_PASSWORD, load_demo, load_province

        if scale is not None:
            result = load_province(scale, per_bureau, seed, progress=click.echo)
            click.echo(f"{result.bureaus} bureaus, {result.contracts} contracts added in "
                       f"{sum(result.seconds.values()):.1f} s; rows: "
                       + ", ".join(f"{table} {n:,}" for table, n in sorted(result.rows.items())))
            click.echo(f"logins p001-reviewer, p001-approver, p001-admin, op-p001-1 …; password {DEMO_PASSWORD}")
            return
        logins = load_demo()
        click.echo("演示账号 Demo logins (password for all: %s)" % DEMO_PASSWORD)
        width = max(len(u) for u, _, _ in logins)
        for username, role, where in logins:
            click.echo(f"  {username.ljust(width)}  {role:<9} {where}")


def init_compliance_commands(app) -> None:
    """Issue 4: the deadline sweep (for cron), the list of rules, mail delivery."""

    @app.cli.command("sweep")
    @click.option("--at", "at", default=None, help="ISO datetime to sweep as of (default: now); naive = Asia/Shanghai.")
    def sweep_command(at: str | None) -> None:
        """Run the compliance rules on every running contract and send the alerts (idempotent)."""
        from datetime import datetime
        from zoneinfo import ZoneInfo

        from portal.compliance.services import sweep
        from portal.notifications.services import deliver_outbox
        from rules.compliance import RuleActionError

        moment = None
        if at:
            try:
                moment = datetime.fromisoformat(at)
            except ValueError:
                raise click.BadParameter(f"{at!r} is not an ISO datetime", param_hint="--at") from None
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=ZoneInfo("Asia/Shanghai"))
        try:
            result = sweep(moment)
        except RuleActionError as exc:
            raise click.ClickException(f"sweep aborted, nothing stored: rule {exc.rule_id} failed: {exc}") from None
        mail = deliver_outbox()
        click.echo(f"swept {result.contracts} contracts: {result.new} new, {result.updated} seen again, "
                   f"{result.rectified} rectified, {result.reminders} reminders; {_mail_line(mail)}")

    @app.cli.command("rules")
    def rules_command() -> None:
        """List every compliance rule with its id, clause and penalty."""
        from rules.compliance import list_rules

        for rule in list_rules():
            penalty = rule.penalty.describe() if rule.penalty else "（判定，不扣分）"
            click.echo(f"{rule.id:<44} {penalty:<28} {rule.clause.cite()}")

    @app.cli.command("mail")
    @click.option("--now", "everything", is_flag=True,
                  help="Also retry at once what failed recently (not only what is due); dead mail stays dead.")
    def mail_command(everything: bool) -> None:
        """Send the mail waiting in the outbox (retries what failed before). The consumer does it every minute."""
        from portal.notifications.services import deliver_outbox

        click.echo(_mail_line(deliver_outbox(due_only=not everything)))


def _mail_line(result) -> str:
    """What a delivery run did and what the outbox holds after it (no MAIL_SERVER: nothing is sent)."""
    counts = result.counts
    done = (f"mail sent {result.sent}, failed {result.failed}, dead {result.dead}" if current_app.config["MAIL_SERVER"]
            else "mail not sent (no MAIL_SERVER)")
    return (f"{done}; outbox: waiting {counts.waiting}, failed {counts.failed} (retried later), "
            f"dead {counts.dead} (retry by hand), sent {counts.sent}")
