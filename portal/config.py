"""Configuration from the environment; secrets never live in the source."""
from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path


def _secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment, else one generated once into instance/secret_key.

    Workers starting together must end with one key: each writes a complete candidate to a file of
    its own, then links it into place; os.link refuses an existing name, so the first link wins and
    everyone reads the winner's key (never a half-written or empty file).
    """
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = instance_path / "secret_key"
    if not path.exists():
        fd, candidate = tempfile.mkstemp(prefix=".secret_key.", dir=instance_path)
        try:
            with os.fdopen(fd, "w") as out:  # mkstemp creates it 0600
                out.write(secrets.token_hex(32))
                out.flush()
                os.fsync(out.fileno())
            try:
                os.link(candidate, path)
            except FileExistsError:
                pass  # another process linked its key first: use that one
        finally:
            os.unlink(candidate)
    key = path.read_text().strip()
    if not key:  # an empty file is never a key: refuse to start rather than sign sessions with ""
        raise RuntimeError(f"{path} is empty: remove it (a new key is generated) or set SECRET_KEY")
    return key


def load_config(app, test_config: dict | None) -> None:
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    env = os.environ
    app.config.from_mapping(
        SECRET_KEY=(test_config or {}).get("SECRET_KEY") or _secret_key(instance),
        DATABASE_URL=env.get("DATABASE_URL") or f"sqlite:///{instance / 'kaohe.sqlite3'}",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=env.get("SESSION_COOKIE_SECURE", "0") == "1",
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session; logout ends both
        BABEL_DEFAULT_LOCALE="zh",
        BABEL_DEFAULT_TIMEZONE="Asia/Shanghai",
        LANGUAGES={"zh": "中文", "en": "English"},
        # Logins: failed attempts per client address, and per account name from one address (so nobody
        # can lock an account's owner out by failing on purpose from elsewhere). Flask-Limiter syntax.
        LOGIN_LIMIT_PER_ADDRESS=env.get("LOGIN_LIMIT_PER_ADDRESS", "20 per minute"),
        LOGIN_LIMIT_PER_ACCOUNT=env.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per minute"),
        # Behind nginx: how many proxies in front append to X-Forwarded-For (0 = none, the client talks to
        # us directly). The limiter and the audit trail then see the client's address, not the proxy's.
        PROXY_HOPS=int(env.get("PROXY_HOPS", "0")),
        # A login ends after this long without a request, and in any case this long after it began.
        SESSION_IDLE_MINUTES=int(env.get("SESSION_IDLE_MINUTES", "30")),
        SESSION_MAX_HOURS=int(env.get("SESSION_MAX_HOURS", "12")),
        RATELIMIT_STORAGE_URI=env.get("RATELIMIT_STORAGE_URI", "memory://"),
        RATELIMIT_HEADERS_ENABLED=True,
        MAX_CONTENT_LENGTH=int(env.get("MAX_CONTENT_LENGTH", 32 * 1024 * 1024)),
        # Mail goes through the outbox table; with no MAIL_SERVER it waits there, nothing is lost.
        MAIL_SERVER=env.get("MAIL_SERVER", ""),
        MAIL_PORT=int(env.get("MAIL_PORT", 25)),
        MAIL_USE_TLS=env.get("MAIL_USE_TLS", "0") == "1",
        MAIL_USERNAME=env.get("MAIL_USERNAME", ""),
        MAIL_PASSWORD=env.get("MAIL_PASSWORD", ""),
        MAIL_FROM=env.get("MAIL_FROM", "kaohe@localhost"),
        MAIL_TIMEOUT=float(env.get("MAIL_TIMEOUT", 10)),
        PUBLIC_BASE_URL=env.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        # Evidence files (photos, PDF) live outside static/, under random names, served only through a scoped route.
        EVIDENCE_DIR=env.get("EVIDENCE_DIR") or str(instance / "evidence"),
        # Seconds a process reuses a public page's stamp (the one query behind its ETag) before reading it again.
        # A change committed in this process is seen at once; one committed by another worker within this
        # long (browsers and proxies may keep a public page for 5 minutes anyway: Cache-Control max-age).
        PUBLIC_STAMP_SECONDS=float(env.get("PUBLIC_STAMP_SECONDS", "2")),
        # Rendered PDFs by the hash of what they render: a frozen sheet's PDF is built once (issue #16).
        EXPORT_CACHE_DIR=env.get("EXPORT_CACHE_DIR") or str(instance / "exports"),
        EVIDENCE_MAX_BYTES=int(env.get("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)),
        # Background work (portal/jobs): a SQLite queue file by default, Redis when several servers share one
        # queue; TASKS_IMMEDIATE=1 runs every task at once in the caller (tests, or no consumer at all).
        TASKS_IMMEDIATE=env.get("TASKS_IMMEDIATE", "0") == "1",
        TASKS_SQLITE_PATH=env.get("TASKS_SQLITE_PATH") or str(instance / "tasks.sqlite3"),
        REDIS_URL=env.get("REDIS_URL", ""),
        TASK_WORKERS=int(env.get("TASK_WORKERS", 4)),
        # At most this many ledger imports at once over all consumers; the others wait their turn, in order.
        LEDGER_IMPORTS_AT_ONCE=int(env.get("LEDGER_IMPORTS_AT_ONCE", 2)),
        # A running import renews its claim while it works; a claim not renewed for this long died with its
        # consumer and the import starts again from the beginning (at most LEDGER_IMPORT_ATTEMPTS times).
        LEDGER_IMPORT_LEASE_SECONDS=int(env.get("LEDGER_IMPORT_LEASE_SECONDS", 300)),
        LEDGER_IMPORT_ATTEMPTS=int(env.get("LEDGER_IMPORT_ATTEMPTS", 3)),
        # A queued upload no consumer has seen for this long has lost its task (no consumer runs): shown as failed.
        LEDGER_QUEUE_TIMEOUT_SECONDS=int(env.get("LEDGER_QUEUE_TIMEOUT_SECONDS", 600)),
        # RFC 5321 4.5.3.2.6: wait up to 10 minutes for the reply to the end of the data.
        MAIL_DATA_TIMEOUT=float(env.get("MAIL_DATA_TIMEOUT", 600)),
        # A delivery run holds its mails this long; one that died with its claims is retried after it.
        MAIL_CLAIM_SECONDS=int(env.get("MAIL_CLAIM_SECONDS", 900)),
        MAIL_MAX_ATTEMPTS=int(env.get("MAIL_MAX_ATTEMPTS", 12)),
    )
    if test_config:
        app.config.update(test_config)
