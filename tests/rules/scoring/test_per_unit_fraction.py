"""per_unit with the default unit of 1 counts the value itself (FORMAT.md §4 `per_unit`): a `number` fact's
fraction is points, a whole unit is only required when the scheme writes `unit` (每满100人得1分). Issue #18: the
mutant that always rounds down survived; this states the rule the guide now writes out."""
from __future__ import annotations

import tomllib
from decimal import Decimal

from rules.scoring import score
from rules.scoring.loader import build_scheme

TOML = """
[scheme]
id = "per-unit-fraction"
title = "按单位计分"
bureau = "测试局"
document_number = "测〔2024〕7号"
effective_date = 2024-01-01
source = "test fixture"
max_total = 10

[[cycles]]
id = "annual"
label = "年度"

[result]
pass_mark = 6
clause = "6分以上合格"

[facts.rating]
meaning = "平台评分（0-5分）"
kind = "number"
min = 0
max = 5
unit = "分"
example = 2.7

[facts.hours]
meaning = "培训学时"
kind = "number"
min = 0
unit = "学时"
example = 25

[[categories]]
id = "work"
title = "工作"
max = 10
clause = "工作（10分）"

[[categories.items]]
id = "rating"
title = "平台评分"
max = 5
clause = "按平台评分计分，每1分得1分"
method = "per_unit"
fact = "rating"
points_per_unit = 1

[[categories.items]]
id = "hours"
title = "培训"
max = 5
clause = "每满10学时得1分"
method = "per_unit"
fact = "hours"
unit = 10
points_per_unit = 1
"""


def _sheet(rating, hours):
    scheme = build_scheme(tomllib.loads(TOML, parse_float=Decimal), file="per-unit-fraction.toml")
    return score(scheme, {"rating": Decimal(rating), "hours": Decimal(hours)})


def test_with_unit_one_a_fraction_counts_and_with_a_unit_only_whole_units_do():
    sheet = _sheet("3.7", "27.5")
    rating, hours = sheet.line("work/rating"), sheet.line("work/hours")
    assert rating.points == Decimal("3.7") and "floor" not in rating.explanation
    assert hours.points == 2 and "floor(27.5 ÷ 10) = 2 unit(s)" in hours.explanation
    assert sheet.total == Decimal("5.7")
