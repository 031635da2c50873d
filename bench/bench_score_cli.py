"""Benchmark `flask score` over 1,000 facts files in one call (issue #15: under 5 s), one run per scheme.

    python bench/bench_score_cli.py [--files 1000] [--seed 7] [--schemes qianxi-2022,ningming-2024-lot2]

Writes the facts files (seeded, from each scheme's fact declarations, as bench_scoring.py does, with every
tenth file missing one fact so that incomplete sheets are part of the load) into a temporary directory,
then times the whole command as a user runs it: `python -m flask --app portal score ID FILE…` in a fresh
process, start-up included. Prints a markdown section for docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_scoring import random_facts  # noqa: E402

from rules.schemes import load_scheme, scheme_ids  # noqa: E402

LIMIT = 5.0


def _json_ready(value):
    from decimal import Decimal

    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    return value


def write_files(scheme_id: str, n: int, seed: int, directory: Path) -> list[str]:
    scheme = load_scheme(scheme_id)
    rng = random.Random(seed)
    paths = []
    for i in range(n):
        facts = random_facts(scheme, rng)
        if i % 10 == 9:
            facts.pop(sorted(facts)[i % len(facts)])
        path = directory / f"{scheme_id}-{i:04d}.json"
        path.write_text(json.dumps(_json_ready(facts), ensure_ascii=False), encoding="utf-8")
        paths.append(str(path))
    return paths


def _env(pycache: Path) -> dict[str, str]:
    """As installed: bytecode cached (PYTHONDONTWRITEBYTECODE, set on some CI machines, would recompile every
    module at each start), here in a prefix of its own so that the source tree stays clean."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONPYCACHEPREFIX": str(pycache)}
    env.pop("DATABASE_URL", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _timed(command: list[str], env: dict[str, str]) -> tuple[subprocess.CompletedProcess, float, float]:
    """The command's wall time and its CPU time (user + system of the process and its workers)."""
    before = os.times()
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = os.times()
    return result, wall, (after.children_user - before.children_user) + (after.children_system - before.children_system)


def run(scheme_id: str, paths: list[str], env: dict[str, str], jobs: int) -> dict:
    flask = [sys.executable, "-m", "flask", "--app", "portal"]
    result, wall, cpu = _timed(flask + ["score", scheme_id, *paths, "--jobs", str(jobs)], env)
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    startup, startup_wall, startup_cpu = _timed(flask + ["score", "--help"], env)
    assert startup.returncode == 0, startup.stderr
    return {"scheme": scheme_id, "jobs": jobs, "files": len(paths), "rc": result.returncode, "rows": len(rows),
            "complete": sum(bool(r.get("complete")) for r in rows), "errors": sum("error" in r for r in rows),
            "elapsed": wall, "cpu": cpu, "startup": startup_wall, "startup_cpu": startup_cpu,
            "bytes": len(result.stdout.encode()), "stderr": result.stderr[-2000:]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--schemes", default=",".join(s for s in scheme_ids() if not load_scheme(s).has_rank_items))
    args = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory(prefix="kaohe-score-") as tmp:
        directory = Path(tmp)
        env = _env(directory / "pycache")
        subprocess.run([sys.executable, "-m", "flask", "--app", "portal", "score", "--help"], cwd=ROOT, env=env,
                       capture_output=True, check=True)  # warm the bytecode cache, as an installed portal has it
        for scheme_id in args.schemes.split(","):
            paths = write_files(scheme_id, args.files, args.seed, directory)
            for jobs in (1, 2):
                results.append(run(scheme_id, paths, env, jobs))
    load = os.getloadavg()
    print("## `flask score` over 1,000 facts files in one call (`bench/bench_score_cli.py`)\n")
    print(f"Machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}; seed {args.seed}; "
          f"load average at the end {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (1/5/15 min). Each run is one fresh "
          "process, `python -m flask --app portal score ID FILE… --jobs N` with the files on the command line, printing "
          "one JSON line per file (lines included), bytecode cached as in an installation; start-up is included. Every "
          f"tenth file lacks one fact (an incomplete sheet, `\"total\": null`). Target: under {LIMIT:.0f} s. CPU is user + "
          "system time of the process and its workers: on a loaded machine the wall time grows, the CPU time does not.\n")
    print("| scheme | jobs | files | wall time | CPU time | start-up alone (`score --help`): wall / CPU | "
          "CPU per file after start-up | JSON out | complete / errors |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in results:
        per = (r["cpu"] - r["startup_cpu"]) / r["files"] * 1000
        print(f"| {r['scheme']} | {r['jobs']} | {r['files']:,} | **{r['elapsed']:.2f} s** | {r['cpu']:.2f} s | "
              f"{r['startup']:.2f} s / {r['startup_cpu']:.2f} s | {per:.2f} ms | {r['bytes'] / 1e6:.1f} MB | "
              f"{r['complete']:,} / {r['errors']} |")
    for jobs in (1, 2):
        worst = max((r for r in results if r["jobs"] == jobs), key=lambda r: r["elapsed"])
        print(f"\nSlowest with {jobs} job{'s' if jobs > 1 else ''}: {worst['scheme']} in {worst['elapsed']:.2f} s wall, "
              f"{worst['cpu']:.2f} s CPU — {'under' if worst['elapsed'] < LIMIT else 'OVER'} the {LIMIT:.0f} s target.")
    bad = [r for r in results if r["rc"] not in (0,) or r["rows"] != r["files"]]
    for r in bad:
        print(f"\n{r['scheme']}: exit code {r['rc']}, {r['rows']} rows\n{r['stderr']}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
