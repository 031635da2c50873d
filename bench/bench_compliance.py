"""Benchmark: compliance rules through evaluate() (durable_rules) vs the same checks in plain Python.

2,000 contracts × 12 monthly sweeps = 24,000 evaluations. Each sweep evaluates one contract as of
09:00 on the 6th of the following month (Shanghai) with the facts that exist by then. The plain
Python version reads the same facts through the same ``prepare`` step and applies the same checks;
every evaluation's set of dedup keys must agree, so the comparison is like for like.

    python bench/bench_compliance.py [--contracts 2000] [--months 12] [--seed 1]

Prints a markdown section (for docs/benchmarks.md).
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from rules.compliance import MODULES, evaluate  # noqa: E402
from rules.compliance import attendance, conduct, consequences, deadlines, integrity, workers  # noqa: E402
from rules.compliance.engine import evaluate_batches  # noqa: E402
from rules.compliance.facts import SHANGHAI, read_input  # noqa: E402
from rules.identifiers import resident_id_check_char  # noqa: E402

SCHEMES = [("qianxi-2022", 20), ("jindong-2021", 25), ("pingxiang-2024-lot1", 15), ("ningming-2024-lot2", 10),
           ("wujiang-2022", 25), ("xingan", 5)]
YEAR = 2024


def resident_id(rng: random.Random, province: str | None = None) -> str:
    prov = province or rng.choice(["52", "51", "43", "45", "36", "33"])
    born = date(1960, 1, 1) + timedelta(days=rng.randrange(0, 365 * 48))
    first17 = f"{prov}0102{born:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return first17 + resident_id_check_char(first17)


def at(day: date, hour: int, minute: int = 0, second: int = 0) -> str:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=SHANGHAI).isoformat()


def month_after(y: int, mo: int) -> tuple[int, int]:
    return (y + 1, 1) if mo == 12 else (y, mo + 1)


def submission_time(rng: random.Random, due: date) -> str | None:
    """Mostly on time, sometimes at the edge, sometimes late, rarely never."""
    r = rng.random()
    if r < 0.03:
        return None
    if r < 0.10:
        return at(due + timedelta(days=rng.randrange(1, 5)), 10)
    if r < 0.15:
        return at(due, 23, 59, 59)
    return at(due - timedelta(days=rng.randrange(0, 4)), 9 + rng.randrange(0, 8))


def make_contract(n: int, rng: random.Random, shared_ids: list[str]) -> dict:
    scheme = rng.choices([s for s, _ in SCHEMES], weights=[w for _, w in SCHEMES])[0]
    cid = f"C{n:05d}"
    facts: dict = {"contract": {"id": cid, "scheme": scheme, "starts_on": f"{YEAR}-01-01", "ends_on": f"{YEAR}-12-31"},
                   "operator": {"id": f"OP{n:05d}"}, "period": str(YEAR)}
    subs: list[dict] = []
    if scheme in ("pingxiang-2024-lot1", "ningming-2024-lot2"):
        for mo in range(1, 13):
            ny, nm = month_after(YEAR, mo)
            for kind, due in (("monthly_plan", date(YEAR, mo, 5)), ("monthly_summary", date(ny, nm, 5)),
                              ("monthly_report", date(ny, nm, 5))):
                t = submission_time(rng, due)
                if t:
                    subs.append({"id": f"{kind}-{mo}", "kind": kind, "period": f"{YEAR}-{mo:02d}", "submitted_at": t})
                    if rng.random() < 0.1:  # a correction: a second version, later
                        subs.append({"id": f"{kind}-{mo}-v2", "kind": kind, "period": f"{YEAR}-{mo:02d}", "version": 2,
                                     "submitted_at": at(due + timedelta(days=7), 11)})
        checks = []
        for mo in range(1, 13):
            for d in range(8, 15):  # one week's spot check a month
                day = date(YEAR, mo, d)
                for staff in ("P1", "P2", "P3", "P4"):
                    late = rng.random() < 0.03
                    checks.append({"id": f"chk-{mo}-{d}-{staff}", "station": "PARK", "staff": staff, "date": day.isoformat(),
                                   "clock_in": "09:07" if late else "08:55", "clock_out": "18:02",
                                   "uniform": rng.random() > 0.02})
        facts["attendance_checks"] = checks
        facts["period_scores"] = [
            {"id": f"ps{i}", "period": f"{YEAR}-P{i}", "score": f"{rng.choice([45, 55, 75, 88, 93])}.{rng.randrange(0, 100):02d}",
             "assessed_on": assessed, "rectification_passed_on": (f"{YEAR}-{int(assessed[5:7]) + 1:02d}-01"
                                                                  if rng.random() < 0.5 else None)}
            for i, assessed in ((1, f"{YEAR}-06-03"), (2, f"{YEAR}-10-03"))]
    elif scheme == "qianxi-2022":
        stations = ["WZ", "YW", "PT"]
        facts["stations"] = [{"id": s} for s in stations]
        facts["attendance"] = [{"id": f"att-{s}-{mo}", "station": s, "staff": f"P-{s}", "month": f"{YEAR}-{mo:02d}",
                                "days": rng.choice([12, 14, 15, 18, 20, 21, 22, 22, 22, 22])}
                               for s in stations for mo in range(1, 13) if rng.random() > 0.02]
        for mo in range(1, 13):
            ny, nm = month_after(YEAR, mo)
            last = date(ny, nm, 1) - timedelta(days=1)
            for kind in ("job_information", "work_report"):
                t = submission_time(rng, last)
                if t:
                    subs.append({"id": f"{kind}-{mo}", "kind": kind, "period": f"{YEAR}-{mo:02d}", "submitted_at": t})
        for q in range(1, 5):
            qend = date(YEAR, 3 * q + 1, 1) - timedelta(days=1) if q < 4 else date(YEAR, 12, 31)
            for ledger in ("jobs", "migrant_workers", "entrepreneurs"):
                t = submission_time(rng, qend)
                if t:
                    subs.append({"id": f"l-{q}-{ledger}", "kind": "quarterly_ledger", "ledger": ledger,
                                 "period": f"{YEAR}-Q{q}", "submitted_at": t})
        t = submission_time(rng, date(YEAR, 12, 31))
        if t:
            subs.append({"id": "annual", "kind": "annual_summary", "period": str(YEAR), "submitted_at": t})
    elif scheme == "jindong-2021":
        ws = []
        for i in range(rng.randrange(8, 20)):
            hired = date(YEAR, rng.randrange(1, 13), rng.randrange(1, 28))
            run = rng.choice([1, 2, 3, 6])
            months = []
            y, mo = hired.year, hired.month
            for _ in range(run):
                months.append(f"{y}-{mo:02d}")
                y, mo = month_after(y, mo)
            rid = shared_ids[rng.randrange(len(shared_ids))] if rng.random() < 0.01 else resident_id(rng)
            ws.append({"id": f"W{i}", "resident_id": rid, "station": "ST", "hired_on": hired.isoformat(),
                       "insured_months": months, "dispatched": rng.random() < 0.03,
                       "contract_signed": rng.random() > 0.05})
        facts["workers"] = ws
        facts["other_claims"] = [{"id": f"X{i}", "resident_id": shared_ids[rng.randrange(len(shared_ids))],
                                  "operator": "OP-OTHER", "period": str(YEAR)} for i in range(5)]
        facts["complaints"] = [{"id": f"cp{i}", "received_on": f"{YEAR}-{rng.randrange(1, 13):02d}-10",
                                "verified": rng.random() < 0.5} for i in range(rng.choice([0, 0, 1, 2, 3, 4]))]
        facts["incidents"] = [{"id": f"in{i}", "occurred_on": f"{YEAR}-{rng.randrange(1, 13):02d}-12"}
                              for i in range(rng.choice([0, 0, 0, 1]))]
        facts["period_scores"] = [{"id": "y-prev", "period": str(YEAR - 1), "score": str(rng.choice([55, 65, 85]))}]
    elif scheme == "wujiang-2022":
        facts["operator"].update(credit_grade=rng.choice("AAABBBBCD"), is_dispatch=rng.random() < 0.3,
                                 labour_credit_grade=rng.choice("ABBC"))
        facts["complaints"] = [{"id": f"cp{i}", "received_on": f"{YEAR}-{rng.randrange(1, 13):02d}-10"}
                               for i in range(rng.choice([0, 1, 2, 4, 5, 6]))]
        facts["disputes"] = [{"id": f"d{i}", "collective": rng.random() < 0.3, "outcome": rng.choice(["lost", "won"]),
                              "decided_on": f"{YEAR}-{rng.randrange(1, 13):02d}-20"} for i in range(rng.choice([0, 0, 1, 2]))]
    facts["submissions"] = subs
    return facts


def sweep(full: dict, month: int) -> dict:
    """The facts as they exist on the 6th of the month after ``month``, 09:00 Shanghai."""
    ny, nm = month_after(YEAR, month)
    as_of = datetime(ny, nm, 6, 9, 0, tzinfo=SHANGHAI)
    facts = dict(full)
    facts["as_of"] = as_of.isoformat()
    cutoff = as_of.date().isoformat()
    if "attendance" in full:
        facts["attendance"] = [r for r in full["attendance"] if int(r["month"][5:]) <= month]
    if "attendance_checks" in full:
        facts["attendance_checks"] = [r for r in full["attendance_checks"] if r["date"] <= cutoff]
    if "workers" in full:
        facts["workers"] = [r for r in full["workers"] if r["hired_on"] <= cutoff]
    if "period_scores" in full and full["contract"]["scheme"] == "jindong-2021" and month == 12:
        facts["period_scores"] = full["period_scores"] + [{"id": "y-this", "period": str(YEAR), "score": "58"}]
    return facts


# --- the same checks in plain Python --------------------------------------------------------------

def _key(rule_id: str, subject: dict, *key) -> str:
    parts = [rule_id] + [f"{k}={v}" for k, v in subject.items() if v is not None and v != ""] + [str(k) for k in key]
    return "|".join(parts)


def prepare_all(facts: dict):
    inp = read_input(facts)
    return inp, [(module.RULESET, module.prepare(inp)) for module in MODULES]


def plain_evaluate(facts: dict) -> set[str]:
    return plain_checks(*prepare_all(facts))


def plain_checks(inp, batches) -> set[str]:
    prepared = dict(batches)
    scheme, out = inp.scheme, set()

    for f in prepared[attendance.RULESET]:
        if f["t"] == "attendance_month":
            if (scheme in attendance.RESIDENT_STAFF_DAYS.schemes and f["as_of_us"] >= f["month_end_us"]
                    and f["days"] < attendance.MIN_RESIDENT_DAYS):
                out.add(_key("attendance.resident_staff_days",
                             {"contract": f["contract"], "station": f["station"], "staff": f["staff"], "month": f["month"]}))
        elif scheme in attendance.ATTENDANCE_ANOMALY.schemes and f["open_day"]:
            subject = {"contract": f["contract"], "station": f["station"], "staff": f["staff"], "date": f["date"]}
            if f["absent"]:
                out.add(_key("attendance.anomaly", subject, "absent"))
                continue
            if f["in_s"] > f["open_s"]:
                out.add(_key("attendance.anomaly", subject, "late_arrival"))
            if f["out_s"] < f["close_s"]:
                out.add(_key("attendance.anomaly", subject, "early_departure"))
            if not f["uniform"]:
                out.add(_key("attendance.no_uniform", subject, "no_uniform"))

    for f in prepared[deadlines.RULESET]:
        meta = deadlines.OBLIGATIONS[f["kind"]].meta
        if scheme not in meta.schemes:
            continue
        late = f["submitted"] and f["first_us"] >= f["cutoff_us"]
        missing = not f["submitted"] and f["as_of_us"] >= f["cutoff_us"]
        if late or missing:
            out.add(_key(meta.id, {"contract": f["contract"], "period": f["period"], "ledger": f["ledger"]}))

    for f in prepared[workers.RULESET]:
        if scheme not in workers.DELIVERED_WORKER_STATUS.schemes:
            continue
        reasons = []
        if not f["id_valid"]:
            reasons.append("workers.invalid_resident_id")
        else:
            if f["province_code"] == workers.ZHEJIANG:
                reasons.append("workers.household_in_zhejiang")
            if f["age_at_hire"] < f["minimum_age"] or f["age_at_hire"] >= f["retirement_age"]:
                reasons.append("workers.outside_working_age")
        if f["insured_run"] < workers.MIN_INSURED_MONTHS:
            reasons.append("workers.insurance_under_two_months")
        if f["dispatched"]:
            reasons.append("workers.dispatched")
        subject = {"contract": f["contract"], "worker": f["worker"]}
        out.update(_key(r, subject) for r in reasons)
        if not reasons and not f["contract_signed"]:
            out.add(_key("workers.labour_contract_missing", subject))

    incidents_and_complaints, complaints = 0, 0
    op = {"contract": inp.contract_id, "operator": inp.operator_id}
    for f in prepared[conduct.RULESET]:
        t = f["t"]
        if t == "operator" and scheme in conduct.CREDIT_GRADE_C.schemes:
            if f["is_hr"] and f["credit_grade"] == "C":
                out.add(_key("conduct.credit_grade_c_fail", op))
            if f["is_hr"] and f["credit_grade"] == "D":
                out.add(_key("conduct.credit_grade_d_disqualified", op))
            if f["is_dispatch"] and f["labour_credit_grade"] == "C":
                out.add(_key("conduct.dispatch_labour_credit_c_fail", op))
        elif t == "complaint":
            if scheme in conduct.VERIFIED_COMPLAINT.schemes and f["verified"]:
                incidents_and_complaints += 1
                out.add(_key("conduct.verified_complaint", {"contract": f["contract"], "complaint": f["src"]}))
                if f["serious"]:
                    out.add(_key("conduct.major_incident_cancel_qualification", op, f["src"]))
            if scheme in conduct.COMPLAINT_COUNT.schemes:
                complaints += 1
        elif t == "incident":
            if scheme in conduct.INCIDENT_COUNT.schemes:
                incidents_and_complaints += 1
                if f["major"]:
                    out.add(_key("conduct.major_incident_cancel_qualification", op, f["src"]))
            if scheme in conduct.MAJOR_INCIDENT_EXPELLED.schemes and f["major"]:
                out.add(_key("conduct.major_incident_expelled", op, f["src"]))
        elif t == "dispute" and scheme in conduct.COLLECTIVE_DISPUTE_LOST.schemes and f["outcome"] == "lost":
            rule_id = "conduct.collective_dispute_lost" if f["collective"] else "conduct.individual_dispute_lost"
            out.add(_key(rule_id, {"contract": f["contract"], "dispute": f["src"]}))
    if incidents_and_complaints >= 3 and scheme in conduct.INCIDENTS_VETO.schemes:
        out.add(_key("conduct.incidents_veto", op))
    if complaints >= 5 and scheme in conduct.FIVE_OR_MORE_COMPLAINTS.schemes:
        out.add(_key("conduct.five_or_more_complaints", op))

    annual = []
    for f in prepared[consequences.RULESET]:
        if f["t"] == "period_score" and scheme in consequences.RECTIFICATION_NOTICE.schemes:
            if f["score_cents"] < consequences.RECTIFY_BELOW:
                subject = {"contract": f["contract"], "period": f["period"]}
                out.add(_key("consequences.rectification_notice", subject))
                if f["as_of_us"] >= f["due_cutoff_us"] and (not f["rectified"] or f["rectified_us"] >= f["due_cutoff_us"]):
                    out.add(_key("consequences.termination_proposed", subject))
        elif f["t"] == "annual_result" and scheme in consequences.QUALIFICATION_CANCELLED.schemes:
            annual.append(f)
    failing = {(f["subject_key"], f["year"]): f for f in annual if f["score_cents"] < consequences.PASS_MARK or f["vetoed"]}
    for (subject_key, year), f in failing.items():
        if (subject_key, year + 1) in failing:
            out.add(_key("consequences.qualification_cancelled", {"contract": f["contract"], "station": f["station"]},
                         year, year + 1))

    claims = prepared[integrity.RULESET]
    if scheme in integrity.DUPLICATE_WORKER_CLAIM.schemes:
        by_id: dict[tuple[str, str], list[dict]] = {}
        for f in claims:
            by_id.setdefault((f["resident_id"], f["period"]), []).append(f)
        for group in by_id.values():
            for a in group:
                if not a["local"]:
                    continue
                for b in group:
                    if b["owner"] != a["owner"]:
                        pair = sorted([(a["owner"], a["claim"]), (b["owner"], b["claim"])])
                        out.add(_key("integrity.duplicate_worker_claim", {"contract": a["contract"], "period": a["period"]},
                                     *[f"{o}#{c}" for o, c in pair]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--contracts", type=int, default=2000)
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    shared_ids = [resident_id(rng, "52") for _ in range(200)]
    t0 = time.perf_counter()
    contracts = [make_contract(n, rng, shared_ids) for n in range(args.contracts)]
    sweeps = [sweep(c, mo) for c in contracts for mo in range(1, args.months + 1)]
    gen_s = time.perf_counter() - t0
    n_rows = sum(sum(len(v) for v in s.values() if isinstance(v, list)) for s in sweeps)

    evaluate(sweeps[0])  # warm up
    engine_keys, per_eval = [], []
    t0 = time.perf_counter()
    for facts in sweeps:
        s0 = time.perf_counter()
        engine_keys.append({f.dedup_key for f in evaluate(facts)})
        per_eval.append(time.perf_counter() - s0)
    engine_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    plain_keys = [plain_evaluate(facts) for facts in sweeps]
    plain_s = time.perf_counter() - t0

    # The rule part alone, on facts already read and prepared (in chunks, to bound memory).
    engine_only = plain_only = prepare_s = 0.0
    for start in range(0, n_sweeps := len(sweeps), 500):
        t0 = time.perf_counter()
        chunk = [prepare_all(facts) for facts in sweeps[start:start + 500]]
        prepare_s += time.perf_counter() - t0
        t0 = time.perf_counter()
        for inp, batches in chunk:
            evaluate_batches(batches, inp)
        engine_only += time.perf_counter() - t0
        t0 = time.perf_counter()
        for inp, batches in chunk:
            plain_checks(inp, batches)
        plain_only += time.perf_counter() - t0
    assert n_sweeps == len(sweeps)

    mismatches = [i for i, (a, b) in enumerate(zip(engine_keys, plain_keys)) if a != b]
    findings = sum(len(k) for k in engine_keys)
    by_rule: dict[str, int] = {}
    for keys in engine_keys:
        for k in keys:
            by_rule[k.split("|")[0]] = by_rule.get(k.split("|")[0], 0) + 1
    n = len(sweeps)
    per_eval.sort()
    print("## Compliance rules: durable_rules vs plain Python\n")
    print(f"`bench/bench_compliance.py --contracts {args.contracts} --months {args.months} --seed {args.seed}` — "
          f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPU(s), one thread, "
          f"{datetime.now(tz=SHANGHAI):%Y-%m-%d}.\n")
    print(f"- data: {args.contracts:,} contracts ({', '.join(s for s, _ in SCHEMES)}) × {args.months} monthly sweeps "
          f"= **{n:,} evaluations**, {n_rows:,} input rows (avg {n_rows / n:.1f} per evaluation); generated in {gen_s:.1f} s")
    print(f"- findings: {findings:,} in total; results identical in both implementations: "
          f"**{'yes' if not mismatches else f'NO ({len(mismatches)} evaluations differ)'}**\n")
    print("| | total | per evaluation | evaluations/s |")
    print("|---|---:|---:|---:|")
    print(f"| `evaluate()` (read + prepare + durable_rules) | {engine_s:.2f} s | {engine_s / n * 1e6:,.0f} µs | {n / engine_s:,.0f} |")
    print(f"| plain Python (read + prepare + checks) | {plain_s:.2f} s | {plain_s / n * 1e6:,.0f} µs | {n / plain_s:,.0f} |")
    print(f"| shared read + prepare alone | {prepare_s:.2f} s | {prepare_s / n * 1e6:,.0f} µs | |")
    print(f"| rules alone, durable_rules (sessions, asserts, actions) | {engine_only:.2f} s | {engine_only / n * 1e6:,.0f} µs | {n / engine_only:,.0f} |")
    print(f"| rules alone, plain Python | {plain_only:.2f} s | {plain_only / n * 1e6:,.0f} µs | {n / plain_only:,.0f} |")
    print()
    print(f"- **ratio, rules alone: {engine_only / plain_only:.0f}×** slower through durable_rules; "
          f"end to end (including reading and preparing the facts, shared by both): {engine_s / plain_s:.1f}×")
    print(f"- evaluate() latency: median {statistics.median(per_eval) * 1e3:.2f} ms, "
          f"p95 {per_eval[int(0.95 * n)] * 1e3:.2f} ms, max {per_eval[-1] * 1e3:.2f} ms")
    print(f"- a full monthly sweep of {args.contracts:,} contracts takes ≈ {engine_s / args.months:.1f} s on one core "
          f"(the process lock serialises evaluations; parallelism comes from worker processes)")
    print("- findings by rule: " + ", ".join(f"`{k}` {v:,}" for k, v in sorted(by_rule.items())))
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    print(f"- machine load average at the end (1/5/15 min): {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} — "
          "other processes on the machine inflate every figure alike")
    if mismatches:
        i = mismatches[0]
        print(f"\nfirst mismatch (evaluation {i}): engine-only {sorted(engine_keys[i] - plain_keys[i])[:3]}, "
              f"plain-only {sorted(plain_keys[i] - engine_keys[i])[:3]}")
        sys.exit(1)


if __name__ == "__main__":
    main()
