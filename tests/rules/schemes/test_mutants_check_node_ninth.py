"""The scheme checker on the item tree (issue #18: the survivors of rules.schemes.check in `_Checker.node`,
`_Checker.categories`, `_Checker._paths`, `_Checker.show` and `_Checker.text`, session "ninth").

FORMAT.md §3 (item tree: category → item → sub-item): "Every node has `id`, `title`, `clause`; leaves have `method`
and its parameters"; a category's `max` "must equal the sum of its regular items' max", and the scheme's
`max_total` is what the regular points add up to (§1); `kind` = "regular" | "bonus" | "penalty" is a leaf's, so a
category (a group of items) is never a bonus, never has a method, and has items. FORMAT.md §6b: the checker
"reports every problem it can find in one pass, each with its line", as a key and parameters the portal words
(portal/schemes/problems.py); ids are shown by the path `flask schemes check` prints (``categories[work].items[…]``,
the index where a table has no usable id). FORMAT.md §6c: a `[[compliance]]` line's `item` is "a
`category/item[/sub-item]` path of this scheme" (`unknown_item` otherwise).

Each bad file is an edit of the checker's example (checker/example-2024.toml); the line the problem must be
reported on carries the marker ``# <-``, and the problem is asserted whole: key, path, line, parameters.

Targets: xǁ_Checkerǁnode__mutmut_2, 59, 60, 63, 64, 73, 74, 82, 85, 96, 99, 107, 121–124, 128, 144, 147, 169, 236,
239; xǁ_Checkerǁcategories__mutmut_15, 16, 32, 43, 44, 45; xǁ_Checkerǁ_paths__mutmut_1, 14, 15;
xǁ_Checkerǁshow__mutmut_16; xǁ_Checkerǁtext__mutmut_40, 43. The rest of that list is judged in
mutation/verdicts-check-node-ninth.toml."""
from __future__ import annotations

import pytest

from rules.schemes.check import check_scheme_text
from rules.scoring.model import LEAF_KINDS, METHODS
from tests.rules.schemes.test_check_scheme_data import SECTIONS
from tests.rules.schemes.test_mutants_check_levels import EXAMPLE, MARK, _replace, _said

WORK_CLAUSE = 'clause = "工作（10分）"\n'
PLAN = ('method = "checklist"\n'
        'entries = [{ label = "有年度工作计划", points = 3, when = { fact = "has_plan", is = true } }]\n')
# the 工作计划 item made a group of one sub-item (FORMAT.md §3: "an item made of sub-items: no method")
PLAN_GROUP = _replace(EXAMPLE, PLAN, '\n[[categories.items.subitems]]\nid = "annual"\ntitle = "年度工作计划"\n'
                                     'max = 3\nclause = "有年度工作计划的得3分"\n' + PLAN)


