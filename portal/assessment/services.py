"""The score sheet of a contract's cycle: projected from what the database knows, completed by the bureau.

Facts come from portal/facts (the operator's reports, cumulative as the schemes count them: 累计; the
stored violations, each open or acknowledged one counted once towards the fact its rule feeds; the
bureau's findings; credit grades). What only people can know stays missing, and the sheet says so: it is
never taken as zero. The reviewer enters it with reasons and submits, the approver approves, which
freezes the figures (portal/cycles keeps the sheet, its approvals and the lock).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlmodel import select

from portal.audit import services as audit
from portal.contracts.models import Contract
from portal.cycles.models import AssessmentSheet, IllegalSheetChange, SheetApproval
from portal.cycles.services import Cycle, approvals_of, sheet_of
from portal.db import get_session, utcnow
from portal.i18n import N_
from portal.facts.services import sheet_facts
from portal.cycles.services import cycle_scheme
from portal.schemes.services import approval_scheme, scheme_for
from rules.scoring.model import Scheme
from rules.scoring import FactsError, Judgement, ScoreSheet, score, sheet_to_dict, validate_facts
from rules.scoring.facts import check_fact_value

_SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass
class Projection:
    contract: Contract
    cycle: Cycle
    sheet: ScoreSheet
    facts: dict
    sources: dict = field(default_factory=dict)  # fact key -> "reports" | "violations" | "credit grades"
    violations_by_fact: dict = field(default_factory=dict)  # fact key -> [Violation]
    fact_meanings: dict = field(default_factory=dict)  # fact key -> the scheme's wording (Chinese part)
    findings_by_fact: dict = field(default_factory=dict)  # fact key -> [Finding] (portal/findings)
    scheme: Scheme | None = None  # the version that scores the cycle (in force on its first day)

    @property
    def leaf_lines(self) -> list:
        parents = {line.path.rsplit("/", 1)[0] for line in self.sheet.lines if "/" in line.path}
        return [line for line in self.sheet.lines if line.path not in parents]

    @property
    def scored_lines(self) -> int:
        return sum(1 for line in self.leaf_lines if not line.missing)

    @property
    def secured(self) -> Decimal:
        """The points already secured: the lines scored on the data so far (penalties taken off), nothing for
        a line still waiting for a fact."""
        return sum((line.points for line in self.leaf_lines if line.complete), Decimal(0)).quantize(Decimal("0.01"))

    @property
    def best_case(self) -> Decimal:
        """The total if every fact still missing comes out in the operator's favour: each waiting line at its
        maximum (a waiting penalty at nothing), the bonus within the scheme's cap."""
        scheme = self.scheme or cycle_scheme(self.contract, self.cycle)
        regular = sum((line.points if line.complete else (line.max or Decimal(0))
                       for line in self.leaf_lines if line.kind == "regular"), Decimal(0))
        bonus = sum((line.points if line.complete else (line.max or Decimal(0))
                     for line in self.leaf_lines if line.kind == "bonus"), Decimal(0))
        if scheme.bonus_cap is not None:
            bonus = min(bonus, scheme.bonus_cap)
        penalty = sum((line.points for line in self.leaf_lines if line.kind == "penalty" and line.complete),
                      Decimal(0))
        return max(regular + bonus + penalty, scheme.total_floor).quantize(Decimal("0.01"))

    @property
    def losses(self) -> list:
        """Each scored line below its maximum (or a penalty taken), the largest first, with the violations and
        findings behind it: what would win the points back."""
        out = []
        for line in self.leaf_lines:
            if not line.complete or line.max is None:
                continue
            lost = -line.points if line.kind == "penalty" else line.max - line.points
            if lost <= 0 or line.kind == "bonus":
                continue
            keys = list(line.inputs)
            out.append({"line": line, "lost": lost,
                        "violations": [v for k in keys for v in self.violations_by_fact.get(k, [])],
                        "findings": [f for k in keys for f in self.findings_by_fact.get(k, [])]})
        return sorted(out, key=lambda x: -x["lost"])

    @property
    def points_lost_so_far(self) -> Decimal:
        """What the lines that can be scored now have lost against their maximum, on the data so far."""
        return sum((line.max - line.points for line in self.leaf_lines
                    if not line.missing and line.max is not None and line.points < line.max), Decimal(0))


