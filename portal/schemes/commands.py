"""`flask schemes …` and `flask score …`: the scheme commands a bureau's IT person scripts.

    flask --app portal schemes                          list the schemes
    flask --app portal schemes ID [--facts] [--json]    one scheme; its facts: kind, unit, range, choices, example
    flask --app portal schemes check FILE [--lang en]   the problems of a scheme file, "第N行：…"; exit 1 if any
    flask --app portal schemes test FILE CASES          run a scheme's test cases; exit 1 if one fails
    flask --app portal score ID|FILE FACTS… [--json]    one sheet as a table or JSON; several files: JSON lines

Points are always strings with two decimals ("3.00"); an incomplete sheet has "total": null and lists
what is missing (rules/scoring/summary.py).
"""
from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

LANG = click.Choice(["zh", "en"])


@contextmanager
def _language(lang: str):
    from flask_babel import force_locale

    with current_app.test_request_context(), force_locale(lang):
        yield


def _dump(data: Any, *, indent: int | None = 2) -> str:
    return json.dumps(data, ensure_ascii=False, indent=indent, default=_json_default,
                      separators=None if indent else (",", ":"))


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON: {value!r}")


def json_ready(value: Any) -> Any:
    """A value as a facts file writes it: whole numbers as numbers, decimals as strings ("0.5"), no reprs."""
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and "." not in str(value) else str(value)
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if hasattr(value, "value") and hasattr(value, "reason"):  # a Judgement
        return {"value": json_ready(value.value), "reason": value.reason}
    return str(value)


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise click.ClickException(f"{path}: no such file") from None
    except IsADirectoryError:
        raise click.ClickException(f"{path}: is a directory") from None


def _check_file(path: str, lang: str):
    """The scheme of a file, or its problems printed and exit 1."""
    from portal.schemes.problems import problem_line
    from rules.schemes.check import check_scheme_text

    result = check_scheme_text(_read(path), file_name=Path(path).name)
    if result.problems:
        with _language(lang):
            for problem in result.problems:
                click.echo(f"{path}:{problem_line(problem)}", err=True)
        raise SystemExit(1)
    return result.scheme


def _scheme(scheme: str, lang: str):
    """A shipped scheme by id, or a scheme file by its path (checked first)."""
    import sqlalchemy as sa

    from portal.db import local_today
    from portal.schemes.services import scheme_for
    from rules.schemes import SchemeError, load_scheme

    if scheme.endswith(".toml") or "/" in scheme:
        return _check_file(scheme, lang)
    try:  # the portal's published version in force today; the shipped file when the portal has no such id
        try:
            return scheme_for(scheme, local_today())
        except (SchemeError, sa.exc.SQLAlchemyError):
            return load_scheme(scheme)
    except SchemeError as exc:
        raise click.ClickException(str(exc)) from None


# -- flask schemes ----------------------------------------------------------------------------------

class _SchemesGroup(AppGroup):
    """`schemes check|test …` are subcommands; any other first word is a scheme id (`schemes ID --facts`)."""

    def get_command(self, ctx, name):
        command = super().get_command(ctx, name)
        return command if command is not None else _show_command(name)

    def resolve_command(self, ctx, args):
        name = args[0]
        return name, self.get_command(ctx, name), args[1:]


def _show_command(scheme_id: str) -> click.Command:
    @click.command(scheme_id)
    @with_appcontext
    @click.option("--facts", "show_facts", is_flag=True, help="List the facts the scheme takes.")
    @click.option("--json", "as_json", is_flag=True, help="With --facts: the list as JSON.")
    @click.option("--lang", type=LANG, default="zh", show_default=True)
    def show(show_facts: bool, as_json: bool, lang: str) -> None:
        scheme = _scheme(scheme_id, lang)
        if show_facts and as_json:
            click.echo(_dump({"scheme": scheme.id, "facts": fact_rows(scheme),
                              "example": {key: json_ready(spec.example) for key, spec in scheme.facts.items()}}))
            return
        click.echo(f"{scheme.id}  {scheme.version}\n{scheme.title}\n{scheme.bureau} · {scheme.source}")
        if show_facts:
            with _language(lang):
                click.echo("\n" + facts_table(scheme))
    return show


