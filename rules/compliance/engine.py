"""The durable_rules wrapper: one safe way in, whatever the engine's faults.

durable_rules 2.0.28 faults this module guards against (STYLE.md, "durable_rules, used safely"):

- The default host starts timer threads that read freed state: a host without them is installed
  here, before any ruleset is registered. Time is a fact (``as_of``), never an engine timer.
- Deleting a session in which no action fired can crash the process: every ruleset has a rule on
  the end-of-input marker, which is asserted last in every session (and in ``finally`` if the
  evaluation stopped early), so an action has always fired before the state is deleted.
- At most 1,024 live sessions per ruleset: every session's state is deleted in ``finally``.
- A fact that matches no rule raises ``MessageNotHandledException``: it means "no finding" and is
  handled per fact (facts are asserted one by one, never in a batch).
- An error inside an action is stored in the returned state under ``exception``: every action is
  wrapped so the failing rule id is recorded, and ``evaluate`` raises ``RuleActionError``.
- Identical facts raise ``MessageObservedException``: every fact carries a unique id.
- Negation (``none``) does not retract a match when the negated fact arrives later, so no rule here
  uses it; derived facts are positive (``counted_worker``) and running totals are asserted as
  ``tally`` facts by the end-of-input rule, so threshold rules see the final figure.
- Rulesets are process-wide and registered once, at import time; one lock serialises evaluations.
"""
from __future__ import annotations

import itertools
import threading
import warnings
from typing import Any, Callable, Iterable, Mapping

from durable import engine as _engine
from durable import lang as _lang
from durable.lang import m, when_all

from .model import Finding, Kind, Penalty, RuleMeta, Severity
from rules.dates import en_dates, zh_dates

END = "$end"  # the end-of-input marker's type


class ComplianceError(Exception):
    """Base class of this package's errors."""


class InvalidFacts(ComplianceError, ValueError):
    """The input facts are malformed; the message says which fact and why."""


class RuleActionError(ComplianceError):
    """A rule's action raised. ``rule_id`` names the rule; the original error is the cause."""

    def __init__(self, rule_id: str, detail: str):
        super().__init__(f"compliance rule {rule_id} failed: {detail}")
        self.rule_id = rule_id


class EngineError(ComplianceError):
    """The engine misbehaved outside any rule action."""


# durable.engine calls datetime.utcfromtimestamp in every action: Python 3.12 warns each time.
warnings.filterwarnings("ignore", message=r".*utcfromtimestamp.*", category=DeprecationWarning)

# --- the host: no timer threads -----------------------------------------------------------------

class NoTimerHost(_engine.Host):
    """A durable_rules host without the background dispatch/timer threads of the default host."""

    def _run(self) -> None:  # the default starts threading.Timer loops that read freed state
        return None


def _install_host() -> _engine.Host:
    existing = _lang._main_host
    if existing is None:
        _lang._main_host = NoTimerHost()
    elif not isinstance(existing, NoTimerHost):
        raise EngineError(
            "durable.lang already has a host with timer threads; import rules.compliance before any "
            "other durable_rules user"
        )
    return _lang._main_host


HOST = _install_host()

# --- rule registry ------------------------------------------------------------------------------

RULES: dict[str, RuleMeta] = {}
# Each durable rule calls ACTIONS[key] at run time (key = "<rule id>#<function name>"), so a test
# can swap one action for one that raises.
ACTIONS: dict[str, Callable[[Any, "Evaluation"], None]] = {}
RULESETS: list[str] = []


def register_meta(meta: RuleMeta) -> RuleMeta:
    if meta.id in RULES and RULES[meta.id] is not meta:
        raise EngineError(f"rule id {meta.id} defined twice")
    RULES[meta.id] = meta
    return meta


