"""Run every fault scenario on loopback and write docs/reliability.md; exit 1 if any expectation fails.

    python -m faults                 # all (about three minutes on 2 cores; needs PostgreSQL's server binaries)
    python -m faults outage disk     # only those named: outage, immediate, worker, disk, key, mail
                                     # (the sections not re-run are kept from the existing document)
    python -m faults mail --sqlite   # the mail scenarios on SQLite only (--postgresql: PostgreSQL only)

Needs root (or a user allowed to mount tmpfs) for the full-disk scenario; without it that scenario says it
did not run.
"""
from __future__ import annotations

import datetime
import os
import platform
import sys
from pathlib import Path

from faults import disk, outage, outbox, secret_key

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "reliability.md"
SUBMITTERS, BEFORE, DOWN, AFTER = 20, 3.0, 5.0, 5.0


def _outage_section(title: str, how: str, o: outage.Outcome, *, while_down: bool) -> tuple[str, bool]:
    counts = o.counts
    lies, wrong, bare = o.lies(), o.wrong_while_down(), o.bare_errors()
    unanswered = [a for a in o.posts if a.outcome.startswith("no answer")]
    resent = o.resent_after_no_answer()
    pages = [a for a in o.answers if a.narrative is None]
    ok = not lies and not bare and (not while_down or not wrong) and o.recovered_after is not None
    rows = [("forms filled in and sent (each with its own narrative and one-time key)", len(o.forms)),
            ("posts answered “saved” (302, 已提交第N版)", counts["saved"]),
            ("posts answered “already saved, not saved again” (the same form sent again)", counts["already"]),
            ("posts answered 503 “not saved”", counts["503:not_saved"]),
            ("posts answered 503 “saved, processing interrupted”", counts["503:saved"]),
            ("posts answered 503 “cannot confirm”", counts["503:unknown"]),
            ("posts refused by the form (302 with the reason)", counts["refused"]),
            ("posts with no answer (connection dropped)", len(unanswered)),
            ("forms sent again after no answer or “cannot confirm”, and how they ended",
             "; ".join(f"{' → '.join(outcomes)} (stored {o.stored[n]}×)" for n, outcomes in resent) or "none"),
            ("form pages opened (GET) / answered 503", f"{len(pages)} / {sum(a.outcome.startswith('page:503') for a in pages)}"),
            ("bare 500 pages", len(bare)),
            ("forms whose answers were not the truth about what was stored", len(lies))]
    if while_down:
        rows += [("requests sent and answered while the database was down that were not the 503 page with "
                  "Retry-After", len(wrong)),
                 ("`pg_ctl stop` took / `pg_ctl start -w` took", f"{o.stop_seconds:.1f} s / {o.start_seconds:.1f} s")]
    rows.append(("first report saved after the fault ended (posts queue behind slow report saves)",
                 f"{o.recovered_after:.1f} s later" if o.recovered_after is not None else "never"))
    table = "\n".join(f"| {k} | {v} |" for k, v in rows)
    text = (f"## {title}\n\n**Injected:** {how}\n\n"
            "**Expected:** every answer is the truth about the form it answers: a form answered as saved (or "
            "already saved) is stored exactly once; a form only ever answered “not saved” is not stored; no form is "
            "stored twice, even when sent again after no answer; no bare 500; "
            + ("while the database is down every page and every post gets the Chinese 503 page with `Retry-After`; "
               if while_down else "")
            + "reports are saved again once the fault ends.\n\n"
            f"**Measured:** {'holds' if ok else 'DOES NOT HOLD'} ({len(o.posts)} posts).\n\n| | |\n|---|---|\n{table}\n")
    if lies:
        text += "\nNot the truth:\n\n" + "\n".join(f"- {line}" for line in lies[:20]) + "\n"
    return text, ok


ALL = ("outage", "immediate", "worker", "disk", "key", "mail")
# The heading each scenario writes: a selective run keeps the other sections of the existing document.
HEADINGS = {"outage": "## Database stopped under", "immediate": "## Database killed", "worker": "## A gunicorn worker",
            "disk": "## Disk full", "key": "## Processes creating the secret key", "mail": "## Mail delivery"}


def _previous_sections() -> dict[str, str]:
    """The sections of the existing document, by scenario name."""
    if not OUT.exists():
        return {}
    found = {}
    for chunk in OUT.read_text(encoding="utf-8").split("\n## ")[1:]:
        chunk = "## " + chunk.rstrip("\n") + "\n"
        for name, heading in HEADINGS.items():
            if chunk.startswith(heading):
                found[name] = chunk
    return found


