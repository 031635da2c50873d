"""rules/schemes/diff.py: what changed between two versions of a scheme, as data."""
from __future__ import annotations

from pathlib import Path

from rules.schemes.check import check_scheme_text
from rules.schemes.diff import Change, band_text, diff_schemes

EXAMPLE = Path(__file__).parent / "checker" / "example-2024.toml"


def amended(text: str) -> str:
    """Version 2 of the example: new date, a rate, points moved, an item replaced, a band, the payment plan."""
    edits = [
        ("effective_date = 2024-01-01", "effective_date = 2024-07-01"),
        ('deductions = [{ label = "迟报", fact = "late_reports", each = 0.1 }]',
         'deductions = [{ label = "迟报", fact = "late_reports", each = 0.2 }]'),
        ('title = "满意度"\nmax = 4', 'title = "满意度"\nmax = 3'),
        ('{ min = 80, points = 4, label = "80%以上" }', '{ min = 80, points = 3, label = "80%以上" }'),
        ('title = "工作计划"\nmax = 3', 'title = "工作计划"\nmax = 4'),
        ('entries = [{ label = "有年度工作计划", points = 3,', 'entries = [{ label = "有年度工作计划", points = 4,'),
        ('[[payment.bands]]\nmin = 16\nratio = 1.00\nlabel = "16分（含）以上全额支付"',
         '[[payment.bands]]\nmin = 15\nratio = 1.00\nlabel = "15分（含）以上全额支付"'),
        ('min = 12\nmax = 16\nratio = 0.80', 'min = 12\nmax = 15\nratio = 0.80'),
        ("advance_share = 0.40", "advance_share = 0.30"),
        ('label = "上半年考核后支付30%"\nshare = 0.30', 'label = "上半年考核后支付35%"\nshare = 0.35'),
        ('label = "下半年考核后支付30%"\nshare = 0.30', 'label = "下半年考核后支付35%"\nshare = 0.35'),
        ('label = "上半年"\nmonths = 6', 'label = "上半年（1—6月）"\nmonths = 6'),
        ('id = "innovation"\ntitle = "工作创新"\nmax = 3\nclause = "创新工作做法并取得成效"\nmethod = "judgement"\n'
         'fact = "innovation"',
         'id = "training"\ntitle = "业务培训"\nmax = 3\nclause = "组织业务培训的得3分"\nmethod = "checklist"\n'
         'entries = [{ label = "组织业务培训", points = 3, when = { fact = "has_plan", is = true } }]'),
    ]
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    return text


def _schemes():
    text = EXAMPLE.read_text(encoding="utf-8")
    old = check_scheme_text(text, file_name=EXAMPLE.name)
    new = check_scheme_text(amended(text), file_name=EXAMPLE.name)
    assert old.ok and new.ok, new.problems
    return old.scheme, new.scheme


def test_the_same_scheme_has_no_differences():
    old, _new = _schemes()
    assert diff_schemes(old, old) == []


def test_items_points_bands_calendar_and_payment_changes_are_listed():
    old, new = _schemes()
    changes = diff_schemes(old, new)
    assert Change("scheme", "changed", "example-2024", "示例考核细则", "effective_date", "2024-01-01",
                  "2024-07-01") in changes
    assert Change("item", "removed", "work/innovation", "工作创新") in changes
    assert Change("item", "added", "work/training", "业务培训") in changes
    assert Change("item", "changed", "quality/satisfaction", "满意度", "max", "4", "3") in changes
    assert Change("item", "changed", "quality/plan", "工作计划", "max", "3", "4") in changes
    rate = next(c for c in changes if c.key == "work/reports")
    assert rate.field == "params" and "0.1" in rate.old and "0.2" in rate.new
    assert Change("cycle", "changed", "half_1", "上半年（1—6月）", "label", "上半年", "上半年（1—6月）") in changes
    assert Change("payment", "changed", "payment", "", "advance_share", "0.4", "0.3") in changes
    assert Change("stage", "changed", "first", "上半年考核后支付35%", "share", "0.3", "0.35") in changes
    bands = {(c.change, c.key) for c in changes if c.section == "payment_band"}
    assert ("removed", band_text(old.payment.bands[0])) in bands and ("added", band_text(new.payment.bands[0])) in bands
    assert band_text(new.payment.bands[0]).startswith("[15, +∞) → 1")
    assert not [c for c in changes if c.section == "payment_band" and "12分以下" in c.key]  # unchanged band
    assert {c.section for c in changes} <= {"scheme", "item", "cycle", "payment", "stage", "payment_band"}


def test_a_shipped_scheme_against_itself_and_against_another_differs_only_where_it_should():
    from rules.schemes import load_scheme

    jindong = load_scheme("jindong-2021")
    assert diff_schemes(jindong, jindong) == []
    other = diff_schemes(jindong, load_scheme("qianxi-2022"))
    assert {"scheme", "item", "cycle"} <= {c.section for c in other}
