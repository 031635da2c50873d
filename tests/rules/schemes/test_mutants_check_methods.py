"""The scheme checker on derived facts, the subsidy, and the ``base_steps`` and ``rank`` methods (issue #18: the
survivors of rules.schemes.check's _Checker.derived, .subsidy, .m_base_steps and .m_rank, 2026-12-06).

A bureau's administrator runs the checker on a new county's rubric; each problem names its reason, the key it is
about (the path, e.g. ``subsidy.one_off[new_station].id``) and the line the portal points at. Each bad file here
is an edit of a shipped scheme that the checker passes (jindong-2021: derived facts and the subsidy; wujiang-2022:
a derived ratio and ``rank``; qianxi-2022: ``base_steps``, seed 000 满500人得5分，每增加100人加1分，得满15分为止),
and the checker must say exactly the listed problems, each on the line marked ``# <-``, at its path, with all its
parameters (the portal words a problem from those alone), and nothing else. The rules stated are FORMAT.md's:

- ``[derived.<key>]`` takes ``meaning``, ``op``, ``args``, ``unit``; ``args`` are at least two facts or numbers,
  exactly two for ``difference``, ``ratio`` and ``percent``; a fact argument must be numeric (count, number,
  percent);
- ``base_steps`` takes ``fact`` (numeric), ``threshold``, ``base``, ``step`` (> 0), ``step_points``, ``cap``
  (≤ the item's max) and ``steps_from`` (= threshold by default: it may equal the threshold, not lie below it);
- ``rank`` takes ``fact``, ``eligible``, ``top``, ``step``, and optionally ``floor`` (0, not above ``top``),
  ``ineligible_points`` (0) and ``order`` ("desc");
- ``[subsidy]`` takes ``bands`` (of an ``amount``), ``one_off`` (tables of ``id``, ``amount``, ``label``; each id
  once), ``requires_pass`` (true or false) and its ``clause``.
"""
from __future__ import annotations

import pytest

from rules.schemes import SCHEME_DIR
from rules.schemes.check import check_scheme_text

MARK = "  # <-"
BASES = {name: (SCHEME_DIR / name).read_text(encoding="utf-8")
         for name in ("jindong-2021.toml", "wujiang-2022.toml", "qianxi-2022.toml")}
NUMERIC = ["count", "number", "percent"]

# the pieces of the shipped schemes the bad files edit (each occurs once in its scheme)
RETENTION_HEAD = "[derived.retention_pct]"  # jindong: 6个月留用率 = retained_6_months / delivered_workers in %
RETENTION_MEANING = 'meaning = "年度输送劳动力6个月留用率 / 6-month retention of the year\'s delivered workers"\n'
OP = 'op = "percent"\n'
ARGS = 'args = ["retained_6_months", "delivered_workers"]'
STABLE_RATIO = 'op = "ratio"\nargs = ["stable_total", "headcount"]'  # wujiang [derived.stable_ratio]
RETENTION = "derived.retention_pct"

WORKERS_HEAD = '[[categories.items]]\nid = "workers_registered"'  # qianxi: base_steps, max 15
WORKERS = 'threshold = 500\nbase = 5\nstep = 100\nstep_points = 1\ncap = 15'
WORKERS_PATH = "categories[effectiveness].items[workers_registered]"

HEADCOUNT_HEAD = '[[categories.items]]\nid = "headcount"'  # wujiang: rank, max 25
HEADCOUNT = 'top = 25\nstep = 1.5\nfloor = 5'
HEADCOUNT_PATH = "categories[hr_services].items[headcount]"

SUBSIDY_CLAUSE = 'clause = "每年按照年度评估分数，给予评估合格的劳务协作工作站年度绩效奖励（第十二条（二））"\n'  # jindong
FIRST_BAND = "[[subsidy.bands]]\nmin = 60\nmax = 70\namount = 40000\n"
NEW_STATION = '[[subsidy.one_off]]\nid = "new_station"\namount = 10000\n'
NEW_STATION_LABEL = 'label = "给予新设立的劳务协作工作站一次性1万元建站补贴（第十二条（一））"\n'
EXCELLENT = ('[[subsidy.one_off]]\nid = "excellent_station"\namount = 20000\n'
             'label = "被评为区级优秀站点的，再给予一次性2万元奖励（第十二条（三））"\n')
