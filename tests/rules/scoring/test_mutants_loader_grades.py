"""Scheme files are validated on load (rules/schemes/FORMAT.md): every refusal names the file, the path inside it
and the problem, word for word — the message is what the scheme's author reads. Issue #18: the survivors of the
mutation run in rules.scoring.loader for [derived] facts, graded factors (§4b), [grades] by quotas and by score
band, and the loading of the file itself. Each case edits the small valid scheme of test_loader.py.
"""
from __future__ import annotations

import copy
import tomllib
from decimal import Decimal

import pytest

from rules.scoring import SchemeError
from rules.scoring.loader import _first_hole, build_scheme, load_scheme_file
from rules.scoring.model import Band, Derived, GradeLevel, GradeQuota
from tests.rules.scoring.test_loader import GOOD

D = Decimal
BASE = tomllib.loads(GOOD, parse_float=Decimal)
FILE = "tiny-2024.toml"
LEAF = "categories[work].items[count]"
DROP = object()  # a field value meaning: leave the key out


def build(edit):
    d = copy.deepcopy(BASE)
    edit(d)
    return build_scheme(d, file=FILE)


def refusal(edit) -> str:
    with pytest.raises(SchemeError) as caught:
        build(edit)
    return str(caught.value)


def fill(table: dict, fields: dict) -> dict:
    for key, value in fields.items():
        if value is DROP:
            table.pop(key, None)
        else:
            table[key] = value
    return table


def derived(key="x", **fields):
    """[derived.<key>]: the sum of count and 2, with the fields changed."""
    spec = fill({"meaning": "数量加二", "op": "sum", "args": ["count", 2]}, fields)
    return lambda d: d.update(derived={key: spec})


def graded(entries=None, **fields):
    """The count leaf as a graded factor (FORMAT.md §4b): choice fact `grade` (1–3), weight 2, max 6."""
    def edit(d):
        d["facts"]["grade"] = {"meaning": "评价分值", "kind": "choice", "choices": ["1", "2", "3"], "example": "2"}
        leaf = d["categories"][0]["items"][0]
        for key in ("fact", "points_per_unit"):
            leaf.pop(key)
        grades = [{"grade": str(v), "value": v, "criteria": f"第{v}档"} for v in (1, 2, 3)]
        if entries is not None:
            grades = entries
        leaf.update(method="levels", fact="grade", weight=2, grades=grades)
        fill(leaf, fields)
    return edit


def quotas(*entries, **fields):
    """[grades] by quotas in rank order (FORMAT.md §1 Grades)."""
    table = {"quotas": list(entries) or [{"grade": "优秀", "share": D("0.1")}], "rest": "合格", "failed": "不合格",
             "clause": "优秀比例不超过10%"}
    return lambda d: d.update(grades=fill(table, fields))


def bands(*entries, **fields):
    """[grades] by score band (FORMAT.md §4b): by default ≥ 6 合格, < 6 不合格."""
    table = {"clause": "6分以上合格", "bands": list(entries) or [{"grade": "合格", "min": 6}, {"grade": "不合格", "max": 6}]}
    return lambda d: d.update(grades=fill(table, fields))


def floor(value, edit):
    def both(d):
        d["result"]["total_floor"] = value
        edit(d)
    return both


# --- [derived] (FORMAT.md §2 'Derived facts') -------------------------------------------------------------------

@pytest.mark.parametrize("edit, message", [
    (derived(key="count"), "derived.count: 'count' is already declared as a fact"),
    (lambda d: d.update(derived={"x": "count + 2"}), "derived.x: expected a table, got str"),
    (derived(per=1), "derived.x: unknown key(s) per; allowed: args, meaning, op, unit"),
    (derived(op=DROP), "derived.x: missing 'op'"),
    (derived(args=DROP), "derived.x: missing 'args'"),
    (derived(meaning=DROP), "derived.x: missing 'meaning'"),
    (derived(unit=3), "derived.x.unit: expected a string, got int"),
    (derived(args=["count"]), "derived.x.args: op 'sum' needs at least two args"),
    (derived(op="max", args=[2]), "derived.x.args: op 'max' needs at least two args"),
    (derived(args=["count", "nothing"]),
     "derived.x.args[1]: unknown fact 'nothing': declare it under [facts.nothing] or [derived.nothing]"),
    (derived(args=["count", "judged"]),
     "derived.x.args[1]: fact 'judged' is of kind 'judgement'; this needs one of count, number, percent"),
    (derived(args=["count", True]), "derived.x.args[1]: expected a fact key or a number, got True"),
    (derived(args=["count", "2"]),
     "derived.x.args[1]: unknown fact '2': declare it under [facts.2] or [derived.2]"),
])
def test_a_bad_derived_fact_is_refused_naming_where_and_why(edit, message):
    """FORMAT.md §2 'Derived facts': a derived fact has a meaning, an op and its args (fact keys of numeric facts
    or numbers, not booleans), an optional unit, and a key no fact has."""
    assert refusal(edit) == f"{FILE}: {message}"


