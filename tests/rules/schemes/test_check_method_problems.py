"""The scheme checker names, in the author's words, what it used to report only as "invalid" with an English
detail, and what used to crash it (issue #15 §2: line-numbered errors in Chinese for anything wrong):

- a number written as TOML's ``nan`` or ``inf`` is not a number of points, money or days;
- the same problem found by two checks of one table is listed once;
- a payment plan or a subsidy without stages or bands says which list is empty;
- a deductions item whose floor lies above its start could never take anything off (扣完为止 at the item's
  own floor, FORMAT.md §4 ``deductions``);
- ``fixed`` on a leaf that is not a regular item with a max, ``steps_from`` below the threshold of
  ``base_steps`` (seed 000: 满500人得5分，每增加100人加1分), a rank ``order`` other than desc/asc.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from rules.schemes.check import ALL_PROBLEM_KEYS, METHOD_PROBLEM_KEYS, check_scheme_text

SCHEMES = Path(__file__).resolve().parents[3] / "rules" / "schemes"
EXAMPLE = (Path(__file__).parent / "checker" / "example-2024.toml").read_text(encoding="utf-8")
WUJIANG = (SCHEMES / "wujiang-2022.toml").read_text(encoding="utf-8")


def _problems(text: str, name: str = "example-2024.toml"):
    result = check_scheme_text(text, file_name=name)
    assert result.scheme is None
    assert all(p.key in ALL_PROBLEM_KEYS for p in result.problems)
    return [(p.key, p.line, p.params) for p in result.problems]


def _line_of(text: str, line: str) -> int:
    return text.splitlines().index(line) + 1


@pytest.mark.parametrize("written", ["nan", "inf", "-inf", "+inf"])
def test_nan_and_infinity_are_not_numbers_and_do_not_crash_the_checker(written):
    text = re.sub(r"(?m)^pass_mark = .*$", f"pass_mark = {written}", EXAMPLE, count=1)
    assert ("wrong_type", _line_of(text, f"pass_mark = {written}"), {"key": "pass_mark", "expected": "number"}) \
        in _problems(text)
    text = EXAMPLE.replace('title = "推荐就业"\nmax = 5', f'title = "推荐就业"\nmax = {written}')
    assert ("wrong_type", _line_of(text, f"max = {written}"), {"key": "max", "expected": "number"}) in _problems(text)


def test_a_problem_found_twice_is_listed_once():
    for text in ("categories = 5\n", "vetoes = 5\n"):
        problems = [(p.key, p.line, p.column, p.path, repr(p.params)) for p in check_scheme_text(text).problems]
        assert len(problems) == len(set(problems)), problems
        assert [p[0] for p in problems].count("wrong_type") == 1


def test_a_payment_plan_without_bands_names_the_empty_list():
    start = EXAMPLE.index("[[payment.bands]]")
    end = EXAMPLE.index("\n[", EXAMPLE.rindex("[[payment.bands]]") + 1) + 1
    text = EXAMPLE[:start] + EXAMPLE[end:]
    problems = _problems(text)
    assert ("empty_list", _line_of(text, "[payment]"), {"key": "bands"}) in problems
    assert not any(key == "invalid" for key, _line, _params in problems)


def test_a_deductions_floor_above_its_start_is_refused_at_the_floor():
    old = 'deductions = [{ label = "迟报", fact = "late_reports", each = 0.1 }]'
    assert EXAMPLE.count(old) == 1
    text = EXAMPLE.replace(old, "floor = 9\n" + old)
    problems = _problems(text)
    [(key, line, params)] = [p for p in problems if p[0] == "exceeds_max"]
    assert (key, line, params["key"], params["value"]) == ("exceeds_max", _line_of(text, "floor = 9"), "floor", "9")
    # at the start, or below it, the floor is a floor: nothing to say
    assert check_scheme_text(EXAMPLE.replace(old, f"floor = {params['max']}\n" + old),
                             file_name="example-2024.toml").problems == []


def test_fixed_on_a_bonus_is_named_in_words():
    old = 'method = "per_unit"\nfact = "media_reports"\npoints_per_unit = 1'
    text = EXAMPLE.replace(old, 'method = "fixed"')
    assert ("fixed_not_regular", _line_of(text, 'method = "fixed"'), {}) in _problems(text)


def test_steps_from_below_the_threshold_is_named_with_both_figures():
    scheme = (SCHEMES / "qianxi-2022.toml").read_text(encoding="utf-8")
    match = re.search(r"(?m)^threshold = (\d+)$", scheme)
    threshold = match.group(1)
    text = scheme.replace(match.group(0), f"{match.group(0)}\nsteps_from = {int(threshold) - 1}", 1)
    assert ("steps_from_below_threshold", _line_of(text, f"steps_from = {int(threshold) - 1}"),
            {"value": str(int(threshold) - 1), "threshold": threshold}) in _problems(text, "qianxi-2022.toml")


def test_an_unknown_rank_order_lists_the_two_orders():
    text = WUJIANG.replace("top = 25\nstep = 1.5", 'order = "up"\ntop = 25\nstep = 1.5')
    assert ("unknown_order", _line_of(text, 'order = "up"'), {"value": "up", "allowed": ["desc", "asc"]}) \
        in _problems(text, "wujiang-2022.toml")


def test_every_method_problem_has_a_test_here():
    assert set(METHOD_PROBLEM_KEYS) == {"fixed_not_regular", "steps_from_below_threshold", "unknown_order"}
