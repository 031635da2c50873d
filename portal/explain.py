"""The one place that turns the scoring engine's steps into words, through the message catalog.

The engine (rules/scoring/engine.py) explains each line, total, result, payment and grade as a list of
steps, plain JSON-able dicts (``{"step": "deduct_each", "fact": ..., "count": "3", "each": "0.5", ...}``).
Pages, exports, mail and the CLI all render them here, in Chinese by default and in English on request;
facts are named by their label in the scheme (the Chinese or the English half of its meaning), never by
their key. Approvals frozen before steps existed keep only the engine's sentence: ``explain()`` shows it
when there are no steps.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import get_locale, gettext as _

from portal.i18n import N_

from rules.scoring.numbers import MINUS, fmt_num, fmt_pts

_CMP = {"at_least": "≥", "more_than": ">", "at_most": "≤", "less_than": "<"}


def _english() -> bool:
    try:
        return str(get_locale()).startswith("en")
    except Exception:  # outside a request (CLI without --lang): Chinese
        return False


def _half(text: str) -> str:
    """The reader's half of a bilingual scheme string "中文 / English"."""
    zh, sep, en = str(text).partition(" / ")
    return en.strip() if sep and _english() and en.strip() else zh.strip()


def reader_half(text: str) -> str:
    """The reader's half of a bilingual scheme string "中文 / English" (the Chinese one if there is no other)."""
    return _half(text)


def fact_label(key: str, scheme_id: str | None) -> str:
    """A fact by its label in the scheme (never its key)."""
    scheme = _scheme(scheme_id)
    if scheme is not None:
        if key in scheme.facts:
            spec = scheme.facts[key]
            if not spec.choices:
                return _half(spec.meaning)
            # "《岗位信息台账》：none 未建立 / …": the label is what comes before the choices
            zh = re.split(r"[：（]", spec.meaning.partition(" / ")[0])[0].strip()
            en = re.split(r"[:(]", spec.meaning.rpartition(" / ")[2])[0].strip()
            usable = en and not re.search(r"[\u3400-\u9fff]", en) and not any(c in en.split() for c in spec.choices)
            return en if _english() and usable else zh
        if key in scheme.derived:
            return _half(scheme.derived[key].meaning)
    return _("该项数据")


# Lookups of a scheme from its id or stored version text, registered by portal/schemes (which sits above this
# module): a bureau's own scheme, which no file ships, is worded by its stored version.
SCHEME_LOOKUPS: list = []


def _scheme(scheme_id):
    """The scheme to word a fact or an item by: the version itself when the caller has it (the one that
    scored the sheet), else the shipped file of that id (this module sits below portal/schemes and only
    needs titles and labels, which a caller wanting a newer version's words passes in)."""
    if not scheme_id:
        return None
    if hasattr(scheme_id, "facts") and hasattr(scheme_id, "categories"):
        return scheme_id
    for lookup in SCHEME_LOOKUPS:  # the portal's stored versions (registered by portal/schemes)
        if (found := lookup(str(scheme_id))) is not None:
            return found
    from rules.schemes import load_scheme

    try:
        return load_scheme(str(scheme_id).split(" ")[0])
    except Exception:
        return None


def _d(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal(0)


def num(value: Any) -> str:
    return fmt_num(_d(value))


def pts(value: Any) -> str:
    return fmt_pts(_d(value))


def _value(value: Any, key: str | None, scheme_id: str | None) -> str:
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, dict) and "value" in value:
        return f"{num(value['value'])}（{value.get('reason', '')}）"
    if isinstance(value, list):
        return ("、" if not _english() else ", ").join(_value(v, key, scheme_id) for v in value) or "—"
    if value is None:
        return "—"
    try:
        Decimal(str(value))
        return num(value)
    except (InvalidOperation, ValueError):
        return choice_label(str(value), key, scheme_id)