def project(contract: Contract, cycle: Cycle, rows=None) -> Projection:
    """The cycle's sheet as the data stands (portal/facts gathers what it reads, or was given its `rows`)."""
    scheme = cycle_scheme(contract, cycle)
    gathered = sheet_facts(contract, cycle, rows)
    facts = gathered.facts
    sheet = score(scheme, facts)
    meanings = {key: spec.meaning.split(" / ")[0] for key, spec in scheme.facts.items()}
    return Projection(contract, cycle, sheet, facts, gathered.sources, gathered.violations_by_fact, meanings,
                      findings_by_fact=gathered.findings_by_fact, scheme=scheme)


# -- the bureau's assessment of a cycle: entries, sign-off, freezing, locking ------------------------


def to_json(value):
    """A fact value as JSON (Decimals as strings, so nothing is lost)."""
    if isinstance(value, Judgement):
        return {"value": str(value.value), "reason": value.reason}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    return value


def open_sheet(contract: Contract, cycle: Cycle) -> AssessmentSheet:
    """The cycle's sheet, created (as a draft) the first time someone works on it."""
    sheet = sheet_of(contract, cycle)
    if sheet is None:
        sheet = AssessmentSheet(contract_id=contract.id, bureau_id=contract.bureau_id,
                                operator_id=contract.operator_id, cycle_id=cycle.id, cycle_label=cycle.label,
                                cycle_start=cycle.start, cycle_end=cycle.end)
        get_session().add(sheet)
        get_session().flush()
    return sheet


# -- the sheet: projection + what people entered -------------------------------------------------------

@dataclass
class Assessment:
    """The projected facts with the bureau's entries laid over them, scored."""

    projection: Projection
    sheet_row: AssessmentSheet | None
    facts: dict
    sources: dict
    sheet: ScoreSheet
    overridden: dict = field(default_factory=dict)  # fact key -> value the data gave before an entry replaced it

    @property
    def entries(self) -> dict:
        return self.sheet_row.entries if self.sheet_row else {}


def assess(contract: Contract, cycle: Cycle, sheet_row: AssessmentSheet | None = None, rows=None) -> Assessment:
    projection = project(contract, cycle, rows)
    scheme = projection.scheme
    facts, sources, overridden = dict(projection.facts), dict(projection.sources), {}
    for key, entry in (sheet_row.entries if sheet_row else {}).items():
        if key not in scheme.facts:
            continue  # a fact the scheme no longer declares: shown, not scored
        if key in facts:
            overridden[key] = facts[key]
        facts[key], sources[key] = entry["value"], "assessment"
    return Assessment(projection, sheet_row, facts, sources, score(scheme, facts), overridden)


NO_DEDUCTION = "无扣分"
_YES, _NO = ("yes", "是", "true", "1"), ("no", "否", "false", "0")


def is_no_deduction(spec, raw: str) -> bool:
    """A judged deduction entered as nothing to deduct: “无扣分” or an explicit 0 (rules/scoring/facts.py)."""
    raw = (raw or "").strip()
    if spec.kind != "judgement_list":
        return False
    if raw == NO_DEDUCTION:
        return True
    try:
        return Decimal(raw) == 0
    except ArithmeticError:
        return False


def parse_entry(spec, raw: str, reason: str):
    """The value typed into the sheet form, as the scheme's fact kind wants it (raises ValueError with why)."""
    raw = (raw or "").strip()
    reason = (reason or "").strip()
    if raw == "":
        raise ValueError("请填写数值 / enter a value")
    if is_no_deduction(spec, raw):  # nothing deducted: the reason is optional
        return to_json(check_fact_value(spec, [{"value": "0", "reason": reason}]))
    if not reason:
        raise ValueError("每一项录入都必须写明理由 / every entry needs a reason")
    kind = spec.kind
    if kind == "bool":
        if raw.lower() not in _YES + _NO:
            raise ValueError("请选择“是”或“否” / choose yes or no")
        value = raw.lower() in _YES
    elif kind == "judgement":
        value = {"value": raw, "reason": reason}
    elif kind == "judgement_list":
        value = []
        for n, line in enumerate(raw.splitlines(), start=1):
            if not line.strip():
                continue
            number, _, why = line.strip().partition(" ")
            if not why.strip():
                raise ValueError(f"第{n}行：写成“分值 理由”，例如“0.5 未按时更新” / line {n}: write “points reason”")
            value.append({"value": number, "reason": why.strip()})
    elif kind == "count_list":
        value = [part.strip() for part in raw.replace("，", ",").split(",") if part.strip()]
    else:
        value = raw
    try:
        return to_json(check_fact_value(spec, value))
    except (TypeError, ValueError) as exc:
        from portal.explain import fact_problem

        raise ValueError(fact_problem(exc)) from None