def fact_rows(scheme) -> list[dict[str, Any]]:
    """Each fact the portal supplies: key, kind, unit, range (min/max as strings or null), choices, example."""
    rows = []
    for key, spec in scheme.facts.items():
        lo, hi = spec.min, spec.max
        if spec.kind in ("count", "count_list") and lo is None:
            lo = Decimal(0)
        if spec.kind == "percent":
            lo = Decimal(0) if lo is None else lo
            hi = Decimal(100) if hi is None else hi
        rows.append({"key": key, "kind": spec.kind, "unit": spec.unit or None,
                     "min": None if lo is None else str(lo), "max": None if hi is None else str(hi),
                     "choices": list(spec.choices) or None, "meaning": spec.meaning,
                     "not_above": spec.not_above, "example": json_ready(spec.example)})
    return rows


def facts_table(scheme) -> str:
    from flask_babel import gettext as _

    from portal.explain import _width, _pad  # noqa: PLC2701 (the CLI tables' shared padding)

    english = _language_is_english()

    def half(text: str) -> str:
        zh, sep, en = text.partition(" / ")
        return en.strip() if sep and english and en.strip() else zh.strip()

    def span(row) -> str:
        if row["kind"] == "bool":
            return "true / false"
        if row["choices"]:
            return " / ".join(row["choices"])
        if row["min"] is None and row["max"] is None:
            return "—"
        lo = "" if row["min"] is None else row["min"]
        hi = "" if row["max"] is None else row["max"]
        return f"{lo}–{hi}" if lo and hi else (f"≥ {lo}" if lo else f"≤ {hi}")

    rows = [(r["key"], r["kind"], r["unit"] or "—", span(r), r["meaning"] if r["choices"] else half(r["meaning"]))
            for r in fact_rows(scheme)]
    head = (_("数据"), _("类型"), _("单位"), _("范围或选项"), _("含义"))
    widths = [max(_width(r[i]) for r in rows + [head]) for i in range(4)]
    lines = ["  ".join(_pad(c, w) for c, w in zip(r, widths + [0])) for r in [head] + rows]
    example = _dump({key: json_ready(spec.example) for key, spec in scheme.facts.items()})
    return "\n".join(lines) + "\n\n" + _("示例数据文件（JSON，可直接使用）：") + "\n" + example


def _language_is_english() -> bool:
    from flask_babel import get_locale

    return str(get_locale()).startswith("en")


