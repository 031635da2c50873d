"""check_scheme_text on the file as a whole: its bytes, its name, the order of its problems (issue #18: the survivors
of rules.schemes.check check_scheme_text).

- FORMAT.md (head): "Strings are UTF-8": bytes that are not UTF-8 are one ``encoding`` problem, at the line of the
  first bad byte, with that byte's place (``byte``, counted from 1 as a reader counts, as text; the portal says
  "从第%(byte)s个字节起无法读取", portal/schemes/problems.py); no column and no path. A UTF-8 byte-order mark (what
  Windows Notepad writes) is not part of the TOML: the file is read without it, while ``scheme.sha256`` stays the
  hash of the file's bytes (FORMAT.md "scheme.sha256 (of the file's bytes)", DOMAIN.md §6.8).
- FORMAT.md (head): "The file name is the scheme id (`qianxi-2022.toml` → `qianxi-2022`)": only the last part of the
  name counts, whatever folder it is in (``/`` or Windows ``\\``); a name without ``.toml`` is the id itself.
- The module's docstring: problems "in file order": by line, and on one line the problems of the file as a whole
  (no column: a missing table, no cycles, no categories) before those at a column.
"""
from __future__ import annotations

import hashlib

import pytest

from rules.schemes.check import Problem, check_scheme_text
from tests.rules.schemes.test_mutants_check_levels import EXAMPLE, MARK, _replace

TITLE = 'title = "示例考核细则"'
BOM = "\ufeff"


# -- bytes ----------------------------------------------------------------------------------------------------------

def test_a_byte_that_is_not_utf8_is_one_encoding_problem_with_its_line_and_offset():
    text = _replace(EXAMPLE, TITLE, 'title = "@@"' + MARK)
    raw = text.encode("utf-8").replace(b"@@", b"\xff\xfe")
    line = text.splitlines().index('title = "@@"' + MARK) + 1
    offset = raw.index(b"\xff") + 1
    result = check_scheme_text(raw, file_name="example-2024.toml")
    assert result.scheme is None
    assert result.problems == [Problem(line, None, "encoding", {"byte": str(offset)}, "")]


def test_a_bad_first_byte_is_at_line_one_byte_one():
    # once 0-based: the portal said "从第0个字节起无法读取"
    assert check_scheme_text(b"\xff" + EXAMPLE.encode("utf-8")).problems == [Problem(1, None, "encoding",
                                                                                     {"byte": "1"})]


@pytest.mark.parametrize("as_bytes", [False, True])
def test_a_byte_order_mark_is_not_part_of_the_toml(as_bytes):
    raw = (BOM + EXAMPLE).encode("utf-8")
    result = check_scheme_text(raw if as_bytes else BOM + EXAMPLE, file_name="example-2024.toml")
    assert result.problems == []
    assert result.scheme.id == "example-2024"
    assert result.scheme.sha256 == hashlib.sha256(raw).hexdigest()  # the file's bytes, the mark included


def test_with_a_byte_order_mark_the_lines_still_count_from_the_file_s_first_line():
    text = BOM + _replace(EXAMPLE, TITLE, "title = 5" + MARK)
    line = text.splitlines().index("title = 5" + MARK) + 1
    assert [(p.key, p.line, p.path, p.params) for p in check_scheme_text(text, file_name="example-2024.toml")
            .problems] == [("wrong_type", line, "scheme.title", {"key": "title", "expected": "string"})]


# -- the file name --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", [
    "example-2024.toml",
    "schemes/example-2024.toml",
    "rules/schemes/example-2024.toml",
    "/srv/kaohe/rules/schemes/example-2024.toml",
    "schemes\\example-2024.toml",
    "C:\\kaohe\\rules\\schemes\\example-2024.toml",
    "example-2024",  # no .toml: the name is the id
])
def test_the_file_s_own_name_is_the_scheme_id_wherever_it_is(name):
    result = check_scheme_text(EXAMPLE, file_name=name)
    assert result.problems == []
    assert result.scheme.id == "example-2024"


@pytest.mark.parametrize("name", [
    "other-2024.toml",
    "rules/schemes/other-2024.toml",
    "C:\\kaohe\\rules\\schemes\\other-2024.toml",
    "other-2024",
])
def test_an_id_that_is_not_the_file_s_name_is_said_with_the_name_as_the_file_would_have_it(name):
    [problem] = check_scheme_text(EXAMPLE, file_name=name).problems
    line = EXAMPLE.splitlines().index('id = "example-2024"') + 1
    assert (problem.key, problem.line, problem.path, problem.params) == (
        "scheme_id_mismatch", line, "scheme.id", {"id": "example-2024", "file": "other-2024"})


# -- the order of the problems --------------------------------------------------------------------------------------

def test_on_one_line_the_problems_of_the_whole_file_come_before_those_at_a_column():
    # `x = 1` alone: an unknown table at line 1 column 1; no [scheme], no [result], no cycles, no categories: the
    # file as a whole (line 1, no column), said first although the unknown table is found first
    allowed = ["scheme", "cycles", "result", "payment", "subsidy", "grades", "vetoes", "facts", "derived",
               "categories", "extra", "calendar", "compliance"]
    assert check_scheme_text("x = 1\n", file_name="example-2024.toml").problems == [
        Problem(1, None, "missing_table", {"name": "scheme"}, ""),
        Problem(1, None, "missing_table", {"name": "result"}, ""),
        Problem(1, None, "no_cycles", {}, "cycles"),
        Problem(1, None, "no_categories", {}, "categories"),
        Problem(1, 1, "unknown_table", {"name": "x", "allowed": allowed}, "x"),
    ]
