"""evaluate() itself: compliant cases, loud rule errors, determinism, threads and session hygiene."""
import ast
import json
import pathlib
import random
import threading

import pytest
from durable import lang

import rules.compliance as compliance
from rules.compliance import ACTIONS, InvalidFacts, RuleActionError, evaluate, list_rules
from rules.compliance.engine import NoTimerHost

PACKAGE = pathlib.Path(compliance.__file__).parent


def compliant(kit, scheme: str) -> dict:
    """A contract that meets every clause the rules check, as of after its year."""
    if scheme == "qianxi-2022":
        subs = []
        for mo in range(1, 13):
            subs.append({"id": f"j{mo}", "kind": "job_information", "period": f"2022-{mo:02d}",
                         "submitted_at": f"2022-{mo:02d}-15T10:00:00+08:00"})
            subs.append({"id": f"w{mo}", "kind": "work_report", "period": f"2022-{mo:02d}",
                         "submitted_at": f"2022-{mo:02d}-28T10:00:00+08:00"})
        for q in range(1, 5):
            for ledger in ("jobs", "migrant_workers", "entrepreneurs"):
                subs.append({"id": f"l{q}{ledger}", "kind": "quarterly_ledger", "ledger": ledger, "period": f"2022-Q{q}",
                             "submitted_at": f"2022-{3 * q:02d}-25T10:00:00+08:00"})
        subs.append({"id": "ann", "kind": "annual_summary", "period": "2022", "submitted_at": "2022-12-31T15:59:59Z"})
        attendance = [{"id": f"a{st}{mo}", "station": st, "staff": f"P-{st}", "month": f"2022-{mo:02d}", "days": 15 + mo % 5}
                      for st in ("WZ", "YW", "PT") for mo in range(1, 13)]
        return kit.facts(scheme, "2023-01-10T00:00:00+08:00", submissions=subs, attendance=attendance,
                         stations=[{"id": "WZ"}, {"id": "YW"}, {"id": "PT"}])
    if scheme in ("pingxiang-2024-lot1", "ningming-2024-lot2"):
        subs = []
        for mo in range(1, 13):
            y, nxt = (2024, mo + 1) if mo < 12 else (2025, 1)
            subs.append({"id": f"p{mo}", "kind": "monthly_plan", "period": f"2024-{mo:02d}",
                         "submitted_at": f"2024-{mo:02d}-05T23:59:59+08:00"})
            subs.append({"id": f"s{mo}", "kind": "monthly_summary", "period": f"2024-{mo:02d}",
                         "submitted_at": f"{y}-{nxt:02d}-03T10:00:00+08:00"})
            subs.append({"id": f"r{mo}", "kind": "monthly_report", "period": f"2024-{mo:02d}",
                         "submitted_at": f"{y}-{nxt:02d}-05T15:59:59Z"})
        checks = [{"id": f"c{d}", "station": "PARK", "staff": "P1", "date": f"2024-03-{d:02d}", "clock_in": "08:55",
                   "clock_out": "18:05" if d != 2 else "17:30"} for d in range(2, 9)]
        scores = [{"id": "P1", "period": "2024-P1", "score": "50.00", "assessed_on": "2024-06-10"},
                  {"id": "P2", "period": "2024-P2", "score": "88.5", "assessed_on": "2024-10-10"}]
        return kit.facts(scheme, "2025-01-06T00:00:00+08:00", submissions=subs, attendance_checks=checks,
                         period_scores=scores)
    if scheme == "jindong-2021":
        workers = [{"id": f"W{i}", "resident_id": kit.resident_id("52", "19900101", f"{i:03d}"), "station": "ST",
                    "hired_on": "2024-01-10", "insured_months": ["2024-01", "2024-02", "2024-03"],
                    "dispatched": False, "contract_signed": True} for i in range(1, 21)]
        others = [{"id": "X1", "resident_id": kit.resident_id("52", "19900101", "999"), "operator": "OP-2",
                   "period": "2024"}]
        return kit.facts(scheme, "2024-12-31T00:00:00+08:00", period="2024", workers=workers, other_claims=others,
                         complaints=[{"id": "u1", "received_on": "2024-02-01", "verified": False}],
                         incidents=[{"id": "i1", "occurred_on": "2024-03-01"}],
                         period_scores=[{"id": "y23", "period": "2023", "score": "59.99"},
                                        {"id": "y24", "period": "2024", "score": "60.00"}])
    if scheme == "wujiang-2022":
        facts = kit.facts(scheme, "2022-12-31T00:00:00+08:00",
                          complaints=[{"id": f"c{i}", "received_on": "2022-03-01"} for i in range(4)],
                          disputes=[{"id": "d1", "collective": True, "outcome": "won", "decided_on": "2022-03-01"}])
        facts["operator"].update(credit_grade="B", is_dispatch=True, labour_credit_grade="B")
        return facts
    return kit.facts(scheme, "2024-12-31T00:00:00+08:00")


