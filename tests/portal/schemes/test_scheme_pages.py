"""Issue #15, the portal side: a scheme uploaded, checked, tested, previewed, compared, tried and published;
versions bound by date (a mid-year amendment); bad files refused with their lines and nothing stored; a
bureau's versions walled off from another bureau."""
from __future__ import annotations

import io
import json
import re
from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import func, select

from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.schemes.models import SchemeVersion
from rules.schemes import SCHEME_DIR, load_scheme
from tests.conftest import add_contract, example_scheme_files, login
from tests.portal.test_tenancy import _snapshot

PX = "pingxiang-2024-lot1"
V1_TEXT = (SCHEME_DIR / f"{PX}.toml").read_text(encoding="utf-8")
STAGE_1, STAGE_2, STAGE_3 = date(2024, 3, 1), date(2024, 8, 1), date(2024, 12, 1)  # a contract from 2024-03-01


def amended(text: str = V1_TEXT) -> str:
    """Version 2, effective 1 July 2024: 不正常上班 costs 0.5 a person-time instead of 0.1, and full payment
    needs 95 points instead of 90 (the 90% band reaches up to 95)."""
    edits = [
        ("effective_date = 2024-01-01", "effective_date = 2024-07-01"),
        ('{ label = "不正常上班", fact = "attendance_anomaly_person_times", each = 0.1 }',
         '{ label = "不正常上班", fact = "attendance_anomaly_person_times", each = 0.5 }'),
        ('min = 90\nratio = 1.00\nlabel = "考核得分在90分（含）以上，全额支付该期服务费用"',
         'min = 95\nratio = 1.00\nlabel = "考核得分在95分（含）以上，全额支付该期服务费用"'),
        ('min = 80\nmax = 90\nratio = 0.90\nlabel = "考核得分在80分（含）—89.99分的，支付该期服务费用的90%费用"',
         'min = 80\nmax = 95\nratio = 0.90\nlabel = "考核得分在80分（含）—94.99分的，支付该期服务费用的90%费用"'),
    ]
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    return text


def example_facts() -> dict:
    from portal.schemes.commands import json_ready

    return {key: json_ready(spec.example) for key, spec in load_scheme(PX).facts.items()}


def cases_json(total: str, line: str, band: str, ratio: str) -> bytes:
    """One case: the scheme's example facts (2 person-times irregular, 1 without uniform, …). Worked by hand:
    version 1 gives 95.14 with 按时在岗、穿工作服 at 3 − 2×0.1 − 1×0.1 = 2.70; version 2 takes 2×0.5 = 1.00
    instead of 0.20 off that line: 1.90, and 95.14 − 0.80 = 94.34, below 95: the 90% band."""
    return json.dumps({"cases": [{"name": "示例数据", "facts": example_facts(), "expect": {
        "total": total, "complete": True, "band": band, "payment_ratio": ratio,
        "lines": {"waiting_service/attendance_uniform": line}}}]}, ensure_ascii=False).encode("utf-8")


V2_BAND = "考核得分在80分（含）—94.99分的，支付该期服务费用的90%费用"
V2_CASES = cases_json("94.34", "1.90", V2_BAND, "0.90")


def _client(app, username):
    client = app.test_client()
    return client, login(client, username)


def _upload(client, token, scheme: bytes, cases: bytes, *, name=f"{PX}.toml", cases_name="cases.json", bureau=None):
    data = {"csrf_token": token, "scheme_file": (io.BytesIO(scheme), name),
            "cases_file": (io.BytesIO(cases), cases_name)}
    if bureau is not None:
        data["bureau_id"] = str(bureau)
    return client.post("/schemes/upload", data=data, content_type="multipart/form-data")


def _publish(client, token, version_id, once="once-1"):
    return client.post(f"/schemes/versions/{version_id}/publish", data={"csrf_token": token, "once": once})


def _stored(db) -> tuple[int, int]:
    db.expire_all()
    return (db.exec(select(func.count(SchemeVersion.id))).one(), db.exec(select(func.count(AuditEvent.id))).one())


