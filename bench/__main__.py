"""Run every benchmark and write their markdown sections to docs/benchmarks.md.

    python -m bench            # all of them (several minutes on 2 cores)
    python -m bench scoring    # only those whose file name contains "scoring" (their sections replaced,
                               # the other sections of docs/benchmarks.md kept)

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


def merge(document: str, new: list[str]) -> list[str]:
    """The document's `## ` sections with each new section in place of the one of the same heading (or
    added at the end)."""
    parts = document.split("\n## ")
    old = ["## " + part.strip() for part in parts[1:]]
    heading = lambda section: section.splitlines()[0].strip()  # noqa: E731
    replaced = {heading(section): section for section in new}
    out = [replaced.pop(heading(section), section) for section in old]
    return out + [section for section in new if heading(section) in replaced]


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
    if wanted and OUT.exists():  # a subset: its sections replace theirs (same heading), the others and the
        document = OUT.read_text(encoding="utf-8")  # header (the date of the full run) stay
        header = document.split("\n## ")[0].rstrip("\n") + "\n"
        sections = merge(document, sections)
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(header + "\n" + "\n\n".join(sections) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
