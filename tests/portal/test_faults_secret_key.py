"""Issue #17: workers starting at once must agree on one secret key (real processes, a real file)."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

import portal.config

# Each process loads config.py on its own (not the whole portal: fast to start), waits for the common
# start time, then creates or reads instance/secret_key and prints what it got.
RACER = """
import importlib.util, sys, time
from pathlib import Path
spec = importlib.util.spec_from_file_location("kaohe_config", sys.argv[1])
config = importlib.util.module_from_spec(spec); spec.loader.exec_module(config)
start = float(sys.argv[3])
while time.time() < start:
    pass
print(config._secret_key(Path(sys.argv[2])))
"""


def _race(folder: Path, processes: int) -> list[str]:
    start = time.time() + 0.4  # every process is up and spinning before the start
    env = {"PATH": "/usr/bin:/bin"}  # no SECRET_KEY
    racers = [subprocess.Popen([sys.executable, "-c", RACER, portal.config.__file__, str(folder), repr(start)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
              for _ in range(processes)]
    keys = []
    for racer in racers:
        out, err = racer.communicate(timeout=30)
        assert racer.returncode == 0, err
        keys.append(out.strip())
    return keys


def test_processes_creating_the_key_at_once_all_get_the_one_stored(tmp_path):
    for round_ in range(12):
        folder = tmp_path / f"instance-{round_}"
        folder.mkdir()
        keys = _race(folder, 8)
        stored = (folder / "secret_key").read_text()
        assert len(stored) == 64 and set(keys) == {stored}, keys
        assert (folder / "secret_key").stat().st_mode & 0o777 == 0o600
        assert [p.name for p in folder.iterdir()] == ["secret_key"]  # no candidate left behind


def test_an_empty_key_file_is_refused_not_used(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    (tmp_path / "secret_key").write_text("")
    with pytest.raises(RuntimeError, match="empty"):
        portal.config._secret_key(tmp_path)
