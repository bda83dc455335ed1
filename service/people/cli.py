"""`feedback360 people import FILE`: CSV or LDIF, upserting on the directory id."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from service.cli_support import transactional
from service.db import db
from service.people.operations import CSV_COLUMNS, parse_people_file, upsert_people


@click.group("people")
def people_cli() -> None:
    """People (until the directory sync: from files)."""


@people_cli.command(
    "import",
    help="Import people from a .csv file (columns: " + ", ".join(CSV_COLUMNS)
    + "; directory_id and email required) or an .ldif file. Upserts on directory_id.",
)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate and count, change nothing.")
@with_appcontext
@transactional
def import_command(path: Path, dry_run: bool) -> None:
    counts = upsert_people(parse_people_file(path))
    if dry_run:
        db.session.rollback()
        click.echo(f"dry run, nothing saved: would have {counts}")
        return
    click.echo(f"imported {path.name}: {counts}")
