"""Benchmark: the deadline rush (issue #16) through the real report form over HTTP, at province scale.

    python -m bench rush                           # 1,000 monthly reports from 50 clients, 100 posted twice
    python bench/bench_rush.py --reports 200       # smaller
    python bench/bench_rush.py --runs paced        # only the rush as it arrives (or: flat)

A throwaway PostgreSQL with the province data (`flask --app portal demo --scale 100 --per-bureau 20`), the
portal under `gunicorn --preload -w 2` and the task consumer (`flask --app portal worker`, as deployed: the
rules run after each submission there). 50 clients, each an operator logged in through the login form, each
open the monthly report forms of their contracts (GET) and post them (POST, the figures and a narrative) one
after another; 100 of the forms are posted twice at the same instant (two connections released together with
the same one-time token, as a double click or a retry would). Then the database is counted: each form must
have made exactly one version (0 lost, 0 duplicated), and each double post must have answered both posts with
the same version. Prints a markdown section.
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.province import build_province, load, percentile  # noqa: E402
from faults.server import Browser  # noqa: E402

_INPUT = re.compile(r'<input[^>]*\bname="(csrf_token|once|fact_[a-z0-9_]+)"[^>]*>')
_VALUE = re.compile(r'\bvalue="([^"]*)"')
_VERSION = re.compile(r"第(\d+)版")


def slots(app, reports: int, clients: int, seed: int) -> list[tuple[str, list[str]]]:
    """(operator login, report form paths) for each client: monthly reports of the operator's contracts that
    take a submission now, `reports` of them over all clients."""
    from sqlmodel import select

    from portal.auth.models import User
    from portal.contracts.models import Contract
    from portal.db import get_session
    from portal.reporting.services import entries, refusal_reason

    rng = random.Random(seed)
    out = []
    per_client = -(-reports // clients)
    with app.app_context():
        db = get_session()
        operators = db.exec(select(User).where(User.role == "operator", User.username.like("op-p%"))
                            .order_by(User.id)).all()
        for user in operators:
            paths = []
            for contract in db.exec(select(Contract).where(Contract.operator_id == user.operator_id)
                                    .order_by(Contract.id)):
                for e in entries(contract):
                    if e.obligation.spec.frequency == "monthly" and refusal_reason(contract, e.obligation.period.end) \
                            is None:
                        paths.append(f"/contracts/{contract.id}/reports/{e.obligation.spec.key}/"
                                     f"{e.obligation.period.key}")
            if len(paths) >= per_client:
                out.append((user.username, rng.sample(paths, per_client)))
            if len(out) == clients:
                break
        db.close()
    taken = sum(len(p) for _u, p in out)
    if len(out) < clients or taken < reports:
        raise RuntimeError(f"the data has too few open monthly reports: {len(out)} clients, {taken} forms")
    extra = taken - reports
    for k in range(extra):  # exactly `reports` forms in all
        out[k][1].pop()
    return out


def form_of(html: str) -> dict[str, str]:
    data = {}
    for match in _INPUT.finditer(html):
        name = match.group(1)
        value = _VALUE.search(match.group(0))
        data[name] = value.group(1) if value and not name.startswith("fact_") else ""
    return data


class Client(threading.Thread):
    """One operator: logs in, then opens and posts each form in turn; some forms twice at once."""

    def __init__(self, port: int, username: str, password: str, paths: list[str], doubles: set[str], start: threading.Event,
                 rng: random.Random, schedule: list[float] | None = None):
        super().__init__(daemon=True)
        self.port, self.username, self.password, self.paths, self.doubles = port, username, password, paths, doubles
        self.start_event, self.rng = start, rng
        self.schedule = schedule  # seconds after the start at which each form is opened (None: at once)
        self.go_at = 0.0  # perf_counter of the start, set by the run before it releases the clients
        self.posts: list[tuple[float, int]] = []  # (ms, status)
        self.gets: list[tuple[float, int]] = []
        self.double_answers: list[tuple[str, list[str]]] = []  # (path, the two answers' messages)
        self.errors: list[str] = []
        self.tokens: dict[str, str] = {}  # path -> one-time token posted

    def run(self) -> None:
        try:
            browser = Browser(self.port, timeout=60)
            browser.login(self.username, self.password)
        except Exception as exc:  # noqa: BLE001 (reported, not raised in a thread)
            self.errors.append(f"login: {exc}")
            return
        self.ready = True
        self.start_event.wait()
        for k, path in enumerate(self.paths):
            if self.schedule is not None:
                pause = self.go_at + self.schedule[k] - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
            try:
                self._one(browser, path)
            except Exception as exc:  # noqa: BLE001
                self.errors.append(f"{path}: {type(exc).__name__}: {exc}")

    def _one(self, browser: Browser, path: str) -> None:
        started = time.perf_counter()
        status, _h, html = browser.get(path)
        self.gets.append((1000 * (time.perf_counter() - started), status))
        data = form_of(html)
        if status != 200 or "once" not in data:
            self.errors.append(f"{path}: form answered {status}")
            return
        for name in data:
            if name.startswith("fact_"):
                data[name] = str(self.rng.randint(0, 40))
        data["narrative"] = f"本月工作情况（基准测试 {self.username}）"
        self.tokens[path] = data["once"]
        if path not in self.doubles:
            self.posts.append(self._post(browser, path, data))
            return
        # the same form twice at the same instant: two connections with the same cookies, released together
        twins = [Browser(self.port, timeout=60) for _ in range(2)]
        barrier, answers = threading.Barrier(2), [None, None]
        for twin in twins:
            twin.cookies = dict(browser.cookies)

        def post(k: int) -> None:
            barrier.wait()
            answers[k] = self._post(twins[k], path, data)

        threads = [threading.Thread(target=post, args=(k,)) for k in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.posts.extend(answers)
        self.double_answers.append((path, [" ".join(t.flashes()) for t in twins]))
        browser.cookies = dict(twins[0].cookies)

    @staticmethod
    def _post(browser: Browser, path: str, data: dict) -> tuple[float, int]:
        started = time.perf_counter()
        status, _h, _t = browser.post(path, data)
        return 1000 * (time.perf_counter() - started), status


@dataclass
class Run:
    """One rush on its own forms: how it was driven and what it left."""

    name: str
    window: float | None  # paced over this many seconds; None: flat out
    plan: list[tuple[str, list[str]]]
    doubles: set[str]
    clients: list[Client] = field(default_factory=list)
    seconds: float = 0.0
    load_before: str = ""
    load_after: str = ""
    made: list = field(default_factory=list)
    tokens_stored: int = 0
    audits: int = 0

    @property
    def every(self) -> list[str]:
        return [p for _u, paths in self.plan for p in paths]

    def drive(self, port: int, password: str, engine) -> None:
        import sqlalchemy as sa

        with engine.connect() as conn:
            before_id = conn.execute(sa.text("SELECT coalesce(max(id), 0) FROM submission")).scalar()
        go = threading.Event()
        count = len(self.plan)
        self.clients = [
            Client(port, username, password, paths, self.doubles, go, random.Random(n),
                   # the forms arrive evenly over the window, handed round the clients: form k of client n is the
                   # (k·clients + n)-th of the rush
                   None if self.window is None else
                   [(k * count + n) * self.window / len(self.every) for k in range(len(paths))])
            for n, (username, paths) in enumerate(self.plan)]
        for c in self.clients:
            c.start()
        deadline = time.monotonic() + 120
        while not all(getattr(c, "ready", False) or c.errors for c in self.clients) and time.monotonic() < deadline:
            time.sleep(0.05)  # every client logged in (the logins are not part of the rush)
        self.load_before = load()
        started = time.perf_counter()
        for c in self.clients:
            c.go_at = started
        go.set()
        for c in self.clients:
            c.join()
        self.seconds = time.perf_counter() - started
        self.load_after = load()
        with engine.connect() as conn:
            self.made = conn.execute(sa.text(
                "SELECT contract_id, obligation_key, period_key, count(*) FROM submission WHERE id > :id "
                "GROUP BY contract_id, obligation_key, period_key"), {"id": before_id}).all()
            self.tokens_stored = conn.execute(sa.text(
                "SELECT count(DISTINCT form_token) FROM submission WHERE id > :id"), {"id": before_id}).scalar()
            self.audits = conn.execute(sa.text(
                "SELECT count(*) FROM audit_event WHERE action = 'submit_report' AND object_id IN "
                "(SELECT id FROM submission WHERE id > :id)"), {"id": before_id}).scalar()

    def figures(self) -> dict:
        every = self.every
        ours = set(every)
        per_slot = {f"/contracts/{c}/reports/{o}/{p}": n for c, o, p, n in self.made}
        posts = [ms for c in self.clients for ms, _s in c.posts]
        statuses = [s for c in self.clients for _ms, s in c.posts + c.gets]
        double_answers = [a for c in self.clients for a in c.double_answers]
        versions = [(_VERSION.search(a), _VERSION.search(b)) for _p, (a, b) in double_answers]
        f = {
            "forms": len(every), "seconds": self.seconds, "posts": len(posts),
            "redirects": sum(1 for c in self.clients for _ms, s in c.posts if s == 302),
            "post_p50": percentile(posts, 50), "post_p95": percentile(posts, 95), "post_max": max(posts, default=0),
            "get_p50": percentile([ms for c in self.clients for ms, _s in c.gets], 50),
            "get_p95": percentile([ms for c in self.clients for ms, _s in c.gets], 95),
            "fivexx": sum(1 for s in statuses if s >= 500),
            "lost": sum(1 for p in every if per_slot.get(p, 0) == 0),
            "duplicated": sum(1 for p in every if per_slot.get(p, 0) > 1),
            "duplicated_doubles": sum(1 for p in self.doubles if per_slot.get(p, 0) > 1),
            "stored": sum(n for p, n in per_slot.items() if p in ours),
            "stray": sum(n for p, n in per_slot.items() if p not in ours),
            "tokens": self.tokens_stored, "audits": self.audits,
            "doubles": len(double_answers),
            "same_version": sum(1 for a, b in versions if a and b and a.group(1) == b.group(1)),
            "told_already": sum(1 for _p, pair in double_answers if any("此前已提交" in m for m in pair)),
            "errors": [e for c in self.clients for e in c.errors],
        }
        f["ok"] = (f["lost"] == 0 and f["duplicated"] == 0 and f["fivexx"] == 0 and f["stray"] == 0
                   and f["stored"] == f["forms"] == f["tokens"] == f["audits"]
                   and f["same_version"] == f["doubles"] and not f["errors"])
        return f


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bureaus", type=int, default=100)
    parser.add_argument("--per-bureau", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reports", type=int, default=1000, help="forms in each run")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--doubles", type=int, default=100, help="forms of each run posted twice at once")
    parser.add_argument("--window", type=float, default=55.0, help="seconds the paced run's forms arrive over")
    parser.add_argument("--runs", choices=("both", "paced", "flat"), default="both")
    parser.add_argument("--reuse", default="", help="a database URL already holding the province data (no build; "
                                                    "each run adds versions to it)")
    args = parser.parse_args()
    say = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731

    from portal.demo import DEMO_PASSWORD

    load_at_start = load()
    province = build_province(args.bureaus, args.per_bureau, args.seed, say=say, reuse=args.reuse)
    names = ["paced", "flat"] if args.runs == "both" else [args.runs]
    server = worker = None
    try:
        # every run's forms drawn at once, so that no two runs share one; each client's list cut in as many parts
        whole = slots(province.app, args.reports * len(names), args.clients, args.seed)
        rng = random.Random(args.seed)
        runs = []
        for k, name in enumerate(names):
            plan = [(user, paths[k::len(names)]) for user, paths in whole]
            every = [p for _u, paths in plan for p in paths]
            runs.append(Run(name, args.window if name == "paced" else None, plan,
                            set(rng.sample(every, min(args.doubles, len(every))))))
        import sqlalchemy as sa

        engine = sa.create_engine(province.url)
        server = province.portal()
        worker_log = province.workdir / "worker.log"
        worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "portal", "worker", "-w", "1", "--no-periodic"], cwd=ROOT,
            env={**os.environ, "DATABASE_URL": province.url, "SECRET_KEY": "bench",
                 "TASKS_SQLITE_PATH": str(province.workdir / "portal" / "tasks.sqlite3"),
                 "EVIDENCE_DIR": str(province.workdir / "evidence"),
                 "EXPORT_CACHE_DIR": str(province.workdir / "portal" / "exports")},
            stdout=worker_log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
        for run in runs:
            say(f"rush: the {run.name} run ({len(run.every)} forms)")
            run.drive(server.port, DEMO_PASSWORD, engine)
            time.sleep(5)  # the consumer's rules of the run finish before the next one begins
        engine.dispose()
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        if server is not None:
            server.stop()
        province.close()

    results = {run.name: run.figures() for run in runs}
    paced = results.get("paced")
    ok = all(f["ok"] for f in results.values()) and (
        paced is None or (paced["post_p95"] <= 500 and paced["seconds"] < 60))
    heads = {"paced": f"paced: {args.reports:,} forms arriving over {args.window:.0f} s",
             "flat": "flat out: no pause between forms"}
    cols = [heads[r.name] for r in runs]

    def row(label: str, cells: list[str], target: str) -> str:
        return f"| {label} | " + " | ".join(cells) + f" | {target} |"

    F = [results[r.name] for r in runs]
    lines = [
        "| | " + " | ".join(cols) + " | target |",
        "|---|" + "---:|" * len(cols) + "---|",
        row("forms opened and posted", [f"{f['forms']:,} in **{f['seconds']:.1f} s** ({f['forms'] / f['seconds']:.0f} "
                                        f"forms/s, GET + POST each)" for f in F], "1,000 in < 60 s"),
        row("load average when it began / ended", [f"{r.load_before} → {r.load_after}" for r in runs], ""),
        row("POSTs answered", [f"{f['posts']:,} ({f['redirects']:,} with the redirect of a stored or recognised "
                               f"form)" for f in F], ""),
        row("POST p50 / p95 / max", [f"{f['post_p50']:.0f} / **{f['post_p95']:.0f}** / {f['post_max']:.0f} ms"
                                     for f in F], "p95 ≤ 500 ms (the paced run)"),
        row("form GET p50 / p95", [f"{f['get_p50']:.0f} / {f['get_p95']:.0f} ms" for f in F], ""),
        row("5xx answers", [f"**{f['fivexx']}**" for f in F], "0"),
        row("forms with no version in the database (lost)", [f"**{f['lost']}**" for f in F], "0"),
        row("forms with more than one version (duplicated)",
            [f"**{f['duplicated']}** (of them double posts: {f['duplicated_doubles']})" for f in F], "0"),
        row("versions stored, distinct one-time tokens among them, audit lines",
            [f"{f['stored']:,}, {f['tokens']:,}, {f['audits']:,}" for f in F], "one per form, each"),
        row("double posts whose two answers name the same version",
            [f"{f['same_version']} of {f['doubles']} ({f['told_already']} told \"此前已提交（第N版），未重复保存\")"
             for f in F], "all"),
        row("versions stored elsewhere (not a form of the run)", [str(f["stray"]) for f in F], "0"),
        row("client errors", [f"{len(f['errors'])}{': ' + '; '.join(f['errors'][:3]) if f['errors'] else ''}"
                              for f in F], "0"),
    ]
    built = (f"reused database, {province.built.contracts:,} contracts" if args.reuse else
             f"`flask --app portal demo --scale {args.bureaus} --per-bureau {args.per_bureau}`, "
             f"{province.built.contracts:,} contracts, built in {province.build_seconds:.0f} s")
    print(f"""## Deadline rush (`bench/bench_rush.py`)

