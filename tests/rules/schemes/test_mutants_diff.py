"""What changed between two versions of a scheme (rules/schemes/diff.py), as the bureau reads it before adopting
the new version (issue #18: the mutants of the sample of 2026-12-06 that no test noticed): the result's marks,
the cycles' months, the vetoes and their conditions written as formulas, the payment plan appearing or going,
the subsidy's one-off awards, the grade quotas, and bands written as ranges."""
from __future__ import annotations

from pathlib import Path

from rules.schemes import SCHEME_DIR
from rules.schemes.check import check_scheme_text
from rules.schemes.diff import Change, band_text, diff_schemes

EXAMPLE = (Path(__file__).parent / "checker" / "example-2024.toml").read_text(encoding="utf-8")
WUJIANG = (SCHEME_DIR / "wujiang-2022.toml").read_text(encoding="utf-8")
JINDONG = (SCHEME_DIR / "jindong-2021.toml").read_text(encoding="utf-8")


def _scheme(text: str, name: str = "example-2024.toml"):
    result = check_scheme_text(text, file_name=name)
    assert result.ok, result.problems
    return result.scheme


def _edit(text: str, *edits: tuple[str, str]) -> str:
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def test_the_pass_mark_the_months_and_a_veto_condition_changed():
    new = _edit(EXAMPLE, ("pass_mark = 12", "pass_mark = 13"),
                ('label = "上半年"\nmonths = 6', 'label = "上半年"\nmonths = 4'),
                ('label = "下半年"\nmonths = 6', 'label = "下半年"\nmonths = 8'),
                ('when = { fact = "incidents", at_least = 1 }',
                 'when = [{ fact = "incidents", at_least = 2 }, { fact = "credit_grade", in = ["C", "D"] }, '
                 '{ fact = "has_plan", is = false }]\nlabel = "重大事故"'))
    assert diff_schemes(_scheme(EXAMPLE), _scheme(new)) == [
        Change("result", "changed", "result", "", "pass_mark", "12", "13"),
        Change("cycle", "changed", "half_1", "上半年", "months", "6", "4"),
        Change("cycle", "changed", "half_2", "下半年", "months", "6", "8"),
        # a veto is named by its label; its conditions read as formulas, joined by 、
        Change("veto", "changed", "major_incident", "重大事故", "when", "incidents ≥ 1",
               "incidents ≥ 2、credit_grade ∈ {C、D}、has_plan = false"),
    ]


def test_a_veto_without_a_label_is_named_by_its_id():
    new = EXAMPLE + ('\n[[vetoes]]\nid = "fraud"\neffect = "fail"\nwhen = { fact = "incidents", more_than = 3 }\n'
                     'clause = "弄虚作假的，考核不合格"\n')
    assert diff_schemes(_scheme(EXAMPLE), _scheme(new)) == [Change("veto", "added", "fraud", "fraud")]
    assert diff_schemes(_scheme(new), _scheme(EXAMPLE)) == [Change("veto", "removed", "fraud", "fraud")]


def test_a_payment_plan_dropped_or_added_is_one_change():
    without = EXAMPLE[:EXAMPLE.index("[payment]")] + EXAMPLE[EXAMPLE.index("[[vetoes]]"):]
    assert diff_schemes(_scheme(EXAMPLE), _scheme(without)) == [Change("payment", "removed", "payment")]
    assert diff_schemes(_scheme(without), _scheme(EXAMPLE)) == [Change("payment", "added", "payment")]


def test_a_new_one_off_award_is_named_by_its_label():
    new = _edit(JINDONG, ("[[vetoes]]", '[[subsidy.one_off]]\nid = "model_station"\namount = 5000\n'
                                        'label = "示范站点奖励"\n\n[[vetoes]]'))
    assert diff_schemes(_scheme(JINDONG, "jindong-2021.toml"), _scheme(new, "jindong-2021.toml")) == [
        Change("one_off", "added", "model_station", "示范站点奖励")]


def test_grade_quotas_changed_or_dropped_read_as_quotas_rest_and_failed():
    old = _scheme(WUJIANG, "wujiang-2022.toml")
    new = _edit(WUJIANG, ('grade = "A", share = 0.10', 'grade = "A", share = 0.15'),
                ('rest = "D"\nfailed = "E"', 'rest = "D"\nfailed = "F"'))
    assert diff_schemes(old, _scheme(new, "wujiang-2022.toml")) == [
        Change("grades", "changed", "grades", "", "quotas", "A ≤0.1、B ≤0.2、C ≤0.3；D；E",
               "A ≤0.15、B ≤0.2、C ≤0.3；D；F")]
    start = WUJIANG.index("[grades]")
    without = WUJIANG[:start] + WUJIANG[WUJIANG.index("[[vetoes]]", start):]
    assert diff_schemes(old, _scheme(without, "wujiang-2022.toml")) == [
        Change("grades", "changed", "grades", "", "quotas", "A ≤0.1、B ≤0.2、C ≤0.3；D；E", "")]