def _guard(sheet: AssessmentSheet, seen_revision, *states: str) -> None:
    sheet.check_revision(seen_revision)
    if sheet.state not in states:
        raise IllegalSheetChange(f"考核表当前状态为“{sheet.state_label}”，不能进行此操作 / the sheet's state does not allow this")


def save_entry(contract: Contract, sheet: AssessmentSheet, key: str, raw: str, reason: str, user,
               seen_revision) -> None:
    scheme = scheme_for(contract.scheme_id, sheet.cycle_start)  # the version scoring the sheet's cycle
    if key not in scheme.facts:
        raise ValueError("本考核方案没有这项数据 / this scheme has no such fact")
    value = parse_entry(scheme.facts[key], raw, reason)
    if not (reason or "").strip():
        reason = NO_DEDUCTION
    entries = dict(sheet.entries)
    before = entries.get(key)
    if (sheet.state == "draft" and before is not None and before.get("value") == value
            and before.get("reason") == reason.strip()):
        return  # the same entry again (Enter after a change, a double click): nothing changes, no new revision
    _guard(sheet, seen_revision, "draft")
    # "by" the account (what the audit trail names), "by_name" the person as the sheet shows the entry's author
    entries[key] = {"value": value, "reason": reason.strip(), "by": user.username, "by_name": user.display_name,
                    "at": utcnow().isoformat(timespec="seconds")}
    try:
        validate_facts(scheme, {k: e["value"] for k, e in entries.items() if k in scheme.facts})
    except FactsError as exc:  # this value above one it may not exceed (FORMAT.md not_above), or an earlier entry
        from portal.explain import fact_label, fact_problem

        words = fact_problem(exc, contract.scheme_id)
        raise ValueError(words if exc.key == key else f"{fact_label(exc.key, contract.scheme_id)}：{words}") from None
    sheet.entries = entries
    sheet.touch()
    audit.record("assessment_entry", sheet, before={"fact": key, "entry": before},
                 after={"fact": key, "entry": entries[key]}, reason=reason.strip())


def clear_entry(sheet: AssessmentSheet, key: str, reason: str, seen_revision) -> None:
    _guard(sheet, seen_revision, "draft")
    if not reason.strip():
        raise ValueError("删除录入必须写明理由 / removing an entry needs a reason")
    entries = dict(sheet.entries)
    before = entries.pop(key, None)
    if before is None:
        raise ValueError(f"no entry for {key}")
    sheet.entries = entries
    sheet.touch()
    audit.record("assessment_entry_removed", sheet, before={"fact": key, "entry": before}, after={"fact": key},
                 reason=reason.strip())


def submit_sheet(contract: Contract, cycle: Cycle, sheet: AssessmentSheet, user, seen_revision) -> Assessment:
    """The reviewer sends a complete sheet to the approver (the first of the two signatures)."""
    _guard(sheet, seen_revision, "draft")
    result = assess(contract, cycle, sheet)
    if result.sheet.missing_facts:  # rank-based lines (seed 004) wait for the cohort, not for this sheet
        from portal.explain import fact_label

        raise IllegalSheetChange("考核表尚不完整，缺少：" + "、".join(fact_label(key, contract.scheme_id)
                                                             for key in result.sheet.missing_facts)
                                 + " / the sheet is incomplete")
    sheet.state, sheet.submitted_by_id, sheet.submitted_at = "submitted", user.id, utcnow()
    sheet.touch()
    audit.record("submit_assessment", sheet, reason=f"{cycle.label} {result.sheet.total}")
    _hand_off(contract, cycle, sheet, "approver", f"submitted|{sheet.id}|{sheet.revision}",
              subject=f"【考核】{contract.number}：{cycle.label}考核表待审批（{result.sheet.total}分）",
              body=f"{user.display_name}提交了{cycle.label}（{cycle.start}至{cycle.end}）的考核表，"
                   f"总分 {result.sheet.total}，请审批。")
    return result


