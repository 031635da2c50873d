"""`python -m rules.schemes [file ...]` (rules/schemes/FORMAT.md): validates scheme files, one line each, and
fails when one is invalid — the check a policy officer runs after editing a scheme."""
from __future__ import annotations

from rules.schemes.__main__ import main

SUMMARY = """\
ok      jindong-2021 (金东人社〔2021〕14号, effective 2021-01-01): 4 categories, 14 scored lines, 18 facts, max 100
ok      ningming-2024-lot2 (no document number, effective 2024-01-01): 9 categories, 34 scored lines, 45 facts, max 100
ok      pingxiang-2024-lot1 (no document number, effective 2024-01-01): 9 categories, 35 scored lines, 47 facts, max 100
ok      qianxi-2022 (no document number, effective 2022-01-01): 4 categories, 15 scored lines, 18 facts, max 100
ok      wujiang-2022 (吴人社就〔2022〕15号, effective 2022-09-01): 5 categories, 17 scored lines, 21 facts, max 100
ok      xingan (no document number, effective 2024-01-01): 3 categories, 17 scored lines, 20 facts, max 100
"""


def test_every_scheme_of_the_documents_is_valid_and_summarised(capsys):
    assert main([]) == 0
    assert capsys.readouterr().out == SUMMARY


def test_an_invalid_file_is_named_and_fails_the_run(tmp_path, capsys):
    from rules.schemes import SCHEME_DIR

    broken = tmp_path / "broken.toml"
    broken.write_text('[scheme]\nid = "broken"\n', encoding="utf-8")
    assert main([str(broken), str(SCHEME_DIR / "xingan.toml")]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("INVALID ") and "broken.toml" in out[0]
    assert out[1] == SUMMARY.splitlines()[-1]
