"""Who acted on a violation, and with which reason, is what the violation keeps (issue #18: survivors of the guards'
mutation run in `portal.violations.services.act_on_violation`).

A violation costs the operator points (DOMAIN.md §1: "see their running score, every deduction and why"); the
two-level sign-off of a waiver (issue #6: the reviewer proposes with a reason, the approver confirms or declines)
is only worth something if the violation records the person behind each change and the reason they gave. A
proposal or a refusal without a reason is refused, and nothing is stored in its place: no stand-in reason, no
change of state.
"""
from __future__ import annotations

import pytest

from portal.auth.models import User
from portal.db import get_session
from portal.violations.models import IllegalViolationChange, Violation
from portal.violations.services import act_on_violation


def _act(app, world, violation_id: int, action: str, role: str, reason: str | None = None) -> None:
    with app.test_request_context():
        session = get_session()
        act_on_violation(session.get(Violation, violation_id), action, session.get(User, world[1]["users"][role].id),
                         reason)
        session.commit()


def _refused(app, world, violation_id: int, action: str, role: str, reason: str | None) -> str:
    with pytest.raises(IllegalViolationChange) as refused:
        _act(app, world, violation_id, action, role, reason)
    return str(refused.value)


def _kept(db, violation_id: int) -> tuple:
    db.expire_all()
    v = db.get(Violation, violation_id)
    return v.status, v.status_reason, v.status_changed_by_id, v.waiver_reason, v.waiver_proposed_by_id


def test_each_action_records_who_took_it_and_a_missing_reason_is_refused_not_filled_in(app, world, db):
    violation_id = world[1]["violation"].id
    ids = {role: world[1]["users"][role].id for role in ("operator", "reviewer", "approver")}
    assert _kept(db, violation_id) == ("open", "", None, "", None)

    _act(app, world, violation_id, "acknowledge_violation", "operator")
    assert _kept(db, violation_id) == ("acknowledged", "", ids["operator"], "", None)

    for reason in (None, ""):
        assert _refused(app, world, violation_id, "propose_waiver", "reviewer", reason) == "a waiver needs a reason"
        assert _kept(db, violation_id) == ("acknowledged", "", ids["operator"], "", None)
    _act(app, world, violation_id, "propose_waiver", "reviewer", "停电导致系统无法登录")
    assert _kept(db, violation_id) == ("acknowledged", "", ids["operator"], "停电导致系统无法登录", ids["reviewer"])

    for reason in (None, ""):
        assert _refused(app, world, violation_id, "decline_waiver", "approver", reason) == (
            "declining a waiver needs a reason")
        assert _kept(db, violation_id) == ("acknowledged", "", ids["operator"], "停电导致系统无法登录", ids["reviewer"])
    _act(app, world, violation_id, "decline_waiver", "approver", "经查系统当日正常")
    assert _kept(db, violation_id) == ("acknowledged", "豁免申请未获批准：经查系统当日正常", ids["approver"], "", None)

    _act(app, world, violation_id, "propose_waiver", "reviewer", "复核后再次申请")
    _act(app, world, violation_id, "waive_violation", "approver")
    assert _kept(db, violation_id) == ("waived", "复核后再次申请", ids["approver"], "复核后再次申请", ids["reviewer"])
