"""A scheme file's problems (rules.schemes.check) and its test cases' results (rules.schemes.cases) in words.

The checker returns each problem as a key and parameters; here each key has its sentence in the catalog,
Chinese by default and English on request, like the engine's steps in portal/explain.py. The CLI prints
them; the upload page will show the same sentences beside the line numbers.
"""
from __future__ import annotations

from typing import Any

from flask_babel import get_locale, gettext as _

from portal.i18n import N_

MESSAGES = {
    "encoding": N_("文件不是UTF-8编码（从第%(byte)s个字节起无法读取），请另存为UTF-8"),
    "toml_syntax": N_("TOML格式错误：%(reason)s"),
    "unknown_table": N_("未知的表[%(name)s]（可用的表：%(allowed)s）"),
    "missing_table": N_("缺少[%(name)s]表"),
    "unknown_key": N_("未知的键“%(key)s”（此处可用：%(allowed)s）"),
    "missing_key": N_("缺少“%(key)s”"),
    "missing_clause": N_("缺少条款依据（clause）：请照录文件原文"),
    "wrong_type": N_("“%(key)s”应为%(expected)s"),
    "empty_text": N_("“%(key)s”不能为空"),
    "bad_id": N_("标识“%(id)s”不合规：只能用小写英文字母、数字和下划线（方案标识用连字符），以字母开头"),
    "scheme_id_mismatch": N_("方案标识“%(id)s”与文件名“%(file)s”不一致"),
    "bad_date": N_("“%(key)s”不是日期（现为“%(value)s”），应写成2024-01-01，不加引号、不带时间"),
    "duplicate_id": N_("标识“%(id)s”重复（%(what)s）"),
    "no_cycles": N_("至少需要一个考核周期[[cycles]]"),
    "cycle_months": N_("考核周期的月数应为正整数（现为“%(value)s”）"),
    "cycles_gap": N_("各考核周期共%(months)s个月，短于服务期%(service)s个月：周期之间留有空档"),
    "cycles_overlap": N_("各考核周期共%(months)s个月，长于服务期%(service)s个月：周期重叠或超出服务期"),
    "unknown_cycle": N_("未知的考核周期“%(cycle)s”（已定义：%(allowed)s）"),
    "pass_mark_out_of_range": N_("合格分%(value)s高于满分%(max_total)s"),
    "unknown_fact_kind": N_("数据“%(fact)s”的类型“%(kind)s”未知（可用：%(allowed)s）"),
    "fact_no_kind": N_("数据“%(fact)s”缺少类型（kind）"),
    "fact_no_unit": N_("数据“%(fact)s”（%(kind)s）缺少单位（unit），如“人”“次”“分”"),
    "fact_range_inverted": N_("数据“%(fact)s”的下限%(min)s高于上限%(max)s"),
    "judgement_needs_range": N_("评审打分的数据“%(fact)s”须写明分值范围（min和max）"),
    "range_not_allowed": N_("%(kind)s类型的数据“%(fact)s”不能设上下限"),
    "choices_empty": N_("选项数据“%(fact)s”须列出选项（choices），不能为空"),
    "duplicate_choice": N_("数据“%(fact)s”的选项“%(choice)s”重复"),
    "choices_not_allowed": N_("只有选项（choice）类型的数据才有选项，“%(fact)s”是%(kind)s"),
    "bad_example": N_("数据“%(fact)s”的示例值不合规：%(detail)s"),
    "unknown_op": N_("未知的计算方式“%(op)s”（可用：%(allowed)s）"),
    "derived_args": N_("计算方式“%(op)s”的参数个数不对（现有%(count)s个）"),
    "unknown_fact": N_("引用了未定义的数据“%(fact)s”：请先在[facts.%(fact)s]中定义"),
    "fact_kind_mismatch": N_("数据“%(fact)s”的类型是%(kind)s，此处需要：%(needed)s"),
    "bad_condition": N_("条件写法不对（数据“%(fact)s” %(test)s）：%(reason)s"),
    "no_categories": N_("至少需要一个考核类别[[categories]]"),
    "empty_children": N_("“%(children)s”为空：至少需要一项"),
    "unknown_item_kind": N_("未知的计分性质“%(kind)s”（可用：%(allowed)s）"),
    "group_kind": N_("只有有计分方法的具体评分项才能是加分或扣分项，类别或含子项的项目不能写kind = “%(kind)s”"),
    "method_and_children": N_("既有计分方法（method）又有下级（%(children)s），只能二选一"),
    "no_method": N_("缺少计分方法（method，可用：%(allowed)s）"),
    "unknown_method": N_("未知的计分方法“%(method)s”（可用：%(allowed)s）"),
    "negative": N_("“%(key)s”不能为负数（现为%(value)s）"),
    "not_positive": N_("“%(key)s”须大于0（现为%(value)s）"),
    "too_small": N_("“%(key)s”不能小于%(least)s（现为%(value)s）"),
    "exceeds_max": N_("“%(key)s”为%(value)s，超过上限%(max)s"),
    "checklist_short": N_("各检查项分值合计%(sum)s，达不到本项分值%(max)s"),
    "empty_list": N_("“%(key)s”为空：至少需要一条"),
    "band_inverted": N_("档次下限%(min)s高于上限%(max)s"),
    "band_empty": N_("档次%(band)s上下限相同而不都包含，没有任何取值落在其中，永远用不到"),
    "bands_overlap": N_("第%(a)s档与第%(b)s档重叠（%(at)s同时落在两档）"),
    "bands_gap": N_("第%(a)s档与第%(b)s档之间有空档（%(at)s不在任何一档）"),
    "band_out_of_range": N_("档次%(band)s超出可能的取值范围（%(lo)s至%(hi)s），永远用不到"),
    "weight_out_of_range": N_("“%(key)s”为%(value)s，不能超过%(max)s"),
    "shares_sum": N_("预付比例与各期付款比例合计%(sum)s，应为1"),
    "bonus_uncapped": N_("加分项须写明上限（cap或max）；文件未规定上限的，写uncapped = true"),
    "unknown_veto_effect": N_("未知的否决后果“%(effect)s”（可用：%(allowed)s）"),
    "graded_max": N_("本项分值%(max)s应等于权重%(weight)s × 最高等级的值%(top)s = %(product)s"),
    "grades_mixed": N_("按分数段评定等级（bands）与按名次比例评定等级（quotas、rest）只能二选一，请删去“%(key)s”"),
    "grade_bands_cover": N_("总分%(at)s不在任何等级分数段内（最近的一段是%(band)s）：各等级分数段须覆盖全部可能的总分"),
    "payment_grades_mixed": N_("付款档次要么全部按等级（grade），要么全部按分数段（min、max），不能混用"),
    "grade_band_bounds": N_("按等级“%(grade)s”付款的档次不写min、max：分数段由[grades]中该等级决定"),
    "unknown_grade": N_("未知的等级“%(grade)s”（[grades]中按分数段定义的等级：%(allowed)s）"),
    "unknown_rule": N_("未知的合规规则“%(rule)s”（可用的规则见《方案文件编写指南》第9节，或运行 flask --app portal rules）"),
    "unknown_item": N_("本方案没有评分项“%(item)s”：写成“类别标识/项目标识”（如 work/reports），或 vetoes/否决项标识"),
    "rule_no_points": N_("规则“%(rule)s”的后果不是扣分（如否决、不合格），不能设定扣分（points、per_occurrence）"),
    "no_due_day": N_("规则“%(rule)s”没有可设定的截止日：due_day只用于按每月某日截止的报送规则"),
    "due_day_range": N_("截止日须为每月1日至28日中的一天（现为“%(value)s”）"),
    "unknown_frequency": N_("未知的报送频次“%(value)s”（可用：%(allowed)s）"),
    "unknown_due_rule": N_("未知的截止规则“%(value)s”（可用：%(allowed)s）"),
    "obligation_day": N_("截止规则%(due)s须写明day（第几日，1至31；现为“%(value)s”）"),
    "unknown_obligation_kind": N_("未知的报送类别“%(value)s”（可用：%(allowed)s）"),
    "obligation_field": N_("报送内容“%(fact)s”须是本方案的计数数据（kind = \"count\"）：各次报送的数相加即为周期的数"),
    "unknown_obligation": N_("“%(obligation)s”不是[calendar]中按月报送的事项，或规则“%(rule)s”不按月判断报送（可用：%(allowed)s）"),
    "due_day_mismatch": N_("截止日%(due_day)s日与报送日历中“%(obligation)s”的截止日%(day)s日不一致：同一截止日只能有一个"),
    "obligation_due_rule": N_("规则“%(rule)s”按%(needed)s判断截止，而“%(obligation)s”的截止规则是%(due)s（或截止日超过28日）：两者须说同一个截止时间"),
    "fixed_not_regular": N_("计分方法“fixed”直接给满分，只能用于写明分值（max）的常规评分项，不能用于加分或扣分项"),
    "steps_from_below_threshold": N_("起算值steps_from为%(value)s，不能低于门槛threshold %(threshold)s"),
    "unknown_order": N_("未知的排名顺序“%(value)s”（可用：%(allowed)s）"),
    "invalid": N_("方案文件有误：%(detail)s"),
}
POINTS_SUM = {
    "scheme": N_("各类别分值合计%(sum)s，与满分（max_total）%(max)s不符"),
    "category": N_("本类别分值为%(max)s，但其中各项目分值合计%(sum)s"),
    "item": N_("本项目分值为%(max)s，但其中各子项分值合计%(sum)s"),
}
LEVELS_CHOICES = N_("等级分值须逐一列出数据“%(fact)s”的全部选项")
LEVELS_MISSING = N_("缺少：%(choices)s")
LEVELS_EXTRA = N_("不是选项：%(choices)s")
EXPECTED = {
    "string": N_("字符串（加引号）"), "number": N_("数字（不加引号）"), "table": N_("表"), "bool": N_("true或false"),
    "array": N_("数组"), "fact": N_("数据名"), "strings": N_("非空字符串组成的数组"), "fact or number": N_("数据名或数字"),
    "months": N_("月数（正整数，不加引号）"),
}
SYNTAX = {
    "invalid_value": N_("值的写法不对（文字要加引号，数字和日期不加）"),
    "expected_equals": N_("键后面缺少“=”"),
    "duplicate_key": N_("同一个键写了两次"),
    "duplicate_table": N_("同一个表写了两次"),
    "unclosed_array": N_("数组缺少结尾的“]”"),
    "unclosed_table": N_("内联表缺少结尾的“}”"),
    "unterminated_string": N_("字符串缺少结尾的引号"),
    "invalid_date": N_("日期写法不对（应为2024-01-01）"),
    "illegal_character": N_("有不允许的字符（例如字符串缺少结尾的引号）"),
    "invalid_statement": N_("无法识别的语句"),
    "expected_newline": N_("一行只能写一个键值对"),
}
CONDITION = {
    "no_test": N_("缺少比较（is、in、at_least、more_than、at_most、less_than）"),
    "bool": N_("是非数据只能与true或false比较"),
    "not_a_choice": N_("“%(value)s”不是该数据的选项"),
    "not_numeric": N_("只有数值数据才能比较大小"),
    "empty": N_("in后须列出至少一个值"),
}
CASES = {
    "cases_encoding": N_("用例文件不是UTF-8编码"),
    "cases_syntax": N_("用例文件格式错误：%(detail)s"),
    "cases_none": N_("用例文件中没有用例（[[cases]]）"),
    "cases_no_facts": N_("第%(case)s个用例缺少数据（facts）"),
    "cases_no_expect": N_("第%(case)s个用例缺少预期结果（expect）"),
    "cases_unknown_expect": N_("第%(case)s个用例的预期结果中有未知的键“%(key)s”（可用：%(allowed)s）"),
}
WHAT = {
    "total": N_("总分"), "passed": N_("是否合格"), "complete": N_("是否完整"), "band": N_("档次"),
    "payment_ratio": N_("付款比例"), "grade": N_("等级"), "subsidy": N_("补贴"), "missing": N_("缺少的数据"),
    "vetoes": N_("一票否决"),
}


