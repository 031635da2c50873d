"""Benchmark: the home pages at province scale, one request at a time (issue #16: the reviewer's home < 100 ms).

    python -m bench home                             # 100 bureaus × 20 = 2,000 contracts on a throwaway PostgreSQL
    python bench/bench_home.py --reuse postgresql+psycopg2://…   # a database already holding the province data

The province data of `flask --app portal demo --scale 100 --per-bureau 20` (bench/province.py, as bench_pages) on a
throwaway PostgreSQL (faults/cluster.py). Then, in this process, the portal as gunicorn builds it
(`create_app()` with the production configuration, the database URL and secret from the environment) answers the
Flask test client: each user logs in through the login form, and each page is fetched once to warm up and then 10
times, one after the other; then the same pages over HTTP from `gunicorn --preload -w 2` (bench/province.py, as
bench_pages times the homes). Per page: the median and slowest wall-clock time, the SQL statements of one request
(counted on the engine) and the CPU time of this process per request (`time.process_time`: Python, SQLAlchemy,
Jinja — PostgreSQL's own work is in the wall-clock time only). Prints a markdown section.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.province import build_province, load, login, timed_get  # noqa: E402

TIMES = 10
USERS = ("p001-reviewer", "p001-approver", "op-p001-1")


def portal_app(url: str, workdir: Path):
    """The app as `gunicorn 'portal:create_app()'` builds it: configuration from the environment."""
    from faults.server import SECRET_KEY

    os.environ.update({"DATABASE_URL": url, "SECRET_KEY": SECRET_KEY, "EVIDENCE_DIR": str(workdir / "evidence"),
                       "EXPORT_CACHE_DIR": str(workdir / "exports"), "TASKS_SQLITE_PATH": str(workdir / "tasks.sqlite3"),
                       "LOGIN_LIMIT_PER_ADDRESS": "100000 per minute", "LOGIN_LIMIT_PER_ACCOUNT": "100000 per minute"})
    from portal import create_app

    return create_app()


def client_for(app, username: str):
    import re

    from portal.demo import DEMO_PASSWORD

    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
    response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD, "csrf_token": token.group(1)})
    if response.status_code != 302:
        raise RuntimeError(f"login of {username} failed: {response.status_code}")
    return client


def measure(app, client, path: str, times: int = TIMES) -> dict:
    """One warm-up GET, then `times` GETs: median and slowest ms, statements per request, CPU ms per request."""
    import sqlalchemy as sa

    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = app.extensions["kaohe_engine"]
    client.get(path)
    spent, cpu, counts, status, size = [], [], [], 0, 0
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        for _ in range(times):
            statements.clear()
            wall, began = time.perf_counter(), time.process_time()
            response = client.get(path)
            cpu.append(1000 * (time.process_time() - began))
            spent.append(1000 * (time.perf_counter() - wall))
            counts.append(len(statements))
            status, size = response.status_code, len(response.get_data())
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return {"median": statistics.median(spent), "slowest": max(spent), "cpu": statistics.median(cpu),
            "statements": max(counts), "status": status, "kb": size / 1024}


def pages(app) -> list[tuple[str, str, str]]:
    """(user, page, path): the three homes, the reviewer's contract list and one queue page (a report waiting for
    review: the first of the reviewer's queue)."""
    from sqlmodel import select

    from portal.auth.models import User
    from portal.db import get_session
    from portal.reporting.models import Submission

    with app.app_context():
        db = get_session()
        reviewer = db.exec(select(User).where(User.username == USERS[0])).one()
        waiting = db.exec(select(Submission).where(Submission.bureau_id == reviewer.bureau_id,
                                                   Submission.state == "submitted")
                          .order_by(Submission.submitted_at, Submission.id)).first()
        db.close()
    out = [(user, "home", "/") for user in USERS]
    out.append((USERS[0], "contracts", "/contracts"))
    if waiting is not None:
        out.append((USERS[0], "queue: report to review",
                    f"/contracts/{waiting.contract_id}/reports/{waiting.obligation_key}/{waiting.period_key}"))
    else:
        out.append((USERS[0], "queue: violations", "/contracts/1/violations"))
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bureaus", type=int, default=100)
    parser.add_argument("--per-bureau", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reuse", default="", help="a database URL already holding the province data (no build)")
    args = parser.parse_args()
    say = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731

    load_at_start = load()
    province = build_province(args.bureaus, args.per_bureau, args.seed, say=say, reuse=args.reuse)
    try:
        version = _pg(province)
        app = portal_app(province.url, province.workdir)
        clients, results = {}, []
        for user, name, path in pages(app):
            client = clients.get(user) or clients.setdefault(user, client_for(app, user))
            figures = measure(app, client, path)
            say(f"{user} {name}: {figures}")
            results.append((user, name, path, figures))
        # The same pages over HTTP from gunicorn (as bench_pages measures the homes): wall-clock only.
        from portal.demo import DEMO_PASSWORD

        server = province.portal("home")
        try:
            browsers = {}
            for user, name, path, figures in results:
                browser = browsers.get(user) or browsers.setdefault(user, login(server, user, DEMO_PASSWORD))
                median, slowest, status = timed_get(browser, path, TIMES)
                figures.update(http_median=median, http_slowest=slowest, http_status=status)
                say(f"{user} {name} over HTTP: {median:.1f} / {slowest:.1f} ms ({status})")
        finally:
            server.stop()
        load_at_end = load()
    finally:
        province.close()
    print(section(args, province, version, results, load_at_start, load_at_end))
    return 0


def _ms(x: float) -> str:
    return f"{x:,.0f} ms" if x >= 10 else f"{x:.1f} ms"


def section(args, province, version, results, load_at_start, load_at_end) -> str:
    built = province.built
    lines = [
        "## Home pages at province scale (`bench/bench_home.py`)",
        "",
        f"`python -m bench home` — PostgreSQL {version} (throwaway cluster on loopback), Python "
        f"{platform.python_version()}, {os.cpu_count()} cores **shared with other engineers' processes** "
        f"(`uptime` load average {load_at_start} before the build, {load_at_end} at the end). The portal as gunicorn "
        f"builds it (`create_app()`, configuration from the environment) answering the Flask test client in the "
        f"bench's process: each user logged in through the login form, each page fetched once to warm up, then "
        f"{TIMES} times one after the other; then the same over HTTP from `gunicorn --preload -w 2` (sync workers, as "
        f"bench_pages), a warm-up and {TIMES} GETs each. Statements: SQL statements of one request (counted on the engine); "
        f"CPU: this process's CPU time per request (median; PostgreSQL's own work is only in the wall-clock time). "
        f"One run: figures are noisy.",
        "",
        f"**Data**: `flask --app portal demo --scale {args.bureaus} --per-bureau {args.per_bureau}` — "
        f"{built.contracts:,} contracts in {built.bureaus} bureaus, {sum(built.rows.values()):,} rows"
        + (f", built in {province.build_seconds:.0f} s." if province.build_seconds else "."),
        "",
        "| user | page | median | slowest | SQL statements | CPU per request | over HTTP (gunicorn): median "
        "| over HTTP: slowest | page size | HTTP status |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for user, name, path, f in results:
        lines.append(f"| `{user}` | {name} (`{path}`) | **{_ms(f['median'])}** | {_ms(f['slowest'])} | "
                     f"{f['statements']} | {_ms(f['cpu'])} | **{_ms(f['http_median'])}** | {_ms(f['http_slowest'])} | "
                     f"{f['kb']:,.0f} KB | {f['status']} |")
    reviewer = next(f for user, name, _p, f in results if user == USERS[0] and name == "home")
    met = max(reviewer["median"], reviewer["http_median"]) < 100
    lines += ["", f"Target: the reviewer's home < 100 ms for a single request — **{'met' if met else 'not met'}** "
              f"(median {_ms(reviewer['median'])} in process, {_ms(reviewer['http_median'])} over HTTP)."]
    return "\n".join(lines)


def _pg(province) -> str:
    engine = province.app.extensions["kaohe_engine"]
    with engine.connect() as conn:
        return str(conn.exec_driver_sql("SHOW server_version").scalar()).split()[0]


if __name__ == "__main__":
    raise SystemExit(main())
