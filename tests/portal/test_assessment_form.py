"""The score sheet as a form (issue #12 §3, §4, §7): every fact of the scheme under its category, each saved in
place with its error beside it, yes/no and choices as labelled options, “无扣分” for a judged deduction, a stale
revision refused as a conflict; submitting and approving are confirmed first and tell the next person."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlmodel import select

from portal.cycles.models import AssessmentSheet, SheetApproval
from portal.notifications.models import Notification, OutboxMail
from rules.schemes import load_scheme
from rules.scoring import FactsError, score
from tests.conftest import login
from tests.portal.sheets import STAGE_1, _revision, _url

SCHEME = "pingxiang-2024-lot1"
HX = {"HX-Request": "true"}


@pytest.fixture
def reviewer(app):
    client = app.test_client()
    return client, login(client, "t1-reviewer")


@pytest.fixture
def approver(app):
    client = app.test_client()
    return client, login(client, "t1-approver")


def _save(client, token, db, world, key, revision=None, **data):
    data.setdefault("revision", _revision(db, world) if revision is None else revision)
    return client.post(_url(world, action=f"/facts/{key}"), data=data, headers={**HX, "X-CSRFToken": token})


def _entries(db, world) -> dict:
    db.expire_all()
    sheet = db.exec(select(AssessmentSheet).where(AssessmentSheet.contract_id == world[1]["contract"].id,
                                                  AssessmentSheet.cycle_id == STAGE_1)).first()
    return sheet.entries if sheet else {}


def test_the_form_shows_every_fact_of_the_scheme_under_its_category(world, reviewer):
    client, _ = reviewer
    page = client.get(_url(world)).get_data(as_text=True)
    scheme = load_scheme(SCHEME)
    assert page.count('data-testid="fact"') == len(scheme.facts) == 47
    for category in scheme.categories:
        assert category.title in page
    # yes/no as 是/否, choices by their words in the scheme, judged deductions with 无扣分
    bool_key = next(k for k, s in scheme.facts.items() if s.kind == "bool")
    assert re.search(rf'id="fact-{bool_key}-yes" name="value" value="yes"[^>]*> 是', page)
    assert "本周期不含12月20日" in page and "达到90%以上" in page
    assert 'id="fact-village_visit_deductions-none"' in page and "无扣分" in page
    assert "允许范围 0–100" in page  # a percentage's range beside it


def test_yes_is_entered_as_是_and_the_answer_is_the_fact_with_the_summary_out_of_band(world, db, reviewer):
    client, token = reviewer
    key = next(k for k, s in load_scheme(SCHEME).facts.items() if s.kind == "bool")
    response = _save(client, token, db, world, key, value="是", reason="现场核实")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith(f'<p class="fact-status" id="fact-{key}-error"')
    assert 'id="sheet-summary" class="stats-figures" hx-swap-oob="true"' in body and 'id="sheet-revision"' in body
    # the figures only: the decision link stays in the page, so a click queued behind this save is not dropped
    assert 'data-testid="submit-sheet"' not in body
    assert _entries(db, world)[key]["value"] is True


def test_a_judged_deduction_is_entered_as_无扣分_without_a_reason(world, db, reviewer):
    client, token = reviewer
    response = _save(client, token, db, world, "village_visit_deductions", mode="none", reason="")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert _entries(db, world)["village_visit_deductions"]["value"] == []
    assert 'data-testid="fact-saved">已录入：无扣分' in response.get_data(as_text=True)
    # a real deduction still needs its reason on the line
    response = _save(client, token, db, world, "village_visit_deductions", mode="deduct", value="1", reason="x")
    assert response.status_code == 200 and "分值 理由" in response.get_data(as_text=True)
    assert _entries(db, world)["village_visit_deductions"]["value"] == []


def test_an_error_is_shown_beside_the_field_and_nothing_is_saved(world, db, reviewer):
    client, token = reviewer
    response = _save(client, token, db, world, "schedule_progress_pct", value="142", reason="核定")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-testid="fact-error"' in body and "不能大于100（现为142）" in body
    response = _save(client, token, db, world, "schedule_progress_pct", value="42", reason="")
    assert response.status_code == 200 and "请写明理由" in response.get_data(as_text=True)
    assert "schedule_progress_pct" not in _entries(db, world)


_ERROR = re.compile(r'data-testid="fact-error"[^>]*>(.*?)</', re.S)
_MISSING = re.compile(r'data-testid="missing-count"><b>(\d+)')


@pytest.mark.parametrize("key, value, words", [
    ("schedule_progress_pct", "142", "不能大于100（现为142）"),  # a percentage: 0–100 unless the scheme says
    ("schedule_progress_pct", "-3", "不能小于0（现为−3）"),
    ("schedule_progress_pct", "abc", "“abc”不是数字"),
    ("sampled_jobseekers", "11", "不能大于10（现为11）"),  # 项目质量标准表 7: 抽查10名求职者
    ("attendance_anomaly_person_times", "2.5", "须为整数（现为2.5）"),
    ("attendance_anomaly_person_times", "-1", "不能为负数（现为−1）"),
    ("village_visit_deductions", "0.5 未走访\n6 全年未走访", "第2条：不能大于5（现为6）"),
    ("village_visit_deductions", "0.5 未走访\n半 未走访", "第2条：“半”不是数字"),
])
def test_a_value_the_scheme_refuses_is_said_in_the_reviewers_words_beside_the_field(world, db, reviewer, key, value,
                                                                                    words):
    """Once the engine's English ("the percentage 142 is above the allowed maximum 100") beside a Chinese form."""
    client, token = reviewer
    body = _save(client, token, db, world, key, value=value, reason="核定").get_data(as_text=True)
    [error] = _ERROR.findall(body)
    assert error == words
    assert key not in _entries(db, world)