def rule(meta: RuleMeta, *conditions) -> Callable:
    """Define one durable rule for ``meta`` (inside a ``with ruleset(...)`` block).

    The decorated function is called as ``fn(closure, evaluation)``. Several durable rules may share
    one RuleMeta (e.g. "late" and "missing" variants of one deadline rule).
    """
    register_meta(meta)

    def decorate(fn: Callable[[Any, "Evaluation"], None]) -> Callable:
        key = f"{meta.id}#{fn.__name__}"
        if key in ACTIONS:
            raise EngineError(f"action {key} defined twice")
        ACTIONS[key] = fn

        def action(closure) -> None:
            evaluation = _current
            try:
                if evaluation is None:
                    raise EngineError("rule fired outside evaluate()")
                ACTIONS[key](closure, evaluation)
            except BaseException as exc:  # recorded here, re-raised by evaluate() with the rule id
                if evaluation is not None:
                    evaluation.record_failure(meta.id, exc)
                raise

        action.__name__ = fn.__name__
        when_all(*conditions)(action)
        return fn

    return decorate


def end_of_input(ruleset_name: str) -> None:
    """The rule on the end-of-input marker (inside the ruleset's ``with`` block).

    It always fires, so no session is ever deleted without an action having run, and it asserts
    the running totals (tally facts) so that threshold rules see the final figures.
    """

    @when_all(m.t == END)
    def end_marker(closure) -> None:
        evaluation = _current
        try:
            if evaluation is None:
                raise EngineError("end marker outside evaluate()")
            for name, tally in sorted(evaluation.tallies.get(ruleset_name, {}).items()):
                derive(closure, {
                    "t": "tally", "id": f"tally:{name}", "name": name, "count": len(tally["ids"]),
                    "ids": sorted(tally["ids"]), "scheme": evaluation.scheme,
                    "contract": evaluation.inp.contract_id, **evaluation.inp.flags,
                })
        except BaseException as exc:
            if evaluation is not None:
                evaluation.record_failure(f"{ruleset_name}.end_of_input", exc)
            raise

    RULESETS.append(ruleset_name)


def derive(closure, fact: dict) -> None:
    """Assert a derived fact from inside an action; a fact no rule wants is simply not a finding."""
    try:
        closure.assert_fact(fact)
    except _engine.MessageNotHandledException:
        pass


def schemes_condition(meta: RuleMeta):
    """The rule is in force under the contract's scheme: the scheme's ``[[compliance]]`` names it (by default, the
    rule was written for the scheme: ``RuleMeta.schemes``). Every engine fact carries one flag per rule in force
    (``facts.Input.base``)."""
    return getattr(m, "on_" + meta.id.replace(".", "__")) == True  # noqa: E712 — a durable_rules condition


# --- one evaluation -----------------------------------------------------------------------------

class Evaluation:
    """State of one evaluate() call: the findings, running totals and derived worker status."""

    def __init__(self, inp: Any):
        self.inp = inp
        self.scheme: str = inp.scheme
        self.findings: dict[str, Finding] = {}
        self.tallies: dict[str, dict[str, dict[str, Any]]] = {}
        self.worker_reasons: dict[str, list[str]] = {}
        self.worker_seen: dict[str, bool] = {}
        self.failure: tuple[str, BaseException] | None = None

    def record_failure(self, rule_id: str, exc: BaseException) -> None:
        if self.failure is None:
            self.failure = (rule_id, exc)

    def count(self, ruleset_name: str, name: str, fact_id: str) -> None:
        tally = self.tallies.setdefault(ruleset_name, {}).setdefault(name, {"ids": set()})
        tally["ids"].add(fact_id)

    def emit(
        self,
        meta: RuleMeta,
        *,
        subject: Mapping[str, Any],
        evidence: Mapping[str, Any],
        key: Iterable[Any] = (),
        details: Mapping[str, Any] | None = None,
        penalty: Penalty | None = None,
        scheme_item: str | None = None,
    ) -> Finding:
        if meta.kind in Kind.SILENT:
            raise EngineError(f"{meta.id} is a {meta.kind} rule and cannot emit findings")
        subject = {k: str(v) for k, v in subject.items() if v is not None and v != ""}
        parts = [meta.id] + [f"{k}={v}" for k, v in subject.items()] + [str(k) for k in key]
        dedup_key = "|".join(parts)
        use = self.inp.in_force.get(meta.id)  # the scheme's parameters for the rule
        penalty = penalty or (use.penalty if use is not None else meta.penalty)
        fill = dict(subject)
        if penalty is not None and penalty.points is not None:
            fill["points"] = fmt_points(penalty.points)
        fill.update(details or {})
        finding = Finding(
            rule_id=meta.id,
            kind=meta.kind,
            scheme=self.scheme,
            scheme_item=scheme_item or (use.item if use is not None else meta.scheme_item),
            scheme_fact=use.fact if use is not None else meta.scheme_fact,
            clause=use.clause if use is not None else meta.clause.cite(),
            subject=subject,
            evidence=dict(evidence),
            penalty=penalty,
            severity=meta.severity,
            message_zh=zh_dates(meta.message_zh.format_map(_Fill(fill))),
            message_en=en_dates(meta.message_en.format_map(_Fill(fill))),
            dedup_key=dedup_key,
        )
        # Symmetric joins can find one thing twice; the first finding with a key wins.
        self.findings.setdefault(dedup_key, finding)
        return finding