@pytest.mark.parametrize("scheme", ["qianxi-2022", "jindong-2021", "pingxiang-2024-lot1", "ningming-2024-lot2",
                                    "wujiang-2022", "xingan"])
def test_a_compliant_contract_yields_no_findings(kit, scheme):
    """Every scheme: a contract that meets every checked clause gives an empty list."""
    found = evaluate(compliant(kit, scheme))
    assert found == [], [f.rule_id for f in found]
    if scheme == "jindong-2021":
        assert len(found.counted_workers) == 20


def _noncompliant(kit):
    facts = compliant(kit, "jindong-2021")
    facts["workers"][0]["contract_signed"] = False
    facts["workers"][1]["resident_id"] = kit.resident_id("33", "19900101", "002")
    facts["complaints"] = [{"id": f"v{i}", "received_on": "2024-02-01", "verified": True} for i in range(3)]
    facts["other_claims"].append({"id": "X2", "resident_id": facts["workers"][5]["resident_id"], "operator": "OP-3",
                                  "period": "2024"})
    return facts


def test_evaluating_twice_gives_identical_findings_and_dedup_keys(kit):
    """Re-runs must be storable without duplicates: same input → same findings, same keys, same order."""
    first = [f.to_dict() for f in evaluate(_noncompliant(kit))]
    second = [f.to_dict() for f in evaluate(_noncompliant(kit))]
    assert first == second and len(first) >= 6
    assert len({f["dedup_key"] for f in first}) == len(first)
    json.dumps(first, ensure_ascii=False)  # the portal stores them as JSON


def test_findings_do_not_depend_on_input_order(kit):
    facts = _noncompliant(kit)
    expected = [f.to_dict() for f in evaluate(facts)]
    rng = random.Random(7)
    for key in ("workers", "complaints", "other_claims"):
        rng.shuffle(facts[key])
    assert [f.to_dict() for f in evaluate(facts)] == expected


def test_a_rule_that_raises_makes_evaluate_raise_naming_the_rule(kit, monkeypatch):
    """An error inside an action is stored by the engine, not raised: evaluate() must raise it, with the rule id."""
    def boom(act, ev):
        raise ZeroDivisionError("division by zero in the rule")

    monkeypatch.setitem(ACTIONS, "workers.labour_contract_missing#labour_contract_missing", boom)
    with pytest.raises(RuleActionError) as err:
        evaluate(_noncompliant(kit))
    assert err.value.rule_id == "workers.labour_contract_missing"
    assert "workers.labour_contract_missing" in str(err.value)
    assert isinstance(err.value.__cause__, ZeroDivisionError)
    monkeypatch.undo()
    assert len(evaluate(_noncompliant(kit))) >= 6  # the engine is still usable


def test_a_rule_fired_from_the_end_of_input_tally_that_raises_is_named(kit, monkeypatch):
    """Threshold rules fire inside the end-marker action (tally facts); their errors are named too."""
    def boom(act, ev):
        raise KeyError("nope")

    monkeypatch.setitem(ACTIONS, "conduct.incidents_veto#incidents_veto", boom)
    with pytest.raises(RuleActionError, match="conduct.incidents_veto"):
        evaluate(_noncompliant(kit))


def test_more_than_1100_sequential_evaluations_leave_no_session_behind(kit):
    """durable_rules allows 1,024 live sessions per ruleset: every session's state is deleted."""
    facts = _noncompliant(kit)
    expected = len(evaluate(facts))
    for _ in range(1_150):
        assert len(evaluate(facts)) == expected


def test_more_than_1100_failing_evaluations_leave_no_session_behind(kit, monkeypatch):
    """The finally path: sessions are deleted even when a rule raises every time."""
    def boom(act, ev):
        raise RuntimeError("always")

    monkeypatch.setitem(ACTIONS, "conduct.verified_complaint#verified_complaint", boom)
    facts = _noncompliant(kit)
    for _ in range(1_100):
        with pytest.raises(RuleActionError):
            evaluate(facts)
    monkeypatch.undo()
    assert len(evaluate(facts)) >= 6