def test_a_refusal_without_htmx_is_flashed_with_the_facts_name_not_its_key(world, db, reviewer):
    client, token = reviewer
    response = client.post(_url(world, action="/facts/sampled_jobseekers"), headers={"X-CSRFToken": token},
                           data={"revision": _revision(db, world), "value": "11", "reason": "核定"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    label = load_scheme(SCHEME).facts["sampled_jobseekers"].meaning.split(" / ")[0]
    assert f"{label}：不能大于10（现为11）" in page
    assert "sampled_jobseekers：" not in page


def test_a_blank_sheets_result_counts_what_is_missing_and_follows_each_saved_fact(world, db, reviewer):
    """A sheet missing 45 facts said so by naming all 45 in one paragraph (each is marked 待录入 below), and the
    paragraph kept naming a fact after it was saved, until the page was loaded again."""
    client, token = reviewer
    page = client.get(_url(world)).get_data(as_text=True)
    missing = int(_MISSING.search(page).group(1))
    assert missing == 45  # 47 facts, 2 of them gathered from the operator's data
    assert "尚未完成：还有45项待录入，见下方标为“待录入”的项目" in page
    body = _save(client, token, db, world, "schedule_progress_pct", value="42", reason="核定").get_data(as_text=True)
    assert 'id="sheet-result" data-testid="result-explanation" hx-swap-oob="true"' in body
    assert "尚未完成：还有44项待录入" in body


def test_a_sheet_missing_a_few_facts_names_them(world, db, reviewer):
    from portal.explain import LISTED_MISSING

    client, token = reviewer
    scheme = load_scheme(SCHEME)
    keys = list(scheme.facts)
    sheet = score(scheme, {})
    assert len(sheet.missing_facts) == len(keys) > LISTED_MISSING
    values = _flawless(scheme)
    for key in keys[LISTED_MISSING:]:
        assert _save(client, token, db, world, key, value=values[key], reason="核定").status_code == 200
    page = client.get(_url(world)).get_data(as_text=True)
    missing = int(_MISSING.search(page).group(1))
    paragraph = re.search(r'data-testid="result-explanation">(.*?)</p>', page, re.S).group(1)
    # the few still missing named, each by its name in the scheme ("、" between them), not counted
    assert 0 < missing <= LISTED_MISSING and paragraph.startswith("尚未完成：缺少 "), paragraph
    assert paragraph.split(" 评分尚未完成")[0].count("、") == missing - 1 and "项待录入" not in paragraph


def test_a_stale_revision_is_a_conflict_never_an_overwrite(world, db, reviewer, app):
    client, token = reviewer
    assert _save(client, token, db, world, "schedule_progress_pct", value="42", reason="第一人").status_code == 200
    stale = _revision(db, world)
    assert _save(client, token, db, world, "schedule_progress_pct", value="50", reason="第二人").status_code == 200
    response = _save(client, token, db, world, "schedule_progress_pct", revision=stale, value="60", reason="迟到的")
    assert response.status_code == 200 and 'data-testid="conflict"' in response.get_data(as_text=True)
    assert _entries(db, world)["schedule_progress_pct"]["value"] == "50"


def test_the_same_entry_saved_again_changes_nothing_and_is_no_conflict(world, db, reviewer):
    """Enter in the reason field fires change and submit: two saves of one entry. The second is no new revision
    (else the confirmation step read between them carries a stale one and the submit is refused as a conflict)."""
    client, token = reviewer
    seen = _revision(db, world)
    assert _save(client, token, db, world, "schedule_progress_pct", revision=seen, value="42",
                 reason="核定").status_code == 200
    after_first = _revision(db, world)
    response = _save(client, token, db, world, "schedule_progress_pct", revision=seen, value="42", reason="核定 ")
    assert response.status_code == 200 and 'data-testid="conflict"' not in response.get_data(as_text=True)
    assert _revision(db, world) == after_first
    # a different value with the stale revision is still a conflict
    response = _save(client, token, db, world, "schedule_progress_pct", revision=seen, value="43", reason="核定")
    assert 'data-testid="conflict"' in response.get_data(as_text=True)
    assert _entries(db, world)["schedule_progress_pct"]["value"] == "42"


def _flawless(scheme) -> dict:
    """The values with which the operator loses nothing: each fact at the candidate that scores best."""
    def candidates(spec):
        if spec.kind == "bool":
            return ["yes", "no"]
        if spec.kind == "choice":
            return list(spec.choices)
        if spec.kind == "judgement_list":
            return ["无扣分"]
        lo = spec.min if spec.min is not None else 0
        hi = spec.max if spec.max is not None else (100 if spec.kind == "percent" else 1000)
        return [str(lo), str((Decimal(lo) + Decimal(hi)) / 2 if spec.kind != "count" else (int(lo) + int(hi)) // 2),
                str(hi)]

    def as_fact(spec, text):
        return {"yes": True, "no": False}.get(text, []) if spec.kind in ("bool", "judgement_list") else text

    def total(values):
        try:
            sheet = score(scheme, {k: as_fact(scheme.facts[k], v) for k, v in values.items()})
        except FactsError:
            return Decimal(-1)
        return sheet.total if sheet.complete else Decimal(-1)

    values = {key: candidates(spec)[0] for key, spec in scheme.facts.items()}
    for _ in range(3):
        for key, spec in scheme.facts.items():
            values[key] = max(reversed(candidates(spec)), key=lambda v: total({**values, key: v}))  # ties: the larger
    return values


def test_a_flawless_operator_is_approved_with_无扣分_and_scores_full_marks(world, db, reviewer, approver):
    client, token = reviewer
    scheme = load_scheme(SCHEME)
    for key, text in _flawless(scheme).items():
        data = {"mode": "none"} if text == "无扣分" else {"value": text, "reason": "现场核实无问题"}
        response = _save(client, token, db, world, key, **data)
        assert response.status_code == 200, (key, response.get_data(as_text=True)[-800:])
    assert _entries(db, world)["village_visit_deductions"]["value"] == []

    from portal.auth.models import User

    approver_user = db.exec(select(User).where(User.username == "t1-approver")).one()
    approver_user.email = "approver1@example.org"
    db.add(approver_user)
    db.commit()
    # submitting is confirmed first: the page states the total and who will be told
    confirm = client.get(_url(world, action="/confirm/submit"), headers=HX).get_data(as_text=True)
    assert "总分 <b>100.00</b>" in confirm and "将在门户和邮件中通知审批人" in confirm and "approver1" in confirm
    response = client.post(_url(world, action="/submit"), data={"revision": _revision(db, world)},
                           headers={"X-CSRFToken": token}, follow_redirects=True)
    assert "已提交审批，已通知审批人" in response.get_data(as_text=True)
    notes = db.exec(select(Notification).where(Notification.user_id == approver_user.id)).all()
    assert [n.subject for n in notes if "待审批" in n.subject]
    assert db.exec(select(OutboxMail).where(OutboxMail.to_address == "approver1@example.org")).first() is not None

    a, at = approver
    confirm = a.get(_url(world, action="/confirm/approve")).get_data(as_text=True)
    assert "锁定" in confirm and "将在门户和邮件中通知运营单位" in confirm
    response = a.post(_url(world, action="/approve"), data={"revision": _revision(db, world), "note": "同意"},
                      headers={"X-CSRFToken": at}, follow_redirects=True)
    assert "已审批通过" in response.get_data(as_text=True)
    db.expire_all()
    approval = db.exec(select(SheetApproval).where(SheetApproval.contract_id == world[1]["contract"].id,
                                                   SheetApproval.cycle_id == STAGE_1)).one()
    assert approval.total == scheme.max_total == Decimal(100)
    assert approval.facts["village_visit_deductions"] == []


def test_only_the_reviewer_of_a_draft_is_asked_to_confirm_a_submission(world, approver, reviewer):
    client, _ = approver
    assert client.get(_url(world, action="/confirm/submit")).status_code == 403
    body = client.get(_url(world, action="/confirm/approve")).get_data(as_text=True)  # nothing submitted yet
    assert 'data-testid="confirm-refused"' in body and 'data-testid="confirm-approve"' not in body
    assert reviewer[0].get(_url(world, action="/confirm/approve")).status_code == 403
