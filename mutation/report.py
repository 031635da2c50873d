"""Sum mutmut's results per module and list every surviving mutant with its diff (docs/mutation.md).

`python mutation/report.py rules guards > build/mutation/results.md` reads build/mutation/<target>/mutants/*.meta
(mutmut's own verdicts) and the mutated sources beside them (for the diffs); mutation/verdicts.toml (and
verdicts-*.toml beside it) holds the hand-written verdict on a survivor (equivalent, and why) or on a group of them (a name pattern).
"""
from __future__ import annotations

import ast
import difflib
import fnmatch
import json
import re
import sys
import tomllib
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "mutation"
FUNC = re.compile(r"^(?P<base>.+)__mutmut_(?P<n>\d+|orig)$")

STATUS = defaultdict(lambda: "suspicious", {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests",
                                            None: "not checked", 34: "skipped", 36: "timeout", -24: "timeout",
                                            24: "timeout", 152: "timeout", 255: "timeout", -11: "segfault",
                                            -9: "segfault", 2: "interrupted", 37: "type check"})


NOT_KILLED = ("survived", "no tests", "suspicious", "timeout")


def module_of(path: Path, mutants: Path) -> str:
    rel = path.relative_to(mutants).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def functions(source: str) -> dict[str, str]:
    """name → source of every mutmut-generated function (module level or in a class)."""
    out = {}
    lines = source.splitlines()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and FUNC.match(node.name):
            out[node.name] = "\n".join(lines[node.lineno - 1:node.end_lineno])
    return out


def diff(orig: str, mutant: str) -> str:
    """The changed lines only, '-' then '+', whitespace-collapsed."""
    a, b = orig.splitlines()[1:], mutant.splitlines()[1:]  # the def line differs by name only
    lines = [line for line in difflib.unified_diff(a, b, lineterm="", n=0)
             if line[:1] in "+-" and not line.startswith(("---", "+++"))]
    return " ⟶ ".join(" ".join(line[1:].split()) for line in lines)[:400]


def load(target: str):
    mutants = BUILD / target / "mutants"
    results: dict[str, tuple[str, str]] = {}  # mutant name → (module, status)
    diffs: dict[str, str] = {}
    for meta in sorted(mutants.rglob("*.py.meta")):
        data = json.loads(meta.read_text())
        source_path = meta.with_suffix("")
        module = module_of(source_path, mutants)
        keys = data.get("exit_code_by_key", {})
        if not keys:
            continue
        funcs = None
        for key, code in keys.items():
            results[key] = (module, STATUS[code])
            if STATUS[code] in ("survived", "no tests", "timeout", "suspicious"):
                # a fresh build holds the saved results before mutmut has made the mutants: no diff yet
                funcs = funcs if funcs is not None else (functions(source_path.read_text())
                                                         if source_path.exists() else {})
                name = key[len(module) + 1:]
                base = FUNC.match(name)["base"]
                diffs[key] = diff(funcs.get(f"{base}__mutmut_orig", ""), funcs.get(name, ""))
    return results, diffs


def verdicts() -> list[tuple[str, str, str]]:
    """verdicts.toml, then verdicts-*.toml (one per part of rules/ judged on its own), in that order."""
    files = [ROOT / "mutation" / "verdicts.toml", *sorted((ROOT / "mutation").glob("verdicts-*.toml"))]
    return [(v["pattern"], v["verdict"], v["why"])
            for f in files for v in tomllib.loads(f.read_text()).get("verdict", [])]


