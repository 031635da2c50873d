"""Issue #15 §1, the portal side: a scheme file brings its reporting calendar and the compliance rules that apply
with their parameters. Uploaded and published through the pages, its calendar is what a contract under it owes
(by the document's own day) and its rules judge the hand-ins with the document's points, item, fact and clause —
no code, no release."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import Decimal

from sqlmodel import select

from portal.auth.models import User
from portal.reporting.models import Submission
from portal.schemes.models import SchemeVersion
from portal.violations.models import Violation
from tests.conftest import add_contract
from tests.portal.schemes.test_scheme_pages import _client, _publish, _upload
from tests.rules.schemes.test_check_scheme_data import BASE

CLAUSE = "第三条：每月10日前报送上月工作报告，不及时上报的，每次扣0.2分"


def _cases() -> bytes:
    from portal.schemes.commands import json_ready
    from rules.schemes.check import check_scheme_text

    scheme = check_scheme_text(BASE, file_name="example-2024.toml").scheme
    facts = {key: json_ready(spec.example) for key, spec in scheme.facts.items()}
    return json.dumps({"cases": [{"name": "示例", "facts": facts, "expect": {"total": "19.40"}}]},
                      ensure_ascii=False).encode("utf-8")


def _utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def test_an_uploaded_schemes_calendar_and_rules_judge_a_contract_under_it(app, db, world):
    from portal.compliance.services import run_rules
    from portal.reporting.services import calendar

    admin, token = _client(app, "t-platform")
    assert _upload(admin, token, BASE.encode("utf-8"), _cases(), name="example-2024.toml").status_code == 302
    version = db.exec(select(SchemeVersion).where(SchemeVersion.scheme_id == "example-2024")).one()
    assert version.cases_passed
    page = admin.get(f"/schemes/versions/{version.id}").get_data(as_text=True)
    assert "月度工作报告" in page and CLAUSE in page  # the preview shows what is due and the rules in force
    assert _publish(admin, token, version.id).status_code == 302

    contract = add_contract(db, world, scheme_id="example-2024", starts_on=date(2024, 3, 1),
                            ends_on=date(2024, 12, 31), number="EX-1")
    with app.test_request_context():
        owed = [o for o in calendar(contract) if o.spec.key == "monthly_report"]
    assert [o.period.key for o in owed][:2] == ["2024-03", "2024-04"] and len(owed) == 10
    assert owed[0].due_at.isoformat() == "2024-04-10T23:59:59+08:00"  # the document's 10th, not seed 002's 5th

    operator = db.exec(select(User.id).where(User.username == "t1-operator")).one()
    for period, at in (("2024-03", _utc(2024, 4, 8, 1)), ("2024-04", _utc(2024, 5, 11, 1))):
        db.add(Submission(contract_id=contract.id, bureau_id=contract.bureau_id, operator_id=contract.operator_id,
                          obligation_key="monthly_report", period_key=period, due_at=owed[0].due_at,
                          submitted_at=at, submitted_by_id=operator))
    db.commit()
    with app.test_request_context():
        run_rules(contract, _utc(2024, 6, 1))
        from portal.db import get_session

        get_session().commit()
    found = db.exec(select(Violation).where(Violation.contract_id == contract.id)).all()
    assert [(v.rule_id, v.period) for v in found] == [("deadlines.monthly_report_late", "2024-04")]
    late = found[0]
    assert (late.scheme_item, late.scheme_fact, late.clause, late.penalty_points) == (
        "work/reports", "late_reports", CLAUSE, Decimal("0.2"))
    assert "2024年5月10日" in late.message_zh and late.message_zh.endswith("扣0.2分")


def test_a_shipped_version_stored_before_schemes_carried_their_duties_keeps_the_shipped_ones(app):
    """A database migrated before the calendar and rules moved into the scheme files holds a shipped scheme's first
    version without them: it keeps the shipped calendar and the rules written for it (the rules' default), instead
    of owing nothing and breaking no rule. An uploaded scheme without the sections owes nothing."""
    from portal.schemes.services import compile_text, duties
    from rules.reporting import obligations_for
    from rules.schemes import SCHEME_DIR

    text = (SCHEME_DIR / "pingxiang-2024-lot1.toml").read_text(encoding="utf-8")
    old = text[:text.index("\n# -- The reporting calendar")] + "\n"
    with app.app_context():
        scheme = compile_text(old, "pingxiang-2024-lot1.toml")
        assert not scheme.calendar and not scheme.compliance
        assert duties(scheme) == (obligations_for("pingxiang-2024-lot1"), None)
        current = compile_text(text, "pingxiang-2024-lot1.toml")
        assert duties(current) == (current.calendar, current.compliance) and current.compliance
        bare = BASE[:BASE.index("\n[calendar]")] + "\n"
        assert duties(compile_text(bare, "example-2024.toml")) == ((), ())
