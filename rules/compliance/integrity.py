"""Integrity: one resident ID claimed as a delivered worker twice in a period (seed 001 第八条（四）).

Claims are this contract's delivered workers plus ``other_claims`` — the claims other operators and
stations made for the same bureau and period — so a double claim is found whichever side runs.
"""
from __future__ import annotations

from durable.lang import c, m, ruleset

from rules.identifiers import mask_resident_id, normalise_resident_id

from .engine import Evaluation, InvalidFacts, end_of_input, rule, schemes_condition
from .facts import Input, require
from .model import Clause, Consequence, Kind, Penalty, Remedy, RuleMeta, Severity

RULESET = "kaohe_integrity"

DUPLICATE_WORKER_CLAIM = RuleMeta(
    id="integrity.duplicate_worker_claim", ruleset=RULESET,
    remedy=Remedy("核实该人员实际由哪个站点输送，撤回重复申报并向人社局书面说明",
                  "Establish which station really delivered the worker, withdraw the duplicate claim and explain it to the bureau in writing"),
    clause=Clause(seed="001", item="金东人社〔2021〕14号 第八条（四）",
                  text="弄虚作假、虚报冒领补贴的，由区人社局取消劳务协作工作站资格并予以公布，2年内不得重新申报。"),
    message_zh="身份证号{masked_id}在{period}被{owners}同时申报为输送劳动力，疑似虚报冒领，请核查",
    message_en="Resident ID {masked_id} is claimed as a delivered worker in {period} by {owners}: possible false claim, "
               "review required",
    schemes=("jindong-2021",), scheme_item="extra/qualification", scheme_fact="", scheme_item_label="取消资格 / 弄虚作假、虚报冒领",
    penalty=Penalty(consequence=Consequence.REVIEW), severity=Severity.SERIOUS, kind=Kind.REVIEW,
)

with ruleset(RULESET):
    end_of_input(RULESET)

    @rule(DUPLICATE_WORKER_CLAIM,
          c.mine << ((m.t == "claim") & (m.local == True) & schemes_condition(DUPLICATE_WORKER_CLAIM)),
          c.other << ((m.t == "claim") & (m.resident_id == c.mine.resident_id) & (m.period == c.mine.period)
                      & (m.owner != c.mine.owner)))
    def duplicate_claim(act, ev: Evaluation):
        a, b = act.mine, act.other
        pair = sorted([(a.owner, a.claim), (b.owner, b.claim)])
        ev.emit(
            DUPLICATE_WORKER_CLAIM,
            subject={"contract": a.contract, "period": a.period},
            key=[f"{owner}#{claim}" for owner, claim in pair],  # the same pair found from either side
            evidence={"resident_id": a.masked_id,
                      "claims": [{"claim": x.claim, "operator": x.operator, "station": x.station,
                                  "contract": x.claim_contract} for x in sorted((a, b), key=lambda x: (x.owner, x.claim))]},
            details={"masked_id": a.masked_id, "owners": " / ".join(owner for owner, _ in pair)},
        )


def prepare(inp: Input) -> list[dict]:
    facts = []

    def claim(row, local: bool, where: str) -> dict:
        rid = normalise_resident_id(require(row, "resident_id", where))
        period = row.get("period") or inp.period
        if not period:
            raise InvalidFacts(f"{where}: period is required (or give a top-level period)")
        operator = str(inp.operator_id if local else require(row, "operator", where))
        station = str(row.get("station") or "")
        fact = inp.base("claim", f"{'local' if local else 'other'}:{row['id']}")
        fact.update(claim=str(row["id"]), resident_id=rid, masked_id=mask_resident_id(rid), period=str(period),
                    operator=operator, station=station, owner=f"{operator}/{station}" if station else operator, local=local,
                    claim_contract=str(inp.contract_id if local else row.get("contract") or ""))
        return fact

    for row in inp.rows("workers"):
        facts.append(claim(row, True, f"workers[{row['id']}]"))
    if not facts:
        return []  # nothing of ours to compare
    for row in inp.rows("other_claims"):
        facts.append(claim(row, False, f"other_claims[{row['id']}]"))
    return facts
