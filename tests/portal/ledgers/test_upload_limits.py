"""Issue #13, uploads: limits measured in cells and columns, checked on the raw sheet before
python-calamine parses it (ledgers and rosters alike); formatting-only rows do not count; the memory a
hostile file costs is measured in a fresh process (bench/bench_upload_memory.py)."""
from __future__ import annotations

import pytest

from bench import hostile_workbooks as hostile
from bench.bench_upload_memory import LIMIT_MB, measure
from portal.applications.roster import read_roster
from portal.ledgers.excel import read_ledger


def _read(data: bytes):
    return read_ledger(data, "台账.xlsx", "delivered_workers")


def test_a_stray_value_far_right_is_refused_before_parsing_and_named():
    result = _read(hostile.stray_cell())
    assert result.refused and result.errors[0].code == "too_many_columns"
    assert "KM20030" in result.errors[0].problem


def test_a_roster_with_a_stray_value_is_refused_the_same_way():
    result = read_roster(hostile.stray_cell(), "名册.xlsx")
    assert result.refused and result.errors[0].code == "too_many_columns"


def test_cells_without_references_are_placed_by_position_and_still_limited():
    far = "<row>" + '<c t="inlineStr"><is><t>x</t></is></c>' * 70 + "</row>"
    data = hostile.workbook([hostile._header_row(), hostile._data_row(2), far])
    result = _read(data)
    assert result.refused and result.errors[0].code == "too_many_columns" and "BR3" in result.errors[0].problem


def test_an_empty_formatted_row_at_the_bottom_of_the_sheet_does_not_refuse_the_file():
    result = _read(hostile.empty_formatted_last_row())
    assert not result.refused and result.total_rows == 1


def test_a_declared_dimension_is_not_trusted_either_way():
    result = _read(hostile.lying_dimension())
    assert not result.refused and result.total_rows == 1


def test_a_workbook_that_unpacks_more_than_a_hundredfold_is_refused_unread():
    result = _read(hostile.high_ratio())
    assert result.refused and result.errors[0].code == "zip_bomb" and "压缩比" in result.errors[0].problem


def test_too_many_cells_within_the_row_and_column_limits_is_refused():
    result = _read(hostile.wide_and_long(rows=45_000, cols=60))
    assert result.refused and result.errors[0].code == "too_many_cells"


@pytest.mark.parametrize("name", ["stray_cell_KM20030", "high_ratio_identical_rows"])
def test_reading_a_hostile_workbook_adds_less_than_the_bar(name):
    measured = measure(name)
    assert measured["refused"] and measured["added_mb"] < LIMIT_MB, measured
