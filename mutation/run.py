"""Mutation testing with mutmut 3 (issue #18): `make mutation`, or `python mutation/run.py TARGET [GLOB...]`.

Each target gets its own copy of the tracked tree under build/mutation/<target>/ with a setup.cfg holding
the target's [mutmut] section (mutmut reads its configuration from the working directory), so the rules and
the portal's guard functions are mutated with their own tests only. mutmut's cache (mutants/) stays there
between runs; every mutant matching the names given is (re-)tested: the target's own globs by default, GLOBs
to narrow it (e.g. "rules.scoring.numbers.*"), --survivors for the last run's survivors only (after new tests
were written), --resume for the mutants not checked yet (after an interrupted run), --versions for the
guards' second pass. The results are summed by mutation/report.py.

A full run of rules/ takes longer than a working session on a 2-core machine, and build/ does not outlive the
machine: --save-state writes each mutant's result and each function's hash to mutation/state/<target>.json (kept in
git); a fresh build starts from it, and mutmut keeps a result only while its function's hash is unchanged (a
changed function's mutants are tested again). `--resume` then tests only what no session has tested yet.
"""
from __future__ import annotations

import ast
import difflib
import fnmatch
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "mutation"
MUTMUT = Path(sys.executable).parent / "mutmut"
STATE = ROOT / "mutation" / "state"

# mutmut copies only the source paths and tests/ into mutants/, but tests/rules needs more of the tree:
# tests/conftest.py imports portal (create_app), test_scheme_guide.py reads docs/ (the guides and their worked
# example) and builds the portal's `app` (templates, static, the migrations and alembic.ini), and
# test_scheme_guide.py, scoring/test_graded_check.py and schemes/test_check_scheme_data.py word the checker's
# problems with portal.schemes.problems and portal/translations. Without these mutmut's first full run fails.
RULES_ALSO_COPY = ["docs", "portal", "templates", "static", "migrations", "alembic.ini"]

