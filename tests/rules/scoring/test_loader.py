"""Scheme files are validated on load; an error names the file, the item path and what is wrong."""
from __future__ import annotations

import pytest

from rules.scoring import SchemeError
from rules.scoring.loader import load_scheme_file

GOOD = """
[scheme]
id = "tiny-2024"
title = "小方案"
bureau = "测试局"
document_number = ""
effective_date = 2024-01-01
source = "fixture"
max_total = 10

[[cycles]]
id = "annual"
label = "年度"

[result]
pass_mark = 6
clause = "6分以上合格"

[facts.count]
meaning = "数量"
kind = "count"
example = 1

[facts.judged]
meaning = "评分"
kind = "judgement"
min = 0
max = 4
example = { value = 1, reason = "理由" }

[[categories]]
id = "work"
title = "工作"
max = 10
clause = "工作（10分）"

[[categories.items]]
id = "count"
title = "数量"
max = 6
clause = "每个得1分"
method = "per_unit"
fact = "count"
points_per_unit = 1

[[categories.items]]
id = "judged"
title = "评分"
max = 4
clause = "评审打分"
method = "judgement"
fact = "judged"
"""


def load(tmp_path, text, name="tiny-2024.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_scheme_file(path)


def test_the_good_fixture_loads(tmp_path):
    scheme = load(tmp_path, GOOD)
    assert scheme.id == "tiny-2024" and scheme.regular_max() == 10
    assert [row["key"] for row in scheme.fact_specs()] == ["count", "judged"]


@pytest.mark.parametrize("old, new, where, words", [
    ('max = 6\nclause = "每个得1分"', 'max = 7\nclause = "每个得1分"', "categories[work]", "add up to 11"),
    ('max_total = 10', 'max_total = 12', "categories", "max_total is 12"),
    ('method = "per_unit"', 'method = "guess"', "categories[work].items[count].method", "unknown method 'guess'"),
    ('fact = "count"\npoints', 'fact = "counts"\npoints', "categories[work].items[count].fact", "unknown fact 'counts'"),
    ('points_per_unit = 1', 'points_per_unit = -1', "points_per_unit", "must be ≥ 0"),
    ('clause = "每个得1分"', 'clause = ""', "categories[work].items[count].clause", "must not be empty"),
    ('kind = "judgement"\nmin = 0\nmax = 4', 'kind = "judgement"\nmax = 4', "facts.judged", "needs 'min' and 'max'"),
    ('example = 1\n', 'example = -1\n', "facts.count.example", "cannot be negative"),
    ('id = "tiny-2024"', 'id = "other-2024"', "[scheme].id", "does not match the file name"),
    ('max = 10\nclause = "工作（10分）"', 'max = 11\nclause = "工作（10分）"', "categories[work]", "max is 11 but its regular items add up to 10"),
    ('points_per_unit = 1', 'points_per_unit = 1\nfloor = 2', "categories[work].items[count]", "unknown key(s) floor"),
    ('effective_date = 2024-01-01', 'effective_date = "2024"', "[scheme].effective_date", "TOML date"),
])
def test_errors_name_file_path_and_problem(tmp_path, old, new, where, words):
    assert old in GOOD
    with pytest.raises(SchemeError) as err:
        load(tmp_path, GOOD.replace(old, new, 1))
    message = str(err.value)
    assert message.startswith("tiny-2024.toml: ")
    assert where in message and words in message, message


def test_judgement_range_above_item_max_is_refused(tmp_path):
    text = GOOD.replace("min = 0\nmax = 4", "min = 0\nmax = 5")
    with pytest.raises(SchemeError, match="goes up to 5, above max 4"):
        load(tmp_path, text)


def test_overlapping_tiers_are_refused(tmp_path):
    text = GOOD.replace('method = "per_unit"\nfact = "count"\npoints_per_unit = 1',
                        'method = "tiers"\nfact = "count"\ntiers = [{ min = 0, max = 5, max_inclusive = true, points = 1 },'
                        ' { min = 5, points = 6 }]')
    with pytest.raises(SchemeError, match="overlap at 5"):
        load(tmp_path, text)


def test_payment_shares_must_add_up_to_one(tmp_path):
    text = GOOD + """
[payment]
advance_share = 0.4
clause = "预付40%"
[[payment.stages]]
id = "final"
label = "尾款"
share = 0.5
[[payment.bands]]
min = 0
ratio = 1
"""
    with pytest.raises(SchemeError, match="add up to 0.9, not 1"):
        load(tmp_path, text)


def test_invalid_toml_names_the_file(tmp_path):
    with pytest.raises(SchemeError, match="tiny-2024.toml: not valid TOML"):
        load(tmp_path, GOOD + "\n[[[")
