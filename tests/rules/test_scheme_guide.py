"""The guide for bureau staff (docs/schemes.zh.md, docs/schemes.en.md) and its worked example: the example scheme
passes the checker and all its cases pass; every command the guide quotes in a code block is a real CLI command
that runs as quoted; every file it names exists; every checker message its table of common mistakes quotes is the
checker's real output for that mistake; and the example cites its source in the guide and in the file."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from rules.schemes.cases import run_cases
from rules.schemes.check import check_scheme_text

ROOT = Path(__file__).resolve().parents[2]
GUIDES = {"zh": ROOT / "docs" / "schemes.zh.md", "en": ROOT / "docs" / "schemes.en.md"}
EXAMPLE = ROOT / "docs" / "schemes" / "hr-agency-recruitment-2024.toml"
CASES = ROOT / "docs" / "schemes" / "hr-agency-recruitment-2024.cases.toml"
GRADED = ROOT / "tests" / "rules" / "scoring" / "graded" / "graded-2025.toml"


def _commands(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", text, flags=re.S | re.M)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip().startswith("flask ")]


def test_the_example_passes_the_checker_and_all_its_cases():
    result = check_scheme_text(EXAMPLE.read_bytes(), file_name=EXAMPLE.name)
    assert (result.ok, result.problems) == (True, [])
    scheme = result.scheme
    assert (scheme.id, scheme.document_number, str(scheme.effective_date), scheme.max_total) == (
        "hr-agency-recruitment-2024", "DB12/T 3009—2024", "2024-10-01", 140)
    assert [(leaf.id, leaf.params["weight"], leaf.max) for leaf in scheme.leaves()] == [
        ("staff", 3, 15), ("premises", 4, 20), ("equipment", 4, 20), ("jobseeker_services", 5, 25),
        ("recruiter_services", 5, 25), ("safety", 3, 15), ("records", 3, 15), ("complaints", 1, 5)]
    results = run_cases(scheme, CASES.read_bytes())
    assert [(r.number, r.passed, r.mismatches, r.error) for r in results] == [
        (1, True, [], ""), (2, True, [], ""), (3, True, [], ""), (4, True, [], "")]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_guide_quotes_the_check_test_facts_and_score_commands(lang):
    commands = _commands(GUIDES[lang])
    assert [shlex.split(c)[3:5] for c in commands] == [
        ["schemes", "check"], ["schemes", "docs/schemes/hr-agency-recruitment-2024.toml"], ["schemes", "test"],
        ["score", "docs/schemes/hr-agency-recruitment-2024.toml"]]


@pytest.mark.parametrize("command", sorted({c for path in GUIDES.values() for c in _commands(path)}))
def test_every_command_in_the_guides_is_a_real_cli_command_that_runs(app, monkeypatch, command):
    words = shlex.split(command)
    assert words[:3] == ["flask", "--app", "portal"] and words[3] in ("schemes", "score"), command
    named = [w for w in words[3:] if w.endswith((".toml", ".json"))]
    assert named and all((ROOT / w).is_file() for w in named), named
    monkeypatch.chdir(ROOT)
    result = app.test_cli_runner().invoke(args=words[3:])
    assert result.exit_code == 0, result.output
    assert result.output.strip()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_file_the_guide_names_exists(lang):
    text = GUIDES[lang].read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:docs|rules|tests)/[\w./-]+\.(?:toml|json|md))`", text))
    assert {"docs/schemes/hr-agency-recruitment-2024.toml", "docs/schemes/hr-agency-recruitment-2024.cases.toml",
            "docs/schemes/hr-agency-recruitment-2024.facts.json", "rules/schemes/FORMAT.md",
            "tests/rules/scoring/graded/graded-2025.toml"} <= named
    assert all((ROOT / path).is_file() for path in named), [p for p in named if not (ROOT / p).is_file()]


SOURCE = ["DB12/T 3009—2024", "人力资源服务机构等级划分与评定", "天津市市场监督管理委员会",
          "http://bhygbaby.com/paper/330543543.html", "http://bubsandbeans.com/paper/396946044.html",
          "表B.1 招聘服务评价量化指标分值及计算办法"]


@pytest.mark.parametrize("path", [GUIDES["zh"], GUIDES["en"], EXAMPLE])
def test_the_example_cites_its_source_title_issuer_and_address(path):
    text = path.read_text(encoding="utf-8")
    assert [s for s in SOURCE if s not in text] == []


# (file, text replaced, replacement): the mistakes of the guide's table, made in the file named
MISTAKES = [
    (EXAMPLE, 'title = "从业人员"', "title = “从业人员”"),
    (EXAMPLE, "effective_date = 2024-10-01", 'effective_date = "2024年10月1日"'),
    (EXAMPLE, 'id = "hr-agency-recruitment-2024"', 'id = "hr-agency-recruitment-2025"'),
    (EXAMPLE, 'max = 140\nclause = "招聘', 'max = 145\nclause = "招聘'),
    (EXAMPLE, "weight = 3\n", "weight = 4\n"),
    (EXAMPLE, '  { grade = "5", value = 5, criteria = "1.不少于30人', '  { grade = "五", value = 5, criteria = "1.不少于30人'),
    (EXAMPLE, 'fact = "staff_grade"', 'fact = "staf_grade"'),
    (EXAMPLE, 'example = "3"', "example = 3"),
    (EXAMPLE, 'clause = "评价要素1 从业人员：分值范围F 1～5，权重Wi 3，要素得分P1=F×W1"', 'clause = ""'),
    (GRADED, 'max = 90, label = "80分（含）至90分" },', 'max = 89, label = "80分（含）至89分" },'),
    (GRADED, '{ grade = "不合格", max = 60, label = "60分以下" },', '{ grade = "不合格", min = 10, max = 60, label = "60分以下" },'),
    (GRADED, 'grade = "合格"\nratio = 0.70', 'grade = "及格"\nratio = 0.70'),
    (GRADED, "advance_share = 0.30", "advance_share = 0.20"),
]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_table_of_mistakes_quotes_what_the_checker_says(app, lang):
    from flask_babel import force_locale

    from portal.schemes.problems import problem_line

    text = GUIDES[lang].read_text(encoding="utf-8")
    table = text[text.index("## 11."):text.index("## 12.")]
    quoted = re.findall(r"^\|[^|]+\| `([^`]+)` \|", table, flags=re.M)
    said = []
    for path, old, new in MISTAKES:
        source = path.read_text(encoding="utf-8")
        assert source.count(old) >= 1, old
        problems = check_scheme_text(source.replace(old, new, 1), file_name=path.name).problems
        with app.test_request_context(), force_locale(lang):
            said.append([problem_line(p) for p in problems])
    # each row quotes the first thing the checker says about its mistake, in the table's order
    assert quoted == [lines[0] for lines in said]
