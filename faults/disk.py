"""A full disk under evidence uploads, through real gunicorn: EVIDENCE_DIR on a 1 MB tmpfs nearly filled."""
from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from faults.cluster import Cluster
from faults.server import Browser, Gunicorn, seed, unavailable_state

KB = 1024


def jpeg(size: int) -> bytes:
    """Accepted as a JPEG by the portal's sniffer (magic number, a body, the end marker)."""
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * (size - 22) + b"\xff\xd9"


@dataclass
class DiskOutcome:
    fault: str = "EVIDENCE_DIR on a 1 MB tmpfs with 300 KB free; events posted with two 200 KB photos"
    mounted: bool = False
    mount_error: str = ""
    answers: list[str] = field(default_factory=list)  # while full
    leftovers: list[str] = field(default_factory=list)  # files in EVIDENCE_DIR after the failed uploads
    events_stored: int = 0  # events of the failed uploads found in the database
    attachments_stored: int = 0
    after_freeing: str = ""  # the answer once space is freed
    files_after_freeing: int = 0


def run(attempts: int = 5) -> DiskOutcome:
    outcome = DiskOutcome()
    with tempfile.TemporaryDirectory(prefix="kaohe-faults-disk.") as workdir:
        mount = Path(workdir) / "disk"
        mount.mkdir()
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "kaohe-faults", str(mount)],
                                 capture_output=True, text=True)
        if mounted.returncode != 0:
            outcome.mount_error = mounted.stderr.strip()
            return outcome
        outcome.mounted = True
        cluster = Cluster().create()
        server = None
        try:
            contract_id = seed(cluster.url, 1)[0]
            evidence = mount / "evidence"
            server = Gunicorn(cluster.url, Path(workdir), evidence_dir=evidence)
            server.wait_ready()
            browser = Browser(server.port)
            browser.login()
            path = f"/contracts/{contract_id}/events"
            token = browser.token(path)
            stat = os.statvfs(mount)
            filler = mount / "filler"
            filler.write_bytes(b"\0" * (stat.f_bavail * stat.f_frsize - 300 * KB))

            def post(place: str):
                return browser.post_files(path, {"csrf_token": token, "event_kind": "recruitment_fair",
                                                 "held_on": "2024-06-01", "place": place, "participants": "150",
                                                 "description": "磁盘已满演练"},
                                          [("evidence", "一.jpg", jpeg(200 * KB)), ("evidence", "二.jpg", jpeg(200 * KB))])

            for n in range(attempts):
                status, headers, html = post(f"磁盘已满 {n}")
                state = unavailable_state(html)
                outcome.answers.append(f"{status} {':'.join(state) if state else ''} Retry-After={headers.get('Retry-After')}")
            outcome.leftovers = sorted(p.name for p in evidence.iterdir()) if evidence.exists() else []
            engine = sa.create_engine(cluster.url)
            with engine.connect() as conn:
                outcome.events_stored = conn.execute(sa.text(
                    "SELECT count(*) FROM activity_event WHERE place LIKE '磁盘已满 %'")).scalar()
                outcome.attachments_stored = conn.execute(sa.text("SELECT count(*) FROM evidence_attachment")).scalar()
            filler.unlink()
            status, _headers, _html = post("空间释放后")
            outcome.after_freeing = str(status)
            outcome.files_after_freeing = len(list(evidence.iterdir()))
            engine.dispose()
        finally:
            if server is not None:
                server.stop()
            cluster.destroy()
            subprocess.run(["umount", "-l", str(mount)], check=False)
    return outcome
