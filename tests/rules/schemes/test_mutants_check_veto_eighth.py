"""The scheme checker on a `[[vetoes]]` table (issue #18: the survivors of rules.schemes.check _Checker.veto).

FORMAT.md §1 "Vetoes (optional)": a veto has `id`, `effect` ("fail" | "disqualify" | "terminate"), `when` (the
conditions, all of which must hold) and `clause`; `label` is optional. The example's veto (checker/example-2024.toml)
is `major_incident`, effect "fail", when incidents ≥ 1. Each bad edit of it must be said once, with its key, its place
(the path `flask schemes check` prints, and the line marked ``# <-``) and every parameter, and nothing else."""
from __future__ import annotations

import pytest

from tests.rules.schemes.test_mutants_check_levels import EXAMPLE, MARK, _replace, _said

VETO = "vetoes[major_incident]"
HEAD = '[[vetoes]]\nid = "major_incident"\n'
EFFECT = 'effect = "fail"\n'
WHEN = 'when = { fact = "incidents", at_least = 1 }\n'
CLAUSE = 'clause = "发生重大安全责任事故的，考核不合格"\n'
WHOLE = HEAD + EFFECT + WHEN + CLAUSE


def test_the_example_s_veto_is_accepted():
    assert _said(EXAMPLE) == []


@pytest.mark.parametrize("old, new, said", [
    # an effect that is none of the three: named at the effect, with the effect and the allowed ones, in order
    (EFFECT, 'effect = "expel"' + MARK + "\n",
     [("unknown_veto_effect", f"{VETO}.effect", "marked",
       {"effect": "expel", "allowed": ["fail", "disqualify", "terminate"]})]),
    # an effect that is not text at all: a wrong type at the effect
    (EFFECT, "effect = 3" + MARK + "\n",
     [("wrong_type", f"{VETO}.effect", "marked", {"key": "effect", "expected": "string"})]),
    # a veto without `when` would strike everyone: a key missing, at the veto's header
    (HEAD + EFFECT + WHEN, '[[vetoes]]' + MARK + '\nid = "major_incident"\n' + EFFECT,
     [("missing_key", VETO, "marked", {"key": "when"})]),
    # a veto without its clause: the clause is missing, at the veto's header
    (HEAD + EFFECT + WHEN + CLAUSE, '[[vetoes]]' + MARK + '\nid = "major_incident"\n' + EFFECT + WHEN,
     [("missing_clause", VETO, "marked", {"key": "clause"})]),
    # a veto without an id: named by its index, at its header
    (HEAD, '[[vetoes]]' + MARK + "\n",
     [("missing_key", "vetoes[0]", "marked", {"key": "id"})]),
    # a key a veto does not take: named, with the keys it does take
    (CLAUSE, CLAUSE + "foo = 1" + MARK + "\n",
     [("unknown_key", f"{VETO}.foo", "marked",
       {"key": "foo", "allowed": ["clause", "effect", "id", "label", "when"]})]),
    # the optional label, when written, must be text
    (CLAUSE, CLAUSE + "label = 5" + MARK + "\n",
     [("wrong_type", f"{VETO}.label", "marked", {"key": "label", "expected": "string"})]),
])
def test_a_bad_veto_is_said_once_at_its_place_with_all_its_words(old, new, said):
    assert _said(_replace(EXAMPLE, old, new)) == said


def test_a_veto_that_is_not_a_table_is_named_by_its_index():
    # `vetoes = [5]`: the 5 is not a veto table; said once, at vetoes[0], on its line
    text = "vetoes = [5]" + MARK + "\n" + _replace(EXAMPLE, WHOLE, "")
    assert _said(text) == [("wrong_type", "vetoes[0]", "marked", {"key": "0", "expected": "table"})]
