"""Benchmark: peak memory added by reading hostile workbooks through the ledger import (the same code
the server runs for ledgers and station-application rosters), each in a fresh process.

    python bench/bench_upload_memory.py

Prints a markdown section (for docs/benchmarks.md and docs/security.md). The bar: no hostile file adds
more than 100 MB to the process that reads it; each is refused before python-calamine parses it.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

LIMIT_MB = 100

# The child reads the file from disk (the parent built it), so that its peak memory before the import is the
# file's bytes and the interpreter, never the building of the file.
_CHILD = r"""
import json, re, sys
sys.path.insert(0, {root!r})
from portal.ledgers.excel import read_ledger
def peak_kb():  # VmHWM: this process's own high-water mark (ru_maxrss would carry the parent's across exec)
    return int(re.search(r"VmHWM:\s+(\d+)", open("/proc/self/status").read()).group(1))
data = open({path!r}, "rb").read()
import gc; gc.collect()
before = peak_kb()
result = read_ledger(data, "台账.xlsx", "delivered_workers")
after = peak_kb()
print(json.dumps({{"bytes": len(data), "added_mb": (after - before) / 1024, "refused": result.refused,
                  "rows": len(result.rows), "code": result.errors[0].code if result.errors else "",
                  "problem": result.errors[0].problem if result.errors else ""}}))
"""


def measure(name: str) -> dict:
    import tempfile

    from bench import hostile_workbooks as h

    build = h.HOSTILE.get(name) or getattr(h, name)
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as f:
        f.write(build())
        f.flush()
        out = subprocess.run([sys.executable, "-c", _CHILD.format(root=ROOT, path=f.name)], capture_output=True,
                             text=True, cwd=ROOT, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    from bench.hostile_workbooks import HOSTILE

    names = list(HOSTILE) + ["empty_formatted_last_row", "largest_legitimate"]
    lines = ["## Upload memory: hostile workbooks", "",
             "`python bench/bench_upload_memory.py`: each file read by `read_ledger` (ledgers and rosters alike) in a "
             f"fresh process; *added* is the growth of the process's peak resident memory. Bar: ≤ {LIMIT_MB} MB.", "",
             "| file | size | added | outcome |", "|---|---:|---:|---|"]
    worst = 0.0
    for name in names:
        m = measure(name)
        outcome = f"refused ({m['code']})" if m["refused"] else (f"read: {m['rows']} rows" if not m["code"]
                                                                   else f"read, {m['code']}")
        worst = max(worst, m["added_mb"]) if name in HOSTILE else worst
        lines.append(f"| {name} | {m['bytes'] / 1024:,.0f} KB | {m['added_mb']:.1f} MB | {outcome} |")
    lines += ["", "`empty_formatted_last_row` and `largest_legitimate` are not hostile: the first must be read (Excel "
              "writes formatted empty rows), the second shows what the largest ledger the row limit admits costs "
              "(bounded by how many imports run at once, not by this bar).",
              "", f"Worst hostile file: {worst:.1f} MB added ({'within' if worst <= LIMIT_MB else 'OVER'} the "
              f"{LIMIT_MB} MB bar)."]
    print("\n".join(lines))
    return 0 if worst <= LIMIT_MB else 1


if __name__ == "__main__":
    sys.exit(main())
