"""python -m rules.schemes [file.toml ...]: validate scheme files and print a summary of each."""
from __future__ import annotations

import sys
from pathlib import Path

from rules.schemes import SCHEME_DIR
from rules.scoring.loader import load_scheme_file
from rules.scoring.model import SchemeError


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted(SCHEME_DIR.glob("*.toml"))
    failed = 0
    for path in paths:
        try:
            scheme = load_scheme_file(path)
        except SchemeError as exc:
            failed += 1
            print(f"INVALID {exc}")
            continue
        leaves = scheme.leaves()
        print(f"ok      {scheme.version}: {len(scheme.categories)} categories, {len(leaves)} scored lines, "
              f"{len(scheme.facts)} facts, max {scheme.regular_max()}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
