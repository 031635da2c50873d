"""Benchmark the scoring engine: 2,000 contracts × 12 cycles, and a 2,000-participant 吴江 cohort.

    python bench/bench_scoring.py [--contracts 2000] [--cycles 12] [--cohort 2000] [--seed 7] [--reference 6baacc5]
                                  [--before 2cf9eec]

Facts are generated from each scheme's own fact declarations (kinds, ranges, examples), seeded, so
runs are repeatable. Prints a markdown section for docs/benchmarks.md.

Every sheet of the timed run (and of the cohort) is then compared field by field with the sheet the engine of
the reference commit (main's rules/, taken with `git archive` into a temporary directory and run in a
process of its own) makes of the same facts; if any field of any sheet differs, no figure is printed and the
script fails. `--reference none` skips the comparison (and says so in the section).

The engine as issue 16 found it (`--before`, commit 2cf9eec) scores the same sheets in a process of its own in the
same run: the issue measured it at 10.1 s and asked for 2 s, a ratio (5.05) that holds on a slower or faster
machine, where an absolute figure does not.
"""
from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import pickle
import platform
import random
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# the reference run (see reference_digests) imports rules/ from a copy of the reference commit instead
sys.path.insert(0, os.environ.get("BENCH_SCORING_RULES_ROOT") or str(ROOT))

from rules.schemes import all_schemes, load_scheme  # noqa: E402
from rules.scoring import render_sheet, score, score_cohort, sheet_to_dict  # noqa: E402


def _number(rng: random.Random, spec) -> Decimal:
    lo = spec.min if spec.min is not None else Decimal(0)
    hi = spec.max if spec.max is not None else (Decimal(100) if spec.kind == "percent"
                                                  else max(Decimal(spec.example) * 2, Decimal(10)))
    cents = rng.randint(int(lo * 100), int(hi * 100))
    return Decimal(cents) / 100


def _judgement(rng: random.Random, spec) -> dict:
    steps = int((spec.max - spec.min) * 2)
    return {"value": spec.min + Decimal(rng.randint(0, steps)) / 2, "reason": "基准测试评审意见"}


def random_facts(scheme, rng: random.Random) -> dict:
    facts = {}
    for key, spec in scheme.facts.items():
        kind, example = spec.kind, spec.example
        if kind == "bool":
            facts[key] = example if rng.random() < 0.97 else not example
        elif kind == "choice":
            facts[key] = example if rng.random() < 0.95 else rng.choice(spec.choices)
        elif kind == "count":
            hi = int(spec.max) if spec.max is not None else max(int(example) * 2, 10)
            facts[key] = rng.randint(int(spec.min or 0), hi)
        elif kind in ("number", "percent"):
            facts[key] = _number(rng, spec)
        elif kind == "count_list":
            facts[key] = [rng.choice((0, 0, 0, 1, 2, 6)) for _ in range(rng.randint(0, 4))]
        elif kind == "judgement":
            facts[key] = _judgement(rng, spec)
        elif kind == "judgement_list":
            facts[key] = [_judgement(rng, spec) for _ in range(rng.choice((0, 0, 1, 2)))]
    for key, spec in scheme.facts.items():  # keep declared consistency (stable ≤ arrivals, …)
        if spec.not_above and facts[key] > facts[spec.not_above]:
            facts[key] = facts[spec.not_above]
    return facts


def contract_work(n_contracts: int, n_cycles: int, seed: int) -> list:
    """(scheme, facts) of every contract's every cycle, the schemes taken in turn (those without rank items)."""
    schemes = [s for s in all_schemes() if not s.has_rank_items]
    rng = random.Random(seed)
    work = []
    for c in range(n_contracts):
        scheme = schemes[c % len(schemes)]
        for _ in range(n_cycles):
            work.append((scheme, random_facts(scheme, rng)))
    return work


