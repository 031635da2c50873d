"""Where each key of a TOML text sits (rules/schemes/positions.py) after strings that end awkwardly (issue #18:
the mutants of the sample of 2026-12-06 that no test noticed): a clause that quotes with \\", a literal string
ending in a backslash, a multi-line string closing inside an array. The keys after them keep their lines, so a
problem further down the file is still reported at its own line, not at line 1."""
from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from rules.schemes.check import check_scheme_text
from rules.schemes.positions import key_positions
from tests.rules.schemes.test_positions import _paths

EXAMPLE = (Path(__file__).parent / "checker" / "example-2024.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize("text", [
    'clause = "称\\"优秀\\"的单位"\nb = 2\n',      # escaped quotes in a basic string
    'a = "x\\" = 1"\nb = 2\n',                    # an escaped quote followed by what looks like a value
    "a = '''C:\\'''\nb = 2\n",                   # a multi-line literal string ending in a backslash
    'a = ["""x"""]\nb = 2\n',                     # a multi-line string closing just before the array's end
    'a = [\n  """x""",\n  "y",\n]\nb = 2\n',
    'a={c=1}\nb = 2\n',                         # no spaces around = in an inline table
    'a = {c=1,d=2}\nb = 2\n',                   # nor after its commas
    'Xa = 1\nX = { XY = 2 }\nb = 2\n',          # keys that start with X
    'clause = """第三条：每月报送"""\nb = 2\n',       # a multi-line string of Chinese text
    'clause = """第三条 [一] 每月 = 报送"""\nb = 2\n',  # with brackets and an equals sign inside
])
def test_the_key_after_an_awkward_string_keeps_its_line(text):
    positions = key_positions(text)
    assert set(_paths(tomllib.loads(text, parse_float=Decimal))) <= set(positions)
    assert positions[("b",)] == (text.count("\n"), 1)


def test_a_problem_after_a_clause_quoting_with_backslashes_is_reported_at_its_line():
    text = (EXAMPLE.replace('clause = "12分（含）以上为合格"', 'clause = "12分（含）以上为\\"合格\\""')
                   .replace("method = \"levels\"", "method = \"grades\""))
    [problem] = check_scheme_text(text, file_name="example-2024.toml").problems
    assert problem.key == "unknown_method"
    assert text.splitlines()[problem.line - 1] == 'method = "grades"'


def test_an_array_element_after_a_comma_on_the_next_line_is_found_at_the_element():
    text = 'a = [\n  "x"\n  , "y"\n]\nb = 2\n'
    positions = key_positions(text)
    assert (positions[("a", 0)], positions[("a", 1)], positions[("b",)]) == ((2, 3), (3, 5), (5, 1))


def test_keys_of_a_compact_inline_table_are_found_at_their_columns():
    positions = key_positions('a = {c=1,d=2}\nXa = 1\n')
    assert (positions[("a", "c")], positions[("a", "d")], positions[("Xa",)]) == ((1, 6), (1, 10), (2, 1))


def test_a_key_not_written_is_placed_at_the_nearest_table_that_is():
    from rules.schemes.positions import locate

    positions = key_positions('[[t.u]]\nv = 1\n[[t.u]]\nv = 2\n[[t.u]]\n[t.u.w]\nk = 3\n')
    assert locate(positions, ("t", "u", 1, "missing")) == (3, 1)  # the second [[t.u]], not the first
    assert locate(positions, ("t", "u", 2, "w", "x", "y")) == (6, 1)
