"""The mail outbox against a loopback SMTP server that fails on demand, delivered by real `flask mail` processes.

The SMTP server (aiosmtpd, in this process) decides per recipient how to misbehave: slow to check a recipient,
550 for good, 421 or a dropped line on QUIT after the 250, a 250 that comes after the client's timeout, 451 on
the first try. Delivery runs are separate processes (`python -m flask --app portal mail`), started at once,
killed with SIGKILL mid-batch; the bureau admin's retry is a real POST to real gunicorn. Everything is counted
from what the server received (by Message-ID) and what the database holds, on PostgreSQL and SQLite.
"""
from __future__ import annotations

import asyncio
import email
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email import policy
from pathlib import Path

import sqlalchemy as sa

from faults.cluster import Cluster, free_port
from faults.server import PASSWORD, ROOT, SECRET_KEY, Browser, Gunicorn, seed

ADMIN, RECIPIENT = "faults-mail-admin", "faults-mail-reviewer"
SCENARIOS = ("concurrent", "quit", "permanent", "killed", "killed_after_250")
_LINE = re.compile(r"mail sent (\d+), failed (\d+), dead (\d+); outbox: waiting (\d+), failed (\d+) \(retried later\), "
                   r"dead (\d+) \(retry by hand\), sent (\d+)")


class Inbox:
    """An SMTP server's handler that misbehaves by the recipient's local part:

    ok-*        accepted (after `rcpt_delay` s over the recipient, like a server checking it)
    quit421-*   accepted, then 421 to QUIT          quitdrop-*  accepted, then the line dropped on QUIT
    late-*      the 250 to the data comes `late_delay` s later (beyond the client's MAIL_TIMEOUT)
    refuse-*    550 to the recipient while `refusing`
    temp-*      451 to the data the first time a Message-ID is seen
    The 250 to the data can be followed at once by SIGKILL to a process (`kill_after`: (n-th mail, pid)).
    """

    def __init__(self, rcpt_delay: float = 0.0, late_delay: float = 2.0):
        self.rcpt_delay, self.late_delay = rcpt_delay, late_delay
        self.refusing = True
        self.kill_after: tuple[int, int] | None = None
        self.received: list[str] = []  # Message-IDs of the mails accepted (250 to the data), in order
        self.refused: Counter = Counter()  # reply code -> times
        self.seen: set[str] = set()
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        await asyncio.sleep(self.rcpt_delay)
        if address.startswith("refuse-") and self.refusing:
            self.refused["550"] += 1
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message_id = email.message_from_bytes(envelope.content, policy=policy.default)["Message-ID"] or ""
        address = envelope.rcpt_tos[0]
        if address.startswith("temp-") and message_id not in self.seen:
            self.seen.add(message_id)
            self.refused["451"] += 1
            return "451 4.3.0 try again later"
        if address.startswith("late-"):
            await asyncio.sleep(self.late_delay)
        with self.lock:
            self.received.append(message_id)
            n = len(self.received)
        if self.kill_after and n == self.kill_after[0]:
            # The 250 is written to the socket before this callback runs: the client dies having been told
            # "delivered" but before it can record it, the one window SMTP leaves open.
            asyncio.get_running_loop().call_soon(os.kill, self.kill_after[1], signal.SIGKILL)
        return "250 2.0.0 OK queued"

    async def handle_QUIT(self, server, session, envelope):
        address = (envelope.rcpt_tos or [""])[0] if envelope else ""
        if address.startswith("quit421-"):
            return "421 4.3.2 service shutting down"
        if address.startswith("quitdrop-"):
            server.transport.abort()  # no 221: the connection is reset
        return "221 Bye"


