"""Benchmark: peak memory added by importing hostile and large legitimate workbooks through the ledger import
(the same reading the server runs for ledgers and station-application rosters), each in a fresh process.

    python bench/bench_upload_memory.py

Prints a markdown section (for docs/benchmarks.md and docs/security.md). The bar: no file, hostile or not,
adds more than 100 MB to the process that checks and imports it. Each file goes through what the importer
(portal/ledgers/services.import_upload) does: the check keeping no rows (`read_ledger(keep_rows=False)`,
duplicates across uploads asked a batch at a time), then, for an accepted file, the second reading
(`accepted_rows`) into `services.insert_rows`, 2,000 rows a statement; here the statements are built and
dropped instead of sent to a database, whose own memory is not this process's.
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
import json, re, sys, types
sys.path.insert(0, {root!r})
from portal.ledgers import services
from portal.ledgers.excel import accepted_rows, read_ledger
from portal.ledgers.ledger_types import get_ledger_type
def peak_kb():  # VmHWM: this process's own high-water mark (ru_maxrss would carry the parent's across exec)
    return int(re.search(r"VmHWM:\s+(\d+)", open("/proc/self/status").read()).group(1))
class Discard:  # a session whose statements go nowhere: the batches are built, then dropped
    batches = 0
    def execute(self, statement, rows):
        Discard.batches += 1
ledger = get_ledger_type("delivered_workers")
name = {filename!r}
data = open({path!r}, "rb").read()
import gc; gc.collect()
before = peak_kb()
result = read_ledger(data, name, ledger, lambda keys: [], keep_rows=False)
stored = 0
if result.ok:
    upload = types.SimpleNamespace(id=1, contract_id=1, bureau_id=1, operator_id=1, ledger_type=ledger.key)
    stored = services.insert_rows(Discard(), upload, ledger, accepted_rows(data, name, ledger))
after = peak_kb()
print(json.dumps({{"bytes": len(data), "added_mb": (after - before) / 1024, "refused": result.refused,
                  "rows": result.total_rows, "stored": stored, "batches": Discard.batches,
                  "code": result.errors[0].code if result.errors else "",
                  "problem": result.errors[0].problem if result.errors else ""}}))
"""


def measure(name: str) -> dict:
    import tempfile

    from bench import hostile_workbooks as h

    build = h.HOSTILE.get(name) or h.LEGITIMATE.get(name) or getattr(h, name)
    filename = "台账.csv" if name.endswith("_csv") else "台账.xls" if "xls_" in name or name.endswith("_xls") else "台账.xlsx"
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as f:
        f.write(build())
        f.flush()
        out = subprocess.run([sys.executable, "-c", _CHILD.format(root=ROOT, path=f.name, filename=filename)],
                             capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    from bench.hostile_workbooks import HOSTILE, LEGITIMATE

    names = list(HOSTILE) + ["empty_formatted_last_row"] + list(LEGITIMATE)
    lines = ["## Upload memory: hostile and large workbooks", "",
             "`python bench/bench_upload_memory.py`: each file checked and imported as the importer does it (check "
             "keeping no rows, then the accepted file read again and inserted 2,000 rows a statement, the "
             "statements dropped instead of sent) in a fresh process; *added* is the growth of the process's peak "
             f"resident memory. Bar: ≤ {LIMIT_MB} MB for every file.", "",
             "| file | size | added | outcome |", "|---|---:|---:|---|"]
    worst = 0.0
    for name in names:
        m = measure(name)
        if m["refused"]:
            outcome = f"refused ({m['code']})"
        elif m["code"]:
            outcome = f"read, {m['code']}"
        else:
            outcome = f"accepted: {m['rows']:,} rows, {m['stored']:,} inserted in {m['batches']} batches"
        worst = max(worst, m["added_mb"])
        lines.append(f"| {name} | {m['bytes'] / 1024:,.0f} KB | {m['added_mb']:.1f} MB | {outcome} |")
    lines += ["", "`empty_formatted_last_row` is not hostile (Excel writes formatted empty rows) and must be read; the "
              "`legitimate_*` files are valid ledgers near the 200,000-row limit (distinct resident IDs), "
              "accepted and stored; an .xls (read whole by python-calamine) is bounded to "
              "300,000 cells and refused beyond with a request to save it as .xlsx.",
              "", f"Worst file: {worst:.1f} MB added ({'within' if worst <= LIMIT_MB else 'OVER'} the {LIMIT_MB} MB bar)."]
    print("\n".join(lines))
    return 0 if worst <= LIMIT_MB else 1


if __name__ == "__main__":
    sys.exit(main())