def fmt_points(points) -> str:
    """Points as a document writes them: 0.1, 0.5, 2, 10 (no trailing zeros)."""
    text = format(points.normalize(), "f")
    return text


class _Fill(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


_current: Evaluation | None = None
LOCK = threading.Lock()  # one evaluation at a time per process: the engine is not thread-safe
_session_ids = itertools.count(1)


def run_session(ruleset_name: str, facts: list[dict], evaluation: Evaluation) -> None:
    """Assert ``facts`` one by one into a fresh session, then the end marker; always delete it.

    Must be called with LOCK held and ``_current`` set.
    """
    sid = f"s{next(_session_ids)}"
    ended = False
    try:
        for fact in facts:
            _assert(ruleset_name, sid, fact, evaluation)
        _assert(ruleset_name, sid, {"t": END, "id": END, "as_of_us": evaluation.inp.as_of_us}, evaluation)
        ended = True
    finally:
        if not ended:
            # The session may never have had an action fire; deleting it then can crash the
            # process. The end-marker rule always fires, so assert it before deleting.
            try:
                HOST.assert_fact(ruleset_name, {"t": END, "id": END, "sid": sid, "as_of_us": 0})
            except BaseException:
                pass
        HOST.delete_state(ruleset_name, sid)


def _assert(ruleset_name: str, sid: str, fact: dict, evaluation: Evaluation) -> None:
    message = dict(fact)
    message["sid"] = sid
    try:
        state = HOST.assert_fact(ruleset_name, message)
    except _engine.MessageNotHandledException:
        state = None  # no rule matched this fact: no finding
    except _engine.MessageObservedException:
        raise InvalidFacts(f"fact asserted twice in one session: {fact.get('id')!r}") from None
    if evaluation.failure is not None:
        rule_id, exc = evaluation.failure
        raise RuleActionError(rule_id, f"{type(exc).__name__}: {exc}") from exc
    if state and state.get("exception"):
        raise RuleActionError("<unknown rule>", str(state["exception"]))


def evaluate_batches(batches: list[tuple[str, list[dict]]], inp: Any) -> Evaluation:
    """Run every ruleset that has facts, under the process lock."""
    global _current
    evaluation = Evaluation(inp)
    with LOCK:
        _current = evaluation
        try:
            for ruleset_name, facts in batches:
                if facts:
                    run_session(ruleset_name, facts, evaluation)
        finally:
            _current = None
    return evaluation


def register_rulesets() -> None:
    """Hand the rulesets defined at import time to the host (once)."""
    host = _lang.get_host()
    if host is not HOST:
        raise EngineError("durable.lang host was replaced")
    missing = [name for name in RULESETS if name not in host._ruleset_directory]
    if missing:
        raise EngineError(f"rulesets not registered: {missing}")


__all__ = [
    "ACTIONS", "END", "EngineError", "Evaluation", "InvalidFacts", "LOCK", "RULES", "RuleActionError",
    "derive", "end_of_input", "evaluate_batches", "register_rulesets", "rule", "schemes_condition",
    "Severity",
]
