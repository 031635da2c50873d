"""Benchmark: the province sweep (issue #16) on the province data of `flask --app portal demo --scale N`.

    .ci/with-postgres python bench/bench_sweep.py              # 100 bureaus × 20 = 2,000 contracts
    python -m bench sweep                                        # the same through the collector
    python bench/bench_sweep.py --bureaus 10 --per-bureau 20     # smaller; on SQLite without DATABASE_URL

Builds the data into an empty database (DATABASE_URL, else a temporary SQLite file; a database that already
holds contracts is refused), then runs compliance.sweep() three times as the nightly task does: right after
the build, again with nothing changed (every statement is counted: it must update no violation, and the
violation table must read the same before and after), and after one late report came in (the change must be
seen). Prints a markdown section (for docs/benchmarks.md).
"""
from __future__ import annotations

import argparse
import hashlib
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402


class Statements:
    """Every statement the engine runs, by verb, with the UPDATEs of the violation table apart."""

    def __init__(self, engine):
        self.engine, self.counts = engine, {}
        sa.event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, parameters, context, executemany):
        verb = statement.lstrip().split(None, 1)[0].upper()
        if verb == "UPDATE" and statement.lstrip()[6:].lstrip().startswith("violation"):
            verb = "UPDATE violation"
        self.counts[verb] = self.counts.get(verb, 0) + 1

    def take(self) -> dict:
        counts, self.counts = self.counts, {}
        return counts


def _violations_digest(session) -> tuple[int, str]:
    from portal.violations.models import Violation

    digest, count = hashlib.sha256(), 0
    for row in session.execute(sa.select(Violation.__table__).order_by(Violation.__table__.c.id)):
        digest.update(repr(tuple(row)).encode())
        count += 1
    return count, digest.hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bureaus", type=int, default=100)
    parser.add_argument("--per-bureau", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    from portal import create_app
    from portal.cli import upgrade_database

    tmp = tempfile.TemporaryDirectory()
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp.name}/bench.sqlite3"
    upgrade_database(url)
    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": url, "TASKS_IMMEDIATE": True,
                      "EVIDENCE_DIR": f"{tmp.name}/evidence", "EXPORT_CACHE_DIR": f"{tmp.name}/exports"})
    engine = app.extensions["kaohe_engine"]
    with engine.connect() as conn:
        if conn.execute(sa.text("SELECT count(*) FROM contract")).scalar():
            print("the database already holds contracts: give an empty one (e.g. under .ci/with-postgres)",
                  file=sys.stderr)
            return 2
    database = f"PostgreSQL {engine.dialect.server_version_info[0]}" if engine.dialect.name == "postgresql" \
        else "SQLite"

    from portal.compliance.services import sweep
    from portal.db import get_session, utcnow
    from portal.demo import load_province

    statements = Statements(engine)
    runs = []
    with app.app_context():
        started = time.perf_counter()
        built = load_province(args.bureaus, args.per_bureau, args.seed,
                              progress=lambda m: print(m, file=sys.stderr, flush=True))
        build_seconds = time.perf_counter() - started
        session = get_session()
        session.commit()
        statements.take()

        def run(label: str) -> dict:
            session.expire_all()
            before = _violations_digest(session)
            statements.take()
            started = time.perf_counter()
            result = sweep(utcnow())
            seconds = time.perf_counter() - started
            counts = statements.take()
            after = _violations_digest(session)
            statements.take()
            row = dict(label=label, seconds=seconds, result=result, counts=counts, unchanged=before == after,
                       violations=after[0])
            print(f"{label}: {seconds:.1f} s, {result}, {counts}", file=sys.stderr, flush=True)
            runs.append(row)
            return row

        from portal.violations.models import Violation

        statuses = dict(session.execute(sa.select(Violation.status, sa.func.count()).group_by(Violation.status)).all())
        run("right after the build")
        run("again, nothing changed")
        # One change: a report the rules found missing comes in, late; the sweep must see it.
        from portal.contracts.models import Contract
        from portal.reporting.models import Submission
        from portal.reporting.services import entries
        from portal.auth.models import User

        contract, entry = next((c, e) for c in session.exec(sa.select(Contract).order_by(Contract.id)).scalars()
                               for e in entries(c) if e.status == "missing" and e.obligation.spec.kind == "report")
        operator = session.execute(sa.select(User).where(User.operator_id == contract.operator_id)).scalars().first()
        session.add(Submission(contract_id=contract.id, bureau_id=contract.bureau_id, operator_id=contract.operator_id,
                               obligation_key=entry.obligation.spec.key, period_key=entry.obligation.period.key,
                               due_at=entry.obligation.due_at, submitted_by_id=operator.id,
                               narrative="补报（基准测试）"))
        session.commit()
        changed = run(f"after one late report ({contract.number} {entry.obligation.key})")

    rows = built.rows
    steps = ", ".join(f"{step} {seconds:.1f} s" for step, seconds in built.seconds.items())
    load = os.getloadavg()
    print(f"""## Province sweep (`bench/bench_sweep.py`)

`python -m bench sweep`{" under `.ci/with-postgres`" if database.startswith("PostgreSQL") else ""} — {database}, Python {platform.python_version()}, \
{os.cpu_count()} cores shared with other processes (load average at the end {load[0]:.2f} / {load[1]:.2f} / \
{load[2]:.2f}): one run, figures are noisy.

**Province data** (`flask --app portal demo --scale {args.bureaus} --per-bureau {args.per_bureau}`): \
{built.bureaus} bureaus, {built.contracts:,} contracts over the six schemes, built in **{build_seconds:.0f} s** \
({steps}).

| table | rows |
|---|---:|
""" + "\n".join(f"| {table} | {n:,} |" for table, n in sorted(rows.items())) + f"""

Violations after the build: """ + ", ".join(f"{status} {n:,}" for status, n in sorted(statuses.items())) + f""" \
(what rules.compliance finds in the data; rectified: found at an earlier moment, no longer). Sheets approved and \
frozen for the ended cycles of the 凭祥/宁明 schemes (the annual cycles of the others have not ended), \
publications through `publication.publish()`.

**Sweep** (`compliance.sweep()`: every running contract's rules as of now, the findings stored, reminders). \
Before the batching (the same bench on commit 2cf9eec, 2026-12-05, the machine as loaded): 54–101 s, \
23,363 statements (≈ 11.7 queries per contract), 0 violations updated with nothing changed.

| run | wall time | per contract | statements | UPDATE violation | new / updated / rectified / reminders \
| violation table |
|---|---:|---:|---:|---:|---|---|
""" + "\n".join(
        f"| {r['label']} | {r['seconds']:.1f} s | {1000 * r['seconds'] / max(r['result'].contracts, 1):.1f} ms | "
        f"{sum(r['counts'].values()):,} | {r['counts'].get('UPDATE violation', 0)} | {r['result'].new} / "
        f"{r['result'].updated} / {r['result'].rectified} / {r['result'].reminders} | "
        f"{'unchanged' if r['unchanged'] else 'changed'} |" for r in runs) + f"""

- goal: ≤ 20 s for 2,000 contracts on 2 cores — **{'met' if runs[1]['seconds'] <= 20 else 'not met'}** \
({runs[1]['seconds']:.1f} s with nothing changed); violations untouched when nothing changed: \
**{'yes' if runs[1]['unchanged'] and not runs[1]['counts'].get('UPDATE violation') else 'no'}**
- the change is seen: {changed['result'].new} new, {changed['result'].updated} updated, \
{changed['result'].rectified} rectified after one late report""")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