ONE_OFF = NEW_STATION + NEW_STATION_LABEL + "\n" + EXCELLENT


def _edit(base: str, *edits: tuple[str, str]) -> str:
    text = BASES[base]
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def _marked(head: str) -> str:
    """A table's header line with the marker: a problem of the table as a whole is reported there."""
    first, rest = head.split("\n", 1)
    return first + MARK + "\n" + rest


def _said(text: str, name: str) -> list[tuple]:
    """Every problem as (key, line, path, params), a marked line standing as its rank among the marked lines
    (1 the first marked line of the file, 2 the next …)."""
    marked = [n for n, line in enumerate(text.splitlines(), 1) if line.endswith(MARK)]
    return [(p.key, f"marked {marked.index(p.line) + 1}" if p.line in marked else p.line, p.path, p.params)
            for p in check_scheme_text(text, file_name=name).problems]


def test_the_shipped_schemes_edited_here_are_clean():
    for name, text in BASES.items():
        result = check_scheme_text(text, file_name=name)
        assert result.problems == [] and result.scheme is not None, name


# (base, [(text replaced, replacement: the line of each problem marked)], [(key, path, params[, which marked line])])
BAD = [
    # -- derived facts ---------------------------------------------------------------------------------------
    pytest.param("jindong-2021.toml", [(ARGS, ARGS + "\nweight = 2" + MARK)],
                 [("unknown_key", f"{RETENTION}.weight",
                   {"key": "weight", "allowed": ["args", "meaning", "op", "unit"]})],
                 id="derived-unknown-key"),
    pytest.param("jindong-2021.toml", [(RETENTION_HEAD + "\n" + RETENTION_MEANING, RETENTION_HEAD + MARK + "\n")],
                 [("missing_key", RETENTION, {"key": "meaning"})], id="derived-without-meaning"),
    pytest.param("jindong-2021.toml", [(RETENTION_HEAD, RETENTION_HEAD + MARK), (OP + ARGS, ARGS)],
                 [("missing_key", RETENTION, {"key": "op"})], id="derived-without-op"),
    pytest.param("jindong-2021.toml", [(ARGS, 'args = "retained_6_months"' + MARK)],
                 [("wrong_type", f"{RETENTION}.args", {"key": "args", "expected": "array"}),
                  ("derived_args", f"{RETENTION}.args", {"op": "percent", "count": "0"})], id="derived-args-not-array"),
    pytest.param("jindong-2021.toml", [(ARGS, 'args = ["retained_6_months", "delivered_workers", 2]' + MARK)],
                 [("derived_args", f"{RETENTION}.args", {"op": "percent", "count": "3"})],
                 id="percent-takes-exactly-two-args"),
    pytest.param("wujiang-2022.toml", [(STABLE_RATIO, 'op = "ratio"\nargs = ["stable_total", "headcount", 2]' + MARK)],
                 [("derived_args", "derived.stable_ratio.args", {"op": "ratio", "count": "3"})],
                 id="ratio-takes-exactly-two-args"),
    pytest.param("jindong-2021.toml", [(RETENTION_HEAD, RETENTION_HEAD + MARK), (OP + ARGS, OP)],
                 [("missing_key", RETENTION, {"key": "args"})], id="derived-without-args"),
    pytest.param("jindong-2021.toml", [(RETENTION_HEAD, RETENTION_HEAD + MARK),
                                       (OP + ARGS, 'args = ["retained_6_months"]' + MARK)],
                 [("missing_key", RETENTION, {"key": "op"}),
                  ("derived_args", f"{RETENTION}.args", {"op": "", "count": "1"}, 2)], id="derived-without-op-one-arg"),
    pytest.param("jindong-2021.toml", [(ARGS, 'args = [\n  "retained_6_months",\n  "delivered",' + MARK + "\n]")],
                 [("unknown_fact", f"{RETENTION}.args[1]", {"fact": "delivered"})], id="derived-arg-unknown-fact"),
    pytest.param("jindong-2021.toml",
                 [(ARGS, 'args = [\n  "retained_6_months",\n  "has_management_rules",' + MARK + "\n]")],
                 [("fact_kind_mismatch", f"{RETENTION}.args[1]",
                   {"fact": "has_management_rules", "kind": "bool", "needed": NUMERIC})], id="derived-arg-not-numeric"),
    # -- base_steps (qianxi 统计驻地黔西籍务工人员信息) -----------------------------------------------------------
    pytest.param("qianxi-2022.toml", [('fact = "workers_registered"\n' + WORKERS,
                                       'fact = "workers"' + MARK + "\n" + WORKERS)],
                 [("unknown_fact", f"{WORKERS_PATH}.fact", {"fact": "workers"})], id="base-steps-unknown-fact"),
    pytest.param("qianxi-2022.toml", [('fact = "workers_registered"\n' + WORKERS,
                                       'fact = "signboard_ok"' + MARK + "\n" + WORKERS)],
                 [("fact_kind_mismatch", f"{WORKERS_PATH}.fact",
                   {"fact": "signboard_ok", "kind": "bool", "needed": NUMERIC})], id="base-steps-bool-fact"),
    pytest.param("qianxi-2022.toml", [(WORKERS_HEAD, _marked(WORKERS_HEAD)),
                                      (WORKERS, WORKERS.replace("threshold = 500\n", ""))],
                 [("missing_key", WORKERS_PATH, {"key": "threshold"})], id="base-steps-without-threshold"),
    pytest.param("qianxi-2022.toml", [(WORKERS_HEAD, _marked(WORKERS_HEAD)),
                                      (WORKERS, WORKERS.replace("step_points = 1\n", ""))],
                 [("missing_key", WORKERS_PATH, {"key": "step_points"})], id="base-steps-without-step-points"),
    pytest.param("qianxi-2022.toml", [(WORKERS, WORKERS.replace("step = 100", "step = 0" + MARK))],
                 [("not_positive", f"{WORKERS_PATH}.step", {"key": "step", "value": "0"})], id="base-steps-step-0"),
    pytest.param("qianxi-2022.toml", [(WORKERS, WORKERS.replace("step = 100", "step = -100" + MARK))],
                 [("not_positive", f"{WORKERS_PATH}.step", {"key": "step", "value": "\u2212100"})],  # a minus sign
                 id="base-steps-step-negative"),
    pytest.param("qianxi-2022.toml", [(WORKERS, WORKERS.replace("step = 100", 'step = "100"' + MARK))],
                 [("wrong_type", f"{WORKERS_PATH}.step", {"key": "step", "expected": "number"})],
                 id="base-steps-step-text"),
    pytest.param("qianxi-2022.toml", [(WORKERS, WORKERS.replace("cap = 15", "cap = 16" + MARK))],
                 [("exceeds_max", f"{WORKERS_PATH}.cap", {"key": "cap", "value": "16", "max": "15"})],
                 id="base-steps-cap-above-max"),
    pytest.param("qianxi-2022.toml", [(WORKERS, WORKERS + '\nsteps_from = "500"' + MARK)],
                 [("wrong_type", f"{WORKERS_PATH}.steps_from", {"key": "steps_from", "expected": "number"})],
                 id="base-steps-steps-from-text"),
    pytest.param("qianxi-2022.toml", [(WORKERS, WORKERS + "\nsteps_from = 499" + MARK)],
                 [("steps_from_below_threshold", f"{WORKERS_PATH}.steps_from", {"value": "499", "threshold": "500"})],
                 id="base-steps-steps-from-below-threshold"),
    # -- rank (wujiang 组织劳务基地进吴人数与促成进吴就业见习人数总和) ---------------------------------------------
    pytest.param("wujiang-2022.toml", [(HEADCOUNT_HEAD, _marked(HEADCOUNT_HEAD)),
                                       (HEADCOUNT, HEADCOUNT.replace("top = 25\n", ""))],
                 [("missing_key", HEADCOUNT_PATH, {"key": "top"})], id="rank-without-top"),
    pytest.param("wujiang-2022.toml", [(HEADCOUNT_HEAD, _marked(HEADCOUNT_HEAD)),
                                       (HEADCOUNT, HEADCOUNT.replace("step = 1.5\n", ""))],
                 [("missing_key", HEADCOUNT_PATH, {"key": "step"})], id="rank-without-step"),
    pytest.param("wujiang-2022.toml", [(HEADCOUNT, HEADCOUNT.replace("floor = 5", 'floor = "5"' + MARK))],
                 [("wrong_type", f"{HEADCOUNT_PATH}.floor", {"key": "floor", "expected": "number"})],
                 id="rank-floor-text"),
    pytest.param("wujiang-2022.toml", [(HEADCOUNT, HEADCOUNT.replace("floor = 5", "floor = 26" + MARK))],
                 [("exceeds_max", f"{HEADCOUNT_PATH}.floor", {"key": "floor", "value": "26", "max": "25"})],
                 id="rank-floor-above-top"),
    pytest.param("wujiang-2022.toml", [(HEADCOUNT, HEADCOUNT + '\nineligible_points = "0"' + MARK)],
                 [("wrong_type", f"{HEADCOUNT_PATH}.ineligible_points",
                   {"key": "ineligible_points", "expected": "number"})], id="rank-ineligible-points-text"),
    # points for the ineligible above the item's max: the engine would cap them, the author is told (max = 25)
    pytest.param("wujiang-2022.toml", [(HEADCOUNT, HEADCOUNT + "\nineligible_points = 26" + MARK)],
                 [("exceeds_max", f"{HEADCOUNT_PATH}.ineligible_points",
                   {"key": "ineligible_points", "value": "26", "max": "25"})], id="rank-ineligible-points-above-max"),
    # -- the subsidy (jindong 第十二条) -------------------------------------------------------------------------
    pytest.param("jindong-2021.toml", [(FIRST_BAND, FIRST_BAND + "points = 1" + MARK + "\n")],
                 [("unknown_key", "subsidy.bands[0].points",
                   {"key": "points", "allowed": ["amount", "label", "max", "max_inclusive", "min", "min_inclusive"]})],
                 id="subsidy-band-unknown-key"),
    pytest.param("jindong-2021.toml", [(FIRST_BAND, _marked(FIRST_BAND.replace("min = 60", "min = 75")))],
                 [("band_inverted", "subsidy.bands[0]", {"min": "75", "max": "70"})], id="subsidy-band-inverted"),
    pytest.param("jindong-2021.toml", [(ONE_OFF, ""), (SUBSIDY_CLAUSE, SUBSIDY_CLAUSE + "one_off = 5" + MARK + "\n")],
                 [("wrong_type", "subsidy.one_off", {"key": "one_off", "expected": "array"})],
                 id="subsidy-one-off-not-array"),
    # a one-off that is not a table is named, and the check goes on to the next one (its label left out)
    pytest.param("jindong-2021.toml", [(ONE_OFF, ""), (SUBSIDY_CLAUSE, SUBSIDY_CLAUSE + "one_off = [\n"
                                                       "  5," + MARK + "\n"
                                                       '  { id = "new_station", amount = 10000 },' + MARK + "\n]\n")],
                 [("wrong_type", "subsidy.one_off[0]", {"key": "0", "expected": "table"}),
                  ("missing_key", "subsidy.one_off[new_station]", {"key": "label"}, 2)],
                 id="subsidy-one-off-not-a-table-then-no-label"),
    pytest.param("jindong-2021.toml", [(NEW_STATION, NEW_STATION + "points = 1" + MARK + "\n")],
                 [("unknown_key", "subsidy.one_off[new_station].points",
                   {"key": "points", "allowed": ["amount", "id", "label"]})], id="subsidy-one-off-unknown-key"),
    pytest.param("jindong-2021.toml", [(NEW_STATION, "[[subsidy.one_off]]" + MARK + "\namount = 10000\n")],
                 [("missing_key", "subsidy.one_off[0]", {"key": "id"})], id="subsidy-one-off-without-id"),
    pytest.param("jindong-2021.toml", [(NEW_STATION_LABEL, "label = 1" + MARK + "\n")],
                 [("wrong_type", "subsidy.one_off[new_station].label", {"key": "label", "expected": "string"})],
                 id="subsidy-one-off-label-not-text"),
    pytest.param("jindong-2021.toml", [('id = "excellent_station"', 'id = "new_station"' + MARK)],
                 [("duplicate_id", "subsidy.one_off[new_station].id",
                   {"id": "new_station", "what": "subsidy.one_off"})],
                 id="subsidy-one-off-id-twice"),
    pytest.param("jindong-2021.toml", [("requires_pass = true", 'requires_pass = "yes"' + MARK)],
                 [("wrong_type", "subsidy.requires_pass", {"key": "requires_pass", "expected": "bool"})],
                 id="subsidy-requires-pass-text"),
    pytest.param("jindong-2021.toml", [("[subsidy]", "[subsidy]" + MARK), (SUBSIDY_CLAUSE, "")],
                 [("missing_clause", "subsidy", {"key": "clause"})], id="subsidy-without-clause"),
]


