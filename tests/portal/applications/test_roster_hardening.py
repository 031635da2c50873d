"""Issue #13, rosters (seed 001 附件2): the 户籍 column is read against 第一条 (户籍在浙江省外) and cross-checked
with the ID's region; a long error list is complete (page note and download); a rejected upload never
replaces an accepted roster."""
from __future__ import annotations

import io

import python_calamine
from sqlmodel import select

from portal.applications.models import ApplicationWorker, StationApplication
from portal.applications.roster import read_roster
from tests.portal.applications.roster_builders import resident_id, roster_rows, roster_xlsx
from tests.portal.applications.test_applications import _apply, _fresh, _post


def test_a_worker_registered_in_zhejiang_is_not_delivered_whatever_the_id_says():
    rows = roster_rows(50) + [[51, "迁入者", resident_id(70), "浙江省金华市金东区", "某公司", "2024-03-05"]]
    result = read_roster(roster_xlsx(0, rows=rows), "名册.xlsx")
    assert not result.ok and result.error_count == 1
    error = result.errors[0]
    assert error.header == "户籍" and "浙江省内" in error.problem and "第一条" in error.problem


def test_an_id_issued_in_zhejiang_with_a_registration_elsewhere_is_flagged():
    rows = roster_rows(50) + [[51, "迁出者", resident_id(71, area="330703"), "贵州省黔西市", "某公司", "2024-03-05"]]
    result = read_roster(roster_xlsx(0, rows=rows), "名册.xlsx")
    assert result.error_count == 1 and "浙江省" in result.errors[0].problem


def test_workers_registered_outside_zhejiang_count():
    rows = roster_rows(50, 户籍="四川省广安市")
    assert read_roster(roster_xlsx(0, rows=rows), "名册.xlsx").ok


def test_a_long_error_list_is_complete_in_the_download_and_said_on_the_page(app, world, db):
    rows = roster_rows(300, 入职时间="不是日期")
    client, token, application_id = _apply(app, world, roster=roster_xlsx(0, rows=rows))
    application = _fresh(db, StationApplication, application_id)
    assert application.roster_error_count == 300 and len(application.roster_errors) == 300
    page = client.get(f"/applications/{application_id}").get_data(as_text=True)
    assert "共300处问题，页面列出前200处" in page and "roster-errors.xlsx" in page
    download = client.get(f"/applications/{application_id}/roster-errors.xlsx")
    assert download.status_code == 200 and download.headers["Cache-Control"] == "no-store"
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(download.data))
    rows_in_file = book.get_sheet_by_index(0).to_python()
    assert len(rows_in_file) == 3 + 300  # title, note, header, then every problem


def test_a_rejected_roster_does_not_replace_the_accepted_one(app, world, db):
    client, token, application_id = _apply(app, world, roster=roster_xlsx(50))
    assert _fresh(db, StationApplication, application_id).roster_count == 50
    response = _post(client, token, f"/applications/{application_id}/roster",
                     {"file": (io.BytesIO(roster_xlsx(49)), "少一人.xlsx")}, content_type="multipart/form-data")
    assert response.status_code == 302
    application = _fresh(db, StationApplication, application_id)
    assert (application.roster_state, application.roster_count, application.roster_filename) == ("accepted", 50, "名册.xlsx")
    assert application.roster_error_count == 1 and "未替换" in application.roster_summary
    workers = db.exec(select(ApplicationWorker).where(ApplicationWorker.application_id == application_id)).all()
    assert len(workers) == 50
    # a good roster does replace it
    _post(client, token, f"/applications/{application_id}/roster",
          {"file": (io.BytesIO(roster_xlsx(60)), "新名册.xlsx")}, content_type="multipart/form-data")
    application = _fresh(db, StationApplication, application_id)
    assert (application.roster_count, application.roster_error_count) == (60, 0)