def choice_label(value: str, key: str | None = None, scheme_id: str | None = None) -> str:
    """A choice by its words: the schemes' choices are keys such as ``below_90`` or ``not_due``."""
    labels = {
        "not_due": _("本周期不考核"), "reached": _("达到90%以上"), "below_90": _("未达到90%以上"),
        "none": _("未建立"), "established": _("已建立"), "established_updated": _("已建立并定期更新"),
        "complete_bound": _("记录完整且按月装订成册"), "not_applicable": _("不适用"),
        "first": _("第一名"), "second": _("第二名"), "other": _("其他名次"),
    }
    return labels.get(value, value)


def condition(cond: dict[str, Any], scheme_id: str | None, *, with_value: bool = True) -> str:
    label = fact_label(cond["fact"], scheme_id)
    tests = []
    for name, limit in cond.get("tests", []):
        if name == "is":
            tests.append(_("为%(v)s", v=_value(limit, cond["fact"], scheme_id)))
        elif name == "in":
            tests.append(_("属于%(v)s", v=_value(limit, cond["fact"], scheme_id)))
        else:
            tests.append(f"{_CMP[name]} {num(limit)}")
    text = f"{label} {' '.join(tests)}"
    if with_value and "value" in cond:
        text += _("（实际%(v)s）", v=_value(cond["value"], cond["fact"], scheme_id))
    return text


def conditions(conds, scheme_id: str | None) -> str:
    """The conditions of a scheme (rules.scoring.model.Condition) in words, as the findings form shows a veto."""
    from rules.scoring.engine import cond_step

    return _("且").join(condition(cond_step(c, with_value=False), scheme_id) for c in conds)


class _Otherwise:
    def __str__(self) -> str:
        return _("其他情况")


OTHERWISE = _Otherwise()


def _band(band: dict[str, Any]) -> str:
    lo, hi = band.get("min"), band.get("max")
    if lo is None and hi is None:
        return _("任意分值")
    if lo is None:
        return f"{'≤' if band.get('max_inclusive') else '<'} {num(hi)}"
    if hi is None:
        return f"{'≥' if band.get('min_inclusive', True) else '>'} {num(lo)}"
    return (f"{num(lo)} {'≤' if band.get('min_inclusive', True) else '<'} x "
            f"{'≤' if band.get('max_inclusive') else '<'} {num(hi)}")


