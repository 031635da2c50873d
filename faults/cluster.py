"""A throwaway PostgreSQL cluster on loopback that a scenario can stop and start (like .ci/with-postgres)."""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """initdb into a temporary folder, served on a free port of 127.0.0.1; stop() and start() at will."""

    def __init__(self):
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: [int(x) for x in p.split("/")[4].split(".")])
        self.bin = Path(os.environ.get("PGBIN") or (found[-1] if found else ""))
        if not (self.bin / "initdb").exists():
            raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="kaohe-faults-pg."))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self.root = os.geteuid() == 0
        if self.root:
            shutil.chown(self.dir, "postgres")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg2://kaohe@127.0.0.1:{self.port}/kaohe"

    def _run(self, *args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess:
        command = ([str(self.bin / args[0]), *args[1:]])
        if self.root:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if check and done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {done.stdout}{done.stderr}"
                               f"{self.log.read_text() if self.log.exists() else ''}")
        return done

    def create(self) -> "Cluster":
        self._run("initdb", "-D", str(self.data), "-U", "kaohe", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "kaohe", "kaohe")
        return self

    def start(self) -> float:
        """Start and wait until it accepts connections; the seconds it took."""
        began = time.monotonic()
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o",
                  f"-h 127.0.0.1 -p {self.port} -k {self.dir} -c max_connections=200", "start")
        return time.monotonic() - began

    def stop(self, mode: str = "fast") -> float:
        """pg_ctl stop -m fast (clients disconnected, a clean shutdown) or -m immediate (as if it crashed)."""
        began = time.monotonic()
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")
        return time.monotonic() - began

    def destroy(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)