# What is mutated, which tests may kill it, and (for the portal) which functions are the guards.
TARGETS: dict[str, dict] = {
    # All of rules/: law as code. Module-level code (scheme tables, durable_rules conditions) is not mutated by
    # mutmut 3, which mutates function bodies; see docs/mutation.md.
    "rules": {
        "source_paths": ["rules"],
        "tests": ["tests/rules"],
        "names": ["rules.*"],
        "also_copy": RULES_ALSO_COPY,
    },
    # rules/ in parts, each in a build directory of its own, so that two parts can run side by side (the same
    # mutants as the rules target's; report.py sums each part like a target)
    **{f"rules-{part}": {"source_paths": ["rules"], "tests": ["tests/rules"], "names": [f"rules.{part}.*"],
                         "also_copy": RULES_ALSO_COPY}
       for part in ("scoring", "schemes", "compliance")},
    # the rest of rules/: the reporting calendar, the identifiers' check digits, dates and working days
    "rules-other": {"source_paths": ["rules"], "tests": ["tests/rules"],
                    "names": ["rules.reporting.*", "rules.identifiers.*", "rules.dates.*", "rules.workdays.*"],
                    "also_copy": RULES_ALSO_COPY},
    # The portal's guard functions: tenant scoping, locks, payments, masking, version numbering. mutmut copies
    # the whole package (it must stay importable) but only these files are mutated and only these functions run.
    "guards": {
        "source_paths": ["portal"],
        "only_mutate": ["portal/scoping.py", "portal/tenancy.py", "portal/cycles/services.py",
                        "portal/violations/services.py", "portal/violations/models.py",
                        "portal/assessment/services.py", "portal/payments/services.py",
                        "portal/activities/services.py", "portal/reporting/services.py",
                        "portal/findings/services.py",
                        "portal/publication/services.py", "portal/ledgers/routes.py", "portal/filters.py"],
        "tests": ["tests/portal/test_guards.py", "tests/portal/test_rounding.py", "tests/portal/test_tenancy.py",
                  "tests/portal/test_assessment_signoff.py", "tests/portal/test_payments.py",
                  "tests/portal/test_reporting.py", "tests/portal/test_activities_attendance.py",
                  "tests/portal/test_activities_events.py", "tests/portal/test_findings.py",
                  "tests/portal/test_publication.py", "tests/portal/test_public_privacy.py",
                  "tests/portal/test_ledger_uploads.py", "tests/portal/test_payments_refusals.py",
                  "tests/portal/test_accounts_and_audit_tenancy.py", "tests/portal/test_tenancy_rules_each.py",
                  "tests/portal/test_ledger_page_masking.py", "tests/portal/test_public_text_known_names.py",
                  "tests/portal/test_payments_carry_approval.py", "tests/portal/test_violation_actions_recorded.py",
                  "tests/portal/test_versions_numbering.py", "tests/portal/test_lock_reason_words.py"],
        "names": [
            # tenant scoping: every function of the one module all tenant queries go through
            "portal.scoping.*", "portal.tenancy.*",
            # locks: why a day's data is locked, and the checks every service makes
            "portal.cycles.services.x_lock_reason__*", "portal.violations.services.x_lock_reason_for_violation*",
            "portal.violations.models.x_period_end*", "portal.assessment.services.x__guard*",
            "portal.activities.services.x_ensure_writable*", "portal.reporting.services.x_refusal_reason*",
            "portal.findings.services.x__refuse_if_locked*", "portal.violations.services.x_act_on_violation*",
            # payments: what may be paid or reversed, and the amounts shown
            "portal.payments.services.x__locked*", "portal.payments.services.x_reversal_of*",
            "portal.payments.services.x_record_payment*", "portal.payments.services.x_reverse_payment*",
            "portal.payments.services.x_plan_rows*", "portal.filters.x_yuan*", "portal.filters.x_percent*",
            "portal.filters.x_decimal*",
            # masking: who sees names, the ledger page's masks, what a public text may hold
            "portal.activities.services.x_sees_names*", "portal.activities.services.x_shown_name*",
            "portal.activities.services.x__staff_snapshot*", "portal.ledgers.routes.x__mask*",
            "portal.publication.services.x_personal_data_in*", "portal.publication.services.x__public_text*",
        ],
        # version numbering lives inside long writers (version = previous + 1): a second pass (`make mutation`
        # runs it after the guards above; `mutation/run.py guards --versions` alone) mutates in these writers
        # only the statements that number versions (see version_mutants), not every field they store
        "versions": ["portal.reporting.services.x_submit__*", "portal.activities.services.x_save_attendance__*",
                     "portal.publication.services.x_publish__*"],
        "also_copy": ["rules", "templates", "static", "migrations", "alembic.ini"],
    },
}

COPY_IGNORE = shutil.ignore_patterns(".git", ".venv", "build", "__pycache__", "instance", ".pytest_cache",
                                     "mutants", "*.egg-info")


def prepare(name: str) -> Path:
    """A fresh copy of the tree (keeping mutmut's cache) and the target's setup.cfg."""
    target = TARGETS[name]
    work = BUILD / name
    work.mkdir(parents=True, exist_ok=True)
    for entry in ROOT.iterdir():
        if entry.name in {".git", ".venv", "build", "instance", ".pytest_cache"} or entry.name.endswith(".egg-info"):
            continue
        dest = work / entry.name
        if entry.is_dir():
            shutil.copytree(entry, dest, ignore=COPY_IGNORE, dirs_exist_ok=True)
        else:
            shutil.copy2(entry, dest)
    lines = ["[mutmut]", "source_paths =", *[f"    {p}" for p in target["source_paths"]]]
    if target.get("only_mutate"):
        lines += ["only_mutate =", *[f"    {p}" for p in target["only_mutate"]]]
    lines += ["pytest_add_cli_args_test_selection =", *[f"    {p}" for p in target["tests"]],
              "pytest_add_cli_args =", "    -p", "    no:cacheprovider", "    -x", "    -q"]
    if target["also_copy"]:
        lines += ["also_copy =", *[f"    {p}" for p in target["also_copy"]]]
    if os.environ.get("MUTATION_TIMEOUT_MULTIPLIER"):
        # mutmut's wall-clock limit is (the tests' time + 1 s) × this (15 by default): a mutant that loops for ever
        # (the schemes' checker has some) holds a child that long; 6 still leaves a slow mutant room on a busy machine
        lines.append(f"timeout_multiplier = {float(os.environ['MUTATION_TIMEOUT_MULTIPLIER'])}")
    if os.environ.get("MUTATION_ISOLATION") == "forkserver":
        # Each mutant's tests import the code afresh with the mutant active, so code that runs at import time
        # (rule definitions, registrations) is mutated too; slower than forking a process that imported it.
        lines += ["process_isolation = forkserver", "forkserver_warmup = none"]
    lines.append("")
    (work / "setup.cfg").write_text("\n".join(lines))
    restore_state(name, work)
    return work


