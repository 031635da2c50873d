"""Value types of the compliance layer: rule metadata, penalties and findings.

Everything here is plain data (no engine), so the portal can store and show it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Mapping


class Consequence:
    """What a finding does beyond (or instead of) taking points off."""

    VETO = "veto"  # 一票否决: the year's assessment fails whatever the score
    FAIL = "fail"  # 当年度考核等次列为不合格
    DISQUALIFY = "disqualify"  # 取消运营单位资格
    RECTIFICATION = "rectification"  # 限期整改
    TERMINATION_PROPOSED = "termination_proposed"  # 采购人有权单方解除合同 (the bureau decides)
    CANCEL_QUALIFICATION = "cancel_qualification"  # 取消工作站资格, with a ban on re-applying
    REVIEW = "review"  # flagged for a person to look at (possible 虚报冒领)
    NOT_COUNTED = "not_counted"  # a delivered worker who does not count (seed 001 第一条)

    ALL = (VETO, FAIL, DISQUALIFY, RECTIFICATION, TERMINATION_PROPOSED, CANCEL_QUALIFICATION, REVIEW, NOT_COUNTED)


class Severity:
    INFO = "info"  # a determination; nobody needs to act
    NOTICE = "notice"  # the operator is alerted
    SERIOUS = "serious"  # the operator is alerted and the bureau must be notified too

    ALL = (INFO, NOTICE, SERIOUS)


class Kind:
    VIOLATION = "violation"  # points deducted
    CONSEQUENCE = "consequence"  # veto, fail, rectification, termination, cancellation
    DETERMINATION = "determination"  # a derived fact (e.g. a worker does not count)
    REVIEW = "review"  # a suspicion for a person to check
    TALLY = "tally"  # a counting rule: feeds a running total, yields no finding itself
    DERIVED = "derived"  # derives a fact other rules and the score use, yields no finding itself

    ALL = (VIOLATION, CONSEQUENCE, DETERMINATION, REVIEW, TALLY, DERIVED)
    SILENT = (TALLY, DERIVED)


# Scheme ids the rules feed. One id per scheme version; the seed file is the source document.
SCHEMES: dict[str, dict[str, str]] = {
    "qianxi-2022": {"seed": "000", "bureau": "黔西市人社局", "document": "黔西市劳务协作工作站考核实施细则（2022年度）附件2 评分细则"},
    "jindong-2021": {"seed": "001", "bureau": "金华市金东区人社局", "document": "金东人社〔2021〕14号 附件3 评估表"},
    "pingxiang-2024-lot1": {"seed": "002", "bureau": "凭祥市人社局", "document": "标项一 服务项目质量标准表（试行）"},
    "ningming-2024-lot2": {"seed": "002", "bureau": "宁明县人社局", "document": "标项二 服务项目质量标准表（试行）"},
    "xingan": {"seed": "003", "bureau": "新干县", "document": "考核细则表"},
    "wujiang-2022": {"seed": "004", "bureau": "苏州市吴江区人社局", "document": "吴人社就〔2022〕15号"},
}


@dataclass(frozen=True)
class Penalty:
    """The effect of one finding on the score sheet.

    ``points`` is the number of points taken off (a positive Decimal). With ``per_occurrence``
    the points add up over findings of the same rule; without it the scheme item's points are lost
    once however many findings there are (未按时提供信息不得分). The scoring engine applies the
    sub-item floor (扣完为止).
    """

    points: Decimal | None = None
    per_occurrence: bool = True
    consequence: str | None = None
    ban_years: int | None = None
    due: date | None = None

    def __post_init__(self) -> None:
        if self.points is not None and not isinstance(self.points, Decimal):
            raise TypeError("Penalty.points must be a Decimal")
        if self.consequence is not None and self.consequence not in Consequence.ALL:
            raise ValueError(f"unknown consequence {self.consequence!r}")

    def describe(self) -> str:
        parts = []
        if self.points is not None:
            parts.append(f"−{self.points}" + ("" if self.per_occurrence else " (item lost once)"))
        if self.consequence:
            parts.append(self.consequence)
        if self.ban_years:
            parts.append(f"{self.ban_years}-year ban")
        if self.due:
            parts.append(f"due {self.due.isoformat()}")
        return ", ".join(parts) or "none"

    def to_dict(self) -> dict[str, Any]:
        return {
            "points": None if self.points is None else str(self.points),
            "per_occurrence": self.per_occurrence,
            "consequence": self.consequence,
            "ban_years": self.ban_years,
            "due": None if self.due is None else self.due.isoformat(),
        }


@dataclass(frozen=True)
class Clause:
    seed: str  # "000".."004": the seed file
    item: str  # where in the document, e.g. "附件2 基础建设 / 有专职人员负责协作站日常工作"
    text: str  # the clause quoted in Chinese

    def cite(self) -> str:
        """As a civil servant cites it: the document (by its number where it has one), then the item."""
        title, number = DOCUMENTS[self.seed]
        item = self.item
        if number and item.startswith(number):
            item = item[len(number):].strip()
        head = f"{number}《{title}》" if number else f"《{title}》"
        return f"{head}{item}"


# The source document of each seed file: (title, document number or "").
DOCUMENTS: dict[str, tuple[str, str]] = {
    "000": ("黔西市驻浙江省、福建省劳务协作工作站开展就业服务工作的考核实施细则", ""),
    "001": ("金东区省外劳务协作工作站设立与管理办法（试行）", "金东人社〔2021〕14号"),
    "002": ("凭祥产业园就业服务站及城区、镇就业服务站建设项目采购文件", ""),
    "003": ("新干县县乡村三级就业之家运营服务外包项目", ""),
    "004": ("2022年“乐业吴江”就业协作联盟运营单位绩效考核细则", "吴人社就〔2022〕15号"),
}


@dataclass(frozen=True)
class Remedy:
    """What the operator must do about a finding: win the points back, or stop it happening again."""

    zh: str
    en: str

    def to_dict(self) -> dict[str, str]:
        return {"zh": self.zh, "en": self.en}


@dataclass(frozen=True)
class RuleMeta:
    id: str
    ruleset: str
    clause: Clause
    message_zh: str  # template; placeholders are filled from the finding's details
    message_en: str
    schemes: tuple[str, ...]
    scheme_item: str  # "<category>/<item>" (or "vetoes/<id>", "extra/<id>") as in rules/schemes/<scheme>.toml
    scheme_item_label: str
    scheme_fact: str  # the scheme fact the findings feed (a count of findings, or a flag); "" if none
    penalty: Penalty | None
    severity: str
    kind: str
    remedy: Remedy | None = None  # every rule has one (tests/rules/compliance/test_compliance_remedies.py)
    # a deadline rule's day of the month (its source document's); a scheme's [[compliance]] may set its own
    due_day: int | None = None

    def __post_init__(self) -> None:
        if self.severity not in Severity.ALL:
            raise ValueError(f"{self.id}: unknown severity {self.severity!r}")
        if self.kind not in Kind.ALL:
            raise ValueError(f"{self.id}: unknown kind {self.kind!r}")
        unknown = [s for s in self.schemes if s not in SCHEMES]
        if unknown:
            raise ValueError(f"{self.id}: unknown schemes {unknown}")
        if self.kind not in Kind.SILENT and (self.penalty is None or (self.penalty.points is None and not self.penalty.consequence)):
            raise ValueError(f"{self.id}: every rule needs a penalty or a consequence")

    @property
    def notify_bureau(self) -> bool:
        return self.severity == Severity.SERIOUS

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "ruleset": self.ruleset,
            "kind": self.kind,
            "clause": {"seed": self.clause.seed, "item": self.clause.item, "text": self.clause.text},
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "schemes": list(self.schemes),
            "scheme_item": self.scheme_item,
            "scheme_item_label": self.scheme_item_label,
            "scheme_fact": self.scheme_fact,
            "penalty": None if self.penalty is None else self.penalty.to_dict(),
            "penalty_text": "none" if self.penalty is None else self.penalty.describe(),
            "severity": self.severity,
            "notify_bureau": self.notify_bureau,
            "remedy": None if self.remedy is None else self.remedy.to_dict(),
            "due_day": self.due_day,
        }


@dataclass(frozen=True)
class Finding:
    rule_id: str
    kind: str
    scheme: str
    scheme_item: str
    scheme_fact: str
    clause: str  # "seed 002 项目质量标准表 9 考评办法3"
    subject: Mapping[str, str]  # contract / operator / station / worker / staff / period ids
    evidence: Mapping[str, Any]  # fact ids, rows, dates, timestamps — JSON-serialisable
    penalty: Penalty
    severity: str
    message_zh: str
    message_en: str
    dedup_key: str

    @property
    def notify_bureau(self) -> bool:
        return self.severity == Severity.SERIOUS

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "kind": self.kind,
            "scheme": self.scheme,
            "scheme_item": self.scheme_item,
            "scheme_fact": self.scheme_fact,
            "clause": self.clause,
            "subject": dict(self.subject),
            "evidence": json.loads(json.dumps(self.evidence, ensure_ascii=False, sort_keys=True, default=str)),
            "penalty": self.penalty.to_dict(),
            "severity": self.severity,
            "notify_bureau": self.notify_bureau,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "dedup_key": self.dedup_key,
        }


@dataclass(frozen=True)
class WorkerStatus:
    """Whether a delivered worker counts (seed 001 第一条), and why not."""

    worker: str
    counted: bool
    reasons: tuple[str, ...] = ()  # rule ids that excluded the worker


class Findings(list):
    """The list of findings from one evaluation, with the derived per-worker status attached.

    ``workers`` maps every delivered worker's id to a WorkerStatus (counted or not, and why);
    the scoring engine counts delivered workers from it.
    """

    def __init__(self, findings=(), workers: Mapping[str, WorkerStatus] | None = None):
        super().__init__(findings)
        self.workers: dict[str, WorkerStatus] = dict(workers or {})

    @property
    def counted_workers(self) -> list[str]:
        return sorted(w for w, st in self.workers.items() if st.counted)

