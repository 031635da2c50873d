"""A service's refusal is written in both languages ("考核表尚不完整 / the sheet is incomplete"); the reader reads
their half only, flashed or beside the field (portal/explain.py reader_half, on every template that shows one).
Once the whole pair was shown: a Chinese reviewer read "… / the sheet is draft", the state's key included."""
from __future__ import annotations

from tests.conftest import csrf_token, login
from tests.portal.sheets import _enter, _revision, _url


def _approve_a_draft(app, world, db, lang: str | None) -> str:
    reviewer, approver = app.test_client(), app.test_client()
    rt = login(reviewer, "t1-reviewer")
    _enter(reviewer, rt, db, world, "equipment_findings", "0")  # the sheet exists, as a draft
    if lang:
        approver.post(f"/lang/{lang}", data={"csrf_token": csrf_token(approver), "next": "/login"})
    at = login(approver, "t1-approver")
    response = approver.post(_url(world, action="/approve"), data={"revision": _revision(db, world)},
                             headers={"X-CSRFToken": at}, follow_redirects=True)
    return response.get_data(as_text=True)


def test_a_flashed_refusal_is_the_chinese_half_for_a_chinese_reader(app, world, db):
    page = _approve_a_draft(app, world, db, None)
    assert "不能进行此操作" in page and "the sheet is draft" not in page


def test_a_flashed_refusal_is_the_english_half_for_an_english_reader(app, world, db):
    page = _approve_a_draft(app, world, db, "en")
    assert "the sheet&#39;s state does not allow this" in page and "不能进行此操作" not in page


def test_a_refusal_beside_a_field_is_the_readers_half(app, world, db):
    """A judged deduction written without its reason on the line: the service's "第1行：写成“分值 理由”… / line 1:
    write “points reason”", beside the field."""
    client = app.test_client()
    token = login(client, "t1-reviewer")
    response = client.post(_url(world, action="/facts/village_visit_deductions"),
                           data={"revision": _revision(db, world), "value": "1", "reason": "核定"},
                           headers={"HX-Request": "true", "X-CSRFToken": token})
    page = response.get_data(as_text=True)
    assert "第1行：写成“分值 理由”" in page and "points reason" not in page


def test_a_state_is_named_by_its_label_in_either_half_never_by_its_key():
    """Once "整改通知当前状态为“rectified”" and "申请当前为“approved”，不能改为“draft”": the keys in the Chinese half."""
    import pytest

    from portal.applications.models import IllegalTransition, StationApplication
    from portal.consequences.models import IllegalConsequenceChange, RectificationNotice

    with pytest.raises(IllegalConsequenceChange) as refused:
        RectificationNotice(state="rectified").answer(1, "已整改")
    assert str(refused.value) == "整改通知当前状态为“整改通过”，不能再提交整改报告 / the notice no longer takes a report"
    with pytest.raises(IllegalTransition) as refused:
        StationApplication(state="approved")._check("draft")
    assert str(refused.value) == ("申请当前为“已批准设立”，不能改为“草稿” / "
                                  "the application cannot move from its state to that one")
