"""Processes creating instance/secret_key at once (workers starting together), the old way and the current one."""
from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import portal.config

# The check-then-write of portal/config.py before issue #17, kept here to measure what the fix changes.
OLD = '''
import os, secrets
def _secret_key(instance_path):
    path = instance_path / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
'''
RACER = """
import importlib.util, sys, time
from pathlib import Path
if sys.argv[1] == "old":
    namespace = {}
    exec(sys.argv[4], namespace)
    secret_key = namespace["_secret_key"]
else:
    spec = importlib.util.spec_from_file_location("kaohe_config", sys.argv[1])
    config = importlib.util.module_from_spec(spec); spec.loader.exec_module(config)
    secret_key = config._secret_key
start = float(sys.argv[3])
while time.time() < start:  # every racer is up and spinning: they all go at once
    pass
try:
    print(secret_key(Path(sys.argv[2])))
except Exception as exc:
    print("error:", type(exc).__name__)
"""


@dataclass
class KeyRaceOutcome:
    way: str
    rounds: int
    processes: int
    one_key: int = 0  # rounds where every process got the stored key
    different: int = 0  # rounds where processes got different keys
    empty: int = 0  # rounds where a process got an empty key
    errors: int = 0  # rounds where a process failed to start


def run(way: str = "current", rounds: int = 100, processes: int = 3) -> KeyRaceOutcome:
    outcome = KeyRaceOutcome(way, rounds, processes)
    source = "old" if way == "old" else portal.config.__file__
    with tempfile.TemporaryDirectory(prefix="kaohe-faults-key.") as tmp:
        for n in range(rounds):
            folder = Path(tmp) / str(n)
            folder.mkdir()
            start = time.time() + 0.3
            racers = [subprocess.Popen([sys.executable, "-c", RACER, source, str(folder), repr(start), OLD],
                                       stdout=subprocess.PIPE, text=True, env={"PATH": "/usr/bin:/bin"})
                      for _ in range(processes)]
            keys = [racer.communicate(timeout=30)[0].strip() for racer in racers]
            if any(k.startswith("error:") for k in keys):
                outcome.errors += 1
            elif "" in keys:
                outcome.empty += 1
            elif len(Counter(keys)) > 1:
                outcome.different += 1
            elif keys[0] == (folder / "secret_key").read_text().strip():
                outcome.one_key += 1
    return outcome
