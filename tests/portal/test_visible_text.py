"""What a user reads is written for people (issue #12 items 1, 2, 6): the demo is loaded and every page
each demo role can reach, every export (xlsx, PDF text, CSV) and every mail is read as visible text.

In Chinese (the default) no text shows a key (``snake_case``), a seed citation ("seed 002") or the scoring
engine's own English ("not scored", "provisional", "quotas for …"); no date is written as ISO or UTC.
In English no product string is left in Chinese: every Chinese run of characters must be user or
document data (names, titles, clauses quoted from the documents, reasons people typed). The documents'
own words are data: the scheme files under rules/schemes/*.toml (titles, items, clauses, fact labels and
their choices and units, in the reader's half where a string is bilingual), the reporting calendars, the
compliance rules' clauses and the termination clauses quoted from each document; so is a ledger's format
(its Chinese column headers, their other spellings and the values an upload is read by), which the English
templates and pages quote as they are. See ``_data_strings``.
"""
from __future__ import annotations

import os
import re

import pytest
from sqlmodel import select

from tests.conftest import csrf_token, login
from tests.portal.crawl import Crawl, crawl_role, visible_text

_SNAKE = re.compile(r"(?<![A-Za-z0-9_./-])[a-z]+(?:_[a-z0-9]+)+(?![A-Za-z0-9_])")
_SEED = re.compile(r"\bseed \d", re.IGNORECASE)
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}|\b\d{4}-\d{2}月|\b\d{4}W\d{2}\b|\bUTC\b|[+]08:00")
# the engine's own English (rules/scoring/engine.py) never reaches a page: it renders steps instead
ENGINE_ENGLISH = ("not scored", "missing fact", "provisional", "requirement not met", "awarded in full",
                  "capped at", "quotas for", "not below", "is in no", "passed (", "failed (", "incomplete:",
                  "rank-based", "no document number", "effective 20", "start 3.00", "→ penalty", "→ bonus",
                  "step(s)", "unit(s)", " short", "regular ", "assessor's judgement")
_CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]+")
_PUNCT = "（）()：:，,、。；;·「」《》“”【】〔〕 \u3000％%＋+－—"
_PUNCT_RE = "[" + re.escape(_PUNCT) + "]"

ROLES = ("admin", "pingxiang-reviewer", "pingxiang-approver", "pingxiang-admin", "op-pingxiang-hr",
         "ningming-approver", "op-ningming-hr", "wujiang-approver", "jindong-approver", "qianxi-reviewer",
         "op-xingan-hr")


def _readable(doc) -> str:
    """JSON is an API and a CSV's header row its column names (stable identifiers for machines, documented
    with the public results); everything else in a file is read by people."""
    if doc.kind == "json":
        return ""
    if doc.kind == "csv":
        return doc.text.partition("\n")[2]
    return doc.text


def _zh_hits(doc) -> list[str]:
    text = _readable(doc)
    hits = [f"{doc.where} [{doc.kind}]: key {m!r}" for m in _SNAKE.findall(text)]
    hits += [f"{doc.where} [{doc.kind}]: seed citation" for _ in _SEED.findall(text)]
    hits += [f"{doc.where} [{doc.kind}]: machine date {m!r}" for m in _ISO.findall(text)]
    hits += [f"{doc.where} [{doc.kind}]: engine English {p!r}" for p in ENGINE_ENGLISH if p in text]
    return hits


def _crawl(app, db, *, lang: str) -> Crawl:
    from portal.notifications.models import Notification, OutboxMail

    crawl = Crawl()
    for name in ROLES:
        client = app.test_client()
        if lang != "zh":
            client.post(f"/lang/{lang}", data={"csrf_token": csrf_token(client), "next": "/login"})
        login(client, name, "kaohe-demo-2026")
        # a bureau's roles share their PDFs (the same sheets), and so do the operators: one of each per group
        crawl_role(client, name, crawl, group="operator" if name.startswith("op-") else name.split("-")[0])
    client = app.test_client()
    if lang != "zh":
        client.post(f"/lang/{lang}", data={"csrf_token": csrf_token(client), "next": "/public/"})
    crawl_role(client, "public", crawl, start=("/public/",))
    # a mail is its notification's subject and body (demo accounts have no address, so nothing is queued)
    for note in db.exec(select(Notification)):
        crawl.add(f"mail #{note.id}", "mail", f"{note.subject}\n{note.body}")
    for mail in db.exec(select(OutboxMail)):
        crawl.add(f"mail #{mail.id}", "mail", f"{mail.subject}\n{mail.body}")
    return crawl


