"""Where each key of a TOML text sits (rules/schemes/positions.py), ninth session of issue #18: the survivors and
timeouts of the scanner's string, value, key, run, skip_space and pair (mutants xǁ_Scannerǁkey__mutmut_13/15/16/26,
pair__mutmut_11, run__mutmut_12/16/18/52/53/54/59, skip_space__mutmut_10/17/19/23, string__mutmut_18/20/22/24/25/26/
27/28/50, value__mutmut_19/31/33/67). The others are judged in mutation/verdicts-positions-ninth.toml.

FORMAT.md §6b: the checker reports every problem "with its line (and column)", so every key, table header and array
element of a scheme file that tomllib reads gets its own place (positions.py's docstring: a data path as tomllib
builds it ⟶ the (line, column) of its key, header or element, both 1-based; the root has none) and the scan of a
valid file ends. Text it cannot follow is not an error: "it stops and returns what it has". Each text below is
valid TOML (tomllib reads it) unless its test says otherwise, and each test states the whole map expected.
"""
from __future__ import annotations

import contextlib
import signal
import tomllib
from decimal import Decimal

import pytest

from rules.schemes.positions import _Scanner, key_positions
from tests.rules.schemes.test_positions import _paths


@contextlib.contextmanager
def _ends_within(seconds: float = 5.0):
    """A scan that loops for ever fails the test instead of hanging it (the scan of a small text takes microseconds)."""
    def _expired(signum, frame):
        raise TimeoutError(f"the scan did not end within {seconds} s")

    previous = signal.signal(signal.SIGALRM, _expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _positions(text: str) -> dict:
    with _ends_within():
        return key_positions(text)


def _valid(text: str) -> str:
    tomllib.loads(text, parse_float=Decimal)  # the scanner is only given text tomllib accepted
    return text


def test_a_file_opening_with_a_comment_places_its_first_key():
    text = _valid("# 考核方案\na = 1\n")
    assert _positions(text) == {("a",): (2, 1)}


def test_the_parts_of_a_dotted_key_are_placed_at_each_part():
    text = _valid('a.b = 1\n"c" . d = 2\ne = 3\n')
    assert _positions(text) == {("a",): (1, 1), ("a", "b"): (1, 3), ("c",): (2, 1), ("c", "d"): (2, 7),
                                ("e",): (3, 1)}


def test_headers_below_the_first_key_are_placed_with_their_keys():
    text = _valid("x = 1\n[[a]]\nb = 2\n[c]\nd = 3\n[[a]]\nb = 4\n")
    assert _positions(text) == {
        ("x",): (1, 1),
        ("a",): (2, 1), ("a", 0): (2, 1), ("a", 0, "b"): (3, 1),
        ("c",): (4, 1), ("c", "d"): (5, 1),
        ("a", 1): (6, 1), ("a", 1, "b"): (7, 1),
    }


def test_a_header_followed_at_once_by_a_comment_places_the_keys_below_it():
    text = _valid("[[a]]#c\nb = 1\n[d]#e\nf = 2\n")
    assert _positions(text) == {("a",): (1, 1), ("a", 0): (1, 1), ("a", 0, "b"): (2, 1),
                                ("d",): (3, 1), ("d", "f"): (4, 1)}


def test_a_key_named_like_its_table_is_placed_at_its_own_line():
    text = _valid("[a]\na = 1\n")
    assert _positions(text) == {("a",): (1, 1), ("a", "a"): (2, 1)}


def test_a_dotted_header_places_each_table_on_the_way_and_not_the_root():
    text = _valid("[facts.x]\nkind = 1\n")
    assert _positions(text) == {("facts",): (1, 1), ("facts", "x"): (1, 1), ("facts", "x", "kind"): (2, 1)}


def test_a_comment_at_the_very_end_without_a_newline():
    text = _valid("a = 1\nb = 2 # 备注")
    assert _positions(text) == {("a",): (1, 1), ("b",): (2, 1)}


@pytest.mark.parametrize("value, elements", [
    ('""""""', {}),                          # an empty multi-line basic string
    ('"""x\\ny"""', {}),                     # an escape inside a multi-line basic string
    ('"""a\\\\"""', {}),                     # an escaped backslash just before the closing quotes
    ('"""x\\"""y"""', {}),                   # an escaped quote followed by two more: not the end of the text
    ("'''C:\\'''", {}),                      # a literal multi-line string ending in a backslash (no escapes)
    ('["""x""""]', {("a", 0): (1, 6)}),      # a multi-line string ending in a fourth quote, closing an array
    ('"""x""""#c', {}),                      # … followed at once by a comment
    ("[1,2]", {("a", 0): (1, 6), ("a", 1): (1, 8)}),           # elements after a comma with no space
    ("[[1]]", {("a", 0): (1, 6), ("a", 0, 0): (1, 7)}),        # an array closing an array
    ("[{x = 1}]", {("a", 0): (1, 6), ("a", 0, "x"): (1, 7)}),  # an inline table closing an array
    ("{x = 1}", {("a", "x"): (1, 6)}),                          # an inline table
])
def test_the_key_after_a_value_keeps_its_line(value, elements):
    text = _valid(f"a = {value}\nb = 2\n")
    assert set(_paths(tomllib.loads(text))) == {("a",), ("b",), *elements}
    assert _positions(text) == {("a",): (1, 1), **elements, ("b",): (2, 1)}


def test_a_text_it_cannot_follow_is_not_an_error():
    # not TOML (tomllib refuses both): the scan stops and keeps what it found rather than raising
    assert _positions("a = 1\n= 2\nc = 3\n") == {("a",): (1, 1)}
    assert _positions("a = 1\nb =\n") == {("a",): (1, 1), ("b",): (2, 1)}


def test_the_scanner_says_where_it_found_no_key():
    with pytest.raises(ValueError) as raised:
        _Scanner("a = 1\n  = 2\n").run()
    assert str(raised.value) == "no key at (2, 3)"
