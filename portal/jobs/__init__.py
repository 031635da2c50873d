"""Background work: one Huey queue for the whole portal, and the app context every task runs in.

The web request stores its input, commits, and enqueues; a consumer process (`flask --app portal worker`)
runs the task inside its own app context with its own database session. Storage is a SQLite file under
the instance folder by default (nothing to install), Redis when REDIS_URL is set (several app servers,
one queue); TASKS_IMMEDIATE runs every task at once in the caller's process (the tests).

This package knows no domain. A domain declares its tasks in its own `tasks.py` with `@jobs.task` or
`@jobs.periodic_task`, and a lower domain asks for follow-up work by name (`after_commit("rules", id)`)
that a higher domain registered with `@jobs.handler("rules")`: the lower one never imports the higher.
"""
from __future__ import annotations

import logging
import os
import socket
from functools import wraps
from pathlib import Path
from typing import Callable

from flask import current_app, g, has_app_context
from huey import Huey, crontab  # noqa: F401  (crontab is re-exported for the domains' periodic tasks)
from huey.storage import MemoryStorage, SqliteStorage

log = logging.getLogger(__name__)

# Created without storage; init_app() gives it the app's (a SQLite file, Redis, or memory when immediate).
# results=False: nothing reads a task's return value, and stored results would pile up in the queue's storage.
huey = Huey("kaohe", storage_class=MemoryStorage, utc=True, results=False)

_app = None  # the consumer's app: tasks dequeued outside any app context run in it
_handlers: dict[str, Callable] = {}
_startup: list[Callable] = []


def init_app(app) -> None:
    """Point the queue at this app's storage. Called by create_app(); the last app created wins, which is
    what a process wants (one web app, one consumer app, one app per test)."""
    global _app
    cfg = app.config
    if cfg["TASKS_IMMEDIATE"]:
        huey.storage_class, huey.storage_kwargs = MemoryStorage, {}
    elif cfg.get("REDIS_URL"):
        from huey.storage import RedisStorage

        huey.storage_class, huey.storage_kwargs = RedisStorage, {"url": cfg["REDIS_URL"]}
    else:
        path = Path(cfg["TASKS_SQLITE_PATH"])
        path.parent.mkdir(parents=True, exist_ok=True)
        huey.storage_class, huey.storage_kwargs = SqliteStorage, {"filename": str(path), "timeout": 30}
    huey._immediate = bool(cfg["TASKS_IMMEDIATE"])
    huey.storage = huey.create_storage()
    _app = app
    app.extensions["kaohe_jobs"] = huey


def _in_app_context(fn: Callable) -> Callable:
    """Run `fn` in an app context of its own (its own `g`, so its own database session, closed after)."""

    @wraps(fn)
    def run(*args, **kwargs):
        app = current_app._get_current_object() if has_app_context() else _app
        if app is None:
            raise RuntimeError("no Flask app: create_app() must run before a task")
        with app.app_context():
            return fn(*args, **kwargs)

    return run


def task(**options):
    """`@jobs.task(retries=3, retry_delay=60)`: a Huey task that runs in an app context of its own."""

    def decorator(fn):
        return huey.task(name=fn.__name__, **options)(_in_app_context(fn))  # Huey prefixes the module

    return decorator


def periodic_task(schedule, **options):
    """`@jobs.periodic_task(crontab(minute="*"))`: scheduled by the consumer (times in UTC)."""

    def decorator(fn):
        return huey.periodic_task(schedule, name=fn.__name__, **options)(_in_app_context(fn))

    return decorator


def lock(name: str):
    """At most one run at a time across every consumer sharing the queue (`with jobs.lock("sweep"):`)."""
    return huey.lock_task(name)


# --- follow-up work by name ------------------------------------------------------------------

def handler(name: str):
    """Register the function that does the follow-up work `name` (in the domain that owns it)."""

    def decorator(fn):
        _handlers[name] = fn
        return fn

    return decorator


@huey.task(retries=5, retry_delay=60)
def run_followup(name: str, *args):
    """The registered handler, in an app context of its own; an error is logged and retried by Huey."""
    fn = _handlers.get(name)
    if fn is None:
        raise LookupError(f"no follow-up handler registered for {name!r}")
    return _in_app_context(fn)(*args)


def after_commit(name: str, *args) -> None:
    """Ask for follow-up work once the current transaction has committed. Never raises: the caller's
    answer is already decided (#17); a queue that cannot be reached is logged, the sweep catches up."""
    session = g.get("db_session") if has_app_context() else None
    if session is not None and (session.new or session.dirty or session.deleted):
        from sqlalchemy import event

        def committed(_session):
            event.remove(session, "after_rollback", rolled_back)
            _enqueue(name, args)

        def rolled_back(_session):  # nothing was committed: nothing to follow up
            event.remove(session, "after_commit", committed)

        event.listen(session, "after_commit", committed, once=True)
        event.listen(session, "after_rollback", rolled_back, once=True)
        return
    _enqueue(name, args)


def _enqueue(name: str, args: tuple) -> None:
    try:
        run_followup(name, *args)
    except Exception as exc:  # the queue's storage is down: the nightly sweep does the same work
        log.error("could not enqueue follow-up %s%s: %s", name, args, type(exc).__name__)


# --- the consumer ----------------------------------------------------------------------------

def on_consumer_start(fn: Callable) -> Callable:
    """Run `fn` (in an app context) once when a consumer starts, before it takes any task: recover the
    work a killed consumer left claimed."""
    _startup.append(fn)
    return fn


def worker_id() -> str:
    """Who holds a claim: host and process, so a restarted consumer knows which claims died with it."""
    return f"{socket.gethostname()}:{os.getpid()}"


def claim_is_dead(owner: str) -> bool:
    """True when `owner` (a worker_id) is a process of this host that no longer runs. (Consumers in
    containers need distinct host names: the check reads the process table of its own.)"""
    host, _sep, pid = (owner or "").split("/")[0].rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def run_consumer(app, workers: int, periodic: bool = True) -> None:
    """Run a consumer in this process until SIGINT/Ctrl-C (graceful: running tasks finish) or SIGTERM (at
    once). Whatever is cut off is recovered by the next start: every task here is safe to run again."""
    if huey.immediate:
        raise RuntimeError("TASKS_IMMEDIATE is set: there is nothing for a consumer to take")
    for fn in _startup:
        try:  # a task's own function (call_local), not an enqueue
            _in_app_context(getattr(fn, "call_local", fn))()
        except Exception:
            log.exception("consumer start-up step %s failed", getattr(fn, "__name__", fn))
    huey.flush_locks()  # a killed consumer leaves its locks behind; on start none of ours can be held
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=periodic,
                                    check_worker_health=True, initial_delay=0.1, max_delay=1.0)
    consumer.run()