def main(argv: list[str]) -> int:
    flags = {a for a in argv[1:] if a.startswith("--")}
    names = [a for a in argv[1:] if not a.startswith("--")]
    unknown = set(names) - set(ALL) or flags - {"--sqlite", "--postgresql"}
    if unknown:
        print(f"unknown: {', '.join(sorted(unknown))}; scenarios: {', '.join(ALL)}", file=sys.stderr)
        return 2
    wanted = set(names) or set(ALL)
    databases = [db for db in ("postgresql", "sqlite") if not flags or f"--{db}" in flags]
    sections, failed = {}, []

    if "outage" in wanted:
        o = outage.run(submitters=SUBMITTERS, before=BEFORE, down=DOWN, after=AFTER, mode="fast")
        text, ok = _outage_section(
            "Database stopped under concurrent submitters",
            f"real gunicorn (`--preload -w 2`) on a throwaway PostgreSQL cluster on loopback; {SUBMITTERS} submitters "
            f"(threads, each with its own login and contract) open the monthly report form and post it over HTTP "
            f"without pause, sending the same form again after a 503 “not saved”, “cannot confirm” or no answer, as "
            f"the page asks; "
            f"after {BEFORE:g} s `pg_ctl stop -m fast` (clients disconnected) and, {DOWN:g} s later, `pg_ctl start -w`; "
            f"{AFTER:g} s more. Each post carries a unique narrative; afterwards the database is counted per narrative.",
            o, while_down=True)
        sections["outage"] = text
        failed += [] if ok else ["outage"]
    if "immediate" in wanted:
        o = outage.run(submitters=SUBMITTERS, before=BEFORE, down=DOWN, after=AFTER, mode="immediate")
        text, ok = _outage_section(
            "Database killed (crash and recovery) under concurrent submitters",
            f"as above, but `pg_ctl stop -m immediate` (the server quits without a shutdown checkpoint, as in a "
            f"crash; the restart replays the WAL).", o, while_down=True)
        sections["immediate"] = text
        failed += [] if ok else ["immediate"]
    if "worker" in wanted:
        o = outage.run(submitters=SUBMITTERS, before=BEFORE, after=AFTER, kill_worker=True)
        text, ok = _outage_section(
            "A gunicorn worker killed under concurrent submitters",
            f"as above, the database up throughout; after {BEFORE:g} s one of the two workers gets SIGKILL (gunicorn "
            f"starts a new one). The requests it was serving get no answer: the browser shows its own error.",
            o, while_down=False)
        text += ("\nA post with no answer may have been stored (the worker killed after the commit). The form's "
                 "one-time key makes sending it again safe: the second post answers “already saved (version N), not "
                 "saved again” instead of storing a second version.\n")
        sections["worker"] = text
        failed += [] if ok else ["worker"]
    if "disk" in wanted:
        d = disk.run()
        if not d.mounted:
            sections["disk"] = ("## Disk full under evidence uploads\n\n**Not run:** mounting a tmpfs was refused "
                            f"(`{d.mount_error}`). Run as root. tests/portal/test_faults_disk.py skips for the same "
                            "reason.\n")
        else:
            ok = (all(a.startswith("503 disk:not_saved Retry-After=") for a in d.answers) and not d.leftovers
                  and d.events_stored == 0 and d.attachments_stored == 0 and d.after_freeing == "302"
                  and d.files_after_freeing == 2)
            answers = ", ".join(sorted(set(d.answers)))
            sections["disk"] = (
                "## Disk full under evidence uploads\n\n"
                "**Injected:** real gunicorn with `EVIDENCE_DIR` on a real 1 MB tmpfs (`mount -t tmpfs -o size=1m`) "
                f"filled to 300 KB free; {len(d.answers)} events posted with two 200 KB photos each (the first fits, "
                "the second hits ENOSPC); then the filler is removed and the same post is repeated.\n\n"
                "**Expected:** 503 with the page saying the server's storage is full and nothing was saved, "
                "`Retry-After`; no file (whole or `.part`) left in `EVIDENCE_DIR`; no event or attachment row; "
                "once space is freed the same post is saved with its two files.\n\n"
                f"**Measured:** {'holds' if ok else 'DOES NOT HOLD'}.\n\n| | |\n|---|---|\n"
                f"| answers while full | {answers} |\n| files left in EVIDENCE_DIR | {len(d.leftovers)} |\n"
                f"| events / attachments stored | {d.events_stored} / {d.attachments_stored} |\n"
                f"| after freeing space | {d.after_freeing}, {d.files_after_freeing} files stored |\n")
            failed += [] if ok else ["disk"]
    if "key" in wanted:
        rounds, processes = 40, 8
        old = secret_key.run("old", rounds, processes)
        new = secret_key.run("current", rounds, processes)
        ok = new.one_key == rounds
        sections["key"] = (
            "## Processes creating the secret key at once\n\n"
            f"**Injected:** {rounds} rounds; in each, {processes} real Python processes load `portal/config.py`, wait "
            "for a common instant, then call `_secret_key()` on an empty instance folder (no `SECRET_KEY`). The "
            "check-then-write before issue #17 is run the same way for comparison.\n\n"
            "**Expected:** in every round every process gets the same, non-empty key, the one stored.\n\n"
            f"**Measured:** {'holds' if ok else 'DOES NOT HOLD'}.\n\n"
            "| | rounds with one key | with different keys | with an empty key |\n|---|---|---|---|\n"
            f"| before (check, then write) | {old.one_key} | {old.different} | {old.empty} |\n"
            f"| now (write a candidate, `os.link` into place) | {new.one_key} | {new.different} | {new.empty} |\n")
        failed += [] if ok else ["key"]

    if "mail" in wanted:
        text, mail_failed = outbox.section({db: outbox.run(db) for db in databases})
        sections["mail"] = text
        failed += mail_failed

    previous = _previous_sections()
    kept = [name for name in ALL if name not in sections and name in previous]
    sections = {name: sections.get(name) or previous.get(name) for name in ALL if sections.get(name) or previous.get(name)}
    header = (
        "# Reliability: faults and what the user is told\n\n"
        f"Written by `python -m faults` (`make faults`) on {datetime.date.today().isoformat()}: {os.cpu_count()} cores, "
        f"{platform.machine()}, Python {platform.python_version()}. Everything runs on loopback: real gunicorn, a "
        "throwaway PostgreSQL cluster stopped and started with `pg_ctl`, real processes killed, a real tmpfs. "
        "The outage, the killed worker and the full disk are asserted by `pytest -m faults tests/faults` (`make "
        "test-faults`, part of `make test`, about two minutes), and so are three of the mail scenarios (two runs at "
        "once, errors on QUIT, a run killed mid-batch) on PostgreSQL (half a minute more).\n\n"
        + (f"This run re-ran only: {', '.join(n for n in ALL if n not in kept)}; the sections for {', '.join(kept)} "
           "are kept from the previous run.\n\n" if kept else "")
        + 
        "Fast fault tests, in every run of the suite (SQLite and PostgreSQL):\n\n"
        "| test | fault, as injected | expected |\n|---|---|---|\n"
        "| `tests/portal/test_faults_database.py` | the app on a dead database URL (nothing listens on 127.0.0.1:9; "
        "a SQLite file in a missing folder), with a logged-in user's cookie | pages and posts answer 503, "
        "`Retry-After`, Chinese or English, “not saved” |\n"
        "| same file (PostgreSQL only) | right after the report's COMMIT is answered, the database refuses new "
        "connections (`ALLOW_CONNECTIONS false`) and its backends are killed | 302 “已提交第1版”, stored once; the "
        "rules' failure logged |\n"
        "| same file (PostgreSQL only) | a deferred trigger holds the COMMIT on the server; another connection "
        "kills that backend | 503 “cannot confirm”; not stored |\n"
        "| `tests/portal/test_faults_disk.py` | `EVIDENCE_DIR` on a 1 MB tmpfs with 300 or 100 KB free (skipped "
        "where mounting is refused) | 503 “storage full, not saved”; no file or `.part` left; no rows; the same "
        "post saved once space is freed |\n"
        "| `tests/portal/test_faults_secret_key.py` | 12 rounds of 8 processes creating `instance/secret_key` at "
        "once; an empty key file | one key per round, mode 0600, no temporary file left; an empty file refused |\n"
        "| `tests/portal/test_reporting.py::test_the_same_form_sent_twice_is_stored_once` | the same report "
        "form (one-time key) posted twice | one version; “already submitted (version 1), not saved again” |\n\n"
        "What a user sees while the database is unreachable: HTTP 503 with `Retry-After: 30` and a page in Chinese "
        "(English on request) that says, from what the request actually did, either “what you submitted was not "
        "saved, submit it again in a little while”, or “it was saved, but the processing after it did not finish; do "
        "not submit it again”, or — when the COMMIT went out and no answer came back — “it cannot be confirmed; look "
        "first, then submit again only if it is not there”. A full disk gives the same page, saying storage is full. "
        "`/healthz` answers 503 as before.\n")
    limits = ("## Does not hold yet\n\n"
              "- Only the monthly report form carries a one-time key. Other forms (attendance, events with evidence, "
              "findings, ledger uploads) sent again after no answer can still store a second copy or version.\n"
              "- “Cannot confirm” is given only when the request's own COMMIT went out and no answer came back; a "
              "request killed outright (worker SIGKILL, proxy timeout) gets no page at all.\n"
              "- The compliance rules that run after a saved report are skipped (and logged) when the database drops "
              "between the two; the nightly sweep finds what they would have found.\n"
              "- Mail is delivered at least once, not exactly once: a delivery run killed between the server's 250 "
              "and its own COMMIT sends that mail again (with the same Message-ID, measured above). A run killed on "
              "another host (or in another container) holds its batch, up to 200 mails, until `MAIL_CLAIM_SECONDS` "
              "runs out; only claims of dead processes of the same host are freed at once.\n"
              "- A delivery run counts an attempt for every mail it claims, tried or not: a run killed mid-batch "
              "leaves one attempt counted on each mail it never reached (measured above), and `MAIL_MAX_ATTEMPTS` "
              "(12) such kills would make a mail dead without a try.\n")
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(header + "\n" + "\n".join(sections.values()) + "\n" + limits, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}; {'failed: ' + ', '.join(failed) if failed else 'every expectation holds'}",
          file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
