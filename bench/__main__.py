"""Run every benchmark and write their markdown sections to docs/benchmarks.md.

    python -m bench            # all of them (several minutes on 2 cores)
    python -m bench scoring    # only those whose file name contains "scoring"

Each bench/bench_*.py prints its own section; this collects them, with the machine they ran on.
"""
from __future__ import annotations

import datetime
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "benchmarks.md"


def main(argv: list[str]) -> int:
    wanted = argv[1:]
    scripts = sorted(p for p in (ROOT / "bench").glob("bench_*.py") if not wanted or any(w in p.name for w in wanted))
    sections = []
    for script in scripts:
        print(f"running {script.name} …", file=sys.stderr, flush=True)
        result = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True)
        if result.returncode != 0:
            print(result.stdout + result.stderr, file=sys.stderr)
            return result.returncode
        sections.append(result.stdout.strip())
    header = (
        "# Benchmarks\n\n"
        f"Written by `python -m bench` (`make bench`) on {datetime.date.today().isoformat()}: "
        f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}. "
        "Figures are wall-clock times of one run on a shared machine: compare ratios, not absolutes.\n"
    )
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(header + "\n" + "\n\n".join(sections) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