def state_file(name: str) -> Path:
    """The saved results a target starts from: its own, else (a part of rules/) those of the whole of rules/."""
    own = STATE / f"{name}.json"
    return own if own.exists() or not name.startswith("rules-") else STATE / "rules.json"


def save_state(name: str) -> Path:
    """Every mutant's result (mutmut's exit code; null: not tested yet) and every mutated function's hash, per file,
    one mutant a line so that git shows what a session changed."""
    mutants = BUILD / name / "mutants"
    files = {}
    for meta in sorted(mutants.rglob("*.py.meta")):
        data = json.loads(meta.read_text())
        files[meta.relative_to(mutants).as_posix()] = {"hash_by_function_name": data["hash_by_function_name"],
                                                        "exit_code_by_key": data["exit_code_by_key"]}
    STATE.mkdir(exist_ok=True)
    path = STATE / f"{name}.json"
    path.write_text(json.dumps(files, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    return path


def restore_state(name: str, work: Path) -> None:
    """A fresh build starts from the saved results; a build's own results (a meta file already there) are newer.
    mutmut then regenerates the mutants and keeps a saved result only where the function's hash is unchanged."""
    path = state_file(name)
    if not path.exists():
        return
    for rel, data in json.loads(path.read_text()).items():
        meta = work / "mutants" / rel
        if meta.exists():
            continue
        meta.parent.mkdir(parents=True, exist_ok=True)
        meta.write_text(json.dumps({**data, "type_check_error_by_key": {}, "durations_by_key": {},
                                    "estimated_durations_by_key": {}}))


def not_checked(name: str) -> list[str]:
    """The mutants the target selects that no run has tested yet (by name: with no names mutmut would test every
    mutant of the mutated files, and the guards' files hold many functions that are not guards)."""
    sys.path.insert(0, str(ROOT / "mutation"))
    from report import load

    results, _diffs = load(name) if (BUILD / name / "mutants").exists() else ({}, {})
    if not results:  # a fresh build without saved results: everything the target selects
        return TARGETS[name]["names"]
    return sorted(k for k, (_module, status) in results.items() if status == "not checked" and selects(name, k))


def selects(name: str, key: str) -> bool:
    """The key is one of the mutants the target tests."""
    return any(fnmatch.fnmatch(key, g) for g in _selected(name))


@functools.cache
def _selected(name: str) -> tuple[str, ...]:
    return tuple(guard_names() if name == "guards" else TARGETS[name]["names"])


def survivors(name: str) -> list[str]:
    """The mutants of the last run not killed (survived, no test, timed out), to re-test after new tests."""
    sys.path.insert(0, str(ROOT / "mutation"))
    from report import NOT_KILLED, load

    results, _diffs = load(name)
    return sorted(k for k, (_module, status) in results.items() if status in NOT_KILLED and selects(name, k))


# A statement numbers versions when it reads the previous version, computes the new number, or handles two
# requests that took the same number (the unique constraint's IntegrityError and the refusal it turns into).
VERSION_CODE = re.compile(r"\bprevious\b|\blast\b|\bversion=|IntegrityError|版本|已公示|没有任何变化")


def version_lines(source: str) -> set[int]:
    """The lines (0-based, in the function's source) of the statements that number versions: a simple statement
    whole, a compound one by its header (condition, loop, handler), a constructor call keyword by keyword."""
    lines = source.splitlines()
    out: set[int] = set()
    for node in ast.walk(ast.parse(textwrap.dedent(source))):
        if isinstance(node, (ast.If, ast.While)):
            parts = [node.test]
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            parts = [node.target, node.iter]
        elif isinstance(node, ast.ExceptHandler):
            parts = [node.type] if node.type else []
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            parts = [item.context_expr for item in node.items]
        elif isinstance(node, ast.stmt) and not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                                  ast.ClassDef, ast.Try)):
            call = getattr(node, "value", None)
            parts = ([call.func, *call.args, *call.keywords] if isinstance(node, (ast.Assign, ast.Expr))
                     and isinstance(call, ast.Call) and call.keywords else [node])
        else:
            continue
        for part in parts:
            span = range(part.lineno - 1, part.end_lineno)
            if VERSION_CODE.search("\n".join(lines[i] for i in span)):
                out.update(span)
    return out