def init_scheme_commands(app) -> None:
    @app.cli.group("schemes", cls=_SchemesGroup, invoke_without_command=True)
    @click.pass_context
    def schemes(ctx) -> None:
        """List the schemes; `schemes ID --facts` shows one scheme's facts; `check` and `test` a scheme file."""
        if ctx.invoked_subcommand is None:
            from rules.schemes import all_schemes

            for s in all_schemes():
                click.echo(f"{s.id:<22} {s.document_number or '（无文号）':<22} {s.effective_date.isoformat()}  {s.title}")

    @schemes.command("check")
    @click.argument("scheme_file", type=click.Path(dir_okay=False))
    @click.option("--lang", type=LANG, default="zh", show_default=True, help="Language of the problems.")
    @click.option("--json", "as_json", is_flag=True, help="The problems as JSON (line, column, key, params, message).")
    def check(scheme_file: str, lang: str, as_json: bool) -> None:
        """Check a scheme file: every problem with its line; exit code 1 when there is one."""
        from portal.schemes.problems import problem_line, problem_text
        from rules.schemes.check import check_scheme_text

        result = check_scheme_text(_read(scheme_file), file_name=Path(scheme_file).name)
        with _language(lang):
            if as_json:
                click.echo(_dump({"file": scheme_file, "ok": result.ok,
                                  "scheme": result.scheme.version if result.scheme else None,
                                  "problems": [{**p.as_dict(), "message": problem_text(p)} for p in result.problems]}))
            elif result.problems:
                for problem in result.problems:
                    click.echo(problem_line(problem))
            else:
                from flask_babel import gettext as _

                scheme = result.scheme
                click.echo(_("通过：%(version)s，%(categories)s个类别，%(lines)s个评分项，%(facts)s项数据，满分%(max)s",
                             version=scheme.version, categories=len(scheme.categories), lines=len(scheme.leaves()),
                             facts=len(scheme.facts), max=scheme.max_total))
        if result.problems:
            sys.exit(1)

    @schemes.command("test")
    @click.argument("scheme_file", type=click.Path(dir_okay=False))
    @click.argument("cases_file", type=click.Path(dir_okay=False))
    @click.option("--lang", type=LANG, default="zh", show_default=True)
    def test(scheme_file: str, cases_file: str, lang: str) -> None:
        """Run CASES_FILE (TOML or .json: facts → expected total, lines, band…) on a scheme file or id."""
        from flask_babel import gettext as _

        from portal.schemes.problems import cases_error_text, mismatch_text
        from rules.schemes.cases import CasesError, run_cases

        scheme = _scheme(scheme_file, lang)
        titles = {n.path: n.title for n in scheme.nodes()}
        with _language(lang):
            try:
                results = run_cases(scheme, _read(cases_file), json_format=cases_file.endswith(".json"))
            except CasesError as exc:
                raise click.ClickException(f"{cases_file}: {cases_error_text(exc)}") from None
            for r in results:
                if r.passed:
                    click.echo(_("✓ 用例%(n)s “%(name)s”", n=r.number, name=r.name))
                    continue
                click.echo(_("✗ 用例%(n)s “%(name)s”未通过：", n=r.number, name=r.name))
                if r.error:
                    click.echo("    " + _("数据“%(fact)s”不合规：%(error)s", fact=r.error_fact, error=r.error))
                for m in r.mismatches:
                    click.echo("    " + mismatch_text(m, titles))
            failed = sum(not r.passed for r in results)
            click.echo(_("%(n)s个用例，%(passed)s个通过，%(failed)s个未通过", n=len(results),
                         passed=len(results) - failed, failed=failed))
        if failed:
            sys.exit(1)

    @app.cli.command("score")
    @click.argument("scheme_id")
    @click.argument("facts_files", nargs=-1, type=click.Path(dir_okay=False))
    @click.option("--files-from", type=click.File("r", encoding="utf-8"),
                  help="Read the facts files' paths from this file, one a line ('-': standard input).")
    @click.option("--cohort", is_flag=True, help="FACTS_FILE maps participants to their facts; rank and grade them.")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
    @click.option("--jsonl", is_flag=True, help="One JSON line per facts file (the default for several files).")
    @click.option("--no-lines", is_flag=True, help="JSON without the lines: total, result, band, missing only.")
    @click.option("--jobs", type=click.IntRange(min=0), default=0, show_default=True,
                  help="Processes scoring a batch (0: one per core, up to 4, from 200 files on).")
    @click.option("--lang", type=click.Choice(["zh", "en", "engine"]), default="zh", show_default=True,
                  help="Language of the table: Chinese, English, or the engine's own English for developers.")
    def score_command(scheme_id: str, facts_files: tuple[str, ...], files_from, cohort: bool, as_json: bool,
                      jsonl: bool, no_lines: bool, jobs: int, lang: str) -> None:
        """Score FACTS files (JSON) under SCHEME_ID (or a scheme file): a table, JSON, or JSON lines for many."""
        files = list(facts_files) + ([line.strip() for line in files_from if line.strip()] if files_from else [])
        if not files:
            raise click.UsageError("give at least one facts file (or --files-from)")
        scheme = _scheme(scheme_id, "en" if lang == "engine" else lang)
        if cohort:
            if len(files) != 1:
                raise click.UsageError("--cohort takes one file mapping participants to their facts")
            return _score_cohort(scheme, files[0], as_json, lang)
        if len(files) > 1 or jsonl:
            return _score_many(scheme, files, not no_lines, _jobs(jobs, len(files)))
        _score_one(scheme, files[0], as_json, not no_lines, lang)


