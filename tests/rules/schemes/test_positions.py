"""Where each key of a TOML text sits (rules/schemes/positions.py): every value tomllib reads has a place."""
from __future__ import annotations

import tomllib
from decimal import Decimal

import pytest

from rules.schemes import SCHEME_DIR, scheme_ids
from rules.schemes.positions import key_positions, locate


def _paths(data, path=()):
    if isinstance(data, dict):
        for key, value in data.items():
            yield path + (key,)
            yield from _paths(value, path + (key,))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield path + (i,)
            yield from _paths(value, path + (i,))


def _check(text: str) -> None:
    positions = key_positions(text)
    lines = text.splitlines()
    for path in _paths(tomllib.loads(text, parse_float=Decimal)):
        assert path in positions, path
        line, column = positions[path]
        rest = lines[line - 1][column - 1:]
        if isinstance(path[-1], str):
            assert rest.startswith(("[", path[-1], f'"{path[-1]}"', f"'{path[-1]}'")), (path, rest)


@pytest.mark.parametrize("scheme_id", scheme_ids())
def test_every_value_of_every_shipped_scheme_has_its_position(scheme_id):
    _check((SCHEME_DIR / f"{scheme_id}.toml").read_text(encoding="utf-8"))


def test_the_awkward_corners_of_toml():
    text = "\n".join([
        '# a comment with [brackets] and "quotes"',
        'title = """multi',
        'line "with" quotes""""',
        "'quoted key' = 'lit'",
        'a.b."c d" = 1  # dotted, with a quoted part',
        "arr = [",
        "  1, # one",
        "  [2, 3],",
        '  { x = 1, y = { z = "}" } },',
        "]",
        "",
        "[[t.u]]",
        "v = \'\'\'x\'\'\'",
        "[[t.u]]",
        'v = "\\"esc\\""',
        "[t.u.w]",
        "k = 2024-01-01",
        "[[t.u]]",
        "[t.other]",
        "e = {}",
    ]) + "\n"
    _check(text)
    positions = key_positions(text)
    assert positions[("t", "u", 1, "w", "k")] == (17, 1)
    assert positions[("arr", 2, "y", "z")][0] == 9
    assert locate(positions, ("t", "u", 2, "missing", "deeper")) == (18, 1)
    assert locate(positions, ("nowhere",)) == (1, None)


def test_a_text_it_cannot_follow_keeps_what_it_found():
    positions = key_positions('a = 1\nb = [1,\n')  # not TOML: the scan stops, the first key stays
    assert positions[("a",)] == (1, 1)
