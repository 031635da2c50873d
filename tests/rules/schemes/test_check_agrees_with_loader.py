"""The checker names, in the author's words, every number the loader refuses (rules/schemes/check.py).

The loader (rules/scoring/loader.py) stays the last word: what it refuses that the checks did not name reaches
the author as "invalid" with the loader's English detail. Here every number of three valid schemes (the
checker's example, the graded fixture and the figures' edges, which between them use every method) is set in
turn to values at and beyond the edges the loader knows (0, a half, a ten-millionth, negatives, large ones);
whenever the checks find nothing, the loader must take the file. Found this way: a `unit`, `step` or `per`
below 0.000001 and a `max_total` below 1 passed the checks and were refused in English.
"""
from __future__ import annotations

import copy
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from rules.schemes.check import _Checker
from rules.scoring.loader import build_scheme
from rules.scoring.model import SchemeError

HERE = Path(__file__).resolve().parent
FILES = [HERE / "checker" / "example-2024.toml", HERE.parent / "scoring" / "graded" / "graded-2025.toml",
         HERE.parent / "scoring" / "figures" / "figures-edges.toml"]
VALUES = [0, Decimal("0.5"), Decimal("0.0000001"), Decimal("0.000001"), -1, Decimal("-0.5"), 1, 2, 13, 32,
          10**9]


def _numbers(node, path=()):
    """(path, value) of every number in the parsed file."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _numbers(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _numbers(value, path + (index,))
    elif isinstance(node, (int, Decimal)) and not isinstance(node, bool):
        yield path, node


def _with(data: dict, path: tuple, value) -> dict:
    edited = copy.deepcopy(data)
    node = edited
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return edited


@pytest.mark.parametrize("file", FILES, ids=[f.name for f in FILES])
def test_every_number_the_checks_pass_is_taken_by_the_loader(file):
    base = tomllib.loads(file.read_text(encoding="utf-8"), parse_float=Decimal)
    refused, tried = [], 0
    for path, _ in _numbers(base):
        for value in VALUES:
            data = _with(base, path, value)
            checker = _Checker(data, {}, None)
            checker.run()
            if checker.problems:
                continue
            tried += 1
            try:
                build_scheme(data, file=file.name, expected_id=None)
            except SchemeError as exc:
                refused.append((path, value, exc.problem))
    assert tried > 50  # the edits the checks pass are many: the loader is asked for each
    assert refused == []


def _node(data: dict, path: tuple):
    for step in path:
        data = data[step]
    return data


def test_a_divisor_below_the_least_is_named_in_the_authors_words_and_the_least_is_taken():
    base = tomllib.loads(FILES[2].read_text(encoding="utf-8"), parse_float=Decimal)
    divisors = []  # per_unit's unit, base_steps' step, a deduction's per (a rank's step may be 0: not a divisor)
    for path, _ in _numbers(base):
        owner = _node(base, path[:-3] if path[-1] == "per" else path[:-1])
        method = owner.get("method") if isinstance(owner, dict) else None
        if (path[-1], method) in {("unit", "per_unit"), ("step", "base_steps"), ("per", "deductions")}:
            divisors.append(path)
    assert {path[-1] for path in divisors} == {"unit", "step", "per"}  # the fixture has all three
    for path in divisors:
        checker = _Checker(_with(base, path, Decimal("0.0000009")), {}, None)
        checker.run()
        assert [(p.key, p.params) for p in checker.problems] == [
            ("too_small", {"key": path[-1], "value": "0.0000009", "least": "0.000001"})], path
        checker = _Checker(_with(base, path, Decimal("0.000001")), {}, None)
        checker.run()
        assert checker.problems == [], path
