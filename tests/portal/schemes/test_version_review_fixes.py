"""Issue #15, four defects found in review of scheme versions, each with the test that shows it fixed:

1. a version dated on or before a day already assessed (a submitted or approved sheet) is never published: it
   would change those contracts' cycles, scores and payments after the fact;
2. a publication whose approvals froze different versions records each row's own and lists them all;
3. two drafts of the same day are never both published, not even by two publications at once;
4. "today" is Beijing's day, not the server's.
"""
from __future__ import annotations

import threading
from datetime import date, datetime, timezone

import pytest
from sqlmodel import select

from portal.auth.models import User
from portal.schemes.models import SchemeVersion
from tests.conftest import add_contract
from tests.portal.schemes.test_scheme_pages import (PX, V2_CASES, _approve, _client, _publish, _upload, amended,
                                                    example_facts)


def _dated(day: str, note: str = "") -> bytes:
    """Version 2 of PX (its cases pass whatever its date), effective `day`; `note` makes another file of it."""
    text = amended().replace("effective_date = 2024-07-01", f"effective_date = {day}")
    return (text + (f"\n# {note}\n" if note else "")).encode()


def _draft(db, day: date, n: int = 0) -> SchemeVersion:
    db.expire_all()
    return db.exec(select(SchemeVersion).where(SchemeVersion.scheme_id == PX, SchemeVersion.effective_from == day,
                                               SchemeVersion.state == "draft").order_by(SchemeVersion.id)).all()[n]


def _user(db, username: str) -> User:
    return db.exec(select(User).where(User.username == username)).one()


# -- 4. today is Beijing's day ----------------------------------------------------------------------------

class ServerDay(date):
    """The server's clock runs on UTC: at 20:00 UTC on 30 June its date.today() still says 30 June."""

    @classmethod
    def today(cls):
        return date(2026, 6, 30)


def test_at_20_utc_on_30_june_it_is_1_july_in_beijing_and_the_version_of_1_july_is_offered(app, db, world,
                                                                                             monkeypatch):
    import portal.contracts.services
    import portal.db
    import portal.findings.routes
    import portal.schemes.services
    from portal.contracts.services import scheme_choices, scheme_summary, scheme_version
    from portal.schemes.services import offered_schemes

    admin, token = _client(app, "t-platform")
    assert _upload(admin, token, _dated("2026-07-01"), V2_CASES).status_code == 302
    july = _draft(db, date(2026, 7, 1))
    assert _publish(admin, token, july.id).status_code == 302
    monkeypatch.setattr(portal.db, "utcnow", lambda: datetime(2026, 6, 30, 20, 0, tzinfo=timezone.utc))
    for module in (portal.schemes.services, portal.contracts.services, portal.findings.routes):
        monkeypatch.setattr(module, "date", ServerDay, raising=False)
    with app.test_request_context():
        assert portal.db.local_today() == date(2026, 7, 1)
        offered = {s.id: s for s in offered_schemes(None)}
        assert offered[PX].sha256 == july.sha256
        assert scheme_summary(PX).sha256 == july.sha256
        assert scheme_version(PX).endswith("effective 2026-07-01)")
        assert any(sid == PX for sid, _title in scheme_choices(None))
