"""Benchmark: the portal's pages under load at province scale (issue #16), beside the stack's floor.

    python -m bench pages                          # 100 bureaus × 20 = 2,000 contracts, 40 s per mix
    python bench/bench_pages.py --seconds 30       # the same, printing the section

A throwaway PostgreSQL (faults/cluster.py, as .ci/with-postgres), the province data of
`flask --app portal demo --scale 100 --per-bureau 20`, the portal under `gunicorn --preload -w 2` and a trivial
Flask page served the same way (bench/floor.py). Then for each mix (public pages; operators; reviewers and
approvers) locust (bench/locustfile.py) drives 50 users without think time: first the floor for a third of the
time, then the portal, in the same minute. Logged-in users log in once each through the real login form with the
demo password (the login limits raised through the configuration, bench/province.py). Prints a markdown section.
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.province import build_province, load, login, run_locust, timed_get  # noqa: E402

MIXES = ("public pages", "operator", "reviewer/approver", "no page, anonymous", "no page, signed in")
# the two "no page" mixes ask /healthz (one SELECT 1, no template): what any request costs in the portal before its
# page does anything, without and with a signed-in session (the session cookie read, the user's row loaded, as for
# every page behind the login); the least a page can cost, measured beside the floor


def plans(app, bureaus: int, seed: int) -> dict[str, dict]:
    """Each mix's users (login and pages), read from the province data."""
    import sqlalchemy as sa
    from sqlmodel import select

    from portal.contracts.models import Contract
    from portal.cycles.models import AssessmentSheet, SheetApproval
    from portal.db import get_session
    from portal.demo import DEMO_PASSWORD
    from portal.publication.models import Publication, PublishedResult
    from portal.reporting.services import entries
    from portal.auth.models import User

    rng = random.Random(seed)
    out = {}
    with app.app_context():
        db = get_session()
        publications = db.exec(select(Publication.id, Publication.bureau_id)).all()
        published_operators = sorted(set(db.exec(select(PublishedResult.operator_id)).all()))
        pages = [("public index", "/public/"), ("public search", "/public/search?q=演示")]
        for pid, bureau_id in rng.sample(publications, min(25, len(publications))):
            pages += [("public bureau", f"/public/bureaus/{bureau_id}"),
                      ("publication", f"/public/publications/{pid}"),
                      ("publication.csv", f"/public/publications/{pid}.csv"),
                      ("publication.json", f"/public/publications/{pid}.json")]
        for operator_id in rng.sample(published_operators, min(25, len(published_operators))):
            pages += [("public operator", f"/public/operators/{operator_id}")]
        out["public pages"] = {"users": [{"pages": pages}]}

        def report_path(contract) -> str:
            every = entries(contract)
            monthly = [e for e in every if e.obligation.spec.frequency == "monthly"] or every  # a scheme may have none
            e = rng.choice([e for e in monthly if e.versions] or monthly)  # one with its versions, if any
            return f"/contracts/{contract.id}/reports/{e.obligation.spec.key}/{e.obligation.period.key}"

        users = []
        for k in range(1, min(bureaus, 50) + 1):
            operator = db.exec(select(User).where(User.username == f"op-p{k:03d}-1")).one()
            contract = db.exec(select(Contract).where(Contract.operator_id == operator.operator_id)
                               .order_by(Contract.id)).first()
            pages = [("home", "/"), ("contract", f"/contracts/{contract.id}"),
                     ("calendar (reports)", f"/contracts/{contract.id}/calendar"),
                     ("report form", report_path(contract)), ("contracts", "/contracts"),
                     ("violations", f"/contracts/{contract.id}/violations")]
            if operator.operator_id in published_operators:
                pages.append(("history (public operator)", f"/public/operators/{operator.operator_id}"))
            users.append({"username": operator.username, "password": DEMO_PASSWORD, "pages": pages})
        out["operator"] = {"users": users}

        users = []
        for k in range(1, min(bureaus, 25) + 1):
            for role in ("reviewer", "approver"):
                user = db.exec(select(User).where(User.username == f"p{k:03d}-{role}")).one()
                contracts = db.exec(select(Contract).where(Contract.bureau_id == user.bureau_id)
                                    .order_by(Contract.id)).all()
                sheet = db.exec(select(AssessmentSheet).where(AssessmentSheet.bureau_id == user.bureau_id)
                                .order_by(AssessmentSheet.id)).first()
                approval = db.exec(select(SheetApproval.id).where(SheetApproval.bureau_id == user.bureau_id)
                                   .order_by(SheetApproval.id)).first()
                contract = rng.choice(contracts)
                pages = [("home (queues)", "/"), ("contracts", "/contracts"), ("contracts page 2", "/contracts?page=2"),
                         ("contracts search", "/contracts?q=" + contract.number[-6:]),
                         ("contract", f"/contracts/{contract.id}"),
                         ("queue: report to review", report_path(contract)),
                         ("queue: violations", f"/contracts/{contract.id}/violations")]
                if sheet is not None:
                    pages.append(("sheet", f"/contracts/{sheet.contract_id}/cycles/{sheet.cycle_id}/assessment"))
                if approval is not None:
                    pages.append(("approval", f"/approvals/{approval}"))
                users.append({"username": user.username, "password": DEMO_PASSWORD, "pages": pages})
        out["reviewer/approver"] = {"users": users}
        out["no page, anonymous"] = {"users": [{"pages": [("health check, anonymous", "/healthz")]}]}
        out["no page, signed in"] = {"users": [{"username": u["username"], "password": DEMO_PASSWORD,
                                                "pages": [("health check, signed in", "/healthz")]}
                                               for u in out["operator"]["users"]]}
        db.close()
        del sa
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bureaus", type=int, default=100)
    parser.add_argument("--per-bureau", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seconds", type=int, default=40, help="measured seconds per mix (the floor: a third)")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--mix", action="append", choices=MIXES, help="only these mixes (default: all)")
    parser.add_argument("--reuse", default="", help="a database URL already holding the province data (no build)")
    args = parser.parse_args()
    say = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731

    load_at_start = load()
    province = build_province(args.bureaus, args.per_bureau, args.seed, say=say, reuse=args.reuse)
    servers = []
    try:
        province.version = _pg(province)
        mix_plans = plans(province.app, args.bureaus, args.seed)
        portal, floor = province.portal(), province.floor()
        servers += [portal, floor]
        # Single requests on the quiet server: the reviewer's and the approver's home.
        from portal.demo import DEMO_PASSWORD

        single = {}
        for username in ("p001-reviewer", "p001-approver", "op-p001-1"):
            single[username] = timed_get(login(portal, username, DEMO_PASSWORD), "/")
            say(f"{username} home: {single[username]}")
        results = {}
        for mix in args.mix or MIXES:
            floor_run = run_locust(floor, {"users": [{"pages": [["floor", "/"]]}]}, max(10, args.seconds // 3),
                                   args.users)
            say(f"floor: {floor_run.rps:.0f} req/s p95 {floor_run.p(95):.0f} ms (load {floor_run.load_after})")
            run = run_locust(portal, mix_plans[mix], args.seconds, args.users)
            say(f"{mix}: {run.rps:.0f} req/s p50 {run.p(50):.0f} p95 {run.p(95):.0f} ms, {run.failures} failures "
                f"(load {run.load_before} → {run.load_after})")
            results[mix] = (run, floor_run)
        load_at_end = load()
    finally:
        for server in servers:
            server.stop()
        province.close()
    print(section(args, province, single, results, load_at_start, load_at_end))
    return 0


def _ms(x: float) -> str:
    return f"{x:,.0f} ms" if x >= 10 else f"{x:.1f} ms"


def section(args, province, single, results, load_at_start, load_at_end) -> str:
    built = province.built
    lines = [
        "## Pages under load at province scale (`bench/bench_pages.py`)",
        "",
        f"`python -m bench pages` — PostgreSQL {province.version} (throwaway cluster on loopback), Python "
        f"{platform.python_version()}, {os.cpu_count()} cores **shared with other engineers' processes** "
        f"(load average {load_at_start} before the build, {load_at_end} at the end; per run below). "
        f"The portal under `gunicorn --preload -w 2` (sync workers), the floor a trivial Flask page "
        f"(bench/floor.py) served the same way; locust {_locust_version()} (FastHttpUser, one process on the same "
        f"2 cores) at {args.users} users without think time; each mix measured for {args.seconds} s after every user "
        f"logged in through the login form, the floor for {max(10, args.seconds // 3)} s just before it. "
        f"One run: figures are noisy.",
        "",
        f"**Data**: `flask --app portal demo --scale {args.bureaus} --per-bureau {args.per_bureau}` — "
        f"{built.contracts:,} contracts in {built.bureaus} bureaus, {sum(built.rows.values()):,} rows, "
        f"built in {province.build_seconds:.0f} s.",
        "",
        "| mix | req/s | p50 | p95 | failures | floor req/s | floor p95 | throughput vs floor | p95 vs floor "
        "| CPU per request (workers), portal vs floor | load average before → after |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for mix, (run, floor) in results.items():
        lines.append(
            f"| {mix} | {run.rps:,.0f} | {_ms(run.p(50))} | {_ms(run.p(95))} | {run.failures} "
            f"({run.requests:,} requests) | {floor.rps:,.0f} | {_ms(floor.p(95))} | "
            f"**{100 * run.rps / floor.rps:.0f} %** (target ≥ 25 %) | **{run.p(95) / floor.p(95):.1f}×** (target ≤ 3×) "
            f"| {run.cpu_ms_per_request:.1f} ms vs {floor.cpu_ms_per_request:.2f} ms "
            f"| {floor.load_before} → {run.load_after} |")
    lines += ["", "Per page (each mix's pages, slowest p95 first; ratio to the floor's p95 of the same minute):", "",
              "| mix | page | requests | p50 | p95 | p95 vs floor | failures |", "|---|---|---:|---:|---:|---:|---:|"]
    for mix, (run, floor) in results.items():
        for name in sorted(run.names(), key=lambda n: -run.p(95, n)):
            failures = sum(1 for s in run.samples if s[0] == name and not s[2])
            lines.append(f"| {mix} | {name} | {len(run.times(name)):,} | {_ms(run.p(50, name))} | "
                         f"{_ms(run.p(95, name))} | {run.p(95, name) / floor.p(95):.1f}× | {failures} |")
    lines += ["", "Home page, one request at a time with no other load from the bench (the machine still shared; median and slowest of 10 after one to warm "
              "up; target for the reviewer: < 100 ms):", ""]
    for username, (median, slowest, status) in single.items():
        lines.append(f"- `{username}`: median **{_ms(median)}**, slowest {_ms(slowest)} (HTTP {status})")
    cpu = [run.cpu_ms_per_request for run, _f in results.values()]
    floor_cpu = [f.cpu_ms_per_request for _r, f in results.values()]
    lines += ["", "Reading the figures: at 50 users without think time every request waits its turn, so a page's "
              "p95 is mostly queueing (≈ users ÷ req/s) and follows throughput; throughput on 2 shared cores follows "
              "the CPU each request costs (the workers' figure above, plus PostgreSQL's and locust's). The floor's "
              f"request costs {min(floor_cpu):.2f}–{max(floor_cpu):.2f} ms of worker CPU, a portal request "
              f"{min(cpu):.1f}–{max(cpu):.1f} ms: a session and a user read, the page's queries through SQLAlchemy, "
              "a Jinja page of 2–130 KB. Throughput ≥ 25 % of the floor's asks for at most ≈ 4× its CPU per "
              "request. An anonymous public page is answered from the process's cache of frozen publications, its "
              "stamp query itself kept PUBLIC_STAMP_SECONDS (2 s): a repeated public page reads nothing from the "
              "database."]
    bare = {mix: results[mix] for mix in ("no page, anonymous", "no page, signed in") if mix in results}
    if bare:
        said = "; ".join(f"{mix}: {run.cpu_ms_per_request:.1f} ms of worker CPU, {100 * run.rps / floor.rps:.0f} % "
                         f"of the floor's throughput, p95 {run.p(95) / floor.p(95):.1f}× the floor's"
                         for mix, (run, floor) in bare.items())
        lines += ["", "The two \"no page\" mixes ask `/healthz` (one `SELECT 1`, no template): what a request costs "
                  "in the portal before its page does anything — the request hooks, the rate limiter, the security "
                  f"headers, and signed in the session cookie and the user's row ({said}). So the targets leave a "
                  "signed-in page little more than the cost of knowing who asks; the operator's and the reviewer's "
                  "pages spend the rest on their queries and their template. Reaching the targets with them would "
                  "take serving them from a cache of rendered pages, checked on every request against a stamp of "
                  "the data each shows (per bureau, bumped by every write, the queue's and the sweep's included) "
                  "and of the date (deadlines turn overdue at midnight): not built, see issue #16's note."]
    pages = [(run, floor) for mix, (run, floor) in results.items() if mix not in bare]  # /healthz is no page
    every_page = all(run.p(95, n) <= 3 * floor.p(95) for run, floor in pages for n in run.names())
    throughput = all(run.rps >= 0.25 * floor.rps for run, floor in pages)
    reviewer = single.get("p001-reviewer", (1e9,))[0] < 100
    lines += ["", f"Targets: every page's p95 ≤ 3× the floor's — **{'met' if every_page else 'not met'}**; "
              f"throughput ≥ 25 % of the floor's — **{'met' if throughput else 'not met'}**; the reviewer's home "
              f"< 100 ms — **{'met' if reviewer else 'not met'}**."]
    return "\n".join(lines)


def _pg(province) -> str:
    engine = province.app.extensions["kaohe_engine"]
    with engine.connect() as conn:
        return str(conn.exec_driver_sql("SHOW server_version").scalar()).split()[0]


def _locust_version() -> str:
    from importlib.metadata import version

    return version("locust")


if __name__ == "__main__":
    raise SystemExit(main())