def step_text(step: dict[str, Any], scheme_id: str | None) -> str:
    kind = step.get("step")
    f = lambda key: fact_label(step[key], scheme_id) if step.get(key) else ""  # noqa: E731
    p = lambda key: pts(step.get(key, 0))  # noqa: E731
    n = lambda key: num(step.get(key, 0))  # noqa: E731
    if kind == "missing":
        return _("未评分：缺少数据 %(facts)s", facts="、".join(fact_label(k, scheme_id) for k in step["facts"]))
    if kind == "requirement_failed":
        return _("不满足得分前提：%(cond)s → 0.00", cond=condition(step["failed"] or {"fact": "", "tests": []}, scheme_id))
    if kind == "needs_cohort":
        return _("按名次计分：%(fact)s需与其他运营单位一起排名后得分", fact=f("fact"))
    if kind == "fixed":
        return _("全额得分 %(points)s", points=p("points"))
    if kind == "check":
        if step["ok"]:
            return _("✓ %(label)s +%(points)s", label=step["label"], points=p("points"))
        why = condition(step["failed"], scheme_id) if step.get("failed") else ""
        return _("✗ %(label)s（%(why)s）+0.00", label=step["label"], why=why)
    if kind == "subtotal":
        return _("小计 %(points)s", points=p("points"))
    if kind == "count":
        return _("%(fact)s %(value)s", fact=f("fact"), value=n("value"))
    if kind == "count_list":
        capped = " + ".join(num(c) for c in step.get("capped", [])) or "0"
        if step.get("entry_cap") is not None:
            return _("%(fact)s %(values)s，每次最多计%(cap)s：%(capped)s = %(sum)s", fact=f("fact"),
                     values=_value(step["values"], None, scheme_id), cap=n("entry_cap"), capped=capped, sum=n("sum"))
        return _("%(fact)s %(values)s：%(capped)s = %(sum)s", fact=f("fact"), values=_value(step["values"], None, scheme_id),
                 capped=capped, sum=n("sum"))
    if kind == "beyond":
        return _("超过%(threshold)s的部分：%(over)s", threshold=n("threshold"), over=n("over"))
    if kind == "units":
        return _("按每%(unit)s计1个单位：%(amount)s ÷ %(unit)s 取整 = %(units)s", unit=n("unit"), amount=n("amount"),
                 units=n("units"))
    if kind == "times":
        return f"{n('units')} × {n('each')} = {p('points')}"
    if kind == "cap":
        return _("以%(cap)s分为限", cap=p("cap"))
    if kind == "floor":
        return _("不低于%(floor)s分（扣完为止）→ %(points)s", floor=p("floor"), points=p("points"))
    if kind == "tier":
        label = f"（{step['label']}）" if step.get("label") else ""
        return _("%(fact)s %(value)s，在%(band)s%(label)s档 → %(points)s", fact=f("fact"), value=n("value"),
                 band=_band(step["band"]), label=label, points=p("points"))
    if kind == "no_tier":
        return _("%(fact)s %(value)s，不在任何档次 → %(points)s", fact=f("fact"), value=n("value"), points=p("points"))
    if kind == "level":
        return _("%(fact)s：%(value)s → %(points)s", fact=f("fact"),
                 value=_value(step["value"], step.get("fact"), scheme_id), points=p("points"))
    if kind == "below_threshold":
        return _("%(fact)s %(value)s，不足%(threshold)s → 0.00", fact=f("fact"), value=n("value"), threshold=n("threshold"))
    if kind == "base_steps":
        return _("%(fact)s %(value)s，满%(threshold)s得基础分%(base)s；超出部分每%(size)s加%(each)s：(%(value)s − %(from)s) ÷ "
                 "%(size)s 取整 = %(steps)s，%(base)s + %(steps)s × %(each)s = %(points)s",
                 fact=f("fact"), value=n("value"), threshold=n("threshold"), base=p("base"), size=n("step_size"),
                 each=n("step_points"), steps=n("steps"), points=p("points"), **{"from": n("steps_from")})
    if kind == "start":
        return _("起始分 %(points)s", points=p("points"))
    if kind == "deduct_each":
        return _("%(label)s：%(fact)s %(count)s × %(each)s = %(minus)s%(points)s", label=step["label"], fact=f("fact"),
                 count=n("count"), each=n("each"), minus=MINUS, points=p("points"))
    if kind == "deduct_shortfall":
        target = (_("%(fact)s %(value)s", fact=f("target_fact"), value=n("target")) if step.get("target_fact")
                  else n("target"))
        per = _("，每%(per)s计1次", per=n("per")) if _d(step.get("per", 1)) != 1 else ""
        if step.get("list"):
            return _("%(label)s：逐项对照应达%(target)s，共少%(short)s%(per)s × %(each)s = %(minus)s%(points)s",
                     label=step["label"], target=target, short=n("short"), per=per, each=n("each"), minus=MINUS,
                     points=p("points"))
        return _("%(label)s：应达%(target)s，%(fact)s %(value)s，少%(short)s%(per)s × %(each)s = %(minus)s%(points)s",
                 label=step["label"], target=target, fact=f("fact"), value=num((step.get("values") or [0])[0]),
                 short=n("short"), per=per, each=n("each"), minus=MINUS, points=p("points"))
    if kind == "deduct_judged":
        entries = step.get("entries") or []
        if not entries:
            return _("%(label)s：无扣分", label=step["label"])
        detail = " + ".join(f"{num(e['value'])}（{e['reason']}）" for e in entries)
        return _("%(label)s：%(detail)s = %(minus)s%(points)s", label=step["label"], detail=detail, minus=MINUS,
                 points=p("points"))
    if kind == "deduct_when":
        conds = _("且").join(condition(c, scheme_id) for c in step.get("conditions", []))
        if step.get("holds"):
            return _("%(label)s：%(cond)s，成立 = %(minus)s%(points)s", label=step["label"], cond=conds, minus=MINUS,
                     points=p("points"))
        return _("%(label)s：%(cond)s，不成立 = %(minus)s0.00", label=step["label"], cond=conds, minus=MINUS)
    if kind == "subtract":
        return f"{p('start')} {MINUS} {p('taken')} = {p('points')}"
    if kind == "judgement":
        return _("评估人员判定 %(value)s（可判%(min)s–%(max)s）；理由：%(reason)s", value=n("value"), min=n("min"),
                 max=n("max"), reason=step.get("reason", ""))
    if kind == "rank":
        return _("%(fact)s %(value)s，在%(ranked)s家参评单位中排第%(rank)s名：%(top)s − (%(rank)s − 1) × %(size)s = %(points)s",
                 fact=f("fact"), value=n("value"), ranked=step["ranked"], rank=step["rank"], top=p("top"),
                 size=n("step_size"), points=p("points"))
    if kind == "rank_ineligible":
        why = condition(step["failed"], scheme_id) if step.get("failed") else ""
        return _("不参加排名（%(why)s）→ %(points)s", why=why, points=p("points"))
    if kind == "penalty":
        return _("扣分 %(points)s", points=p("points"))
    if kind == "bonus":
        return _("加分 %(points)s", points=fmt_pts(_d(step.get("points", 0)), signed=True))
    if kind == "sum":
        parts = " + ".join(pts(x) for x in step.get("parts", []))
        if not parts:
            return _("无常规得分项 = %(points)s", points=p("points"))
        return _("合计 %(parts)s = %(points)s（满分%(max)s）", parts=parts, points=p("points"), max=p("max"))
    if kind == "extras_apart":
        return _("加分项、扣分项另计")
    if kind == "provisional":
        return _("暂计：部分项目尚未评分")
    # sheet-level steps
    if kind == "regular":
        return _("常规得分 %(points)s（满分%(max)s）", points=p("points"), max=p("max"))
    if kind == "bonus_total":
        if step.get("cap") is not None:
            return _("+ 加分 %(raw)s，以%(cap)s为限", raw=n("raw"), cap=p("cap"))
        return _("+ 加分 %(points)s", points=n("points"))
    if kind == "penalty_total":
        return _("%(minus)s 扣分 %(points)s", minus=MINUS, points=n("points"))
    if kind == "total":
        return _("= %(points)s", points=n("points"))
    if kind == "rounded":
        return _("四舍五入保留两位小数 → %(points)s", points=p("points"))
    if kind == "incomplete":
        facts = "、".join(fact_label(k, scheme_id) for k in step.get("facts", []))
        text = _("尚未完成：缺少 %(facts)s", facts=facts) if facts else _("尚未完成")
        if step.get("needs_cohort"):
            text += _("；按名次计分的项目需全部运营单位评分后确定")
        return text
    if kind == "veto":
        conds = _("且").join(condition(c, scheme_id) for c in step.get("conditions", []))
        return _("一票否决（%(label)s）：%(cond)s → %(effect)s", label=step.get("label") or "", cond=conds,
                 effect=veto_effect(step.get("effect", "")))
    if kind == "pass_mark":
        cmp = "≥" if step.get("inclusive", True) else ">"
        if step.get("passed"):
            return _("%(total)s %(cmp)s %(mark)s：合格", total=p("total"), cmp=cmp, mark=p("mark"))
        return _("%(total)s 未达到 %(cmp)s %(mark)s：不合格", total=p("total"), cmp=cmp, mark=p("mark"))
    if kind in ("incomplete_no_payment", "incomplete_no_subsidy"):
        return _("评分尚未完成，暂不能计算付款比例") if kind == "incomplete_no_payment" else _("评分尚未完成，暂不能计算补贴")
    if kind == "payment_band" and step.get("grade"):
        text = _("等次为%(grade)s（%(label)s）→ 支付 %(value)s%%", grade=step["grade"], label=step.get("label", ""),
                 value=n("value"))
        if step.get("consequence"):
            text += f"；{step['consequence']}"
        if step.get("vetoed"):
            text = _("一票否决：不支付考核费用；") + text
        return text
    if kind == "payment_band":
        text = _("%(total)s 在 %(band)s 档（%(label)s）→ 支付 %(value)s%%", total=p("total"), band=_band(step["band"]),
                 label=step.get("label", ""), value=n("value"))
        if step.get("consequence"):
            text += f"；{step['consequence']}"
        if step.get("vetoed"):
            text = _("一票否决：不支付考核费用；") + text
        return text
    if kind == "no_payment_band":
        return _("%(total)s 不在任何付款档次 → 0%%", total=p("total"))
    if kind == "subsidy_band":
        return _("%(total)s 在 %(band)s 档（%(label)s）→ 补贴 ¥%(value)s", total=p("total"), band=_band(step["band"]),
                 label=step.get("label", ""), value=pts(step.get("value", 0)))
    if kind == "no_subsidy_band":
        return _("%(total)s 不在任何补贴档次 → ¥0.00", total=p("total"))
    if kind == "not_passed_no_subsidy":
        return _("考核不合格，不予补贴")
    if kind == "advance":
        return _("合同金额 ¥%(value)s × 预付 %(share)s%% = ¥%(amount)s", value=pts(step["value"]), share=n("share"),
                 amount=pts(step["amount"]))
    if kind == "stage_payment":
        return _("合同金额 ¥%(value)s × %(share)s%%（%(stage)s）× 考核支付比例 %(ratio)s%% = ¥%(amount)s",
                 value=pts(step["value"]), share=n("share"), stage=step.get("stage", ""), ratio=n("ratio"),
                 amount=pts(step["amount"]))
    if kind == "subsidy_sum":
        parts = [_("按得分补贴 ¥%(amount)s", amount=pts(step["by_score"]))]
        parts += [f"¥{pts(g['amount'])} {g['label']}" for g in step.get("grants", [])]
        return " + ".join(parts) + f" = ¥{pts(step['amount'])}"
    if kind == "grant_decision":
        from portal.filters import day

        return _("%(day)s审批决定：¥%(amount)s（%(clause)s）", day=day(step["on"]), amount=pts(step["amount"]),
                 clause=step.get("clause", ""))
    if kind == "grade_incomplete":
        return _("评分尚未完成，暂不评定等次")
    if kind == "grade_failed":
        return _("考核不合格 → %(grade)s", grade=step["grade"])
    if kind == "grade_band":
        text = _("%(total)s 在 %(band)s 档 → 等次：%(grade)s", total=p("total"), band=_band(step["band"]),
                 grade=step["grade"])
        if step.get("label"):
            text += f"（{step['label']}）"
        if step.get("consequence"):
            text += f"；{step['consequence']}"
        return text
    if kind == "no_grade_band":
        return _("%(total)s 不在任何等次档次，不评定等次", total=p("total"))
    if kind == "grade_quota":
        text = _("第%(rank)s名（共%(of)s家）：%(grade)s等次名额 %(share)s%% × %(of)s 取整 = %(limit)s，已用%(used)s",
                 rank=step["rank"], of=step["of"], grade=step["grade"], share=n("share"), limit=n("limit"),
                 used=step["used"])
        if step.get("tied", 1) > 1:
            text += _("（%(n)s家同分并列）", n=step["tied"])
        return text
    if kind == "grade_rest":
        return _("第%(rank)s名（共%(of)s家）：%(full)s等次名额已满 → %(grade)s", rank=step["rank"], of=step["of"],
                 full="、".join(step.get("full", [])), grade=step["grade"])
    return _("（无法显示的计算步骤）")


