"""Benchmark: the deadline rush (issue #16) through the real report form over HTTP, at province scale.

    python -m bench rush                           # 1,000 monthly reports from 50 clients, 100 posted twice
    python bench/bench_rush.py --reports 200       # smaller

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
                 rng: random.Random):
        super().__init__(daemon=True)
        self.port, self.username, self.password, self.paths, self.doubles = port, username, password, paths, doubles
        self.start_event, self.rng = start, rng
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
        for path in self.paths:
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


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bureaus", type=int, default=100)
    parser.add_argument("--per-bureau", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--doubles", type=int, default=100)
    args = parser.parse_args()
    say = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731

    from portal.demo import DEMO_PASSWORD

    load_at_start = load()
    province = build_province(args.bureaus, args.per_bureau, args.seed, say=say)
    server = worker = None
    try:
        plan = slots(province.app, args.reports, args.clients, args.seed)
        rng = random.Random(args.seed)
        every = [p for _u, paths in plan for p in paths]
        doubles = set(rng.sample(every, args.doubles))
        import sqlalchemy as sa

        engine = sa.create_engine(province.url)
        with engine.connect() as conn:
            before_id = conn.execute(sa.text("SELECT coalesce(max(id), 0) FROM submission")).scalar()
        server = province.portal()
        worker_log = province.workdir / "worker.log"
        worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "portal", "worker", "-w", "1", "--no-periodic"], cwd=ROOT,
            env={**os.environ, "DATABASE_URL": province.url, "SECRET_KEY": "bench",
                 "TASKS_SQLITE_PATH": str(province.workdir / "portal" / "tasks.sqlite3"),
                 "EVIDENCE_DIR": str(province.workdir / "evidence"),
                 "EXPORT_CACHE_DIR": str(province.workdir / "portal" / "exports")},
            stdout=worker_log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
        go = threading.Event()
        clients = [Client(server.port, username, DEMO_PASSWORD, paths, doubles, go, random.Random(n))
                   for n, (username, paths) in enumerate(plan)]
        for c in clients:
            c.start()
        deadline = time.monotonic() + 120
        while not all(getattr(c, "ready", False) or c.errors for c in clients) and time.monotonic() < deadline:
            time.sleep(0.05)  # every client logged in (the logins are not part of the rush)
        load_before = load()
        started = time.perf_counter()
        go.set()
        for c in clients:
            c.join()
        seconds = time.perf_counter() - started
        load_after = load()
        with engine.connect() as conn:
            made = conn.execute(sa.text(
                "SELECT contract_id, obligation_key, period_key, count(*) FROM submission WHERE id > :id "
                "GROUP BY contract_id, obligation_key, period_key"), {"id": before_id}).all()
            tokens_stored = conn.execute(sa.text(
                "SELECT count(DISTINCT form_token) FROM submission WHERE id > :id"), {"id": before_id}).scalar()
            audits = conn.execute(sa.text(
                "SELECT count(*) FROM audit_event WHERE action = 'submit_report' AND object_id IN "
                "(SELECT id FROM submission WHERE id > :id)"), {"id": before_id}).scalar()
        engine.dispose()
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        if server is not None:
            server.stop()
        province.close()

    per_slot = {f"/contracts/{c}/reports/{o}/{p}": n for c, o, p, n in made}
    lost = sum(1 for p in every if per_slot.get(p, 0) == 0)
    duplicated = sum(1 for p in every if per_slot.get(p, 0) > 1)
    stray = sum(n for p, n in per_slot.items() if p not in set(every))
    posts = [ms for c in clients for ms, _s in c.posts]
    statuses = [s for c in clients for _ms, s in c.posts + c.gets]
    fivexx = sum(1 for s in statuses if s >= 500)
    redirects = sum(1 for c in clients for _ms, s in c.posts if s == 302)
    errors = [e for c in clients for e in c.errors]
    double_answers = [a for c in clients for a in c.double_answers]
    same_version = sum(1 for _p, (a, b) in double_answers
                       if _VERSION.search(a) and _VERSION.search(b)
                       and _VERSION.search(a).group(1) == _VERSION.search(b).group(1))
    told_already = sum(1 for _p, pair in double_answers if any("此前已提交" in m for m in pair))
    gets = [ms for c in clients for ms, _s in c.gets]
    p95 = percentile(posts, 95)
    ok = lost == 0 and duplicated == 0 and fivexx == 0 and p95 <= 500 and seconds < 60 and not errors
    print(f"""## Deadline rush (`bench/bench_rush.py`)

`python -m bench rush` — PostgreSQL (throwaway cluster on loopback, fsync on), Python {platform.python_version()}, \
{os.cpu_count()} cores **shared with other engineers' processes** (load average {load_at_start} before the build, \
{load_before} when the rush began, {load_after} when it ended). The portal under `gunicorn --preload -w 2` with the \
task consumer (`flask --app portal worker -w 1`: the rules after each submission) beside it, on the province data \
(`flask --app portal demo --scale {args.bureaus} --per-bureau {args.per_bureau}`, {province.built.contracts:,} \
contracts, built in {province.build_seconds:.0f} s). {len(clients)} clients (threads of one process on the same \
cores), each an operator logged in through the login form beforehand, open (GET) and post (POST) \
{len(every):,} monthly report forms one after another; {len(doubles)} of them are posted twice at the same instant \
(same cookies, same one-time token, two connections released by a barrier). One run.

| | figure | target |
|---|---:|---|
| reports posted (forms) | {len(every):,} in **{seconds:.1f} s** ({len(every) / seconds:.0f} forms/s, GET + POST each) | 1,000 in < 60 s |
| POSTs answered | {len(posts):,} ({redirects:,} with the redirect of a stored or recognised form) | |
| POST p50 / p95 / max | {percentile(posts, 50):.0f} / **{p95:.0f}** / {max(posts, default=0):.0f} ms | p95 ≤ 500 ms |
| form GET p50 / p95 | {percentile(gets, 50):.0f} / {percentile(gets, 95):.0f} ms | |
| 5xx answers | **{fivexx}** | 0 |
| forms with no version in the database (lost) | **{lost}** | 0 |
| forms with more than one version (duplicated) | **{duplicated}** (of them double posts: \
{sum(1 for p in doubles if per_slot.get(p, 0) > 1)}) | 0 |
| versions stored, distinct one-time tokens among them, audit lines | {sum(per_slot.values()):,}, \
{tokens_stored:,}, {audits:,} | {len(every):,} each |
| double posts whose two answers name the same version | {same_version} of {len(double_answers)} \
({told_already} told "此前已提交（第N版），未重复保存") | all |
| versions stored elsewhere (not a form of the rush) | {stray} | 0 |
| client errors | {len(errors)}{': ' + '; '.join(errors[:3]) if errors else ''} | 0 |

Result: **{'every target met' if ok else 'a target missed (above)'}**.""")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
