"""The database stopped for a few seconds under concurrent submitters, through real gunicorn and real HTTP posts.

Every answer must be the truth: a report answered as saved is stored exactly once; one answered "not saved" is not
stored; while the database is down every page is the 503 page (with Retry-After), never a bare 500.
"""
from __future__ import annotations

import os
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


@dataclass
class Answer:
    submitter: int
    narrative: str
    sent: float
    answered: float
    outcome: str  # saved | refused | 503:<state> | 5xx:<status> | no answer: <error> | <status>
    retry_after: str | None = None


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
    def counts(self) -> Counter:
        return Counter(a.outcome.split(":")[0] if a.outcome.startswith("no answer") else a.outcome
                       for a in self.answers)

    def lies(self) -> list[str]:
        """Every answer that was not the truth about what was stored."""
        lies = []
        for a in self.answers:
            rows = self.stored[a.narrative]
            if a.outcome == "saved" and rows != 1:
                lies.append(f"{a.narrative}: answered saved, stored {rows} times")
            elif a.outcome in ("refused", "503:not_saved") and rows != 0:
                lies.append(f"{a.narrative}: answered {a.outcome}, stored {rows} times")
            elif a.outcome == "503:saved" and rows != 1:
                lies.append(f"{a.narrative}: answered 503 saved, stored {rows} times")
            elif rows > 1:
                lies.append(f"{a.narrative}: stored {rows} times")
        sent = {a.narrative for a in self.answers}
        lies += [f"{n}: stored but never sent" for n in self.stored if n not in sent]
        return lies

    def wrong_while_down(self) -> list[Answer]:
        """Answers to posts sent and answered wholly inside the outage that are not the 503 page with Retry-After."""
        return [a for a in self.answers if self.down_from < a.sent and a.answered < self.down_until
                and not (a.outcome.startswith("503:") and a.retry_after)]

    def bare_errors(self) -> list[Answer]:
        return [a for a in self.answers if a.outcome.startswith("5xx")]


def _submit_until(stop: threading.Event, browser: Browser, n: int, contract_id: int, answers: list, lock) -> None:
    path = REPORT_PATH.format(contract_id=contract_id)
    token = browser.token(path)
    k = 0
    while not stop.is_set():
        k += 1
        narrative = f"演练报告 s{n:02d} n{k:04d}"
        sent = time.monotonic()
        retry_after = None
        try:
            status, headers, html = browser.post(path, {**REPORT, "narrative": narrative, "csrf_token": token})
            answered = time.monotonic()
            retry_after = headers.get("Retry-After")
            if status == 302:
                flashes = browser.flashes()
                outcome = "saved" if flashes and flashes[-1].startswith(SAVED) else "refused"
                try:
                    browser.get(headers["Location"])  # as a browser would: shows (and so clears) the message
                except OSError:
                    pass
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
            first = [a.answered for a in answers if a.outcome == "saved" and a.sent > restarted]
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