def _english() -> bool:
    try:
        return str(get_locale()).startswith("en")
    except Exception:
        return False


def _list(values) -> str:
    return (", " if _english() else "、").join(str(v) for v in values) or "—"


def problem_text(problem: Any) -> str:
    """The sentence of one problem (a rules.schemes.check.Problem or its as_dict())."""
    data = problem.as_dict() if hasattr(problem, "as_dict") else dict(problem)
    key, raw = data["key"], data.get("params") or {}
    params = {k: _list(v) if isinstance(v, list) else v for k, v in raw.items()}
    if key == "toml_syntax":
        reason = params.get("reason")
        return _(MESSAGES[key], reason=_(SYNTAX[reason]) if reason in SYNTAX else params.get("detail", ""))
    if key == "wrong_type":
        expected = params.get("expected", "")
        params["expected"] = _(EXPECTED[expected]) if expected in EXPECTED else expected
    if key == "bad_condition":
        reason = params.get("reason", "")
        params["reason"] = _(CONDITION[reason], value=params.get("value", "")) if reason in CONDITION else reason
        params.pop("value", None)
    if key == "points_sum":
        what = params.get("what")
        return _(POINTS_SUM.get(what, POINTS_SUM["category"]), max=params.get("max"), sum=params.get("sum"))
    if key == "levels_choices":
        parts = [_(LEVELS_CHOICES, fact=params.get("fact"))]
        if raw.get("missing"):
            parts.append(_(LEVELS_MISSING, choices=params["missing"]))
        if raw.get("extra"):
            parts.append(_(LEVELS_EXTRA, choices=params["extra"]))
        return ("; " if _english() else "；").join(parts)
    if key not in MESSAGES:
        return f"{key} {params}"
    return _(MESSAGES[key], **params)


