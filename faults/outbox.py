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
    time.sleep(max(0.0, began + 6 - time.monotonic()))
    o.runs.append(runner.run("run B, once run A's claims ran out"))
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