def _approve(app, db, contract, cycle_id: str, facts: dict):
    """An approved sheet as the sign-off leaves it, scored by the version in force on the cycle's first day."""
    from portal.cycles.models import AssessmentSheet, SheetApproval
    from portal.cycles.services import cycle_scheme, find_cycle
    from rules.scoring import score, sheet_to_dict

    with app.app_context():
        cycle = find_cycle(contract, cycle_id)
        scheme = cycle_scheme(contract, cycle)
    sheet = AssessmentSheet(contract_id=contract.id, bureau_id=contract.bureau_id, operator_id=contract.operator_id,
                            cycle_id=cycle.id, cycle_label=cycle.label, cycle_start=cycle.start, cycle_end=cycle.end,
                            state="approved")
    db.add(sheet)
    db.flush()
    figures = sheet_to_dict(score(scheme, facts))
    approval = SheetApproval(sheet_id=sheet.id, number=1, contract_id=contract.id, bureau_id=contract.bureau_id,
                             operator_id=contract.operator_id, cycle_id=cycle.id, scheme_id=scheme.id,
                             scheme_version=figures["scheme_version"], scheme_sha256=scheme.sha256, facts=facts,
                             figures=figures, total=Decimal(figures["total"]), passed=figures["passed"],
                             payment_ratio=Decimal(str(figures["payment_ratio"])),
                             approved_by_id=db.exec(select(User.id).where(User.username == "t1-approver")).one())
    db.add(approval)
    db.commit()
    return approval


# -- a mid-year amendment ---------------------------------------------------------------------------------

def test_a_mid_year_amendment_scores_cycles_by_the_version_in_force_on_their_first_day(app, db, world):
    from portal.assessment.services import project, recompute
    from portal.cycles.services import cycle_scheme, cycles

    contract = add_contract(db, world, scheme_id=PX, starts_on=STAGE_1, ends_on=date(2025, 2, 28), number="MID-1")
    facts = example_facts()
    first = _approve(app, db, contract, "stage_1", facts)  # 2024-03-01 … 2024-07-31
    second = _approve(app, db, contract, "stage_2", facts)  # 2024-08-01 … 2024-11-30, approved under version 1
    v1_sha = load_scheme(PX).sha256
    assert first.scheme_sha256 == second.scheme_sha256 == v1_sha
    assert (first.total, second.total) == (Decimal("95.14"), Decimal("95.14"))
    approvals_before = _snapshot(app)["sheet_approval"]

    admin, token = _client(app, "t-platform")
    # a case that fails: stored as a draft, which can never be published nor score anything
    wrong = cases_json("95.14", "2.70", V2_BAND, "0.90")
    response = _upload(admin, token, amended().encode(), wrong)
    assert response.status_code == 302
    draft = db.exec(select(SchemeVersion).where(SchemeVersion.scheme_id == PX, SchemeVersion.state == "draft")).one()
    assert (draft.version, draft.cases_passed, draft.effective_from) == ("2", False, date(2024, 7, 1))
    page = admin.get(f"/schemes/versions/{draft.id}").get_data(as_text=True)
    assert "0/1个用例通过" in page and "预期 95.14，实际 94.34" in page and "预期 2.70，实际 1.90" in page
    assert 'data-testid="publish-refused"' in page
    assert _publish(admin, token, draft.id).status_code == 302
    db.refresh(draft)
    assert draft.state == "draft"
    with app.test_request_context():
        assert cycle_scheme(contract, cycles(contract)[1]).sha256 == v1_sha  # a draft scores nothing

    # the same file with cases that pass replaces the draft
    response = _upload(admin, token, amended().encode(), V2_CASES)
    assert response.status_code == 302
    db.expire_all()
    draft = db.exec(select(SchemeVersion).where(SchemeVersion.scheme_id == PX, SchemeVersion.state == "draft")).one()
    assert draft.cases_passed and draft.version == "2"
    page = admin.get(f"/schemes/versions/{draft.id}").get_data(as_text=True)
    assert "1/1个用例通过" in page and 'data-testid="publish-refused"' not in page
    diff = re.search(r'data-testid="version-diff">(.*?)</table>', page, re.S).group(1)
    assert "按时在岗、穿工作服" in diff and "0.1" in diff and "0.5" in diff
    assert "付款档次" in diff and "考核得分在95分（含）以上，全额支付该期服务费用" in diff
    assert "2024年1月1日" in diff and "2024年7月1日" in diff  # the effective date, as people write it
    assert 'data-testid="rubric-items"' in page and "考核得分在80分（含）—94.99分的" in page

    # the dry run: the approved stage-2 sheet (its cycle starts after 1 July) would change; nothing is written
    before = _snapshot(app)
    page = admin.get(f"/schemes/versions/{draft.id}/dry-run").get_data(as_text=True)
    assert _snapshot(app) == before
    assert "共1份已审批的考核，其中1份结果会变化" in page
    row = re.search(r'data-testid="dry-run-row-MID-1-stage_2">(.*?)</tr>', page, re.S).group(1)
    assert "95.14" in row and "94.34" in row and "100%" in row and "90%" in row
    assert "¥20.00" in row and "¥18.00" in row and V2_BAND in row
    assert "dry-run-row-MID-1-stage_1" not in page  # before 1 July: stays under version 1

    # publish (twice: one publication)
    assert _publish(admin, token, draft.id, once="p-1").status_code == 302
    again = _publish(admin, token, draft.id, once="p-1")
    assert again.status_code == 303 and again.headers["Location"].endswith(f"/schemes/versions/{draft.id}")
    db.refresh(draft)
    assert draft.state == "published" and draft.published_at is not None
    assert db.exec(select(func.count(AuditEvent.id)).where(AuditEvent.action == "publish_scheme_version")).one() == 1

    with app.test_request_context():
        first_cycle, second_cycle, third_cycle = cycles(contract)
        assert (first_cycle.start, second_cycle.start, third_cycle.start) == (STAGE_1, STAGE_2, STAGE_3)
        assert cycle_scheme(contract, first_cycle).sha256 == v1_sha
        assert cycle_scheme(contract, second_cycle).sha256 == draft.sha256
        assert cycle_scheme(contract, third_cycle).sha256 == draft.sha256
        # a sheet worked on now: its cycle's version (the world contract's stage 2 is being reassessed)
        world_contract = world[1]["contract"]
        projection = project(world_contract, cycles(world_contract)[1])
        assert projection.sheet.scheme_sha256 == draft.sha256
        # earlier approvals unchanged, recomputed identical under the version they froze
        for approval in (first, second):
            figures, differences = recompute(approval)
            assert differences == [] and figures == approval.figures
    assert _snapshot(app)["sheet_approval"] == approvals_before
    # the approved sheet's page still shows what was approved under version 1
    page = admin.get(f"/approvals/{second.id}").get_data(as_text=True)
    assert "95.14" in page