def problem_line(problem: Any) -> str:
    """"第12行：…" / "Line 12: …"."""
    data = problem.as_dict() if hasattr(problem, "as_dict") else dict(problem)
    return _("第%(line)s行：%(message)s", line=data["line"], message=problem_text(data))


def cases_error_text(exc: Any) -> str:
    return _(CASES[exc.key], **exc.params) if exc.key in CASES else str(exc)


def mismatch_text(m: Any, titles: dict[str, str] | None = None) -> str:
    if m.what == "line":
        title = (titles or {}).get(m.path, "")
        where = f"{m.path}（{title}）" if title and not _english() else (f"{m.path} ({title})" if title else m.path)
        actual = _("没有这一项") if m.actual == "no_such_line" else m.actual
        return _("评分项%(path)s：预期 %(expected)s，实际 %(actual)s", path=where, expected=m.expected, actual=actual)
    return _("%(what)s：预期 %(expected)s，实际 %(actual)s", what=_(WHAT[m.what]) if m.what in WHAT else m.what,
             expected=m.expected, actual=m.actual)


# -- a scheme version's page: methods, item kinds and what changed, in words ------------------------------

METHOD_NAMES = {
    "fixed": N_("固定分值"), "checklist": N_("逐项检查"), "per_unit": N_("按数量计分"), "tiers": N_("分档计分"),
    "levels": N_("按等级计分"), "base_steps": N_("基础分加减"), "deductions": N_("逐项扣分"),
    "judgement": N_("评审打分"), "rank": N_("按排名计分"),
}
KIND_NAMES = {"regular": N_("常规项"), "bonus": N_("加分项"), "penalty": N_("扣分项")}
SECTION_NAMES = {
    "scheme": N_("方案"), "result": N_("合格与总分"), "cycle": N_("考核周期"), "item": N_("评分项"),
    "fact": N_("数据"), "veto": N_("一票否决"), "payment": N_("付款"), "stage": N_("付款阶段"),
    "payment_band": N_("付款档次"), "subsidy_band": N_("补贴档次"), "one_off": N_("一次性补助"),
    "grades": N_("等级比例"), "obligation": N_("报送事项"), "rule": N_("合规规则"),
}
CHANGE_NAMES = {"added": N_("新增"), "removed": N_("删除"), "changed": N_("修改")}