class SmtpServer:
    def __init__(self, inbox: Inbox):
        from aiosmtpd.controller import Controller

        self.port = free_port()
        self.inbox = inbox
        self.controller = Controller(inbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> "SmtpServer":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


@dataclass
class Run:
    """One `flask mail` process and the line it printed."""

    label: str
    line: str = ""
    returncode: int | None = None
    killed: bool = False
    seconds: float = 0.0

    @property
    def figures(self) -> dict[str, int] | None:
        m = _LINE.search(self.line)
        if not m:
            return None
        keys = ("sent", "failed", "dead", "waiting_after", "failed_after", "dead_after", "sent_after")
        return dict(zip(keys, map(int, m.groups())))

    def describe(self) -> str:
        if self.killed:
            return f"{self.label}: killed (SIGKILL) after {self.seconds:.1f} s"
        if self.figures is None:
            return f"{self.label}: exit {self.returncode}, `{self.line.strip()[-300:]}`"
        return f"{self.label}: `{self.line.strip()}`"


@dataclass
class MailOutcome:
    scenario: str
    database: str
    queued: int = 0
    received: list[str] = field(default_factory=list)  # Message-IDs accepted by the server
    runs: list[Run] = field(default_factory=list)
    states: Counter = field(default_factory=Counter)  # state in the database after the last run
    attempts: Counter = field(default_factory=Counter)  # attempts -> mails
    stored_ids: set[str] = field(default_factory=set)  # Message-IDs recorded in the rows
    claimed_left: int = 0
    admin: dict = field(default_factory=dict)  # the bureau admin's page and retries (permanent)
    steps: list[str] = field(default_factory=list)  # what was measured between runs
    error: str = ""

    @property
    def duplicates(self) -> int:
        return len(self.received) - len(set(self.received))

    @property
    def lost(self) -> int:
        """Mails recorded as sent that the server never accepted, or sent mails missing from the server."""
        return len(self.stored_ids - set(self.received))


class Outbox:
    """A database with a bureau, its admin and a recipient; mails put in the outbox directly."""

    def __init__(self, url: str, workdir: Path):
        self.url, self.workdir = url, workdir
        seed(url, 0)
        self.engine = sa.create_engine(url)
        from sqlmodel import Session

        from portal.auth.models import User
        from portal.auth.services import hash_password
        from portal.organisations.models import Bureau

        with Session(self.engine) as session:
            bureau_id = session.execute(sa.select(Bureau.id)).scalars().first()
            session.add(User(username=ADMIN, display_name="演练管理员", role="admin", bureau_id=bureau_id,
                             password_hash=hash_password(PASSWORD)))
            recipient = User(username=RECIPIENT, display_name="演练审核员", role="reviewer", bureau_id=bureau_id,
                             email="reviewer@example.test", password_hash=hash_password(PASSWORD))
            session.add(recipient)
            session.commit()
            self.bureau_id, self.user_id = bureau_id, recipient.id
        self.made = 0

    def empty(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM outbox_mail"))
            conn.execute(sa.text("DELETE FROM notification"))

    def queue(self, addresses: list[str]) -> None:
        from sqlmodel import Session

        from portal.notifications.models import Notification, OutboxMail

        with Session(self.engine) as session:
            for address in addresses:
                self.made += 1
                note = Notification(user_id=self.user_id, bureau_id=self.bureau_id, dedup_key=f"faults|{self.made}",
                                    kind="violation", subject=f"【考核】演练通知 {self.made}",
                                    body=f"第 {self.made} 封", link="/")
                session.add(note)
                session.flush()
                session.add(OutboxMail(notification_id=note.id, to_address=address, subject=note.subject,
                                       body=note.body))
            session.commit()

    def measure(self, outcome: MailOutcome) -> None:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.text(
                "SELECT sent_at IS NOT NULL, dead_at IS NOT NULL, last_error, attempts, message_id, claimed_by "
                "FROM outbox_mail")).all()
        outcome.states = Counter("sent" if sent else "dead" if dead else "failed" if error else "waiting"
                                 for sent, dead, error, _a, _m, _c in rows)
        outcome.attempts = Counter(a for *_x, a, _m, _c in rows)
        outcome.stored_ids = {m for sent, *_x, m, _c in rows if sent}
        outcome.claimed_left = sum(1 for *_x, c in rows if c)

    def states(self) -> str:
        o = MailOutcome("", "")
        self.measure(o)
        return ", ".join(f"{k} {o.states[k]}" for k in ("waiting", "failed", "dead", "sent"))


class Runner:
    """Starts `flask mail` processes on the database, pointed at the SMTP server."""

    def __init__(self, url: str, smtp_port: int, workdir: Path):
        self.env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DATABASE_URL": url, "SECRET_KEY": SECRET_KEY,
                    "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp_port), "MAIL_TIMEOUT": "1",
                    "MAIL_FROM": "kaohe@faults.test", "TASKS_SQLITE_PATH": str(workdir / "tasks.sqlite3")}

    def start(self, *args: str, **env: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "flask", "--app", "portal", "mail", *args], cwd=ROOT,
                                env={**self.env, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def finish(self, process: subprocess.Popen, label: str, began: float, timeout: float = 120) -> Run:
        try:
            out, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            out, _ = process.communicate()
        run = Run(label, returncode=process.returncode, seconds=time.monotonic() - began)
        if process.returncode == -signal.SIGKILL:
            run.killed = True
        lines = [line for line in out.splitlines() if "mail sent" in line]
        run.line = lines[-1] if lines else out[-500:]
        return run

    def run(self, label: str, *args: str, **env: str) -> Run:
        began = time.monotonic()
        return self.finish(self.start(*args, **env), label, began)


def _wait(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


# --- the scenarios ---------------------------------------------------------------------------

def concurrent(box: Outbox, runner: Runner, inbox: Inbox, mails: int = 40) -> MailOutcome:
    """Two `flask mail` runs started at the same instant over `mails` waiting mails, then a third after both."""
    o = MailOutcome("concurrent", "")
    box.queue([f"ok-{n}@example.test" for n in range(mails)])
    o.queued = mails
    began = time.monotonic()
    first, second = runner.start(), runner.start()
    o.runs += [runner.finish(first, "run A", began), runner.finish(second, "run B", began)]
    o.runs.append(runner.run("run C, after both, `--now`", "--now"))
    return o


def quit_errors(box: Outbox, runner: Runner, inbox: Inbox, each: int = 4) -> MailOutcome:
    """250 to the data, then 421 on QUIT / the line dropped on QUIT / the 250 only after the client's timeout."""
    o = MailOutcome("quit", "")
    addresses = ([f"quit421-{n}@example.test" for n in range(each)] + [f"quitdrop-{n}@example.test" for n in range(each)]
                 + [f"late-{n}@example.test" for n in range(2)])
    box.queue(addresses)
    o.queued = len(addresses)
    o.runs.append(runner.run("first run"))
    o.runs.append(runner.run("second run, `--now` (retry everything not sent)", "--now"))
    return o


def permanent(box: Outbox, runner: Runner, inbox: Inbox, workdir: Path, mails: int = 3, temporary: int = 2) -> MailOutcome:
    """550 to the recipient: dead at once, not retried; the bureau admin sees them and retries each (real POSTs
    through gunicorn); the server then accepts: each delivered once. Plus mails refused once with 451 (data):
    failed, retried, delivered with the Message-ID of the failed attempt."""
    o = MailOutcome("permanent", "")
    box.queue([f"refuse-{n}@example.test" for n in range(mails)] + [f"temp-{n}@example.test" for n in range(temporary)])
    o.queued = mails + temporary
    inbox.refusing = True
    o.runs.append(runner.run("first run (550 to the recipients, 451 to the data)"))
    with box.engine.connect() as conn:
        ids_after_451 = set(conn.execute(sa.text(
            "SELECT message_id FROM outbox_mail WHERE to_address LIKE 'temp-%'")).scalars())
    o.runs.append(runner.run("second run, `--now` (dead stays dead; the 451s retried)", "--now"))
    server = Gunicorn(box.url, workdir, workers=1)
    try:
        server.wait_ready()
        admin = Browser(server.port)
        admin.login(ADMIN, PASSWORD)
        status, _h, page = admin.get("/admin/outbox?state=dead")
        dead_shown = re.search(r'data-testid="count-dead">[^<]*?(\d+)<', page)
        forms = re.findall(r'<form method="post" action="(/admin/outbox/\d+/retry[^"]*)"', page)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        o.admin = {"page": status, "dead_count_shown": int(dead_shown.group(1)) if dead_shown else None,
                   "rows_with_retry": len(forms), "words": "邮件服务器拒收（550）" in page}
        inbox.refusing = False
        answers = [admin.post(action.replace("&amp;", "&"), {"csrf_token": token.group(1) if token else ""})[0]
                   for action in forms]
        o.admin["retry_answers"] = dict(Counter(answers))
        o.steps.append(f"after the admin's retries: {box.states()}")
    finally:
        server.stop()
    o.runs.append(runner.run("third run, after the admin's retries (the server now accepts)"))
    o.runs.append(runner.run("fourth run, `--now`", "--now"))
    o.admin["message_id_kept_after_451"] = ids_after_451 <= set(inbox.received) and "" not in ids_after_451
    return o


def killed(box: Outbox, runner: Runner, inbox: Inbox, mails: int = 20, after: int = 5) -> MailOutcome:
    """A run killed with SIGKILL mid-batch (while the server checks a recipient), then new runs."""
    o = MailOutcome("killed", "")
    box.queue([f"ok-{n}@example.test" for n in range(mails)])
    o.queued = mails
    began = time.monotonic()
    process = runner.start(MAIL_CLAIM_SECONDS="10")
    if _wait(lambda: len(inbox.received) >= after, 60):
        time.sleep(inbox.rcpt_delay / 2)  # the next mail is in flight: the server is checking its recipient
        process.send_signal(signal.SIGKILL)
    o.runs.append(runner.finish(process, "run A (claims held 10 s)", began))
    o.steps.append(f"after the kill: {len(inbox.received)} received; {box.states()}")
    o.runs.append(runner.run("run B, at once"))
    if (o.runs[-1].figures or {}).get("waiting_after"):
        time.sleep(max(0.0, began + 11 - time.monotonic()))
        o.runs.append(runner.run("run C, once run A's claims ran out"))
    return o


def killed_after_250(box: Outbox, runner: Runner, inbox: Inbox, mails: int = 10, after: int = 3) -> MailOutcome:
    """A run killed the instant the server's 250 to the data went out (before the run can record it)."""
    o = MailOutcome("killed_after_250", "")
    box.queue([f"ok-{n}@example.test" for n in range(mails)])
    o.queued = mails
    began = time.monotonic()
    process = runner.start(MAIL_CLAIM_SECONDS="5")
    inbox.kill_after = (after, process.pid)
    o.runs.append(runner.finish(process, "run A (claims held 5 s)", began))
    inbox.kill_after = None
    o.steps.append(f"after the kill: {len(inbox.received)} received; {box.states()}")
    o.runs.append(runner.run("run B, at once"))
    if (o.runs[-1].figures or {}).get("waiting_after"):
        time.sleep(max(0.0, began + 6 - time.monotonic()))
        o.runs.append(runner.run("run C, once run A's claims ran out"))
    return o


def run(database: str = "postgresql", scenarios: tuple[str, ...] = SCENARIOS) -> list[MailOutcome]:
    """Each scenario on an emptied outbox of one database ("postgresql": a throwaway cluster; "sqlite": a file)."""
    outcomes = []
    cluster = Cluster().create() if database == "postgresql" else None
    try:
        with tempfile.TemporaryDirectory(prefix="kaohe-faults-mail.") as tmp:
            workdir = Path(tmp)
            url = cluster.url if cluster else f"sqlite:///{workdir / 'kaohe.sqlite3'}"
            box = Outbox(url, workdir)
            for name in scenarios:
                inbox = Inbox(rcpt_delay=0.05 if name in ("concurrent",) else 0.2 if name == "killed" else 0.0)
                box.empty()
                with SmtpServer(inbox) as smtp:
                    runner = Runner(url, smtp.port, workdir)
                    try:
                        if name == "permanent":
                            o = permanent(box, runner, inbox, workdir)
                        else:
                            o = {"concurrent": concurrent, "quit": quit_errors, "killed": killed,
                                 "killed_after_250": killed_after_250}[name](box, runner, inbox)
                    except Exception as exc:  # a scenario that broke is reported, the others still run
                        o = MailOutcome(name, "", error=f"{type(exc).__name__}: {exc}")
                    o.database = database
                    o.received = list(inbox.received)
                    box.measure(o)
                outcomes.append(o)
            box.engine.dispose()
    finally:
        if cluster:
            cluster.destroy()
    return outcomes


# --- the section of docs/reliability.md --------------------------------------------------------

TITLES = {
    "concurrent": "Two delivery runs at once",
    "quit": "A 250, then an error on QUIT or a late 250",
    "permanent": "Permanent refusals: dead letters, the admin's retry; a temporary refusal",
    "killed": "A delivery run killed mid-batch",
    "killed_after_250": "A delivery run killed right after the server's 250",
}
INJECTED = {
    "concurrent": "40 mails waiting; two `flask mail` processes started at the same instant (the server takes "
                  "0.05 s over each recipient, so both are still running when the other claims); then a third run "
                  "with `--now` once both have ended.",
    "quit": "4 mails whose server answers 250 to the data and then 421 to QUIT, 4 whose server resets the connection "
            "on QUIT (no 221), 2 whose 250 comes 2 s after the data while `MAIL_TIMEOUT` is 1 s; one `flask mail`, "
            "then `flask mail --now`.",
    "permanent": "3 mails whose recipients the server refuses with 550, and 2 whose data it refuses once with 451; "
                 "`flask mail`, `flask mail --now`; then the bureau admin opens `/admin/outbox?state=dead` on real "
                 "gunicorn and presses “立即重发” on each dead mail (real POSTs with its CSRF token); the server now "
                 "accepts; `flask mail`, `flask mail --now`.",
    "killed": "20 mails; the server takes 0.2 s over each recipient; once it has accepted 5 mails, and 0.1 s later "
              "(the next mail's recipient being checked), the `flask mail` process gets SIGKILL (it ran with "
              "`MAIL_CLAIM_SECONDS=10`); a new run at once (and, if that left mails waiting, another once the killed "
              "run's claims ran out).",
    "killed_after_250": "10 mails; the server sends SIGKILL to the `flask mail` process the moment it has written "
                        "its 250 for the third mail, before the process can record it (the one window SMTP leaves "
                        "open: it has no two-phase commit); a new run at once (and, if that left mails waiting, another once the "
                        "killed run's claims, 5 s, ran out).",
}
EXPECTED = {
    "concurrent": "each mail received once; each row sent with exactly one attempt counted; the runs' “sent” add up "
                  "to the mails; the third run sends nothing.",
    "quit": "each mail received once and recorded as sent at the first run (a 250 is a delivery whatever QUIT "
            "answers and however late it comes); the forced second run sends nothing.",
    "permanent": "the 550s dead after the first attempt and not retried by `--now`; the admin's page shows them "
                 "as dead, in words, with a retry button; after the retry each is delivered once; the 451s are "
                 "retried and delivered with the Message-ID they carried when refused; nothing received twice.",
    "killed": "no mail lost; none received twice (the mail in flight had no 250 yet); the run started at once "
              "sends the rest: the killed process is gone, so its claims are freed.",
    "killed_after_250": "at least once: every mail delivered; the one in flight is received a second time, with the "
                        "same Message-ID, so the receiver can drop the copy; no other duplicate.",
}


def holds(o: MailOutcome) -> bool:
    sent_all = o.states.get("sent", 0) == o.queued and not o.claimed_left and not o.lost and not o.error
    distinct = len(set(o.received)) == o.queued and set(o.received) == o.stored_ids
    figures = [r.figures or {} for r in o.runs]
    if not sent_all or not distinct:
        return False
    if o.scenario == "concurrent":
        return (not o.duplicates and set(o.attempts) == {1} and sum(f.get("sent", 0) for f in figures[:2]) == o.queued
                and figures[2].get("sent") == 0)
    if o.scenario == "quit":
        return not o.duplicates and figures[0].get("sent") == o.queued and figures[1].get("sent") == 0
    if o.scenario == "permanent":
        a = o.admin
        return (not o.duplicates and figures[0].get("dead") == 3 and figures[1].get("dead") == 0
                and figures[1].get("dead_after") == 3 and a.get("dead_count_shown") == 3
                and a.get("rows_with_retry") == 3 and a.get("retry_answers") == {302: 3} and a.get("words")
                and a.get("message_id_kept_after_451"))
    if o.scenario == "killed":
        return not o.duplicates and len(o.runs) == 2
    if o.scenario == "killed_after_250":
        return o.duplicates <= 1 and len(o.runs) == 2
    return False


def _cell(o: MailOutcome) -> dict[str, str]:
    states = ", ".join(f"{k} {o.states[k]}" for k in ("sent", "failed", "dead", "waiting") if o.states[k]) or "none"
    rows = {
        "mails queued": str(o.queued),
        "mails accepted by the server (250 to the data)": str(len(o.received)),
        "distinct Message-IDs received": str(len(set(o.received))),
        "received twice (same Message-ID)": str(o.duplicates),
        "rows recorded as sent that the server never accepted": str(len(o.stored_ids - set(o.received))),
        "rows after the last run": states,
        "attempts counted per mail": ", ".join(f"{n}× {k}" for k, n in sorted(o.attempts.items())) or "none",
        "claims left behind": str(o.claimed_left),
    }
    for n, r in enumerate(o.runs, 1):
        rows[f"run {n}"] = r.describe()
    for n, step in enumerate(o.steps, 1):
        rows[f"measured {n}"] = step
    if o.admin:
        a = o.admin
        rows["admin's outbox page (dead)"] = (f"HTTP {a.get('page')}, “无法投递 {a.get('dead_count_shown')}”, "
                                             f"{a.get('rows_with_retry')} retry buttons, reason in words: "
                                             f"{'yes' if a.get('words') else 'no'}")
        rows["admin's retries answered"] = ", ".join(f"{k}× {v}" for k, v in a.get("retry_answers", {}).items())
        rows["Message-ID of the 451'd mails kept on the retry"] = "yes" if a.get("message_id_kept_after_451") else "no"
    if o.error:
        rows["error"] = o.error
    return rows


def section(results: dict[str, list[MailOutcome]]) -> tuple[str, list[str]]:
    """The "Mail delivery" section: one subsection per scenario, a column per database."""
    databases = list(results)
    failed = []
    text = ("## Mail delivery\n\n"
            "Every scenario runs on " + " and ".join({"postgresql": "PostgreSQL (a throwaway cluster)",
                                                      "sqlite": "SQLite (a file)"}[db] for db in databases)
            + ", each on an emptied outbox. "
            "The SMTP server is aiosmtpd on loopback, misbehaving on demand by recipient; delivery runs are real "
            "`python -m flask --app portal mail` processes (`MAIL_TIMEOUT=1`); the figures come from what the server "
            "accepted (by Message-ID) and what the `outbox_mail` rows hold, and each run's own report line.\n")
    for scenario, title in TITLES.items():
        outcomes = {db: next((o for o in results[db] if o.scenario == scenario), None) for db in databases}
        outcomes = {db: o for db, o in outcomes.items() if o is not None}
        if not outcomes:
            continue
        verdicts = {db: holds(o) for db, o in outcomes.items()}
        failed += [f"mail:{scenario}:{db}" for db, ok in verdicts.items() if not ok]
        measured = ("holds" if all(verdicts.values()) else "DOES NOT HOLD") + " (" + ", ".join(
            f"{db}: {'holds' if ok else 'does not hold'}" for db, ok in verdicts.items()) + ")"
        cells = {db: _cell(o) for db, o in outcomes.items()}
        keys = list(dict.fromkeys(k for c in cells.values() for k in c))
        table = (f"| | {' | '.join(outcomes)} |\n|---|{'---|' * len(outcomes)}\n"
                 + "\n".join(f"| {k} | " + " | ".join(cells[db].get(k, "") for db in outcomes) + " |" for k in keys))
        text += (f"\n### {title}\n\n**Injected:** {INJECTED[scenario]}\n\n**Expected:** {EXPECTED[scenario]}\n\n"
                 f"**Measured:** {measured}.\n\n{table}\n")
        if scenario == "killed":
            held = [db for db, o in outcomes.items() if len(o.runs) > 1 and (o.runs[1].figures or {}).get("sent") == 0
                    and (o.runs[1].figures or {}).get("waiting_after")]
            if held:
                text += ("\nThe run started right after the kill sent nothing on " + ", ".join(held) + ": the killed "
                         "run had claimed the whole batch (up to 200 mails) and its claims hold until "
                         "`MAIL_CLAIM_SECONDS` runs out (900 s by default). Delayed, not lost; the outbox counts "
                         "them as waiting meanwhile.\n")
        if scenario == "killed_after_250":
            text += ("\nSMTP cannot make this window empty: the 250 and the row's COMMIT are two systems. The "
                     "Message-ID, fixed in the row before the first attempt, is the same on both copies.\n")
    return text, failed
