"""Fault scenarios on loopback (issue #17): real gunicorn, a real PostgreSQL stopped and started with pg_ctl, a
real full disk (a 1 MB tmpfs), real processes racing. `python -m faults` (`make faults`) runs them and writes
docs/reliability.md; tests/faults/ asserts on the same scenarios (pytest -m faults)."""
