"""Scheme files: one TOML file per scheme version in this directory (format: FORMAT.md)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from rules.scoring.loader import build_scheme, load_scheme_file
from rules.scoring.model import Scheme, SchemeError

SCHEME_DIR = Path(__file__).resolve().parent

__all__ = ["SCHEME_DIR", "Scheme", "SchemeError", "all_schemes", "build_scheme", "load_scheme",
           "load_scheme_file", "scheme_ids"]


def scheme_ids() -> list[str]:
    return sorted(p.stem for p in SCHEME_DIR.glob("*.toml"))


@lru_cache(maxsize=None)
def load_scheme(scheme_id: str) -> Scheme:
    """Load and validate rules/schemes/<scheme_id>.toml (cached: schemes are immutable)."""
    path = SCHEME_DIR / f"{scheme_id}.toml"
    if not path.is_file():
        raise SchemeError(f"{scheme_id}.toml", "", f"no such scheme; known: {', '.join(scheme_ids()) or 'none'}")
    return load_scheme_file(path)


def all_schemes() -> list[Scheme]:
    return [load_scheme(i) for i in scheme_ids()]
