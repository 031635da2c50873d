"""A scheme version: one scheme file as the portal keeps it, immutable once published.

Each row is the text of one scheme file (rules/schemes/FORMAT.md) and the text of its test cases, with the
version's label, the day it takes effect (the file's own ``effective_date``), the source document it quotes
and the sha256 of the file's bytes (what an approval freezes). A version is uploaded as a draft: a draft is
never used to score anything (``services.scheme_for`` reads published versions only) and may be discarded;
publishing it is the only change a row ever sees. A published version is frozen: the ORM refuses to update
or delete it, and so do database triggers (like the audit trail's). ``bureau_id`` is the bureau whose
document it is (NULL: platform-wide, e.g. the six shipped with the portal); every version of one scheme id
has the same owner.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy import event
from sqlmodel import Field, SQLModel

from portal.db import UTCDateTime, utcnow
from portal.i18n import N_

VERSION_STATES = {
    "draft": N_("草稿（未发布，不用于评分）"),
    "published": N_("已发布"),
}


class SchemeVersion(SQLModel, table=True):
    __tablename__ = "scheme_version"
    __table_args__ = (
        sa.UniqueConstraint("scheme_id", "version", name="uq_scheme_version_label"),
        sa.UniqueConstraint("sha256", name="uq_scheme_version_sha256"),
        sa.CheckConstraint("state IN ('draft','published')", name="ck_scheme_version_state"),
        sa.CheckConstraint("state = 'draft' OR published_at IS NOT NULL", name="ck_scheme_version_published_at"),
        # one published version a day per scheme: two drafts of the same day cannot both be published, not even
        # by two publications at once (services.publish answers the loser in words)
        sa.Index("uq_scheme_version_published_day", "scheme_id", "effective_from", unique=True,
                 sqlite_where=sa.text("state = 'published'"), postgresql_where=sa.text("state = 'published'")),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    scheme_id: str = Field(max_length=60, index=True)
    version: str = Field(max_length=40)  # the label people use: "1", "2", "2026年修订" …
    effective_from: date
    title: str = Field(max_length=300)
    document: str = Field(max_length=400)  # the source document as cited: 吴人社就〔2022〕15号《…》
    file_name: str = Field(max_length=200)
    sha256: str = Field(max_length=64)
    text: str = Field(sa_type=sa.Text)
    cases_text: str = Field(default="", sa_type=sa.Text)
    cases_file_name: str = Field(default="", max_length=200)
    cases_passed: bool = False  # every case passed when it was uploaded (shipped versions have no cases)
    bureau_id: Optional[int] = Field(default=None, foreign_key="bureau.id", index=True)
    state: str = Field(default="draft", max_length=10)
    uploaded_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")  # NULL: shipped
    uploaded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    published_by_id: Optional[int] = Field(default=None, foreign_key="user_account.id")
    published_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)

    @property
    def state_label(self) -> str:
        return VERSION_STATES.get(self.state, self.state)

    @property
    def published(self) -> bool:
        return self.state == "published"


class FrozenSchemeVersion(Exception):
    pass


FROZEN_MESSAGE = "a published scheme version is frozen; upload a new version instead"
_IMMUTABLE = ("scheme_id", "version", "effective_from", "sha256", "text", "cases_text", "bureau_id", "file_name")


@event.listens_for(SchemeVersion, "before_update")
def _no_update(mapper, connection, target):
    state = sa.inspect(target)
    old_state = state.attrs.state.history.deleted
    if (old_state[0] if old_state else target.state) == "published":
        raise FrozenSchemeVersion(FROZEN_MESSAGE)
    for name in _IMMUTABLE:
        if state.attrs[name].history.has_changes():
            raise FrozenSchemeVersion(f"a scheme version's {name} never changes; upload a new version instead")


@event.listens_for(SchemeVersion, "before_delete")
def _no_delete(mapper, connection, target):
    if target.state == "published":
        raise FrozenSchemeVersion(FROZEN_MESSAGE)