@pytest.fixture
def demo(app):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return app


def test_visible_text_reads_what_a_user_reads():
    html = ('<p title="总分">得分 <b>3.00</b></p><script>var some_key = 1</script><style>.a_b{}</style>'
            '<input name="referrals_count" placeholder="推荐人数"><a href="/x/some_path">看</a>')
    text = visible_text(html)
    assert "总分" in text and "推荐人数" in text and "3.00" in text and "看" in text
    assert "some_key" not in text and "referrals_count" not in text and "some_path" not in text
    assert _SNAKE.findall("推荐 referrals_to_park_employers = 1250") == ["referrals_to_park_employers"]
    assert _SNAKE.findall("kaohe-demo-2026 a.b_c /x/y_z") == []


def test_chinese_mode_shows_no_keys_seeds_engine_english_or_machine_dates(demo, db, capsys):
    crawl = _crawl(demo, db, lang="zh")
    kinds = {d.kind for d in crawl.documents}
    hits = [h for d in crawl.documents for h in _zh_hits(d)]
    if dump := os.environ.get("KAOHE_CRAWL_DUMP"):  # for a developer hunting hits: every document as read
        import json

        with open(dump, "w", encoding="utf-8") as out:
            json.dump([d.__dict__ for d in crawl.documents], out, ensure_ascii=False)
    with capsys.disabled():
        print(f"\n{len(crawl.documents)} documents read ({', '.join(sorted(kinds))}), {len(hits)} hits")
        if os.environ.get("KAOHE_CRAWL_REPORT"):
            for h in sorted(set(hits)):
                print(h)
    assert {"page", "xlsx", "pdf", "csv", "mail"} <= kinds
    assert hits == []


def _data_strings(db) -> list[str]:
    """Everything that is data rather than the product's own words: every text column of every row (names,
    titles, reasons people typed, clauses and Chinese messages stored with violations and notifications),
    the schemes and calendars (the documents' own titles, items and clauses, quoted in Chinese in every
    language) and the compliance rules' clauses. Longest first, so that a title goes before its parts."""
    from sqlmodel import SQLModel

    from portal.activities.services import _MARK_ALIASES, _UPLOAD_MARKS
    from portal.applications.roster import ROSTER
    from portal.assessment.services import choice_labels
    from portal.consequences.services import TERMINATION_CLAUSES
    from portal.ledgers.ledger_types import LEDGER_TYPES
    from rules.compliance import model as compliance_model
    from rules.dates import dates_in_words
    from rules.compliance import list_rules
    from rules.reporting import calendar_scheme_ids, obligations_for
    from rules.schemes import all_schemes

    parts: list[str] = []

    def walk(value):
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v)
        elif isinstance(value, str):
            parts.extend(value.split("\n"))
            # stored text shown with its dates in words (an audit reason: the dates_in_words filter)
            parts.extend(dates_in_words(value).split("\n"))

    for table in SQLModel.metadata.sorted_tables:
        for row in db.connection().execute(table.select()):
            walk(list(row))
    for scheme in all_schemes():
        parts += [scheme.title, scheme.bureau, scheme.document_number, scheme.citation, scheme.source]
        parts += [c.label for c in scheme.cycles]
        parts += [f.meaning for f in scheme.facts.values()] + [d.meaning for d in scheme.derived.values()]
        # a fact is shown by its label (the meaning before its choices), its choices by their words, with its unit
        for spec in scheme.facts.values():
            zh = spec.meaning.partition(" / ")[0]
            parts += [re.split(r"[：（]", zh)[0], spec.unit, *(label for _c, label in choice_labels(spec) if label in spec.meaning)]
        parts += [d.unit for d in scheme.derived.values()]
        for node in scheme.nodes():
            parts += [node.title, node.clause]
            walk([getattr(e, "label", "") for e in node.params.get("entries", ())])
            walk([getattr(e, "label", "") for e in node.params.get("deductions", ())])
            walk([getattr(t, "label", "") for t in node.params.get("tiers", ())])
        parts += [v.label for v in scheme.vetoes] + [v.clause for v in scheme.vetoes] + [scheme.pass_clause]
        if scheme.grades:
            parts += [scheme.grades.clause]
        for table in (scheme.payment, scheme.subsidy):
            if table is not None:
                parts += [table.clause] + [b.label for b in table.bands] + [b.consequence for b in table.bands]
        if scheme.payment:
            parts += [s.label for s in scheme.payment.stages] + [s.clause for s in scheme.payment.stages]
        if scheme.subsidy:
            parts += [o.label for o in scheme.subsidy.one_off]
        walk(scheme.extra)
    for scheme_id in calendar_scheme_ids():
        for spec in obligations_for(scheme_id):
            parts += [spec.label, spec.clause, spec.source]
    for rule in list_rules():
        parts += [rule.clause.cite(), rule.clause.text, rule.clause.item, rule.message_zh]
    parts += [t for t, _n in compliance_model.DOCUMENTS.values()]
    parts += list(TERMINATION_CLAUSES.values())  # each scheme's document on ending the contract, quoted
    # a bilingual document string ("中文 / English") is quoted in the reader's half, a clause of several
    # conditions ("（一）…；（二）…") one condition at a time
    parts += [half for p in parts if p and " / " in p for half in p.split(" / ")]
    parts += [piece for p in parts if p and "；" in p for piece in p.split("；")]
    # a ledger's format: the Chinese headers, their other spellings and the values an upload is read by (the
    # English template quotes them, as the English pages quote 在岗/外勤 for attendance)
    for ledger in (*LEDGER_TYPES.values(), ROSTER):
        for col in ledger.columns:
            parts += [col.header, *col.aliases, *col.choices, *col.choice_aliases]
    parts += [*_UPLOAD_MARKS, *_MARK_ALIASES, "姓名", "人员姓名", "驻站人员", "员工姓名", "岗位", "职务"]
    parts += [f"{d}日" for d in range(1, 32)] + [f"{d}号" for d in range(1, 32)]
    # a single character (a unit, 是/否) is no evidence: taken out of a product string it would only hide its rest
    return sorted({p.strip() for p in parts if p and _CJK.search(p) and len(p.strip()) > 1}, key=len, reverse=True)