def report(targets: list[str], names: dict[str, list[str]] | None = None) -> str:
    hand = verdicts()
    out = []
    for target in targets:
        results, diffs = load(target)
        if names and names.get(target):
            results = {k: v for k, v in results.items() if any(fnmatch.fnmatch(k, g) for g in names[target])}
        per_module: dict[str, Counter] = defaultdict(Counter)
        judged: dict[str, Counter] = defaultdict(Counter)  # survivors' hand verdicts that change the score
        for key, (module, status) in results.items():
            per_module[module][status] += 1
            if status in NOT_KILLED:
                verdict = next((v for pattern, v, _why in hand if fnmatch.fnmatch(key, pattern)), None)
                if verdict in ("equivalent", "killed in a fresh process"):
                    judged[module][verdict] += 1
        total, total_judged = Counter(), Counter()
        out.append(f"### {target}\n")
        out.append("| module | mutants | killed | survived | no tests | timeout | not checked | score | equivalent "
                   "| killed in a fresh process | score with the verdicts |")
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for module in sorted(per_module):
            total.update(per_module[module])
            total_judged.update(judged[module])
            out.append(_judged_row(module, per_module[module], judged[module]))
        out.append(_judged_row("**all**", total, total_judged))
        out.append("")
        survivors = sorted(k for k, (_m, s) in results.items() if s in NOT_KILLED)
        grouped: dict[str, list[str]] = defaultdict(list)
        for key in survivors:
            verdict = next(((v, why) for pattern, v, why in hand if fnmatch.fnmatch(key, pattern)), None)
            grouped[f"{verdict[0]}: {verdict[1]}" if verdict else "not yet judged"].append(key)
        for heading in sorted(grouped, key=lambda h: (h == "not yet judged", h)):
            out.append(f"<details><summary>{heading} ({len(grouped[heading])})</summary>\n")
            for key in grouped[heading]:
                status = results[key][1]
                out.append(f"- `{key}` ({status}): `{diffs.get(key, '')}`".replace("|", "\\|"))
            out.append("\n</details>\n")
    return "\n".join(out)


def combined(parts: list[str]) -> str:
    """All of rules/ from its parts (rules-scoring, rules-schemes, rules-compliance, rules-other): each module's
    mutants with the verdicts of the part that tests them (every part generates every mutant of rules/ and tests
    only its own). Beside mutmut's score, the score once the hand verdicts are applied: equivalent mutants
    leave the count, mutants killed in a fresh process count as killed."""
    sys.path.insert(0, str(ROOT / "mutation"))
    from run import TARGETS

    hand = verdicts()
    results: dict[str, tuple[str, str]] = {}
    for part in parts:
        own, _diffs = load(part)
        globs = TARGETS[part]["names"]
        results.update({k: v for k, v in own.items() if any(fnmatch.fnmatch(k, g) for g in globs)})
    per_module: dict[str, Counter] = defaultdict(Counter)
    judged: dict[str, Counter] = defaultdict(Counter)  # survivors' hand verdicts that change the score
    for key, (module, status) in results.items():
        per_module[module][status] += 1
        if status in NOT_KILLED:
            verdict = next((v for pattern, v, _why in hand if fnmatch.fnmatch(key, pattern)), None)
            if verdict in ("equivalent", "killed in a fresh process"):
                judged[module][verdict] += 1
    out = [f"### rules/, from its parts ({', '.join(parts)})\n",
           "| module | mutants | killed | survived | no tests | timeout | not checked | score | equivalent "
           "| killed in a fresh process | score with the verdicts |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    total, total_judged = Counter(), Counter()
    for module in sorted(per_module):
        total.update(per_module[module])
        total_judged.update(judged[module])
        out.append(_judged_row(module, per_module[module], judged[module]))
    out.append(_judged_row("**rules/**", total, total_judged))
    return "\n".join(out) + "\n"


def _judged_row(name: str, c: Counter, hand: Counter) -> str:
    checked = c["killed"] + c["survived"] + c["no tests"] + c["timeout"] + c["suspicious"]
    counted = checked - hand["equivalent"]
    score = f"{100 * (c['killed'] + hand['killed in a fresh process']) / counted:.1f}%" if counted else "—"
    return _row(name, c) + f" {hand['equivalent']} | {hand['killed in a fresh process']} | {score} |"


def _row(name: str, c: Counter) -> str:
    checked = c["killed"] + c["survived"] + c["no tests"] + c["timeout"] + c["suspicious"]
    # killed over everything checked; a timeout is not counted as a kill (on a starved machine the wall-clock
    # limit fires on mutants that are merely slow), it is listed to be re-run
    score = f"{100 * c['killed'] / checked:.1f}%" if checked else "—"
    return (f"| {name} | {sum(c.values())} | {c['killed']} | {c['survived']} | {c['no tests']} | {c['timeout']} | "
            f"{c['not checked']} | {score} |")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--parts"]:  # report.py --parts rules-scoring rules-schemes rules-compliance rules-other
        print(combined(sys.argv[2:]))
    else:
        # the guards target mutates whole modules but selects the guard functions (and the version-numbering lines
        # of three writers): only those are reported
        sys.path.insert(0, str(ROOT / "mutation"))
        from run import guard_names

        print(report(sys.argv[1:] or ["rules", "guards"], {"guards": guard_names()}))