def fact_value(value: Any, key: str | None = None, scheme_id: str | None = None) -> str:
    """A fact's value as a reader writes it: numbers with separators, yes/no, choices by their words,
    judgements with their reasons."""
    if isinstance(value, dict) and "value" in value:
        return f"{num(value['value'])}（{value.get('reason', '')}）"
    if isinstance(value, (list, tuple)):
        return "、".join(fact_value(v, key, scheme_id) for v in value) or _("无")
    if hasattr(value, "reason") and hasattr(value, "value"):  # a Judgement
        return f"{num(value.value)}（{value.reason}）"
    return _value(value, key, scheme_id)


def source_label(source: str) -> str:
    """Where a fact came from (portal/facts), in words."""
    source = str(source or "")
    labels = {"reports": _("月度报送"), "violations": _("违规记录"), "assessment": _("评估人员录入"),
              "credit grades": _("信用等级"), "findings": _("检查记录")}
    if source.startswith("findings"):
        return labels["findings"]
    return labels.get(source, source)


def veto_effect(effect: str) -> str:
    return {"fail": _("不合格"), "disqualify": _("取消资格"), "terminate": _("解除合同")}.get(effect, effect)


def explain(steps: list[dict[str, Any]] | None, scheme_id: str | None = None, fallback: str = "") -> str:
    """Steps as one paragraph in the reader's language; an old approval without steps shows its sentence."""
    if not steps:
        return fallback or ""
    sep = "; " if _english() else "；"
    return sep.join(t for t in (step_text(s, scheme_id) for s in steps) if t)


