"""The problems the scheme checker reports for a payment plan (issue #18: the survivors of rules.schemes.check in
`_Checker.payment`).

rules/schemes/FORMAT.md, "Payment (optional)": `[payment]` has `advance_share` (paid on signing, "0 if none"), a
`clause`, scored `[[payment.stages]]` (id, label, share, optional cycle and clause) and `[[payment.bands]]`;
"advance_share + Σ share must be 1". A problem is the scheme author's pointer into the file (rules/schemes/check.py,
module docstring): its key, the line it points at, its path and its parameters, from which the portal words it. So
each bad file here is an edit of the checker's example (tests/rules/schemes/checker/example-2024.toml) asserted to
its exact problems; the line a problem must be reported on carries the marker ``# <-``.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from rules.schemes.check import check_scheme_text

HERE = Path(__file__).parent
EXAMPLE = (HERE / "checker" / "example-2024.toml").read_text(encoding="utf-8")
MARK = "  # <-"
NAME = "example-2024.toml"

FIRST = '[[payment.stages]]\nid = "first"\ncycle = "half_1"\nlabel = "上半年考核后支付30%"\nshare = 0.30\n'
SECOND = '[[payment.stages]]\nid = "second"\ncycle = "half_2"\nlabel = "下半年考核后支付30%"\nshare = 0.30\n'
STAGE_KEYS = ["clause", "cycle", "id", "label", "share"]


def _edit(text: str, *edits: tuple[str, str]) -> str:
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def _said(text: str) -> list[tuple]:
    """Every problem as (key, line, path, params), the marked line's number standing as "marked"."""
    marked = [n for n, line in enumerate(text.splitlines(), 1) if line.endswith(MARK)]
    return [(p.key, "marked" if [p.line] == marked else p.line, p.path, p.params)
            for p in check_scheme_text(text, file_name=NAME).problems]


# -- no advance: "0 if none" -----------------------------------------------------------------------------------


def test_a_plan_without_an_advance_pays_its_one_stage_in_full():
    # advance_share is optional (FORMAT.md: "0 if none"), and a share may be 1 (at most 1): one stage of all of it
    text = _edit(EXAMPLE, ("advance_share = 0.40\n", ""), ("share = 0.30\n\n" + SECOND, "share = 1\n\n"))
    result = check_scheme_text(text, file_name=NAME)
    assert result.problems == []
    assert result.scheme.payment.advance_share == Decimal(0)
    assert [(s.id, s.share) for s in result.scheme.payment.stages] == [("first", Decimal(1))]


def test_without_an_advance_shares_short_of_1_are_named_at_the_payment_table():
    # with no advance_share written, the sum is the stages' alone and the problem points at [payment] itself
    text = _edit(EXAMPLE, ("[payment]\nadvance_share = 0.40\n", "[payment]" + MARK + "\n"),
                 ("share = 0.30\n\n" + SECOND, "share = 0.90\n\n"))
    assert _said(text) == [("shares_sum", "marked", "payment", {"sum": "0.9"})]


# -- each bad edit of [payment], to its exact problems ----------------------------------------------------------


CASES = {
    "an unknown key in [payment]": (
        [("advance_share = 0.40\n", "advance_share = 0.40\nadvance = 0.40" + MARK + "\n")],
        [("unknown_key", "marked", "payment.advance",
          {"key": "advance", "allowed": ["advance_share", "bands", "clause", "stages"]})]),
    "an advance written as text": (
        # not a number: no advance is counted, so the shares add to 0.6, named at the advance too
        [("advance_share = 0.40\n", 'advance_share = "40%"' + MARK + "\n")],
        [("wrong_type", "marked", "payment.advance_share", {"key": "advance_share", "expected": "number"}),
         ("shares_sum", "marked", "payment.advance_share", {"sum": "0.6"})]),
    "a stage that is not a table, before a stage with an unknown cycle": (
        # every stage is checked, the ones after a bad one too
        [(FIRST + "\n" + SECOND + "\n",
          'stages = [5, { id = "all", label = "考核后支付60%", share = 0.60, cycle = "half_3" }]' + MARK + "\n\n")],
        [("wrong_type", "marked", "payment.stages[0]", {"key": "0", "expected": "table"}),
         ("unknown_cycle", "marked", "payment.stages[all].cycle",
          {"cycle": "half_3", "allowed": ["half_1", "half_2"]})]),
    "an unknown key in a stage": (
        [("share = 0.30\n\n" + SECOND, "share = 0.30\namount = 30000" + MARK + "\n\n" + SECOND)],
        [("unknown_key", "marked", "payment.stages[first].amount", {"key": "amount", "allowed": STAGE_KEYS})]),
    "a stage without a label": (
        [(FIRST, FIRST.replace("[[payment.stages]]", "[[payment.stages]]" + MARK).replace(
            'label = "上半年考核后支付30%"\n', ""))],
        [("missing_key", "marked", "payment.stages[first]", {"key": "label"})]),
    "a stage's clause that is not text": (
        [(FIRST, FIRST + "clause = 30" + MARK + "\n")],
        [("wrong_type", "marked", "payment.stages[first].clause", {"key": "clause", "expected": "string"})]),
    "a stage without a share": (
        # the missing share counts for nothing: 0.40 + 0.30
        [(FIRST, FIRST.replace("[[payment.stages]]", "[[payment.stages]]" + MARK).replace("share = 0.30\n", "")),
         ("advance_share = 0.40", "advance_share = 0.40" + MARK)],
        [("shares_sum", "marked-0", "payment.advance_share", {"sum": "0.7"}),  # problems come in file order
         ("missing_key", "marked-1", "payment.stages[first]", {"key": "share"})]),
    "a stage with a share of 0": (
        # a share of 0 is a share (not negative, at most 1) and adds nothing: 0.40 + 0.30 + 0.30 + 0 = 1
        [(SECOND, SECOND + '\n[[payment.stages]]\nid = "third"\nlabel = "不另支付"\nshare = 0\n')],
        []),
    "a payment plan without its clause": (
        [("[payment]\n", "[payment]" + MARK + "\n"), ('clause = "预付40%，其余按考核结果分两期支付"\n', "")],
        [("missing_clause", "marked", "payment", {"key": "clause"})]),
}


@pytest.mark.parametrize("edits, expected", CASES.values(), ids=CASES.keys())
def test_a_bad_payment_plan_is_named_exactly(edits, expected):
    text = _edit(EXAMPLE, *edits)
    marked = [n for n, line in enumerate(text.splitlines(), 1) if line.endswith(MARK)]
    if len(marked) > 1:  # two marked lines: "marked-i" is the i-th of them
        expected = [(k, marked[int(w.split("-")[1])], p, params) for k, w, p, params in expected]
        said = [(p.key, p.line, p.path, p.params) for p in check_scheme_text(text, file_name=NAME).problems]
        assert said == expected
    else:
        assert _said(text) == expected
