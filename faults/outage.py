"""The database stopped for a few seconds under concurrent submitters, through real gunicorn and real HTTP posts.

Every answer must be the truth: a report answered as saved is stored exactly once; one answered "not saved" is not
stored; while the database is down every page is the 503 page (with Retry-After), never a bare 500.
"""
from __future__ import annotations

import os
import re
import signal
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from faults.cluster import Cluster
from faults.server import REPORT, REPORT_PATH, Browser, Gunicorn, seed, unavailable_state

SAVED = "已提交第"
ALREADY = "这份表单此前已提交"
_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
_FORM_KEY = re.compile(r'name="once" type="hidden" value="([^"]+)"')


@dataclass
class Answer:
    submitter: int
    narrative: str | None  # None: the GET of the form
    sent: float
    answered: float
    outcome: str  # saved | already | refused | 503:<state> | 5xx:<status> | no answer: <error> | page:<status>
    retry_after: str | None = None


# Told the report is stored / may be stored; anything else says it is not.
TOLD_SAVED = ("saved", "already", "503:saved")


def _maybe(outcome: str) -> bool:
    return outcome.startswith("no answer") or outcome == "503:unknown"


@dataclass
class Outcome:
    fault: str
    answers: list[Answer] = field(default_factory=list)
    stored: Counter = field(default_factory=Counter)  # narrative -> rows
    down_from: float = 0.0
    down_until: float = 0.0
    stop_seconds: float = 0.0
    start_seconds: float = 0.0
    recovered_after: float | None = None  # seconds from the restart to the first saved report
    server_log: str = ""

    @property
    def posts(self) -> list[Answer]:
        return [a for a in self.answers if a.narrative is not None]

    @property
    def counts(self) -> Counter:
        return Counter(a.outcome.split(":")[0] if a.outcome.startswith("no answer") else a.outcome
                       for a in self.posts)

    @property
    def forms(self) -> dict[str, list[str]]:
        """Each form filled in (one narrative, one form key) -> the answers to its posts, in order."""
        forms: dict[str, list[str]] = {}
        for a in sorted(self.posts, key=lambda a: a.sent):
            forms.setdefault(a.narrative, []).append(a.outcome)
        return forms

    def lies(self) -> list[str]:
        """Every form whose answers were not the truth about what was stored."""
        lies = []
        for narrative, outcomes in self.forms.items():
            rows = self.stored[narrative]
            told_saved = any(o in TOLD_SAVED for o in outcomes)
            if rows > 1:
                lies.append(f"{narrative}: stored {rows} times ({outcomes})")
            elif told_saved and rows != 1:
                lies.append(f"{narrative}: told saved, stored {rows} times ({outcomes})")
            elif not told_saved and not any(_maybe(o) for o in outcomes) and rows:
                lies.append(f"{narrative}: told not saved, stored ({outcomes})")
            for i, o in enumerate(outcomes):  # "already saved" only after a post that may have stored it
                if o == "already" and not any(_maybe(p) or p == "503:saved" for p in outcomes[:i]):
                    lies.append(f"{narrative}: told already saved out of nowhere ({outcomes})")
        lies += [f"{n}: stored but never sent" for n in self.stored if n not in self.forms]
        return lies

    def resent_after_no_answer(self) -> list[tuple[str, list[str]]]:
        return [(n, o) for n, o in self.forms.items() if any(_maybe(x) for x in o)]

    def wrong_while_down(self) -> list[Answer]:
        """Answers to requests sent and answered wholly inside the outage that are not the 503 page with Retry-After."""
        return [a for a in self.answers if self.down_from < a.sent and a.answered < self.down_until
                and not ((a.outcome.startswith("503:") or a.outcome.startswith("page:503:")) and a.retry_after)]

    def bare_errors(self) -> list[Answer]:
        return [a for a in self.answers if a.outcome.startswith("5xx") or a.outcome.startswith("page:5")
                and not a.outcome.startswith("page:503:")]


def _open_form(browser: Browser, path: str, n: int, answers: list, lock) -> tuple[str, str] | None:
    """GET the report form as a user opens it: (CSRF token, form key), or None if the page did not come."""
    sent = time.monotonic()
    status, headers, html = 0, {}, ""
    try:
        status, headers, html = browser.get(path)
        state = unavailable_state(html)
        outcome = f"page:{status}" + (":" + state[1] if status == 503 and state else "")
    except OSError as exc:
        outcome = f"page: no answer: {type(exc).__name__}"
    with lock:
        answers.append(Answer(n, None, sent, time.monotonic(), outcome, headers.get("Retry-After") if headers else None))
    csrf, key = _TOKEN.search(html), _FORM_KEY.search(html)
    return (csrf.group(1), key.group(1)) if status == 200 and csrf and key else None