@pytest.mark.parametrize("op", ["difference", "ratio", "percent"])
@pytest.mark.parametrize("args", [["count"], ["count", 2, 3]])
def test_a_binary_op_takes_exactly_two_args(op, args):
    """FORMAT.md §2: `difference` = a − b; `ratio` = a ÷ b; `percent` = a ÷ b × 100 — exactly two args."""
    assert refusal(derived(op=op, args=args)) == f"{FILE}: derived.x.args: op {op!r} needs exactly two args"


def test_a_derived_fact_keeps_what_the_file_states():
    """FORMAT.md §2: key, meaning, op, args (numbers as Decimals) and unit as written; no unit means ""."""
    scheme = build(derived(unit="人"))
    assert scheme.derived == {"x": Derived(key="x", meaning="数量加二", op="sum", args=("count", D(2)), unit="人")}
    assert build(derived()).derived["x"].unit == ""


# --- a graded factor (FORMAT.md §4b) ------------------------------------------------------------------------------

@pytest.mark.parametrize("edit, message", [
    (graded(weight=-2), f"{LEAF}.weight: must be ≥ 0, got −2"),
    (graded(grades=DROP), f"{LEAF}: missing 'grades'"),
    (graded(entries=[]), f"{LEAF}: grades is empty"),
    (graded(entries=["1", "2", "3"]), f"{LEAF}.grades[0]: expected a table, got str"),
    (graded(entries=[{"grade": "1", "value": 1, "points": 2}]),
     f"{LEAF}.grades[0]: unknown key(s) points; allowed: criteria, grade, value"),
    (graded(entries=[{"value": 1}]), f"{LEAF}.grades[0]: missing 'grade'"),
    (graded(entries=[{"grade": "1", "value": 1, "criteria": 3}]),
     f"{LEAF}.grades[0].criteria: expected a string, got int"),
    (graded(weight=3), f"{LEAF}.max: max 6 is not weight 3 × the highest grade's value 3 = 9"),
    (graded(floor=1), f"{LEAF}: unknown key(s) floor; allowed: clause, fact, grades, id, kind, max, method, note, "
                      "points, requires, title, uncapped, weight"),
])
def test_a_bad_graded_factor_is_refused_naming_where_and_why(edit, message):
    """FORMAT.md §4b: a graded factor is a `levels` leaf with a weight (≥ 0) and its grades, each a table
    {grade, value, criteria}; max must be weight × the highest grade's value."""
    assert refusal(edit) == f"{FILE}: {message}"


def test_a_graded_factor_keeps_its_grades():
    """FORMAT.md §4b: the grades as written, criteria the document's words."""
    leaf = build(graded()).categories[0].children[0]
    assert leaf.params["weight"] == 2
    assert leaf.params["grades"] == tuple(GradeLevel(str(v), D(v), f"第{v}档") for v in (1, 2, 3))


# --- [grades] by quotas (FORMAT.md §1 'Grades') -------------------------------------------------------------------

@pytest.mark.parametrize("edit, message", [
    (lambda d: d.update(grades="A/B/C"), "[grades]: expected a table, got str"),
    (quotas(share=D("0.1")), "[grades]: unknown key(s) share; allowed: bands, clause, failed, quotas, rest"),
    (quotas(quotas=DROP), "[grades]: missing 'quotas'"),
    (quotas(rest=DROP), "[grades]: missing 'rest'"),
    (quotas(failed=DROP), "[grades]: missing 'failed'"),
    (quotas(clause=DROP), "[grades]: missing 'clause'"),
    (quotas("优秀"), "grades.quotas[0]: expected a table, got str"),
    (quotas({"grade": "优秀", "share": D("0.1"), "min": 9}),
     "grades.quotas[0]: unknown key(s) min; allowed: grade, share"),
    (quotas({"grade": "优秀"}), "grades.quotas[0]: missing 'share'"),
    (quotas({"grade": "优秀", "share": D("-0.1")}), "grades.quotas[0].share: must be ≥ 0, got −0.1"),
    (quotas({"share": D("0.1")}), "grades.quotas[0]: missing 'grade'"),
])
def test_bad_grade_quotas_are_refused_naming_where_and_why(edit, message):
    """FORMAT.md §1 Grades: a table of quotas [{grade, share}], rest, failed and clause."""
    assert refusal(edit) == f"{FILE}: {message}"