# The compliance rules by the names a bureau reads (a scheme's [[compliance]] names them by id).
RULE_NAMES = {
    "attendance.anomaly": N_("考勤异常（迟到、早退、缺勤）"),
    "attendance.no_uniform": N_("上班未穿工作服"),
    "attendance.resident_staff_days": N_("驻站人员月考勤少于15天"),
    "conduct.collective_dispute_lost": N_("集体劳动争议案件败诉"),
    "conduct.complaint_count": N_("投诉次数统计"),
    "conduct.credit_grade_c_fail": N_("人力资源服务信用等级为C：不合格"),
    "conduct.credit_grade_d_disqualified": N_("人力资源服务信用等级为D：取消资格"),
    "conduct.dispatch_labour_credit_c_fail": N_("劳务派遣信用等级为C：不合格"),
    "conduct.five_or_more_complaints": N_("被投诉累计5次及以上"),
    "conduct.incidents_veto": N_("安全责任事故或投诉3次以上：一票否决"),
    "conduct.individual_dispute_lost": N_("非集体劳动争议案件败诉"),
    "conduct.major_incident_cancel_qualification": N_("重大安全责任事故：取消资格"),
    "conduct.major_incident_expelled": N_("重大安全责任事故：清退"),
    "conduct.safety_incident_count": N_("安全责任事故次数统计"),
    "conduct.verified_complaint": N_("投诉经核实"),
    "consequences.qualification_cancelled": N_("连续两年考核不合格：取消资格"),
    "consequences.rectification_notice": N_("考核低于50分：限期整改"),
    "consequences.termination_proposed": N_("整改期满仍不合格：建议解除合同"),
    "deadlines.annual_summary_missing": N_("年度工作总结未按时报送"),
    "deadlines.job_information_missing": N_("岗位信息未按月提供"),
    "deadlines.monthly_plan_late": N_("月度工作计划逾期或未报"),
    "deadlines.monthly_report_late": N_("月度报表逾期或未报"),
    "deadlines.monthly_summary_late": N_("月度工作总结逾期或未报"),
    "deadlines.monthly_work_report_missing": N_("月度书面汇报未按时报送"),
    "deadlines.quarterly_ledger_missing": N_("季度台账未按时报送"),
    "integrity.duplicate_worker_claim": N_("同一劳动力被重复申报"),
    "workers.delivered_worker_status": N_("输送劳动力是否计数"),
    "workers.dispatched": N_("劳务派遣人员不计入输送"),
    "workers.household_in_zhejiang": N_("浙江籍人员不计入输送"),
    "workers.insurance_under_two_months": N_("参保不足2个月不计入输送"),
    "workers.invalid_resident_id": N_("身份证号无效不计入输送"),
    "workers.labour_contract_missing": N_("输送劳动力未签订劳动合同"),
    "workers.outside_working_age": N_("不在劳动年龄内不计入输送"),
}


