"""Compliance rules: durable_rules rulesets, one module per concern, behind one function.

    from rules.compliance import evaluate, list_rules
    findings = evaluate(facts)        # list[Finding] (a Findings list with .workers)

The input format is documented in README.md beside this file. ``evaluate`` is thread-safe (one
process-wide lock) and leaves no engine session behind, whatever happens.
"""
from __future__ import annotations

from typing import Any, Mapping

from . import engine  # noqa: F401 — first: installs the no-timer host before any ruleset is defined
from . import attendance, conduct, consequences, deadlines, integrity, workers
from .engine import (ACTIONS, ComplianceError, EngineError, InvalidFacts, RuleActionError, RULES,
                     evaluate_batches, register_rulesets)
from .facts import read_input
from .model import (SCHEMES, Clause, Consequence, Finding, Findings, Kind, Penalty, Remedy, RuleMeta, Severity,
                    WorkerStatus)

MODULES = (attendance, deadlines, workers, conduct, consequences, integrity)

register_rulesets()  # once, at import time: a ruleset name can be registered only once per process


def evaluate(facts: Mapping[str, Any]) -> Findings:
    """Run every compliance rule on ``facts`` and return the findings, sorted and de-duplicated.

    Raises InvalidFacts for malformed input (before the engine runs) and RuleActionError naming the
    rule whose action failed.
    """
    inp = read_input(facts)
    batches = [(module.RULESET, module.prepare(inp)) for module in MODULES]
    for ruleset_name, batch in batches:
        seen: set[str] = set()
        for fact in batch:
            if fact["id"] in seen:
                raise InvalidFacts(f"{ruleset_name}: fact id {fact['id']!r} appears twice")
            seen.add(fact["id"])
    evaluation = evaluate_batches(batches, inp)
    statuses = {
        worker: WorkerStatus(worker=worker, counted=not evaluation.worker_reasons.get(worker),
                             reasons=tuple(sorted(evaluation.worker_reasons.get(worker, ()))))
        for worker in sorted(evaluation.worker_seen)
    }
    found = sorted(evaluation.findings.values(), key=lambda f: (f.rule_id, f.dedup_key))
    return Findings(found, statuses)


def list_rules() -> list[RuleMeta]:
    """Every rule's metadata, in id order (for the ``flask rules`` command)."""
    return [RULES[rule_id] for rule_id in sorted(RULES)]


__all__ = [
    "ACTIONS", "Clause", "ComplianceError", "Consequence", "EngineError", "Finding", "Findings", "InvalidFacts",
    "Kind", "Penalty", "Remedy", "RuleActionError", "RuleMeta", "SCHEMES", "Severity", "WorkerStatus", "evaluate",
    "list_rules",
]
