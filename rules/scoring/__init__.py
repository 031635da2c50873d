"""The scoring engine: pure functions over a loaded scheme and a dict of facts.

    from rules.schemes import load_scheme
    from rules.scoring import score, score_cohort, render_sheet, sheet_to_dict

    sheet = score(load_scheme("qianxi-2022"), facts)
"""
from rules.scoring.engine import (
    CohortResult,
    Line,
    RankInfo,
    ScoreSheet,
    VetoHit,
    competition_ranks,
    score,
    score_cohort,
)
from rules.scoring.facts import Judgement, validate_facts
from rules.scoring.model import FACT_PROBLEMS, FactsError, FactValueError, Scheme, SchemeError
from rules.scoring.render import cohort_to_dict, render_cohort, render_sheet, sheet_to_dict

__all__ = [
    "CohortResult", "FACT_PROBLEMS", "FactValueError", "FactsError", "Judgement", "Line", "RankInfo", "Scheme",
    "SchemeError", "ScoreSheet",
    "VetoHit", "cohort_to_dict", "competition_ranks", "render_cohort", "render_sheet", "score", "score_cohort",
    "sheet_to_dict", "validate_facts",
]