def rule_name(rule_id: str) -> str:
    return _(RULE_NAMES[rule_id]) if rule_id in RULE_NAMES else rule_id


FREQUENCY_NAMES = {"weekly": N_("每周"), "monthly": N_("每月"), "quarterly": N_("每季度"), "annual": N_("每年"),
                   "once": N_("一次")}


def due_words(spec: Any) -> str:
    """When an obligation of a [calendar] is due, as a bureau says it: 每月，次月5日前."""
    often = _(FREQUENCY_NAMES[spec.frequency]) if spec.frequency in FREQUENCY_NAMES else spec.frequency
    if spec.due == "end_of_period":
        when = _("期末前")
    elif spec.due == "day_of_next_period":
        when = _("下一期第%(day)s日前", day=spec.day)
    elif spec.due == "day_of_period":
        when = _("当期第%(day)s日前", day=spec.day)
    else:
        when = _("期初起%(day)s日内", day=spec.day)
    return f"{often}，{when}" if not _english() else f"{often}, {when}"


def item_words(scheme: Any, path: str) -> str:
    """A [[compliance]] line's item as the rubric names it: the item's title, the veto's label, 付款."""
    if not path:
        return ""
    for node in scheme.nodes():
        if node.path == path:
            return node.title
    head, _sep, rest = path.partition("/")
    if head == "vetoes":
        veto = next((v for v in scheme.vetoes if v.id == rest), None)
        return _("一票否决") + (f"：{veto.label}" if veto is not None and veto.label else "")
    if head == "payment":
        return _("付款")
    return _("其他")