@pytest.mark.parametrize("text, said", [
    # `categories = []`: a scheme with nothing to score, said at the key
    pytest.param("categories = []" + MARK + "\n" + EXAMPLE[:EXAMPLE.index("[[categories]]")],
                 [("no_categories", "categories", "marked", {})], id="no-categories"),
    # two categories with one id: the second named, as a category id
    pytest.param(_replace(EXAMPLE, 'id = "quality"', 'id = "work"' + MARK),
                 [("duplicate_id", "categories[work].id", "marked", {"id": "work", "what": "categories"})],
                 id="duplicate-category"),
    # two items of a category with one id: named among that category's items
    pytest.param(_replace(EXAMPLE, 'id = "reports"', 'id = "referrals"' + MARK),
                 [("duplicate_id", "categories[work].items[referrals].id", "marked",
                   {"id": "referrals", "what": "categories[work].items"})], id="duplicate-item"),
    # no max_total: the key is missing, and nothing is summed against a max_total that is not there
    pytest.param(_replace(EXAMPLE, "max_total = 20\n", "").replace("[scheme]\n", "[scheme]" + MARK + "\n"),
                 [("missing_key", "scheme", "marked", {"key": "max_total"})], id="no-max-total"),
    # a category with no items: empty, said of its items (not "no method": a category is never a leaf)
    pytest.param(EXAMPLE + "\n[[categories]]" + MARK + '\nid = "spare"\ntitle = "备用"\nmax = 0\n'
                 'clause = "备用（0分）"\n',
                 [("empty_children", "categories[spare]", "marked", {"children": "items"})], id="empty-category"),
    # a category with a method: a category has items, not a method (and `method` is not an unknown key there)
    pytest.param(_replace(EXAMPLE, WORK_CLAUSE, WORK_CLAUSE + 'method = "fixed"' + MARK + "\n"),
                 [("method_and_children", "categories[work].method", "marked", {"children": "items"})],
                 id="category-method"),
    # a category that is a bonus: only a leaf can be (and `kind` is not an unknown key there)
    pytest.param(_replace(EXAMPLE, WORK_CLAUSE, WORK_CLAUSE + 'kind = "bonus"' + MARK + "\n"),
                 [("group_kind", "categories[work].kind", "marked", {"kind": "bonus"})], id="category-bonus"),
    # a key a category does not have, with the keys it may have (kind and method once listed among them)
    pytest.param(_replace(EXAMPLE, WORK_CLAUSE, WORK_CLAUSE + "weight = 1" + MARK + "\n"),
                 [("unknown_key", "categories[work].weight", "marked",
                   {"key": "weight", "allowed": ["clause", "id", "items", "max", "note", "title"]})],
                 id="category-unknown-key"),
    # kind = "regular" is a leaf's default written out: a category takes no kind at all (FORMAT.md "Optional on
    # any leaf"); the checker once let it pass and the loader refused it in English ("unknown key(s) kind")
    pytest.param(_replace(EXAMPLE, WORK_CLAUSE, WORK_CLAUSE + 'kind = "regular"' + MARK + "\n"),
                 [("unknown_key", "categories[work].kind", "marked",
                   {"key": "kind", "allowed": ["clause", "id", "items", "max", "note", "title"]})],
                 id="category-regular-kind"),
    # a category without max: the key is missing at the category's header
    pytest.param(_replace(EXAMPLE, '[[categories]]\nid = "work"\ntitle = "工作"\nmax = 10\n',
                          '[[categories]]' + MARK + '\nid = "work"\ntitle = "工作"\n'),
                 [("missing_key", "categories[work]", "marked", {"key": "max"})], id="category-no-max"),
    # an item without a method (and without sub-items): the methods it may use
    pytest.param(_replace(EXAMPLE, '[[categories.items]]\nid = "innovation"', '[[categories.items]]' + MARK
                          + '\nid = "innovation"').replace('method = "judgement"\n', ""),
                 [("no_method", "categories[work].items[innovation]", "marked", {"allowed": list(METHODS)})],
                 id="item-no-method"),
    # a blank title: empty text, naming the key
    pytest.param(_replace(EXAMPLE, 'title = "工作"\n', 'title = " "' + MARK + "\n"),
                 [("empty_text", "categories[work].title", "marked", {"key": "title"})], id="blank-title"),
    # a blank clause: the document's words are missing, naming the key
    pytest.param(_replace(EXAMPLE, WORK_CLAUSE, 'clause = ""' + MARK + "\n"),
                 [("missing_clause", "categories[work].clause", "marked", {"key": "clause"})], id="blank-clause"),
    # an id that is not a string: the category is shown by its index, not by the number written as its id
    pytest.param(_replace(EXAMPLE, 'id = "quality"', "id = 7" + MARK),
                 [("wrong_type", "categories[1].id", "marked", {"key": "id", "expected": "string"})],
                 id="numeric-id"),
])
def test_a_bad_category_or_item_is_said_once_at_its_place_with_all_its_words(text, said):
    assert _said(text) == said


def test_an_item_of_an_unknown_kind_is_named_with_the_kinds_allowed():
    text = _replace(EXAMPLE, 'id = "reports"\n', 'id = "reports"\nkind = "extra"' + MARK + "\n")
    assert [s for s in _said(text) if s[0] == "unknown_item_kind"] == [
        ("unknown_item_kind", "categories[work].items[reports].kind", "marked",
         {"kind": "extra", "allowed": list(LEAF_KINDS)})]


def test_a_sub_item_that_is_not_a_table_is_named_at_its_index():
    # `subitems = [3]`: the sub-item is a number, not a table; said at it (and the check goes on, no crash)
    text = _replace(EXAMPLE, PLAN, "subitems = [3]" + MARK + "\n")
    assert [s for s in _said(text) if s[0] == "wrong_type"] == [
        ("wrong_type", "categories[quality].items[plan].subitems[0]", "marked", {"key": "0", "expected": "table"})]


def test_a_compliance_rule_may_name_a_sub_item():
    # FORMAT.md §6c: `item` is a category/item[/sub-item] path of this scheme
    text = PLAN_GROUP + _replace(SECTIONS, 'item = "quality/satisfaction"', 'item = "quality/plan/annual"')
    result = check_scheme_text(text, file_name="example-2024.toml")
    assert result.problems == []
    assert [(u.rule, u.item) for u in result.scheme.compliance] == [
        ("deadlines.monthly_report_late", "work/reports"), ("conduct.verified_complaint", "quality/plan/annual")]


def test_a_compliance_rule_naming_a_sub_item_the_scheme_lacks_is_refused():
    text = PLAN_GROUP + _replace(SECTIONS, 'item = "quality/satisfaction"', 'item = "quality/plan/monthly"' + MARK)
    assert _said(text) == [("unknown_item", "compliance[1].item", "marked", {"item": "quality/plan/monthly"})]
