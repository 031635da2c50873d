"""What the HTTP benchmarks share (bench_pages, bench_rush): the province data on a throwaway PostgreSQL, the portal
under gunicorn beside a trivial Flask page served the same way (the floor), and the figures of a run.

Not a benchmark itself (no `bench_` prefix): `python -m bench` does not run it.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from faults.cluster import Cluster  # noqa: E402
from faults.server import SECRET_KEY, Browser, Gunicorn  # noqa: E402

FLOOR_APP = "bench.floor:app"
# The limiter counts failed logins only; the bench's logins all succeed, but 50 at once from one address must
# not meet a limit meant for people: set high through the configuration (portal/config.py), as a deployment
# behind a load test would.
BENCH_ENV = {"LOGIN_LIMIT_PER_ADDRESS": "100000 per minute", "LOGIN_LIMIT_PER_ACCOUNT": "100000 per minute"}


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of the values; 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered) + 0.5)) - 1))]


@dataclass
class Province:
    """The throwaway cluster with the province data built into it, and the app that built it."""

    cluster: Cluster | None
    workdir: Path
    app: object
    built: object
    build_seconds: float
    reused: str = ""  # the URL of a database built before (--reuse), left as it is

    @property
    def url(self) -> str:
        return self.reused or self.cluster.url

    def portal(self, name: str = "portal", workers: int = 2, env: dict | None = None) -> Gunicorn:
        folder = self.workdir / name
        folder.mkdir(exist_ok=True)
        server = Gunicorn(self.url, folder, workers=workers, access_log=False, env={
            **BENCH_ENV, "EXPORT_CACHE_DIR": str(folder / "exports"),
            "TASKS_SQLITE_PATH": str(folder / "tasks.sqlite3"), **(env or {})})
        server.wait_ready()
        return server

    def floor(self, workers: int = 2) -> Gunicorn:
        folder = self.workdir / "floor"
        folder.mkdir(exist_ok=True)
        server = Gunicorn(self.url, folder, workers=workers, app=FLOOR_APP, access_log=False)
        server.wait_ready()
        return server

    def close(self) -> None:
        if self.cluster is not None:
            self.cluster.destroy()


def build_province(bureaus: int, per_bureau: int, seed: int, say=print, reuse: str = "") -> Province:
    """A new cluster, migrated, with `flask --app portal demo --scale bureaus --per-bureau per_bureau` in it;
    with `reuse` (a database URL that already holds that data, for working on a bench) nothing is built."""
    from portal import create_app
    from portal.cli import upgrade_database
    from portal.db import get_session
    from portal.demo import ScaleResult, load_province

    workdir = Path(tempfile.mkdtemp(prefix="kaohe-bench."))
    if reuse:
        app = create_app({"SECRET_KEY": SECRET_KEY, "DATABASE_URL": reuse, "TASKS_IMMEDIATE": True,
                          "EVIDENCE_DIR": str(workdir / "evidence"), "EXPORT_CACHE_DIR": str(workdir / "exports")})
        import sqlalchemy as sa

        with app.extensions["kaohe_engine"].connect() as conn:
            built = ScaleResult(bureaus=conn.execute(sa.text("SELECT count(*) FROM bureau")).scalar(),
                                contracts=conn.execute(sa.text("SELECT count(*) FROM contract")).scalar())
            for table in ("submission", "ledger_row", "violation", "attendance_sheet", "publication"):
                built.rows[table] = conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
        return Province(None, workdir, app, built, 0.0, reused=reuse)
    cluster = Cluster().create()
    try:
        upgrade_database(cluster.url)
        app = create_app({"SECRET_KEY": SECRET_KEY, "DATABASE_URL": cluster.url, "TASKS_IMMEDIATE": True,
                          "EVIDENCE_DIR": str(workdir / "evidence"), "EXPORT_CACHE_DIR": str(workdir / "exports")})
        started = time.perf_counter()
        with app.app_context():
            built = load_province(bureaus, per_bureau, seed, progress=say)
            get_session().commit()
        seconds = time.perf_counter() - started
        app.extensions["kaohe_engine"].dispose()  # the build's connections are not the servers'
    except BaseException:
        cluster.destroy()
        raise
    return Province(cluster, workdir, app, built, seconds)


@dataclass
class Run:
    """One locust run: every request after the last user logged in (name, ms, ok, status), and the window."""

    samples: list = field(default_factory=list)
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # the gunicorn workers' user + system time in the window
    logins: int = 0
    login_ms: list = field(default_factory=list)
    load_before: str = ""
    load_after: str = ""

    @property
    def requests(self) -> int:
        return len(self.samples)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def times(self, name: str | None = None) -> list[float]:
        return [s[1] for s in self.samples if name is None or s[0] == name]

    def p(self, q: float, name: str | None = None) -> float:
        return percentile(self.times(name), q)

    @property
    def failures(self) -> int:
        return sum(1 for s in self.samples if not s[2])

    @property
    def server_errors(self) -> int:
        return sum(1 for s in self.samples if s[3] >= 500 or s[3] == 0)

    @property
    def cpu_ms_per_request(self) -> float:
        return 1000 * self.cpu_seconds / self.requests if self.requests else 0.0

    def names(self) -> list[str]:
        return sorted({s[0] for s in self.samples})

    def median(self, name: str) -> float:
        return statistics.median(self.times(name))


def _cpu(server: Gunicorn) -> float:
    total = 0.0
    for pid in server.workers():
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            pass  # a worker restarted in between: its time is lost, said by a lower figure
    return total


def run_locust(server: Gunicorn, plan: dict, seconds: int, users: int = 50) -> Run:
    """Locust (bench/locustfile.py) headless at `users` users without think time against the server for about
    `seconds` after the last user logged in. The plan (JSON) names each user's login and pages."""
    workdir = Path(tempfile.mkdtemp(prefix="kaohe-locust."))
    (workdir / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    out, mark = workdir / "samples.json", workdir / "all-logged-in"
    env = {**os.environ, "BENCH_PLAN": str(workdir / "plan.json"), "BENCH_OUT": str(out), "BENCH_MARK": str(mark),
           "BENCH_USERS": str(users)}
    locust = Path(sys.executable).with_name("locust")
    run = Run(load_before=load())
    process = subprocess.Popen(
        [str(locust), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "-u", str(users), "-r", str(users),
         "-t", f"{seconds + 60}s", "--host", f"http://127.0.0.1:{server.port}", "--only-summary",
         "--stop-timeout", "5", "--loglevel", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(workdir / "locust.log", "w"),
        start_new_session=True)
    deadline = time.monotonic() + 60
    while not mark.exists():  # every user logged in (or the plan has no logins)
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"locust did not log its users in: {(workdir / 'locust.log').read_text()[-3000:]}")
        time.sleep(0.02)
    cpu = _cpu(server)
    time.sleep(seconds)
    run.cpu_seconds = _cpu(server) - cpu
    os.killpg(process.pid, 15)  # SIGTERM: locust stops its users and writes the samples
    process.wait(timeout=60)
    data = json.loads(out.read_text(encoding="utf-8"))
    started = float(mark.read_text())
    ended = started + seconds
    run.samples = [s for s in data["samples"] if started <= s[4] <= ended]
    run.seconds = seconds
    run.logins, run.login_ms = data["logins"], data["login_ms"]
    run.load_after = load()
    return run


def login(server: Gunicorn, username: str, password: str) -> Browser:
    browser = Browser(server.port, timeout=60)
    browser.login(username, password)
    return browser


def timed_get(browser: Browser, path: str, times: int = 10) -> tuple[float, float, int]:
    """(median, max) milliseconds of `times` sequential GETs after one to warm up, and the status."""
    browser.get(path)
    spent = []
    for _ in range(times):
        started = time.perf_counter()
        status, _headers, _text = browser.get(path)
        spent.append(1000 * (time.perf_counter() - started))
    return statistics.median(spent), max(spent), status