# -- bad files: refused with their lines, nothing stored ------------------------------------------------------

def _break(old: str, new: str) -> bytes:
    text = amended()
    assert old in text, old
    return text.replace(old, new, 1).encode()


def _line_of(text: bytes, needle: str) -> int:
    return text.decode().split(needle)[0].count("\n") + 1


BAD = {
    "toml_syntax": ('max_total = 100', 'max_total = = 100', 'max_total = = 100'),
    "unknown_method": ('method = "deductions"', 'method = "deduction"', 'method = "deduction"'),
    "points_sum": ('title = "按时在岗、穿工作服"\nmax = 3', 'title = "按时在岗、穿工作服"\nmax = 4', None),
    "bad_date": ("effective_date = 2024-01-01", 'effective_date = "2024年7月1日"', "effective_date ="),
    "unknown_fact": ('fact = "attendance_anomaly_person_times", each', 'fact = "attendance_anomalies", each',
                     "attendance_anomalies"),
    "bands_overlap": ("min = 70\nmax = 80", "min = 70\nmax = 85", None),
}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_a_bad_file_is_refused_with_its_line_numbers_and_nothing_is_stored(app, db, world, kind):
    from rules.schemes.check import check_scheme_text

    old, new, needle = BAD[kind]
    text = _break(old, new) if kind != "bad_date" else V1_TEXT.replace(old, new).encode()
    expected = check_scheme_text(text, file_name=f"{PX}.toml").problems
    assert kind in {p.key for p in expected}, [p.key for p in expected]
    admin, token = _client(app, "t-platform")
    stored = _stored(db)
    response = _upload(admin, token, text, V2_CASES)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "未保存" in page
    shown = [int(n) for n in re.findall(r'<li data-line="(\d+)">第\1行：', page)]
    assert shown == [p.line for p in expected]
    if needle:  # the line the edit is on, counted by hand
        assert _line_of(text, needle) in shown
    assert _stored(db) == stored