@pytest.mark.parametrize("base, edits, expected", BAD)
def test_a_bad_file_is_told_exactly_what_and_where(base, edits, expected):
    text = _edit(base, *edits)
    assert _said(text, base) == [(key, f"marked {mark[0] if mark else 1}", path, params)
                                 for key, path, params, *mark in expected]


# what a method or derived fact may say: each of these files is a correct scheme, with nothing to report
GOOD = [
    # steps_from = threshold is FORMAT.md's default written out: the steps count from the threshold
    pytest.param("qianxi-2022.toml", [(WORKERS, WORKERS + "\nsteps_from = 500")], id="base-steps-from-threshold"),
    # floor and ineligible_points are optional (0 by default), and the floor may be the top itself
    pytest.param("wujiang-2022.toml", [(HEADCOUNT, HEADCOUNT.replace("\nfloor = 5", ""))], id="rank-without-floor"),
    pytest.param("wujiang-2022.toml", [(HEADCOUNT, HEADCOUNT.replace("floor = 5", "floor = 25"))],
                 id="rank-floor-at-top"),
    pytest.param("wujiang-2022.toml", [(HEADCOUNT, HEADCOUNT + "\nineligible_points = 0")],
                 id="rank-with-ineligible-points"),
    pytest.param("wujiang-2022.toml", [(HEADCOUNT, HEADCOUNT + "\nineligible_points = 1\norder = \"asc\"")],
                 id="rank-with-ineligible-points-and-order"),
    pytest.param("wujiang-2022.toml", [(HEADCOUNT, HEADCOUNT + "\nineligible_points = 25")],
                 id="rank-ineligible-points-at-max"),
    # sum, min, max, product take two args or more
    pytest.param("wujiang-2022.toml", [('args = ["trips_offline", "online_trips_counted"]',
                                        'args = ["trips_offline", "online_trips_counted", 0]')],
                 id="derived-sum-of-three"),
]


@pytest.mark.parametrize("base, edits", GOOD)
def test_a_correct_file_has_nothing_to_report(base, edits):
    result = check_scheme_text(_edit(base, *edits), file_name=base)
    assert result.problems == []
    assert result.scheme is not None