def bench_contracts(n_contracts: int, n_cycles: int, seed: int):
    work = contract_work(n_contracts, n_cycles, seed)
    schemes = list({scheme.id: scheme for scheme, _facts in work}.values())
    per_sheet = []
    cpu_start = time.process_time()
    start = time.perf_counter()
    passed = 0
    for scheme, facts in work:
        t0 = time.perf_counter()
        sheet = score(scheme, facts)
        per_sheet.append(time.perf_counter() - t0)
        passed += bool(sheet.passed)
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    # the same sheets again in the same process: every scheme planned, its repeated lines remembered
    cpu_start = time.process_time()
    start = time.perf_counter()
    again = sum(bool(score(scheme, facts).passed) for scheme, facts in work)
    elapsed_again = time.perf_counter() - start
    cpu_again = time.process_time() - cpu_start
    assert again == passed
    # and once more, every sheet's lines read (worked out in full, every figure checked against them): what a
    # reader of each sheet costs, the engine's words included
    cpu_start = time.process_time()
    start = time.perf_counter()
    read = 0
    for scheme, facts in work:
        read += len(score(scheme, facts).lines)
    elapsed_read = time.perf_counter() - start
    cpu_read = time.process_time() - cpu_start
    # rendering, measured on a sample
    sample = work[:: max(len(work) // 500, 1)]
    t0 = time.perf_counter()
    for scheme, facts in sample:
        sheet = score(scheme, facts)
        sheet_to_dict(sheet)
        render_sheet(sheet)
    render_each = (time.perf_counter() - t0) / len(sample)
    return {
        "schemes": [s.id for s in schemes], "sheets": len(work), "elapsed": elapsed, "passed": passed,
        "cpu": cpu, "elapsed_again": elapsed_again, "cpu_again": cpu_again, "elapsed_read": elapsed_read,
        "cpu_read": cpu_read, "lines_read": read, "facts_digest": facts_digest(work),
        "median": statistics.median(per_sheet), "p95": sorted(per_sheet)[int(len(per_sheet) * 0.95)],
        "max": max(per_sheet), "render_each": render_each, "work": work,
    }


def facts_digest(work) -> str:
    """The generated facts, as one digest: the engine before (timed_before) must have scored the same ones."""
    h = hashlib.blake2b(digest_size=8)
    for scheme, facts in work:
        h.update(f"{scheme.id}{sorted(facts.items())!r}".encode())
    return h.hexdigest()


def time_only(args) -> dict:
    """The timed run alone (a fresh process, score() and the result read), for the engine of another commit."""
    work = contract_work(args.contracts, args.cycles, args.seed)
    cpu_start = time.process_time()
    start = time.perf_counter()
    passed = sum(bool(score(scheme, facts).passed) for scheme, facts in work)
    return {"elapsed": time.perf_counter() - start, "cpu": time.process_time() - cpu_start, "passed": passed,
            "facts_digest": facts_digest(work)}


def timed_before(commit: str, args) -> dict:
    """time_only() with rules/ of `commit` (git archive), in a process of its own."""
    with tempfile.TemporaryDirectory(prefix="bench-scoring-before-") as tmp:
        rules_of(commit, tmp)
        out = Path(tmp) / "time.json"
        subprocess.run([sys.executable, __file__, "--contracts", str(args.contracts), "--cycles", str(args.cycles),
                        "--seed", str(args.seed), "--time-only", str(out)], cwd=tmp, check=True,
                       env={**os.environ, "BENCH_SCORING_RULES_ROOT": tmp})
        return json.loads(out.read_text())


def bench_cohort(n: int, seed: int):
    scheme = load_scheme("wujiang-2022")
    rng = random.Random(seed + 1)
    cohort = {f"operator-{i:05d}": random_facts(scheme, rng) for i in range(n)}
    t0 = time.perf_counter()
    result = score_cohort(scheme, cohort)
    elapsed = time.perf_counter() - t0
    grades = {}
    for sheet in result.sheets.values():
        grades[sheet.grade] = grades.get(sheet.grade, 0) + 1
    return {"participants": n, "elapsed": elapsed, "grades": grades, "complete": result.complete,
            "sheets_made": [result.sheets[who] for who in cohort]}


def fresh_digests(args) -> list[dict[str, bytes]]:
    """In a fresh process (as the timed run is): every contract sheet scored in the timed run's order and
    digested at once (sheets are not kept: a heap of 24,000 sheets would slow the collector and the timing),
    then the cohort's."""
    schemes = [s for s in all_schemes() if not s.has_rank_items]
    rng = random.Random(args.seed)
    out = []
    for c in range(args.contracts):
        scheme = schemes[c % len(schemes)]
        for _ in range(args.cycles):
            out.append(sheet_digest(score(scheme, random_facts(scheme, rng))))
    return out + [sheet_digest(s) for s in bench_cohort(args.cohort, args.seed)["sheets_made"]]


# -- the same sheets from the reference engine, field by field ---------------------------------------------


def _canon(value) -> str:
    """A value as exact text: Decimals with their exponent (1.5 ≠ 1.50), types told apart (1 ≠ True ≠ "1"),
    dicts in their order, dataclasses field by field (private fields, such as a sheet's scheme, left out)."""
    cls = value.__class__
    if cls is Decimal:
        return f"D{value}"
    if cls in (str, int, bool, float) or value is None:
        return repr(value)
    if cls is list or cls is tuple:
        return ("[" if cls is list else "(") + ",".join(_canon(v) for v in value) + ("]" if cls is list else ")")
    if cls is dict:
        return "{" + ",".join(f"{_canon(k)}:{_canon(v)}" for k, v in value.items()) + "}"
    if dataclasses.is_dataclass(value):
        return cls.__name__ + "(" + ",".join(f"{f.name}={_canon(getattr(value, f.name))}"
                                             for f in dataclasses.fields(value) if not f.name.startswith("_")) + ")"
    return f"{cls.__name__}<{value!r}>"


def sheet_digest(sheet) -> dict[str, bytes]:
    """field name → a digest of the field's exact value (a sheet's lines one by one)."""
    out = {}
    for f in dataclasses.fields(sheet):
        if f.name.startswith("_"):
            continue
        value = getattr(sheet, f.name)
        if f.name == "lines":
            for i, line in enumerate(value):
                for g in dataclasses.fields(line):
                    out[f"lines[{i}] {line.path} .{g.name}"] = hashlib.blake2b(
                        _canon(getattr(line, g.name)).encode(), digest_size=16).digest()
            out["lines (count)"] = str(len(value)).encode()
        else:
            out[f.name] = hashlib.blake2b(_canon(value).encode(), digest_size=16).digest()
    return out


def digests_from(root: str, args) -> list[dict[str, bytes]]:
    """fresh_digests() run in a process of its own with rules/ imported from `root`."""
    with tempfile.TemporaryDirectory(prefix="bench-scoring-digests-") as tmp:
        out = Path(tmp) / "digests.pickle"
        subprocess.run([sys.executable, __file__, "--contracts", str(args.contracts), "--cycles", str(args.cycles),
                        "--cohort", str(args.cohort), "--seed", str(args.seed), "--dump-digests", str(out)],
                       cwd=tmp, check=True, env={**os.environ, "BENCH_SCORING_RULES_ROOT": root})
        return pickle.loads(out.read_bytes())


def reference_digests(commit: str, args) -> list[dict[str, bytes]]:
    """The digests of every sheet (contracts, then cohort) as the engine of `commit` makes them."""
    with tempfile.TemporaryDirectory(prefix="bench-scoring-ref-") as tmp:
        rules_of(commit, tmp)
        return digests_from(tmp, args)


def rules_of(commit: str, into: str) -> None:
    """rules/ as it is in `commit`, written under the directory `into` (git archive)."""
    archive = subprocess.run(["git", "archive", "--format=tar", commit, "rules"], cwd=ROOT, check=True,
                             capture_output=True).stdout
    tar_path = Path(into) / "rules.tar"
    tar_path.write_bytes(archive)
    with tarfile.open(tar_path) as tar:
        tar.extractall(into, filter="data")


def compare(ours: list, theirs: list[dict[str, bytes]]) -> list[str]:
    """Each difference as a sentence (at most 20)."""
    problems = []
    if len(ours) != len(theirs):
        problems.append(f"{len(ours)} sheets here, {len(theirs)} in the reference run")
    for n, (mine, ref) in enumerate(zip(ours, theirs)):
        if mine != ref:
            fields = sorted({k for k in mine.keys() | ref.keys() if mine.get(k) != ref.get(k)})
            problems.append(f"sheet {n}: differs in {', '.join(fields[:8])}")
            if len(problems) >= 20:
                break
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=2000)
    parser.add_argument("--cycles", type=int, default=12)
    parser.add_argument("--cohort", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reference", default="6baacc5",
                        help="the commit whose engine every sheet is compared with (main); 'none' to skip")
    parser.add_argument("--before", default="2cf9eec",
                        help="the engine as issue 16 found it, timed on the same sheets in the same run; "
                             "'none' to skip")
    parser.add_argument("--dump-digests", help=argparse.SUPPRESS)  # the reference run's own mode
    parser.add_argument("--time-only", help=argparse.SUPPRESS)  # the engine before's own mode
    args = parser.parse_args(argv)

    if args.dump_digests:
        Path(args.dump_digests).write_bytes(pickle.dumps(fresh_digests(args)))
        return 0
    if args.time_only:
        Path(args.time_only).write_text(json.dumps(time_only(args)))
        return 0
    c = bench_contracts(args.contracts, args.cycles, args.seed)
    before = timed_before(args.before, args) if args.before != "none" else None
    k = bench_cohort(args.cohort, args.seed)
    work = c.pop("work")
    k.pop("sheets_made")
    if args.reference != "none":
        reference = reference_digests(args.reference, args)
        ours = digests_from(str(ROOT), args)  # the same sheets from this engine, fresh as in the timed run
        # and once more in this process, where every scheme is planned and its lines remembered
        again = [sheet_digest(score(scheme, facts)) for scheme, facts in work]
        problems = compare(ours, reference) + compare(again, reference[:len(again)])
        if problems:
            print(f"NOT THE SAME FIGURES as the engine of {args.reference}; no figure printed:", file=sys.stderr)
            for problem in problems:
                print("  " + problem, file=sys.stderr)
            return 1
    checked = (f"Every one of the {c['sheets'] + k['participants']:,} sheets ({c['sheets']:,} contract sheets, scored "
               f"afresh in a process of its own as in the first run, and {k['participants']:,} cohort sheets), and the "
               f"{c['sheets']:,} contract sheets once more in this process, were compared field by field, line by line, "
               f"with the sheets the engine of commit {args.reference} (main) makes of the same facts: all identical."
               if args.reference != "none" else "Not compared with another engine (--reference none).")
    ms = 1000
    print("## Scoring engine (`bench/bench_scoring.py`)\n")
    print(f"Machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()} "
          f"({platform.python_implementation()}), one process, one thread. Seed {args.seed}.\n")
    print("| run | size | wall time | throughput | per item |")
    print("|---|---|---|---|---|")
    print(f"| contracts × cycles, `score()` | {args.contracts:,} × {args.cycles} = {c['sheets']:,} sheets "
          f"({len(c['schemes'])} schemes: {', '.join(c['schemes'])}) | {c['elapsed']:.2f} s | "
          f"{c['sheets'] / c['elapsed']:,.0f} sheets/s | median {c['median'] * ms:.3f} ms, "
          f"p95 {c['p95'] * ms:.3f} ms, max {c['max'] * ms:.2f} ms |")
    print(f"| the same sheets again, same process (`score()`) | {c['sheets']:,} sheets | {c['elapsed_again']:.2f} s | "
          f"{c['sheets'] / c['elapsed_again']:,.0f} sheets/s | {c['elapsed_again'] / c['sheets'] * ms:.3f} ms |")
    print(f"| the same sheets, every line read (`score().lines`: worked out in full and checked) | {c['sheets']:,} "
          f"sheets, {c['lines_read']:,} lines | {c['elapsed_read']:.2f} s | {c['sheets'] / c['elapsed_read']:,.0f} "
          f"sheets/s | {c['elapsed_read'] / c['sheets'] * ms:.3f} ms |")
    if before is not None:
        same = before["facts_digest"] == c["facts_digest"] and before["passed"] == c["passed"]
        print(f"| the engine as issue 16 found it (commit {args.before}), `score()`, a process of its own, this run | "
              f"{c['sheets']:,} sheets{'' if same else ' (NOT the same facts or results)'} | "
              f"{before['elapsed']:.2f} s | "
              f"{c['sheets'] / before['elapsed']:,.0f} sheets/s | {before['elapsed'] / c['sheets'] * ms:.3f} ms |")
    print(f"| score + `sheet_to_dict` + `render_sheet` (sample) | 1 sheet | — | "
          f"{1 / c['render_each']:,.0f} sheets/s | {c['render_each'] * ms:.3f} ms |")
    print(f"| 吴江 cohort, `score_cohort()` (ranks, relative points, grades) | {k['participants']:,} participants | "
          f"{k['elapsed']:.2f} s | {k['participants'] / k['elapsed']:,.0f} participants/s | "
          f"{k['elapsed'] / k['participants'] * ms:.3f} ms |")
    grades = ", ".join(f"{g}: {n}" for g, n in sorted(k["grades"].items(), key=lambda gn: str(gn[0])))
    print(f"\nContracts passed: {c['passed']:,} of {c['sheets']:,}. Cohort grades: {grades}. {checked}")
    if before is not None:
        # the issue measured that engine at 10.1 s and asked for ≤ 2 s: 5.05 times as fast, on any machine
        print(f"\nAgainst the engine as issue 16 found it, on the same machine in the same run: "
              f"{before['elapsed'] / c['elapsed']:.2f}× as fast by wall time, {before['cpu'] / c['cpu']:.2f}× by CPU "
              f"time ({before['cpu']:.2f} s → {c['cpu']:.2f} s); the issue's 10.1 s → 2 s asks for 5.05×. "
              f"Reading every line as well: {before['elapsed'] / c['elapsed_read']:.2f}× as fast by wall time.")
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    print(f"\nThe first run is a fresh process: each scheme is planned on its first sheet and a line is remembered "
          f"by the facts it reads as the run goes (`_Plan` and `_NodePlan` in rules/scoring/engine.py). "
          f"CPU time of the first run: {c['cpu']:.2f} s, of the second {c['cpu_again']:.2f} s."
          + (f" Machine load average at the end (1/5/15 min): {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} — "
             "other processes on the machine inflate wall times." if load else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