def _load_facts(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as f:
            facts = json.load(f, parse_float=Decimal)  # numbers stay exact: the engine refuses floats
    except FileNotFoundError:
        raise click.ClickException(f"{path}: no such file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(facts, dict):
        raise click.ClickException(f"{path}: expected a JSON object")
    return facts


def _score_one(scheme, path: str, as_json: bool, lines: bool, lang: str) -> None:
    from portal.explain import explain, sheet_text
    from rules.scoring import FactsError, render_sheet, score
    from rules.scoring.summary import sheet_summary

    facts = _load_facts(path)
    try:
        sheet = score(scheme, facts)
    except FactsError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        out = sheet_summary(sheet, scheme, lines=lines)
        if lines:
            with _language("en" if lang == "en" else "zh"):
                by_path = {line.path: line for line in sheet.lines}
                for row in out["lines"]:
                    line = by_path[row["path"]]
                    row["explanation"] = (line.explanation if lang == "engine"
                                          else explain(line.steps, scheme.id, line.explanation))
        click.echo(_dump(out))
    elif lang == "engine":
        click.echo(render_sheet(sheet))
    else:
        with _language(lang):
            click.echo(sheet_text(sheet, scheme.id))


_BATCH: dict[str, Any] = {}  # the scheme and options of a batch, inherited by forked workers


def _score_path(path: str) -> tuple[str, bool]:
    """One facts file as its JSON line, and whether it failed (runs in the batch's process or a worker)."""
    from rules.scoring import FactsError, score
    from rules.scoring.summary import sheet_summary

    scheme = _BATCH["scheme"]
    try:
        record, failed = {"file": path, **sheet_summary(score(scheme, _load_facts(path)), scheme,
                                                        lines=_BATCH["lines"])}, False
    except click.ClickException as exc:
        record, failed = {"file": path, "error": exc.message}, True
    except FactsError as exc:
        record, failed = {"file": path, "error": str(exc), "fact": exc.key}, True
    return _dump(record, indent=None), failed


def _jobs(requested: int, files: int) -> int:
    if requested > 0:
        return requested
    if files < 200:  # starting workers costs more than it saves
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    return max(1, min(cores, 4))


def _score_many(scheme, paths: list[str], lines: bool, jobs: int) -> None:
    """One compact JSON line per file, in order; a bad file gives an "error" line and exit code 1 at the end.

    With more than one job the files are scored by forked worker processes (they inherit the loaded scheme),
    in chunks, and printed in the order given."""
    _BATCH.update(scheme=scheme, lines=lines)
    out, failed = sys.stdout, 0
    if jobs > 1 and hasattr(os, "fork"):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        chunk = max(1, min(100, len(paths) // (jobs * 8)))
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            results = pool.map(_score_path, paths, chunksize=chunk)
            for line, bad in results:
                out.write(line + "\n")
                failed += bad
    else:
        for path in paths:
            line, bad = _score_path(path)
            out.write(line + "\n")
            failed += bad
    out.flush()
    if failed:
        sys.exit(1)


def _score_cohort(scheme, path: str, as_json: bool, lang: str) -> None:
    from portal.explain import cohort_text
    from rules.scoring import FactsError, render_cohort, score_cohort
    from rules.scoring.summary import points, sheet_summary

    facts = _load_facts(path)
    try:
        result = score_cohort(scheme, facts)
    except FactsError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(_dump({
            "scheme": result.scheme_id, "scheme_version": result.scheme_version, "complete": result.complete,
            "participants": [{"participant": s.participant, "total": points(s.total) if s.complete else None,
                              "rank": s.rank, "grade": s.grade, "passed": s.passed, "complete": s.complete}
                             for s in result.ranking()],
            "sheets": {who: sheet_summary(s, scheme) for who, s in result.sheets.items()},
        }))
    elif lang == "engine":
        click.echo(render_cohort(result))
    else:
        with _language(lang):
            click.echo(cohort_text(result, scheme.id))