def test_an_unreadable_cases_file_or_a_file_named_for_another_scheme_stores_nothing(app, db, world):
    admin, token = _client(app, "t-platform")
    stored = _stored(db)
    response = _upload(admin, token, amended().encode(), b"[[cases]\nname = 1")
    assert response.status_code == 422 and "测试用例文件无法读取，未保存" in response.get_data(as_text=True)
    response = _upload(admin, token, amended().encode(), V2_CASES, name="pingxiang-v2.toml")
    assert response.status_code == 422 and "与文件名" in response.get_data(as_text=True)
    assert _stored(db) == stored


def test_a_published_file_uploaded_again_or_a_second_version_on_the_same_day_is_refused(app, db, world):
    admin, token = _client(app, "t-platform")
    stored = _stored(db)
    response = _upload(admin, token, V1_TEXT.encode(), V2_CASES)
    assert response.status_code == 422 and "同样的文件已发布为第1版" in response.get_data(as_text=True)
    same_day = V1_TEXT.replace('each = 0.1 }', 'each = 0.2 }', 1).encode()
    response = _upload(admin, token, same_day, V2_CASES)
    assert response.status_code == 422 and "已于同一天" in response.get_data(as_text=True)
    assert _stored(db) == stored


# -- tenancy ------------------------------------------------------------------------------------------------

def test_a_bureaus_scheme_is_its_own(app, db, world):
    text, cases = example_scheme_files("example-2024-own")
    one, token1 = _client(app, "t1-admin")
    two, token2 = _client(app, "t2-admin")
    # a bureau admin cannot add a version to a platform-wide scheme
    stored = _stored(db)
    response = _upload(one, token1, amended().encode(), V2_CASES)
    assert response.status_code == 422 and "属于其他单位" in response.get_data(as_text=True)
    assert _stored(db) == stored
    # its own new scheme is its bureau's, whatever bureau the form names
    response = _upload(one, token1, text, cases, name="example-2024-own.toml", cases_name="own.cases.toml",
                       bureau=world[2]["bureau"].id)
    assert response.status_code == 302
    version = db.exec(select(SchemeVersion).where(SchemeVersion.scheme_id == "example-2024-own")).one()
    assert version.bureau_id == world[1]["bureau"].id and version.cases_passed
    # bureau 2 sees nothing of it and cannot publish it
    assert two.get(f"/schemes/versions/{version.id}").status_code == 404
    assert two.get(f"/schemes/versions/{version.id}/dry-run").status_code == 404
    assert _publish(two, token2, version.id).status_code == 404
    assert "example-2024-own" not in two.get("/schemes").get_data(as_text=True)
    db.refresh(version)
    assert version.state == "draft"
    # bureau 1 publishes it; a contract of bureau 2 cannot use it, one of bureau 1 can
    assert _publish(one, token1, version.id).status_code == 302
    db.refresh(version)
    assert version.state == "published"
    assert "example-2024-own" in one.get("/schemes").get_data(as_text=True)
    assert "example-2024-own" in one.get("/contracts/new").get_data(as_text=True)
    with app.test_request_context():  # worded by its stored version, though no file ships it
        from portal.explain import fact_label, item_title
        from portal.filters import scheme_cite

        assert fact_label("referrals", "example-2024-own") == "推荐人数"
        assert item_title("work/referrals", "example-2024-own") == "推荐就业"
        assert scheme_cite("example-2024-own") == "示人社〔2024〕1号《示例考核细则》"
    platform, token = _client(app, "t-platform")
    form = {"csrf_token": token, "bureau_id": world[2]["bureau"].id, "operator_id": world[2]["operator"].id,
            "number": "X-2", "title": "跨局", "scheme_id": "example-2024-own", "starts_on": "2024-01-01",
            "ends_on": "2024-12-31", "value": "100.00", "payment_plan": "预付款, 100%",
            "station_ids": str(world[2]["station"].id)}
    response = platform.post("/contracts/new", data=form)
    assert response.status_code == 200 and "该考核方案属于其他人社局" in response.get_data(as_text=True)


