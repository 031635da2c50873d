"""portal/jobs: where the queue lives, follow-up work that runs only after the commit and never turns the
caller's answer into an error, and the layers (jobs knows no domain; lower domains never import compliance)."""
from __future__ import annotations

import ast
import logging
from pathlib import Path

import pytest
from huey.storage import MemoryStorage, SqliteStorage
from sqlmodel import select

from portal import create_app, jobs
from portal.violations.models import Violation
from portal.db import get_session
from portal.reporting.models import Submission
from tests.conftest import login
from tests.portal.test_reporting import REPORT, _url

PORTAL = Path(__file__).resolve().parents[3] / "portal"
calls: list = []


@jobs.handler("test-record")
def _record(*args):
    calls.append(args)


@pytest.fixture(autouse=True)
def _no_calls():
    calls.clear()


def test_the_queue_is_a_sqlite_file_under_the_instance_folder_unless_told_otherwise(app_config, tmp_path):
    app = create_app({**app_config, "TASKS_IMMEDIATE": False, "TASKS_SQLITE_PATH": str(tmp_path / "q.sqlite3")})
    assert isinstance(jobs.huey.storage, SqliteStorage) and not jobs.huey.immediate
    assert jobs.huey.storage.filename == str(tmp_path / "q.sqlite3")
    app.extensions["kaohe_engine"].dispose()
    default = create_app({k: v for k, v in app_config.items() if k != "TASKS_IMMEDIATE"} | {"TASKS_IMMEDIATE": False})
    assert jobs.huey.storage.filename == str(Path(default.instance_path) / "tasks.sqlite3")
    default.extensions["kaohe_engine"].dispose()
    immediate = create_app(app_config)
    assert isinstance(jobs.huey.storage, MemoryStorage) and jobs.huey.immediate
    immediate.extensions["kaohe_engine"].dispose()


def test_redis_url_makes_a_shared_redis_queue(app_config):
    pytest.importorskip("redis")
    from huey.storage import RedisStorage

    app = create_app({**app_config, "TASKS_IMMEDIATE": False, "REDIS_URL": "redis://127.0.0.1:1/0"})
    assert isinstance(jobs.huey.storage, RedisStorage)
    app.extensions["kaohe_engine"].dispose()


def test_follow_up_work_waits_for_the_commit_and_a_rollback_cancels_it(app, world, db):
    with app.app_context():
        session = get_session()
        session.add(Submission(**{**_submission(world), "period_key": "2024-05"}))
        jobs.after_commit("test-record", 1)
        assert calls == [], "not before the commit"
        session.commit()
        assert calls == [(1,)]
    with app.app_context():
        session = get_session()
        session.add(Submission(**{**_submission(world), "period_key": "2024-06"}))
        jobs.after_commit("test-record", 2)
        session.rollback()
        session.commit()
    assert calls == [(1,)], "nothing committed, nothing to follow up"
    with app.app_context():
        jobs.after_commit("test-record", 3)  # nothing pending: at once
    assert calls == [(1,), (3,)]


def _submission(world) -> dict:
    from datetime import datetime, timezone

    side = world[1]
    return dict(contract_id=side["contract"].id, bureau_id=side["bureau"].id, operator_id=side["operator"].id,
                obligation_key="monthly_plan_summary", due_at=datetime(2024, 5, 5, tzinfo=timezone.utc),
                submitted_by_id=side["users"]["operator"].id, figures={}, narrative="计划")


def test_rules_that_fail_after_a_submission_leave_the_saved_answer_alone(app, world, db, monkeypatch, caplog):
    from portal.compliance import services as compliance

    def broken(contract, as_of=None):
        raise RuntimeError("a rule fell over")

    monkeypatch.setattr(compliance, "run_rules", broken)
    client = app.test_client()
    token = login(client, "t1-operator")
    with caplog.at_level(logging.ERROR):
        response = client.post(_url(world[1]["contract"].id), data=REPORT, headers={"X-CSRFToken": token})
    assert response.status_code == 302, "the operator's submission stands"
    assert db.exec(select(Submission).where(Submission.period_key == "2024-06")).first() is not None
    assert "compliance rules failed after a submission" in caplog.text
    assert "a rule fell over" not in caplog.text, "an error's text can quote the facts: never logged"
    monkeypatch.undo()
    # Working rules again: the same follow-up finds the late report (what the retry would do).
    with app.app_context():
        jobs.run_followup.call_local("rules", world[1]["contract"].id)
    assert db.exec(select(Violation).where(Violation.period == "2024-06")).first() is not None


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def test_jobs_knows_no_domain():
    allowed = {"portal", "portal.jobs", "portal.db", "portal.config"}
    for path in (PORTAL / "jobs").glob("*.py"):
        portal_imports = {n for n in _imports(path) if n.startswith("portal")}
        assert portal_imports <= allowed, f"{path.name}: {portal_imports - allowed}"


@pytest.mark.parametrize("domain", ["reporting", "activities", "findings", "ledgers", "applications", "contracts"])
def test_lower_domains_ask_for_the_rules_by_name_instead_of_calling_compliance(domain):
    # (Whether they may read its models is the import-linter contract's business.)
    for path in (PORTAL / domain).glob("*.py"):
        calls = {n for n in _imports(path) if n.startswith(("portal.compliance.services", "portal.compliance.tasks"))}
        assert not calls, f"{path}: {calls}"


def test_the_queue_schedules_the_sweep_the_reminders_and_the_mail_not_a_cron_table(app):
    from datetime import datetime

    from portal.compliance import tasks as compliance_tasks
    from portal.ledgers import tasks as ledger_tasks
    from portal.notifications import tasks as notification_tasks

    def runs(task, hour: int, minute: int) -> bool:  # Huey's timestamps are naive UTC
        return task.task_class().validate_datetime(datetime(2026, 12, 5, hour, minute))

    # 00:05 Beijing time is 16:05 UTC: nightly, and just after each deadline day (deadlines end at 23:59:59).
    assert runs(compliance_tasks.nightly_sweep, 16, 5) and not runs(compliance_tasks.nightly_sweep, 16, 6)
    assert not runs(compliance_tasks.nightly_sweep, 0, 5)
    assert runs(compliance_tasks.deadline_reminders, 1, 0)
    assert runs(notification_tasks.deliver_outbox, 7, 13) and runs(ledger_tasks.recover_imports, 23, 59)