def test_grade_quotas_keep_what_the_file_states_and_a_share_may_be_all():
    """FORMAT.md §1 Grades: at most floor(share × n) per grade — a share of 1 (everyone) is a share, not above 1."""
    grades = build(quotas({"grade": "合格", "share": D(1)}, rest="基本合格")).grades
    assert (grades.quotas, grades.rest, grades.failed, grades.clause) == (
        (GradeQuota("合格", D(1)),), "基本合格", "不合格", "优秀比例不超过10%")


# --- [grades] by score band (FORMAT.md §4b 'Letter grades by score band') ---------------------------------------

@pytest.mark.parametrize("edit, message", [
    (bands(rest="合格"), "grades.rest: letter grades by score band (bands) or quotas in rank order, not both"),
    (bands(bands=[]), "grades.bands: bands is empty"),
    (bands({"grade": "合格", "min": 6}, {"max": 6}), "grades.bands[1]: missing 'grade'"),
    (bands(failed=3), "[grades].failed: expected a string, got int"),
    (bands(clause=DROP), "[grades]: missing 'clause'"),
    # every total from total_floor to max_total in exactly one band: the ends
    (bands({"grade": "合格", "min": 6}, {"grade": "不合格", "min": 0, "max": 6, "min_inclusive": False}),
     "grades.bands: a total of 0 is in no band: the lowest band starts at (0, 6)"),
    (bands({"grade": "合格", "min": 6, "max": 10}, {"grade": "不合格", "max": 6}),
     "grades.bands: a total of 10 is in no band: the highest band is [6, 10)"),
    # ... and a hole below zero, when penalties may take a total there (total_floor < 0)
    (floor(-10, bands({"grade": "合格", "min": -4}, {"grade": "不合格", "max": -5})),
     "grades.bands: a total of −5 is between < −5 and ≥ −4, in no band"),
])
def test_bad_grade_bands_are_refused_naming_where_and_why(edit, message):
    """FORMAT.md §4b: bands and quotas/rest cannot be combined; every total from total_floor to max_total must fall
    in exactly one band, on the grain of a total (0.01); holes and uncovered ends are refused."""
    assert refusal(edit) == f"{FILE}: {message}"


def test_grade_bands_keep_what_the_file_states():
    """FORMAT.md §4b: clause, optional failed and the bands as written; no quotas and no rest."""
    grades = build(bands(failed="不合格")).grades
    assert (grades.quotas, grades.rest, grades.failed, grades.clause) == ((), "", "不合格", "6分以上合格")
    assert grades.bands == (Band(D(6), None, grade="合格"), Band(None, D(6), grade="不合格"))
    assert grades.names() == ["合格", "不合格"]
    assert build(bands()).grades.failed == ""


def test_a_band_open_above_or_below_leaves_no_hole_beside_it():
    """_first_hole (the only witness: through the loader this needs an empty band after an open one): a band with
    no max has nothing above it, a band with no min nothing below it — there is no hole to report."""
    assert _first_hole(Band(D(0), None), Band(D(20), D(30))) is None
    assert _first_hole(Band(D(0), D(5)), Band(None, D(30))) is None


# --- the file itself --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, problem", [
    (GOOD.encode("gb18030"), "not UTF-8: "),
    (b"[scheme\n", "not valid TOML: "),
])
def test_a_file_that_cannot_be_read_is_refused_as_a_whole(tmp_path, raw, problem):
    """SchemeError names the file, the path inside it and the problem: a file not in UTF-8 or not TOML is refused
    as a whole — no path inside it (the empty path, as for every file-level refusal)."""
    path = tmp_path / FILE
    path.write_bytes(raw)
    with pytest.raises(SchemeError) as caught:
        load_scheme_file(path)
    error = caught.value
    assert (error.file, error.path) == (FILE, "")
    assert error.problem.startswith(problem) and str(error) == f"{FILE}: {error.problem}"