def version_mutants(name: str) -> list[str]:
    """The mutants of the versions globs that change a version-numbering line (the guards pass generated them)."""
    sys.path.insert(0, str(ROOT / "mutation"))
    from report import FUNC, functions, module_of

    mutants = BUILD / name / "mutants"
    selected = []
    for pattern in TARGETS[name]["versions"]:
        module, _x, base = pattern.rstrip("*").rpartition(".")
        path = mutants / (module.replace(".", "/") + ".py")
        if not path.exists():
            sys.exit(f"{path.relative_to(ROOT)} is missing: run `mutation/run.py {name}` first (it makes the mutants)")
        funcs = functions(path.read_text())
        orig = funcs[f"{base}mutmut_orig"].splitlines()
        keep = version_lines(funcs[f"{base}mutmut_orig"])
        for key, source in funcs.items():
            if not key.startswith(base) or key.endswith("_orig") or not FUNC.match(key):
                continue
            matcher = difflib.SequenceMatcher(a=orig[1:], b=source.splitlines()[1:], autojunk=False)
            changed = {i + 1 for tag, i1, i2, _j1, _j2 in matcher.get_opcodes() if tag != "equal"
                       for i in range(i1, max(i2, i1 + 1))}
            if changed & keep:
                selected.append(f"{module_of(path, mutants)}.{key}")
    return sorted(selected)


def guard_names() -> list[str]:
    """What the guards target tests and reports: the guard functions' globs, and the versions pass's mutants once
    the mutants exist."""
    made = (BUILD / "guards" / "mutants" / "portal" / "reporting" / "services.py").exists()  # mutmut made them
    versions = version_mutants("guards") if made else []
    return TARGETS["guards"]["names"] + versions


def run(name: str, globs: list[str]) -> int:
    if globs == ["--save-state"]:
        print("saved", save_state(name).relative_to(ROOT))
        return 0
    resume = globs == ["--resume"]  # the target's mutants not checked yet
    if resume and name != "guards":
        globs = []  # rules and its parts: given no names, mutmut tests only the mutants not checked yet
    elif resume:  # the guards: by name (their files hold many functions that are not guards)
        prepare(name)  # a fresh build: the saved results first, so that what was tested is known
        globs = not_checked(name)
        if not globs:
            print(f"nothing to resume: every mutant {name} selects has been tested")
            return 0
        print(f"resuming {name}: {len(globs)} mutants not tested yet", flush=True)
    if globs == ["--versions"]:
        globs = version_mutants(name)
        print(f"the versions pass: {len(globs)} mutants that change a version-numbering line", flush=True)
    if globs == ["--survivors"]:
        globs = survivors(name)
        if not globs:  # no names would make mutmut test every mutant the target selects
            print(f"no survivor of {name} to re-test")
            return 0
        print(f"re-testing {len(globs)} survivors of {name}", flush=True)
    work = prepare(name)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("DATABASE_URL", None)  # the SQLite run: the guards' tests make their own database
    jobs = os.environ.get("MUTATION_JOBS", "2")  # at nice 19 the second child only takes idle CPU
    names = globs or ([] if resume else TARGETS[name]["names"])
    cmd = ["nice", "-n", "19", str(MUTMUT), "run", "--max-children", jobs, *names]
    print("$ cd", work.relative_to(ROOT), "&&", " ".join(cmd[3:7]), *names[:1], f"... ({len(names)} names)", flush=True)
    return subprocess.call(cmd, cwd=work, env=env)


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: {sys.argv[0]} {{{'|'.join(TARGETS)}}} "
                 "[mutant-name glob ... | --survivors | --resume | --save-state]")
    sys.exit(run(sys.argv[1], sys.argv[2:]))