# what a fact's value is refused for (rules.scoring.FACT_PROBLEMS), in the reader's words: the reviewer's sheet form
# and a finding's effects show it beside the field (once the engine's English sentence)
_FACT_PROBLEMS = {
    "not_bool": N_("请选择“是”或“否”"),
    "not_choice": N_("“%(value)s”不是可选的选项"),
    "not_number": N_("“%(value)s”不是数字"),
    "not_whole": N_("须为整数（现为%(value)s）"),
    "negative": N_("不能为负数（现为%(value)s）"),
    "below_min": N_("不能小于%(min)s（现为%(value)s）"),
    "above_max": N_("不能大于%(max)s（现为%(value)s）"),
    "not_list": N_("格式不对：请逐条填写"),
    "judgement_shape": N_("格式不对：每条写成“分值 理由”"),
    "judgement_fields": N_("格式不对：每条只写分值和理由"),
    "judgement_no_value": N_("缺少分值"),
    "judgement_no_reason": N_("须写明理由"),
    "exceeds_other": N_("%(value)s不能大于“%(other)s”（%(other_value)s）"),
    "unknown_fact": N_("本考核方案没有这项数据"),
    "derived_fact": N_("这项数据由方案按其他数据算出，不能直接填写"),
    "not_a_dict": N_("数据格式不对"),
}