def test_a_band_reads_as_a_range_with_its_ends_open_or_closed():
    scheme = _scheme(EXAMPLE)
    assert [band_text(b) for b in scheme.payment.bands] == [
        "[16, +∞) → 1（16分（含）以上全额支付）", "[12, 16) → 0.8（12分（含）至16分支付80%）",
        "(−∞, 12) → 0（12分以下不予支付）"]
    closed = _scheme(_edit(EXAMPLE, ("min = 12\nmax = 16\nratio = 0.80", "min = 12\nmax = 16\nmax_inclusive = true\n"
                                     "ratio = 0.80"), ("min = 16\nratio = 1.00", "min = 16\nmin_inclusive = false\n"
                                                       "ratio = 1.00")))
    assert [band_text(b) for b in closed.payment.bands][:2] == [
        "(16, +∞) → 1（16分（含）以上全额支付）", "[12, 16] → 0.8（12分（含）至16分支付80%）"]


# the second sample (seed 18, drawn after the first)

def test_a_levels_item_s_points_read_as_each_level_and_its_points():
    new = _edit(EXAMPLE, ("points = { A = 3, B = 2, C = 1, D = 0 }", "points = { A = 3, B = 2, C = 0.5, D = 0 }"))
    assert diff_schemes(_scheme(EXAMPLE), _scheme(new)) == [
        Change("item", "changed", "quality/credit", "信用等级", "params", "A 3；B 2；C 1；D 0", "A 3；B 2；C 0.5；D 0")]


def test_a_subsidy_dropped_lists_each_band_and_each_one_off_award():
    start = JINDONG.index("[subsidy]")
    without = JINDONG[:start] + JINDONG[JINDONG.index("[[vetoes]]", start):]
    changes = diff_schemes(_scheme(JINDONG, "jindong-2021.toml"), _scheme(without, "jindong-2021.toml"))
    bands = ["[60, 70) → 40,000（评估分数60分以上（含）70分以下的，给予4万元补贴）",
             "[70, 80) → 50,000（评估分数70分以上（含）80分以下的，给予5万元补贴）",
             "[80, 90) → 60,000（评估分数80分以上（含）90分以下的，给予6万元补贴）",
             "[90, +∞) → 70,000（评估分数90分以上（含），给予7万元补贴）"]
    assert changes == [Change("subsidy_band", "removed", b, b) for b in bands] + [
        Change("one_off", "removed", "new_station", "给予新设立的劳务协作工作站一次性1万元建站补贴（第十二条（一））"),
        Change("one_off", "removed", "excellent_station", "被评为区级优秀站点的，再给予一次性2万元奖励（第十二条（三））")]
    # and back: each band and award added, a band named by its range as its title too
    back = diff_schemes(_scheme(without, "jindong-2021.toml"), _scheme(JINDONG, "jindong-2021.toml"))
    assert [(c.section, c.change, c.key, c.title) for c in back][:4] == [
        ("subsidy_band", "added", b, b) for b in bands]


# the third sample

def test_a_new_fact_is_named_by_its_meaning_and_a_new_rule_by_itself():
    sections = ('\n[[compliance]]\nrule = "conduct.verified_complaint"\nitem = "quality/satisfaction"\npoints = 1\n')
    new = _edit(EXAMPLE, ('[[categories]]\nid = "work"', '[facts.complaints]\nmeaning = "有效投诉次数 / verified complaints"\n'
                                                        'kind = "count"\nunit = "次"\nexample = 0\n\n'
                                                        '[[categories]]\nid = "work"')) + sections
    assert diff_schemes(_scheme(EXAMPLE), _scheme(new)) == [
        Change("fact", "added", "complaints", "有效投诉次数 / verified complaints"),
        Change("rule", "added", "conduct.verified_complaint", "conduct.verified_complaint")]


def test_a_pass_mark_no_longer_inclusive_reads_true_then_false():
    new = _edit(EXAMPLE, ("pass_inclusive = true", "pass_inclusive = false"))
    assert diff_schemes(_scheme(EXAMPLE), _scheme(new)) == [
        Change("result", "changed", "result", "", "pass_inclusive", "true", "false")]
