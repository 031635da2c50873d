"""A real task consumer (`flask --app portal worker`) in its own process, for the tests where timing matters."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


class Consumer:
    """`flask --app portal worker` in its own process, on the test's database and queue."""

    def __init__(self, app, tmp_path, **env):
        self.env = {**os.environ, "DATABASE_URL": app.config["DATABASE_URL"], "SECRET_KEY": "test-secret-key",
                    "TASKS_SQLITE_PATH": app.config["TASKS_SQLITE_PATH"], "TASKS_IMMEDIATE": "0",
                    "REDIS_URL": app.config.get("REDIS_URL", ""),
                    **{k: str(v) for k, v in env.items()}}
        self.log = tmp_path / "consumer.log"
        self.process = None

    def start(self) -> "Consumer":
        self.process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "portal", "worker", "-w", "2"],
                                        cwd=ROOT, env=self.env, stdout=self.log.open("a"), stderr=subprocess.STDOUT)
        return self

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def wait(predicate, timeout: float, what: str, consumer: Consumer):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        assert consumer.process.poll() is None, f"the consumer exited: {consumer.log.read_text()[-3000:]}"
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}: {consumer.log.read_text()[-3000:]}")
