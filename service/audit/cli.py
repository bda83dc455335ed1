"""`feedback360 audit export`: the audit log as CSV or JSON, filtered."""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import IO

import click
from flask.cli import with_appcontext

from service.audit.operations import COLUMNS, AuditFilter, as_rows, audit_events
from service.csv_cells import write_csv


@click.group("audit")
def audit_cli() -> None:
    """The audit log of staff actions (append-only)."""


@audit_cli.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv",
              show_default=True)
@click.option("--action", help="Only actions starting with this, e.g. cycle. or cycle.launch")
@click.option("--object-type", help="Only entries about this kind of object, e.g. cycle")
@click.option("--object-id", help="Only entries about this object id")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="From this day (UTC)")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Before this day (UTC)")
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-")
@with_appcontext
def export_command(fmt: str, action: str | None, object_type: str | None,
                   object_id: str | None, since: dt.datetime | None,
                   until: dt.datetime | None, output: IO[str]) -> None:
    """Write the entries, newest first, with columns at, actor, action, object_type,
    object_id, summary, address."""
    rows = as_rows(audit_events(AuditFilter(action, object_type, object_id, since, until)))
    if fmt == "json":
        json.dump(rows, output, ensure_ascii=False, indent=1)
        output.write("\n")
    else:
        write_csv(output, COLUMNS, rows)
    if output is not sys.stdout:
        click.echo(f"{len(rows)} entries written", err=True)