def fact_problem(exc: Exception, scheme_id: str | None = None) -> str:
    """A refused fact value (rules' FactValueError or FactsError) in the reader's words, the entry of a list
    first ("第2条："): never the engine's English sentence, which only the command line shows."""
    code = getattr(exc, "code", "")
    template = _FACT_PROBLEMS.get(code)
    if template is None:
        return _("数值不符合该项的要求")
    params = dict(getattr(exc, "params", None) or {})
    if code == "exceeds_other":
        params["other"] = fact_label(params.get("other", ""), scheme_id)
    text = _(template, **params)
    entry = getattr(exc, "entry", None)
    return _("第%(n)s条：", n=entry) + text if entry else text


# an incomplete sheet's result names its missing facts up to this many; more are counted (each is marked 待录入 on
# the workbench: a paragraph naming 42 facts is not read)
LISTED_MISSING = 5


def result_words(sheet, scheme_id: str | None) -> str:
    """The sheet's result on the workbench: the engine's steps, or for a sheet missing more than LISTED_MISSING facts
    how many are still to enter (and that ranked items wait for every operator's sheet, when they do)."""
    missing = sheet.missing_facts
    if len(missing) <= LISTED_MISSING:
        return explain(sheet.result_steps, scheme_id, sheet.result_explanation)
    text = _("尚未完成：还有%(n)s项待录入，见下方标为“待录入”的项目", n=len(missing))
    if any(step.get("needs_cohort") for step in sheet.result_steps or ()):
        text += _("；按名次计分的项目需全部运营单位评分后确定")
    return text


