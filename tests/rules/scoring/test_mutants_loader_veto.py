"""A `[[vetoes]]` entry (一票否决, rules/schemes/FORMAT.md §1 "Vetoes (optional)") is validated on load: it is a table
of `id`, `effect` ("fail" | "disqualify" | "terminate"), `when` (conditions, all must hold), `clause` and an optional
`label`. A bad entry is refused with the file, the path inside it (`vetoes[<n>]`, `vetoes[<n>].effect`,
`vetoes[<n>].when[<i>].fact` …) and the problem, word for word: that message is what a county's scheme author reads.
Issue #18: survivors of rules.scoring.loader _Builder.veto. Each case adds vetoes to the small valid scheme of
test_loader.py (its `count` fact stands for FORMAT.md's incidents_and_complaints).
"""
from __future__ import annotations

import copy
import tomllib
from decimal import Decimal

import pytest

from rules.scoring import SchemeError
from rules.scoring.loader import build_scheme
from rules.scoring.model import Condition, Veto
from tests.rules.scoring.test_loader import GOOD

FILE = "tiny-2024.toml"
BASE = tomllib.loads(GOOD, parse_float=Decimal)
CLAUSE = "发生安全责任事故或投诉3次以上，一票否决，年度评估为不合格。"  # FORMAT.md's example veto
THREE = {"fact": "count", "at_least": 3}
GOOD_VETO = {"id": "three_incidents", "effect": "fail", "when": [THREE], "clause": CLAUSE}


def veto(**changes):
    """A second veto: FORMAT.md's example with `changes`; a field given as None is left out."""
    fields = {**GOOD_VETO, "id": "fraud", **changes}
    return {k: v for k, v in fields.items() if v is not None}


def loaded(*vetoes):
    data = copy.deepcopy(BASE)
    data["vetoes"] = list(vetoes)
    return build_scheme(data, file=FILE)


def refusal(bad) -> tuple[str, str, str]:
    """The refusal of a scheme whose second veto is `bad` (the first is good): (path, problem, message)."""
    with pytest.raises(SchemeError) as caught:
        loaded(GOOD_VETO, bad)
    err = caught.value
    return err.path, err.problem, str(err)


def test_a_good_veto_loads_with_its_clause_and_label():
    scheme = loaded(GOOD_VETO, veto(effect="terminate", when=THREE, label="弄虚作假", clause="弄虚作假的，解除合同"))
    three = (Condition(fact="count", at_least=Decimal(3)),)
    assert scheme.vetoes == (
        Veto(id="three_incidents", effect="fail", when=three, clause=CLAUSE, label=""),
        Veto(id="fraud", effect="terminate", when=three, clause="弄虚作假的，解除合同", label="弄虚作假"),
    )


def test_an_empty_label_is_allowed_and_kept_empty():
    """`label` is optional: an empty one is the same as none (the veto is then named by its id)."""
    assert loaded(veto(label="")).vetoes[0].label == ""


REFUSALS = [
    pytest.param("fraud", "vetoes[1]", "expected a table, got str", id="not-a-table"),
    pytest.param(veto(weight=2), "vetoes[1]", "unknown key(s) weight; allowed: clause, effect, id, label, when",
                 id="unknown-key"),
    pytest.param(veto(effect=None), "vetoes[1]", "missing 'effect'", id="no-effect"),
    pytest.param(veto(effect=1), "vetoes[1].effect", "expected a string, got int", id="effect-not-text"),
    pytest.param(veto(effect="warn"), "vetoes[1].effect", "unknown effect 'warn'; one of fail, disqualify, terminate",
                 id="unknown-effect"),
    pytest.param(veto(when=None), "vetoes[1]", "missing 'when'", id="no-when"),
    pytest.param(veto(id=None), "vetoes[1]", "missing 'id'", id="no-id"),
    pytest.param(veto(id="Fraud-1"), "vetoes[1].id", "'Fraud-1' is not a valid id (snake_case ASCII)", id="bad-id"),
    pytest.param(veto(when=[]), "vetoes[1].when", "expected at least one condition", id="no-conditions"),
    pytest.param(veto(when={"fact": "nothing", "at_least": 1}), "vetoes[1].when.fact",
                 "unknown fact 'nothing': declare it under [facts.nothing] or [derived.nothing]", id="when-table"),
    pytest.param(veto(when=[THREE, {"fact": "nothing", "at_least": 1}]), "vetoes[1].when[1].fact",
                 "unknown fact 'nothing': declare it under [facts.nothing] or [derived.nothing]", id="when-list"),
    pytest.param(veto(clause=None), "vetoes[1]", "missing 'clause'", id="no-clause"),
    pytest.param(veto(clause=""), "vetoes[1].clause", "must not be empty", id="empty-clause"),
    pytest.param(veto(label=5), "vetoes[1].label", "expected a string, got int", id="label-not-text"),
]


@pytest.mark.parametrize("bad, path, problem", REFUSALS)
def test_a_bad_veto_is_refused_with_its_path_and_problem(bad, path, problem):
    assert refusal(bad) == (path, problem, f"{FILE}: {path}: {problem}")