def _approvers_or_reviewers(contract: Contract, role: str) -> list:
    from portal.notifications.services import recipients

    return [u for u in recipients(contract, bureau_too=True) if u.bureau_id == contract.bureau_id and u.role == role]


def _hand_off(contract: Contract, cycle: Cycle, sheet: AssessmentSheet, role: str, key: str, *, subject: str,
              body: str) -> int:
    """Tell the next person in the bureau that the sheet waits for them (portal alert and mail)."""
    from flask import url_for

    from portal.notifications.services import notify

    return notify(_approvers_or_reviewers(contract, role), contract=contract, kind="assessment", dedup_key=key,
                  subject=subject, body=body,
                  link=url_for("assessment.show_sheet", contract_id=contract.id, cycle_id=cycle.id))


def consequences(contract: Contract, cycle: Cycle, result: Assessment, decision: str) -> dict:
    """What a decision does, for the confirmation step to state: the figures, what is locked, who is told."""
    told = (_approvers_or_reviewers(contract, "approver") if decision == "submit"
            else _approvers_or_reviewers_operator(contract))
    return {"total": result.sheet.total, "passed": result.sheet.passed,
            "payment_ratio": result.sheet.payment_ratio, "told": [u.display_name for u in told],
            "start": cycle.start, "end": cycle.end, "label": cycle.label}


def _approvers_or_reviewers_operator(contract: Contract) -> list:
    from portal.notifications.services import recipients

    return recipients(contract, bureau_too=False)


def return_sheet(contract: Contract, cycle: Cycle, sheet: AssessmentSheet, user, reason: str,
                 seen_revision) -> None:
    """The approver sends the sheet back to the reviewer, with a reason."""
    _guard(sheet, seen_revision, "submitted")
    if not reason.strip():
        raise ValueError("退回必须写明理由 / returning needs a reason")
    before = audit.snapshot(sheet)
    sheet.state = "draft"
    sheet.touch()
    audit.record("return_assessment", sheet, before=before, reason=reason.strip())
    _hand_off(contract, cycle, sheet, "reviewer", f"returned|{sheet.id}|{sheet.revision}",
              subject=f"【考核】{contract.number}：{cycle.label}考核表被退回",
              body=f"审批人退回了{cycle.label}的考核表，理由：{reason.strip()}。请修改后重新提交。")


def approve_sheet(contract: Contract, cycle: Cycle, sheet: AssessmentSheet, user, seen_revision,
                  note: str = "") -> SheetApproval:
    """The approver's signature: freeze scheme version, inputs and figures; lock the cycle's data."""
    _guard(sheet, seen_revision, "submitted")
    if sheet.submitted_by_id == user.id:
        raise IllegalSheetChange("提交人不能审批自己提交的考核表 / the reviewer who submitted cannot approve")
    result = assess(contract, cycle, sheet)
    if result.sheet.missing_facts:
        raise IllegalSheetChange("考核表尚不完整 / the sheet is incomplete")
    number = len(approvals_of(sheet)) + 1
    approval = SheetApproval(
        sheet_id=sheet.id, number=number, contract_id=contract.id, bureau_id=contract.bureau_id,
        operator_id=contract.operator_id, cycle_id=cycle.id, scheme_id=result.sheet.scheme_id,
        scheme_version=result.sheet.scheme_version, scheme_sha256=result.sheet.scheme_sha256,
        facts=to_json(result.facts), sources=dict(result.sources), figures=sheet_to_dict(result.sheet),
        total=result.sheet.total, passed=result.sheet.passed, payment_ratio=result.sheet.payment_ratio,
        submitted_by_id=sheet.submitted_by_id, approved_by_id=user.id, note=note.strip())
    session = get_session()
    session.add(approval)
    before = audit.snapshot(sheet)
    sheet.state = "approved"
    sheet.reopen_reason = ""
    sheet.touch()
    session.flush()
    audit.record("approve_assessment", approval, reason=f"{cycle.label} 第{number}次审批 总分 {approval.total}"
                 + (f"；{note.strip()}" if note.strip() else ""))
    audit.record("lock_cycle", sheet, before=before, reason=f"{cycle.label} {cycle.start}–{cycle.end}")
    _notify_approved(contract, cycle, approval)
    return approval