def init_app(app) -> None:
    # a refusal of a service ("考核表尚不完整 / the sheet is incomplete") as flashed or put beside a field: the
    # reader's half only
    app.add_template_filter(reader_half, "reader_half")
    app.add_template_global(explain, "explain")
    app.add_template_global(result_words, "result_words")
    app.add_template_global(fact_label, "fact_label")
    app.add_template_global(fact_value, "fact_value")
    app.add_template_global(source_label, "source_label")
    app.add_template_filter(veto_effect, "veto_effect")
    app.add_template_global(evidence_label, "evidence_label")
    app.add_template_global(evidence_value, "evidence_value")
    app.add_template_global(item_title, "item_title")


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


def sheet_text(sheet, scheme_id: str) -> str:
    """A score sheet (rules.scoring.ScoreSheet) as a text table in the current language: the CLI's `score`."""
    from portal.filters import scheme_cite

    rows = []
    for line in sheet.lines:
        indent = {"category": "", "item": "  ", "subitem": "    "}.get(line.level, "")
        maximum = pts(line.max) if line.max is not None else {"bonus": _("加分"), "penalty": _("扣分")}.get(line.kind, "")
        points = "—" if not line.complete and line.method != "sum" else pts(line.points)
        rows.append((indent + line.title, maximum, points, explain(line.steps, scheme_id, line.explanation)))
    head = (_("考核项目"), _("分值"), _("得分"), _("计算过程"))
    widths = [max(_width(r[i]) for r in rows + [head]) for i in range(3)]
    rule = "-" * (sum(widths) + 26)
    out = [scheme_cite(scheme_id) + (f" — {sheet.participant}" if sheet.participant else ""),
           "  ".join(_pad(h, w) for h, w in zip(head, widths + [0])), rule]
    out += ["  ".join(_pad(c, w) for c, w in zip(r, widths + [0])) for r in rows]
    out.append(rule)
    if sheet.complete:
        out.append(_("总分：%(total)s（%(how)s）", total=pts(sheet.total), how=explain(sheet.total_steps, scheme_id)))
    else:  # no figure while facts are missing (issue #15): a provisional sum reads as a result
        missing = "、".join(fact_label(k, scheme_id) for k in sheet.missing_facts) if not _english() else \
            ", ".join(fact_label(k, scheme_id) for k in sheet.missing_facts)
        out.append(_("总分：—（尚不完整，缺少：%(facts)s）", facts=missing) if missing
                   else _("总分：—（尚不完整：按名次计分的项目须与其他运营单位一起排名）"))
    out.append(_("结果：%(how)s", how=explain(sheet.result_steps, scheme_id)))
    if sheet.payment_steps:
        out.append(_("付款：%(how)s", how=explain(sheet.payment_steps, scheme_id)))
    if sheet.subsidy_steps:
        out.append(_("补贴：%(how)s", how=explain(sheet.subsidy_steps, scheme_id)))
    if sheet.rank is not None:
        out.append(_("名次：%(rank)s", rank=sheet.rank))
    if sheet.grade is not None:
        out.append(_("等次：%(grade)s（%(how)s）", grade=sheet.grade, how=explain(sheet.grade_steps, scheme_id)))
    return "\n".join(out)


def cohort_text(result, scheme_id: str) -> str:
    from portal.filters import scheme_cite

    passed = {True: _("合格"), False: _("不合格"), None: _("尚未完成")}
    head = (_("名次"), _("运营单位"), _("总分"), _("结果"), _("等次"), _("说明"))
    rows = [(str(s.rank) if s.rank is not None else "—", s.participant or "", pts(s.total), passed[s.passed],
             s.grade or "—", explain(s.grade_steps, scheme_id)) for s in result.ranking()]
    widths = [max(_width(r[i]) for r in rows + [head]) for i in range(5)]
    lines = ["  ".join(_pad(c, w) for c, w in zip(r, widths + [0])) for r in [head] + rows]
    return scheme_cite(scheme_id) + "\n" + "\n".join(lines)


