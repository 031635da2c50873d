"""The CLI's outputs pinned whole (OpenFisca-style "situation → expected output" files): a sheet and a cohort as
text and as JSON, so a changed key, a lost figure or a misaligned column is seen. The golden files were read
line by line against the scheme when written; after a deliberate change, regenerate them with
`python -m tests.rules.scoring.test_render_golden` and read the diff before committing it."""
from __future__ import annotations

import json
from pathlib import Path

from rules.schemes import load_scheme
from rules.scoring import cohort_to_dict, render_cohort, render_sheet, score, score_cohort, sheet_to_dict
from tests.rules.schemes.test_ningming_2024_lot2 import MINUS_10, perfect

GOLDEN = Path(__file__).parent / "golden"


def _sheet():
    """seed 002 标项二 at 85 points: the 80–89.99 band pays 90% (as test_ningming_2024_lot2)."""
    return score(load_scheme("ningming-2024-lot2"), perfect(**MINUS_10, months_demand_not_updated=10))


def _cohort():
    """seed 004 吴江: two participants, one with more labour bases ranked first (rank-based lines and grades)."""
    scheme = load_scheme("wujiang-2022")
    facts = {key: spec.example for key, spec in scheme.facts.items()}
    return score_cohort(scheme, {"a": facts, "b": dict(facts, labour_bases=6)})


def _outputs() -> dict[str, str]:
    return {
        "ningming-85.txt": render_sheet(_sheet()) + "\n",
        "ningming-85.json": json.dumps(sheet_to_dict(_sheet()), ensure_ascii=False, indent=1) + "\n",
        "wujiang-cohort.txt": render_cohort(_cohort()) + "\n",
        "wujiang-cohort.json": json.dumps(cohort_to_dict(_cohort()), ensure_ascii=False, indent=1) + "\n",
    }


def test_the_outputs_are_the_golden_files():
    for name, text in _outputs().items():
        assert text == (GOLDEN / name).read_text(encoding="utf-8"), name


if __name__ == "__main__":
    for name, text in _outputs().items():
        (GOLDEN / name).write_text(text, encoding="utf-8")