def reopen_sheet(sheet: AssessmentSheet, user, reason: str, seen_revision) -> None:
    """Unlock an approved cycle for correction; the approval stays in the history, the next one is new."""
    _guard(sheet, seen_revision, "approved")
    if not reason.strip():
        raise ValueError("重新开启必须写明理由 / reopening needs a reason")
    before = audit.snapshot(sheet)
    sheet.state, sheet.reopen_reason = "draft", reason.strip()
    sheet.touch()
    audit.record("reopen_assessment", sheet, before=before, reason=reason.strip())


# a figure of the frozen sheet (rules.scoring.sheet_to_dict) by what a reader calls it: the approval page says which
# figures a recomputation no longer gives (the explanations and steps of one figure are its 计算过程)
_FIGURE_WORDS = (
    (("total", "total_exact"), N_("总分")), (("regular_total",), N_("基本分")), (("bonus_total",), N_("加分")),
    (("penalty_total",), N_("扣分")), (("items",), N_("各项得分")), (("complete", "missing_facts"), N_("是否完整")),
    (("passed",), N_("是否合格")), (("vetoes", "disqualified", "terminated"), N_("否决项")),
    (("payment_ratio", "payment_band"), N_("付款比例")), (("subsidy",), N_("补贴")),
    (("rank", "grade"), N_("名次和等次")), (("scheme", "scheme_version", "scheme_sha256"), N_("考核方案版本")),
)


def figure_words(keys: list[str]) -> list[str]:
    """Figures of a frozen sheet by their names, each once, in the order of _FIGURE_WORDS; what is neither a figure
    named above nor its explanation is "其他数据"."""
    from flask_babel import gettext as _

    words = [_(word) for names, word in _FIGURE_WORDS if any(k in names for k in keys)]
    named = {k for names, _word in _FIGURE_WORDS for k in names}
    rest = [k for k in keys if k not in named]
    if any(k.endswith(("_explanation", "_steps")) or k == "derivations" for k in rest):
        words.append(_("计算过程"))
    if any(not (k.endswith(("_explanation", "_steps")) or k in ("derivations", "participant")) for k in rest):
        words.append(_("其他数据"))
    return words


def recompute(approval: SheetApproval) -> tuple[dict, list[str]]:
    """Score the frozen inputs again under the exact version the approval froze (found by its sha256); return
    the figures and what differs (nothing, ever: the version is immutable), in the reader's words."""
    from flask_babel import gettext as _

    from portal.explain import fact_label, fact_problem

    scheme = approval_scheme(approval)
    differences = []
    if scheme.sha256 != approval.scheme_sha256:
        differences.append(_("考核方案文件自审批后已改变"))
    try:
        figures = sheet_to_dict(score(scheme, dict(approval.facts)))
    except FactsError as exc:
        return {}, differences + [_("“%(fact)s”%(problem)s", fact=fact_label(exc.key, approval.scheme_id),
                                    problem=fact_problem(exc, approval.scheme_id))]
    changed = [key for key in sorted(set(figures) | set(approval.figures))
               if figures.get(key) != approval.figures.get(key)]
    return figures, differences + figure_words(changed)


def _notify_approved(contract: Contract, cycle: Cycle, approval: SheetApproval) -> None:
    from flask import url_for

    from portal.notifications.services import notify, recipients

    result = {True: "合格", False: "不合格", None: "—"}[approval.passed]
    notify(recipients(contract, bureau_too=False), contract=contract, kind="assessment",
           dedup_key=f"approved|{approval.id}",
           subject=f"【考核】{contract.number}：{cycle.label}考核结果 {approval.total} 分（{result}）",
           body=(f"{cycle.label}（{cycle.start}至{cycle.end}）的考核已审批：总分 {approval.total}，{result}。"
                 f"该周期数据已锁定。 / The assessment was approved: total {approval.total}; the cycle's data is locked."),
           link=url_for("assessment.show_approval", approval_id=approval.id))


def example_entry(spec) -> str:
    """A scheme fact's own example value, typed as a reviewer types it into the sheet form (parse_entry's
    input): the demo data and the tests fill sheets with it."""
    if spec.kind == "bool":
        return "yes" if spec.example else "no"
    if spec.kind == "judgement_list":
        return "\n".join(f"{e['value']} {e['reason']}" for e in spec.example)
    if spec.kind == "judgement":
        return str(spec.example["value"] if isinstance(spec.example, dict) else spec.example)
    if spec.kind == "count_list":
        return ",".join(str(v) for v in spec.example)
    return str(spec.example)