def test_the_dry_run_reads_as_many_queries_for_twenty_sheets_as_for_one(app, db, world):
    from tests.portal.test_public_query_counts import _counting

    admin, token = _client(app, "t-platform")
    assert _upload(admin, token, amended().encode(), V2_CASES).status_code == 302
    draft = db.exec(select(SchemeVersion).where(SchemeVersion.scheme_id == PX, SchemeVersion.state == "draft")).one()
    facts = example_facts()

    def count():
        admin.get(f"/schemes/versions/{draft.id}/dry-run")  # warm
        with _counting(app) as statements:
            page = admin.get(f"/schemes/versions/{draft.id}/dry-run").get_data(as_text=True)
        return len(statements), page.count('class="changed"')

    _approve(app, db, add_contract(db, world, scheme_id=PX, starts_on=STAGE_1, ends_on=date(2025, 2, 28),
                                   number="Q-0"), "stage_2", facts)
    once = count()
    for k in range(1, 20):
        _approve(app, db, add_contract(db, world, scheme_id=PX, starts_on=STAGE_1, ends_on=date(2025, 2, 28),
                                       number=f"Q-{k}"), "stage_2", facts)
    twenty = count()
    assert (once[1], twenty[1]) == (1, 20)
    assert once[0] == twenty[0]


def test_a_draft_is_discarded_and_a_published_version_never(app, db, world):
    text, cases = example_scheme_files("example-2024-gone")
    one, token = _client(app, "t1-admin")
    assert _upload(one, token, text, cases, name="example-2024-gone.toml", cases_name="c.toml").status_code == 302
    vid = db.exec(select(SchemeVersion.id).where(SchemeVersion.scheme_id == "example-2024-gone")).one()
    assert one.post(f"/schemes/versions/{vid}/discard",
                    data={"csrf_token": token, "once": "d-1"}).status_code == 302
    db.expire_all()
    assert db.get(SchemeVersion, vid) is None
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "discard_scheme_version")).one()
    assert (event.object_type, event.object_id, event.bureau_id) == ("scheme_version", vid,
                                                                     world[1]["bureau"].id)
    published = db.exec(select(SchemeVersion).where(SchemeVersion.scheme_id == PX)).one()
    platform, token = _client(app, "t-platform")
    assert platform.post(f"/schemes/versions/{published.id}/discard",
                         data={"csrf_token": token, "once": "d-2"}).status_code == 302
    db.expire_all()
    assert db.get(SchemeVersion, published.id).state == "published"


def test_every_kind_of_bad_file_of_the_checker_is_refused_by_the_upload_at_its_line_and_nothing_is_stored(app, db,
                                                                                                          world):
    """Issue #15: bad scheme files (≥ 15 kinds) refused with their line numbers, nothing stored — every bad file of
    tests/rules/schemes/test_check.py (one per problem kind at least) uploaded through the page."""
    from tests.rules.schemes.test_check import CASES, _bad_file, _expected_line

    admin, token = _client(app, "t-platform")
    stored = _stored(db)
    kinds = set()
    for case in CASES:
        text = _bad_file(*case[1:3])
        response = _upload(admin, token, text.encode("utf-8"), b'{"cases": []}', name="example-2024.toml")
        assert response.status_code == 422, case
        page = response.get_data(as_text=True)
        shown = {int(n) for n in re.findall(r'<li data-line="(\d+)">第\1行：', page)}
        assert "未保存" in page and _expected_line(text, case) in shown, (case, sorted(shown))
        kinds.add(case[0])
    assert len(kinds) >= 15
    assert _stored(db) == stored


def test_every_bad_calendar_or_compliance_section_is_refused_by_the_upload_at_its_line(app, db, world):
    """Issue #15 §1: the reporting calendar and the compliance rules in force are part of the scheme file, checked
    like the rest of it: each bad section refused by the page at its line, nothing stored."""
    from tests.rules.schemes.test_check_scheme_data import CASES, _bad_file, _marked

    admin, token = _client(app, "t-platform")
    stored = _stored(db)
    for case in CASES:
        text = _bad_file(*case[1:])
        response = _upload(admin, token, text.encode("utf-8"), b'{"cases": []}', name="example-2024.toml")
        assert response.status_code == 422, case
        page = response.get_data(as_text=True)
        shown = {int(n) for n in re.findall(r'<li data-line="(\d+)">第\1行：', page)}
        assert "未保存" in page and _marked(text) in shown, (case, sorted(shown))
    assert _stored(db) == stored