`python -m bench rush` — PostgreSQL (throwaway cluster on loopback, fsync on), Python {platform.python_version()}, \
{os.cpu_count()} cores shared with other processes (load average {load_at_start} before the build). \
The portal under `gunicorn --preload -w 2` with the task consumer (`flask --app portal worker -w 1`: the rules after \
each submission) beside it, on the province data ({built}). {args.clients} clients (threads of one process on the \
same cores), each an operator logged in through the login form beforehand, open (GET) and post (POST) monthly \
report forms; in each run {args.doubles} of the forms are posted twice at the same instant (same cookies, same \
one-time token, two connections released by a barrier). Each run on forms of its own, one after the other on the \
same server. **Paced**: the rush as it arrives — the forms are opened at moments spread evenly over \
{args.window:.0f} s, handed round the clients (a client still busy opens its next form as soon as it is done); the \
POST p95 target is judged here. **Flat out**: no pause between a client's forms, the site's saturation \
throughput; each answer then waits behind the other clients' requests (queueing, not the rush's answer time). One \
run each.

""" + "\n".join(lines) + f"""

Result: **{'every target met' if ok else 'a target missed (above)'}**.""")
    return 0  # the section says whether a target was missed; python -m bench writes it either way


if __name__ == "__main__":
    raise SystemExit(main())