def _product_fragments() -> set[str]:
    """The Chinese of the strings this issue added to the catalog (explanations, dates, audit labels): in English
    mode none of them may show."""
    from babel.messages.extract import extract_from_file

    fragments = set()
    for path in ("portal/explain.py", "portal/filters.py", "portal/audit/labels.py"):
        for _line, message, _comments, _context in extract_from_file(
                "python", path, keywords={"_": None, "gettext": None, "N_": None}):
            for msg in (message if isinstance(message, tuple) else (message,)):
                for run in _CJK.findall(re.sub(r"%\(\w+\)s", " ", msg or "")):
                    fragments |= {piece for piece in re.split(_PUNCT_RE, run) if len(piece) >= 2}
    return fragments


def test_english_mode_leaves_no_product_string_in_chinese(demo, db, capsys):
    crawl = _crawl(demo, db, lang="en")
    data = _data_strings(db)
    # this issue's own words, where they cannot be mistaken for data or for a common word of another page
    ours = {f for f in _product_fragments() if len(f) >= 4 and not any(f in d for d in data)}
    assert {"部分项目尚未评分", "驳回解除合同提议", "四舍五入保留两位小数"} <= ours  # really searched for
    # the language switcher names each language in itself: a reader of Chinese finds 中文 on an English page
    own_names = set(demo.config["LANGUAGES"].values())
    hits, ours_hits = set(), set()
    for doc in crawl.documents:
        if doc.kind == "pdf":  # extracted PDF text breaks lines inside the data; the same sheet is read as xlsx
            continue
        text = _readable(doc)
        if not _CJK.search(text):
            continue
        for value in data:
            if value in text:
                text = text.replace(value, " ")
        for run in _CJK.findall(text):
            for piece in re.split(_PUNCT_RE, run):
                piece = piece.strip(_PUNCT)
                if len(piece) < 2 or piece in own_names:
                    continue
                hits.add(f"{doc.where.split(' ')[-1]} [{doc.kind}]: {piece!r}")
                if piece in ours:  # a whole run of this words (a coincidence inside another text is not ours)
                    ours_hits.add(f"{doc.where} [{doc.kind}]: {run!r}")
    with capsys.disabled():
        print(f"\n{len(crawl.documents)} documents read in English, {len(hits)} Chinese runs not from data, "
              f"{len(ours_hits)} from this issue's strings")
        if os.environ.get("KAOHE_CRAWL_REPORT"):
            for h in sorted(hits):
                print(h)
            for h in sorted(ours_hits):
                print("OURS", h)
    assert ours_hits == set()
    assert hits == set()  # every other Chinese run is data: nothing of the product's own is left untranslated