def test_concurrent_threads_get_the_same_findings_as_sequential_runs(kit):
    """One process-wide lock: threads evaluating different contracts at once get correct, separate results."""
    inputs = [compliant(kit, s) for s in ("qianxi-2022", "pingxiang-2024-lot1", "wujiang-2022")] + [_noncompliant(kit)]
    inputs[0]["attendance"][0]["days"] = 3
    inputs[2]["operator"]["credit_grade"] = "D"
    expected = [[f.to_dict() for f in evaluate(x)] for x in inputs]
    errors, results = [], {}

    def work(n):
        try:
            for i in range(25):
                k = (n + i) % len(inputs)
                got = [f.to_dict() for f in evaluate(inputs[k])]
                if got != expected[k]:
                    errors.append((n, i, k))
            results[n] = True
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == [] and len(results) == 8


def test_the_host_has_no_timer_threads():
    """STYLE: the default host's timer threads read freed state; ours has none."""
    assert isinstance(lang._main_host, NoTimerHost)
    assert [t for t in threading.enumerate() if isinstance(t, threading.Timer)] == []


@pytest.mark.parametrize("mutate,message", [
    (lambda f: f.update(as_of="2024-03-06T00:00:00"), "time zone"),
    (lambda f: f.pop("as_of"), "as_of"),
    (lambda f: f["contract"].update(scheme="nowhere"), "contract.scheme"),
    (lambda f: f.update(complaints=[{"id": "a", "received_on": "2024-01-01"}, {"id": "a", "received_on": "2024-01-02"}]),
     "appears twice"),
    (lambda f: f.update(complaints=[{"received_on": "2024-01-01"}]), "needs an id"),
    (lambda f: f.update(period_scores=[{"id": "s", "period": "2024", "score": 59.5}]), "not a float"),
    (lambda f: f.update(submissions=[{"id": "s", "kind": "monthly_plan", "period": "2024-13",
                                      "submitted_at": "2024-01-01T00:00:00Z"}]), "period"),
    (lambda f: f.update(workers=[{"id": "w", "resident_id": "x", "hired_on": "2024-01-01"}]), "contract_signed"),
])
def test_malformed_facts_are_rejected_before_the_engine_runs(kit, mutate, message):
    facts = kit.facts("jindong-2021", "2024-06-30T00:00:00+08:00", period="2024")
    mutate(facts)
    with pytest.raises(InvalidFacts, match=message):
        evaluate(facts)


def test_list_rules_gives_complete_metadata():
    rules = list_rules()
    ids = [r.id for r in rules]
    assert ids == sorted(set(ids)) and len(ids) >= 25
    for r in rules:
        assert r.id.split(".")[0] in {"attendance", "deadlines", "workers", "conduct", "consequences", "integrity"}
        assert r.clause.seed in {"000", "001", "002", "004"} and r.clause.text and r.clause.item
        assert "seed" not in r.clause.cite() and r.clause.cite().count("《") == 1, r.clause.cite()
        assert any("\u4e00" <= ch <= "\u9fff" for ch in r.clause.text + r.message_zh)
        assert r.message_en and r.schemes and r.scheme_item
        if r.kind not in ("tally", "derived"):
            assert r.penalty.points is not None or r.penalty.consequence
        json.dumps(r.to_dict(), ensure_ascii=False)
    must = {"attendance.resident_staff_days", "attendance.anomaly", "attendance.no_uniform", "deadlines.monthly_plan_late",
            "deadlines.monthly_summary_late", "deadlines.monthly_report_late", "deadlines.job_information_missing",
            "deadlines.quarterly_ledger_missing", "deadlines.annual_summary_missing", "workers.labour_contract_missing",
            "workers.delivered_worker_status", "conduct.credit_grade_c_fail", "conduct.credit_grade_d_disqualified",
            "conduct.verified_complaint", "conduct.incidents_veto", "conduct.five_or_more_complaints",
            "conduct.collective_dispute_lost", "conduct.individual_dispute_lost", "consequences.rectification_notice",
            "consequences.termination_proposed", "consequences.qualification_cancelled",
            "integrity.duplicate_worker_claim"}
    assert must <= set(ids)


def test_rules_package_imports_nothing_from_the_portal_or_the_database():
    forbidden = ("portal", "flask", "sqlmodel", "sqlalchemy")
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in forbidden, f"{path.name} imports {name}"
        assert "/work/shared" not in path.read_text(encoding="utf-8")
