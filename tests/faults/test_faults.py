"""Issue #17, the slow scenarios (pytest -m faults; make test runs them once, after the two suite runs): real
gunicorn with 2 workers on a throwaway PostgreSQL cluster that is stopped and started, real HTTP posts, a real
full disk. `python -m faults` runs the same scenarios and writes docs/reliability.md."""
from __future__ import annotations

import pytest

from faults import disk, outage

pytestmark = pytest.mark.faults


def test_database_stopped_for_5_s_under_20_submitters_every_answer_is_the_truth():
    o = outage.run(submitters=20, before=3, down=5, after=5, mode="fast")
    assert o.lies() == []  # saved -> stored exactly once; not saved -> not stored; nothing stored twice
    assert o.bare_errors() == []
    assert o.wrong_while_down() == []  # while down: the 503 page with Retry-After, nothing else
    down = [a for a in o.posts if o.down_from < a.sent and a.answered < o.down_until]
    assert len(down) >= 20 and all(a.outcome == "503:not_saved" and a.retry_after == "30" for a in down)
    assert o.counts["saved"] > 0 and o.recovered_after is not None  # saved before, and again after the restart
    assert "Error handling request" not in o.server_log  # gunicorn's word for an exception that escaped the app


def test_a_worker_killed_under_20_submitters_no_form_is_stored_twice():
    o = outage.run(submitters=20, before=3, after=5, kill_worker=True)
    assert o.lies() == [] and o.bare_errors() == []
    # Posts cut off by the kill are sent again with the same form key: "already saved" or saved, once.
    for narrative, outcomes in o.resent_after_no_answer():
        assert o.stored[narrative] <= 1, (narrative, outcomes)
    assert o.recovered_after is not None


def test_disk_full_under_evidence_uploads_answers_503_and_leaves_nothing():
    d = disk.run(attempts=3)
    if not d.mounted:
        pytest.skip(f"cannot mount a tmpfs here: {d.mount_error}")
    assert all(a.startswith("503 disk:not_saved Retry-After=30") for a in d.answers), d.answers
    assert d.leftovers == [] and (d.events_stored, d.attachments_stored) == (0, 0)
    assert (d.after_freeing, d.files_after_freeing) == ("302", 2)


def test_mail_two_runs_at_once_a_250_then_an_error_on_quit_and_a_killed_run_each_mail_once():
    """The outbox scenarios of docs/reliability.md on PostgreSQL (SKIP LOCKED): real `flask mail` processes and a
    loopback SMTP server that fails on demand (about 30 s). `python -m faults mail` also runs the others."""
    from faults import outbox

    outcomes = outbox.run("postgresql", ("concurrent", "quit", "killed"))
    assert [o.scenario for o in outcomes] == ["concurrent", "quit", "killed"]
    for o in outcomes:
        assert outbox.holds(o), (o.scenario, [r.describe() for r in o.runs], o.steps, o.error)
        assert o.duplicates == 0 and len(o.received) == o.queued and o.states["sent"] == o.queued