EVIDENCE = {
    "obligation": N_("报送事项"), "period": N_("期间"), "due": N_("截止时间"), "status": N_("情况"), "as_of": N_("评估时点"),
    "first_submission": N_("首次报送编号"), "first_submitted_at": N_("首次报送时间"), "versions": N_("各版本"),
    "period_score": N_("考核得分来源"), "score": N_("得分"), "assessed_on": N_("考核日期"),
    "rectification_due": N_("整改期限"), "collective": N_("集体劳动争议"), "complaint": N_("投诉"),
    "contract_signed": N_("签订劳动合同"), "count": N_("次数"), "decided_on": N_("裁决日期"), "dispute": N_("劳动争议"),
    "facts": N_("数据"), "incident": N_("事件"), "occurred_on": N_("发生日期"), "outcome": N_("结果"),
    "received_on": N_("收到日期"), "resident_id": N_("身份证号"), "station": N_("站点"), "worker": N_("务工人员"),
    "anomaly": N_("异常"), "attendance_check": N_("考勤抽查"), "attendance_rows": N_("考勤记录"), "contract": N_("合同"),
    "date": N_("日期"), "days": N_("天数"), "lost": N_("不得分"), "operator": N_("运营单位"), "recorded": N_("记录"),
    "staff": N_("人员"), "month": N_("月份"), "grade": N_("等次"), "kind": N_("类别"), "given_on": N_("评定日期"),
}
OBLIGATIONS = {  # the obligations the deadline rules check (rules/compliance/deadlines.py)
    "monthly_plan": N_("月度工作计划"), "monthly_summary": N_("月度工作总结"), "monthly_report": N_("月度报表"),
    "job_information": N_("岗位信息"), "work_report": N_("书面工作汇报"), "quarterly_ledger": N_("季度台账"),
    "annual_summary": N_("年度工作总结"),
}
EVIDENCE_VALUES = {"late": N_("首次报送逾期"), "missing": N_("截至评估时点仍未报送"), "lost": N_("败诉"),
                   "won": N_("胜诉"), "true": N_("是"), "false": N_("否")}


def evidence_label(key: str) -> str:
    return _(EVIDENCE[key]) if key in EVIDENCE else _("其他")


def evidence_value(value: Any, key: str | None = None) -> str:
    """A piece of a violation's evidence in words: dates in Beijing time, periods by name, statuses by label."""
    from portal.filters import day, moment, period

    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, list):
        return ("、" if not _english() else ", ").join(evidence_value(v, key) for v in value) or "—"
    if isinstance(value, dict):
        return ("；" if not _english() else "; ").join(f"{evidence_label(k)}：{evidence_value(v, k)}"
                                                       for k, v in value.items())
    text = str(value)
    if key in ("first_submission", "versions") and re.fullmatch(r"\d+:[a-z_]+", text):  # "<submission id>:<obligation>"
        return _("第%(n)s号报送", n=text.split(":")[0])
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}.*", text):
        return moment(text)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return day(text)
    if re.fullmatch(r"\d{4}(-\d{2}|-?Q\d|W\d{1,2})?", text):
        return period(text)
    if text in EVIDENCE_VALUES:
        return _(EVIDENCE_VALUES[text])
    if key == "obligation" or re.fullmatch(r"[a-z]+(_[a-z0-9]+)+", text):
        return obligation_name(text)
    return text


def obligation_name(key: str) -> str:
    """A reporting obligation by its label in the calendars (the key otherwise never shows)."""
    if key in OBLIGATIONS:
        return _(OBLIGATIONS[key])
    from rules.reporting import calendar_scheme_ids, obligations_for

    for scheme_id in calendar_scheme_ids():
        for spec in obligations_for(scheme_id):
            if spec.key == key:
                return spec.label_en if _english() and spec.label_en else spec.label
    return _("其他")


def item_title(path: str, scheme_id: str | None) -> str:
    """A scheme item by its title in the scheme, never its path."""
    scheme = _scheme(scheme_id)
    if scheme is not None:
        try:
            return scheme.node(path).title
        except KeyError:
            pass
    return _("其他项目")
