"""`feedback360 export …`: a cycle's progress, and the released summaries the appraisal
integration may have, as CSV or JSON for systems that take files (columns:
docs/integration.md). Each export of summaries is an audit row: the consented content leaves
the service."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterable
from typing import IO, Any

import click
from flask.cli import with_appcontext

from service.audit.operations import record
from service.cli_support import transactional
from service.csv_cells import write_csv
from service.cycles.operations import get_cycle
from service.sharing import exports
from service.sharing.summaries import LANGUAGES

FORMAT = click.Choice(["csv", "json"])


@click.group("export")
def export_cli() -> None:
    """Files for other systems: progress and consented summaries."""


def _json_value(value: Any) -> str:
    """Dates as the API writes them: days as YYYY-MM-DD, times in UTC (RFC 3339)."""
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def _write_json(output: IO[str], value: Any) -> None:
    json.dump(value, output, ensure_ascii=False, indent=1, default=_json_value)
    output.write("\n")


def _done(output: IO[str], count: int, what: str) -> None:
    if output is not sys.stdout:
        click.echo(f"{count} {what} written", err=True)


@export_cli.command("progress")
@click.argument("cycle_id", type=click.IntRange(1, 2**31 - 1))
@click.option("--format", "fmt", type=FORMAT, default="csv", show_default=True)
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-")
@with_appcontext
@transactional
def progress_command(cycle_id: int, fmt: str, output: IO[str]) -> None:
    """Response counts per leader and rater group (never who answered): CSV one row per
    leader and group, or JSON as GET /api/v1/cycles/<id>/progress answers."""
    progress = exports.progress_export(get_cycle(cycle_id))
    if fmt == "json":
        _write_json(output, progress)
    else:
        write_csv(output, exports.PROGRESS_COLUMNS, exports.progress_rows(progress))
    _done(output, len(progress["leaders"]), "leaders")


@export_cli.command("summaries")
@click.argument("cycle_id", type=click.IntRange(1, 2**31 - 1))
@click.option("--format", "fmt", type=FORMAT, default="csv", show_default=True)
@click.option("--language", type=click.Choice(LANGUAGES),
              help="The texts' language; by default each report's own.")
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-")
@with_appcontext
@transactional
def summaries_command(cycle_id: int, fmt: str, language: str | None, output: IO[str]) -> None:
    """The released summaries the integration may have (shared by the leader, or given by
    APPRAISAL_ALWAYS_RECEIVES_SUMMARY): CSV in long rows, or JSON as a list of what
    GET /api/v1/cycles/<id>/summaries answers as items."""
    cycle = get_cycle(cycle_id)
    summaries: Iterable[dict[str, Any]] = exports.summaries_of(cycle, language)
    count = 0
    if fmt == "json":
        items = list(summaries)
        count = len(items)
        _write_json(output, items)
    else:
        def counted() -> Iterable[dict[str, Any]]:
            nonlocal count
            for summary in summaries:
                count += 1
                yield from exports.summary_rows(summary)

        write_csv(output, exports.SUMMARY_COLUMNS, counted())
    record("export.summaries", "cycle", cycle.id,
           f"{count} consented report summaries exported as {fmt.upper()}")
    _done(output, count, "summaries")