# -- the sheet as a data-entry form: the scheme's categories are its sections (STYLE.md, DHIS2) -----------

_CHOICE_FALLBACK = {"not_applicable": N_("不适用"), "not_due": N_("本周期未到期"), "none": N_("无"), "first": N_("第一名"),
                    "second": N_("第二名"), "other": N_("其他"), "A": N_("A级"), "B": N_("B级"), "C": N_("C级"),
                    "D": N_("D级")}


def _translated(text: str) -> str:
    """Through the catalog inside a request (a page), as written outside one (the CLI, a task)."""
    from flask import has_request_context
    from flask_babel import gettext

    return gettext(text) if has_request_context() else text


def choice_labels(spec) -> list[tuple[str, str]]:
    """Each choice of a fact with the words the scheme gives it (“not_due = 本周期不含12月20日”)."""
    import re

    out = []
    for choice in spec.choices:
        found = re.search(rf"(?<![A-Za-z_]){re.escape(choice)}(?![A-Za-z_])\s*=?\s*([^；;，,/（）()A-Za-z_]+)",
                          spec.meaning)
        if found and found.group(1).strip():
            label = found.group(1).strip()  # the scheme's own words
        else:
            label = _translated(_CHOICE_FALLBACK[choice]) if choice in _CHOICE_FALLBACK else choice
        out.append((choice, label))
    return out


def entry_text(spec, value) -> str:
    """A stored entry value as the form shows it again (parse_entry's input)."""
    if value is None:
        return ""
    if spec.kind == "bool":
        return "yes" if value else "no"
    if spec.kind == "judgement":
        return str(value["value"]) if isinstance(value, dict) else str(value)
    if spec.kind == "judgement_list":
        if not value:
            return NO_DEDUCTION
        return "\n".join(f"{v['value']} {v['reason']}" for v in value)
    if spec.kind == "count_list":
        return ",".join(str(v) for v in value)
    return str(value)


@dataclass
class FactField:
    key: str
    spec: object
    label: str
    entry: dict | None
    data_value: object  # what the operator's data gave (None when the data says nothing)
    source: str  # where the shown value came from: "assessment", "reports", "violations", … or ""
    missing: bool
    violations: list = field(default_factory=list)
    findings: list = field(default_factory=list)

    @property
    def text(self) -> str:
        return entry_text(self.spec, self.entry["value"]) if self.entry else ""

    @property
    def no_deduction(self) -> bool:
        return bool(self.entry) and self.spec.kind == "judgement_list" and not self.entry["value"]

    @property
    def choices(self) -> list[tuple[str, str]]:
        return choice_labels(self.spec)

    @property
    def bounds(self) -> tuple:
        spec = self.spec
        lo, hi = spec.min, spec.max
        if spec.kind == "percent":
            lo, hi = (0 if lo is None else lo), (100 if hi is None else hi)
        if spec.kind == "count" and lo is None:
            lo = 0
        return lo, hi


@dataclass
class Section:
    id: str
    title: str
    fields: list

    @property
    def missing(self) -> int:
        return sum(1 for f in self.fields if f.missing)


def _fact_keys(scheme, key: str, seen=None) -> list[str]:
    """The declared facts behind a key (a derived fact expands into its arguments)."""
    seen = set() if seen is None else seen
    if key in seen:
        return []
    seen.add(key)
    if key in scheme.facts:
        return [key]
    derived = scheme.derived.get(key)
    out = []
    for arg in (derived.args if derived else ()):
        if isinstance(arg, str):
            out += _fact_keys(scheme, arg, seen)
    return out


