"""Benchmark: kill a real task consumer (SIGKILL) mid-import and mid-outbox, start another, time the recovery.

    python bench/bench_recovery.py              # on SQLite
    DATABASE_URL=postgresql+psycopg2://… python bench/bench_recovery.py

Runs tests/portal/jobs/test_consumer_crash.py (the same scenario the suite checks) with KAOHE_BENCH_OUT set,
and prints a markdown section (for docs/benchmarks.md).
"""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "figures.json"
        result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                 "tests/portal/jobs/test_consumer_crash.py"], cwd=ROOT,
                                env={**os.environ, "KAOHE_BENCH_OUT": str(out)}, capture_output=True, text=True)
        if result.returncode != 0:
            print(result.stdout + result.stderr, file=sys.stderr)
            return result.returncode
        figures = json.loads(out.read_text())
    imp, mail = figures["import"], figures["outbox"]
    print(f"""## Crash recovery of the task consumer (`bench/bench_recovery.py`)

Python {platform.python_version()}, {os.cpu_count()} CPUs, {imp['database']}, a SQLite task queue, the consumer
`flask --app portal worker -w 2` as a separate process killed with SIGKILL, then a new one started.

| scenario | killed when | after the kill | recovery (new consumer started → done) | outcome |
|---|---|---|---:|---|
| ledger import, {imp['rows']:,} rows (.xlsx) | every row checked, the rows being written in one transaction | 0 rows, no submission, the upload still claimed by the dead process | {imp['recover_seconds']} s | accepted once: {imp['rows']:,} rows, 1 submission, attempt 2 |
| mail outbox, {mail['mails']} mails (SMTP server on loopback taking 0.25 s per recipient) | {mail['sent_before_kill']} mails sent | the dead run's claims on the rest | {mail['recover_seconds']} s | every mail delivered, {mail['duplicates']} sent twice, each with its own Message-ID |

The new consumer frees the claims of a process of its own host that no longer runs as soon as it starts
(another host's wait for the lease: `LEDGER_IMPORT_LEASE_SECONDS`, `MAIL_CLAIM_SECONDS`); the recovery time is
then the consumer's start-up plus a whole import of the file.""")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
