"""rules/ is law-as-code: it imports nothing from portal/, Flask or the database layer."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

RULES = Path(__file__).resolve().parents[2] / "rules"
FORBIDDEN = ("portal", "flask", "flask_", "sqlmodel", "sqlalchemy", "alembic", "psycopg2", "werkzeug", "jinja2")


def _imported_modules(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def test_no_source_file_in_rules_imports_the_web_or_database_layer():
    files = list(RULES.rglob("*.py"))
    assert len(files) > 3
    offending = [
        f"{f.relative_to(RULES.parent)}: {m}"
        for f in files for m in _imported_modules(f)
        if m.split(".")[0] in FORBIDDEN or m.startswith("flask_")
    ]
    assert offending == []


def test_importing_every_rules_module_loads_none_of_them():
    """In a fresh interpreter, import every module under rules/ and look at what got loaded."""
    modules = sorted(
        ".".join(p.relative_to(RULES.parent).with_suffix("").parts).removesuffix(".__init__")
        for p in RULES.rglob("*.py") if p.name != "__main__.py"
    )
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"bad = sorted(n for n in sys.modules if n.split('.')[0] in {FORBIDDEN!r} or n.startswith('flask_'))\n"
        "print('\\n'.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=RULES.parent, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
