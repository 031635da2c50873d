"""Which scheme version scores what: the published versions in force by date, compiled once per sha256.

    scheme_for(scheme_id, on)      the published version in force on that day (the latest effective_from <= on;
                                   before the first version, the first)
    scheme_by_sha(sha256)          exactly the version an approval froze (recomputation gives identical figures)
    contract_scheme(contract)      the version in force on the contract's first day (its calendar of cycles)

A compiled scheme is pure data keyed by the sha256 of its text, so it is cached for the life of the process.
Which versions exist is cached per app and validated by one cheap query (count and latest id of the
published versions) at most once per request: a page that scores 20 rows reads it once, not 20 times.
Published versions are never changed or deleted, so a new count is the only way the answer can change.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
from dataclasses import dataclass, field
import tomllib
from bisect import bisect_right
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import functools

import sqlalchemy as sa
from flask import current_app, g, has_app_context
from flask_babel import gettext as _
from sqlmodel import select

from portal.db import get_session, local_today, utcnow
from portal.schemes.models import SchemeVersion
from rules.scoring.loader import build_scheme
from rules.scoring.model import Scheme, SchemeError

_COMPILED: dict[str, Scheme] = {}  # sha256 -> Scheme (content-addressed: valid for every database)


def compile_text(text: str, file_name: str, scheme_id: str | None = None) -> Scheme:
    """The Scheme of a stored file text (already checked when it was stored), cached by its sha256."""
    raw = text.encode("utf-8")
    sha = hashlib.sha256(raw).hexdigest()
    scheme = _COMPILED.get(sha)
    if scheme is None:
        data = tomllib.loads(text.removeprefix("\ufeff"), parse_float=Decimal)
        scheme = dataclasses.replace(build_scheme(data, file=file_name, expected_id=scheme_id), sha256=sha)
        _COMPILED[sha] = scheme
    return scheme


# -- the versions in force --------------------------------------------------------------------------

def _index() -> dict[str, list[tuple[date, str, str, str]]]:
    """scheme id -> [(effective_from, sha256, file_name, text)] of its published versions, oldest first."""
    session = get_session()
    checked = g.get("kaohe_scheme_index")
    if checked is not None:
        return checked
    cache = current_app.extensions.setdefault("kaohe_scheme_index", {})
    stamp = tuple(session.exec(select(sa.func.count(SchemeVersion.id), sa.func.max(SchemeVersion.id)).where(
        SchemeVersion.state == "published")).one())
    if cache.get("stamp") != stamp:
        rows = session.exec(select(SchemeVersion.scheme_id, SchemeVersion.effective_from, SchemeVersion.sha256,
                                   SchemeVersion.file_name, SchemeVersion.text)
                            .where(SchemeVersion.state == "published")
                            .order_by(SchemeVersion.scheme_id, SchemeVersion.effective_from, SchemeVersion.id)).all()
        index: dict[str, list] = {}
        for scheme_id, effective_from, sha, file_name, text in rows:
            index.setdefault(scheme_id, []).append((effective_from, sha, file_name, text))
        cache.update(stamp=stamp, index=index)
    g.kaohe_scheme_index = cache["index"]
    return cache["index"]


def forget_index() -> None:
    """After a publication in this request: the next lookup reads the versions again."""
    if has_app_context():
        g.pop("kaohe_scheme_index", None)


def scheme_ids() -> list[str]:
    return sorted(_index())


def versions_in_force(scheme_id: str) -> list[tuple[date, str]]:
    return [(day, sha) for day, sha, _f, _t in _index().get(scheme_id, [])]


def scheme_for(scheme_id: str, on: date) -> Scheme:
    """The published version of `scheme_id` in force on `on` (before the first version: the first)."""
    versions = _index().get(scheme_id)
    if not versions:
        raise SchemeError(f"{scheme_id}.toml", "", "no published version of this scheme")
    at = max(bisect_right([v[0] for v in versions], on) - 1, 0)
    _day, sha, file_name, text = versions[at]
    return _COMPILED.get(sha) or compile_text(text, file_name, scheme_id)


def contract_scheme(contract: Any) -> Scheme:
    """The version the contract was signed under: the one it records (`Contract.scheme_version`, "<id> (<number>,
    effective <date>)", set when it was entered), else the one in force on its first day. Its calendar lays the
    contract's cycles, its reporting calendar and compliance rules bind the operator, and it names what the
    contract's pages show; a version published later never moves them. Each cycle is then scored by the version
    in force on its own first day (`scheme_for(contract.scheme_id, cycle.start)`)."""
    import re

    signed = re.search(r"effective (\d{4}-\d{2}-\d{2})\)$", getattr(contract, "scheme_version", None) or "")
    try:
        on = date.fromisoformat(signed.group(1)) if signed else contract.starts_on
    except ValueError:  # not a day: the version in force on the contract's first day
        on = contract.starts_on
    return scheme_for(contract.scheme_id, on)


def scheme_by_sha(sha256: str, scheme_id: str | None = None) -> Scheme:
    """Exactly the version whose text has this sha256 (what an approval froze), published or not."""
    scheme = _COMPILED.get(sha256)
    if scheme is not None:
        return scheme
    row = get_session().exec(select(SchemeVersion.file_name, SchemeVersion.text, SchemeVersion.scheme_id)
                             .where(SchemeVersion.sha256 == sha256)).first()
    if row is not None:
        return compile_text(row[1], row[0], row[2])
    if scheme_id:  # an approval made before versions were stored: the shipped file, if it is still the same
        from rules.schemes import load_scheme

        try:
            shipped = load_scheme(scheme_id)
        except SchemeError:
            shipped = None
        if shipped is not None and shipped.sha256 == sha256:
            return shipped
    raise SchemeError(f"{scheme_id or sha256}.toml", "", f"no stored scheme version with sha256 {sha256}")


def approval_scheme(approval: Any) -> Scheme:
    """The scheme an approval was computed with (its frozen sha256): recomputing it gives its figures."""
    return scheme_by_sha(approval.scheme_sha256, approval.scheme_id)


@functools.lru_cache(maxsize=1)
def _shipped_ids(ids: tuple) -> frozenset:
    return frozenset(ids)


def duties(scheme: Scheme) -> tuple[tuple, tuple | None]:
    """A version's reporting calendar and compliance rules in force (None: the rules written for the scheme).
    A shipped scheme's version stored before scheme files carried [calendar] and [[compliance]] (a database
    migrated before 5 December 2026) has neither: it keeps the shipped scheme's own, as it had them then,
    rather than silently owing nothing and breaking no rule."""
    if scheme.calendar or scheme.compliance:
        return scheme.calendar, scheme.compliance
    from rules.reporting import CalendarError, obligations_for
    from rules.schemes import scheme_ids

    if scheme.id in _shipped_ids(tuple(scheme_ids())):
        try:
            return obligations_for(scheme.id), None
        except CalendarError:
            pass
    return (), ()


# -- the shipped schemes as first versions ------------------------------------------------------------

def shipped_rows() -> list[dict[str, Any]]:
    """The scheme files shipped in rules/schemes/, as first published, platform-wide versions."""
    from rules.schemes import SCHEME_DIR

    paths = sorted(Path(SCHEME_DIR).glob("*.toml"))
    now = utcnow()
    return [dict(scheme_id=scheme.id, version="1", effective_from=scheme.effective_date, title=scheme.title[:300],
                 document=scheme.citation[:400], file_name=name, sha256=scheme.sha256, text=text, cases_text="",
                 cases_file_name="", cases_passed=False, bureau_id=None, state="published", uploaded_by_id=None,
                 uploaded_at=now, published_by_id=None, published_at=now)
            for name, text, scheme in _shipped_files(tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size)
                                                           for p in paths))]


@functools.lru_cache(maxsize=4)
def _shipped_files(stamps: tuple[tuple[str, int, int], ...]) -> tuple:
    """(file name, text, scheme) of each shipped file, read once while the files are unchanged (the tests' database
    on PostgreSQL is emptied and the shipped schemes installed again before each test)."""
    from rules.schemes import load_scheme_file

    out = []
    for path, _mtime, _size in stamps:
        text = Path(path).read_bytes().decode("utf-8")
        out.append((Path(path).name, text, load_scheme_file(Path(path))))
    return tuple(out)


def install_shipped(connection) -> int:
    """Store each shipped scheme that has no version yet as its first published version (idempotent).
    Called after every migration (`flask migrate`, `make run`, the tests' databases)."""
    table = SchemeVersion.__table__
    if not sa.inspect(connection).has_table(table.name):
        return 0
    present = set(connection.execute(sa.select(table.c.scheme_id).distinct()).scalars())
    rows = [row for row in shipped_rows() if row["scheme_id"] not in present]
    if rows:
        connection.execute(table.insert(), rows)
    return len(rows)


def owners() -> dict[str, int | None]:
    """scheme id -> the bureau whose document it is (None: platform-wide), from its versions."""
    return dict(get_session().exec(select(SchemeVersion.scheme_id, sa.func.max(SchemeVersion.bureau_id))
                                   .group_by(SchemeVersion.scheme_id)).all())


def offered_schemes(bureau_id: int | None, on: date | None = None) -> list[Scheme]:
    """The schemes a bureau's contract may use (platform-wide and the bureau's own; None: every one), each
    as the version in force on `on` (today in Beijing)."""
    on = on or local_today()
    index = _index()
    return [scheme_for(sid, on) for sid, owner in sorted(owners().items())
            if sid in index and (bureau_id is None or owner is None or owner == bureau_id)]


def scheme_of_text(value: str) -> Scheme | None:
    """A stored scheme from its id or a stored version text "<id> (<number>, effective <date>)" (what
    contracts and approvals keep): the version of that date, else the one in force today; None outside
    the app or for an id the portal does not keep."""
    import re

    scheme_id = value.split(" ")[0]
    if not scheme_id or not has_app_context() or g.get("kaohe_scheme_lookup_failed"):
        return None
    m = re.search(r"effective (\d{4}-\d{2}-\d{2})\)$", value)
    try:
        return scheme_for(scheme_id, date.fromisoformat(m.group(1)) if m else local_today())
    except (SchemeError, ValueError):
        return None
    except sa.exc.SQLAlchemyError:  # a database without versions (the CLI on a file): the shipped files answer
        get_session().rollback()
        g.kaohe_scheme_lookup_failed = True
        return None


def citation_of(value: str) -> str | None:
    scheme = scheme_of_text(value)
    return scheme.citation if scheme is not None else None


def init_app(app) -> None:
    from portal import explain, filters

    if citation_of not in filters.SCHEME_CITATIONS:
        filters.SCHEME_CITATIONS.append(citation_of)
    if scheme_of_text not in explain.SCHEME_LOOKUPS:
        explain.SCHEME_LOOKUPS.append(scheme_of_text)


# -- upload, check, test, publish -----------------------------------------------------------------------

class UploadRefused(Exception):
    """The upload cannot be stored; the message says why in the reader's words."""


@dataclass
class Upload:
    """What an upload came to: the stored draft, or why nothing was stored (the file's problems, each with
    its line; the cases file's error; a refusal)."""

    version: SchemeVersion | None = None
    problems: list = field(default_factory=list)  # rules.schemes.check.Problem
    cases_error: Any = None  # rules.schemes.cases.CasesError
    refusal: str = ""


def may_manage(user, owner: int | None) -> bool:
    """A platform admin manages every scheme; a bureau admin its own bureau's (never a platform-wide one)."""
    if user.is_platform_admin:
        return True
    return user.role == "admin" and user.is_bureau_user and owner is not None and owner == user.bureau_id


def versions_of(scheme_id: str) -> list[SchemeVersion]:
    return list(get_session().exec(select(SchemeVersion).where(SchemeVersion.scheme_id == scheme_id)
                                   .order_by(SchemeVersion.effective_from, SchemeVersion.id)))


def previous_version(version: SchemeVersion) -> SchemeVersion | None:
    """The published version of the same scheme this one follows: the latest in force on its first day
    (else the latest published), never itself."""
    published = [v for v in versions_of(version.scheme_id) if v.published and v.id != version.id]
    before = [v for v in published if v.effective_from <= version.effective_from]
    return (before or published or [None])[-1]


def next_version_day(version: SchemeVersion) -> date | None:
    """The first day of the next published version after this one (its own days end the day before)."""
    later = [v.effective_from for v in versions_of(version.scheme_id)
             if v.published and v.id != version.id and v.effective_from > version.effective_from]
    return min(later, default=None)


def version_scheme(version: SchemeVersion) -> Scheme:
    return compile_text(version.text, version.file_name, version.scheme_id)


def run_version_cases(version: SchemeVersion) -> list:
    """Its test cases' results (rules.schemes.cases.CaseResult), run again: pure, a few milliseconds."""
    from rules.schemes.cases import run_cases

    if not version.cases_text:
        return []
    return run_cases(version_scheme(version), version.cases_text,
                     json_format=version.cases_file_name.lower().endswith(".json"))


def upload(user, scheme_file: bytes, scheme_name: str, cases_file: bytes, cases_name: str,
           bureau_id: int | None) -> Upload:
    """Check a scheme file and its cases; store it as a draft only when the file has no problem and the
    cases file can be read (a draft whose cases fail is kept to be looked at, and can never be published or
    used). `bureau_id`: the owner of a new scheme id (a bureau admin's own bureau, whatever is asked)."""
    from rules.schemes.cases import CasesError, run_cases
    from rules.schemes.check import check_scheme_text

    from portal.audit import services as audit

    checked = check_scheme_text(scheme_file, file_name=scheme_name)
    if checked.problems:
        return Upload(problems=checked.problems)
    scheme = checked.scheme
    try:
        results = run_cases(scheme, cases_file, json_format=cases_name.lower().endswith(".json"))
    except CasesError as exc:
        return Upload(cases_error=exc)
    if not user.is_platform_admin:
        bureau_id = user.bureau_id
    existing = versions_of(scheme.id)
    owner = existing[0].bureau_id if existing else bureau_id
    if not may_manage(user, owner):
        return Upload(refusal=_("方案“%(id)s”属于其他单位，本账号不能上传它的新版本", id=scheme.id))
    session = get_session()
    for v in existing:
        if v.sha256 == scheme.sha256 and v.published:
            return Upload(refusal=_("同样的文件已发布为第%(n)s版，无需再上传", n=v.version))
        if v.published and v.effective_from == scheme.effective_date:
            return Upload(refusal=_("第%(n)s版已于同一天（%(day)s）生效：新版本须在文件中写明另一个生效日期",
                                    n=v.version, day=_day(scheme.effective_date)))
    for v in existing:  # the same text uploaded again (e.g. with corrected cases): the newer draft replaces it
        if v.sha256 == scheme.sha256:
            audit.record("discard_scheme_version", v, after=_summary(v), reason="replaced by a new upload")
            session.delete(v)
            session.flush()
    numbers = [int(v.version) for v in versions_of(scheme.id) if v.version.isdigit()]
    row = SchemeVersion(
        scheme_id=scheme.id, version=str(max(numbers, default=0) + 1), effective_from=scheme.effective_date,
        title=scheme.title[:300], document=scheme.citation[:400], file_name=scheme_name[-200:],
        sha256=scheme.sha256, text=scheme_file.decode("utf-8"), cases_text=cases_file.decode("utf-8-sig"),
        cases_file_name=cases_name[-200:], cases_passed=all(r.passed for r in results), bureau_id=owner,
        state="draft", uploaded_by_id=user.id)
    session.add(row)
    session.flush()
    audit.record("upload_scheme_version", row, after=_summary(row))
    session.commit()
    return Upload(version=row)


def _day(value: date) -> str:
    from portal.filters import day

    return day(value)


def _summary(row: SchemeVersion) -> dict:
    return {"scheme_id": row.scheme_id, "version": row.version, "effective_from": row.effective_from.isoformat(),
            "sha256": row.sha256, "file_name": row.file_name, "state": row.state,
            "cases_passed": row.cases_passed, "bureau_id": row.bureau_id}


# Which cycles of a scheme's contracts were already assessed (submitted or approved): the contracts, above this
# package, register the answer (portal.contracts.services.assessed_cycles) -> [(number, label, start, end)].
ASSESSED_CYCLES: list = []


def backdating_refusal(version: SchemeVersion) -> str | None:
    """Why this version cannot take effect on its date (None: it can). A version scores every cycle that begins
    on or after its effective day: dated on or before the first day of a cycle whose sheet was submitted and
    awaits approval, it would change that sheet's figures under the approver's hand, so it waits until those are
    approved or returned, or is dated after. Approved sheets are frozen with their version (the dry run shows
    what a reassessment would give); contracts keep the version they were signed under (contract_scheme)."""
    assessed = [row for finder in ASSESSED_CYCLES for row in finder(version.scheme_id)]
    hit = sorted((row for row in assessed if version.effective_from <= row[2]), key=lambda r: (r[2], r[0]))
    if not hit:
        return None
    shown = "；".join(_("合同%(number)s %(cycle)s %(start)s至%(end)s", number=number, cycle=label,
                        start=_day(start), end=_day(end)) for number, label, start, end in hit[:5])
    if len(hit) > 5:
        shown += _("等%(n)s个周期", n=len(hit))
    return _("以下考核表已提交待审批，其周期在生效日期当天或之后开始，发布后将改变其得分：%(cycles)s。"
             "请待审批通过或退回后再发布，或把生效日期定在%(day)s之后",
             cycles=shown, day=_day(max(row[2] for row in hit)))


def publication_refusal(version: SchemeVersion, user) -> str | None:
    """Why this draft cannot be published (None: it can)."""
    if not may_manage(user, version.bureau_id):
        return _("本账号不能发布该方案的版本")
    if not version.cases_text:
        return _("没有测试用例：请连同用例文件一起上传")
    results = run_version_cases(version)
    if not results or not all(r.passed for r in results):
        return _("测试用例未全部通过，不能发布：请修改方案文件或用例后重新上传")
    for v in versions_of(version.scheme_id):
        if v.published and v.id != version.id and v.effective_from == version.effective_from:
            return _("第%(n)s版已于同一天生效", n=v.version)
    return backdating_refusal(version)


def publish(version_id: int, user) -> SchemeVersion:
    """Publish a draft (idempotent: a version already published stays as it is). From then on it scores
    every cycle starting on or after its effective day (until a later version's). The change is one
    conditional UPDATE (… WHERE state = 'draft'), so two publications at once publish it once."""
    from portal.audit import services as audit

    session = get_session()
    version = session.get(SchemeVersion, version_id)
    if version.published:
        return version
    if refusal := publication_refusal(version, user):
        raise UploadRefused(refusal)
    table = SchemeVersion.__table__
    try:
        done = session.execute(sa.update(table).where(table.c.id == version_id, table.c.state == "draft").values(
            state="published", published_by_id=user.id, published_at=utcnow())).rowcount
    except sa.exc.IntegrityError:  # another version of the same day was published meanwhile (the unique index)
        session.rollback()
        raise UploadRefused(_same_day_refusal(version_id)) from None
    session.expire(version)
    if done:
        audit.record("publish_scheme_version", version, after=_summary(version))
    session.commit()
    forget_index()
    return version


def _same_day_refusal(version_id: int) -> str:
    version = get_session().get(SchemeVersion, version_id)
    other = next((v for v in versions_of(version.scheme_id) if v.published and v.id != version.id
                  and v.effective_from == version.effective_from), None)
    return _("第%(n)s版已于同一天（%(day)s）生效，本版本未发布：新版本须在文件中写明另一个生效日期",
             n=other.version if other is not None else "?", day=_day(version.effective_from))


def discard(version_id: int, user) -> None:
    """Delete a draft (a published version is never deleted)."""
    from portal.audit import services as audit

    session = get_session()
    version = session.get(SchemeVersion, version_id)
    if version.published:
        raise UploadRefused(_("已发布的版本不能删除"))
    if not may_manage(user, version.bureau_id):
        raise UploadRefused(_("本账号不能删除该方案的版本"))
    table = SchemeVersion.__table__
    event = audit.record("discard_scheme_version", version, after=_summary(version))
    session.expunge(version)
    if not session.execute(sa.delete(table).where(table.c.id == version_id, table.c.state == "draft")).rowcount:
        session.expunge(event)  # published meanwhile: nothing was deleted, nothing to record
    session.commit()