def sections(result: Assessment) -> list[Section]:
    """Every fact of the scheme under the first category that reads it; vetoes and unread facts last."""
    from portal.explain import fact_label
    from rules.scoring.engine import _condition_keys, _method_keys

    scheme = result.projection.scheme
    missing = set(result.sheet.missing_facts)
    placed: dict[str, str] = {}
    groups: list[tuple[str, str]] = []
    for category in scheme.categories:
        groups.append((category.id, category.title))
        stack = [category]
        while stack:
            node = stack.pop(0)
            keys = set(_condition_keys(node.requires))
            if node.is_leaf:
                keys |= _method_keys(node)
            for key in sorted(keys):
                for fact in _fact_keys(scheme, key):
                    placed.setdefault(fact, category.id)
            stack.extend(node.children)
    for veto in scheme.vetoes:
        for key in _condition_keys(veto.when):
            for fact in _fact_keys(scheme, key):
                placed.setdefault(fact, "_vetoes")
    groups += [("_vetoes", "一票否决"), ("_other", "其他事实")]
    fields: dict[str, list] = {gid: [] for gid, _ in groups}
    projection, entries = result.projection, result.entries
    for key, spec in scheme.facts.items():
        fields[placed.get(key, "_other")].append(FactField(
            key=key, spec=spec, label=fact_label(key, scheme), entry=entries.get(key),
            data_value=projection.facts.get(key), source=result.sources.get(key, ""),
            missing=key in missing and key not in entries,
            violations=projection.violations_by_fact.get(key, []),
            findings=projection.findings_by_fact.get(key, [])))
    return [Section(gid, title, fields[gid]) for gid, title in groups if fields[gid]]


# -- a dry run: the approved sheets recomputed under another version of their scheme, nothing written --------

@dataclass
class DryRunRow:
    contract: Contract
    sheet: AssessmentSheet
    approval: SheetApproval
    before: dict  # total, passed, band, payment_ratio, amount (of the stage the cycle pays), as the approval froze them
    after: dict  # the same under the version tried; "missing": facts the new version needs that were never given
    error: str = ""  # the fact the version tried refuses in the frozen facts

    @property
    def changed(self) -> bool:
        return bool(self.error) or any(self.before.get(k) != self.after.get(k) for k in DRY_RUN_FIGURES)


DRY_RUN_FIGURES = ("total", "passed", "band", "payment_ratio", "amount")


def _figures(scheme, sheet: ScoreSheet, contract: Contract, cycle_id: str) -> dict:
    from rules.scoring.summary import band_label

    amount = None
    if scheme.payment is not None and sheet.complete:
        stages = [s.id for s in scheme.payment.stages if (s.cycle or scheme.cycles[-1].id) == cycle_id]
        amount = sum((sheet.payment_due(contract.value, s) for s in stages), Decimal(0)) if stages else None
    return {"total": sheet.total.quantize(Decimal("0.01")) if sheet.complete else None, "passed": sheet.passed,
            "band": band_label(scheme, sheet), "payment_ratio": sheet.payment_ratio if sheet.complete else None,
            "amount": amount, "missing": list(sheet.missing_facts)}


def dry_run(version, scheme, contracts_query) -> list[DryRunRow]:
    """Every approved sheet (its approval in force) of the contracts `contracts_query` selects under the
    version's scheme id whose cycle would fall under `version` (it starts on or after the version's day and
    before the next published version's), scored again from its frozen facts with `scheme`: what the total,
    band, payment ratio and stage amount would become. Reads only; a few queries whatever the number."""
    from portal.schemes.services import next_version_day

    session = get_session()
    contracts = {c.id: c for c in session.exec(contracts_query.where(Contract.scheme_id == version.scheme_id))}
    if not contracts:
        return []
    until = next_version_day(version)
    query = select(AssessmentSheet).where(AssessmentSheet.contract_id.in_(list(contracts)),
                                          AssessmentSheet.state == "approved",
                                          AssessmentSheet.cycle_start >= version.effective_from)
    if until is not None:
        query = query.where(AssessmentSheet.cycle_start < until)
    sheets = {s.id: s for s in session.exec(query.order_by(AssessmentSheet.cycle_start, AssessmentSheet.id))}
    approvals: dict[int, SheetApproval] = {}
    if sheets:
        for a in session.exec(select(SheetApproval).where(SheetApproval.sheet_id.in_(list(sheets)))
                              .order_by(SheetApproval.number)):
            approvals[a.sheet_id] = a  # the highest number: the approval in force
    rows = []
    for sheet_id, sheet in sheets.items():
        approval = approvals.get(sheet_id)
        if approval is None:
            continue
        contract = contracts[sheet.contract_id]
        frozen = approval_scheme(approval)
        before = _figures(frozen, score(frozen, dict(approval.facts)), contract, sheet.cycle_id)
        try:
            after = _figures(scheme, score(scheme, dict(approval.facts)), contract, sheet.cycle_id)
            error = ""
        except FactsError as exc:  # the frozen facts do not fit the version tried: the fact it names
            after, error = {}, exc.key or "—"
        rows.append(DryRunRow(contract, sheet, approval, before, after, error))
    return rows