def _submit_until(stop: threading.Event, browser: Browser, n: int, contract_id: int, answers: list, lock) -> None:
    """One user: opens the form, fills it in, sends it; sends the same form again while it is not known to be
    stored (503 "not saved", "cannot confirm", no answer), as the page asks; then opens a new form."""
    path = REPORT_PATH.format(contract_id=contract_id)
    form, k, narrative = None, 0, ""
    while not stop.is_set():
        if form is None:
            form = _open_form(browser, path, n, answers, lock)
            if form is None:
                time.sleep(0.05)
                continue
            k += 1
            narrative = f"演练报告 s{n:02d} n{k:04d}"
        csrf, key = form
        sent = time.monotonic()
        retry_after = None
        try:
            status, headers, html = browser.post(path, {**REPORT, "narrative": narrative, "csrf_token": csrf,
                                                        "once": key})
            answered = time.monotonic()
            retry_after = headers.get("Retry-After")
            if status == 302:
                last = (browser.flashes() or [""])[-1]
                outcome = "saved" if last.startswith(SAVED) else "already" if last.startswith(ALREADY) else "refused"
            elif status == 503 and unavailable_state(html):
                outcome = "503:" + unavailable_state(html)[1]
            elif status >= 500:
                outcome = f"5xx:{status}"
            else:
                outcome = str(status)
        except OSError as exc:  # refused, reset, timed out: the browser shows its own error, the user knows nothing
            outcome, answered = f"no answer: {type(exc).__name__}", time.monotonic()
        with lock:
            answers.append(Answer(n, narrative, sent, answered, outcome, retry_after))
        if outcome in TOLD_SAVED or outcome == "refused":
            form = None  # done with this form: the next one is opened (which shows, and so clears, the message)
        time.sleep(0.05)


def run(*, submitters: int = 20, before: float = 3.0, down: float = 5.0, after: float = 5.0, mode: str = "fast",
        kill_worker: bool = False) -> Outcome:
    """Submitters post monthly reports for `before` s; then the database is stopped (pg_ctl -m `mode`) for `down` s
    (or, with kill_worker, a gunicorn worker is SIGKILLed mid-load instead); then `after` s more."""
    fault = (f"SIGKILL of a gunicorn worker under {submitters} submitters" if kill_worker else
             f"PostgreSQL stopped (pg_ctl -m {mode}) for {down:g} s under {submitters} submitters")
    outcome = Outcome(fault)
    cluster = Cluster().create()
    server = None
    stop = threading.Event()
    threads = []
    try:
        with tempfile.TemporaryDirectory(prefix="kaohe-faults.") as workdir:
            contracts = seed(cluster.url, submitters)
            server = Gunicorn(cluster.url, Path(workdir))
            server.wait_ready()
            answers, lock = outcome.answers, threading.Lock()
            browsers = []
            for _ in contracts:
                browser = Browser(server.port)
                browser.login()
                browsers.append(browser)
            for n, (browser, contract_id) in enumerate(zip(browsers, contracts)):
                thread = threading.Thread(target=_submit_until, args=(stop, browser, n, contract_id, answers, lock),
                                          daemon=True)
                thread.start()
                threads.append(thread)
            time.sleep(before)
            if kill_worker:
                outcome.down_from = outcome.down_until = time.monotonic()
                os.kill(server.workers()[0], signal.SIGKILL)
                restarted = outcome.down_from
            else:
                began = time.monotonic()
                outcome.stop_seconds = cluster.stop(mode)
                outcome.down_from = time.monotonic()
                time.sleep(max(0.0, down - (outcome.down_from - began)))
                outcome.down_until = time.monotonic()
                outcome.start_seconds = cluster.start()
                restarted = outcome.down_until
            time.sleep(after)
            stop.set()
            for thread in threads:
                thread.join(timeout=30)
            first = [a.answered for a in answers if a.outcome in TOLD_SAVED and a.sent > restarted]
            outcome.recovered_after = (min(first) - restarted) if first else None
            outcome.server_log = server.log.read_text(errors="replace")
            engine = sa.create_engine(cluster.url)
            with engine.connect() as conn:
                rows = conn.execute(sa.text("SELECT narrative, count(*) FROM submission WHERE narrative LIKE '演练报告 %' "
                                            "GROUP BY narrative"))
                outcome.stored = Counter({narrative: count for narrative, count in rows})
            engine.dispose()
    finally:
        stop.set()
        if server is not None:
            server.stop()
        cluster.destroy()
    return outcome
