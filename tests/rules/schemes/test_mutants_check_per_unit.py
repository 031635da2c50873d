"""The scheme checker on a `per_unit` leaf (issue #18: survivors of rules.schemes.check _Checker.m_per_unit).

rules/schemes/FORMAT.md §4: `per_unit` takes `fact`, `points_per_unit`, `beyond` (0), `unit` (1), `cap` and
`per_entry_cap` (count_list only); units = floor((value − beyond) ÷ unit), so its fact must be numeric (count,
number, percent) or a count_list. A bureau's administrator runs the checker on a new county's rubric: each problem
must be said with its key, on the line marked ``# <-``, at its path and with all its parameters (the portal words
the problem from those alone), and a leaf using every documented key is clean. Each file is an edit of the
checker's example (its `media` bonus: 被市级以上媒体报道的，每篇加1分，最多加2分).
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from rules.schemes.check import check_scheme_text

MARK = "  # <-"
NAME = "example-2024.toml"
EXAMPLE = (Path(__file__).parent / "checker" / NAME).read_text(encoding="utf-8")
MEDIA = 'fact = "media_reports"\npoints_per_unit = 1'  # the media item's per_unit parameters
PATH = "categories[quality].items[media]"


def _check(new: str):
    assert EXAMPLE.count(MEDIA) == 1
    return check_scheme_text(EXAMPLE.replace(MEDIA, new), file_name=NAME)


def _marked_line(new: str) -> int:
    text = EXAMPLE.replace(MEDIA, new)
    return next(n for n, line in enumerate(text.splitlines(), 1) if line.endswith(MARK))


def test_a_per_unit_leaf_with_every_documented_key_is_clean():
    """`beyond` and `unit` are keys of per_unit (FORMAT.md §4): used, they are no unknown key, and are kept."""
    result = _check(MEDIA + "\nbeyond = 1\nunit = 2")
    assert result.problems == []
    media = next(n for n in result.scheme.nodes() if n.path == "quality/media")
    assert (media.params["beyond"], media.params["unit"]) == (Decimal(1), Decimal(2))


BAD = [
    # a bool fact cannot be counted in units: the checker says which kinds it needs, count_list among them
    pytest.param('fact = "has_plan"' + MARK + "\npoints_per_unit = 1", "fact_kind_mismatch", f"{PATH}.fact",
                 {"fact": "has_plan", "kind": "bool", "needed": ["count", "number", "percent", "count_list"]},
                 id="bool-fact"),
    pytest.param(MEDIA + '\nper_entry_cap = "2"' + MARK, "wrong_type", f"{PATH}.per_entry_cap",
                 {"key": "per_entry_cap", "expected": "number"}, id="per-entry-cap-text"),
    pytest.param(MEDIA + "\nper_entry_cap = -2" + MARK, "negative", f"{PATH}.per_entry_cap",
                 {"key": "per_entry_cap", "value": "−2"}, id="per-entry-cap-negative"),
]


@pytest.mark.parametrize("new, key, path, params", BAD)
def test_a_bad_per_unit_leaf_is_said_exactly(new, key, path, params):
    result = _check(new)
    assert result.scheme is None
    assert [(p.key, p.line, p.path, p.params) for p in result.problems] == [(key, _marked_line(new), path, params)]