def rule_effect(use: Any) -> str:
    """What a rule in force takes (a [[compliance]] line with the rule's own penalty where the line says none)."""
    from rules.compliance import RULES

    meta = RULES.get(use.rule)
    penalty = meta.penalty if meta is not None else None
    points = use.points if use.points is not None else (penalty.points if penalty else None)
    per = use.per_occurrence if use.per_occurrence is not None else (penalty.per_occurrence if penalty else True)
    if points is None:
        return _("不扣分（后果见规则）") if penalty is None or not penalty.consequence else _("后果：%(what)s",
                                                                                   what=rule_name(use.rule))
    shown = format(points.normalize(), "f")
    return _("每次扣%(points)s分", points=shown) if per else _("该项%(points)s分不得分", points=shown)

FIELD_NAMES = {
    "title": N_("名称"), "max": N_("分值"), "kind": N_("性质"), "method": N_("计分方法"), "params": N_("计分规则"),
    "requires": N_("前提条件"), "clause": N_("条款"), "label": N_("名称"), "months": N_("月数"), "share": N_("比例"),
    "cycle": N_("对应考核周期"), "advance_share": N_("预付比例"), "effective_date": N_("生效日期"),
    "document_number": N_("文号"), "bureau": N_("发文单位"), "max_total": N_("满分"), "pass_mark": N_("合格分"),
    "pass_inclusive": N_("合格分是否含本数"), "total_floor": N_("总分下限"), "bonus_cap": N_("加分上限"),
    "unit": N_("单位"), "min": N_("下限"), "choices": N_("选项"), "effect": N_("后果"), "when": N_("条件"),
    "amount": N_("金额"), "quotas": N_("等级比例"), "frequency": N_("报送频次"), "due": N_("截止规则"),
    "day": N_("截止日"), "fields": N_("报送数据"), "item": N_("评分项"), "fact": N_("数据"), "points": N_("扣分"),
    "per_occurrence": N_("是否按次扣分"), "due_day": N_("截止日"), "obligation": N_("报送事项"),
    "due_rule": N_("截止规则"),
}


def method_name(method: str | None) -> str:
    return _(METHOD_NAMES[method]) if method in METHOD_NAMES else _("其他计分方法")


def kind_name(kind: str) -> str:
    return _(KIND_NAMES[kind]) if kind in KIND_NAMES else _("其他")


def change_words(change: Any) -> dict[str, str]:
    """A rules.schemes.diff.Change as the columns of the page's table: where, what happened, the field."""
    return {
        "section": _(SECTION_NAMES[change.section]) if change.section in SECTION_NAMES else _("其他"),
        "change": _(CHANGE_NAMES[change.change]) if change.change in CHANGE_NAMES else change.change,
        "field": (_(FIELD_NAMES[change.field]) if change.field in FIELD_NAMES else _("其他")) if change.field else "",
        "title": rule_name(change.title) if change.section == "rule" else change.title,
        "old": _value_words(change.field, change.old), "new": _value_words(change.field, change.new),
    }


DUE_NAMES = {"end_of_period": N_("期末"), "day_of_next_period": N_("下一期第几日"), "day_of_period": N_("当期第几日"),
             "days_after_start": N_("期初起第几天")}


OBLIGATION_KINDS = {"report": N_("报告"), "attendance": N_("考勤"), "ledger": N_("台账"), "events": N_("活动")}


def _value_words(field_name: str, value: str) -> str:
    """A changed value of a calendar or rule line in words (frequencies, due rules, yes/no), else as written."""
    if field_name == "frequency" and value in FREQUENCY_NAMES:
        return _(FREQUENCY_NAMES[value])
    if field_name == "kind" and value in OBLIGATION_KINDS:
        return _(OBLIGATION_KINDS[value])
    if field_name == "kind" and value in KIND_NAMES:
        return _(KIND_NAMES[value])
    if field_name == "due" and value in DUE_NAMES:
        return _(DUE_NAMES[value])
    if value in ("true", "false") and field_name in ("per_occurrence", "pass_inclusive"):
        return _("是") if value == "true" else _("否")
    return value
